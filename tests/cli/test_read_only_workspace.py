"""A workspace on a read-only folder (a backup, a shared copy): read commands work, write
commands say that it is read-only (exit 2). The folder is made read-only for real: a
read-only bind mount in a private mount namespace (``unshare``), or permissions when the
tests do not run as root."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from veille.model import Account, Post
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "120"}


def _workspace(root: Path) -> Path:
    init_workspace(root)
    with Workspace.open(root) as ws:
        ws.store.write(
            [
                Account(network="bluesky", account_id="did:plc:a", handle="ann.bsky.social"),
                Post(
                    uri="at://did:plc:a/app.bsky.feed.post/1",
                    network="bluesky",
                    post_id="1",
                    author_id="did:plc:a",
                    created_at=datetime(2026, 10, 1, 9, tzinfo=UTC),
                    collected_at=datetime(2026, 10, 1, 10, tzinfo=UTC),
                    text="Orbitek rachète Datalys",
                    source="test",
                ),
            ]
        )
    return root


def _read_only(root: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run each ``veille`` command with ``root`` read-only."""
    veille = [sys.executable, "-m", "veille"]
    if os.geteuid() != 0:
        for path in [root, *root.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            return [
                subprocess.run([*veille, *c], capture_output=True, text=True, timeout=120, env=ENV)
                for c in commands
            ]
        finally:
            for path in [root, *root.rglob("*")]:
                path.chmod(path.stat().st_mode | 0o200)
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare to make a read-only mount")
    probe = subprocess.run(
        [unshare, "-rm", "sh", "-c", f"mount --bind -o ro {shlex.quote(str(root))} /mnt"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only mount here: {probe.stderr.strip()}")
    done = []
    for command in commands:
        script = (
            f"mount --bind -o ro {shlex.quote(str(root))} {shlex.quote(str(root))} && "
            + shlex.join([*veille, *command])
        )
        done.append(
            subprocess.run(
                [unshare, "-rm", "sh", "-c", script],
                capture_output=True,
                text=True,
                timeout=120,
                env=ENV,
            )
        )
    return done


def test_read_commands_work_on_a_read_only_copy(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    search, status, enrich = _read_only(
        root,
        ["search", "orbitek", "-w", str(root), "--format", "json"],
        ["status", "-w", str(root), "--format", "json"],
        ["enrich", "-w", str(root)],
    )
    assert search.returncode == 0, search.stderr
    assert [row["author"] for row in json.loads(search.stdout)] == ["ann.bsky.social"]
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["posts"]["total"] == 1
    # a write command says why it cannot run, in one line, with exit 2
    assert enrich.returncode == 2, enrich.stderr
    assert "read-only" in enrich.stderr and "Traceback" not in enrich.stderr
    # nothing was written: the store is unchanged and still opens
    with Workspace.open(root, read_only=True) as ws:
        assert ws.store.scalar("SELECT count(*) FROM posts") == 1
