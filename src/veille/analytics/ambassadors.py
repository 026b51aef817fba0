"""Ambassadors (C14): the employees who amplify an organisation and its leaders.

DESIGN.md: the ambassadors of an organisation are its employees, from the registry (its
leaders' accounts) or from the stakeholder stage (an author classed ``employee`` of this
organisation, or ``competitor`` with this organisation named as the employer, when it is a
competitor of an own organisation); for each, the amplifications (reposts, quotes,
mentions) of the organisation's and its leaders' posts over the period, and the reach added:
the sum over those amplifications of the employee's followers (the latest snapshot before
the end of the period). Also: how many employees are active (wrote anything in the period),
the share who follow or engage with one of the organisation's leaders, and the share whom
a leader engages back (both over the employees other than the leaders themselves).

The amplifications are the period's ``interaction_edges`` (one definition for the graph,
the Index and this view), handed to the engine as ``period_edges``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from veille.analytics.authors import register_author_classes
from veille.analytics.context import AnalyticsContext
from veille.analytics.edges import INTERACTION_EDGES
from veille.analytics.period import Period
from veille.analytics.registry import Metric, run_metric

EMPLOYEES_SQL = """
WITH classified AS (
    SELECT DISTINCT network, account_id FROM author_classes WHERE employer = $organisation
      AND stakeholder IN ('employee', 'competitor', 'journalist')
),
registry AS (
    SELECT DISTINCT network, account_id FROM entity_accounts
    WHERE kind = 'leader' AND organisation = $organisation
),
own AS (
    SELECT DISTINCT network, account_id FROM entity_accounts
    WHERE kind = 'organisation' AND entity_id = $organisation
),
everyone AS (
    SELECT network, account_id, 'registry' AS source FROM registry
    UNION ALL
    SELECT c.network, c.account_id, 'enrichment' AS source FROM classified c
    WHERE NOT EXISTS (SELECT 1 FROM registry r
                      WHERE r.network = c.network AND r.account_id = c.account_id)
      AND NOT EXISTS (SELECT 1 FROM own o
                      WHERE o.network = c.network AND o.account_id = c.account_id)
),
followers AS (
    SELECT network, account_id, followers FROM (
        SELECT network, account_id, followers,
               row_number() OVER (PARTITION BY network, account_id
                                  ORDER BY observed_at DESC) AS rn
        FROM account_snapshots WHERE observed_at < $until AND followers IS NOT NULL
    ) s WHERE rn = 1
),
active AS (
    SELECT network, author_id AS account_id, count(*) AS posts FROM posts
    WHERE deleted_at IS NULL AND created_at >= $since AND created_at < $until
    GROUP BY network, author_id
)
SELECT e.network, e.account_id, e.source, a.handle, f.followers,
       coalesce(x.posts, 0) AS posts_in_period
FROM everyone e
LEFT JOIN accounts a ON a.network = e.network AND a.account_id = e.account_id
LEFT JOIN followers f ON f.network = e.network AND f.account_id = e.account_id
LEFT JOIN active x ON x.network = e.network AND x.account_id = e.account_id
WHERE (e.network || ':' || e.account_id) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
"""

EMPLOYEES = Metric(
    id="employees",
    sql=EMPLOYEES_SQL,
    description="The employees of an organisation (registry leaders and authors classed as its "
    "employees), with their latest followers and posts in the period.",
    inputs=("entity_accounts", "author_classes"),
    order=("network", "account_id"),
)

AMPLIFYING = ("repost", "quote", "mention")


@dataclass
class Ambassador:
    network: str
    account_id: str
    handle: str | None
    source: str
    followers: int | None
    posts_in_period: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AMPLIFYING, 0))

    @property
    def amplifications(self) -> int:
        return sum(self.counts.values())

    @property
    def reach_added(self) -> int:
        return self.amplifications * (self.followers or 0)

    def as_json(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "account": self.account_id,
            "handle": self.handle,
            "source": self.source,
            "followers": self.followers,
            "posts_in_period": self.posts_in_period,
            "amplifications": self.amplifications,
            **{f"{k}s": v for k, v in self.counts.items()},
            "reach_added": self.reach_added,
        }


def ambassadors(ctx: AnalyticsContext, organisation: str, period: Period) -> dict[str, Any]:
    """The ambassadors view of ``organisation`` over ``period`` (JSON-ready)."""
    register_author_classes(ctx)
    entities = ctx.engine.query(
        "SELECT kind, entity_id, network, account_id FROM entity_accounts "
        "WHERE organisation = $organisation",
        {"organisation": organisation},
    ).to_pylist()
    own = {(r["network"], r["account_id"]) for r in entities}
    leaders = {(r["network"], r["account_id"]) for r in entities if r["kind"] == "leader"}
    staff = {
        (r["network"], r["account_id"]): Ambassador(
            r["network"],
            r["account_id"],
            r["handle"],
            r["source"],
            r["followers"],
            r["posts_in_period"],
        )
        for r in run_metric(
            ctx.engine, EMPLOYEES, organisation=organisation, **period.params()
        ).to_pylist()
    }
    edges = run_metric(ctx.engine, INTERACTION_EDGES, **period.params()).to_pylist()
    follows = ctx.engine.query(
        "SELECT network, follower_id, followee_id FROM follows WHERE deleted_at IS NULL"
    ).to_pylist()
    engages: dict[tuple[str, str], bool] = defaultdict(bool)
    engaged_back: set[tuple[str, str]] = set()
    for edge in edges:
        src, dst = (edge["network"], edge["source"]), (edge["network"], edge["target"])
        if src in staff and dst in own and src != dst and edge["kind"] in AMPLIFYING:
            staff[src].counts[edge["kind"]] += int(edge["n"])
        if src in staff and dst in leaders and src != dst:
            engages[src] = True
        if src in leaders and dst in staff and src != dst:
            engaged_back.add(dst)
    for row in follows:
        src, dst = (row["network"], row["follower_id"]), (row["network"], row["followee_id"])
        if src in staff and dst in leaders and src != dst:
            engages[src] = True
    people = sorted(
        staff.values(), key=lambda a: (-a.reach_added, -a.amplifications, a.handle or a.account_id)
    )
    amplifiers = [a for a in people if a.amplifications]
    # the shares are over the staff other than the leaders themselves
    others = [a for a in people if (a.network, a.account_id) not in leaders]
    n = len(others)

    def share(count: int) -> dict[str, Any]:
        if not n:
            return {"value": None, "reason": "no employee known besides the leaders"}
        return {"value": count / n, "count": count, "of": n}

    return {
        "organisation": organisation,
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "employees": len(people),
        "active": sum(1 for a in people if a.posts_in_period),
        "amplifiers": len(amplifiers),
        "amplifications": {f"{k}s": sum(a.counts[k] for a in people) for k in AMPLIFYING},
        "reach_added": sum(a.reach_added for a in people),
        # amplifications by staff whose followers the store does not know (not in reach)
        "amplifications_reach_unknown": sum(
            a.amplifications for a in people if a.followers is None
        ),
        "follow_or_engage_leader": share(
            sum(1 for a in others if engages[(a.network, a.account_id)])
        ),
        "engaged_back_by_leader": share(
            sum(1 for a in others if (a.network, a.account_id) in engaged_back)
        ),
        "ambassadors": [a.as_json() for a in amplifiers],
    }
