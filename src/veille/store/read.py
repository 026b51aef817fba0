"""The read API of the store: the queries behind ``veille status`` and ``veille search`` and
the look-ups of the flows (an account by handle, a Mastodon status by its local id). The
surfaces call these and hold no SQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from veille.jsonable import to_jsonable

if TYPE_CHECKING:
    from veille.query.sql import CompiledSql
    from veille.store.store import Store

#: Tables counted by ``veille status`` besides ``posts``.
COUNTED_TABLES: tuple[str, ...] = (
    "accounts",
    "account_snapshots",
    "post_metrics",
    "reactions",
    "follows",
    "enrichments",
    "matches",
    "tombstones",
)

_IMPORT_COLUMNS = (
    "source",
    "paths",
    "finished_at",
    "read",
    "new",
    "duplicates",
    "rejected",
    "status",
)


def search_posts(
    con: duckdb.DuckDBPyConnection, compiled: CompiledSql, limit: int
) -> list[dict[str, Any]]:
    """The posts matching a compiled watch query, newest first, with the author's handle
    (at most ``limit``)."""
    from veille.query.sql import install

    install(con)
    cols = {r[0] for r in con.execute("DESCRIBE posts").fetchall()}
    alive = " AND p.deleted_at IS NULL" if "deleted_at" in cols else ""
    sql = (
        f"SELECT p.uri, p.network, coalesce(a.handle, p.author_id) AS author, p.created_at, p.text"
        f" FROM posts p LEFT JOIN (SELECT network, account_id, any_value(handle) AS handle"
        f" FROM accounts GROUP BY ALL) a ON a.network = p.network AND a.account_id = p.author_id"
        f" WHERE p.uri IN ({compiled.sql}){alive}"
        f" ORDER BY p.created_at DESC NULLS LAST, p.uri LIMIT {int(limit)}"
    )
    cur = con.execute(sql, compiled.params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def status_counts(store: Store) -> dict[str, Any]:
    """The store's part of ``veille status``: posts, time span, record counts, the last
    imports and the cursors."""
    q = store.con.execute

    def pairs(sql: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in q(sql).fetchall()}

    span = q("SELECT min(created_at), max(created_at) FROM posts").fetchall()[0]
    return {
        "posts": {
            "total": int(store.scalar("SELECT count(*) FROM posts") or 0),
            "deleted": int(
                store.scalar("SELECT count(*) FROM posts WHERE deleted_at IS NOT NULL") or 0
            ),
            "by_network": pairs("SELECT network, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC"),
            "by_source": pairs("SELECT source, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC"),
        },
        "time_span": {
            "first": span[0].isoformat() if span[0] else None,
            "last": span[1].isoformat() if span[1] else None,
        },
        "records": {t: int(store.scalar(f"SELECT count(*) FROM {t}") or 0) for t in COUNTED_TABLES},
        "last_imports": [
            dict(
                zip(
                    _IMPORT_COLUMNS,
                    (to_jsonable(v) for v in row),  # counts as numbers, times in ISO
                    strict=True,
                )
            )
            for row in q("""SELECT source, paths, coalesce(finished_at, started_at), read, new,
                                   duplicates, rejected, status
                            FROM imports ORDER BY started_at DESC LIMIT 10""").fetchall()
        ],
        "cursors": {
            str(k): {"cursor": v, "updated_at": u.isoformat()}
            for k, v, u in q(
                "SELECT source_key, cursor, updated_at FROM cursors ORDER BY 1"
            ).fetchall()
        },
    }


def post_uri_by_id(con: duckdb.DuckDBPyConnection, network: str, post_id: str) -> str | None:
    """The URI of a stored post from its network's local id (Mastodon deletes carry only
    that)."""
    row = con.execute(
        "SELECT uri FROM posts WHERE network = ? AND post_id = ? LIMIT 1",
        [network, post_id],
    ).fetchone()
    return str(row[0]) if row else None


def accounts_named(store: Store, handle: str) -> list[tuple[str, str]]:
    """``(network, account_id)`` of the accounts whose handle or id is ``handle``
    (case-insensitive)."""
    rows = store.con.execute(
        "SELECT network, account_id FROM accounts WHERE lower(handle) = lower(?) "
        "OR lower(account_id) = lower(?)",
        [handle, handle],
    ).fetchall()
    return [(str(n), str(a)) for n, a in rows]


def posts_with_text(store: Store, network: str, account_id: str) -> int:
    """How many posts of an account still hold their text."""
    return int(
        store.scalar(
            "SELECT count(*) FROM posts WHERE network = ? AND author_id = ? AND text IS NOT NULL",
            [network, account_id],
        )
        or 0
    )


def tombstone_keys(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """``(key, kind)`` of every tombstone."""
    return [
        (str(k), str(kind))
        for k, kind in con.execute("SELECT key, kind FROM tombstones").fetchall()
    ]


# --- enrichment, rebuild and forget look-ups (the flows hold no SQL) -----------------------

#: The posts that lack the enrichments of the current pipeline (the set of stage versions),
#: with what the stages read of their authors.
_PENDING_ENRICHMENT = """
SELECT p.uri, p.network, p.author_id, p.text, p.lang, a.handle, a.display_name, a.bio, a.url,
       p.mentions, p.hashtags, p.urls,
       EXISTS (SELECT 1 FROM enriched x WHERE x.uri = p.uri) AS seen_before
FROM posts p
LEFT JOIN accounts a ON a.network = p.network AND a.account_id = p.author_id
WHERE p.text IS NOT NULL AND p.deleted_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM enriched e WHERE e.uri = p.uri AND e.pipeline = $pipeline)
"""


def pending_enrichment_count(con: duckdb.DuckDBPyConnection, pipeline: str) -> int:
    sql = f"SELECT count(*) FROM ({_PENDING_ENRICHMENT})"
    return int(con.execute(sql, {"pipeline": pipeline}).fetchall()[0][0])


def pending_enrichment(
    con: duckdb.DuckDBPyConnection, pipeline: str, batch_size: int
) -> pa.RecordBatchReader:
    """The pending posts in Arrow batches, read on ``con`` (a cursor of its own: the
    writer's commits must not move under the scan)."""
    return con.sql(_PENDING_ENRICHMENT, params={"pipeline": pipeline}).to_arrow_reader(batch_size)


def kept_on_rebuild(store: Store, table: str) -> pa.Table:
    """The rows of ``table`` that a rebuild keeps (``schema.KEPT_ON_REBUILD``)."""
    from veille.store.schema import KEPT_ON_REBUILD

    return store.con.sql(KEPT_ON_REBUILD[table]).to_arrow_table()


def post_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM posts") or 0)


def account_known(store: Store, network: str, account_id: str) -> bool:
    """Whether the store has a profile or a post of the account."""
    return bool(
        store.scalar(
            "SELECT (SELECT count(*) FROM accounts WHERE network = ? AND account_id = ?)"
            " + (SELECT count(*) FROM posts WHERE network = ? AND author_id = ?)",
            [network, account_id, network, account_id],
        )
    )


def account_names(store: Store) -> list[tuple[str, str | None]]:
    """``network:account_id`` and handle of every stored account (for suggestions)."""
    rows = store.con.execute("SELECT network || ':' || account_id, handle FROM accounts").fetchall()
    return [(str(r[0]), None if r[1] is None else str(r[1])) for r in rows]


def newest_post_time(store: Store) -> Any:
    """When the newest stored post was written (None in an empty store)."""
    return store.scalar("SELECT max(created_at) FROM posts")
