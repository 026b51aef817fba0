"""What the server holds for its whole life: the open workspace (this process owns it), the
sessions, the login limiter, and whether it is a read-only demo. Requests read through
``cursor()``: a DuckDB cursor of their own on the store's connection, never the writer's."""

from __future__ import annotations

import threading
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


@dataclass
class ServerState:
    workspace: Workspace
    demo: bool = False
    collecting: bool = False
    sessions: Sessions = field(default_factory=Sessions)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    _config_lock: threading.Lock = field(default_factory=threading.Lock)
    _memo: OrderedDict[Hashable, tuple[Hashable, Any]] = field(default_factory=OrderedDict)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock)
    memo_size: int = 256

    def data_version(self) -> Hashable:
        """Changes whenever the store or ``veille.toml`` may have changed: the size and
        time of the store file, its write-ahead log and the config (one ``stat`` each)."""
        if self.read_only:
            return "read-only"
        store = self.workspace.store.path
        parts: list[tuple[int, int] | None] = []
        for path in (store, store.with_name(store.name + ".wal"), self.root / CONFIG_NAME):
            try:
                st = path.stat()
                parts.append((st.st_size, st.st_mtime_ns))
            except FileNotFoundError:
                parts.append(None)
        return (id(self.workspace.config), *parts)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, remembered until the data changes (figures of a page are the same
        for every user until then; a read-only demo computes each one once)."""
        version = self.data_version()
        with self._memo_lock:
            hit = self._memo.get(key)
            if hit is not None and hit[0] == version:
                self._memo.move_to_end(key)
                return hit[1]  # type: ignore[no-any-return]
        value = compute()
        with self._memo_lock:
            self._memo[key] = (version, value)
            self._memo.move_to_end(key)
            while len(self._memo) > self.memo_size:
                self._memo.popitem(last=False)
        return value

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
