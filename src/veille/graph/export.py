"""Files that Gephi and Cytoscape open: GEXF 1.2 (written here with the standard library's
XML writer; networkx's ``read_gexf`` reads it back in the tests), GraphML (igraph's writer)
and CSV (a nodes table and an edges table, Gephi's spreadsheet import).

Node attributes: ``label`` (handle or registry name), ``community``, ``stakeholder``,
``pagerank``, ``leader`` (true for a registry leader). Edges: directed, ``weight``.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from veille.errors import UsageError
from veille.graph.ecosystem import Ecosystem

FORMATS = ("gexf", "graphml", "csv")


def node_rows(eco: Ecosystem) -> list[dict[str, Any]]:
    return [
        {
            "id": node,
            "label": eco.handle[i],
            "community": eco.membership[i],
            "stakeholder": eco.stakeholder[i] or "",
            "pagerank": eco.pagerank[i],
            "leader": eco.leader[i] is not None,
        }
        for i, node in enumerate(eco.ids)
    ]


def edge_rows(eco: Ecosystem) -> list[tuple[str, str, float]]:
    ids = eco.ids
    return [(ids[e.source], ids[e.target], float(e["weight"])) for e in eco.graph.es]


def export(eco: Ecosystem, fmt: str, out: Path) -> list[Path]:
    """Write ``eco`` as ``fmt`` at ``out``; returns the files written."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: unknown export format", hint="gexf, graphml or csv")
    if out.parent and not out.parent.exists():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    if fmt == "gexf":
        write_gexf(eco, out)
        return [out]
    if fmt == "graphml":
        write_graphml(eco, out)
        return [out]
    return write_csv(eco, out)


_ATTRS = (("community", "integer"), ("stakeholder", "string"), ("pagerank", "double"),
          ("leader", "boolean"))  # fmt: skip


def write_gexf(eco: Ecosystem, out: Path) -> None:
    root = ET.Element("gexf", {"xmlns": "http://www.gexf.net/1.2draft", "version": "1.2"})
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "veille"
    ET.SubElement(
        meta, "description"
    ).text = f"veille ecosystem graph, {eco.period.label()}, scope {eco.scope.get('kind')}"
    graph = ET.SubElement(root, "graph", {"defaultedgetype": "directed", "mode": "static"})
    attributes = ET.SubElement(graph, "attributes", {"class": "node"})
    for n, (name, kind) in enumerate(_ATTRS):
        ET.SubElement(attributes, "attribute", {"id": str(n), "title": name, "type": kind})
    nodes = ET.SubElement(graph, "nodes")
    for row in node_rows(eco):
        el = ET.SubElement(nodes, "node", {"id": row["id"], "label": row["label"]})
        values = ET.SubElement(el, "attvalues")
        for n, (name, _) in enumerate(_ATTRS):
            value = row[name]
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            ET.SubElement(values, "attvalue", {"for": str(n), "value": text})
    edges = ET.SubElement(graph, "edges")
    for n, (s, t, w) in enumerate(edge_rows(eco)):
        ET.SubElement(edges, "edge", {"id": str(n), "source": s, "target": t, "weight": repr(w)})
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)


def write_graphml(eco: Ecosystem, out: Path) -> None:
    g = eco.graph.copy()
    rows = node_rows(eco)
    g.vs["id"] = [r["id"] for r in rows]
    g.vs["label"] = [r["label"] for r in rows]
    g.vs["community"] = [r["community"] for r in rows]
    g.vs["stakeholder"] = [r["stakeholder"] for r in rows]
    g.vs["pagerank"] = [r["pagerank"] for r in rows]
    g.vs["leader"] = [r["leader"] for r in rows]
    g.write_graphml(str(out))


def write_csv(eco: Ecosystem, out: Path) -> list[Path]:
    """``NAME.nodes.csv`` and ``NAME.edges.csv`` beside ``out`` (NAME = its stem)."""
    stem = out.with_suffix("") if out.suffix.lower() == ".csv" else out
    nodes_path = stem.parent / f"{stem.name}.nodes.csv"
    edges_path = stem.parent / f"{stem.name}.edges.csv"
    with nodes_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Id", "Label", "community", "stakeholder", "pagerank", "leader"])
        for r in node_rows(eco):
            w.writerow([r["id"], r["label"], r["community"], r["stakeholder"],
                        repr(r["pagerank"]), str(r["leader"]).lower()])  # fmt: skip
    with edges_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Source", "Target", "Type", "Weight"])
        for s, t, weight in edge_rows(eco):
            w.writerow([s, t, "Directed", repr(weight)])
    return [nodes_path, edges_path]
