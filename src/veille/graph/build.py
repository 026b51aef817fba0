"""The ecosystem graph built from an edge list: accounts merged into persons and
organisations, parallel edges summed, self-loops dropped.

Input: an Arrow table with the columns of the ``interaction_edges`` metric (``network``,
``source``, ``target``, ``weight``; ``kind``, ``n``... are allowed and ignored here), to which
the ``follow_edges`` rows may be appended (same columns). Optionally the registry's
``entity_accounts`` table (``kind``, ``entity_id``, ``network``, ``account_id``): every
account it lists becomes the node of its entity.

Node ids:

- ``leader:ID`` for every account of a registered leader (on any network);
- ``organisation:ID`` for an organisation's accounts (an account listed for both a leader
  and an organisation is the leader's: a person's account);
- ``network:account_id`` for every other account (``bluesky:did:plc:...``).

After merging, the edges between two nodes are summed into one weighted directed edge, and
an edge from a node to itself (a self-interaction, or two accounts of one leader talking to
each other) is dropped and counted in ``BuiltGraph.self_loops``.

Everything here is vectorised with pyarrow (1 M nodes and 5 M edges build in seconds: see
``bench/graph.py``); the algorithms are igraph's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import igraph as ig
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EDGE_COLUMNS = ("network", "source", "target", "weight")
ENTITY_COLUMNS = ("kind", "entity_id", "network", "account_id")
#: Which entity kind wins when one account is listed for several (a person first).
_KIND_ORDER = {"leader": 0, "organisation": 1}


@dataclass
class BuiltGraph:
    """An igraph ``Graph`` (directed, edge attribute ``weight``, vertex attribute ``name``
    = node id) and what building it dropped."""

    graph: ig.Graph
    #: node id of vertex ``i`` (the vertex attribute ``name`` too)
    ids: list[str]
    #: edges whose two ends merged into one node, or self-interactions, left out
    self_loops: int = 0
    #: edge rows read (before merging parallel edges)
    rows: int = 0
    #: accounts of each merged entity node: node id -> ["network:account_id", ...]
    members: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return bool(self.graph.vcount() == 0)

    def index(self) -> dict[str, int]:
        return {node: i for i, node in enumerate(self.ids)}


Column: TypeAlias = pa.Array | pa.ChunkedArray


def account_key(network: Column, account: Column) -> pa.Array:
    """``network:account_id`` for each row."""
    joined = pc.binary_join_element_wise(network, account, ":")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def entity_map(entities: pa.Table | None) -> tuple[pa.Array, pa.Array]:
    """Account keys and the node id each maps to (one row per account)."""
    if entities is None or entities.num_rows == 0:
        empty = pa.array([], pa.string())
        return empty, empty
    missing = [c for c in ENTITY_COLUMNS if c not in entities.column_names]
    if missing:
        raise ValueError(f"entity table: missing column(s) {', '.join(missing)}")
    rows = sorted(
        (
            _KIND_ORDER.get(str(r["kind"]), 9),
            f"{r['network']}:{r['account_id']}",
            f"{r['kind']}:{r['entity_id']}",
        )
        for r in entities.select(list(ENTITY_COLUMNS)).to_pylist()
    )
    chosen: dict[str, str] = {}
    for _, key, node in rows:
        chosen.setdefault(key, node)
    return pa.array(list(chosen), pa.string()), pa.array(list(chosen.values()), pa.string())


def _node_keys(keys: pa.Array, entity_keys: pa.Array, entity_nodes: pa.Array) -> pa.Array:
    if len(entity_keys) == 0:
        return keys
    where = pc.index_in(keys, value_set=entity_keys)
    mapped = pc.take(entity_nodes, where)
    return pc.coalesce(mapped, keys)


@dataclass
class MergedEdges:
    """The edge rows with both ends as node ids, self-loops removed."""

    source: pa.Array
    target: pa.Array
    kind: pa.Array
    weight: pa.Array
    self_loops: int
    rows: int

    def triples(self) -> list[tuple[str, str, str]]:
        """``(source node, target node, kind)`` for each row (small graphs only)."""
        return list(
            zip(
                self.source.to_pylist(), self.target.to_pylist(), self.kind.to_pylist(), strict=True
            )
        )


def merge_edges(edges: pa.Table, entities: pa.Table | None = None) -> MergedEdges:
    """Each edge row with its ends mapped to node ids; rows with a null or non-positive
    weight (a kind weighted 0 by the user) and self-loops left out."""
    missing = [c for c in EDGE_COLUMNS if c not in edges.column_names]
    if missing:
        raise ValueError(f"edge table: missing column(s) {', '.join(missing)}")
    weight = pc.cast(edges.column("weight"), pa.float64())
    keep = pc.fill_null(pc.greater(weight, 0.0), False)
    kinds = (
        pc.cast(edges.column("kind"), pa.string())
        if "kind" in edges.column_names
        else pa.nulls(edges.num_rows, pa.string())
    )
    table = pa.table(
        {c: pc.cast(edges.column(c), pa.string()) for c in ("network", "source", "target")}
    )
    table = table.append_column("weight", weight).append_column("kind", kinds).filter(keep)
    entity_keys, entity_nodes = entity_map(entities)
    net = table.column("network")
    src = _node_keys(account_key(net, table.column("source")), entity_keys, entity_nodes)
    dst = _node_keys(account_key(net, table.column("target")), entity_keys, entity_nodes)
    loops = pc.fill_null(pc.equal(src, dst), True)
    n_loops = int(pc.sum(pc.cast(loops, pa.int64())).as_py() or 0)
    w = _array(table.column("weight"))
    k = _array(table.column("kind"))
    if n_loops:
        mask = pc.invert(loops)
        src, dst, w, k = src.filter(mask), dst.filter(mask), w.filter(mask), k.filter(mask)
    return MergedEdges(src, dst, k, w, n_loops, edges.num_rows)


def _array(column: Column) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def graph_of(merged: MergedEdges, entities: pa.Table | None = None) -> BuiltGraph:
    """The igraph graph of merged edges, parallel edges summed."""
    members = _members(entities)
    src, dst, w = merged.source, merged.target, merged.weight
    if len(src) == 0:
        graph = ig.Graph(directed=True)
        graph.vs["name"] = []
        graph.es["weight"] = []
        return BuiltGraph(graph, [], merged.self_loops, merged.rows, members)
    # vertices in node-id order and edges sorted: the same store gives the same graph
    # whatever order the engine returned its rows in (so Leiden's seeded run is repeatable)
    both = pa.chunked_array([src, dst]).combine_chunks()
    encoded = pc.dictionary_encode(both)  # one hash pass over the ends
    order = np.asarray(pc.sort_indices(encoded.dictionary).to_numpy(), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    codes = rank[np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
    uniq = encoded.dictionary.take(pa.array(order))
    # parallel edges summed: one sort of the integer key source * n + target (numpy's
    # unique, 1.3 s of CPU for 5 M edges, against 4.0 s for Arrow's group_by + sort_by),
    # which also leaves the edges sorted by (source, target)
    m = len(src)
    n = len(order)
    key = codes[:m] * n + codes[m:]
    keys, inverse = np.unique(key, return_inverse=True)
    weights = np.bincount(inverse, weights=np.asarray(w.to_numpy(zero_copy_only=False)))
    # igraph reads a list of tuples twice as fast as a numpy array, and add_edges on an
    # empty graph faster than the constructor (0.9 s vs 1.6 s of CPU for 4 M edges)
    pairs = list(zip((keys // n).tolist(), (keys % n).tolist(), strict=True))
    ids = uniq.to_pylist()
    graph = ig.Graph(n=len(ids), directed=True)
    graph.add_edges(pairs)
    graph.vs["name"] = ids
    graph.es["weight"] = weights
    return BuiltGraph(graph, ids, merged.self_loops, merged.rows, members)


def build_graph(edges: pa.Table, entities: pa.Table | None = None) -> BuiltGraph:
    """The directed weighted graph of ``edges``, nodes merged by ``entities``.

    Rows with a null or non-positive weight carry nothing and are left out (a kind weighted
    0 by the user). The result may be empty (``BuiltGraph.empty``): callers say "no
    interactions in the period" rather than computing on nothing.
    """
    return graph_of(merge_edges(edges, entities), entities)


def _members(entities: pa.Table | None) -> dict[str, list[str]]:
    keys, nodes = entity_map(entities)
    out: dict[str, list[str]] = {}
    for key, node in zip(keys.to_pylist(), nodes.to_pylist(), strict=True):
        out.setdefault(str(node), []).append(str(key))
    return out


def is_entity(node: str) -> bool:
    """True for a merged registry node (``leader:ID`` or ``organisation:ID``)."""
    return node.startswith(("leader:", "organisation:"))
