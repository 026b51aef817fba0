"""SQL fragments that several leader metrics share (DuckDB dialect, portable to Spark
through sqlglot: no ASOF join, no DuckDB-only list functions beyond those sqlglot maps).

- ``LEADER_ACCOUNTS``: the store accounts of every registry leader (``entity_accounts``);
  multi-network leaders are one ``entity_id``.
- ``parent_author(stored, link)``: the author of the post that a ``reply_to``-like column
  names: the stored parent's author, else the DID of a Bluesky AT-URI. The metrics read
  it from ``post_links.target_author`` (``store/links.py``), which the writer keeps with
  exactly this definition, so that no metric scans all of ``posts`` for it; the link
  rows are restricted to the period by their own ``created_at``, like the posts.
- ``SECONDS(ts)``: whole seconds since the epoch (``floor(epoch())``: Spark's
  ``unix_timestamp`` truncates to the second, so both engines agree to the second).

Deleted posts are left out everywhere (``deleted_at IS NULL``): a delete event and
``veille forget`` both set it (the store purges forgotten accounts' posts), and
``entity_accounts`` leaves forgotten accounts out, so neither counts anywhere.
"""

from __future__ import annotations

LEADER_ACCOUNTS = """SELECT DISTINCT entity_id, network, account_id FROM entity_accounts
    WHERE kind = 'leader' AND known"""

ENTITY_ACCOUNTS = """SELECT DISTINCT kind, entity_id, network, account_id FROM entity_accounts
    WHERE known"""

LEADER_ENTITY_ACCOUNTS = f"{ENTITY_ACCOUNTS} AND kind = 'leader'"


def parent_author(stored: str, link: str) -> str:
    """The author of the post ``link`` points to: ``stored`` (the joined parent's
    ``author_id``), else the DID in a Bluesky AT-URI."""
    return (
        f"coalesce({stored}, CASE WHEN {link} LIKE 'at://%' "
        f"THEN split_part(substr({link}, 6), '/', 1) END)"
    )


def seconds(ts: str) -> str:
    return f"floor(epoch({ts}))"


#: Posts written by others that address an entity's account: a mention, a reply to one of
#: its posts, or (``quote``) a quote of one. One row per (entity, post, way). Needs the
#: CTE ``acc`` (kind, entity_id, network, account_id) defined before it.
ADDRESSED = """
live AS (
    SELECT uri, network, author_id, created_at, mentions
    FROM posts
    WHERE deleted_at IS NULL AND repost_of IS NULL
      AND created_at >= $since AND created_at < $until
),
addressing AS (
    SELECT uri, kind, target_author FROM post_links
    WHERE kind IN ('reply', 'quote') AND created_at >= $since AND created_at < $until
),
pointed AS (
    SELECT uri, network, author_id, created_at, 'mention' AS way,
           unnest(list_distinct(mentions)) AS target
    FROM live
    UNION ALL
    SELECT l.uri, l.network, l.author_id, l.created_at, k.kind AS way,
           k.target_author AS target
    FROM live l JOIN addressing k ON k.uri = l.uri
),
addressed AS (
    SELECT DISTINCT a.kind, a.entity_id, p.network, p.uri, p.author_id, p.created_at, p.way
    FROM pointed p
    JOIN acc a ON a.network = p.network AND a.account_id = p.target
    LEFT JOIN acc own ON own.kind = a.kind AND own.entity_id = a.entity_id
         AND own.network = p.network AND own.account_id = p.author_id
    WHERE own.account_id IS NULL
)"""
