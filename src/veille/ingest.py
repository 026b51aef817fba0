"""The ingest driver: connector -> raw log -> map -> one writer -> store.

For each batch of raw items: append them to the raw log (fsync), map them with the
connector's pure ``to_records`` (an item that fails is set aside in the rejects file with
where and why), and submit the records, with the connector's cursor, to the writer, which
commits both in one transaction. Mapping of the next batch overlaps with the writing of
the previous one. A kill at any moment loses nothing that was reported committed: the raw
log has it, and re-running adds no duplicate because every write is idempotent.
"""

from __future__ import annotations

import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from veille.model import Post, Record, utcnow
from veille.redact import redact_raw_log
from veille.sources.base import Connector, RawItem, Reject, excerpt
from veille.store.store import WriteResult
from veille.store.writer import Writer

if TYPE_CHECKING:
    from veille.workspace import Workspace

#: Longer post texts are rejected (no network allows them; a blog entry is summarised).
MAX_TEXT_CHARS = 100_000


@dataclass
class IngestSummary:
    """What an ingest did. ``read`` counts raw items; posts are counted as new or
    duplicate; ``rejected`` counts items set aside (see ``rejects_path``)."""

    source: str
    read: int = 0
    posts_new: int = 0
    posts_duplicate: int = 0
    posts_deleted: int = 0
    rejected: int = 0
    records: Counter[str] = field(default_factory=Counter)
    reject_samples: list[Reject] = field(default_factory=list)
    rejects_path: Path | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "read": self.read,
            "new": self.posts_new,
            "duplicates": self.posts_duplicate,
            "deleted": self.posts_deleted,
            "rejected": self.rejected,
            "records": dict(self.records),
            "rejects_file": str(self.rejects_path) if self.rejects_path else None,
        }


ProgressCallback = Callable[[IngestSummary], None]


def map_items(cls: type[Connector], items: list[RawItem]) -> tuple[list[Record], list[Reject]]:
    """Map raw items to records; set aside those that fail, with where and why."""
    records: list[Record] = []
    rejects: list[Reject] = []
    for item in items:
        try:
            mapped = cls.to_records(item)
        except Exception as exc:  # a bad item must never stop the rest
            rejects.append(
                Reject(
                    source=item.source,
                    origin=item.origin,
                    reason=f"{type(exc).__name__}: {exc}",
                    item=excerpt(bytes(item.payload)),
                )
            )
            continue
        bad = next(
            (r for r in mapped if isinstance(r, Post) and r.text and len(r.text) > MAX_TEXT_CHARS),
            None,
        )
        if bad is not None:
            assert isinstance(bad, Post)
            rejects.append(
                Reject(
                    source=item.source,
                    origin=item.origin,
                    reason=f"post text of {len(bad.text or '')} characters exceeds the limit of "
                    f"{MAX_TEXT_CHARS}",
                    item=excerpt(bytes(item.payload)),
                )
            )
            continue
        records.extend(mapped)
    return records, rejects


def ingest(
    ws: Workspace,
    connector: Connector,
    *,
    source_key: str | None = None,
    batch_size: int = 5_000,
    on_progress: ProgressCallback | None = None,
    items: Iterator[RawItem | Reject] | None = None,
    record_import: bool = False,
) -> IngestSummary:
    """Drain ``connector.fetch`` (or ``items``) into the workspace.

    ``source_key`` names the cursor to resume from and to save with each committed batch
    (the connector exposes the cursor to save as ``connector.cursor``)."""
    cls = type(connector)
    summary = IngestSummary(source=cls.id)
    cursor = ws.store.get_cursor(source_key) if source_key else None
    stream = items if items is not None else connector.fetch(cursor)
    import_id = uuid.uuid4().hex[:12]
    started = utcnow()
    if record_import:
        ws.store.record_import(
            {
                "id": import_id,
                "source": cls.id,
                "started_at": started,
                "paths": " ".join(str(p) for p in getattr(connector, "paths", [])),
            }
        )
    pending: deque[tuple[Future[WriteResult], int]] = deque()

    def account(result: WriteResult) -> None:
        summary.posts_new += result.posts_new
        summary.posts_duplicate += result.posts_duplicate
        summary.posts_deleted += result.posts_skipped_deleted
        summary.records.update(result.counts)

    def reject(rejects: list[Reject]) -> None:
        if not rejects:
            return
        summary.rejected += len(rejects)
        room = 20 - len(summary.reject_samples)
        summary.reject_samples.extend(rejects[: max(room, 0)])
        summary.rejects_path = ws.rejects.write(rejects) or summary.rejects_path

    def drain(block: bool) -> None:
        while pending and (block or pending[0][0].done()):
            future, _ = pending.popleft()
            account(future.result())
            if on_progress:
                on_progress(summary)

    status = "done"
    writer = Writer(ws.store)
    try:
        batch: list[RawItem] = []
        bad: list[Reject] = []
        for item in stream:
            if isinstance(item, Reject):
                bad.append(item)
                summary.read += 1
                continue
            batch.append(item)
            summary.read += 1
            if len(batch) >= batch_size:
                _flush(ws, cls, connector, source_key, batch, writer, pending, reject)
                reject(bad)
                batch, bad = [], []
                drain(block=len(pending) > 2)
        if batch:
            _flush(ws, cls, connector, source_key, batch, writer, pending, reject)
        elif source_key and getattr(connector, "cursor", None) is not None:
            pending.append((writer.submit([], {source_key: str(connector.cursor)}), 0))
        reject(bad)
        writer.close()  # commits what is queued now, without lingering
        drain(block=True)
        if summary.posts_deleted or summary.records.get("tombstones"):
            redact_raw_log(ws, networks={cls.network})
    except BaseException:
        status = "interrupted"
        raise
    finally:
        writer.close()
        drain(block=True)
        if record_import:
            ws.store.record_import(
                {
                    "id": import_id,
                    "source": cls.id,
                    "started_at": started,
                    "finished_at": utcnow(),
                    "paths": " ".join(str(p) for p in getattr(connector, "paths", [])),
                    "read": summary.read,
                    "new": summary.posts_new,
                    "duplicates": summary.posts_duplicate,
                    "rejected": summary.rejected,
                    "status": status,
                }
            )
    return summary


def _flush(
    ws: Workspace,
    cls: type[Connector],
    connector: Connector,
    source_key: str | None,
    batch: list[RawItem],
    writer: Writer,
    pending: deque[tuple[Future[WriteResult], int]],
    reject: Callable[[list[Reject]], None],
) -> None:
    ws.rawlog.append(batch)
    records, rejects = map_items(cls, batch)
    reject(rejects)
    cursors: dict[str, str] = {}
    if source_key and getattr(connector, "cursor", None) is not None:
        cursors[source_key] = str(connector.cursor)
    pending.append((writer.submit(records, cursors), len(batch)))
