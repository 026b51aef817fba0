"""The store's index of the raw log (``rawlog.py`` says why): what the writer writes with
each batch, and what imports, redaction and retention read of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from veille.store.writer import Job

if TYPE_CHECKING:
    import duckdb

    from veille.store.store import Store


@dataclass
class RawIndex:
    """The index rows of raw items just appended: ``items`` (source, item, segment),
    ``keys`` (key, segment; each pair once) and the segments' committed sizes."""

    items: pa.Table
    keys: pa.Table
    segments: dict[str, int]

    @classmethod
    def of(
        cls,
        items: Sequence[tuple[str, int, str]],
        keys: Iterable[tuple[str, str]],
        segments: dict[str, int],
    ) -> RawIndex:
        pairs = list(dict.fromkeys(keys))
        return cls(
            pa.table(
                {
                    "source": pa.array([i[0] for i in items], pa.string()),
                    "item": pa.array([i[1] for i in items], pa.int64()),
                    "segment": pa.array([i[2] for i in items], pa.string()),
                }
            ),
            pa.table(
                {
                    "key": pa.array([p[0] for p in pairs], pa.string()),
                    "segment": pa.array([p[1] for p in pairs], pa.string()),
                }
            ),
            segments,
        )

    def __len__(self) -> int:
        return int(self.items.num_rows + self.keys.num_rows)


def write_raw_index(con: duckdb.DuckDBPyConnection, index: RawIndex) -> None:
    """Insert what the store does not hold yet, in the caller's transaction."""
    from veille.store.store import registered

    if index.items.num_rows:
        with registered(con, "veille_raw_items", index.items):
            con.execute(
                """INSERT INTO raw_items SELECT b.source, b.item, b.segment
                   FROM veille_raw_items b WHERE NOT EXISTS (SELECT 1 FROM raw_items t
                   WHERE t.item = b.item)"""
            )
    if index.keys.num_rows:
        with registered(con, "veille_raw_keys", index.keys):
            con.execute(
                """INSERT INTO raw_keys SELECT b.key, b.segment FROM veille_raw_keys b
                   WHERE NOT EXISTS (SELECT 1 FROM raw_keys t
                   WHERE t.key = b.key AND t.segment = b.segment)"""
            )
    for segment, size in index.segments.items():
        con.execute(
            """INSERT INTO raw_segments VALUES (?, ?) ON CONFLICT (segment) DO UPDATE SET
               indexed_bytes = greatest(raw_segments.indexed_bytes, excluded.indexed_bytes)""",
            [segment, size],
        )


@dataclass
class RawIndexJob(Job[None]):
    """Index raw items on their own (what a crash left appended but not indexed, or a raw
    log written before the index existed)."""

    index: RawIndex

    @property
    def rows(self) -> int:  # type: ignore[override]
        return len(self.index)

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> None:
        write_raw_index(con, self.index)


@dataclass
class RawRewrittenJob(Job[None]):
    """After a redaction: the rewritten segments' new sizes, and the redacted ``keys`` no
    longer lie in the ``scanned`` segments. After retention: the ``removed`` segments are
    gone (the items they held stay known: a re-import does not bring them back)."""

    sizes: dict[str, int]
    keys: list[str]
    scanned: list[str]
    removed: list[str]

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> None:
        for segment, size in self.sizes.items():
            con.execute("INSERT OR REPLACE INTO raw_segments VALUES (?, ?)", [segment, size])
        if self.keys and self.scanned:
            con.execute(
                "DELETE FROM raw_keys WHERE segment IN (SELECT unnest(?::VARCHAR[])) "
                "AND key IN (SELECT unnest(?::VARCHAR[]))",
                [self.scanned, self.keys],
            )
        if self.removed:
            con.execute(
                "DELETE FROM raw_keys WHERE segment IN (SELECT unnest(?::VARCHAR[]))",
                [self.removed],
            )
            con.execute(
                "DELETE FROM raw_segments WHERE segment IN (SELECT unnest(?::VARCHAR[]))",
                [self.removed],
            )


def known_items(con: duckdb.DuckDBPyConnection, items: list[int]) -> set[int]:
    """Which of ``items`` (``rawlog.item_hash``: source and payload) the raw log holds."""
    from veille.store.store import registered

    if not items:
        return set()
    table = pa.table({"item": pa.array(items, pa.int64())})
    with registered(con, "veille_items_wanted", table):
        rows = con.execute(
            "SELECT t.item FROM raw_items t SEMI JOIN veille_items_wanted w ON t.item = w.item"
        ).fetchall()
    return {int(r[0]) for r in rows}


def indexed_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {str(s): int(n) for s, n in con.execute("SELECT * FROM raw_segments").fetchall()}


def segments_holding(con: duckdb.DuckDBPyConnection, keys: list[str]) -> set[str]:
    """The segments where any of ``keys`` lies."""
    if not keys:
        return set()
    rows = con.execute(
        "SELECT DISTINCT segment FROM raw_keys WHERE key IN (SELECT unnest(?::VARCHAR[]))",
        [keys],
    ).fetchall()
    return {str(r[0]) for r in rows}
