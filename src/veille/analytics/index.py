"""The Leader Index: components, percentile ranks within the ranked cohort, the composite
0-100, the rank and the rank change against the previous period (DESIGN.md).

- A leader is *ranked* when the store knows one of their accounts and they wrote at least
  ``[index] min_posts`` posts (originals and replies) in the period; otherwise they are
  listed with the reason (absent, too inactive) and no index, never dropped.
- Each component of a ranked leader has its value, its percentile among the ranked leaders
  that have a value (mid-rank: 100 * (below + equal / 2) / n, so ties share a percentile and
  a lone leader sits at 50) and its rank (1 = highest value; ties share the rank).
- The index is the weighted mean of the component percentiles (``[index.weights]``), over
  the components the leader has a value for; the missing ones are named.
- The rank orders ranked leaders by index (ties share the rank); the rank change is the
  previous period's rank minus this one (positive: up), within the same cohort filters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from veille.analytics.cohort import select_leaders
from veille.analytics.context import AnalyticsContext
from veille.analytics.figures import LeaderFigures, gather
from veille.analytics.period import Period
from veille.workspace.config import INDEX_COMPONENTS, Leader


@dataclass
class Component:
    value: float | None
    reason: str | None = None
    percentile: float | None = None
    rank: int | None = None
    #: a short note on a value that is approximate (e.g. followers observed later)
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        value: Any = self.value
        if isinstance(value, float):
            value = round(value, 6)
        out: dict[str, Any] = {
            "value": value,
            "percentile": None if self.percentile is None else round(self.percentile, 1),
            "rank": self.rank,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class RankedLeader:
    leader: Leader
    figures: LeaderFigures
    components: dict[str, Component]
    index: float | None = None
    reason: str | None = None
    rank: int | None = None
    previous_rank: int | None = None
    rank_change: int | None = None
    rank_change_reason: str | None = None
    missing: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def missing(value: Any, reason: str | None) -> Any:
            return value if value is not None else {"value": None, "reason": reason}

        return {
            "leader": self.leader.id,
            "name": self.leader.name,
            "organisation": self.leader.organisation,
            "sector": self.leader.sector,
            "country": self.leader.country,
            "index": missing(None if self.index is None else round(self.index, 1), self.reason),
            "rank": missing(self.rank, self.reason),
            "rank_change": missing(self.rank_change, self.rank_change_reason),
            "previous_rank": self.previous_rank,
            "components": {k: c.as_json() for k, c in self.components.items()},
            "missing_components": self.missing,
            "networks": networks_json(self.figures),
        }


@dataclass
class Ranking:
    period: Period
    previous: Period | None
    weights: dict[str, float]
    rows: list[RankedLeader]

    def row(self, leader_id: str) -> RankedLeader | None:
        return next((r for r in self.rows if r.leader.id == leader_id), None)

    def as_json(self) -> list[dict[str, Any]]:
        return [r.as_json() for r in self.rows]


def networks_json(f: LeaderFigures) -> dict[str, Any]:
    """Each network of the leader apart: accounts, audience, activity, conversation."""
    out: dict[str, Any] = {}
    for network in sorted(set(f.accounts) | set(f.unknown)):
        if network not in f.accounts:
            out[network] = {
                "status": "absent",
                "reason": "account(s) "
                + ", ".join(f.unknown[network])
                + " not in the store yet (nothing collected)",
            }
            continue
        aud = f.audience.networks.get(network, {})
        act = f.activity.get(network, {})
        conv = f.conversation_networks.get(network, {})
        written = sum(int(act.get(k) or 0) for k in ("originals", "replies", "threads"))
        out[network] = {
            "status": "active" if written else "inactive",
            "accounts": f.accounts[network],
            "followers": aud.get("followers"),
            "growth": aud.get("growth"),
            "originals": int(act.get("originals") or 0),
            "replies": int(act.get("replies") or 0),
            "reposts": int(act.get("reposts") or 0),
            "engagement_rate": act.get("engagement_rate"),
            "mentioners": int(conv.get("mentioners") or 0),
            "answered": int(conv.get("answered") or 0),
            "notes": aud.get("notes", []),
        }
    return out


def _amplification(f: LeaderFigures) -> Component:
    total = f.all_activity()
    measured = int(total.get("measured") or 0)
    if not int(total.get("originals") or 0):
        return Component(None, "no original post in the period")
    if not measured:
        return Component(None, "no interaction count observed for the period's posts")
    return Component(float(total.get("amplifications") or 0) / measured)


def components_of(f: LeaderFigures, responsiveness_share: float) -> dict[str, Component]:
    """The raw value (or the reason there is none) of each component."""
    total = f.all_activity()
    aud = f.audience
    note = "; ".join(aud.notes) or None
    out = {
        "reach": Component(
            None if aud.followers is None else float(aud.followers),
            None if aud.followers is not None else "no follower count observed",
            note=note,
        ),
        "growth": Component(
            None if aud.growth is None else float(aud.growth),
            None if aud.growth is not None else "fewer than two follower counts observed",
        ),
    }
    if total.get("engagement_rate") is not None:
        out["engagement"] = Component(float(total["engagement_rate"]))
    elif not int(total.get("originals") or 0):
        out["engagement"] = Component(None, "no original post in the period")
    else:
        out["engagement"] = Component(
            None, "no post with both interactions and a follower count observed"
        )
    out["amplification"] = _amplification(f)
    quality, reason = f.conversation.quality(responsiveness_share)
    out["conversation"] = Component(quality, reason)
    out["centrality"] = Component(
        f.centrality,
        None if f.centrality is not None else "no interaction with the ecosystem in the period",
    )
    s = f.sentiment
    if s is None:
        out["sentiment"] = Component(None, "nobody mentioned, replied to or quoted the leader")
    elif s.representative is None:
        out["sentiment"] = Component(None, s.reason)
    else:
        out["sentiment"] = Component(s.representative.value)
    return {k: out[k] for k in INDEX_COMPONENTS}


def percentiles(values: dict[str, float]) -> dict[str, tuple[float, int]]:
    """Mid-rank percentile (0-100) and competition rank (1 = highest) of each value."""
    ordered = sorted(values.values())
    n = len(ordered)
    out: dict[str, tuple[float, int]] = {}
    for key, value in values.items():
        below = sum(1 for v in ordered if v < value)
        equal = sum(1 for v in ordered if v == value)
        above = n - below - equal
        out[key] = (100.0 * (below + equal / 2) / n, above + 1)
    return out


def _ineligible(f: LeaderFigures, min_posts: int) -> str | None:
    if not f.leader.accounts:
        return "no account in veille.toml"
    if not f.accounts:
        return "absent: none of the leader's accounts is in the store yet"
    if f.posts_written < min_posts:
        return f"too inactive: {f.posts_written} post(s) written in the period, {min_posts} needed"
    return None


def rank_figures(
    figures: Iterable[LeaderFigures],
    *,
    weights: dict[str, float],
    min_posts: int,
    responsiveness_share: float,
) -> list[RankedLeader]:
    rows = [RankedLeader(f.leader, f, components_of(f, responsiveness_share)) for f in figures]
    for row in rows:
        row.reason = _ineligible(row.figures, min_posts)
    ranked = [r for r in rows if r.reason is None]
    for name in INDEX_COMPONENTS:
        values = {
            r.leader.id: float(v) for r in ranked if (v := r.components[name].value) is not None
        }
        placed = percentiles(values)
        for r in ranked:
            if r.leader.id in placed:
                r.components[name].percentile, r.components[name].rank = placed[r.leader.id]
    for r in ranked:
        used = {
            k: w for k, w in weights.items() if w > 0 and r.components[k].percentile is not None
        }
        r.missing = [k for k, w in weights.items() if w > 0 and k not in used]
        if not used:
            r.reason = "no component has a value"
            continue
        r.index = sum(w * (r.components[k].percentile or 0.0) for k, w in used.items()) / sum(
            used.values()
        )
    scored = {r.leader.id: r.index for r in rows if r.index is not None}
    for r in rows:
        if r.index is not None:
            r.rank = 1 + sum(1 for v in scored.values() if v > r.index)
    rows.sort(key=_order)
    return rows


def _order(r: RankedLeader) -> tuple[int, float, str]:
    return (0 if r.rank is not None else 1, -(r.index or 0.0), r.leader.name.lower())


def rank(
    ctx: AnalyticsContext,
    period: Period,
    *,
    cohort: str | None = None,
    sector: str | None = None,
    country: str | None = None,
    compare: bool = True,
    gatherer: Callable[..., dict[str, LeaderFigures]] = gather,
) -> Ranking:
    """The ranking of the selected leaders over ``period`` (and the rank changes)."""
    leaders = select_leaders(ctx.config, cohort=cohort, sector=sector, country=country)
    settings = ctx.config.index
    weights = settings.component_weights()

    def run(p: Period) -> list[RankedLeader]:
        figures = gatherer(ctx, p, leaders)
        return rank_figures(
            [figures[x.id] for x in leaders],
            weights=weights,
            min_posts=settings.min_posts,
            responsiveness_share=settings.responsiveness_share,
        )

    rows = run(period)
    previous = period.previous() if compare else None
    if previous is not None:
        before = {r.leader.id: r for r in run(previous)}
        any_before = any(r.rank is not None for r in before.values())
        for r in rows:
            old = before.get(r.leader.id)
            r.previous_rank = old.rank if old else None
            if r.rank is None:
                r.rank_change_reason = "not ranked in this period"
            elif not any_before:
                r.rank_change_reason = (
                    f"no ranking for the previous period ({previous.label()}): no data there"
                )
            elif r.previous_rank is None:
                r.rank_change_reason = "not ranked in the previous period"
                if old is not None and old.reason:
                    r.rank_change_reason += f" ({old.reason})"
            else:
                r.rank_change = r.previous_rank - r.rank
    else:
        for r in rows:
            r.rank_change_reason = "no comparison asked"
    return Ranking(period, previous, weights, rows)
