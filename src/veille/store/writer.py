"""The one writer: a thread that owns the store's writes, fed by a queue of jobs.

Every write of every table is a job on it: records with the cursors they advance (and the
enrichments of their posts), enrichment rows, retention, source state, imports, audit, and
a generic function of a connection for other packages (``CallJob``). The writer is owned by
the store (``Store.writer``, started lazily, closed with it), so a workspace has exactly
one, whatever its producers: an import, several collectors, a retention pass, the server.

Producers ``submit`` a job and get a future. The writer commits everything queued (up to
``max_rows`` rows) in one transaction as soon as it is free, so a producer faster than the
disk gets larger transactions by itself. A small job (under ``small_rows``, e.g. a handful
of events from a stream) lingers up to ``max_delay`` seconds for company, so trickles are
committed about once a second, not row by row. A future resolves only once its job is
committed: what is reported committed is on disk. When a grouped transaction fails, each of
its jobs is retried alone, so one bad job fails only its own producer; the error each
producer sees is the cause (``store_error``), never a failed rollback.

Readers use their own cursors (``Store.con`` is per thread) and never block the writer.
"""

from __future__ import annotations

import errno
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import duckdb

from veille.errors import VeilleError
from veille.model import Record

if TYPE_CHECKING:
    from veille.store.store import Store

T = TypeVar("T")


class StoreWriteError(VeilleError):
    """A write the store refused: the cause, and what to do about it."""


_DISK_FULL = ("no space left on device", "disk full", "file too large", "quota exceeded")


def store_error(exc: BaseException) -> BaseException:
    """The error a producer should see for ``exc``: a full disk (or a file-size limit)
    becomes a ``StoreWriteError`` that names the cause and what to do; the rest is kept."""
    if isinstance(exc, VeilleError):
        return exc
    text = str(exc)
    codes = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
    if (isinstance(exc, OSError) and exc.errno in codes) or any(
        s in text.lower() for s in _DISK_FULL
    ):
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        error = StoreWriteError(
            f"the store could not be written: {first}",
            hint="Free some disk space (or raise the file-size limit), then run the command "
            "again: nothing was half-written, the last batch was rolled back and will be "
            "read again from its cursor.",
        )
        error.__cause__ = exc
        return error
    return exc


class Job(Generic[T]):
    """One unit of work of the writer. ``run`` executes inside the writer's transaction on
    its connection and returns the job's result (what its future resolves to)."""

    #: rows written, for grouping jobs into transactions of about ``max_rows``
    rows: int = 1

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> T:
        raise NotImplementedError


@dataclass
class CallJob(Job[T]):
    """A function of the writer's connection, run in its transaction (signals, alert state
    and any later writer of the store go through this)."""

    fn: Callable[[duckdb.DuckDBPyConnection], T]
    rows: int = 1

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> T:
        return self.fn(con)


_STOP = object()


@dataclass
class _Queued:
    job: Job[Any]
    linger: bool = False
    future: Future[Any] = field(default_factory=Future)


_FLUSH = object()


def fault_point(name: str) -> None:
    """A crash on purpose, for the kill -9 tests: ``VEILLE_FAULT=name:N`` kills the process
    (SIGKILL) the N-th time the writer passes the point ``name``. Unset, it costs one
    dictionary lookup."""
    spec = os.environ.get("VEILLE_FAULT")
    if not spec:
        return
    point, _, count = spec.partition(":")
    if point != name:
        return
    seen = _FAULTS.get(name, 0) + 1
    _FAULTS[name] = seen
    if seen >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


_FAULTS: dict[str, int] = {}


class Writer:
    def __init__(
        self,
        store: Store,
        *,
        max_rows: int = 50_000,
        max_delay: float = 1.0,
        small_rows: int = 1_000,
        on_commit: Callable[[Any], None] | None = None,
        max_queue: int = 8,
    ) -> None:
        self.store = store
        self.max_rows = max_rows
        self.max_delay = max_delay
        self.small_rows = small_rows
        self.on_commit = on_commit
        self._queue: queue.Queue[_Queued | object] = queue.Queue(maxsize=max_queue)
        self._con = store.new_cursor()
        self._closing = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="veille-writer", daemon=True)
        self._thread.start()

    @property
    def in_writer_thread(self) -> bool:
        return threading.current_thread() is self._thread

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit_job(self, job: Job[T], *, linger: bool = False) -> Future[T]:
        """Queue ``job`` (blocks when the queue is full: back-pressure). A small job with
        ``linger`` waits up to ``max_delay`` for company (a stream's trickle); others are
        committed as soon as the writer is free."""
        if self.in_writer_thread:  # a job that writes more: run it inline, same transaction
            future: Future[T] = Future()
            future.set_result(job.run(self.store, self._con))
            return future
        if not self._thread.is_alive():
            raise RuntimeError("the writer has stopped")
        queued = _Queued(job, linger)
        self._queue.put(queued)
        return queued.future

    def run(self, job: Job[T]) -> T:
        """Submit ``job`` and wait until it is committed."""
        return self.submit_job(job).result()

    def call(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``fn(con)`` in a writer transaction and return its result once committed."""
        return self.run(CallJob(fn))

    def submit(
        self,
        records: Sequence[Record],
        cursors: dict[str, str] | None = None,
        enrichment: Any = None,
    ) -> Future[Any]:
        """Queue ``records`` with the ``cursors`` they advance (and, optionally, the
        enrichments of their posts: ``store.writes.Enrichment``). The Arrow work happens in
        the caller's thread."""
        from veille.store.store import RecordsJob, prepare

        return self.submit_job(
            RecordsJob(prepare(records), dict(cursors or {}), enrichment), linger=True
        )

    def flush(self) -> None:
        """End the wait of lingering jobs: what is queued is committed now."""
        if self._thread.is_alive():
            self._queue.put(_FLUSH)

    def close(self) -> None:
        """Commit everything queued, then stop."""
        with self._closing:
            if self._thread.is_alive():
                self._queue.put(_STOP)
                self._thread.join()
            with suppress(duckdb.Error):
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
            if first is _FLUSH:
                continue
            assert isinstance(first, _Queued)
            jobs = [first]
            rows = first.job.rows
            linger = first.linger and rows < self.small_rows
            deadline = time.monotonic() + (self.max_delay if linger else 0.0)
            while rows < self.max_rows:
                try:
                    wait = deadline - time.monotonic()
                    nxt = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                if nxt is _FLUSH:
                    break
                assert isinstance(nxt, _Queued)
                jobs.append(nxt)
                rows += nxt.job.rows
                if not nxt.linger:  # someone waits: take only what is already queued
                    deadline = 0.0
            self._commit(jobs)

    def _transaction(self, jobs: list[_Queued]) -> list[Any]:
        con = self._con
        con.execute("BEGIN")
        try:
            results = [j.job.run(self.store, con) for j in jobs]
            fault_point("before-commit")
            con.execute("COMMIT")
        except BaseException:
            # after a failed COMMIT there may be no transaction left to roll back: the
            # error to report is the first one, never "cannot rollback"
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        return results

    def _commit(self, jobs: list[_Queued]) -> None:
        try:
            results = self._transaction(jobs)
        except BaseException as exc:
            error = store_error(exc)
            if len(jobs) == 1 or isinstance(error, StoreWriteError):
                for job in jobs:  # the store itself failed: every producer hears why
                    job.future.set_exception(error)
                return
            for job in jobs:  # one bad job must not fail the producers of the others
                self._commit([job])
            return
        for job, result in zip(jobs, results, strict=True):
            if self.on_commit is not None:
                self.on_commit(result)
            job.future.set_result(result)
