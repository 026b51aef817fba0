"""The ``source_state`` table: per source, the last success and error, the items read, the
rate limits seen and when the next call is allowed (``veille status``, ``veille collect``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb


def items_total(con: duckdb.DuckDBPyConnection, key: str) -> int:
    """Items read by the source so far (0 if it never ran)."""
    row = con.execute("SELECT items_total FROM source_state WHERE source_key = ?", [key]).fetchone()
    return int(row[0] or 0) if row else 0


def upsert_source_state(
    con: duckdb.DuckDBPyConnection,
    key: str,
    *,
    success_at: datetime | None,
    error: str | None,
    error_at: datetime | None,
    total: int,
    detail: str,
    next_allowed_at: str | None,
    now: datetime,
) -> None:
    """Insert or update the source's row (a success or an error only replaces its own
    columns: the last error stays visible after a later success)."""
    con.execute(
        """INSERT INTO source_state (source_key, last_success, last_error, last_error_at,
               items_total, rate_limit, next_allowed_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (source_key) DO UPDATE SET
               last_success = COALESCE(excluded.last_success, source_state.last_success),
               last_error = CASE WHEN excluded.last_error IS NULL
                                 THEN source_state.last_error ELSE excluded.last_error END,
               last_error_at = COALESCE(excluded.last_error_at, source_state.last_error_at),
               items_total = excluded.items_total, rate_limit = excluded.rate_limit,
               next_allowed_at = excluded.next_allowed_at, updated_at = excluded.updated_at""",
        [key, success_at, error, error_at, total, detail, next_allowed_at, now],
    )


def source_state_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Every source's row with its cursor: ``(source_key, last_success, last_error,
    last_error_at, items_total, rate_limit, next_allowed_at, cursor)``, by source."""
    return con.execute(
        """SELECT s.source_key, s.last_success, s.last_error, s.last_error_at, s.items_total,
                  s.rate_limit, s.next_allowed_at, c.cursor
           FROM source_state s LEFT JOIN cursors c USING (source_key)
           ORDER BY s.source_key"""
    ).fetchall()
