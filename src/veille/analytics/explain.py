"""Why a rank: which components lift or sink a leader against the cohort's median.

A leader whose every component sat at the cohort's median percentile (50) would have an
index of 50. Each component moves the index away from it by ``weight / total weight *
(percentile - 50)`` points; the sum of these effects is exactly ``index - 50``. Each effect
is shown with the leader's value beside the ranked cohort's median value.
"""

from __future__ import annotations

import statistics
from typing import Any

from veille.analytics.index import Ranking
from veille.errors import UsageError


def explain(ranking: Ranking, leader_id: str) -> dict[str, Any]:
    row = ranking.row(leader_id)
    if row is None:
        raise UsageError(f"leader {leader_id!r} is not in this ranking (check the filters)")
    base: dict[str, Any] = {
        "leader": row.leader.id,
        "name": row.leader.name,
        "ranked_among": sum(1 for r in ranking.rows if r.rank is not None),
    }
    if row.index is None:
        return {**base, "index": {"value": None, "reason": row.reason}, "effects": []}
    used = {
        k: w
        for k, w in ranking.weights.items()
        if w > 0 and row.components[k].percentile is not None
    }
    total = sum(used.values())
    effects: list[dict[str, Any]] = []
    for name, weight in used.items():
        comp = row.components[name]
        values = [
            v
            for r in ranking.rows
            if r.rank is not None and (v := r.components[name].value) is not None
        ]
        effect = weight / total * ((comp.percentile or 0.0) - 50.0)
        effects.append(
            {
                "component": name,
                "effect": round(effect, 2),
                "value": comp.value,
                "cohort_median": statistics.median(values) if values else None,
                "percentile": round(comp.percentile or 0.0, 1),
                "rank": comp.rank,
                "weight": round(weight / total, 4),
            }
        )
    effects.sort(key=lambda e: -abs(float(e["effect"])))
    return {
        **base,
        "index": round(row.index, 1),
        "rank": row.rank,
        "baseline": 50.0,
        "effects": effects,
        "lifts": [e["component"] for e in effects if e["effect"] > 0],
        "sinks": [e["component"] for e in effects if e["effect"] < 0],
        "missing_components": row.missing,
    }
