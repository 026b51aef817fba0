"""The store's tables (DESIGN.md, "Data model") and their migrations.

The big append-mostly tables (posts, post_metrics, account_snapshots, reactions,
enrichments) have no PRIMARY KEY: DuckDB maintains an ART index for a key, and with random
keys such as URIs that made bulk inserts 3x slower (bench/RESULTS.md). Their keys are kept
unique by the one writer instead, which inserts only the rows of a batch that an anti-join
does not find (``store.Store``). Small tables that need upserts keep real keys.

``MIGRATIONS[i]`` takes the schema from version ``i`` to ``i + 1``. The current version is
kept in ``meta``; opening a store applies what is missing, in one transaction each.
"""

from __future__ import annotations

from veille.store.labels import BACKFILL_SQL, CREATE_SQL
from veille.store.links import BACKFILL_SQL as POST_LINKS_BACKFILL
from veille.store.links import CREATE_SQL as POST_LINKS_SQL

V1 = [
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE accounts (
        network VARCHAR NOT NULL, account_id VARCHAR NOT NULL, handle VARCHAR,
        display_name VARCHAR, bio VARCHAR, url VARCHAR, created_at TIMESTAMPTZ,
        first_seen TIMESTAMPTZ, updated_at TIMESTAMPTZ,
        PRIMARY KEY (network, account_id))""",
    """CREATE TABLE account_snapshots (
        network VARCHAR NOT NULL, account_id VARCHAR NOT NULL, observed_at TIMESTAMPTZ NOT NULL,
        followers BIGINT, following BIGINT, posts BIGINT)""",
    """CREATE TABLE posts (
        uri VARCHAR NOT NULL, network VARCHAR NOT NULL, post_id VARCHAR NOT NULL,
        author_id VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
        collected_at TIMESTAMPTZ NOT NULL, text VARCHAR, lang VARCHAR, reply_to VARCHAR,
        reply_root VARCHAR, quote_of VARCHAR, repost_of VARCHAR, mentions VARCHAR[],
        hashtags VARCHAR[], urls VARCHAR[], source VARCHAR, deleted_at TIMESTAMPTZ)""",
    """CREATE TABLE post_metrics (
        uri VARCHAR NOT NULL, observed_at TIMESTAMPTZ NOT NULL, likes BIGINT, reposts BIGINT,
        replies BIGINT, quotes BIGINT)""",
    """CREATE TABLE reactions (
        uri VARCHAR NOT NULL, network VARCHAR NOT NULL, author_id VARCHAR NOT NULL,
        subject_uri VARCHAR NOT NULL, kind VARCHAR NOT NULL, created_at TIMESTAMPTZ)""",
    """CREATE TABLE follows (
        network VARCHAR NOT NULL, follower_id VARCHAR NOT NULL, followee_id VARCHAR NOT NULL,
        observed_at TIMESTAMPTZ NOT NULL, uri VARCHAR, created_at TIMESTAMPTZ,
        deleted_at TIMESTAMPTZ, PRIMARY KEY (network, follower_id, followee_id))""",
    """CREATE TABLE enrichments (
        uri VARCHAR NOT NULL, stage VARCHAR NOT NULL, version VARCHAR NOT NULL,
        label VARCHAR, confidence DOUBLE, score DOUBLE, detail VARCHAR,
        enriched_at TIMESTAMPTZ NOT NULL)""",
    # one row per post and pipeline (the set of current stage versions): what is pending
    """CREATE TABLE enriched (
        uri VARCHAR NOT NULL, pipeline VARCHAR NOT NULL, enriched_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE matches (
        watch_id VARCHAR NOT NULL, uri VARCHAR NOT NULL, matched_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (watch_id, uri))""",
    """CREATE TABLE signals (
        id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, term VARCHAR, bucket_start TIMESTAMPTZ,
        score DOUBLE, detail VARCHAR, detected_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE alerts_sent (
        id VARCHAR PRIMARY KEY, signal_id VARCHAR, sink VARCHAR NOT NULL,
        sent_at TIMESTAMPTZ NOT NULL, status VARCHAR, detail VARCHAR)""",
    """CREATE TABLE cursors (
        source_key VARCHAR PRIMARY KEY, cursor VARCHAR, updated_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE source_state (
        source_key VARCHAR PRIMARY KEY, last_success TIMESTAMPTZ, last_error VARCHAR,
        last_error_at TIMESTAMPTZ, items_total BIGINT DEFAULT 0, rate_limit VARCHAR,
        next_allowed_at TIMESTAMPTZ, updated_at TIMESTAMPTZ)""",
    """CREATE TABLE tombstones (
        key VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, network VARCHAR NOT NULL,
        deleted_at TIMESTAMPTZ NOT NULL, reason VARCHAR, recorded_at TIMESTAMPTZ NOT NULL)""",
    """CREATE TABLE imports (
        id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, paths VARCHAR, started_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ, read BIGINT, new BIGINT, duplicates BIGINT, rejected BIGINT,
        status VARCHAR)""",
    """CREATE TABLE audit (
        "at" TIMESTAMPTZ NOT NULL, actor VARCHAR, action VARCHAR NOT NULL, target VARCHAR,
        detail VARCHAR)""",
]

#: The raw log's index (``rawlog.py``), kept by the writer with each batch: the items it
#: holds (a hash of source and payload), where each content key lies (a post, reaction or
#: follow URI, an account key), and how far each segment is indexed. ``raw_items`` and
#: ``raw_keys`` are big and keyed by the writer's anti-join, like ``posts``.
V4_RAW_INDEX = [
    """CREATE TABLE raw_items (
        source VARCHAR NOT NULL, item BIGINT NOT NULL, segment VARCHAR NOT NULL)""",
    """CREATE TABLE raw_keys (key VARCHAR NOT NULL, segment VARCHAR NOT NULL)""",
    """CREATE TABLE raw_segments (
        segment VARCHAR PRIMARY KEY, indexed_bytes BIGINT NOT NULL)""",
]

#: Users and API tokens of ``veille serve`` (``veille user add``, ``veille token add``).
#: Passwords are argon2 hashes; tokens are kept as the SHA-256 of their secret only.
V2_WEB_AUTH = [
    """CREATE TABLE users (
        name VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL, role VARCHAR NOT NULL,
        created_at TIMESTAMPTZ NOT NULL, disabled BOOLEAN NOT NULL DEFAULT false)""",
    """CREATE TABLE api_tokens (
        id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, token_hash VARCHAR NOT NULL UNIQUE,
        role VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL, revoked_at TIMESTAMPTZ)""",
]


#: What a post's ``created_at`` comes from where a source may not date it (feeds).
V3_DATED_BY = ["""ALTER TABLE posts ADD COLUMN dated_by VARCHAR"""]


#: Signals (issue 12, ``veille/signals``): the columns a ``Signal`` needs beside V1's, the
#: posts of each signal, and the burst detector's state so that a restart resumes it: one
#: row per (detector, term) with its ``TermState``, and per detector the last closed bucket.
#: A rebuild does not carry them over: it re-derives them (``flow/rebuild.py``).
V5_SIGNALS = [
    "ALTER TABLE signals ADD COLUMN first_seen TIMESTAMPTZ",
    "ALTER TABLE signals ADD COLUMN authors BIGINT",
    "ALTER TABLE signals ADD COLUMN posts BIGINT",
    "ALTER TABLE signals ADD COLUMN reasons VARCHAR",
    "ALTER TABLE signals ADD COLUMN watches VARCHAR[]",
    "ALTER TABLE signals ADD COLUMN leaders VARCHAR[]",
    "ALTER TABLE signals ADD COLUMN organisations VARCHAR[]",
    "ALTER TABLE signals ADD COLUMN story_id VARCHAR",
    "ALTER TABLE signals ADD COLUMN updated_at TIMESTAMPTZ",
    """CREATE TABLE signal_posts (
        signal_id VARCHAR NOT NULL, uri VARCHAR NOT NULL, PRIMARY KEY (signal_id, uri))""",
    """CREATE TABLE signal_terms (
        detector VARCHAR NOT NULL, term VARCHAR NOT NULL, ewma DOUBLE NOT NULL,
        last_bucket BIGINT NOT NULL, last_count BIGINT NOT NULL, burst_start BIGINT,
        quiet BIGINT NOT NULL, peak_count BIGINT NOT NULL, peak_score DOUBLE NOT NULL,
        PRIMARY KEY (detector, term))""",
    """CREATE TABLE signal_detectors (
        detector VARCHAR PRIMARY KEY, last_bucket BIGINT, settings VARCHAR,
        updated_at TIMESTAMPTZ NOT NULL)""",
]

#: The alerts' delivery log (``veille.alerts``, ``store/alerts.py``): ``id`` is the
#: idempotency key of one alert (episode, sink, escalation level); a row is written
#: ``pending`` before the send and marked ``sent`` or ``dead`` after, so a crash in between
#: leaves a row that the next pass sends again with the same key. ``sent_at`` stays empty
#: until the alert is delivered; ``payload`` holds the alert as JSON, to send it again.
V6_ALERTS = [
    "ALTER TABLE alerts_sent ALTER COLUMN sent_at DROP NOT NULL",
    "ALTER TABLE alerts_sent ADD COLUMN episode VARCHAR",
    "ALTER TABLE alerts_sent ADD COLUMN rule VARCHAR",
    "ALTER TABLE alerts_sent ADD COLUMN level INTEGER",
    "ALTER TABLE alerts_sent ADD COLUMN kind VARCHAR",
    "ALTER TABLE alerts_sent ADD COLUMN score DOUBLE",
    "ALTER TABLE alerts_sent ADD COLUMN authors BIGINT",
    "ALTER TABLE alerts_sent ADD COLUMN attempts INTEGER",
    "ALTER TABLE alerts_sent ADD COLUMN created_at TIMESTAMPTZ",
    "ALTER TABLE alerts_sent ADD COLUMN payload VARCHAR",
]

#: An episode's alerts acknowledged on the dashboard: who, when, with what note.
V7_ALERT_ACKS = [
    """CREATE TABLE alert_acks (
        episode VARCHAR PRIMARY KEY, by_user VARCHAR NOT NULL, acked_at TIMESTAMPTZ NOT NULL,
        note VARCHAR)""",
]

#: An edited post keeps the ids of all its versions (issue 9: one post, the latest, with its
#: edit history).
V8_EDIT_HISTORY = ["""ALTER TABLE posts ADD COLUMN edit_history VARCHAR[]"""]

#: Each post's current label per stage, with its period columns, kept by the writer with
#: the enrichments (``store/labels.py``): the views read it instead of every enrichment row.
V9_POST_LABELS = [CREATE_SQL, BACKFILL_SQL]

#: One row per reply, quote or repost of a live post, with the linked post's author
#: (``store/links.py``): derived from ``posts`` by the writer; backfilled here.
V10_POST_LINKS = [POST_LINKS_SQL, POST_LINKS_BACKFILL]

MIGRATIONS: list[list[str]] = [
    V1,
    V2_WEB_AUTH,
    V3_DATED_BY,
    V4_RAW_INDEX,
    V5_SIGNALS,
    V6_ALERTS,
    V7_ALERT_ACKS,
    V8_EDIT_HISTORY,
    V9_POST_LABELS,
    V10_POST_LINKS,
]
SCHEMA_VERSION = len(MIGRATIONS)

#: the content keys that the raw log still holds (its index: ``raw_keys``)
_HELD = "SELECT key FROM raw_keys"

#: What a rebuild carries over (not derivable from the raw log), table -> query.
KEPT_ON_REBUILD: dict[str, str] = {
    **{
        t: f"SELECT * FROM {t}"
        for t in (
            "tombstones",
            "cursors",
            "source_state",
            "imports",
            "audit",
            "alerts_sent",
            "alert_acks",
            "users",
            "api_tokens",
            # the raw log is not changed by a rebuild: its index stays true
            "raw_items",
            "raw_keys",
            "raw_segments",
        )
    },
    # rows whose raw items are gone: deleted posts and forgotten accounts (redacted), and
    # text purged by retention (segments removed); posts without text (reposts) come along
    # too, harmlessly, since the replay skips the URIs it already has
    "posts": "SELECT * FROM posts WHERE deleted_at IS NOT NULL OR text IS NULL",
    "accounts": "SELECT * FROM accounts WHERE network || ':' || account_id IN "
    "(SELECT key FROM tombstones WHERE kind = 'account') OR network || ':' || account_id "
    f"NOT IN ({_HELD})",
    # unfollows (their raw items are redacted by the tombstone), and what retention took
    # the raw items of (their keys lie in no segment any more)
    "follows": "SELECT * FROM follows WHERE deleted_at IS NOT NULL OR "
    f"network || ':' || follower_id NOT IN ({_HELD})",
    "account_snapshots": "SELECT * FROM account_snapshots WHERE "
    f"network || ':' || account_id NOT IN ({_HELD})",
    "post_metrics": f"SELECT * FROM post_metrics WHERE uri NOT IN ({_HELD})",
    "reactions": f"SELECT * FROM reactions WHERE uri NOT IN ({_HELD})",
    # the enrichments of posts whose text retention purged cannot be computed again
    **{
        t: f"SELECT * FROM {t} WHERE uri IN (SELECT uri FROM posts WHERE text IS NULL "
        "AND deleted_at IS NULL)"
        for t in ("enrichments", "enriched", "matches")
    },
}

#: The key of every table: unique by a PRIMARY KEY, or (the big tables) by the one writer's
#: anti-join; ``audit`` is a log, keyed by all its columns. ``Store.duplicate_keys`` checks.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "meta": ("key",),
    "accounts": ("network", "account_id"),
    "account_snapshots": ("network", "account_id", "observed_at"),
    "posts": ("uri",),
    "post_links": ("uri", "kind"),
    "post_metrics": ("uri", "observed_at"),
    "reactions": ("uri",),
    "follows": ("network", "follower_id", "followee_id"),
    "enrichments": ("uri", "stage", "version"),
    "enriched": ("uri", "pipeline"),
    "post_labels": ("uri",),
    "matches": ("watch_id", "uri"),
    "signals": ("id",),
    "signal_posts": ("signal_id", "uri"),
    "signal_terms": ("detector", "term"),
    "signal_detectors": ("detector",),
    "alerts_sent": ("id",),
    "cursors": ("source_key",),
    "source_state": ("source_key",),
    "tombstones": ("key",),
    "imports": ("id",),
    "audit": ('"at"', "actor", "action", "target", "detail"),
    "raw_items": ("item",),
    "raw_keys": ("key", "segment"),
    "raw_segments": ("segment",),
    "users": ("name",),
    "api_tokens": ("id",),
}
