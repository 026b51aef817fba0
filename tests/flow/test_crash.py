"""A kill -9 during an import loses nothing that was committed and duplicates nothing on
restart: a real ``veille import`` subprocess is killed mid-way, then run again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from veille.plugins import connectors
from veille.workspace import Workspace

N = 60_000


def write_tweets(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            tweet = {
                "id": str(10**15 + i),
                "text": f"Tweet simulé numéro {i} #veille @acme",
                "author_id": str(1000 + i % 500),
                "created_at": "2026-10-01T10:00:00.000Z",
                "conversation_id": str(10**15 + i),
                "lang": "fr",
                "public_metrics": {
                    "retweet_count": 1,
                    "reply_count": 0,
                    "like_count": i % 7,
                    "quote_count": 0,
                },
            }
            out.write(
                json.dumps(
                    {
                        "data": [tweet],
                        "includes": {
                            "users": [
                                {
                                    "id": str(1000 + i % 500),
                                    "username": f"user{i % 500}",
                                    "name": "U",
                                }
                            ]
                        },
                    }
                )
                + "\n"
            )


def veille(*args: str) -> list[str]:
    return [sys.executable, "-m", "veille", *args]


@pytest.mark.skipif("twitter-v2" not in connectors(), reason="twitter-v2 importer not registered")
def test_kill_9_during_import_then_rerun(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    subprocess.run(veille("init", str(ws)), check=True, capture_output=True)
    data = tmp_path / "tweets.jsonl"
    write_tweets(data, N)
    proc = subprocess.Popen(
        veille("import", "twitter-v2", str(data), "-w", str(ws), "-q"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    raw = ws / "data" / "raw" / "twitter-v2"
    deadline = time.monotonic() + 60
    # The ingest keeps at most two batches in flight: once the fourth batch is in the raw
    # log, the first is committed. Kill then, in the middle of the import.
    while time.monotonic() < deadline and proc.poll() is None:
        indexes = list(raw.glob("*.idx")) if raw.exists() else []
        if sum(len(p.read_bytes().splitlines()) for p in indexes) >= 4:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the import finished before it could be killed; raise N"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with Workspace.open(ws) as w:
        committed = int(w.store.scalar("SELECT count(*) FROM posts"))
        raw_items = sum(1 for _ in w.rawlog.items())
    assert 0 < committed < N
    assert raw_items >= committed  # everything committed is in the raw log
    rerun = subprocess.run(
        veille("import", "twitter-v2", str(data), "-w", str(ws), "-q", "--format", "json"),
        capture_output=True,
        text=True,
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["duplicates"] == committed
    assert summary["new"] == N - committed
    with Workspace.open(ws) as w:
        assert w.store.scalar("SELECT count(*) FROM posts") == N
        assert w.store.scalar("SELECT count(DISTINCT uri) FROM posts") == N
    again = subprocess.run(veille("rebuild", "-w", str(ws), "-q"), capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    with Workspace.open(ws) as w:
        assert w.store.scalar("SELECT count(*) FROM posts") == N
