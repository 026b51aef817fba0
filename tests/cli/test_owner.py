"""While a process owns a workspace (here `veille run`), other commands still work: the
read commands are run by the owner and print what they would print alone; the commands that
must own the workspace say so and exit 3. Everything goes through the real entry point, in
separate processes, as a user would run them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.model import Account, Post
from veille.workspace import Workspace

ENV = {**os.environ, "LANG": "C.UTF-8", "COLUMNS": "120", "VEILLE_LANG": "en"}
ENV.pop("VEILLE_DEBUG", None)


def veille(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veille", *args],
        cwd=cwd,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _workspace(root: Path) -> Path:
    root.mkdir()
    # no sources and no registry: `veille run` idles, with nothing to reach on the network
    (root / "veille.toml").write_text('[workspace]\nname = "owner test"\n')
    with Workspace.open(root) as ws:
        ws.store.write(
            [
                Account(network="bluesky", account_id="did:plc:a", handle="ann.bsky.social"),
                *(
                    Post(
                        uri=f"at://did:plc:a/app.bsky.feed.post/{i}",
                        network="bluesky",
                        post_id=str(i),
                        author_id="did:plc:a",
                        created_at=datetime(2026, 10, 1, 9, i, tzinfo=UTC),
                        collected_at=datetime(2026, 10, 1, 10, tzinfo=UTC),
                        text=f"Orbitek rachète Datalys, épisode {i}",
                        source="test",
                    )
                    for i in range(3)
                ),
            ]
        )
    return root


@pytest.fixture(scope="module")
def owned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One owner for the module's tests (starting one takes seconds)."""
    ws = _workspace(tmp_path_factory.mktemp("owned") / "ws")
    alone = {
        "status": veille("status", "--format", "json", cwd=ws),
        "search": veille("search", "Orbitek", "--format", "json", cwd=ws),
    }
    owner = subprocess.Popen(
        [sys.executable, "-m", "veille", "run", "-w", str(ws), "--max-seconds", "300"],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    lock = ws / "data" / "owner.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = lock.read_text() if lock.exists() else ""
        if '"service"' in text:
            break
        assert owner.poll() is None, owner.communicate()
        time.sleep(0.2)
    else:
        owner.kill()
        pytest.fail("the owner never advertised its service")
    (ws / "alone.json").write_text(
        json.dumps({k: v.stdout for k, v in alone.items()}, ensure_ascii=False)
    )
    try:
        yield ws
    finally:
        owner.send_signal(signal.SIGINT)
        try:
            owner.wait(timeout=60)
        except subprocess.TimeoutExpired:
            owner.kill()
            owner.wait()


def test_read_commands_are_answered_by_the_owner(owned: Path, tmp_path: Path) -> None:
    alone = json.loads((owned / "alone.json").read_text())
    # from inside the workspace, without -w: the owner gets the caller's workspace
    status = veille("status", "--format", "json", cwd=owned)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["posts"] == json.loads(alone["status"])["posts"]
    # from elsewhere, with a relative -w
    search = veille("search", "Orbitek", "--format", "json", "-w", "ws", cwd=owned.parent)
    assert search.returncode == 0, search.stderr
    assert search.stdout == alone["search"]
    assert len(json.loads(search.stdout)) == 3
    # errors come back with their exit code
    bad = veille("search", "Orbitek AND (", cwd=owned)
    assert bad.returncode == 2
    assert "veille:" in bad.stderr


def test_option_paths_are_the_callers(owned: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text("Fiers de notre équipe : nous rachetons Datalys !")
    args = ("check", "--network", "bluesky", "--file", "draft.txt", "--format", "json")
    ran = veille(*args, "-w", str(owned), cwd=tmp_path)
    assert ran.returncode in (0, 1), ran.stderr
    length = next(r for r in json.loads(ran.stdout)["rules"] if r["rule"] == "length")
    assert length["reason"].startswith("48 of 300 graphemes")


def test_stdin_goes_to_the_owner(owned: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "veille", "check", "--network", "x", "--format", "json", "-"],
        cwd=owned,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        input="Bonjour à tous",
    )
    assert ran.returncode in (0, 1), ran.stderr
    length = next(r for r in json.loads(ran.stdout)["rules"] if r["rule"] == "length")
    assert length["reason"].startswith("14 of 280")


def test_commands_that_must_own_the_workspace_say_so(owned: Path, tmp_path: Path) -> None:
    data = tmp_path / "t.jsonl"
    data.write_text("{}\n")
    ran = veille("import", "twitter-v2", str(data), "-w", str(owned), cwd=tmp_path)
    assert ran.returncode == 3
    assert "must own the workspace" in ran.stderr


def test_the_service_wants_its_token_and_hides_it(owned: Path) -> None:
    lock = owned / "data" / "owner.lock"
    assert lock.stat().st_mode & 0o077 == 0
    service = json.loads(lock.read_text())["service"]
    assert service["host"] == "127.0.0.1"
    with socket.create_connection((service["host"], service["port"]), timeout=30) as conn:
        conn.sendall(json.dumps({"token": "guess", "argv": ["status"]}).encode() + b"\n")
        replies = [json.loads(line) for line in conn.makefile().read().splitlines()]
    assert replies[-1] == {"exit": 2}
    assert "wrong token" in replies[0]["err"]
    with socket.create_connection((service["host"], service["port"]), timeout=30) as conn:
        request = {"token": service["token"], "argv": ["rebuild", "-w", str(owned)]}
        conn.sendall(json.dumps(request).encode() + b"\n")
        replies = [json.loads(line) for line in conn.makefile().read().splitlines()]
    assert replies[-1] == {"exit": 3}
