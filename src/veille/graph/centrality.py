"""Weighted directed PageRank: the Leader Index's centrality (DESIGN.md).

Call it on the edge list of the period and the registry's accounts::

    from veille.analytics.edges import weight_params
    from veille.analytics.registry import run_metric
    from veille.graph import pagerank

    edges = run_metric(ctx.engine, "interaction_edges", **period.params(), **weight_params())
    entities = register_entities(ctx.engine, ctx.config)   # the entity_accounts table
    scores = pagerank(edges, entities)                      # {"leader:alice": 0.031, ...}
    centrality = scores.get("leader:alice")                 # None: no interaction in the period

Edges go from the account that acts to the account acted upon (a reply, quote, repost or
mention), so rank flows to those who are answered, quoted and mentioned. The accounts of one
leader (or organisation) are one node, ``leader:ID`` (``organisation:ID``); other accounts
are ``network:account_id``. Parallel edges are summed and self-loops dropped
(``veille.graph.build``).

PageRank is igraph's PRPACK solver: damping 0.85, edge weights as transition weights, and
a dangling node (one that interacts with nobody) spreads its rank uniformly over all
nodes, the same convention as networkx's ``pagerank`` (which the tests compare against).
Scores sum to 1 over the nodes of the graph, so they depend on the graph's size: compare
them within one graph (the Index ranks them into percentiles). A node absent from the
result had no interaction in the period: the Index reports "not enough data" for it.
"""

from __future__ import annotations

import pyarrow as pa

from veille.graph.build import BuiltGraph, build_graph

DAMPING = 0.85


def pagerank_of(built: BuiltGraph, *, damping: float = DAMPING) -> list[float]:
    """PageRank of each vertex of ``built`` (in vertex order); empty for an empty graph."""
    if built.empty:
        return []
    graph = built.graph
    weights = "weight" if graph.ecount() else None
    values = graph.pagerank(directed=True, damping=damping, weights=weights)
    return [float(v) for v in values]


def pagerank(
    edges: pa.Table, entities: pa.Table | None = None, *, damping: float = DAMPING
) -> dict[str, float]:
    """Weighted directed PageRank keyed by node id (see the module docstring).

    ``edges``: the ``interaction_edges`` table (columns ``network``, ``source``, ``target``,
    ``weight``), optionally with ``follow_edges`` rows appended. ``entities``: the
    ``entity_accounts`` table (``kind``, ``entity_id``, ``network``, ``account_id``) or None
    (no merging). Returns ``{}`` for an empty graph (no interaction in the period).
    """
    built = build_graph(edges, entities)
    return dict(zip(built.ids, pagerank_of(built, damping=damping), strict=True))


def pagerank_table(
    edges: pa.Table, entities: pa.Table | None = None, *, damping: float = DAMPING
) -> pa.Table:
    """The same as ``pagerank`` as an Arrow table ``(node, pagerank)``, highest first."""
    scores = pagerank(edges, entities, damping=damping)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return pa.table(
        {
            "node": pa.array([k for k, _ in ranked], pa.string()),
            "pagerank": pa.array([v for _, v in ranked], pa.float64()),
        }
    )
