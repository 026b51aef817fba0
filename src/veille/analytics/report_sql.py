"""What a report needs beside the leader profile: day-by-day series and the top posts of a
subject over a period, where a subject is a registry entity's own accounts (a leader, an
organisation) or the posts a watch matched (a watch; the implicit ``organisation:ID`` and
``leader:ID`` watches of the names).

Engagement is likes + reposts + quotes + replies of each post's latest snapshot. Deleted
posts count nowhere. Days are in the workspace's time zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from veille.analytics.engine import Engine

_OWN = """
own AS (
    SELECT p.* FROM posts p
    JOIN (SELECT DISTINCT network, account_id FROM entity_accounts
          WHERE kind = $kind AND entity_id = $entity) m
      ON m.network = p.network AND m.account_id = p.author_id
    WHERE p.deleted_at IS NULL AND p.created_at >= $since AND p.created_at < $until
)"""

_MATCHED = """
own AS (
    SELECT p.* FROM posts p
    WHERE p.deleted_at IS NULL AND p.created_at >= $since AND p.created_at < $until
      AND p.uri IN (SELECT uri FROM matches WHERE watch_id = $watch)
)"""

_LATEST = """
latest AS (
    SELECT uri, arg_max(coalesce(likes, 0) + coalesce(reposts, 0) + coalesce(quotes, 0)
                        + coalesce(replies, 0), observed_at) AS engagement
    FROM post_metrics WHERE uri IN (SELECT uri FROM own) GROUP BY uri
),
sentiment AS (
    SELECT uri, any_value(label) AS label FROM enrichments
    WHERE stage = 'sentiment' AND uri IN (SELECT uri FROM own) GROUP BY uri
)"""

_DAILY = """
SELECT CAST(timezone($tz, o.created_at) AS DATE) AS day,
       count(*) AS posts,
       count(*) FILTER (WHERE o.reply_to IS NULL AND o.repost_of IS NULL) AS originals,
       count(*) FILTER (WHERE o.reply_to IS NOT NULL) AS replies,
       count(*) FILTER (WHERE o.repost_of IS NOT NULL) AS reposts,
       count(DISTINCT o.network || ':' || o.author_id) AS authors,
       coalesce(sum(l.engagement), 0) AS engagement,
       count(*) FILTER (WHERE s.label = 'positive') AS positive,
       count(*) FILTER (WHERE s.label = 'neutral') AS neutral,
       count(*) FILTER (WHERE s.label = 'negative') AS negative
FROM own o LEFT JOIN latest l ON l.uri = o.uri LEFT JOIN sentiment s ON s.uri = o.uri
GROUP BY day ORDER BY day
"""

_TOP = """
SELECT o.uri, o.network, o.created_at, o.text, coalesce(a.handle, o.author_id) AS author,
       coalesce(l.engagement, 0) AS engagement, s.label AS sentiment
FROM own o
LEFT JOIN latest l ON l.uri = o.uri
LEFT JOIN sentiment s ON s.uri = o.uri
LEFT JOIN (SELECT network, account_id, any_value(handle) AS handle FROM accounts
           GROUP BY network, account_id) a
       ON a.network = o.network AND a.account_id = o.author_id
WHERE o.text IS NOT NULL AND o.repost_of IS NULL
ORDER BY engagement DESC, o.created_at DESC, o.uri
LIMIT $limit
"""

ENTITY_DAILY_SQL = f"WITH {_OWN},{_LATEST}{_DAILY}"
ENTITY_TOP_SQL = f"WITH {_OWN},{_LATEST}{_TOP}"
WATCH_DAILY_SQL = f"WITH {_MATCHED},{_LATEST}{_DAILY}"
WATCH_TOP_SQL = f"WITH {_MATCHED},{_LATEST}{_TOP}"


def _rows(engine: Engine, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in engine.query(sql, params).to_pylist()]


def entity_daily(
    engine: Engine, kind: str, entity: str, since: datetime, until: datetime, tz: str
) -> list[dict[str, Any]]:
    """Per day: posts, originals, replies, reposts, engagement, sentiment counts of the
    entity's own posts (needs ``entity_accounts``)."""
    params = {"kind": kind, "entity": entity, "since": since, "until": until, "tz": tz}
    return _rows(engine, ENTITY_DAILY_SQL, params)


def entity_top_posts(
    engine: Engine, kind: str, entity: str, since: datetime, until: datetime, limit: int = 10
) -> list[dict[str, Any]]:
    params = {"kind": kind, "entity": entity, "since": since, "until": until, "limit": limit}
    return _rows(engine, ENTITY_TOP_SQL, params)


def watch_daily(
    engine: Engine, watch: str, since: datetime, until: datetime, tz: str
) -> list[dict[str, Any]]:
    """Per day: the posts a watch matched, their distinct authors, engagement, sentiment."""
    return _rows(engine, WATCH_DAILY_SQL, {"watch": watch, "since": since, "until": until,
                                           "tz": tz})  # fmt: skip


def watch_top_posts(
    engine: Engine, watch: str, since: datetime, until: datetime, limit: int = 10
) -> list[dict[str, Any]]:
    params = {"watch": watch, "since": since, "until": until, "limit": limit}
    return _rows(engine, WATCH_TOP_SQL, params)
