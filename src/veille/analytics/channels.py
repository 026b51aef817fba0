"""Channels (C12): where a leader's stakeholders are active, against where the leader is.

The leader's stakeholders over the period (90 days by default) are the accounts that
interacted with the leader or the leader's organisation, in either direction (the
period's ``interaction_edges``), that follow one of their accounts, or that named them
(the implicit watches ``leader:ID`` and ``organisation:ID``); the leader's and the
organisation's own accounts are not stakeholders. Naming counts on every network, so a
network where the leader is absent still shows the stakeholders who talk about them there.

DESIGN.md: the channel score of a network = the share of the stakeholders active on it in
the last 30 days (an original post, reply, quote or repost) times their activity (posts
per active stakeholder per day). The recommendation compares it with the leader's
presence (``analytics.presence``) on that network.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from veille.analytics.context import AnalyticsContext
from veille.analytics.edges import INTERACTION_EDGES
from veille.analytics.period import Period
from veille.analytics.presence import presence_at
from veille.analytics.registry import Metric, run_metric
from veille.workspace.accounts import entity_watch_id
from veille.workspace.config import Leader

ACTIVE_DAYS = 30
PERIOD_EDGES = "period_edges"
#: a network whose score is at least this share of the leader's total is a priority
PRIORITY_SHARE = 0.2

CHANNELS_SQL = """
WITH acc AS (
    SELECT DISTINCT network, account_id FROM entity_accounts
    WHERE known AND ((kind = 'leader' AND entity_id = $leader)
                     OR (kind = 'organisation' AND entity_id = $organisation))
),
stake AS (
    SELECT e.network, e.source AS account_id FROM period_edges e
    JOIN acc a ON a.network = e.network AND a.account_id = e.target
    UNION
    SELECT e.network, e.target AS account_id FROM period_edges e
    JOIN acc a ON a.network = e.network AND a.account_id = e.source
    UNION
    SELECT f.network, f.follower_id AS account_id FROM follows f
    JOIN acc a ON a.network = f.network AND a.account_id = f.followee_id
    WHERE f.deleted_at IS NULL
    UNION
    SELECT p.network, p.author_id AS account_id FROM matches m JOIN posts p ON p.uri = m.uri
    WHERE m.watch_id IN ($leader_watch, $organisation_watch) AND p.deleted_at IS NULL
      AND p.created_at >= $since AND p.created_at < $until
),
people AS (
    SELECT s.network, s.account_id FROM stake s
    WHERE NOT EXISTS (SELECT 1 FROM acc a WHERE a.network = s.network
                      AND a.account_id = s.account_id)
      AND (s.network || ':' || s.account_id) NOT IN
          (SELECT key FROM tombstones WHERE kind = 'account')
),
activity AS (
    SELECT network, author_id AS account_id, count(*) AS posts FROM posts
    WHERE deleted_at IS NULL AND created_at >= $active_since AND created_at < $until
    GROUP BY network, author_id
)
SELECT p.network, count(*) AS stakeholders, count(x.account_id) AS active,
       coalesce(sum(x.posts), 0) AS posts
FROM people p
LEFT JOIN activity x ON x.network = p.network AND x.account_id = p.account_id
GROUP BY p.network
"""

CHANNELS = Metric(
    id="channels",
    sql=CHANNELS_SQL,
    description="Per network: a leader's stakeholders, how many were active in the last 30 "
    "days, and their posts.",
    inputs=("entity_accounts", PERIOD_EDGES),
    order=("network",),
)


def channels(ctx: AnalyticsContext, leader: Leader, period: Period) -> dict[str, Any]:
    """The channels view of ``leader`` (JSON-ready)."""
    active_since = period.until - timedelta(days=ACTIVE_DAYS)
    ctx.engine.register(PERIOD_EDGES, run_metric(ctx.engine, INTERACTION_EDGES, **period.params()))
    rows = run_metric(
        ctx.engine,
        CHANNELS,
        leader=leader.id,
        organisation=leader.organisation or "",
        leader_watch=entity_watch_id("leader", leader.id),
        organisation_watch=entity_watch_id("organisation", leader.organisation or ""),
        active_since=active_since,
        **period.params(),
    ).to_pylist()
    found = {r["network"]: r for r in rows}
    presence = {r.network: r for r in presence_at(ctx, [leader], period.until)}
    total = sum(int(r["stakeholders"]) for r in rows)
    networks = sorted(set(found) | set(presence))
    out_rows: list[dict[str, Any]] = []
    for network in networks:
        row = found.get(network, {"stakeholders": 0, "active": 0, "posts": 0})
        active, posts = int(row["active"]), int(row["posts"])
        share = active / total if total else None
        activity = posts / active / ACTIVE_DAYS if active else None
        score = share * activity if share is not None and activity is not None else None
        status = presence[network].status if network in presence else "absent"
        out_rows.append(
            {
                "network": network,
                "stakeholders": int(row["stakeholders"]),
                "active_stakeholders": active,
                "active_share": share,
                "posts_per_active_per_day": activity,
                "score": score,
                "leader_status": status,
            }
        )
    scored = sum(r["score"] or 0.0 for r in out_rows)
    for r in out_rows:
        r["score_share"] = (r["score"] or 0.0) / scored if scored else None
        r["recommendation"], r["reason"] = _recommend(r)
    out_rows.sort(key=lambda r: (-(r["score"] or 0.0), r["network"]))
    view: dict[str, Any] = {
        "leader": leader.id,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "stakeholders": total,
        "networks": out_rows,
    }
    if not total:
        view["reason"] = "not enough data: no stakeholder interacted with or named the leader"
    return view


def _recommend(row: dict[str, Any]) -> tuple[str, str]:
    share, status = row["score_share"], row["leader_status"]
    pct = f"{100 * (row['active_share'] or 0):.0f}%"
    if share is None or share == 0:
        if status == "active":
            return "review", "none of your stakeholders were active here in the last 30 days"
        return "skip", "none of your stakeholders were active here in the last 30 days"
    if share >= PRIORITY_SHARE:
        if status == "absent":
            return "open", f"{pct} of your stakeholders are active here and you are absent"
        if status == "dormant":
            return "resume", (
                f"{pct} of your stakeholders are active here; you have not posted in 30 days"
            )
        return "keep", f"{pct} of your stakeholders are active here, and so are you"
    if status == "active":
        return "maintain", f"only {pct} of your stakeholders are active here"
    return "watch", f"{pct} of your stakeholders are active here; a secondary channel"
