"""Opening a workspace: its config, its store, its raw log, and the lock that makes one
process its owner.

Layout::

    DIR/veille.toml               the registry and settings (see config.py)
    DIR/data/veille.duckdb        the store
    DIR/data/raw/SOURCE/DAY.jsonl.zst   the raw log (append-only, compressed)
    DIR/data/rejects/DAY.jsonl    input that was set aside, with where and why
    DIR/data/owner.lock           held (flock) by the owning process; says who it is

A workspace on a read-only folder (a backup, a shared copy) opens for reading: the lock file
is opened read-only and held shared (or not at all when there is none: nobody can own a
folder that nobody can write), and the store is opened read-only.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from veille.errors import UsageError, WorkspaceBusy
from veille.i18n import t
from veille.model import utcnow
from veille.plugins import source_sections
from veille.store import Store
from veille.store.rawlog import RawLog
from veille.store.rejects import RejectLog
from veille.store.writer import Writer
from veille.store.writes import MarkInterruptedJob
from veille.workspace.config import VeilleConfig, load_config, parse_config
from veille.workspace.template import TEMPLATE

CONFIG_NAME = "veille.toml"
DATA_NAME = "data"


def init_workspace(root: Path, config_text: str | None = None, *, force: bool = False) -> Path:
    """Create ``root/veille.toml`` (commented template unless ``config_text``) and the data
    folder. Refuses to overwrite an existing config unless ``force``."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / CONFIG_NAME
    if config.exists() and not force:
        raise UsageError(t("ws.exists", path=config), hint=t("ws.exists.hint"))
    text = config_text if config_text is not None else TEMPLATE
    parse_config(text, config, source_sections())
    config.write_text(text, encoding="utf-8")
    (root / DATA_NAME).mkdir(exist_ok=True)
    return config


#: Started by the owning process when it opens a workspace for writing, stopped when it
#: closes it: the service that answers other commands' reads (``veille.cli.owner``). The
#: CLI entry point sets it; a library user opening a workspace runs no service.
OwnerService = Callable[["Workspace"], Callable[[], None]]
_owner_service: OwnerService | None = None
#: The workspaces this process owns, by root, that its service lends to the commands it
#: runs for other processes (``borrowing``).
_lent: dict[Path, Workspace] = {}
_borrowing: ContextVar[Path | None] = ContextVar("veille_borrowing", default=None)


def set_owner_service(service: OwnerService | None) -> None:
    global _owner_service
    _owner_service = service


@contextmanager
def borrowing(root: Path) -> Iterator[None]:
    """Inside the block, ``Workspace.open(root)`` returns the workspace this process owns
    (its store, its one writer) instead of opening it again: how the owner runs a command
    for another process. Closing the borrowed workspace leaves it open."""
    token = _borrowing.set(root)
    try:
        yield
    finally:
        _borrowing.reset(token)


class Workspace:
    """An open workspace. Use ``Workspace.open(path)`` as a context manager."""

    def __init__(
        self, root: Path, config: VeilleConfig, lock: IO[str] | None, read_only: bool
    ) -> None:
        self.root = root
        self.config = config
        self.data_dir = root / DATA_NAME
        self.read_only = read_only
        self._lock = lock
        self.store = Store(self.data_dir / "veille.duckdb", read_only=read_only)
        self.rawlog = RawLog(self.data_dir / "raw")
        self.rejects = RejectLog(self.data_dir / "rejects")
        if not self.store.read_only and self.store.scalar(
            "SELECT count(*) FROM imports WHERE status = 'running'"
        ):
            # we hold the exclusive owner lock: whoever ran these imports is gone
            self.writer.run(MarkInterruptedJob())
        self._stop_service: Callable[[], None] | None = None
        if lock is not None and not read_only and _owner_service is not None:
            _lent[root] = self
            self._stop_service = _owner_service(self)

    def advertise(self, service: dict[str, Any]) -> None:
        """Add ``service`` (how to reach the owner service) to what the lock file says of
        this owner, for the commands that find the workspace busy."""
        if self._lock is None:
            return
        self._lock.seek(0)
        owner = _read_owner(self._lock.read())
        owner["service"] = service
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(json.dumps(owner))
        self._lock.flush()
        # the service's token is in there: only the owner's user may read it
        os.chmod(self._lock.name, 0o600)

    @property
    def writer(self) -> Writer:
        """The workspace's one writer (its store's): every write of every table is a job
        on it. Started on first use, closed with the workspace."""
        return self.store.writer

    @classmethod
    def open(cls, path: Path | str = ".", *, read_only: bool = False) -> Workspace:
        root = Path(path).resolve()
        config_path = root / CONFIG_NAME
        if not config_path.exists():
            raise UsageError(
                t("ws.not_workspace", root=root, name=CONFIG_NAME), hint=t("ws.not_workspace.hint")
            )
        config = load_config(config_path, source_sections())
        data = root / DATA_NAME
        if not data.exists():
            data.mkdir()
        lent = _lent.get(root) if _borrowing.get() == root else None
        if lent is not None:
            return Borrowed(lent)
        lock = acquire_owner_lock(data / "owner.lock", read_only=read_only)
        try:
            return cls(root, config, lock, read_only)
        except BaseException:
            release_owner_lock(lock)
            raise

    def close(self) -> None:
        try:
            if self._stop_service is not None:
                self._stop_service()
                self._stop_service = None
        finally:
            _lent.pop(self.root, None)
            try:
                self.store.close()
            finally:
                release_owner_lock(self._lock)

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Borrowed(Workspace):
    """The owner's workspace as a command run for another process sees it: the same
    config, store and writer; closing it only lets go of this thread's store cursor."""

    def __init__(self, owner: Workspace) -> None:
        self.__dict__.update(owner.__dict__)
        self._stop_service = None

    def close(self) -> None:
        self.store.release_cursor()


def writable(root: Path | str) -> bool:
    """Whether the workspace's folder can be written (False on a read-only mount or copy)."""
    base = Path(root).resolve()
    data = base / DATA_NAME
    return os.access(data if data.exists() else base, os.W_OK)


def acquire_owner_lock(path: Path, *, read_only: bool = False) -> IO[str] | None:
    """Take the workspace lock or raise ``WorkspaceBusy`` naming the owner. The lock is an
    ``flock``: the kernel releases it when the owner dies, even by kill -9.

    ``read_only``: on a folder that cannot be written, the lock file is opened read-only and
    locked shared (``None`` when there is no lock file: no process can own such a folder);
    elsewhere the lock is exclusive, as for a writer."""
    try:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while owned
    except OSError as exc:
        if not read_only:
            raise UsageError(
                t("ws.read_only", root=path.parent.parent, error=exc.strerror or exc),
                hint=t("ws.read_only.hint"),
            ) from None
        return _shared_lock(path)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = _read_owner(handle.read())
        handle.close()
        raise _busy(path, owner) from None
    handle.seek(0)
    handle.truncate()
    handle.write(
        json.dumps(
            {
                "pid": os.getpid(),
                "command": " ".join(["veille", *sys.argv[1:]])[:200],
                "since": utcnow().isoformat(timespec="seconds"),
            }
        )
    )
    handle.flush()
    return handle


def _shared_lock(path: Path) -> IO[str] | None:
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - kept open while reading
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _read_owner(handle.read())
        handle.close()
        raise _busy(path, owner) from None
    return handle


def _busy(path: Path, owner: dict[str, Any]) -> WorkspaceBusy:
    pid, command, since = (owner.get(k, "?") for k in ("pid", "command", "since"))
    return WorkspaceBusy(
        t("ws.busy", root=path.parent.parent, pid=pid, command=command, since=since),
        hint=t("ws.busy.hint"),
        root=path.parent.parent,
        owner=owner,
    )


def _read_owner(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def release_owner_lock(handle: IO[str] | None) -> None:
    if handle is None:
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
