"""What the one writer does when the disk is full or a process dies mid-batch: the user
sees the cause and what to do, the store stays intact, and after a kill -9 between the
write of a batch's posts and the write of their enrichments, no post lacks its
enrichments and none has them twice."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from veille.plugins import stages
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

TOML = """
[workspace]
name = "t"

[[watches]]
id = "recrute"
query = "recrute"
"""


def write_tweets(path: Path, n: int, start: int = 0) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(start, start + n):
            tweet = {
                "id": str(10**15 + i),
                "text": f"Acme recrute : annonce {i}, une très bonne nouvelle #veille",
                "author_id": str(1000 + i % 50),
                "created_at": "2026-11-20T10:00:00.000Z",
                "lang": "fr",
                "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": i % 7},
            }
            users = [{"id": str(1000 + i % 50), "username": f"user{i % 50}", "name": "U"}]
            out.write(json.dumps({"data": [tweet], "includes": {"users": users}}) + "\n")


def veille(
    *args: str, env: dict[str, str] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veille", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "VEILLE_LANG": "en", **(env or {})},
        **kw,  # type: ignore[arg-type]
    )


def enrichment_state(ws: Workspace) -> dict[str, int]:
    n = len(stages(ws.config))
    q = ws.store.scalar
    return {
        "posts": int(q("SELECT count(*) FROM posts")),
        "lacking": int(
            q(
                "SELECT count(*) FROM posts p WHERE (SELECT count(*) FROM enrichments e "
                "WHERE e.uri = p.uri) <> ? OR (SELECT count(*) FROM enriched x "
                "WHERE x.uri = p.uri) <> 1",
                [n],
            )
        ),
        "unmatched": int(
            q(
                "SELECT count(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM matches m "
                "WHERE m.uri = p.uri)"
            )
        ),
        "duplicates": sum(ws.store.duplicate_keys().values()),
    }


def test_kill_between_the_posts_and_their_enrichments(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, TOML)
    data = tmp_path / "tweets.jsonl"
    write_tweets(data, 20_000)
    # the writer kills its own process (SIGKILL) the 2nd time it has written a batch's
    # posts and not yet their enrichments (``store.writer.fault_point``)
    killed = veille(
        "import",
        "twitter-v2",
        str(data),
        "-w",
        str(root),
        "-q",
        env={"VEILLE_FAULT": "after-posts:2"},
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with Workspace.open(root) as ws:
        state = enrichment_state(ws)
        assert state == {"posts": 5_000, "lacking": 0, "unmatched": 0, "duplicates": 0}
        imports = ws.store.con.execute("SELECT status FROM imports").fetchall()
        assert imports == [("interrupted",)]  # the owner died: not "running" for ever
    again = veille("import", "twitter-v2", str(data), "-w", str(root), "-q", "-f", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["new"] == 15_000
    with Workspace.open(root) as ws:
        assert enrichment_state(ws) == {
            "posts": 20_000,
            "lacking": 0,
            "unmatched": 0,
            "duplicates": 0,
        }
        statuses = sorted(
            r[0] for r in ws.store.con.execute("SELECT status FROM imports").fetchall()
        )
        assert statuses == ["done", "interrupted"]


def _no_bigger_files(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails: EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def check_full_disk(result: subprocess.CompletedProcess[str], cause: str) -> None:
    assert result.returncode == 1, result.stderr
    assert cause in result.stderr
    assert "Free some disk space" in result.stderr
    assert "cannot rollback" not in result.stderr
    assert "unexpected error" not in result.stderr


def test_a_file_size_limit_names_the_cause_and_the_store_stays_intact(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, TOML)
    small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
    write_tweets(small, 2_000)
    write_tweets(big, 60_000, start=2_000)
    first = veille("import", "twitter-v2", str(small), "-w", str(root), "-q")
    assert first.returncode == 0, first.stderr
    full = subprocess.run(
        [sys.executable, "-m", "veille", "import", "twitter-v2", str(big), "-w", str(root), "-q"],
        capture_output=True,
        text=True,
        env={**os.environ, "VEILLE_LANG": "en"},
        preexec_fn=lambda: _no_bigger_files(32 << 20),
    )
    check_full_disk(full, "File too large")
    with Workspace.open(root) as ws:  # intact: what was committed is there, enriched once
        state = enrichment_state(ws)
        assert state["posts"] >= 2_000 and state["lacking"] == 0 and state["duplicates"] == 0
        assert ("failed",) in ws.store.con.execute("SELECT status FROM imports").fetchall()
    again = veille("import", "twitter-v2", str(big), "-w", str(root), "-q")
    assert again.returncode == 0, again.stderr
    with Workspace.open(root) as ws:
        assert enrichment_state(ws) == {
            "posts": 62_000,
            "lacking": 0,
            "unmatched": 0,
            "duplicates": 0,
        }


def test_a_full_disk_names_the_cause_and_the_store_stays_intact(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        root = disk / "ws"
        init_workspace(root, TOML)
        small, big = tmp_path / "small.jsonl", tmp_path / "big.jsonl"
        write_tweets(small, 2_000)
        write_tweets(big, 80_000, start=2_000)
        assert veille("import", "twitter-v2", str(small), "-w", str(root), "-q").returncode == 0
        full = veille("import", "twitter-v2", str(big), "-w", str(root), "-q")
        check_full_disk(full, "No space left on device")
        with Workspace.open(root, read_only=True) as ws:
            state = enrichment_state(ws)
            assert state["posts"] >= 2_000 and state["lacking"] == 0
            assert state["duplicates"] == 0
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
