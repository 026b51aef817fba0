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
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from veille.flow.erase import redact_raw_log
from veille.model import Post, Record, utcnow
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


class BatchCommitter:
    """The steps every driver takes for a batch, in order: append the raw items to the raw
    log (fsync), map them (set aside what fails), and submit the records with the cursor
    to the one writer. At most ``window`` batches are in flight, so mapping overlaps with
    writing but memory stays bounded. Results are added to ``summary`` as they commit.
    ``imports`` (``veille import``) and ``collect.stream_into`` (collectors) both use it."""

    def __init__(
        self,
        ws: Workspace,
        cls: type[Connector],
        summary: IngestSummary,
        *,
        on_progress: ProgressCallback | None = None,
        window: int = 2,
    ) -> None:
        self.ws = ws
        self.cls = cls
        self.summary = summary
        self.on_progress = on_progress
        self.window = window
        self.writer = Writer(ws.store)
        self.pending: deque[Future[WriteResult]] = deque()
        #: tombstones recorded, or deleted content met, since the last redaction
        self.to_redact = 0

    def commit(self, batch: list[RawItem], bad: list[Reject], cursors: dict[str, str]) -> None:
        if batch:
            self.ws.rawlog.append(batch)
        records, rejects = map_items(self.cls, batch)
        self.set_aside(bad + rejects)
        if records or cursors:
            self.pending.append(self.writer.submit(records, cursors))
        self.drain(block=len(self.pending) > self.window)

    def set_aside(self, rejects: list[Reject]) -> None:
        if not rejects:
            return
        summary = self.summary
        summary.rejected += len(rejects)
        room = 20 - len(summary.reject_samples)
        summary.reject_samples.extend(rejects[: max(room, 0)])
        summary.rejects_path = self.ws.rejects.write(rejects) or summary.rejects_path

    def drain(self, block: bool) -> None:
        """Account for the committed batches (all of them when ``block``)."""
        while self.pending and (block or self.pending[0].done()):
            result = self.pending.popleft().result()
            self.summary.posts_new += result.posts_new
            self.summary.posts_duplicate += result.posts_duplicate
            self.summary.posts_deleted += result.posts_skipped_deleted
            self.summary.records.update(result.counts)
            self.to_redact += result.counts.get("tombstones", 0) + result.posts_skipped_deleted
            if self.on_progress:
                self.on_progress(self.summary)

    def redact(self) -> None:
        """Redact the raw log if tombstones came in (or deleted content was met)."""
        self.drain(block=True)
        if self.to_redact:
            redact_raw_log(self.ws, networks={self.cls.network})
            self.to_redact = 0

    def close(self) -> None:
        """Commit what is queued (without lingering) and account for it."""
        self.writer.close()
        self.drain(block=True)


def ingest(
    ws: Workspace,
    connector: Connector,
    *,
    source_key: str | None = None,
    batch_size: int = 5_000,
    on_progress: ProgressCallback | None = None,
    record_import: bool = False,
) -> IngestSummary:
    """Drain ``connector.fetch`` into the workspace, then redact the raw log if the run met
    deletions. For long-running streams (commits every second, redaction deferred) see
    ``collect.stream_into``, which shares ``BatchCommitter``.

    ``source_key`` names the cursor to resume from and to save with each committed batch
    (the connector exposes the cursor to save as ``connector.cursor``)."""
    cls = type(connector)
    summary = IngestSummary(source=cls.id)
    cursor = ws.store.get_cursor(source_key) if source_key else None
    paths = " ".join(str(p) for p in getattr(connector, "paths", []))
    import_row: dict[str, Any] = {
        "id": uuid.uuid4().hex[:12],
        "source": cls.id,
        "started_at": utcnow(),
        "paths": paths,
    }
    if record_import:
        ws.store.record_import(import_row)

    def cursors() -> dict[str, str]:
        if source_key and connector.cursor is not None:
            return {source_key: str(connector.cursor)}
        return {}

    committer = BatchCommitter(ws, cls, summary, on_progress=on_progress)
    try:
        batch: list[RawItem] = []
        bad: list[Reject] = []
        for item in connector.fetch(cursor):
            summary.read += 1
            if isinstance(item, Reject):
                bad.append(item)
            else:
                batch.append(item)
            if len(batch) + len(bad) >= batch_size:
                committer.commit(batch, bad, cursors())
                batch, bad = [], []
        committer.commit(batch, bad, cursors())
        committer.close()
        committer.redact()
        import_row["status"] = "done"
    except BaseException:
        import_row["status"] = "interrupted"
        raise
    finally:
        committer.close()
        if record_import:
            ws.store.record_import(
                {
                    **import_row,
                    "finished_at": utcnow(),
                    "read": summary.read,
                    "new": summary.posts_new,
                    "duplicates": summary.posts_duplicate,
                    "rejected": summary.rejected,
                }
            )
    return summary
