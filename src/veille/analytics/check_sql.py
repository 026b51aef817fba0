"""What the pre-publication check needs from a workspace, as queries (the check itself,
``veille.reports.check``, is a pure function of the draft and of what these return).

- ``resolve_handles``: which of a draft's @handles name a stored account (handle or id,
  case-insensitive; a Mastodon ``user@instance`` also matches its bare ``user`` handle);
- ``signal_terms``: the signals (``signals`` table) of the last days whose term is one of
  the draft's hashtags;
- ``leader_posts``: a leader's latest original posts (text, language) on every network;
- ``audience_by_hour``: how many times the leader's audience engaged (replies, quotes,
  reposts and likes of others on the leader's posts) in each hour of the week, in the
  workspace's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from veille.analytics.engine import Engine

CHECK_HANDLES = "check_handles"

RESOLVE_SQL = """
SELECT DISTINCT h.handle
FROM check_handles h
JOIN accounts a
  ON lower(a.handle) = h.handle OR lower(a.account_id) = h.handle
  OR lower(split_part(a.handle, '@', 1)) = h.handle
  OR lower(a.handle) = split_part(h.handle, '@', 1) AND h.handle LIKE '%@%'
     AND a.network = 'mastodon'
WHERE (a.network || ':' || a.account_id) NOT IN
      (SELECT key FROM tombstones WHERE kind = 'account')
"""

SIGNAL_TERMS_SQL = """
SELECT lower(ltrim(term, '#')) AS term, kind, max(score) AS score, max(detected_at) AS at
FROM signals
WHERE term IS NOT NULL AND detected_at >= $since
  AND lower(ltrim(term, '#')) IN (SELECT unnest($terms::VARCHAR[]))
GROUP BY ALL
ORDER BY term, kind
"""

LEADER_POSTS_SQL = """
SELECT p.text, l.label AS lang
FROM posts p
JOIN entity_accounts e
  ON e.kind = 'leader' AND e.entity_id = $leader
 AND e.network = p.network AND e.account_id = p.author_id
LEFT JOIN (SELECT uri, any_value(label) AS label FROM enrichments
           WHERE stage = 'language' GROUP BY uri) l ON l.uri = p.uri
WHERE p.deleted_at IS NULL AND p.text IS NOT NULL AND p.repost_of IS NULL
  AND p.reply_to IS NULL AND p.created_at < $until
ORDER BY p.created_at DESC, p.uri
LIMIT $limit
"""

AUDIENCE_BY_HOUR_SQL = """
WITH mine AS (
    SELECT p.uri, p.network, p.author_id FROM posts p
    JOIN entity_accounts e
      ON e.kind = 'leader' AND e.entity_id = $leader
     AND e.network = p.network AND e.account_id = p.author_id
    WHERE p.deleted_at IS NULL
),
acts AS (
    SELECT o.created_at FROM posts o JOIN mine m ON o.reply_to = m.uri
    WHERE o.deleted_at IS NULL AND o.author_id <> m.author_id
      AND o.created_at >= $since AND o.created_at < $until
    UNION ALL
    SELECT o.created_at FROM posts o JOIN mine m ON o.quote_of = m.uri
    WHERE o.deleted_at IS NULL AND o.author_id <> m.author_id
      AND o.created_at >= $since AND o.created_at < $until
    UNION ALL
    SELECT o.created_at FROM posts o JOIN mine m ON o.repost_of = m.uri
    WHERE o.deleted_at IS NULL AND o.author_id <> m.author_id
      AND o.created_at >= $since AND o.created_at < $until
    UNION ALL
    SELECT r.created_at FROM reactions r JOIN mine m ON r.subject_uri = m.uri
    WHERE r.author_id <> m.author_id AND r.created_at IS NOT NULL
      AND r.created_at >= $since AND r.created_at < $until
)
SELECT (isodow(timezone($tz, created_at)) - 1) * 24 + hour(timezone($tz, created_at)) AS how,
       count(*) AS n
FROM acts
GROUP BY how
ORDER BY how
"""


def resolve_handles(engine: Engine, handles: Sequence[str]) -> set[str]:
    """The lowercase ``handles`` (without ``@``) that name a stored account."""
    if not handles:
        return set()
    engine.register(
        CHECK_HANDLES, pa.table({"handle": pa.array(sorted({h.lower() for h in handles}))})
    )
    return {str(v) for v in engine.query(RESOLVE_SQL).column("handle").to_pylist()}


def signal_terms(engine: Engine, terms: Sequence[str], since: datetime) -> list[dict[str, Any]]:
    """Signals since ``since`` whose term is one of ``terms`` (lowercase, without ``#``)."""
    if not terms:
        return []
    rows = engine.query(SIGNAL_TERMS_SQL, {"terms": sorted(set(terms)), "since": since})
    return [dict(row) for row in rows.to_pylist()]


def leader_posts(
    engine: Engine, leader: str, until: datetime, limit: int = 500
) -> list[tuple[str, str | None]]:
    """(text, language) of the leader's latest original posts before ``until``."""
    rows = engine.query(LEADER_POSTS_SQL, {"leader": leader, "until": until, "limit": limit})
    return list(zip(rows.column("text").to_pylist(), rows.column("lang").to_pylist(), strict=True))


def audience_by_hour(
    engine: Engine, leader: str, since: datetime, until: datetime, tz: str
) -> list[int]:
    """168 counts, Monday 00:00 first, of the audience's engagement by hour of week."""
    counts = [0] * 168
    rows = engine.query(
        AUDIENCE_BY_HOUR_SQL, {"leader": leader, "since": since, "until": until, "tz": tz}
    )
    for how, n in zip(rows.column("how").to_pylist(), rows.column("n").to_pylist(), strict=True):
        counts[int(how)] = int(n)
    return counts
