"""Reach and growth of each leader, per account, from ``account_snapshots``.

Reach at the end of a period is the latest follower count observed at or before its end;
when no snapshot is that old (an account first seen after the period, as a Mastodon import
observes counts on the day it runs), the nearest one after the end is used and said so.
Growth is the end count minus the latest count at or before the start (else the first
count observed within the period); one observation gives no growth, with the reason.
A leader's reach and growth are the sums over their accounts; each network is shown apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from veille.analytics.registry import Metric
from veille.analytics.sqlparts import LEADER_ACCOUNTS

AUDIENCE_SQL = f"""
WITH acc AS ({LEADER_ACCOUNTS}),
snap AS (
    SELECT s.network, s.account_id, s.observed_at, s.followers
    FROM account_snapshots s
    JOIN acc a ON a.network = s.network AND a.account_id = s.account_id
    WHERE s.followers IS NOT NULL
)
SELECT a.entity_id, a.network, a.account_id,
       arg_max(s.followers, s.observed_at) FILTER (WHERE s.observed_at <= $until) AS followers_end,
       max(s.observed_at) FILTER (WHERE s.observed_at <= $until) AS end_at,
       arg_min(s.followers, s.observed_at) FILTER (WHERE s.observed_at > $until)
           AS followers_after,
       min(s.observed_at) FILTER (WHERE s.observed_at > $until) AS after_at,
       arg_max(s.followers, s.observed_at) FILTER (WHERE s.observed_at <= $since)
           AS followers_start,
       max(s.observed_at) FILTER (WHERE s.observed_at <= $since) AS start_at,
       arg_min(s.followers, s.observed_at)
           FILTER (WHERE s.observed_at > $since AND s.observed_at <= $until) AS followers_first,
       min(s.observed_at) FILTER (WHERE s.observed_at > $since AND s.observed_at <= $until)
           AS first_at,
       count(s.observed_at) AS snapshots
FROM acc a LEFT JOIN snap s ON s.network = a.network AND s.account_id = a.account_id
GROUP BY a.entity_id, a.network, a.account_id
"""

LEADER_AUDIENCE = Metric(
    id="leader_audience",
    sql=AUDIENCE_SQL,
    description="Followers of each leader account at the start and end of a period "
    "(latest snapshot at or before; the nearest after when there is none), for reach and "
    "growth.",
    inputs=("entity_accounts",),
    order=("entity_id", "network", "account_id"),
)


@dataclass
class Audience:
    """One leader's reach and growth, summed over accounts and per network."""

    followers: int | None = None
    growth: int | None = None
    #: why ``followers`` or ``growth`` is missing or approximate
    notes: list[str] = field(default_factory=list)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)


def audiences(rows: list[dict[str, Any]]) -> dict[str, Audience]:
    """Combine ``leader_audience`` rows into one ``Audience`` per leader."""
    out: dict[str, Audience] = {}
    for row in sorted(rows, key=lambda r: (r["entity_id"], r["network"], r["account_id"])):
        item = out.setdefault(row["entity_id"], Audience())
        net = item.networks.setdefault(
            row["network"], {"followers": None, "growth": None, "accounts": 0, "notes": []}
        )
        net["accounts"] += 1
        end = row["followers_end"]
        if end is None and row["followers_after"] is not None:
            end = row["followers_after"]
            net["notes"].append(
                f"{row['account_id']}: followers observed after the period "
                f"({row['after_at']:%Y-%m-%d})"
            )
        if end is None:
            net["notes"].append(f"{row['account_id']}: no follower count observed")
            continue
        net["followers"] = (net["followers"] or 0) + int(end)
        start = row["followers_start"]
        if (
            start is None
            and row["followers_first"] is not None
            and row["end_at"] is not None
            and row["first_at"] < row["end_at"]
        ):
            start = row["followers_first"]
        if start is None or row["followers_end"] is None:
            net["notes"].append(f"{row['account_id']}: one follower count, no growth")
            net.setdefault("growth_missing", True)
            continue
        net["growth"] = (net["growth"] or 0) + int(row["followers_end"]) - int(start)
    for item in out.values():
        for net in item.networks.values():
            if net["followers"] is not None:
                item.followers = (item.followers or 0) + net["followers"]
            if net["growth"] is not None:
                item.growth = (item.growth or 0) + net["growth"]
            item.notes.extend(net["notes"])
            net.pop("growth_missing", None)
    return out
