"""The weekly values of an objective's metric, all weeks at once (``objectives.evaluate``).

``objectives.MEASURES`` measures one week at a time (the definition); running it for the
26 weeks of a series meant hundreds of queries. Here each metric reads every week in one
set-based query: the week ends are handed to the engine as the table ``objective_weeks``
(``week_start``, ``week_end``: half-open ``[start, end)``, the same bounds as the per-week
``Period``) and the rows are grouped by week. Every value equals the per-week measure's
(``tests/analytics/test_objectives.py`` compares them on the demo):

- followers (a level): the latest snapshot before each week end, per account;
- net sentiment and share of voice: listening's posts about the entities of a kind
  (``listening_entity_posts``) read once over the span of the weeks, then counted per week,
  author, stakeholder class and language, as listening counts them for one week;
- engagement rate: ``leader_posts`` read once over the span, the median rate per week and
  network (and over all networks), as ``leader_activity`` takes it;
- responsiveness: conversation's answered mentions (``conversation._ANSWERED``) read once
  over the span, distinct mentioners and answered ones per week;
- journalist mentions: the interactions of ``interaction_edges`` (replies, quotes,
  mentions; its parent look-up, self and tombstone rules) written by the journalists of
  ``author_classes`` to the entity's accounts, counted per week (the edge list itself
  carries no time);
- information lead time: the stories about the entity with a lead time
  (``objectives.LEAD_STORIES_SQL``), their median ``lead_hours`` per week of
  ``first_seen``.

A post belongs to a week by its own time only (every per-post figure above, its labels, its
parent, its answer, its followers at posting time, does not depend on the period), so one
read over the span grouped by week gives each week's rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from veille.analytics.activity import LEADER_POSTS
from veille.analytics.context import AnalyticsContext
from veille.analytics.conversation import _ANSWERED, RESPONSE_SECONDS
from veille.analytics.edges import interactions_cte
from veille.analytics.listening import ENTITY_POSTS
from veille.analytics.objectives import LEAD_STORIES_SQL
from veille.analytics.period import Period
from veille.analytics.registry import Metric, run_metric
from veille.analytics.sentiment import AuthorCounts, summarise

if TYPE_CHECKING:
    from veille.analytics.objectives import Target

WEEKS = "objective_weeks"
HEARD = "objective_heard_posts"
LEADER_RATES = "objective_leader_posts"
WEEK = timedelta(weeks=1)
#: ``ctx.cache`` key of the reads shared by the objectives of one ``objectives()`` call
MEMO = "objective_series"

_IN_WEEK = "JOIN objective_weeks w ON {t} >= w.week_start AND {t} < w.week_end"

FOLLOWERS_SQL = """
WITH own AS (
    SELECT DISTINCT network, account_id FROM entity_accounts
    WHERE kind = $kind AND entity_id = $entity
),
latest AS (
    SELECT week_end, network, account_id, followers FROM (
        SELECT w.week_end, s.network, s.account_id, s.followers,
               row_number() OVER (PARTITION BY w.week_end, s.network, s.account_id
                                  ORDER BY s.observed_at DESC) AS rn
        FROM account_snapshots s
        JOIN own o ON o.network = s.network AND o.account_id = s.account_id
        JOIN objective_weeks w ON s.observed_at < w.week_end
        WHERE s.followers IS NOT NULL
    ) x WHERE rn = 1
)
SELECT l.week_end, e.network, e.account_id, l.followers
FROM entity_accounts e
JOIN latest l ON l.network = e.network AND l.account_id = e.account_id
WHERE e.kind = $kind AND e.entity_id = $entity
"""
FOLLOWERS_WEEKLY = Metric(
    id="objective_followers_weekly",
    sql=FOLLOWERS_SQL,
    description="An entity's followers per account at each week end of an objective (the "
    "latest snapshot before it).",
    inputs=("entity_accounts", WEEKS),
    order=("week_end", "network", "account_id"),
)

HEARD_SQL = f"""
SELECT w.week_end, l.scope, l.network, l.author_id, l.stakeholder, l.language,
       count(*) AS posts,
       count(*) FILTER (WHERE l.sentiment = 'positive') AS positive,
       count(*) FILTER (WHERE l.sentiment = 'negative') AS negative,
       count(*) FILTER (WHERE l.sentiment = 'neutral') AS neutral
FROM objective_heard_posts l
{_IN_WEEK.format(t="l.created_at")}
GROUP BY w.week_end, l.scope, l.network, l.author_id, l.stakeholder, l.language
"""
HEARD_WEEKLY = Metric(
    id="objective_heard_weekly",
    sql=HEARD_SQL,
    description="Posts heard about each entity per week, author, stakeholder class and "
    "language, by sentiment (listening's author counts, week by week).",
    inputs=(HEARD, WEEKS),
    order=("week_end", "scope", "network", "author_id", "stakeholder", "language"),
)

ENGAGEMENT_SQL = f"""
SELECT w.week_end, p.entity_id, coalesce(p.network, 'all') AS network,
       median(p.rate) AS engagement_rate
FROM objective_leader_posts p
{_IN_WEEK.format(t="p.created_at")}
WHERE p.entity_id = $entity
GROUP BY GROUPING SETS ((w.week_end, p.entity_id, p.network), (w.week_end, p.entity_id))
"""
ENGAGEMENT_WEEKLY = Metric(
    id="objective_engagement_weekly",
    sql=ENGAGEMENT_SQL,
    description="A leader's median engagement rate of original posts per week and network "
    "(and 'all').",
    inputs=(LEADER_RATES, WEEKS),
    order=("week_end", "entity_id", "network"),
)

RESPONSIVENESS_SQL = f"""{_ANSWERED}
SELECT w.week_end, j.entity_id,
       count(DISTINCT j.who) AS mentioners,
       count(DISTINCT CASE WHEN j.answered_at IS NOT NULL THEN j.who END) AS answered
FROM joined j
{_IN_WEEK.format(t="j.created_at")}
WHERE j.entity_id = $entity
GROUP BY w.week_end, j.entity_id
"""
RESPONSIVENESS_WEEKLY = Metric(
    id="objective_responsiveness_weekly",
    sql=RESPONSIVENESS_SQL,
    description="Per week: distinct accounts that mentioned or replied to a leader and how "
    "many got an answer within the response window.",
    params={"response_seconds": RESPONSE_SECONDS},
    inputs=("entity_accounts", WEEKS),
    order=("week_end", "entity_id"),
)

JOURNALISTS_SQL = f"""
WITH journalists AS (
    SELECT DISTINCT network, account_id FROM author_classes WHERE stakeholder = 'journalist'
),
own AS (
    SELECT DISTINCT network, account_id FROM entity_accounts
    WHERE kind = $kind AND entity_id = $entity
),
{interactions_cte("journalists")}
SELECT w.week_end, i.network, count(*) AS n
FROM interactions i
JOIN own o ON o.network = i.network AND o.account_id = i.target
{_IN_WEEK.format(t="i.created_at")}
WHERE i.kind <> 'repost' AND i.target <> i.source
  AND (i.network || ':' || i.target) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
GROUP BY w.week_end, i.network
"""
JOURNALISTS_WEEKLY = Metric(
    id="objective_journalists_weekly",
    sql=JOURNALISTS_SQL,
    description="Per week and network: replies, quotes and mentions of an entity's accounts "
    "by the accounts the stakeholder rules class as journalists.",
    inputs=("author_classes", "entity_accounts", WEEKS),
    order=("week_end", "network"),
)

LEAD_TIME_SQL = f"""
SELECT w.week_end, median(x.lead_hours) AS lead_hours, count(*) AS stories
FROM ({LEAD_STORIES_SQL}) x
{_IN_WEEK.format(t="x.first_seen")}
WHERE x.lead_hours IS NOT NULL
GROUP BY w.week_end
"""
LEAD_TIME_WEEKLY = Metric(
    id="objective_lead_time_weekly",
    sql=LEAD_TIME_SQL,
    description="Per week: the median information lead time (hours) of the stories about an "
    "entity first seen in it, over those a reference news item told too.",
    inputs=(WEEKS,),
    order=("week_end",),
)

METRICS = (FOLLOWERS_WEEKLY, HEARD_WEEKLY, ENGAGEMENT_WEEKLY, RESPONSIVENESS_WEEKLY,
           JOURNALISTS_WEEKLY, LEAD_TIME_WEEKLY)  # fmt: skip

Series = Callable[[AnalyticsContext, "Target", list[datetime]], list[float | None]]


def register_weeks(ctx: AnalyticsContext, ends: list[datetime]) -> Period:
    """Hand the engine the weeks ending at ``ends`` (oldest first); their span."""
    utc = pa.timestamp("us", tz="UTC")
    ctx.engine.register(
        WEEKS,
        pa.table(
            {
                "week_start": pa.array([e - WEEK for e in ends], utc),
                "week_end": pa.array(ends, utc),
            }
        ),
    )
    return Period(ends[0] - WEEK, ends[-1])


def memo(ctx: AnalyticsContext) -> dict[tuple[object, ...], object]:
    """The reads shared within one ``objectives()`` call (a throwaway one outside it, so
    that nothing outlives the call that read it)."""
    found = ctx.cache.get(MEMO)
    return found if isinstance(found, dict) else {}


def weekly(
    ctx: AnalyticsContext, target: Target, metric: str, ends: list[datetime]
) -> list[float | None]:
    """The metric's value of each week ending at ``ends`` (oldest first)."""
    return SERIES[metric](ctx, target, ends) if ends else []


def _key(value: datetime) -> datetime:
    return value.astimezone(UTC)


Rows = dict[datetime, list[dict[str, Any]]]


def _by_week(rows: list[dict[str, Any]]) -> Rows:
    out: Rows = defaultdict(list)
    for row in rows:
        end = row["week_end"]
        assert isinstance(end, datetime)
        out[_key(end)].append(row)
    return out


def followers(ctx: AnalyticsContext, target: Target, ends: list[datetime]) -> list[float | None]:
    register_weeks(ctx, ends)
    rows = run_metric(ctx.engine, FOLLOWERS_WEEKLY, kind=target.kind, entity=target.entity)
    weeks = _by_week(rows.to_pylist())
    out: list[float | None] = []
    for end in ends:
        kept = [r for r in weeks.get(_key(end), []) if target.network in (None, r["network"])]
        out.append(float(sum(int(r["followers"]) for r in kept)) if kept else None)
    return out


def _heard(ctx: AnalyticsContext, kind: str, ends: list[datetime]) -> Rows:
    """Listening's author counts of every entity of ``kind``, per week (cached per span)."""
    span = register_weeks(ctx, ends)
    cache = memo(ctx)
    key = ("heard", kind, span.since, span.until)
    if key not in cache:
        posts = run_metric(ctx.engine, ENTITY_POSTS, kind=kind, **span.params())
        ctx.engine.register(HEARD, posts)
        cache[key] = _by_week(run_metric(ctx.engine, HEARD_WEEKLY).to_pylist())
    found = cache[key]
    assert isinstance(found, dict)
    return found


def net_sentiment(
    ctx: AnalyticsContext, target: Target, ends: list[datetime]
) -> list[float | None]:
    """Listening's representative net sentiment (each author capped at 3 posts, rounded as
    listening shows it) of each week."""
    weeks = _heard(ctx, target.kind, ends)
    out: list[float | None] = []
    for end in ends:
        counts = [
            AuthorCounts(f"{r['network']}:{r['author_id']}", r["positive"], r["negative"],
                         r["neutral"])
            for r in weeks.get(_key(end), [])
            if r["scope"] == target.entity
        ]  # fmt: skip
        summary = summarise(counts, cap=3)
        value = summary.as_json()["representative"]["value"] if summary.representative else None
        out.append(float(value) if value is not None else None)
    return out


def share_of_voice(
    ctx: AnalyticsContext, target: Target, ends: list[datetime]
) -> list[float | None]:
    """The organisation's share of the posts heard about its competitor set, each week."""
    org = ctx.config.organisation(target.entity) if target.kind == "organisation" else None
    if org is None or not org.competitors:
        return [None] * len(ends)
    members = {org.id, *org.competitors}
    weeks = _heard(ctx, "organisation", ends)
    out: list[float | None] = []
    for end in ends:
        posts = {m: 0 for m in members}
        for row in weeks.get(_key(end), []):
            if row["scope"] in posts:
                posts[row["scope"]] += row["posts"]
        total = sum(posts.values())
        out.append(float(posts[org.id] / total) if total else None)
    return out


def engagement_rate(
    ctx: AnalyticsContext, target: Target, ends: list[datetime]
) -> list[float | None]:
    if target.kind != "leader":
        return [None] * len(ends)
    span = register_weeks(ctx, ends)
    cache = memo(ctx)
    key = ("leader_posts", span.since, span.until)
    if key not in cache:
        posts = run_metric(ctx.engine, LEADER_POSTS, **span.params())
        cache[key] = posts.select(["entity_id", "network", "created_at", "rate"])
    table = cache[key]
    assert isinstance(table, pa.Table)
    ctx.engine.register(LEADER_RATES, table)
    rows = run_metric(ctx.engine, ENGAGEMENT_WEEKLY, entity=target.entity).to_pylist()
    wanted = target.network or "all"
    found = {_key(r["week_end"]): r["engagement_rate"] for r in rows if r["network"] == wanted}
    return [float(v) if (v := found.get(_key(e))) is not None else None for e in ends]


def responsiveness(
    ctx: AnalyticsContext, target: Target, ends: list[datetime]
) -> list[float | None]:
    if target.kind != "leader":
        return [None] * len(ends)
    span = register_weeks(ctx, ends)
    response = int(ctx.config.index.response_hours * 3600)
    rows = run_metric(
        ctx.engine, RESPONSIVENESS_WEEKLY, entity=target.entity, response_seconds=response,
        **span.params(),
    ).to_pylist()  # fmt: skip
    found = {_key(r["week_end"]): r for r in rows}
    out: list[float | None] = []
    for end in ends:
        row = found.get(_key(end))
        mentioners = int(row["mentioners"]) if row else 0
        out.append(int(row["answered"]) / mentioners if row and mentioners else None)
    return out


def journalist_mentions(
    ctx: AnalyticsContext, target: Target, ends: list[datetime]
) -> list[float | None]:
    """Mentions, replies and quotes of the entity's accounts (on the objective's network
    when it names one) by journalists, each week."""
    from veille.analytics.authors import register_author_classes

    register_author_classes(ctx)
    span = register_weeks(ctx, ends)
    rows = run_metric(
        ctx.engine, JOURNALISTS_WEEKLY, kind=target.kind, entity=target.entity, **span.params()
    ).to_pylist()
    found: dict[datetime, int] = defaultdict(int)
    for row in rows:
        if target.network in (None, row["network"]):
            found[_key(row["week_end"])] += int(row["n"])
    return [float(found.get(_key(end), 0)) for end in ends]


def information_lead_time(
    ctx: AnalyticsContext, target: Target, ends: list[datetime]
) -> list[float | None]:
    """The median lead time of the stories about the entity first seen in each week (None
    for a week without one)."""
    register_weeks(ctx, ends)
    rows = run_metric(ctx.engine, LEAD_TIME_WEEKLY, kind=target.kind, entity=target.entity)
    found = {_key(r["week_end"]): r["lead_hours"] for r in rows.to_pylist()}
    return [float(v) if (v := found.get(_key(e))) is not None else None for e in ends]


#: metric -> its weekly values at the given week ends (None where a week has no value)
SERIES: dict[str, Series] = {
    "followers": followers,
    "journalist_mentions": journalist_mentions,
    "engagement_rate": engagement_rate,
    "responsiveness": responsiveness,
    "net_sentiment": net_sentiment,
    "share_of_voice": share_of_voice,
    "information_lead_time": information_lead_time,
}
