"""What the server holds for its whole life: the open workspace (this process owns it), the
sessions, the login limiter, and whether it is a read-only demo. Requests read through
``cursor()``: a DuckDB cursor of their own on the store's connection, never the writer's."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from veille.analytics.context import AnalyticsContext, build_context
from veille.analytics.engine import DuckDBEngine
from veille.analytics.entities import register_entities
from veille.web.security import LoginLimiter, Sessions
from veille.workspace import Workspace
from veille.workspace.config import VeilleConfig, load_config
from veille.workspace.workspace import CONFIG_NAME

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class ServerState:
    workspace: Workspace
    demo: bool = False
    collecting: bool = False
    sessions: Sessions = field(default_factory=Sessions)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    _config_lock: threading.Lock = field(default_factory=threading.Lock)
    _memo: OrderedDict[Hashable, tuple[Hashable, Hashable, float, Any]] = field(
        default_factory=OrderedDict
    )
    _memo_lock: threading.Lock = field(default_factory=threading.Lock)
    _flights: dict[Hashable, threading.Lock] = field(default_factory=dict)
    _refreshing: set[Hashable] = field(default_factory=set)
    memo_size: int = 256
    #: while the store changes (a collector writing), a page's figures are recomputed at
    #: most this often, in the background (``veille serve --refresh``); a change of
    #: ``veille.toml`` is seen at once, and 0 recomputes after every change
    refresh_seconds: float = 30.0

    def data_version(self) -> tuple[Hashable, Hashable]:
        """``(config, store)``: each changes whenever ``veille.toml``, or the store (its file
        or its write-ahead log), may have changed (one ``stat`` per file)."""
        if self.read_only:
            return id(self.workspace.config), "read-only"
        parts: list[tuple[int, int] | None] = []
        store = self.workspace.store.path
        for path in (self.root / CONFIG_NAME, store, store.with_name(store.name + ".wal")):
            try:
                st = path.stat()
                parts.append((st.st_size, st.st_mtime_ns))
            except FileNotFoundError:
                parts.append(None)
        return (id(self.workspace.config), parts[0]), (parts[1], parts[2])

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, remembered until the data changes (figures of a page are the same
        for every user until then; a read-only demo computes each one once).

        While a collector writes, the figures are kept for ``refresh_seconds`` after they
        were computed; then the next request still gets them at once and starts one
        recomputation in the background, whose result the following requests get (stale
        while revalidating: no request waits for figures that exist). Without figures yet,
        or after a change of ``veille.toml``, concurrent requests wait for one computation
        instead of each running its own."""
        config, store = self.data_version()
        with self._memo_lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] == config:
                self._memo.move_to_end(key)
                if hit[1] != store and time.monotonic() - hit[2] >= self.refresh_seconds:
                    self._revalidate(key, compute)
                return hit[3]  # type: ignore[no-any-return]
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            with self._memo_lock:  # computed while this request waited?
                hit = self._memo.get(key)
                if hit is not None and hit[0] == config:
                    return hit[3]  # type: ignore[no-any-return]
            return self._compute(key, compute)

    def _compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        config, store = self.data_version()
        at = time.monotonic()
        value = compute()
        with self._memo_lock:
            self._memo[key] = (config, store, at, value)
            self._memo.move_to_end(key)
            while len(self._memo) > self.memo_size:
                dropped, _ = self._memo.popitem(last=False)
                self._flights.pop(dropped, None)
        return value

    def _revalidate(self, key: Hashable, compute: Callable[[], Any]) -> None:
        """Recompute ``key`` in a thread of its own, once at a time (under ``_memo_lock``)."""
        if key in self._refreshing:
            return
        self._refreshing.add(key)

        def run() -> None:
            try:
                self._compute(key, compute)
            except Exception:  # the stale figures stay; the next request tries again
                log.exception("recomputing %r failed", key)
            finally:
                with self._memo_lock:
                    self._refreshing.discard(key)

        threading.Thread(target=run, name=f"veille-refresh-{key!r}"[:60], daemon=True).start()

    def refreshing(self) -> bool:
        """Whether a background recomputation is running (tests wait on it)."""
        with self._memo_lock:
            return bool(self._refreshing)

    @property
    def root(self) -> Path:
        return self.workspace.root

    @property
    def config(self) -> VeilleConfig:
        return self.workspace.config

    @property
    def read_only(self) -> bool:
        return self.demo or self.workspace.read_only

    @property
    def auth_required(self) -> bool:
        return not self.demo

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self.workspace.store.utc_cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def analytics(self) -> Iterator[AnalyticsContext]:
        """An analytics context on a cursor of its own (entities registered on it)."""
        with self.cursor() as cur:
            engine = DuckDBEngine(cur)
            try:
                yield build_context(engine, self.config)
            finally:
                engine.close()

    def entity_accounts(self) -> pa.Table:
        """The registry's leaders and organisations resolved to store accounts."""
        with self.cursor() as cur:
            engine = DuckDBEngine(cur)
            try:
                return register_entities(engine, self.config)
            finally:
                engine.close()

    def reload_config(self) -> VeilleConfig:
        """Read ``veille.toml`` again (after the dashboard edited a watch)."""
        with self._config_lock:
            self.workspace.config = load_config(self.root / CONFIG_NAME)
            return self.workspace.config
