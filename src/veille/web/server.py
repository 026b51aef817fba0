"""Running the dashboard: ``veille serve`` opens the workspace (this process becomes its
owner: the workspace lock names it), builds the app and runs it under uvicorn."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from veille.errors import UsageError
from veille.web.state import ServerState
from veille.workspace import Workspace
from veille.workspace.workspace import CONFIG_NAME

log = logging.getLogger("veille.web")

LOOPBACK = "127.0.0.1"


def open_demo(root: Path, *, quiet: bool = False) -> Workspace:
    """The demo workspace in ``root``, built there first if it holds none; read-only."""
    if not (root / CONFIG_NAME).exists():
        from veille.cli.demo_cmd import build_demo

        build_demo(root, quiet=quiet)
    Workspace.open(root).close()  # applies pending migrations, which read-only cannot
    return Workspace.open(root, read_only=True)


@contextmanager
def collecting(
    workspace: Workspace,
    *,
    interval: float,
    after_cycle: Callable[[], object] | None = None,
) -> Iterator[threading.Event]:
    """The schedule of ``veille run`` (``veille.flow.collect.run``: polls every
    ``interval`` seconds, live streams continuously, ``after_cycle`` after each poll) in a
    thread of this process, stopped and joined when the block ends."""
    from veille.flow.collect import run

    stop = threading.Event()

    def loop() -> None:
        try:
            run(workspace, interval=interval, stop=stop, enrich=after_cycle)
        except Exception:  # the server keeps serving; the sources page shows the errors
            log.exception("the collection loop stopped")

    thread = threading.Thread(target=loop, name="veille-serve-collect", daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=30)


def serve(
    workspace: Workspace,
    *,
    host: str = LOOPBACK,
    port: int = 8470,
    demo: bool = False,
    log_level: str = "info",
    collect_every: float | None = None,
    after_cycle: Callable[[], object] | None = None,
    refresh_seconds: float = 30.0,
) -> None:
    import uvicorn

    from veille.web.app import create_app

    if demo and host != LOOPBACK:
        raise UsageError("--demo serves on 127.0.0.1 only (it has no login)")
    if demo and collect_every is not None:
        raise UsageError("--demo is read-only: it cannot collect")
    state = ServerState(
        workspace,
        demo=demo,
        collecting=collect_every is not None,
        refresh_seconds=refresh_seconds,
    )
    app = create_app(state)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_keep_alive=5,
        limit_concurrency=200,
    )
    server = uvicorn.Server(config)
    if collect_every is None:
        server.run()
        return
    with collecting(workspace, interval=collect_every, after_cycle=after_cycle):
        server.run()
