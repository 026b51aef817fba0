"""Retention in the store: the text of posts created before a cutoff is purged (the rows,
metrics and enrichments stay, so aggregates survive)."""

from __future__ import annotations

from datetime import datetime

import duckdb


def purge_text_before(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> int:
    """Set ``text`` to NULL on posts created before ``cutoff``; returns how many."""
    return int(
        con.execute(
            "UPDATE posts SET text = NULL WHERE created_at < ? AND text IS NOT NULL", [cutoff]
        ).fetchall()[0][0]
    )
