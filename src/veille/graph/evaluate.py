"""``veille graph eval``: community detection on a labelled GML graph (polblogs), scored
against the labels with NMI and ARI (scikit-learn)."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import igraph as ig

from veille.errors import UsageError
from veille.graph.communities import DEFAULT_SEED, leiden


def read_gml(path: Path) -> ig.Graph:
    if not path.is_file():
        raise UsageError(f"--gml {path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # unknown HTML entities: verbatim
            return ig.Graph.Read_GML(str(path))
    except Exception as exc:  # igraph's parser raises InternalError with a line number
        raise UsageError(f"--gml {path}: not a readable GML graph ({exc})") from None


def evaluate(
    path: Path, label: str, *, resolution: float = 1.0, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """Leiden (as ``veille graph`` runs it) on the largest connected component of the
    undirected simple graph; ``{"nmi", "ari", "communities", "seconds", ...}``."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    graph = read_gml(path)
    if label not in graph.vs.attributes():
        known = ", ".join(a for a in graph.vs.attributes() if a != "id") or "none"
        raise UsageError(
            f"--label {label!r}: the nodes of {path} have no such attribute",
            hint=f"Node attributes: {known}",
        )
    if graph.vcount() == 0:
        raise UsageError(f"--gml {path}: the graph has no node")
    und = graph.as_undirected() if graph.is_directed() else graph.copy()
    und.simplify(multiple=True, loops=True)  # unweighted: parallel links count once
    giant = und.connected_components().giant()
    truth = [str(x) for x in giant.vs[label]]
    start = time.perf_counter()
    found = leiden(giant, resolution=resolution, seed=seed, weights=False)
    seconds = time.perf_counter() - start
    q = giant.modularity(found) if giant.ecount() else None
    return {
        "nmi": round(float(normalized_mutual_info_score(truth, found)), 4),
        "ari": round(float(adjusted_rand_score(truth, found)), 4),
        "communities": len(set(found)),
        "seconds": round(seconds, 4),
        "nodes": giant.vcount(),
        "edges": giant.ecount(),
        "modularity": round(q, 4) if q is not None else None,
        "algorithm": "igraph community_leiden (modularity)",
        "seed": seed,
    }
