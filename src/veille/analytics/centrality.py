"""Centrality of each leader: weighted PageRank over the period's interaction edges
(``interaction_edges``: reply 1, quote 1, repost 1, mention 0.5 by default, ``[index]
edge_weights``), with ``veille.graph``'s PageRank (igraph; the accounts of one leader merged
into one node ``leader:ID``; damping 0.85; scores sum to 1 over the period's graph).

A leader absent from the graph had no interaction in the period: no centrality, with the
reason (the Index says "not enough data" rather than 0).
"""

from __future__ import annotations

from collections.abc import Mapping

from veille.analytics.edges import weight_params
from veille.analytics.engine import Engine
from veille.analytics.period import Period
from veille.analytics.registry import run_metric
from veille.graph import pagerank

_ENTITIES_SQL = "SELECT kind, entity_id, network, account_id FROM entity_accounts"


def leader_centrality(
    engine: Engine, period: Period, edge_weights: Mapping[str, float] | None = None
) -> dict[str, float]:
    """PageRank of each leader who interacted (or was interacted with) in ``period``."""
    edges = run_metric(
        engine, "interaction_edges", **period.params(), **weight_params(dict(edge_weights or {}))
    )
    entities = engine.query(_ENTITIES_SQL)
    scores = pagerank(edges, entities)
    return {k.split(":", 1)[1]: v for k, v in scores.items() if k.startswith("leader:")}
