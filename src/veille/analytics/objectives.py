"""Objectives and their return (C9): targets with deadlines, made measurable.

For each objective of ``veille.toml`` (``{leader or organisation, metric, target, by}``):
the weekly values of its metric over the last weeks of data, the current value, the
Theil-Sen trend of the weekly values (``scipy.stats.theilslopes``: robust to a spike), the
value it projects at the deadline, whether that reaches the target (on track), and the
weekly change still needed. Fewer than three weekly values is "not enough data", with the
count, never a guess.

The metrics (``OBJECTIVE_METRICS`` in the config) are defined week by week by the
functions of ``MEASURES``; ``objective_series`` computes the same values for all the weeks
of a series at once (a few set-based queries instead of one per week), which is what
``evaluate`` runs; every metric the config accepts has both forms (a test checks it). A
metric without a value in any week says why (``NO_VALUE``). The ROI
view groups objectives under the five dimensions of the brief, each saying what veille
measures for it and what it cannot.

``information_lead_time`` (the speed dimension), in hours, for a leader or an
organisation: the median, over the stories (signals of kind ``story``) about the entity
(its id in the story's ``leaders`` or ``organisations``) first seen in the week
(``first_seen`` in ``[week start, week end)``) that have a lead time, of their
``lead_hours``: the time the first reference news item (``[signals] reference_feeds``)
telling the same thing was published minus the story's first post (``detail.lead_time``,
``signals/stories.py``). Positive: the ecosystem had it before the news; negative (news
first, at most 7 days) counts too, so the median is not flattered. A week without such a
story has no value (not zero). A story spans networks: an objective's ``network`` does not
restrict it. Rumours are not counted again (they are stories already).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from scipy.stats import theilslopes

from veille.analytics.authors import register_author_classes
from veille.analytics.context import AnalyticsContext
from veille.analytics.edges import INTERACTION_EDGES
from veille.analytics.period import Period
from veille.analytics.registry import Metric, run_metric
from veille.workspace.config import Objective

MIN_POINTS = 3
MAX_WEEKS = 26

FOLLOWERS_SQL = """
SELECT e.network, e.account_id, s.followers, s.observed_at
FROM entity_accounts e
JOIN (
    SELECT network, account_id, followers, observed_at,
           row_number() OVER (PARTITION BY network, account_id
                              ORDER BY observed_at DESC) AS rn
    FROM account_snapshots WHERE observed_at < $at AND followers IS NOT NULL
) s ON s.network = e.network AND s.account_id = e.account_id AND s.rn = 1
WHERE e.kind = $kind AND e.entity_id = $entity
"""
FOLLOWERS_AT = Metric(
    id="followers_at",
    sql=FOLLOWERS_SQL,
    description="An entity's followers per account: the latest snapshot before a time.",
    inputs=("entity_accounts",),
    order=("network", "account_id"),
)

FIRST_SNAPSHOT_SQL = """
SELECT min(s.observed_at) AS first FROM account_snapshots s
JOIN entity_accounts e ON e.network = s.network AND e.account_id = s.account_id
WHERE e.kind = $kind AND e.entity_id = $entity
"""
FIRST_SNAPSHOT = Metric(
    id="first_snapshot",
    sql=FIRST_SNAPSHOT_SQL,
    description="When an entity's audience was first observed.",
    inputs=("entity_accounts",),
)

JOURNALIST_SOURCES_SQL = """
SELECT DISTINCT network, account_id FROM author_classes WHERE stakeholder = 'journalist'
"""
JOURNALISTS = Metric(
    id="journalist_accounts",
    sql=JOURNALIST_SOURCES_SQL,
    description="Accounts the stakeholder rules class as journalists or media.",
    inputs=("author_classes",),
    order=("network", "account_id"),
)


#: a story about the entity with the lead time of its reference news item, in hours
LEAD_STORIES_SQL = """
SELECT s.id, s.first_seen,
       CAST(json_extract_string(s.detail, '$.lead_time.lead_hours') AS DOUBLE) AS lead_hours
FROM signals s
WHERE s.kind = 'story'
  AND list_contains(CASE WHEN $kind = 'leader' THEN s.leaders ELSE s.organisations END,
                    $entity)
"""
LEAD_TIME_SQL = f"""
SELECT median(x.lead_hours) AS lead_hours, count(*) AS stories
FROM ({LEAD_STORIES_SQL}) x
WHERE x.lead_hours IS NOT NULL AND x.first_seen >= $since AND x.first_seen < $until
"""
LEAD_TIME = Metric(
    id="objective_lead_time",
    sql=LEAD_TIME_SQL,
    description="The median information lead time (hours) of the stories about an entity "
    "first seen in a period, over those a reference news item told later or earlier.",
)


@dataclass(frozen=True)
class Target:
    """Who an objective is about."""

    kind: str  # 'leader' | 'organisation'
    entity: str
    network: str | None

    @classmethod
    def of(cls, objective: Objective) -> Target:
        if objective.leader:
            return cls("leader", objective.leader, objective.network)
        return cls("organisation", objective.organisation or "", objective.network)


Measure = Callable[[AnalyticsContext, Target, Period], float | None]


def followers(ctx: AnalyticsContext, target: Target, week: Period) -> float | None:
    """Followers at the end of the week, summed over the entity's accounts (on the
    objective's network when it names one)."""
    rows = run_metric(
        ctx.engine, FOLLOWERS_AT, at=week.until, kind=target.kind, entity=target.entity
    ).to_pylist()
    rows = [r for r in rows if target.network is None or r["network"] == target.network]
    return float(sum(r["followers"] for r in rows)) if rows else None


def journalist_mentions(ctx: AnalyticsContext, target: Target, week: Period) -> float | None:
    """Mentions, replies and quotes of the entity's accounts by journalists in the week."""
    register_author_classes(ctx)
    journalists = {
        (r["network"], r["account_id"]) for r in run_metric(ctx.engine, JOURNALISTS).to_pylist()
    }
    own = entity_accounts(ctx, target)
    total = 0
    for edge in run_metric(ctx.engine, INTERACTION_EDGES, **week.params()).to_pylist():
        if edge["kind"] == "repost" or (edge["network"], edge["target"]) not in own:
            continue
        if (edge["network"], edge["source"]) in journalists:
            total += int(edge["n"])
    return float(total)


def entity_accounts(ctx: AnalyticsContext, target: Target) -> set[tuple[str, str]]:
    rows = ctx.engine.query(
        "SELECT network, account_id FROM entity_accounts WHERE kind = $kind "
        "AND entity_id = $entity",
        {"kind": target.kind, "entity": target.entity},
    ).to_pylist()
    return {
        (r["network"], r["account_id"])
        for r in rows
        if target.network is None or r["network"] == target.network
    }


def _leader_figures(ctx: AnalyticsContext, target: Target, week: Period) -> Any:
    from veille.analytics.cohort import leader
    from veille.analytics.figures import gather

    if target.kind != "leader":
        return None
    item = leader(ctx.config, target.entity)
    return gather(ctx, week, [item])[item.id]


def engagement_rate(ctx: AnalyticsContext, target: Target, week: Period) -> float | None:
    """The leader's engagement rate over the week (median over original posts, as in the
    Leader Index), on the objective's network or all of them."""
    figures = _leader_figures(ctx, target, week)
    row = figures.activity.get(target.network or "all") if figures else None
    value = row.get("engagement_rate") if row else None
    return float(value) if value is not None else None


def responsiveness(ctx: AnalyticsContext, target: Target, week: Period) -> float | None:
    """The share of the week's mentioners the leader answered within the response window."""
    figures = _leader_figures(ctx, target, week)
    return figures.conversation.responsiveness if figures else None


def net_sentiment(ctx: AnalyticsContext, target: Target, week: Period) -> float | None:
    """The representative net sentiment (each author capped) of what others said about
    the leader or organisation in the week: the troll-robust figure."""
    from veille.analytics.listening import Scope, listening

    view = listening(ctx, Scope(target.kind, target.entity), week)
    value = view["net_sentiment"]["representative"]
    return float(value) if value is not None else None


def share_of_voice(ctx: AnalyticsContext, target: Target, week: Period) -> float | None:
    """The organisation's share of the posts about its competitor set in the week."""
    from veille.analytics.listening import Scope, listening

    if target.kind != "organisation":
        return None
    view = listening(ctx, Scope("organisation", target.entity), week)
    own = next((r for r in view["share_of_voice"] if r["organisation"] == target.entity), None)
    value = own["posts_share"] if own else None
    return float(value) if value is not None else None


def information_lead_time(ctx: AnalyticsContext, target: Target, week: Period) -> float | None:
    """The median lead time (hours) of the stories about the entity first seen in the week
    that a reference news item told too; None without such a story."""
    rows = run_metric(
        ctx.engine, LEAD_TIME, kind=target.kind, entity=target.entity, **week.params()
    ).to_pylist()
    value = rows[0]["lead_hours"] if rows else None
    return float(value) if value is not None else None


#: metric -> how to measure it for one week (the definition ``objective_series`` follows)
MEASURES: dict[str, Measure] = {
    "followers": followers,
    "journalist_mentions": journalist_mentions,
    "engagement_rate": engagement_rate,
    "responsiveness": responsiveness,
    "net_sentiment": net_sentiment,
    "share_of_voice": share_of_voice,
    "information_lead_time": information_lead_time,
}
#: why a metric has no value in any week observed (default: "no value in the weeks observed")
NO_VALUE: dict[str, str] = {
    "information_lead_time": "no story about it matched a reference news item in the weeks "
    "observed (veille signals finds the stories; [signals] reference_feeds names the news)",
}
#: metrics that only apply to one kind of entity
ONLY_FOR = {"engagement_rate": "leader", "responsiveness": "leader",
            "share_of_voice": "organisation"}  # fmt: skip
#: the range a projection stays in (a share cannot pass 1, a count cannot go below 0)
BOUNDS: dict[str, tuple[float, float | None]] = {
    "net_sentiment": (-1.0, 1.0),
    "share_of_voice": (0.0, 1.0),
    "responsiveness": (0.0, 1.0),
    # a reference item is looked for up to 7 days before a story's first post
    "information_lead_time": (-168.0, None),
}
#: metrics measured at the end of each week (a level), not over it (a flow)
LEVELS = {"followers"}

DIMENSIONS: dict[str, dict[str, Any]] = {
    "influence": {
        "measures": ["followers", "engagement_rate", "Leader Index (veille rank)"],
        "cannot": "influence on decisions offline, private messages, closed networks' impressions",
    },
    "image": {
        "measures": ["net_sentiment", "share_of_voice", "sentiment by stakeholder group"],
        "cannot": "perception among people who never post about the organisation",
    },
    "information": {
        "measures": ["journalist_mentions", "responsiveness"],
        "cannot": "the quality of what the leader learns in private exchanges",
    },
    "recruitment": {
        "measures": ["ambassadors (veille ambassadors)", "employee reach"],
        "cannot": "applications and hires: they are in the HR systems, not in social data",
    },
    "speed": {
        "measures": ["information_lead_time"],
        "cannot": "how fast the leader acts on what they learn",
    },
}


EARLIEST_POST = Metric(
    id="earliest_post",
    sql="SELECT min(created_at) AS first FROM posts WHERE deleted_at IS NULL",
    description="When the stored posts begin.",
)


def week_ends(
    ctx: AnalyticsContext, target: Target, metric: str, weeks: int = MAX_WEEKS
) -> list[datetime]:
    """Week ends (oldest first), the last at the anchor, going back at most ``weeks``
    weeks but not before the data begins (the entity's first audience snapshot for a
    level such as followers, the first stored post for a flow)."""
    if metric in LEVELS:
        first = run_metric(ctx.engine, FIRST_SNAPSHOT, kind=target.kind, entity=target.entity)
    else:
        first = run_metric(ctx.engine, EARLIEST_POST)
    begins = first.column("first")[0].as_py() if first.num_rows else None
    ends = [ctx.anchor - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    return [e for e in ends if begins is not None and e > begins]


def first_observed(ctx: AnalyticsContext, target: Target) -> dict[str, Any] | None:
    """The entity's audience at its first observation (a level's starting value)."""
    first = run_metric(ctx.engine, FIRST_SNAPSHOT, kind=target.kind, entity=target.entity)
    begins = first.column("first")[0].as_py() if first.num_rows else None
    if begins is None:
        return None
    at = begins + timedelta(microseconds=1)
    return {"at": begins.isoformat(), "value": followers(ctx, target, Period(begins, at))}


def evaluate(ctx: AnalyticsContext, objective: Objective) -> dict[str, Any]:
    """The objective's figures (JSON-ready)."""
    target = Target.of(objective)
    deadline = datetime.combine(objective.deadline, time(0), tzinfo=UTC)
    out: dict[str, Any] = {
        "objective": objective.id,
        "metric": objective.metric,
        "dimension": objective.dimension,
        "leader": objective.leader,
        "organisation": objective.organisation,
        "network": objective.network,
        "target": objective.target,
        "by": objective.deadline.isoformat(),
        "current": None,
        "projected": None,
        "on_track": None,
        "trend_per_week": None,
        "needed_per_week": None,
        "series": [],
    }
    only = ONLY_FOR.get(objective.metric)
    if only is not None and target.kind != only:
        out["reason"] = f"not measured: {objective.metric} applies to a {only}"
        return out
    ends = week_ends(ctx, target, objective.metric)
    series = [
        (end, value)
        for end, value in zip(ends, weekly_values(ctx, target, objective.metric, ends), strict=True)
        if value is not None and math.isfinite(value)
    ]
    out["series"] = [{"week_end": e.isoformat(), "value": v} for e, v in series]
    if not series:
        out["reason"] = "not enough data: " + NO_VALUE.get(
            objective.metric, "no value in the weeks observed"
        )
        return out
    current = series[-1][1]
    out["current"] = current
    if objective.metric in LEVELS:
        out["first_observed"] = first_observed(ctx, target)
    weeks_left = (deadline - series[-1][0]) / timedelta(weeks=1)
    # every metric here is better higher; a baseline above the target says the goal is to
    # bring it down (e.g. from 150 to 50)
    lower = objective.baseline is not None and objective.baseline > objective.target
    direction = -1.0 if lower else 1.0
    if weeks_left > 0:
        out["needed_per_week"] = (objective.target - current) / weeks_left
    if len(series) < MIN_POINTS:
        out["reason"] = (
            f"not enough data: {len(series)} weekly value(s), a trend needs {MIN_POINTS}"
        )
        return out
    xs = [(e - series[0][0]) / timedelta(weeks=1) for e, _ in series]
    slope = float(theilslopes([v for _, v in series], xs)[0])
    out["trend_per_week"] = slope
    if weeks_left <= 0:
        out["reason"] = "the deadline has passed: on track means the target is reached"
        out["on_track"] = direction * (current - objective.target) >= 0
        return out
    low, high = BOUNDS.get(objective.metric, (0.0, None))
    projected = max(low, current + slope * weeks_left)
    projected = min(high, projected) if high is not None else projected
    out["projected"] = projected
    out["on_track"] = direction * (projected - objective.target) >= 0
    return out


def weekly_values(
    ctx: AnalyticsContext, target: Target, metric: str, ends: list[datetime]
) -> list[float | None]:
    """The metric's value of each week ending at ``ends``: all weeks at once
    (``objective_series``), the same values as ``MEASURES`` week by week."""
    from veille.analytics import objective_series

    return objective_series.weekly(ctx, target, metric, ends)


def objectives(ctx: AnalyticsContext, leader: str | None = None) -> list[dict[str, Any]]:
    from veille.analytics.objective_series import MEMO

    chosen = [o for o in ctx.config.objectives if leader is None or o.leader == leader]
    ctx.cache[MEMO] = {}  # objectives of one kind share their reads of the weeks' posts
    try:
        return [evaluate(ctx, o) for o in chosen]
    finally:
        ctx.cache.pop(MEMO, None)


def roi(evaluated: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objectives under the five ROI dimensions, with what veille can measure."""
    return [
        {
            "dimension": name,
            "measures": info["measures"],
            "cannot_measure": info["cannot"],
            "objectives": [o["objective"] for o in evaluated if o["dimension"] == name],
            "on_track": sum(1 for o in evaluated if o["dimension"] == name and o["on_track"]),
            "off_track": sum(
                1 for o in evaluated if o["dimension"] == name and o["on_track"] is False
            ),
        }
        for name, info in DIMENSIONS.items()
    ]
