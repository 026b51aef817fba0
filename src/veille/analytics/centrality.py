"""Centrality of each leader: weighted PageRank over the period's interaction edges
(``interaction_edges``: reply 1, quote 1, repost 1, mention 0.5 by default), the accounts of
one leader merged into one node.

``pagerank`` is the one place the PageRank comes from (``veille.graph``'s when it is
installed, else the small power iteration below, with the same conventions: damping 0.85,
edge weights as transition weights, dangling nodes spread their rank uniformly, scores sum
to 1; node ids ``leader:ID``, ``organisation:ID``, ``network:account_id``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from veille.analytics.edges import weight_params
from veille.analytics.engine import Engine
from veille.analytics.period import Period
from veille.analytics.registry import run_metric

DAMPING = 0.85
_ENTITIES_SQL = "SELECT kind, entity_id, network, account_id FROM entity_accounts"


def _power_pagerank(edges: pa.Table, entities: pa.Table | None) -> dict[str, float]:
    node_of: dict[str, str] = {}
    if entities is not None:
        rows = sorted(entities.to_pylist(), key=lambda r: (r["kind"] != "leader", r["kind"]))
        for r in rows:
            node_of.setdefault(f"{r['network']}:{r['account_id']}", f"{r['kind']}:{r['entity_id']}")
    weights: dict[tuple[str, str], float] = {}
    for r in edges.select(["network", "source", "target", "weight"]).to_pylist():
        src = f"{r['network']}:{r['source']}"
        dst = f"{r['network']}:{r['target']}"
        a, b = node_of.get(src, src), node_of.get(dst, dst)
        if a != b:
            weights[(a, b)] = weights.get((a, b), 0.0) + float(r["weight"])
    ids = sorted({n for pair in weights for n in pair})
    if not ids:
        return {}
    index = {n: i for i, n in enumerate(ids)}
    size = len(ids)
    src_i = np.array([index[a] for a, _ in weights], dtype=np.int64)
    dst_i = np.array([index[b] for _, b in weights], dtype=np.int64)
    w = np.array(list(weights.values()), dtype=np.float64)
    out_w = np.bincount(src_i, weights=w, minlength=size)
    rank = np.full(size, 1.0 / size)
    for _ in range(1000):
        share = np.where(out_w[src_i] > 0, w / np.where(out_w[src_i] > 0, out_w[src_i], 1), 0)
        flow = np.bincount(dst_i, weights=rank[src_i] * share, minlength=size)
        dangling = rank[out_w <= 0].sum()
        new = (1 - DAMPING) / size + DAMPING * (flow + dangling / size)
        new /= new.sum()
        if np.abs(new - rank).sum() < 1e-12:
            rank = new
            break
        rank = new
    return {n: float(v) for n, v in zip(ids, rank, strict=True)}


def pagerank(edges: pa.Table, entities: pa.Table | None = None) -> dict[str, float]:
    try:
        from veille.graph import pagerank as graph_pagerank  # type: ignore[attr-defined]
    except ImportError:
        return _power_pagerank(edges, entities)
    return dict(graph_pagerank(edges, entities))


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
