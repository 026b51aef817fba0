"""``post_links``: one row per link of a live post (a reply, a quote, a repost), with the
linked post's author, kept by the one writer in the transaction of the posts it describes.

The leader metrics need the author of the post that a reply, quote or repost points to.
Looking it up in ``posts`` by URI scans the whole table whatever the period; ``post_links``
carries the answer beside the linking post's ``created_at``, so a period filter prunes it
(DuckDB's zone maps: rows go in roughly in time order, like posts).

A row: the linking post (``uri``, ``network``, ``author_id``, ``created_at``), ``kind``
('reply' | 'quote' | 'repost'), ``target_uri`` (its ``reply_to``, ``quote_of`` or
``repost_of``) and ``target_author``: the stored target's ``author_id`` (deleted or not,
as the metrics always read it), else the DID of a Bluesky AT-URI ``at://DID/...``, else
NULL (``analytics/sqlparts.parent_author``). Deleted posts have no rows.

``LINKS_SQL`` is the one definition of the rows, over a relation of posts: the migration's
backfill and ``recompute_links`` run it over ``posts``; the writer runs it over the posts
it adds or changes (``add_links``, ``refresh_links``), then gives the links that pointed to
a post not stored yet their author (``_resolve``). A test checks that after imports,
deletions, forgets, edits and rebuilds the table equals the recompute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    import duckdb

CREATE_SQL = """CREATE TABLE post_links (
    uri VARCHAR NOT NULL, network VARCHAR NOT NULL, author_id VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL, kind VARCHAR NOT NULL, target_uri VARCHAR NOT NULL,
    target_author VARCHAR)"""

#: the author named by an AT-URI (``at://DID/collection/rkey``), else NULL
_URI_AUTHOR = "CASE WHEN {u} LIKE 'at://%' THEN split_part(substr({u}, 6), '/', 1) END"

#: The rows of the posts in ``{posts}`` (a relation with the columns of ``posts``).
LINKS_SQL = f"""
WITH src AS (
    SELECT uri, network, author_id, created_at, reply_to, quote_of, repost_of
    FROM {{posts}} WHERE deleted_at IS NULL
),
linked AS (
    SELECT uri, network, author_id, created_at, 'reply' AS kind, reply_to AS target_uri
    FROM src WHERE reply_to IS NOT NULL
    UNION ALL
    SELECT uri, network, author_id, created_at, 'quote', quote_of
    FROM src WHERE quote_of IS NOT NULL
    UNION ALL
    SELECT uri, network, author_id, created_at, 'repost', repost_of
    FROM src WHERE repost_of IS NOT NULL
)
SELECT l.uri, l.network, l.author_id, l.created_at, l.kind, l.target_uri,
       coalesce(t.author_id, {_URI_AUTHOR.format(u="l.target_uri")}) AS target_author
FROM linked l LEFT JOIN posts t ON t.uri = l.target_uri"""

#: The same rows where no stored post has an AT-URI naming someone else than its author
#: (``odd_at_posts``): an AT-URI's target is then its DID whether the target is stored or
#: not, and only the other targets (Mastodon, X, feeds) are looked up in ``posts``. A batch
#: of Bluesky posts then reads no ``posts`` row at all (DuckDB skips the probe side of a
#: join whose build side is empty): at 10 M posts, 5 ms for 50 new posts instead of 450 ms.
LINKS_AT_SQL = LINKS_SQL.replace(
    "FROM linked l LEFT JOIN posts t ON t.uri = l.target_uri",
    """FROM linked l LEFT JOIN (
    SELECT uri, author_id FROM posts
    WHERE uri IN (SELECT target_uri FROM linked WHERE target_uri NOT LIKE 'at://%')
) t ON t.uri = l.target_uri""",
)

#: Posts whose AT-URI names another account than their author (none in Bluesky data: the
#: repository in the URI is the author's; tests and odd imports make some).
_ODD_SQL = (
    "SELECT count(*) FROM {posts} WHERE uri LIKE 'at://%' AND "
    + _URI_AUTHOR.format(u="uri")
    + " IS DISTINCT FROM author_id"
)
#: ``meta`` key: '1' once the store may hold such a post (never reset: a forget or rebuild
#: that removes them leaves the slower, still exact, path), '0' while it holds none
ODD_KEY = "links.odd_at_posts"

#: All the rows, in time order (so that a period filter prunes them, like posts).
ALL_LINKS_SQL = f"SELECT * FROM ({LINKS_SQL.format(posts='posts')}) ORDER BY created_at, uri, kind"

#: The migration's backfill (``schema.V10_POST_LINKS``).
BACKFILL_SQL = f"INSERT INTO post_links {ALL_LINKS_SQL}"

#: The columns that identify the posts handed to the writer's functions.
KEY_COLUMNS = ("uri", "created_at", "author_id")


def recompute_links(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild ``post_links`` from ``posts`` (in the caller's transaction, if any)."""
    con.execute("DELETE FROM post_links")
    con.execute(BACKFILL_SQL)


def expected_links(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    """What ``post_links`` should hold, sorted (the recompute, without writing it)."""
    return con.execute(ALL_LINKS_SQL).fetchall()


def add_links(con: duckdb.DuckDBPyConnection, new_posts: pa.Table) -> None:
    """Link rows for ``new_posts`` (rows just inserted into ``posts``, with its columns),
    then the author of the stored links that were waiting for one of them."""
    if not new_posts.num_rows:
        return
    from veille.store.store import registered

    with registered(con, "veille_new_posts", new_posts):
        odd = odd_at_posts(con, "veille_new_posts")
        sql = LINKS_SQL if odd else LINKS_AT_SQL
        con.execute(f"INSERT INTO post_links {sql.format(posts='veille_new_posts')}")
        _resolve(con, "veille_new_posts", changed=False)


def odd_at_posts(con: duckdb.DuckDBPyConnection, new: str | None = None) -> bool:
    """Whether the store may hold a post whose AT-URI names another author (counted once
    over ``posts`` and remembered in ``meta``; the posts of ``new``, already inserted,
    are looked at too)."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", [ODD_KEY]).fetchall()
    known = row[0][0] == "1" if row else None
    if known is None:
        known = bool(con.execute(_ODD_SQL.format(posts="posts")).fetchall()[0][0])
    elif not known and new is not None:
        known = bool(con.execute(_ODD_SQL.format(posts=new)).fetchall()[0][0])
    if not row or (known and row[0][0] != "1"):
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [ODD_KEY, "1" if known else "0"])
    return known


def refresh_links(con: duckdb.DuckDBPyConnection, keys: pa.Table, *, edited: bool = False) -> None:
    """Recompute the link rows of the stored posts ``keys`` (``KEY_COLUMNS``: their URI,
    current ``created_at`` and author) whose links or deletion changed. ``edited``: posts
    replaced by a later version, whose ``created_at`` (and in principle author) changed,
    so the links to them are looked at too; otherwise a post's worth as a target is the
    same (a deleted post keeps its author: the metrics read it) and they are not."""
    if not keys.num_rows:
        return
    from veille.store.store import registered

    with registered(con, "veille_link_keys", keys.select(list(KEY_COLUMNS))):
        lo, hi = con.execute(
            "SELECT min(created_at), max(created_at) FROM veille_link_keys"
        ).fetchall()[0]
        span = {"lo": lo, "hi": hi}
        if edited:  # the rows to drop carry the old created_at
            odd_at_posts(con, "veille_link_keys")  # a new version may name another author
            con.execute("DELETE FROM post_links WHERE uri IN (SELECT uri FROM veille_link_keys)")
        else:
            con.execute(
                "DELETE FROM post_links WHERE created_at >= $lo AND created_at <= $hi "
                "AND uri IN (SELECT uri FROM veille_link_keys)",
                span,
            )
        stored = (
            "(SELECT * FROM posts WHERE created_at >= $lo AND created_at <= $hi "
            "AND uri IN (SELECT uri FROM veille_link_keys))"
        )
        con.execute(f"INSERT INTO post_links {LINKS_SQL.format(posts=stored)}", span)
        if edited:
            _resolve(con, "veille_link_keys", changed=True)


def _resolve(con: duckdb.DuckDBPyConnection, keys: str, *, changed: bool) -> None:
    """Give the links to the posts in ``keys`` (uri, author_id) their stored author.

    A link to a post not stored has the AT-URI's author, else NULL: the links to a new
    post that need its author are those with NULL (when its URI is not an AT-URI naming
    its author; links to such a URI were never NULL), found by the column's NULLs without
    reading the others. A post whose author may have changed (``changed``), or whose
    AT-URI names someone else, needs every link to it looked at."""
    if con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM post_links WHERE target_author IS NULL LIMIT 1)"
    ).fetchall()[0][0]:
        con.execute(
            f"""UPDATE post_links SET target_author = k.author_id FROM {keys} k
                WHERE post_links.target_author IS NULL AND post_links.target_uri = k.uri"""
        )
    uri_author = _URI_AUTHOR.format(u="uri")
    others = f"SELECT uri, author_id FROM {keys} WHERE {uri_author} IS DISTINCT FROM author_id"
    if not changed:
        others += " AND uri LIKE 'at://%'"
    if con.execute(f"SELECT count(*) FROM ({others})").fetchall()[0][0]:
        con.execute(
            f"""UPDATE post_links SET target_author = k.author_id FROM ({others}) k
                WHERE post_links.target_uri = k.uri
                    AND post_links.target_author IS DISTINCT FROM k.author_id"""
        )
