"""The SQL side of the bad-buzz and campaign detectors (``signals/buzz.py``,
``signals/campaign.py``): the posts heard about every leader and organisation over a bounded
span, with what the detectors need of each.

What counts as a post about an entity is listening's rule (``analytics/listening.py``):
posts by others that mention one of its accounts, reply to or quote one of its posts
(``sqlparts.ADDRESSED``), or name it (the implicit watch ``organisation:ID`` /
``leader:ID`` in ``matches``). Reposts, deleted posts and forgotten accounts are left out.

One row per (entity, post): ``kind``, ``entity_id``, ``network``, ``uri``, ``author_id``,
``created_at``, ``sentiment`` (the current label of the ``sentiment`` stage, or null:
``post_labels``, read over the span only),
``text`` (only for posts at or after ``$text_since``: the baseline days need counts, not
text), ``account_created`` and ``account_first_seen``: when the author's account was
created (where the network says) and first seen by the store. The cost is that of the
span read: posts are filtered on ``created_at`` before anything is joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa

from veille.analytics.engine import Engine
from veille.analytics.registry import Metric, run_metric
from veille.analytics.sqlparts import ADDRESSED, ENTITY_ACCOUNTS

_ALIVE = """p.deleted_at IS NULL AND p.repost_of IS NULL
      AND p.created_at >= $since AND p.created_at < $until
      AND (p.network || ':' || p.author_id) NOT IN
          (SELECT key FROM tombstones WHERE kind = 'account')"""

WAVE_POSTS_SQL = f"""
WITH acc AS ({ENTITY_ACCOUNTS}),
{ADDRESSED},
named AS (
    SELECT DISTINCT split_part(m.watch_id, ':', 1) AS kind,
           substr(m.watch_id, strpos(m.watch_id, ':') + 1) AS entity_id,
           p.network, p.uri, p.author_id, p.created_at
    FROM posts p JOIN matches m ON m.uri = p.uri
    WHERE (m.watch_id LIKE 'leader:%' OR m.watch_id LIKE 'organisation:%') AND {_ALIVE}
),
about AS (
    SELECT DISTINCT kind, entity_id, network, uri, author_id, created_at FROM (
        SELECT kind, entity_id, network, uri, author_id, created_at FROM addressed
        UNION ALL
        SELECT n.kind, n.entity_id, n.network, n.uri, n.author_id, n.created_at FROM named n
        WHERE NOT EXISTS (SELECT 1 FROM acc own WHERE own.kind = n.kind
                          AND own.entity_id = n.entity_id AND own.network = n.network
                          AND own.account_id = n.author_id)
    ) x
    WHERE (network || ':' || author_id) NOT IN
          (SELECT key FROM tombstones WHERE kind = 'account')
),
labels AS (
    SELECT uri, sentiment FROM post_labels
    WHERE created_at >= $since AND created_at < $until
)
SELECT b.kind, b.entity_id, b.network, b.uri, b.author_id, b.created_at, l.sentiment,
       CASE WHEN b.created_at >= $text_since THEN p.text END AS text,
       a.created_at AS account_created, a.first_seen AS account_first_seen
FROM about b
LEFT JOIN labels l ON l.uri = b.uri
LEFT JOIN (SELECT uri, text FROM posts WHERE created_at >= $since AND created_at < $until) p
       ON p.uri = b.uri
LEFT JOIN accounts a ON a.network = b.network AND a.account_id = b.author_id
"""

WAVE_POSTS = Metric(
    id="signals_wave_posts",
    sql=WAVE_POSTS_SQL,
    description="Posts by others about each leader and organisation over a span (mentions, "
    "replies, quotes, or its name), with their sentiment and the author's account age.",
    inputs=("entity_accounts",),
    order=("kind", "entity_id", "uri"),
)

#: the first post of the store at or after ``$since`` (where the history starts, for "not
#: enough data": a baseline cannot reach before it)
HISTORY_START_SQL = """
SELECT min(created_at) AS first FROM posts WHERE deleted_at IS NULL AND created_at >= $since
"""

ENGAGEMENT_SQL = """
SELECT uri, likes, reposts, replies, quotes FROM (
    SELECT m.uri, m.likes, m.reposts, m.replies, m.quotes,
           row_number() OVER (PARTITION BY m.uri ORDER BY m.observed_at DESC) AS rn
    FROM post_metrics m JOIN signal_uris u ON u.uri = m.uri
) x WHERE rn = 1
"""

HANDLES_SQL = """
SELECT a.network, a.account_id, a.handle FROM accounts a
JOIN signal_accounts s ON s.network = a.network AND s.account_id = a.account_id
"""


def wave_posts(engine: Engine, since: datetime, until: datetime, text_since: datetime) -> pa.Table:
    """The posts about every entity in ``[since, until)`` (``entity_accounts`` must be
    registered on ``engine``: ``analytics.entities.register_entities``)."""
    return run_metric(engine, WAVE_POSTS, since=since, until=until, text_since=text_since)


def history_start(engine: Engine, since: datetime) -> datetime | None:
    """The first stored post at or after ``since`` (None: no post since then)."""
    value = engine.query(HISTORY_START_SQL, {"since": since}).column("first")[0].as_py()
    return value if isinstance(value, datetime) else None


def engagement(engine: Engine, uris: Sequence[str]) -> dict[str, int]:
    """Likes + reposts + replies + quotes of each post (its latest metrics snapshot)."""
    if not uris:
        return {}
    engine.register("signal_uris", pa.table({"uri": pa.array(sorted(set(uris)), pa.string())}))
    out: dict[str, int] = {}
    for row in engine.query(ENGAGEMENT_SQL).to_pylist():
        out[row["uri"]] = sum(int(row[k] or 0) for k in ("likes", "reposts", "replies", "quotes"))
    return out


def handles(engine: Engine, accounts: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The handle of each ``(network, account_id)`` the store knows one for."""
    if not accounts:
        return {}
    keys = sorted(set(accounts))
    engine.register(
        "signal_accounts",
        pa.table(
            {
                "network": pa.array([k[0] for k in keys], pa.string()),
                "account_id": pa.array([k[1] for k in keys], pa.string()),
            }
        ),
    )
    return {
        (r["network"], r["account_id"]): r["handle"]
        for r in engine.query(HANDLES_SQL).to_pylist()
        if r["handle"]
    }
