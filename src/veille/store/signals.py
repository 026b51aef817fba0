"""The signals' tables (schema ``V5_SIGNALS``): writes as one job of the writer, and reads.

A detection pass ends with one ``SignalPassJob``: the signals it found or updated (upserted
on their stable id, with their posts), the detector state of the terms it touched (and the
terms it forgot), and each detector's last closed bucket, all in one transaction, so a kill
at any moment leaves the state of the pass before or after it, never half of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from veille.model import utcnow
from veille.store.writer import Job

if TYPE_CHECKING:
    import duckdb

    from veille.store.store import Store

TERM_COLUMNS = (
    "term",
    "ewma",
    "last_bucket",
    "last_count",
    "burst_start",
    "quiet",
    "peak_count",
    "peak_score",
)
_TERM_SCHEMA = pa.schema(
    [
        ("detector", pa.string()),
        ("term", pa.string()),
        ("ewma", pa.float64()),
        ("last_bucket", pa.int64()),
        ("last_count", pa.int64()),
        ("burst_start", pa.int64()),
        ("quiet", pa.int64()),
        ("peak_count", pa.int64()),
        ("peak_score", pa.float64()),
    ]
)
_SIGNAL_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("kind", pa.string()),
        ("term", pa.string()),
        ("bucket_start", pa.timestamp("us", tz="UTC")),
        ("score", pa.float64()),
        ("detail", pa.string()),
        ("detected_at", pa.timestamp("us", tz="UTC")),
        ("first_seen", pa.timestamp("us", tz="UTC")),
        ("authors", pa.int64()),
        ("posts", pa.int64()),
        ("reasons", pa.string()),
        ("watches", pa.list_(pa.string())),
        ("leaders", pa.list_(pa.string())),
        ("organisations", pa.list_(pa.string())),
        ("story_id", pa.string()),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)
SIGNAL_COLUMNS = tuple(_SIGNAL_SCHEMA.names)


@dataclass
class DetectorState:
    """What one detector keeps: its last closed bucket, its settings (a change of settings
    makes a pass start again from history) and its terms (rows of ``TERM_COLUMNS``)."""

    detector: str
    last_bucket: int | None = None
    settings: str | None = None
    terms: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class SignalPassJob(Job[int]):
    """Everything a detection pass writes, in one transaction."""

    #: signal rows (``SIGNAL_COLUMNS``; lists as lists, JSON as text): ``signals/store.py``
    signals: Sequence[dict[str, Any]] = ()
    #: uris of each signal (replacing those stored)
    posts: dict[str, list[str]] = field(default_factory=dict)
    #: detector -> changed term rows (``TERM_COLUMNS``) and forgotten terms
    terms: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    forgotten: dict[str, list[str]] = field(default_factory=dict)
    #: detector -> (last closed bucket, settings)
    detectors: dict[str, tuple[int | None, str]] = field(default_factory=dict)
    #: start from nothing: drop the stored state and these kinds of signal first
    reset_kinds: Sequence[str] | None = None

    @property
    def rows(self) -> int:  # type: ignore[override]
        return max(1, len(self.signals) + sum(len(v) for v in self.terms.values()))

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> int:
        from veille.store.store import registered

        if self.reset_kinds is not None:
            con.execute("DELETE FROM signal_terms")
            con.execute("DELETE FROM signal_detectors")
            if self.reset_kinds:
                marks = ", ".join("?" for _ in self.reset_kinds)
                con.execute(
                    "DELETE FROM signal_posts WHERE signal_id IN "
                    f"(SELECT id FROM signals WHERE kind IN ({marks}))",
                    list(self.reset_kinds),
                )
                con.execute(f"DELETE FROM signals WHERE kind IN ({marks})", list(self.reset_kinds))
        for detector, names in self.forgotten.items():
            if names:
                table = pa.table({"term": pa.array(names, pa.string())})
                with registered(con, "veille_forgotten_terms", table):
                    con.execute(
                        "DELETE FROM signal_terms WHERE detector = ? AND term IN "
                        "(SELECT term FROM veille_forgotten_terms)",
                        [detector],
                    )
        rows = [(d, *r) for d, rs in self.terms.items() for r in rs]
        if rows:
            table = pa.Table.from_pylist(
                [dict(zip(_TERM_SCHEMA.names, r, strict=True)) for r in rows], _TERM_SCHEMA
            )
            with registered(con, "veille_term_rows", table):
                con.execute("INSERT OR REPLACE INTO signal_terms SELECT * FROM veille_term_rows")
        now = utcnow()
        for detector, (last, settings) in self.detectors.items():
            con.execute(
                "INSERT OR REPLACE INTO signal_detectors VALUES (?, ?, ?, ?)",
                [detector, last, settings, now],
            )
        if self.signals:
            table = pa.Table.from_pylist(list(self.signals), _SIGNAL_SCHEMA)
            cols = ", ".join(SIGNAL_COLUMNS)
            with registered(con, "veille_signal_rows", table):
                con.execute(
                    f"INSERT OR REPLACE INTO signals ({cols}) SELECT {cols} FROM veille_signal_rows"
                )
        if self.posts:
            ids = pa.array(list(self.posts), pa.string())
            with registered(con, "veille_signal_ids", pa.table({"id": ids})):
                con.execute(
                    "DELETE FROM signal_posts WHERE signal_id IN (SELECT id FROM veille_signal_ids)"
                )
            pairs = pa.table(
                {
                    "signal_id": pa.array(
                        [s for s, uris in self.posts.items() for _ in set(uris)], pa.string()
                    ),
                    "uri": pa.array(
                        [u for uris in self.posts.values() for u in sorted(set(uris))], pa.string()
                    ),
                }
            )
            with registered(con, "veille_signal_posts", pairs):
                con.execute("INSERT INTO signal_posts SELECT * FROM veille_signal_posts")
        return len(self.signals)


# --- reads (on the caller's connection) ----------------------------------------------------


def load_detector(con: duckdb.DuckDBPyConnection, detector: str) -> DetectorState:
    row = con.execute(
        "SELECT last_bucket, settings FROM signal_detectors WHERE detector = ?", [detector]
    ).fetchall()
    if not row:
        return DetectorState(detector)
    cols = ", ".join(TERM_COLUMNS)
    terms = con.execute(
        f"SELECT {cols} FROM signal_terms WHERE detector = ? ORDER BY term", [detector]
    ).fetchall()
    last = row[0][0]
    return DetectorState(detector, None if last is None else int(last), row[0][1], terms)


_SELECT = "SELECT " + ", ".join(SIGNAL_COLUMNS) + " FROM signals"


def read_signals(
    con: duckdb.DuckDBPyConnection,
    *,
    since: datetime | None = None,
    kinds: Sequence[str] | None = None,
    watch: str | None = None,
) -> list[dict[str, Any]]:
    """Stored signals, newest first: detected or updated at or after ``since``, of
    ``kinds``, about ``watch`` (its ``watches`` list holds it, or its term is the watch)."""
    where: list[str] = []
    params: list[Any] = []
    if since is not None:
        where.append("coalesce(updated_at, detected_at) >= ?")
        params.append(since)
    if kinds:
        where.append("kind IN (" + ", ".join("?" for _ in kinds) + ")")
        params.extend(kinds)
    if watch is not None:
        where.append("(list_contains(watches, ?) OR term = ?)")
        params.extend([watch, f"watch:{watch}"])
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY first_seen DESC, kind, id"
    return [dict(zip(SIGNAL_COLUMNS, r, strict=True)) for r in con.execute(sql, params).fetchall()]


def read_signal(con: duckdb.DuckDBPyConnection, signal_id: str) -> dict[str, Any] | None:
    rows = con.execute(_SELECT + " WHERE id = ?", [signal_id]).fetchall()
    return dict(zip(SIGNAL_COLUMNS, rows[0], strict=True)) if rows else None


def signal_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [str(r[0]) for r in con.execute("SELECT id FROM signals ORDER BY id").fetchall()]


def signal_uris(con: duckdb.DuckDBPyConnection, signal_id: str) -> list[str]:
    return [
        str(r[0])
        for r in con.execute(
            "SELECT uri FROM signal_posts WHERE signal_id = ? ORDER BY uri", [signal_id]
        ).fetchall()
    ]


def open_bursts(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The bursts still in progress (their ``detail`` says ``"open": true``)."""
    sql = _SELECT + " WHERE kind = 'burst' AND json_extract(detail, '$.open') = 'true'"
    return [dict(zip(SIGNAL_COLUMNS, r, strict=True)) for r in con.execute(sql).fetchall()]


def signal_members(
    con: duckdb.DuckDBPyConnection, ids: Sequence[str]
) -> dict[str, list[tuple[str, str, float, str | None]]]:
    """(uri, author, stakeholder weight placeholder 1.0, stakeholder class) of the posts of
    each signal of ``ids``; the weight is filled in by the caller's registered weights."""
    if not ids:
        return {}
    table = pa.table({"id": pa.array(list(ids), pa.string())})
    from veille.store.store import registered

    with registered(con, "veille_member_ids", table):
        rows = con.execute(
            """SELECT s.signal_id, p.uri, p.network || ':' || p.author_id,
                      l.stakeholder
               FROM signal_posts s JOIN posts p ON p.uri = s.uri
               LEFT JOIN post_labels l ON l.uri = s.uri
               WHERE s.signal_id IN (SELECT id FROM veille_member_ids)
               ORDER BY 1, 2"""
        ).fetchall()
    out: dict[str, list[tuple[str, str, float, str | None]]] = {}
    for sid, uri, author, klass in rows:
        out.setdefault(str(sid), []).append((str(uri), str(author), 1.0, klass))
    return out
