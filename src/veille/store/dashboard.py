"""Read functions of the store for the dashboard and its API (``read.py`` holds those of
the CLI and the flows): plain look-ups and lists, no metrics (those are
``veille.analytics``). Each takes a DuckDB connection or cursor, so a server hands each
request its own cursor and never blocks the writer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb


@dataclass(frozen=True)
class PostRow:
    uri: str
    network: str
    author_id: str
    handle: str | None
    display_name: str | None
    created_at: datetime
    text: str | None
    lang: str | None
    sentiment: str | None
    reply_to: str | None
    repost_of: str | None


def store_counts(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Totals and time span of the store (the overview and ``/api/v1/status``)."""
    total, deleted, first, last = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE deleted_at IS NOT NULL),
                  min(created_at), max(created_at) FROM posts"""
    ).fetchall()[0]
    by_network = dict(
        con.execute("SELECT network, count(*) FROM posts GROUP BY 1 ORDER BY 2 DESC").fetchall()
    )
    accounts = con.execute("SELECT count(*) FROM accounts").fetchall()[0][0]
    return {
        "posts": int(total),
        "deleted": int(deleted),
        "accounts": int(accounts),
        "first": first,
        "last": last,
        "by_network": {str(k): int(v) for k, v in by_network.items()},
    }


def source_states(
    con: duckdb.DuckDBPyConnection, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Every source's collection state (``source_state``) with its cursor, and the cursors
    of sources that never recorded a state."""
    rows = con.execute(
        """SELECT coalesce(s.source_key, c.source_key) AS key, s.last_success, s.last_error,
                  s.last_error_at, s.items_total, s.rate_limit, s.next_allowed_at, c.cursor,
                  c.updated_at
           FROM source_state s FULL OUTER JOIN cursors c USING (source_key)
           ORDER BY key"""
    ).fetchall()
    current = now or datetime.now(UTC)
    out = []
    for key, success, error, error_at, total, detail, next_at, cursor, cursor_at in rows:
        try:
            extra = json.loads(detail) if detail else {}
        except ValueError:
            extra = {"raw": detail}
        if not isinstance(extra, dict):
            extra = {"raw": detail}
        lag = _cursor_lag(cursor, current)
        out.append(
            {
                "source": str(key),
                "last_success": success,
                "last_error": error,
                "last_error_at": error_at,
                "items_total": int(total) if total is not None else None,
                "next_allowed_at": next_at,
                "lag_seconds": lag if lag is not None else extra.get("lag_seconds"),
                "items_per_minute": extra.get("items_per_minute"),
                "rate_limits": extra.get("hosts", {}),
                "cursor": cursor,
                "cursor_updated_at": cursor_at,
            }
        )
    return out


def _cursor_lag(cursor: str | None, now: datetime) -> float | None:
    """A Jetstream cursor is a time in microseconds: its lag behind now, in seconds."""
    if cursor and cursor.isdigit() and len(cursor) >= 15:
        return max(0.0, now.timestamp() - int(cursor) / 1e6)
    return None


def import_history(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, Any]]:
    rows = con.execute(
        """SELECT source, finished_at, read, new, duplicates, rejected, status FROM imports
           ORDER BY started_at DESC NULLS LAST LIMIT ?""",
        [limit],
    ).fetchall()
    names = ("source", "finished_at", "read", "new", "duplicates", "rejected", "status")
    return [dict(zip(names, row, strict=True)) for row in rows]


def match_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Stored posts matched by each watch (deleted posts left out)."""
    rows = con.execute(
        """SELECT m.watch_id, count(*) FROM matches m JOIN posts p ON p.uri = m.uri
           WHERE p.deleted_at IS NULL GROUP BY 1"""
    ).fetchall()
    return {str(k): int(v) for k, v in rows}


_POST_COLUMNS = """p.uri, p.network, p.author_id, a.handle, a.display_name, p.created_at, p.text,
    p.lang, (SELECT e.label FROM enrichments e WHERE e.uri = p.uri AND e.stage = 'sentiment'
             ORDER BY e.enriched_at DESC LIMIT 1) AS sentiment, p.reply_to, p.repost_of"""


def _page(
    con: duckdb.DuckDBPyConnection,
    where: list[str],
    params: list[Any],
    limit: int,
    after: tuple[datetime, str] | None,
) -> list[PostRow]:
    clauses = ["p.deleted_at IS NULL", *where]
    if after is not None:
        clauses.append("(p.created_at, p.uri) < (?, ?)")
        params = [*params, after[0], after[1]]
    sql = (
        f"SELECT {_POST_COLUMNS} FROM posts p LEFT JOIN accounts a "
        "ON a.network = p.network AND a.account_id = p.author_id "
        f"WHERE {' AND '.join(clauses)} ORDER BY p.created_at DESC, p.uri DESC LIMIT ?"
    )
    rows = con.execute(sql, [*params, limit]).fetchall()
    return [PostRow(*row) for row in rows]


def watch_posts(
    con: duckdb.DuckDBPyConnection,
    watch_id: str,
    *,
    limit: int = 50,
    after: tuple[datetime, str] | None = None,
    network: str | None = None,
    lang: str | None = None,
    sentiment: str | None = None,
) -> list[PostRow]:
    """The posts a watch matched, newest first, keyset-paginated on (created_at, uri)."""
    where = ["p.uri IN (SELECT uri FROM matches WHERE watch_id = ?)"]
    params: list[Any] = [watch_id]
    if network:
        where.append("p.network = ?")
        params.append(network)
    if lang:
        where.append("p.lang = ?")
        params.append(lang)
    if sentiment:
        where.append(
            """(SELECT e.label FROM enrichments e WHERE e.uri = p.uri AND e.stage = 'sentiment'
                ORDER BY e.enriched_at DESC LIMIT 1) = ?"""
        )
        params.append(sentiment)
    return _page(con, where, params, limit, after)


def author_posts(
    con: duckdb.DuckDBPyConnection,
    accounts: list[tuple[str, str]],
    *,
    limit: int = 20,
    after: tuple[datetime, str] | None = None,
) -> list[PostRow]:
    """Posts written by any of ``accounts`` ((network, account_id) pairs), newest first."""
    if not accounts:
        return []
    keys = [f"{network}:{account}" for network, account in accounts]
    return _page(con, ["(p.network || ':' || p.author_id) = ANY(?)"], [keys], limit, after)


def posts_by_uri(con: duckdb.DuckDBPyConnection, uris: list[str]) -> list[PostRow]:
    """The stored, not deleted posts among ``uris``, newest first."""
    if not uris:
        return []
    return _page(con, ["p.uri = ANY(?)"], [list(uris)], len(uris), None)


def account_profiles(
    con: duckdb.DuckDBPyConnection, accounts: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Profile fields and the latest follower count of ``accounts``."""
    if not accounts:
        return []
    keys = [f"{network}:{account}" for network, account in accounts]
    rows = con.execute(
        """SELECT a.network, a.account_id, a.handle, a.display_name, a.bio, a.url,
                  (SELECT s.followers FROM account_snapshots s WHERE s.network = a.network
                     AND s.account_id = a.account_id ORDER BY s.observed_at DESC LIMIT 1)
           FROM accounts a WHERE (a.network || ':' || a.account_id) = ANY(?)
           ORDER BY a.network, a.account_id""",
        [keys],
    ).fetchall()
    names = ("network", "account_id", "handle", "display_name", "bio", "url", "followers")
    return [dict(zip(names, row, strict=True)) for row in rows]


def post_languages(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT lang FROM posts WHERE lang IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 30"
    ).fetchall()
    return [str(r[0]) for r in rows]
