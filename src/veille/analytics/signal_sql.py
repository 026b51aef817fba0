"""The SQL of the signals (issue 12): the posts of a span of time buckets with who wrote
them and how much their author weighs, and distinct authors per (bucket, term).

A post's author weight comes from the stakeholder class of the enrichment (stage
``stakeholders``: the same registered stage that ``authors.author_classes`` runs over the
accounts, applied to the author at posting time), through the table ``signal_weights``
(class, weight) registered from ``[signals.weights]``; an author without a class weighs
``weight_unknown``. Reading the class from the post's own enrichment keeps a pass's cost in
proportion to the posts of its buckets (classifying every account would cost the whole
accounts table per pass).

Buckets are numbered from the epoch: ``floor(epoch(created_at) / bucket_seconds)``, as
``BurstConfig.bucket_of`` does. Reposts (no text) and deleted or forgotten posts are left
out, and so are the reference news feeds (``signal_reference``: their items are what the
information lead time is measured against, not voices of the ecosystem).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa

from veille.analytics.engine import Engine
from veille.analytics.entities import register_entities
from veille.workspace.config import VeilleConfig

WEIGHTS = "signal_weights"
REFERENCE = "signal_reference"
POSTS = "signal_posts_in"
POST_TERMS = "signal_post_terms"

#: one person on several networks counts once: a registry account as its leader or
#: organisation (``entity_accounts``), another account by the name part of its handle
#: (alphanumerics: ``julien78.bsky.social`` and ``julien78@mamot.fr`` are one author);
#: without a handle, the account itself
AUTHOR_KEY = """coalesce(
    (SELECT min(ea.kind || ':' || ea.entity_id) FROM entity_accounts ea
     WHERE ea.network = p.network AND ea.account_id = p.author_id),
    'h:' || nullif(lower(regexp_replace(
        split_part(split_part(a.handle, '@', 1), '.', 1), '[^A-Za-z0-9]', '', 'g')), ''),
    p.network || ':' || p.author_id)"""

POSTS_SQL = f"""
WITH p AS (
    SELECT p.uri, p.network, {AUTHOR_KEY} AS author, p.created_at,
           p.text, p.hashtags, p.urls, p.lang,
           CAST(floor(epoch(p.created_at) / $bucket_seconds) AS BIGINT) AS bucket
    FROM posts p
    LEFT JOIN accounts a ON a.network = p.network AND a.account_id = p.author_id
    WHERE p.created_at >= $start AND p.created_at < $end
      AND p.deleted_at IS NULL AND p.text IS NOT NULL AND p.repost_of IS NULL
      AND p.uri NOT IN (SELECT key FROM tombstones WHERE kind = 'post')
      AND (p.network || ':' || p.author_id) NOT IN (SELECT account FROM {REFERENCE})
),
m AS (
    SELECT m.uri, list(m.watch_id ORDER BY m.watch_id) AS matches
    FROM matches m SEMI JOIN p ON m.uri = p.uri GROUP BY m.uri
),
e AS (
    SELECT uri, stakeholder, sentiment, cue, cue_score FROM post_labels
    WHERE created_at >= $start AND created_at < $end
)
SELECT p.uri, p.network, p.author, p.created_at, p.bucket, p.text, p.hashtags, p.urls,
       p.lang, coalesce(m.matches, []) AS matches, e.stakeholder, e.sentiment, e.cue,
       e.cue_score, coalesce(w.weight, $weight_unknown) AS weight
FROM p
LEFT JOIN m ON m.uri = p.uri
LEFT JOIN e ON e.uri = p.uri
LEFT JOIN {WEIGHTS} w ON w.stakeholder = e.stakeholder
ORDER BY p.created_at, p.uri
"""

#: distinct authors of each term over the trailing window of ``$window`` buckets ending at
#: each bucket in [``$first``, ``$last``]; ``weighted`` sums each distinct author's weight
#: (an author's largest in the window), ``posts`` counts the posts
TERM_COUNTS_SQL = f"""
WITH a AS (
    SELECT t.term, p.bucket, p.author, max(p.weight) AS weight, count(*) AS n
    FROM {POST_TERMS} t JOIN {POSTS} p ON p.uri = t.uri
    GROUP BY t.term, p.bucket, p.author
),
spread AS (
    SELECT term, bucket + o AS bucket, author, weight, n
    FROM a, range(CAST($window AS BIGINT)) AS r(o)
    WHERE bucket + o BETWEEN $first AND $last
),
per_author AS (
    SELECT bucket, term, author, max(weight) AS weight, sum(n) AS n
    FROM spread GROUP BY bucket, term, author
)
SELECT bucket, term, count(*) AS authors, sum(weight) AS weighted, sum(n) AS posts
FROM per_author
GROUP BY bucket, term
ORDER BY bucket, term
"""

NEWEST_SQL = f"""
SELECT max(created_at) AS newest, min(created_at) AS oldest FROM posts
WHERE created_at <= $horizon AND deleted_at IS NULL AND text IS NOT NULL
  AND (network || ':' || author_id) NOT IN (SELECT account FROM {REFERENCE})
"""

REFERENCE_ITEMS_SQL = f"""
SELECT p.uri, p.network || ':' || p.author_id AS feed, p.created_at, p.text, p.urls
FROM posts p
WHERE p.created_at >= $start AND p.created_at < $end AND p.deleted_at IS NULL
  AND (p.network || ':' || p.author_id) IN (SELECT account FROM {REFERENCE})
ORDER BY p.created_at
"""


def register_inputs(
    engine: Engine,
    weights: dict[str, float],
    reference_accounts: list[str],
    config: VeilleConfig | None = None,
) -> None:
    """Register the class weights, the reference feeds (``network:account_id``) and the
    registry's accounts (``entity_accounts``, the authors' identities)."""
    engine.register(
        WEIGHTS,
        pa.table(
            {
                "stakeholder": pa.array(list(weights), pa.string()),
                "weight": pa.array([float(w) for w in weights.values()], pa.float64()),
            }
        ),
    )
    engine.register(REFERENCE, pa.table({"account": pa.array(reference_accounts, pa.string())}))
    register_entities(engine, config or VeilleConfig())


def posts_between(
    engine: Engine,
    start: datetime,
    end: datetime,
    *,
    bucket_minutes: int,
    weight_unknown: float = 1.0,
) -> pa.Table:
    """The posts of [``start``, ``end``) with their bucket, matches, classes and weight."""
    return engine.query(
        POSTS_SQL,
        {
            "start": start,
            "end": end,
            "bucket_seconds": bucket_minutes * 60,
            "weight_unknown": weight_unknown,
        },
    )


def term_counts(
    engine: Engine, posts: pa.Table, post_terms: pa.Table, *, window: int, first: int, last: int
) -> pa.Table:
    """Distinct authors per (bucket, term) for the buckets [``first``, ``last``], each over
    its trailing ``window`` buckets: ``posts`` as from ``posts_between``, ``post_terms`` a
    table of (uri, term)."""
    engine.register(POSTS, posts.select(["uri", "author", "bucket", "weight", "created_at"]))
    engine.register(POST_TERMS, post_terms)
    return engine.query(TERM_COUNTS_SQL, {"window": window, "first": first, "last": last})


def newest_post(engine: Engine, horizon: datetime) -> tuple[datetime | None, datetime | None]:
    """The newest and oldest posts not after ``horizon`` (later ones are dated in the
    future: they wait until their time comes)."""
    row = engine.query(NEWEST_SQL, {"horizon": horizon}).to_pylist()[0]
    return row["newest"], row["oldest"]


FIRST_POST_SQL = """
SELECT min(created_at) AS t FROM posts WHERE created_at >= $s AND created_at < $e
"""


def first_post(engine: Engine, start: datetime, end: datetime) -> datetime | None:
    """When the first post in [start, end) was written (None: no post)."""
    got = engine.query(FIRST_POST_SQL, {"s": start, "e": end}).column("t")[0].as_py()
    return got if isinstance(got, datetime) else None


def reference_items(engine: Engine, start: datetime, end: datetime) -> pa.Table:
    return engine.query(REFERENCE_ITEMS_SQL, {"start": start, "end": end})


POSTS_BY_URI_SQL = f"""
WITH u AS (SELECT DISTINCT uri FROM signal_wanted_uris),
e AS (
    SELECT l.uri, l.stakeholder, l.sentiment, l.cue, l.cue_score, l.cue_detail
    FROM post_labels l SEMI JOIN u ON l.uri = u.uri
),
m AS (
    SELECT pm.uri, arg_max(coalesce(pm.likes, 0) + coalesce(pm.reposts, 0)
                           + coalesce(pm.quotes, 0) + coalesce(pm.replies, 0), pm.observed_at)
                   AS engagement
    FROM post_metrics pm SEMI JOIN u ON pm.uri = u.uri GROUP BY pm.uri
)
SELECT p.uri, p.network, {AUTHOR_KEY} AS author, p.author_id, a.handle,
       a.display_name, a.url, p.created_at, p.text, p.lang, p.urls, e.stakeholder,
       e.sentiment, e.cue, e.cue_score, e.cue_detail,
       coalesce(m.engagement, 0) AS engagement, coalesce(w.weight, $weight_unknown) AS weight,
       a.created_at AS account_created_at, a.bio, s.followers, s.following, s.posts
FROM (SELECT * FROM posts SEMI JOIN u ON posts.uri = u.uri) p
LEFT JOIN e ON e.uri = p.uri
LEFT JOIN m ON m.uri = p.uri
LEFT JOIN accounts a ON a.network = p.network AND a.account_id = p.author_id
ASOF LEFT JOIN account_snapshots s
  ON s.network = p.network AND s.account_id = p.author_id AND s.observed_at <= p.created_at
LEFT JOIN {WEIGHTS} w ON w.stakeholder = e.stakeholder
WHERE p.deleted_at IS NULL
ORDER BY p.created_at, p.uri
"""

STORY_OF_URIS_SQL = """
SELECT sp.signal_id, count(*) AS shared, min(s.first_seen) AS first_seen,
       min(s.detected_at) AS detected_at
FROM signal_posts sp JOIN signals s ON s.id = sp.signal_id
WHERE s.kind = 'story' AND sp.uri IN (SELECT uri FROM signal_wanted_uris)
GROUP BY sp.signal_id
ORDER BY shared DESC, sp.signal_id
"""


def posts_by_uri(engine: Engine, uris: list[str], *, weight_unknown: float = 1.0) -> pa.Table:
    """The posts of ``uris`` with their classes, sentiment, cues, engagement and weight."""
    engine.register("signal_wanted_uris", pa.table({"uri": pa.array(uris, pa.string())}))
    return engine.query(POSTS_BY_URI_SQL, {"weight_unknown": weight_unknown})


def stories_holding(engine: Engine, uris: list[str]) -> list[dict[str, Any]]:
    """The stored stories that hold some of ``uris``, the most shared first."""
    engine.register("signal_wanted_uris", pa.table({"uri": pa.array(uris, pa.string())}))
    rows: list[dict[str, Any]] = engine.query(STORY_OF_URIS_SQL).to_pylist()
    return rows


STORED_SIGNALS_SQL = """
SELECT id, kind, term, bucket_start, score, detail, detected_at, first_seen, authors, posts,
       reasons, watches, leaders, organisations, story_id, updated_at
FROM signals
WHERE ($kind IS NULL OR kind = $kind)
  AND ($watch IS NULL OR list_contains(watches, $watch) OR term = 'watch:' || $watch)
ORDER BY first_seen DESC, kind, id
"""


def stored_signals(
    engine: Engine, *, kind: str | None = None, watch: str | None = None
) -> list[dict[str, Any]]:
    """The stored signals (rows of ``signals``), newest first."""
    rows: list[dict[str, Any]] = engine.query(
        STORED_SIGNALS_SQL, {"kind": kind, "watch": watch}
    ).to_pylist()
    return rows


PRECURSORS_SQL = """
SELECT DISTINCT p.uri FROM posts p
WHERE p.created_at >= $start AND p.created_at < $end AND p.deleted_at IS NULL
  AND p.text IS NOT NULL AND p.repost_of IS NULL
  AND (p.uri IN (SELECT m.uri FROM matches m WHERE m.watch_id IN
                 (SELECT unnest($watches::VARCHAR[])) AND m.matched_at IS NOT NULL)
       OR len(list_intersect(list_transform(p.hashtags, lambda h: lower(h)), $tags::VARCHAR[])) > 0)
"""


def precursor_uris(
    engine: Engine, watches: list[str], tags: list[str], start: datetime, end: datetime
) -> list[str]:
    """Posts of [``start``, ``end``) that match one of ``watches`` (``matches.watch_id``:
    watches, ``leader:ID``, ``organisation:ID``) or carry one of ``tags`` (lowercase, no
    ``#``): the candidates for the beginning of a story, before its burst."""
    if not watches and not tags:
        return []
    got = engine.query(
        PRECURSORS_SQL, {"start": start, "end": end, "watches": watches, "tags": tags}
    )
    return [str(u) for u in got.column("uri").to_pylist()]


COMMON_MATCHES_SQL = """
SELECT watch_id FROM matches WHERE uri IN (SELECT uri FROM signal_wanted_uris)
GROUP BY watch_id HAVING count(DISTINCT uri) >= $least ORDER BY watch_id
"""


def common_matches(engine: Engine, uris: list[str], share: float = 0.5) -> list[str]:
    """The ``matches.watch_id`` (watches, ``leader:ID``, ``organisation:ID``) that at least
    ``share`` of the posts ``uris`` match."""
    engine.register("signal_wanted_uris", pa.table({"uri": pa.array(uris, pa.string())}))
    got = engine.query(COMMON_MATCHES_SQL, {"least": max(1, int(share * len(uris) + 0.999))})
    return [str(w) for w in got.column("watch_id").to_pylist()]
