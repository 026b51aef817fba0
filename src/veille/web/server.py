"""Running the dashboard: ``veille serve`` opens the workspace (this process becomes its
owner: the workspace lock names it), builds the app and runs it under uvicorn."""

from __future__ import annotations

import logging
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


def serve(
    workspace: Workspace,
    *,
    host: str = LOOPBACK,
    port: int = 8470,
    demo: bool = False,
    log_level: str = "info",
) -> None:
    import uvicorn

    from veille.web.app import create_app

    if demo and host != LOOPBACK:
        raise UsageError("--demo serves on 127.0.0.1 only (it has no login)")
    state = ServerState(workspace, demo=demo)
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
    uvicorn.Server(config).run()
