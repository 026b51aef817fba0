"""The one writer: a thread that owns the store's writes, fed by a queue.

Producers (an import, a collector, the server's handlers) ``submit`` records with the
cursors they advance and get a future. The writer commits everything queued (up to
``max_rows`` rows) in one transaction as soon as it is free, so a producer faster than the
disk gets larger transactions by itself. A small job (under ``small_rows``, e.g. a handful
of events from a stream) lingers up to ``max_delay`` seconds for company, so trickles are
committed about once a second, not row by row. A future resolves only once its records and
cursors are committed: what is reported committed is on disk.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType

from veille.model import Record
from veille.store.store import Prepared, Store, WriteResult, prepare


@dataclass
class _Job:
    records: Prepared
    cursors: dict[str, str]
    future: Future[WriteResult] = field(default_factory=Future)


_STOP = object()


class Writer:
    def __init__(
        self,
        store: Store,
        *,
        max_rows: int = 50_000,
        max_delay: float = 1.0,
        small_rows: int = 1_000,
        on_commit: Callable[[WriteResult], None] | None = None,
        max_queue: int = 8,
    ) -> None:
        self.store = store
        self.max_rows = max_rows
        self.max_delay = max_delay
        self.small_rows = small_rows
        self.on_commit = on_commit
        self._queue: queue.Queue[_Job | object] = queue.Queue(maxsize=max_queue)
        self._con = store.con.cursor()
        self._thread = threading.Thread(target=self._run, name="veille-writer", daemon=True)
        self._thread.start()

    def submit(
        self, records: Sequence[Record], cursors: dict[str, str] | None = None
    ) -> Future[WriteResult]:
        """Queue ``records`` (blocks when the queue is full: back-pressure)."""
        if not self._thread.is_alive():
            raise RuntimeError("the writer has stopped")
        job = _Job(prepare(records), dict(cursors or {}))  # Arrow work in the caller's thread
        self._queue.put(job)
        return job.future

    def close(self) -> None:
        """Commit everything queued, then stop."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
            self._con.close()

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                return
            assert isinstance(first, _Job)
            jobs = [first]
            rows = len(first.records)
            deadline = time.monotonic() + (self.max_delay if rows < self.small_rows else 0.0)
            while rows < self.max_rows:
                try:
                    wait = deadline - time.monotonic()
                    nxt = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                assert isinstance(nxt, _Job)
                jobs.append(nxt)
                rows += len(nxt.records)
            self._commit(jobs)

    def _commit(self, jobs: list[_Job]) -> None:
        try:
            results = self.store.write_many([(j.records, j.cursors) for j in jobs], con=self._con)
        except BaseException as exc:  # report to every producer of the batch
            for job in jobs:
                job.future.set_exception(exc)
            return
        for job, result in zip(jobs, results, strict=True):
            if self.on_commit is not None:
                self.on_commit(result)
            job.future.set_result(result)
