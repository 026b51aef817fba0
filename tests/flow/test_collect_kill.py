"""kill -9 of a real ``veille listen`` at a random moment, then a restart: the store ends
with exactly what the server sent, nothing lost, nothing twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from collect_helpers import expected_post_uris, jetstream_lines, make_workspace
from veille.simulate.replay import ReplayServer, vary_events


def listen(root: Path, seconds: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VEILLE_LANG": "en"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "veille",
            "listen",
            "--workspace",
            str(root),
            "--source",
            "bluesky",
            "--max-seconds",
            str(seconds),
            "--quiet",
            "--no-enrich",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def test_kill_9_then_restart_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    start_us = int((time.time() - 600) * 1e6)  # recent: within Jetstream's replay window
    evs = vary_events(
        jetstream_lines(), 12_000, start_us=start_us, rate=50.0, collections=["app.bsky.feed.post"]
    )
    expected = expected_post_uris([e.frame for e in evs])
    rng = random.Random(int(time.time()))
    with ReplayServer(evs, rate=2000.0) as server:
        root = make_workspace(
            tmp_path / "ws",
            f"""
[sources.bluesky]
jetstream_url = "{server.url}"
listen_all_posts = true
""",
        )
        first = listen(root, 60)
        # Kill at a random point once a cursor is surely committed: at most two batches
        # are in flight, so when the fourth is in the raw log the first is committed.
        raw = root / "data" / "raw"
        kill_at = rng.randrange(1_500, 6_500)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            len(server.sent_seqs) < kill_at
            or sum(len(p.read_bytes().splitlines()) for p in raw.glob("*/*.idx")) < 4
        ):
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        sent_before = len(server.sent_seqs)
        second = listen(root, 10)
        _out, errors = second.communicate(timeout=60)
        assert second.returncode == 0, errors.decode()[-2000:]
        assert len(server.connections) == 2
    con = duckdb.connect(str(root / "data" / "veille.duckdb"), read_only=True)
    uris = [r[0] for r in con.execute("SELECT uri FROM posts").fetchall()]
    cursor = con.execute(
        "SELECT cursor FROM cursors WHERE source_key = 'bluesky-stream'"
    ).fetchone()
    con.close()
    assert len(uris) == len(set(uris))
    assert set(uris) == expected
    # the restart resumed from the committed cursor, not from the start
    resumed = int(server.connections[1]["cursor"][0])
    assert 1 < resumed <= sent_before + 1
    assert cursor is not None and f'"seq": {evs[-1].seq}' in cursor[0]
