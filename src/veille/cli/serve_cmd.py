"""``veille serve`` (the dashboard and the JSON API), ``veille user`` and ``veille token``
(who may use them)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.markup import escape

from veille.cli.common import DataTable, WorkspaceOption, console, err
from veille.errors import UsageError
from veille.store import auth as store_auth
from veille.workspace import Workspace

RoleOption = typer.Option("viewer", "--role", help="viewer (reads) or admin (also edits).")


def _default_demo_dir() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "veille" / "demo"


def serve(
    workspace: Path = WorkspaceOption,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8470, "--port", min=1, max=65535, help="Port to listen on."),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Serve the demo workspace (built on first use) read-only, without login, on "
        "127.0.0.1.",
    ),
    demo_dir: Path | None = typer.Option(
        None,
        "--demo-dir",
        file_okay=False,
        help="Folder of the demo workspace (default: ~/.cache/veille/demo).",
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
    collect: bool = typer.Option(
        False,
        "--collect",
        help="Also run the collection schedule of `veille run` in this process (polls "
        "every --interval minutes, live streams continuously, enrichment after each poll).",
    ),
    interval: float = typer.Option(15.0, "--interval", min=0.1, help="Minutes between polls."),
    refresh: float = typer.Option(
        30.0,
        "--refresh",
        min=0.0,
        help="While the store changes (collecting), recompute a page's figures at most every "
        "this many seconds (0: after every change).",
    ),
) -> None:
    """Serve the dashboard and the JSON API (OpenAPI at /openapi.json) of the workspace.

    This process owns the workspace while it runs. Log in with a user from `veille user
    add`; the API needs a token from `veille token add` (except under --demo). With
    --collect it also collects, as `veille run` does; otherwise stop it to collect.
    """
    from veille.web.server import LOOPBACK, open_demo
    from veille.web.server import serve as run_server

    if demo:
        if host != LOOPBACK:
            raise UsageError("--demo serves on 127.0.0.1 only (it has no login)")
        ws = open_demo((demo_dir or _default_demo_dir()).resolve())
    else:
        ws = Workspace.open(workspace)
        with ws.store.con.cursor() as cur:
            if not store_auth.list_users(cur):
                err.print(
                    "No user yet: create one with `veille user add NAME --role admin "
                    f"-w {escape(str(ws.root))}` (stop the server first)."
                )
    try:
        err.print(
            f"veille serves {escape(str(ws.root))} on http://{host}:{port}/"
            + (" (read-only demo, no login)" if demo else "")
        )
        after_cycle = None
        if collect:
            from veille.cli.collect_cmd import _enrich
            from veille.reports.digest_run import DigestJob

            digest_job = DigestJob(ws)

            def after_cycle() -> None:  # what `veille run` does after each cycle
                _enrich(ws, retention=True)
                digest_job()

        run_server(
            ws,
            host=host,
            port=port,
            demo=demo,
            log_level=log_level,
            collect_every=interval * 60.0 if collect else None,
            after_cycle=after_cycle,
            refresh_seconds=refresh,
        )
    finally:
        ws.close()


user_app = typer.Typer(
    help="Users of the dashboard (argon2-hashed passwords).", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens (stored hashed; shown once).", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="User name."),
    role: str = RoleOption,
    workspace: Path = WorkspaceOption,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Add a user (or reset their password and role). Prompts for the password."""
    from veille.web.security import hash_password

    if role not in store_auth.ROLES:
        raise UsageError(f"--role: {role!r} is not a role", hint="Use viewer or admin.")
    if not name.strip() or len(name) > 100:
        raise UsageError("NAME: give a user name of 1 to 100 characters")
    if password_stdin:
        import sys

        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise UsageError("the password needs at least 8 characters")
    with Workspace.open(workspace) as ws:
        new = store_auth.put_user(ws.store, name, hash_password(password), role)
        ws.store.audit("user.add" if new else "user.update", name, role)
    console.print(f"{'Added' if new else 'Updated'} user {escape(name)} ({role}).")


@user_app.command("list")
def user_list(workspace: Path = WorkspaceOption) -> None:
    """List the users."""
    with Workspace.open(workspace, read_only=True) as ws, ws.store.con.cursor() as cur:
        users = store_auth.list_users(cur)
    table = DataTable("name", "role", "created")
    for user in users:
        table.add_row(user.name, user.role, user.created_at.isoformat(timespec="seconds"))
    console.print(table)


@user_app.command("remove")
def user_remove(name: str = typer.Argument(...), workspace: Path = WorkspaceOption) -> None:
    """Remove a user."""
    with Workspace.open(workspace) as ws:
        if not store_auth.delete_user(ws.store, name):
            raise UsageError(f"no user {name!r}")
        ws.store.audit("user.remove", name)
    console.print(f"Removed user {escape(name)}.")


@token_app.command("add")
def token_add(
    name: str = typer.Argument(..., help="What the token is for."),
    role: str = RoleOption,
    workspace: Path = WorkspaceOption,
) -> None:
    """Create an API token and print it (once: only its hash is stored)."""
    from veille.web.security import new_token

    if role not in store_auth.ROLES:
        raise UsageError(f"--role: {role!r} is not a role", hint="Use viewer or admin.")
    token_id, token, digest = new_token()
    with Workspace.open(workspace) as ws:
        store_auth.add_token(ws.store, token_id, name, digest, role)
        ws.store.audit("token.add", token_id, name)
    err.print(f"Token {token_id} ({escape(name)}, {role}); keep it, it is not shown again:")
    print(token)


@token_app.command("list")
def token_list(workspace: Path = WorkspaceOption) -> None:
    """List the API tokens (ids and names, never the tokens)."""
    with Workspace.open(workspace, read_only=True) as ws, ws.store.con.cursor() as cur:
        tokens = store_auth.list_tokens(cur)
    table = DataTable("id", "name", "role", "created", "revoked")
    for tok in tokens:
        table.add_row(
            tok.id,
            tok.name,
            tok.role,
            tok.created_at.isoformat(timespec="seconds"),
            tok.revoked_at.isoformat(timespec="seconds") if tok.revoked_at else "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: str = typer.Argument(...), workspace: Path = WorkspaceOption) -> None:
    """Revoke an API token by its id."""
    with Workspace.open(workspace) as ws:
        if not store_auth.revoke_token(ws.store, token_id):
            raise UsageError(f"no active token {token_id!r}", hint="See `veille token list`.")
        ws.store.audit("token.revoke", token_id)
    console.print(f"Revoked token {token_id}.")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
