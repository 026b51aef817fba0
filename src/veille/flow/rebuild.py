"""``veille rebuild``: re-derive the store from the raw log.

The new store is built beside the old one (``veille.rebuild.duckdb``) and swapped in by an
atomic rename only when complete, so a crash during a rebuild leaves the old store intact.
What the raw log cannot give back is carried over: tombstones (applied while replaying, so
a rebuild never brings deleted content back), the purged rows of deleted posts and
forgotten accounts (so aggregates such as counts per day survive, as before the rebuild),
cursors, source state, imports, audit, alerts.

The signals and the detector state are not carried over: once the rebuilt store is
enriched, ``rederive_signals`` runs the detection again over the whole history, and the
signals come back with the same ids (an id is the kind, the term and the first bucket), so
the alerts already sent are not sent again.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from veille.flow.ingest import map_items, reindex_raw_log
from veille.flow.retention import apply_retention
from veille.plugins import connectors
from veille.sources.base import Connector, RawItem
from veille.store import Store, WriteResult
from veille.store.read import kept_on_rebuild, post_count
from veille.store.schema import KEPT_ON_REBUILD
from veille.store.writes import CopyRowsJob
from veille.workspace import Workspace


@dataclass
class RebuildSummary:
    items: int = 0
    #: records mapped from the raw log (posts, accounts, metrics...), and posts in the
    #: rebuilt store (a post seen twice, or a deleted one, is counted once or not at all)
    records: int = 0
    posts: int = 0
    rejected: int = 0
    unknown_sources: dict[str, int] = field(default_factory=dict)


def rebuild(
    ws: Workspace,
    *,
    batch_size: int = 10_000,
    on_progress: Callable[[RebuildSummary], None] | None = None,
) -> RebuildSummary:
    old_path = ws.store.path
    new_path = old_path.with_name("veille.rebuild.duckdb")
    for leftover in (new_path, new_path.with_name(new_path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    apply_retention(ws)
    reindex_raw_log(ws)  # what the raw log holds is known before choosing what to keep
    summary = RebuildSummary()
    known = connectors()
    new = Store(new_path)
    try:
        writer = new.writer  # the new store's one writer
        for table in KEPT_ON_REBUILD:
            writer.run(CopyRowsJob(table, kept_on_rebuild(ws.store, table)))
        batch: list[RawItem] = []
        source: type[Connector] | None = None
        pending: deque[Future[WriteResult]] = deque()

        def flush() -> None:
            nonlocal batch
            if batch and source is not None:
                records, rejects = map_items(source, batch)
                summary.rejected += len(rejects)
                summary.records += len(records)
                pending.append(writer.submit(records))
                while len(pending) > 2 or (pending and pending[0].done()):
                    pending.popleft().result()
                if on_progress:
                    on_progress(summary)
            batch = []

        for item in ws.rawlog.items():
            summary.items += 1
            cls = known.get(item.source)
            if cls is None:
                summary.unknown_sources[item.source] = (
                    summary.unknown_sources.get(item.source, 0) + 1
                )
                continue
            if cls is not source or len(batch) >= batch_size:
                flush()
                source = cls
            batch.append(item)
        flush()
        writer.flush()
        while pending:
            pending.popleft().result()
        new.checkpoint()
        summary.posts = post_count(new)
    finally:
        new.close()
    ws.store.close()
    os.replace(new_path, old_path)
    old_path.with_name(old_path.name + ".wal").unlink(missing_ok=True)
    ws.store = Store(old_path)
    ws.store.audit(
        "rebuild", str(old_path), f"{summary.items} raw items replayed, {summary.rejected} rejected"
    )
    return summary


def rederive_signals(ws: Workspace) -> int:
    """The signals of the rebuilt (and enriched) store, re-derived over its history: the
    number of signals found. Alerts are not dispatched again."""
    from veille.signals.detect import detect

    return len(detect(ws, rescan=True, dispatch=False).signals)
