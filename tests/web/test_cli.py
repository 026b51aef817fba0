"""``veille user``, ``veille token`` and ``veille serve`` through the real CLI."""

from __future__ import annotations

from pathlib import Path

from tests.web import fixture_ws
from typer.testing import CliRunner

from veille.cli.app import app
from veille.errors import UsageError
from veille.store import auth as store_auth
from veille.web.security import verify_password
from veille.workspace import Workspace


def test_user_add_hashes_the_password(ws_root: Path) -> None:
    fixture_ws.add_user(ws_root, "chloe", "s3cret-passphrase", "viewer")
    with Workspace.open(ws_root, read_only=True) as ws, ws.store.con.cursor() as cur:
        user = store_auth.get_user(cur, "chloe")
    assert user is not None and user.role == "viewer"
    assert user.password_hash.startswith("$argon2id$")
    assert "s3cret-passphrase" not in user.password_hash
    assert verify_password(user.password_hash, "s3cret-passphrase")
    assert not verify_password(user.password_hash, "wrong")


def test_user_add_refuses_bad_input(ws_root: Path) -> None:
    runner = CliRunner()
    short = runner.invoke(
        app, ["user", "add", "x", "--password-stdin", "-w", str(ws_root)], input="short\n"
    )
    assert isinstance(short.exception, UsageError)
    role = runner.invoke(
        app,
        ["user", "add", "x", "--role", "boss", "--password-stdin", "-w", str(ws_root)],
        input="long enough pass\n",
    )
    assert isinstance(role.exception, UsageError)


def test_tokens_list_and_revoke(ws_root: Path) -> None:
    token = fixture_ws.add_token(ws_root, "grafana", "viewer")
    assert token.startswith("vt_")
    listed = CliRunner().invoke(app, ["token", "list", "-w", str(ws_root)])
    assert "grafana" in listed.output and token not in listed.output
    token_id = token.split("_")[1]
    assert CliRunner().invoke(app, ["token", "revoke", token_id, "-w", str(ws_root)]).exit_code == 0
    again = CliRunner().invoke(app, ["token", "revoke", token_id, "-w", str(ws_root)])
    assert isinstance(again.exception, UsageError)


def test_serve_help() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--demo" in result.output


def test_serve_collects_with_the_run_loop(tmp_path: Path) -> None:
    import threading

    from veille.web.server import collecting
    from veille.workspace.workspace import init_workspace

    init_workspace(tmp_path, '[workspace]\nname = "quiet"\n')  # no source to poll
    cycles = threading.Event()
    with Workspace.open(tmp_path) as ws:
        with collecting(ws, interval=3600, after_cycle=cycles.set) as stop:
            assert cycles.wait(60), "the run loop never finished a cycle"
            assert not stop.is_set()
        assert stop.is_set()
    threads = [t.name for t in threading.enumerate()]
    assert "veille-serve-collect" not in threads
