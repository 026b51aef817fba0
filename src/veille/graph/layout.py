"""The dashboard's graph view: nodes and edges as JSON-able dicts with coordinates computed
here (igraph's Fruchterman-Reingold up to ``FR_LIMIT`` nodes, DrL above), capped to the top
``top`` nodes by PageRank (the leader, when one is given, always kept), cached.

The cache is keyed by the store's state (``store_state``: counts and last times of posts,
follows, tombstones, enrichments, accounts), the registry and every parameter, so a new
post, a deletion or an edit of ``veille.toml`` computes afresh, and two identical requests
compute once. Coordinates are scaled to [0, 1] and rounded; fixed seeds make them stable.

Call: ``graph_view(ctx, ctx.period("90d"), leader="alice", top=200)`` ->
``{"nodes": [{"id", "label", "x", "y", "size", "pagerank", "community", "stakeholder",
"leader"}], "edges": [{"source", "target", "weight"}], "communities": [...], "period",
"scope", "nodes_total", "shown", "layout", "reason"?}``.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import OrderedDict
from typing import Any

from veille.analytics import ecosystem as data
from veille.analytics.context import AnalyticsContext
from veille.analytics.period import Period
from veille.graph.communities import DEFAULT_SEED, seeded
from veille.graph.ecosystem import Ecosystem, load

FR_LIMIT = 1_000
CACHE_SIZE = 32
_CACHE: OrderedDict[str, dict[str, Any]] = OrderedDict()


def cache_key(ctx: AnalyticsContext, period: Period, params: dict[str, Any]) -> str:
    state = data.store_state(ctx.engine)
    registry = ctx.config.model_dump(mode="json", include={"leaders", "organisations"})
    blob = json.dumps(
        [state, registry, period.since.isoformat(), period.until.isoformat(), params],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def graph_view(
    ctx: AnalyticsContext,
    period: Period,
    *,
    leader: str | None = None,
    depth: int = 1,
    watch: str | None = None,
    follows: bool = True,
    top: int = 200,
    use_cache: bool = True,
) -> dict[str, Any]:
    """The cached view (see the module docstring)."""
    params = {"leader": leader, "depth": depth, "watch": watch, "follows": follows, "top": top}
    key = cache_key(ctx, period, params)
    if use_cache and key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    eco = load(ctx, period, leader=leader, depth=depth, watch=watch, follows=follows)
    value = layout_view(eco, leader=leader, top=top)
    _CACHE[key] = value
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value


def clear_cache() -> None:
    _CACHE.clear()


def layout_view(eco: Ecosystem, *, leader: str | None = None, top: int = 200) -> dict[str, Any]:
    """Nodes and edges of the ``top`` nodes by PageRank, with coordinates."""
    order = sorted(range(len(eco.ids)), key=lambda i: (-eco.pagerank[i], eco.ids[i]))
    chosen = order[: max(top, 0)]
    centre = eco.vertex(f"leader:{leader}") if leader else None
    if centre is not None and centre not in chosen:
        chosen.append(centre)
    chosen.sort()
    out: dict[str, Any] = {
        "period": {"since": eco.period.since.isoformat(), "until": eco.period.until.isoformat()},
        "scope": eco.scope,
        "nodes_total": len(eco.ids),
        "shown": len(chosen),
        "nodes": [],
        "edges": [],
        "communities": [c.as_dict() for c in eco.communities],
        "layout": None,
    }
    if eco.reason:
        out["reason"] = eco.reason
    if not chosen:
        return out
    sub = eco.graph.induced_subgraph(chosen, implementation="create_from_scratch")
    algorithm = "fruchterman_reingold" if sub.vcount() <= FR_LIMIT else "drl"
    with seeded(DEFAULT_SEED):
        rng = random.Random(DEFAULT_SEED)
        start = [[rng.random(), rng.random()] for _ in range(sub.vcount())]
        weights = sub.es["weight"] if sub.ecount() else None
        if algorithm == "fruchterman_reingold":
            coords = sub.layout_fruchterman_reingold(weights=weights, seed=start, niter=500)
        else:
            coords = sub.layout_drl(weights=weights, seed=start)
    xs = [p[0] for p in coords]
    ys = [p[1] for p in coords]

    def scale(v: float, lo: float, hi: float) -> float:
        return round((v - lo) / (hi - lo), 5) if hi > lo else 0.5

    best = max(eco.pagerank[i] for i in chosen) or 1.0
    out["layout"] = algorithm
    out["nodes"] = [
        {
            "id": eco.ids[i],
            "label": eco.handle[i],
            "x": scale(xs[k], min(xs), max(xs)),
            "y": scale(ys[k], min(ys), max(ys)),
            "size": round(eco.pagerank[i] / best, 5),
            "pagerank": round(eco.pagerank[i], 8),
            "community": eco.membership[i],
            "stakeholder": eco.stakeholder[i],
            "leader": eco.leader[i] is not None,
        }
        for k, i in enumerate(chosen)
    ]
    names = sub.vs["name"]
    out["edges"] = [
        {
            "source": names[e.source],
            "target": names[e.target],
            "weight": round(float(e["weight"]), 6),
        }
        for e in sub.es
    ]
    return out
