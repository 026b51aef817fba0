"""Who a leader should engage: accounts central in the leader's communities, or bridging
to another community, with whom the leader has not interacted in the period.

- **central**: in one of the leader's communities (the leader's own, and any other that
  receives at least ``SHARE`` of the leader's interaction weight), ranked by PageRank; the
  score is the PageRank over the highest PageRank among the candidates.
- **bridge**: an account tied both to the leader's communities and to a target community
  (``target``, or else each community that is not the leader's), scored by the geometric
  mean of its tie weights to the two sides, over the highest such mean.

Left out: the leader, every account the leader interacted with in the period (reply, quote,
repost or mention, either way), the leader's own organisation, and bots. Each row says why.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from veille.graph.ecosystem import Ecosystem

SHARE = 0.25
INTERACTION_KINDS = frozenset({"reply", "quote", "repost", "mention"})


def engage(
    eco: Ecosystem, leader: str, *, target: int | None = None, top: int = 20
) -> dict[str, Any]:
    """``{"leader", "communities", "target", "candidates": [{"rank", "id", "handle",
    "stakeholder", "community", "pagerank", "kind", "score", "reason"}], "reason"?}``"""
    node = f"leader:{leader}"
    out: dict[str, Any] = {"leader": leader, "communities": [], "target": target,
                           "candidates": []}  # fmt: skip
    v = eco.vertex(node)
    if v is None:
        out["reason"] = eco.reason or f"{leader} has no interaction in the period"
        return out
    known = {c.id for c in eco.communities}
    if target is not None and target not in known:
        from veille.errors import UsageError

        raise UsageError(
            f"--target {target}: no such community",
            hint=f"Communities: {', '.join(str(c) for c in sorted(known))}",
        )
    graph, member = eco.graph, eco.membership
    # the leader's communities
    weight_to: dict[int, float] = defaultdict(float)
    for e in graph.es[graph.incident(v, mode="all")]:
        other = e.target if e.source == v else e.source
        weight_to[member[other]] += float(e["weight"])
    total = sum(weight_to.values()) or 1.0
    home = {member[v]} | {c for c, w in weight_to.items() if w / total >= SHARE}
    out["communities"] = sorted(home)
    touched = {s for s, t, k in eco.triples if t == node and k in INTERACTION_KINDS}
    touched |= {t for s, t, k in eco.triples if s == node and k in INTERACTION_KINDS}
    own_org = eco.organisation_of.get(node)
    excluded = touched | {node} | ({f"organisation:{own_org}"} if own_org else set())
    ok = [i for i, n in enumerate(eco.ids) if n not in excluded and eco.stakeholder[i] != "bot"]
    labels = {c.id: c.label for c in eco.communities}
    found: dict[int, tuple[float, str, str]] = {}
    central = [i for i in ok if member[i] in home]
    if central:
        best = max(eco.pagerank[i] for i in central) or 1.0
        rank_in: dict[int, list[int]] = defaultdict(list)
        for i in sorted(range(len(eco.ids)), key=lambda i: -eco.pagerank[i]):
            rank_in[member[i]].append(i)
        for i in central:
            c = member[i]
            r = rank_in[c].index(i) + 1
            found[i] = (
                eco.pagerank[i] / best,
                "central",
                f"central in your community {c} ({labels.get(c)}): PageRank #{r} of "
                f"{len(rank_in[c])}; no interaction with you in the period",
            )
    targets = {target} if target is not None else {c for c in known if c not in home}
    bridges: dict[int, tuple[float, int, float, float]] = {}
    for i in ok:
        side_home = 0.0
        side_target: dict[int, float] = defaultdict(float)
        for e in graph.es[graph.incident(i, mode="all")]:
            other = e.target if e.source == i else e.source
            c = member[other]
            if c in home:
                side_home += float(e["weight"])
            if c in targets:
                side_target[c] += float(e["weight"])
        if not side_home or not side_target:
            continue
        t_best = max(side_target, key=lambda c: (side_target[c], -c))
        bridges[i] = (math.sqrt(side_home * side_target[t_best]), t_best, side_home,
                      side_target[t_best])  # fmt: skip
    if bridges:
        best_b = max(b[0] for b in bridges.values()) or 1.0
        for i, (score, c, w_home, w_target) in bridges.items():
            s = score / best_b
            if i in found and found[i][0] >= s:
                continue
            found[i] = (
                s,
                "bridge",
                f"bridges your communities and community {c} ({labels.get(c)}): tie weight "
                f"{w_home:g} on your side, {w_target:g} on theirs; no interaction with you "
                f"in the period",
            )
    ranked = sorted(found, key=lambda i: (-found[i][0], -eco.pagerank[i], eco.ids[i]))[:top]
    out["candidates"] = [
        {
            "rank": n,
            "id": eco.ids[i],
            "handle": eco.handle[i],
            "stakeholder": eco.stakeholder[i],
            "community": member[i],
            "pagerank": round(eco.pagerank[i], 8),
            "kind": found[i][1],
            "score": round(found[i][0], 6),
            "reason": found[i][2],
        }
        for n, i in enumerate(ranked, 1)
    ]
    if not ranked:
        out["reason"] = "every account around the leader already interacted with them"
    return out
