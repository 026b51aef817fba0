"""The digest's candidates: one query over the store (``veille.reports.digest`` scores and
picks from its rows).

For the tracked leaders of ``digest_leaders`` (a registered table of entity ids), every
original post (not a reply, not a repost; deleted and tombstoned posts left out) created in
``[$baseline_since, $until)`` gets the metric snapshot closest to a fixed age
(``$age_s`` seconds after posting; ties go to the earlier snapshot), so that a post seen
at 2 days and one seen at 2 hours are not compared on different ages. Its engagement is
likes + reposts + quotes + replies of that snapshot.

The day's posts (``[$since, $until)``) come back with the author's baseline over the
trailing window ``[$baseline_since, $since)``: the number of posts with a snapshot, the
mean and sample standard deviation of ``ln(1 + engagement)`` and the median engagement;
and with the distinct accounts (other than the author) who replied within the same age.
A day's post without any snapshot comes back with a null engagement (it cannot be scored).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from veille.analytics.engine import Engine

DIGEST_LEADERS = "digest_leaders"

CANDIDATES_SQL = """
WITH leaders AS (
    SELECT DISTINCT e.entity_id, e.network, e.account_id FROM entity_accounts e
    WHERE e.kind = 'leader' AND e.entity_id IN (SELECT entity_id FROM digest_leaders)
),
originals AS (
    SELECT p.uri, p.network, p.author_id, p.created_at, p.text, l.entity_id
    FROM posts p JOIN leaders l ON l.network = p.network AND l.account_id = p.author_id
    WHERE p.deleted_at IS NULL AND p.text IS NOT NULL AND p.reply_to IS NULL
      AND p.repost_of IS NULL AND p.created_at >= $baseline_since AND p.created_at < $until
      AND p.uri NOT IN (SELECT key FROM tombstones WHERE kind = 'post')
),
snap AS (
    SELECT o.uri, m.observed_at,
           coalesce(m.likes, 0) + coalesce(m.reposts, 0) + coalesce(m.quotes, 0)
             + coalesce(m.replies, 0) AS engagement,
           row_number() OVER (
               PARTITION BY o.uri
               ORDER BY abs(epoch(m.observed_at) - epoch(o.created_at) - $age_s), m.observed_at
           ) AS rn
    FROM originals o JOIN post_metrics m ON m.uri = o.uri
    WHERE m.observed_at >= o.created_at
),
scored AS (
    SELECT o.*, s.engagement, s.observed_at,
           (epoch(s.observed_at) - epoch(o.created_at)) / 3600.0 AS age_hours,
           ln(1 + s.engagement) AS log_engagement
    FROM originals o LEFT JOIN snap s ON s.uri = o.uri AND s.rn = 1
),
baseline AS (
    SELECT network, author_id, count(*) AS baseline_n, avg(log_engagement) AS baseline_mean,
           stddev_samp(log_engagement) AS baseline_sd, median(engagement) AS baseline_median
    FROM scored
    WHERE engagement IS NOT NULL AND created_at < $since
    GROUP BY network, author_id
),
repliers AS (
    SELECT o.uri, count(DISTINCT r.author_id) AS repliers
    FROM originals o JOIN posts r ON r.reply_to = o.uri
    WHERE o.created_at >= $since AND r.deleted_at IS NULL AND r.author_id <> o.author_id
      AND epoch(r.created_at) <= epoch(o.created_at) + $age_s
    GROUP BY o.uri
)
SELECT s.uri, s.network, s.author_id, s.entity_id AS leader, s.created_at, s.text,
       s.engagement, s.observed_at, s.age_hours, s.log_engagement,
       coalesce(b.baseline_n, 0) AS baseline_n, b.baseline_mean, b.baseline_sd,
       b.baseline_median, coalesce(r.repliers, 0) AS repliers,
       a.handle, a.display_name
FROM scored s
LEFT JOIN baseline b ON b.network = s.network AND b.author_id = s.author_id
LEFT JOIN repliers r ON r.uri = s.uri
LEFT JOIN (SELECT network, account_id, any_value(handle) AS handle,
                  any_value(display_name) AS display_name
           FROM accounts GROUP BY network, account_id) a
       ON a.network = s.network AND a.account_id = s.author_id
WHERE s.created_at >= $since AND s.created_at < $until
ORDER BY s.created_at, s.uri
"""


def digest_candidates(
    engine: Engine,
    leaders: list[str],
    *,
    since: datetime,
    until: datetime,
    baseline_since: datetime,
    age_hours: float,
) -> list[dict[str, Any]]:
    """The day's original posts of ``leaders`` with their figures at the fixed age and
    their author's baseline (see the module docstring). Needs ``entity_accounts``."""
    engine.register(DIGEST_LEADERS, pa.table({"entity_id": pa.array(leaders, pa.string())}))
    rows = engine.query(
        CANDIDATES_SQL,
        {
            "since": since,
            "until": until,
            "baseline_since": baseline_since,
            "age_s": float(age_hours) * 3600.0,
        },
    )
    return [dict(row) for row in rows.to_pylist()]
