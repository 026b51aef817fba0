"""The writer's jobs beyond records (``store.RecordsJob``): enrichment rows, retention,
source state, imports, audit, and the rows a rebuild carries over. Each is a small typed
job whose SQL lives here, run inside the one writer's transaction (``store/writer.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from veille.model import utcnow
from veille.store.labels import add_fresh_labels, refresh_labels
from veille.store.writer import Job

if TYPE_CHECKING:
    import duckdb

    from veille.store.store import Store


@dataclass
class Enrichment:
    """What the stages computed for a batch of posts, ready to write: one ``enrichments``
    row per post and stage, the ``matches`` of the watch stage, the ``enriched`` marker of
    each post under ``pipeline`` (the set of current stage versions). ``seen_before`` lists
    the posts enriched before under another pipeline: they first lose the rows that this
    one recomputes (same stage and version), their matches and their old marker."""

    pipeline: str
    uris: pa.Array
    rows: pa.Table
    matches: pa.Table
    current: list[str]
    seen_before: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.uris)

    def only(self, uris: list[str]) -> Enrichment:
        """The part of this enrichment about ``uris`` (the posts a batch really added)."""
        keep = pa.array(uris, pa.string())
        return Enrichment(
            self.pipeline,
            pc.filter(self.uris, pc.is_in(self.uris, value_set=keep)),
            self.rows.filter(pc.is_in(self.rows.column("uri"), value_set=keep)),
            self.matches.filter(pc.is_in(self.matches.column("uri"), value_set=keep)),
            self.current,
            [u for u in self.seen_before if u in set(uris)],
        )


def write_enrichment(
    con: duckdb.DuckDBPyConnection,
    enrichment: Enrichment,
    *,
    only: list[str] | None = None,
    span: tuple[datetime, datetime] | None = None,
) -> None:
    """Write ``enrichment`` (restricted to the posts ``only``) in the caller's transaction,
    with the posts' rows of ``post_labels``; ``span``, when known, holds the posts'
    ``created_at`` (first, last), which makes the labels' look-up of the posts cheap."""
    from veille.store.store import registered

    if only is not None:
        enrichment = enrichment.only(only)
    if not len(enrichment):
        return
    now = utcnow()
    if enrichment.seen_before:
        again = pa.table({"uri": pa.array(enrichment.seen_before, pa.string())})
        with registered(con, "veille_again", again):
            con.execute(
                "DELETE FROM enrichments WHERE uri IN (SELECT uri FROM veille_again) "
                "AND stage || '=' || version IN (SELECT unnest(?::VARCHAR[]))",
                [enrichment.current],
            )
            con.execute("DELETE FROM matches WHERE uri IN (SELECT uri FROM veille_again)")
            con.execute("DELETE FROM enriched WHERE uri IN (SELECT uri FROM veille_again)")
    with registered(con, "veille_enriched", enrichment.rows):
        con.execute("INSERT INTO enrichments SELECT *, ? FROM veille_enriched", [now])
    markers = pa.table({"uri": enrichment.uris})
    with registered(con, "veille_markers", markers):
        con.execute(
            "INSERT INTO enriched SELECT uri, ?, ? FROM veille_markers", [enrichment.pipeline, now]
        )
        if enrichment.seen_before:  # older versions' rows count too: the whole recompute
            again = pa.table({"uri": pa.array(enrichment.seen_before, pa.string())})
            with registered(con, "veille_again", again):
                refresh_labels(con, "SELECT uri FROM veille_again")
                add_fresh_labels(
                    con,
                    "SELECT uri FROM veille_markers EXCEPT SELECT uri FROM veille_again",
                    now,
                    span,
                )
        else:
            add_fresh_labels(con, "SELECT uri FROM veille_markers", now, span)
    if enrichment.matches.num_rows:
        with registered(con, "veille_matches", enrichment.matches):
            con.execute(
                "INSERT OR IGNORE INTO matches SELECT watch_id, uri, ? FROM veille_matches", [now]
            )


@dataclass
class EnrichJob(Job[int]):
    """Enrichments of stored posts (``veille enrich``, rebuilds): returns the posts."""

    enrichment: Enrichment

    @property
    def rows(self) -> int:  # type: ignore[override]
        return int(self.enrichment.rows.num_rows)

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> int:
        write_enrichment(con, self.enrichment)
        return len(self.enrichment)


@dataclass
class RetentionJob(Job[int]):
    """Purge the text of posts created before ``cutoff``; returns how many."""

    cutoff: datetime

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> int:
        from veille.store.retention import purge_text_before

        return purge_text_before(con, self.cutoff)


@dataclass
class SourceStateJob(Job[None]):
    """Upsert one source's row of ``source_state`` (``collect.save_state``): ``read`` is
    added to its running total; an error, once recorded, stays until the next one."""

    key: str
    success: bool
    read: int
    error: str | None
    detail: str  # JSON
    next_allowed_at: str | None

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> None:
        from veille.store.source_state import items_total, upsert_source_state

        now = utcnow()
        upsert_source_state(
            con,
            self.key,
            success_at=now if self.success else None,
            error=self.error,
            error_at=now if self.error else None,
            total=items_total(con, self.key) + self.read,
            detail=self.detail,
            next_allowed_at=self.next_allowed_at or None,
            now=now,
        )


@dataclass
class ImportJob(Job[None]):
    """Record (or update) one row of ``imports``."""

    row: dict[str, Any]

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> None:
        row = self.row
        con.execute(
            "INSERT OR REPLACE INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                row["id"],
                row["source"],
                row["paths"],
                row["started_at"],
                row.get("finished_at"),
                row.get("read", 0),
                row.get("new", 0),
                row.get("duplicates", 0),
                row.get("rejected", 0),
                row.get("status", "running"),
            ],
        )


@dataclass
class MarkInterruptedJob(Job[int]):
    """Imports still ``running`` when their workspace is opened for writing were run by a
    process that died (the owner lock is exclusive): mark them ``interrupted``."""

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> int:
        return int(
            con.execute(
                "UPDATE imports SET status = 'interrupted' WHERE status = 'running'"
            ).fetchall()[0][0]
        )


@dataclass
class AuditJob(Job[None]):
    action: str
    target: str
    detail: str = ""
    actor: str = "cli"

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?)",
            [utcnow(), self.actor, self.action, self.target, self.detail],
        )


@dataclass
class CopyRowsJob(Job[int]):
    """Insert rows read from another store as they are (a rebuild's carried-over rows)."""

    table: str
    data: pa.Table

    @property
    def rows(self) -> int:  # type: ignore[override]
        return int(self.data.num_rows)

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> int:
        from veille.store.schema import KEPT_ON_REBUILD
        from veille.store.store import registered

        if self.table not in KEPT_ON_REBUILD:
            raise ValueError(f"{self.table} is not carried over by a rebuild")
        with registered(con, "veille_kept", self.data):
            con.execute(f"INSERT INTO {self.table} SELECT * FROM veille_kept")
            if self.table in ("posts", "enrichments") and self.data.num_rows:
                # whichever of the two comes first, the labels follow both
                refresh_labels(con, "SELECT DISTINCT uri FROM veille_kept")
        if self.table == "posts":  # their links are derived (``store/links.py``)
            from veille.store.links import add_links

            add_links(con, self.data)
        return int(self.data.num_rows)
