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
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from veille.flow.enrich import build_enrichment, input_batch, pipeline_key
from veille.flow.erase import content_keys, redact_raw_log
from veille.i18n import register, t
from veille.model import Account, Post, Record, utcnow
from veille.pipeline.base import Stage
from veille.plugins import stages as registered_stages
from veille.sources.base import Connector, RawItem, Reject, SourceFailure, excerpt
from veille.store.rawindex import RawIndex, RawIndexJob
from veille.store.rawlog import Appended, item_hash
from veille.store.store import Prepared, RecordsJob, WriteResult, prepare
from veille.store.writes import Enrichment

if TYPE_CHECKING:
    from veille.workspace import Workspace

register(
    {
        "ingest.failed": (
            "{n} non récupéré(s), dont {origin} : {reason}",
            "{n} not fetched, among them {origin}: {reason}",
        ),
        "ingest.failed_at": (
            "{n} non récupéré(s), dont {reason}",
            "{n} not fetched, among them {reason}",
        ),
    }
)

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
    #: Live sources: what could not be fetched (network, HTTP errors: not rejects of data)
    failed: int = 0
    failures: list[SourceFailure] = field(default_factory=list)
    #: Live sources: why the source stopped, when it failed as a whole
    error: str | None = None

    @property
    def unreachable(self) -> bool:
        """A live source that failed: it raised, or fetched nothing and failed somewhere."""
        return self.error is not None or (self.failed > 0 and self.read == 0)

    def failure_text(self) -> str | None:
        """The cause of the failures, in one line (``None`` when there were none)."""
        if self.error is not None:
            return self.error
        if not self.failures:
            return None
        first = self.failures[0]  # the first says why; the next ones often "still down"
        if first.origin in first.reason:
            return t("ingest.failed_at", n=self.failed, reason=first.reason)
        return t("ingest.failed", n=self.failed, origin=first.origin, reason=first.reason)

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
            "failed": self.failed,
            "error": self.failure_text(),
        }


ProgressCallback = Callable[[IngestSummary], None]


def map_items(
    cls: type[Connector], items: list[RawItem], spans: list[tuple[int, int]] | None = None
) -> tuple[list[Record], list[Reject]]:
    """Map raw items to records; set aside those that fail, with where and why. With
    ``spans``, the records of ``items[i]`` are ``records[spans[i][0]:spans[i][1]]``."""
    records: list[Record] = []
    rejects: list[Reject] = []
    for item in items:
        if spans is not None:
            spans.append((len(records), len(records)))
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
        for record in mapped:  # first seen when received: the same again on a rebuild
            if isinstance(record, Account) and record.first_seen is None:
                record.first_seen = item.received_at
        if spans is not None:
            spans[-1] = (len(records), len(records) + len(mapped))
        records.extend(mapped)
    return records, rejects


class BatchCommitter:
    """The steps every driver takes for a batch, in order: append the raw items to the raw
    log (fsync), map them (set aside what fails), run the enrichment stages on the batch's
    posts (``enrich``), and submit the records, their enrichments and the cursor to the
    workspace's one writer, which commits them in one transaction: a committed post is
    committed enriched and matched. At most ``window`` batches are in flight, so mapping
    and enrichment overlap with writing but memory stays bounded. Results are added to
    ``summary`` as they commit. ``imports`` (``veille import``) and ``collect.stream_into``
    (collectors) both use it."""

    def __init__(
        self,
        ws: Workspace,
        cls: type[Connector],
        summary: IngestSummary,
        *,
        on_progress: ProgressCallback | None = None,
        window: int = 2,
        enrich: bool = True,
    ) -> None:
        self.ws = ws
        self.cls = cls
        self.summary = summary
        self.on_progress = on_progress
        self.window = window
        self.writer = ws.store.writer
        self.pending: deque[Future[WriteResult]] = deque()
        #: tombstones recorded, or deleted content met, since the last redaction
        self.to_redact = 0
        self.enrich = enrich
        self._stages: list[Stage] | None = None
        self.pipeline = ""
        self.profiles = ProfileCache(ws)
        #: hashes of the raw items of each batch in flight (by id of its future)
        self.in_flight: dict[int, set[int]] = {}
        reindex_raw_log(ws)

    @property
    def stages(self) -> list[Stage]:
        """The enrichment stages, loaded when the first posts arrive (a source that gives
        nothing, offline say, does not wait for models it will not use)."""
        if self._stages is None:
            self._stages = list(registered_stages(self.ws.config)) if self.enrich else []
            self.pipeline = pipeline_key(self._stages) if self._stages else ""
        return self._stages

    def commit(self, batch: list[RawItem], bad: list[Reject], cursors: dict[str, str]) -> None:
        fresh, hashes = self.fresh(batch)
        appended = self.ws.rawlog.append([batch[i] for i in fresh]) if fresh else None
        spans: list[tuple[int, int]] = []
        records, rejects = map_items(self.cls, batch, spans)
        self.set_aside(bad + rejects)
        raw = None
        if appended is not None:
            raw = raw_index(batch, fresh, hashes, records, spans, appended)
        if records or cursors or raw is not None:
            prepared = prepare(records)
            enrichment = self.enrichment(prepared)
            job = RecordsJob(prepared, dict(cursors), enrichment, raw)
            future = self.writer.submit_job(job, linger=True)
            self.pending.append(future)
            if raw is not None:
                self.in_flight[id(future)] = set(raw.items.column("item").to_pylist())
        self.drain(block=len(self.pending) > self.window)

    def fresh(self, batch: list[RawItem]) -> tuple[list[int], list[int]]:
        """The positions in ``batch`` of the items the raw log does not hold yet (nor a
        batch in flight, nor an earlier item of this batch), and every item's hash."""
        if not batch:
            return [], []
        hashes = [item_hash(item) for item in batch]
        wanted = set(hashes)
        known = self.ws.store.known_raw_items(hashes)
        for held in self.in_flight.values():
            known |= held & wanted
        out = []
        for i, h in enumerate(hashes):
            if h not in known:
                known.add(h)
                out.append(i)
        return out, hashes

    def enrichment(self, prepared: Prepared) -> Enrichment | None:
        """The stages' output for the posts of ``prepared``, computed before the write
        (the writer keeps the part about the posts that the batch really adds)."""
        profiles = self.profiles.update(prepared.accounts)
        if prepared.posts is None or not self.stages:
            return None
        batch = input_batch(prepared.posts, profiles.lookup(prepared.posts))
        if not batch.num_rows:
            return None
        return build_enrichment(self.stages, batch, self.pipeline)

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
        if block and self.pending:
            self.writer.flush()
        while self.pending and (block or self.pending[0].done()):
            future = self.pending.popleft()
            self.in_flight.pop(id(future), None)
            result = future.result()
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
        """Commit what is queued (without lingering) and account for it. The writer is
        the workspace's: it stays up for the other producers."""
        self.drain(block=True)


def raw_index(
    batch: list[RawItem],
    fresh: list[int],
    hashes: list[int],
    records: list[Record],
    spans: list[tuple[int, int]],
    appended: Appended,
) -> RawIndex:
    """The raw-log index rows of the ``fresh`` items of ``batch``, just appended."""
    items = []
    keys: list[tuple[str, str]] = []
    for i, segment in zip(fresh, appended.segments, strict=True):
        item = batch[i]
        items.append((item.source, hashes[i], segment))
        start, end = spans[i]
        keys.extend((key, segment) for key in content_keys(records[start:end]))
    return RawIndex.of(items, keys, appended.sizes)


def reindex_raw_log(ws: Workspace, batch_size: int = 20_000) -> int:
    """Index what the raw log holds beyond what the store indexed: items that a crash
    left appended but not committed, or a raw log older than its index. Returns how
    many items were indexed (none, usually: one ``stat`` per segment)."""
    from veille.plugins import connectors

    indexed = ws.store.raw_segments()
    todo = [s for s in ws.rawlog.segments() if s.committed_size() > indexed.get(s.name, 0)]
    if not todo:
        return 0
    known = connectors()
    done = 0
    for segment in todo:
        start = indexed.get(segment.name, 0)
        size = segment.committed_size()
        items: list[tuple[str, int, str]] = []
        keys: list[tuple[str, str]] = []
        for item in ws.rawlog.items_from(segment, start):
            items.append((item.source, item_hash(item), segment.name))
            cls = known.get(item.source)
            if cls is not None:
                try:
                    mapped = cls.to_records(item)
                except Exception:  # rejected: nothing of it was stored
                    mapped = []
                keys.extend((key, segment.name) for key in content_keys(mapped))
            if len(items) >= batch_size:
                ws.store.writer.run(RawIndexJob(RawIndex.of(items, keys, {})))
                done += len(items)
                items, keys = [], []
        ws.store.writer.run(RawIndexJob(RawIndex.of(items, keys, {segment.name: size})))
        done += len(items)
    return done


_PROFILE_FIELDS = ("handle", "display_name", "bio", "url")


class ProfileCache:
    """The author profiles (handle, name, bio, URL) that the stages need beside a post, as
    the store will hold them once the batches in flight are committed: the batch's own
    accounts over those this producer submitted before, over the stored ones (the store's
    upsert keeps a known field when a new record lacks it; so does this)."""

    limit = 200_000

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.known: dict[tuple[str, str], tuple[str | None, ...]] = {}

    def update(self, accounts: pa.Table | None) -> ProfileCache:
        if accounts is None or not accounts.num_rows:
            return self
        if len(self.known) > self.limit:
            self.known.clear()
        cols = [accounts.column(c).to_pylist() for c in ("network", "account_id", *_PROFILE_FIELDS)]
        keys = list(zip(cols[0], cols[1], strict=True))
        self._load([k for k in keys if k not in self.known])
        for i, key in enumerate(keys):
            old = self.known.get(key) or (None,) * len(_PROFILE_FIELDS)
            self.known[key] = tuple(
                cols[2 + j][i] if cols[2 + j][i] is not None else old[j]
                for j in range(len(_PROFILE_FIELDS))
            )
        return self

    def _load(self, keys: list[tuple[str, str]]) -> None:
        """Read the stored profiles of ``keys`` (this thread's own store cursor)."""
        if not keys:
            return
        empty = (None,) * len(_PROFILE_FIELDS)
        for key in keys:  # not stored: no profile (until a batch brings one)
            self.known[key] = empty
        for network, account_id, *fields in self.ws.store.profiles(keys):
            self.known[(network, account_id)] = tuple(fields)

    def lookup(self, posts: pa.Table) -> pa.Table:
        """One profile row per author of ``posts``."""
        authors = list(
            dict.fromkeys(
                zip(
                    posts.column("network").to_pylist(),
                    posts.column("author_id").to_pylist(),
                    strict=True,
                )
            )
        )
        if len(self.known) > self.limit:
            self.known.clear()
        self._load([a for a in authors if a not in self.known])
        empty = (None,) * len(_PROFILE_FIELDS)
        rows = [self.known.get(a, empty) for a in authors]
        return pa.table(
            {
                "network": pa.array([a[0] for a in authors], pa.string()),
                "account_id": pa.array([a[1] for a in authors], pa.string()),
                **{
                    name: pa.array([r[j] for r in rows], pa.string())
                    for j, name in enumerate(_PROFILE_FIELDS)
                },
            }
        )


def ingest(
    ws: Workspace,
    connector: Connector,
    *,
    source_key: str | None = None,
    batch_size: int = 5_000,
    on_progress: ProgressCallback | None = None,
    record_import: bool = False,
    enrich: bool = True,
) -> IngestSummary:
    """Drain ``connector.fetch`` into the workspace (enriched inside each batch unless
    ``enrich`` is false), then redact the raw log if the run met deletions. For
    long-running streams (commits every second, redaction deferred) see
    ``collect.stream_into``, which shares ``BatchCommitter``.

    ``source_key`` names the cursor to resume from and to save with each committed batch
    (the connector exposes the cursor to save as ``connector.cursor``). With
    ``record_import`` the run is a row of ``imports``: ``running``, then ``done`` once
    every batch is committed with its enrichments, ``failed`` on an error, ``interrupted``
    on Ctrl-C (and, for a process killed outright, when the workspace is next opened)."""
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

    def finish(status: str) -> None:
        if record_import:
            ws.store.record_import(
                {
                    **import_row,
                    "status": status,
                    "finished_at": utcnow(),
                    "read": summary.read,
                    "new": summary.posts_new,
                    "duplicates": summary.posts_duplicate,
                    "rejected": summary.rejected,
                }
            )

    committer = BatchCommitter(ws, cls, summary, on_progress=on_progress, enrich=enrich)
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
    except BaseException as exc:
        # the first error is the one to report: what follows is best effort
        with suppress(Exception):
            committer.close()
        with suppress(Exception):
            finish("interrupted" if isinstance(exc, KeyboardInterrupt) else "failed")
        raise
    finish("done")
    return summary
