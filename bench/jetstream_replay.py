"""Jetstream replay benchmark: one simulated hour of the whole Bluesky post stream, sent as
fast as possible by a local Jetstream v2 server, through the live collector into the store.

Assumption (stated, not measured here): the whole network writes about 45 posts per second
in 2026 (30 to 60 depending on the hour), so one hour is 45 * 3600 = 162,000 post events
(``--rate`` and ``--seconds`` change it). Events are the real posts of the Jetstream capture
in ``../shared/fixtures/bluesky_jetstream``, varied (new record keys, times spread at the
rate, text suffixes) to the wanted count, framed as Jetstream v2 sends them.

The server runs in its own process, pinned to another core; the collector process is pinned
to one core (``os.sched_setaffinity``). Enrichment is off. Three measurements, in the same
run, each the median of ``--repeat`` runs:

- ``recv``: a bare websocket client that only receives the frames (the floor);
- ``fetch``: the ``bluesky-stream`` connector reading frames (decode, cursor, raw items),
  nothing stored (the baseline the brief names: reading without storing);
- ``store``: ``veille.flow.collect.listen`` into a fresh workspace: raw log (zstd, fsync per
  batch), mapping (``jetstream.map_event_json``), DuckDB writes and cursors.

Reported: events per second and the multiple of real time (simulated seconds / wall seconds);
the target is 50x for ``store``.

    python bench/jetstream_replay.py [--seconds 3600] [--rate 45] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures" / "bluesky_jetstream"
START_US = None  # set at run time: the last hour, so the cursor is within the replay window


def fixture_lines() -> list[str]:
    lines: list[str] = []
    for name in (
        "internal_corpus_testdata_expected_v1.jsonl",
        "internal_subscribe_testdata_golden_v1.jsonl",
    ):
        path = FIXTURES / name
        if not path.exists():
            sys.exit(f"missing {path} (see ../shared/data/PROVENANCE.md)")
        lines += [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines


def serve(count: int, rate: float, start_us: int, conn: Any) -> None:
    """The server process: build the events, serve them, report the port."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    from veille.simulate.replay import ReplayServer, vary_events

    events = vary_events(
        fixture_lines(), count, start_us=start_us, rate=rate, collections=["app.bsky.feed.post"]
    )
    server = ReplayServer(events).start()
    conn.send((server.url, sum(len(e.frame) for e in events)))
    conn.recv()  # until told to stop
    server.stop()


def run_recv(url: str, count: int) -> float:
    from websockets.sync.client import connect
    from websockets.typing import Subprotocol

    params = "?kinds=commit&collections=app.bsky.feed.post"
    started = time.perf_counter()
    with connect(
        url + params, subprotocols=[Subprotocol("xrpc.v1.json")], max_size=2**24, compression=None
    ) as ws:
        for _ in range(count):
            ws.recv(decode=False)
    return time.perf_counter() - started


def run_fetch(url: str, count: int) -> float:
    from veille.sources.bluesky.stream import BlueskyJetstream, StreamOptions

    connector = BlueskyJetstream(
        StreamOptions(jetstream_url=url, mode="network", max_events=count, max_seconds=600)
    )
    started = time.perf_counter()
    n = sum(1 for _ in connector.fetch(None))
    elapsed = time.perf_counter() - started
    assert n == count, (n, count)
    return elapsed


def run_store(url: str, count: int) -> tuple[float, dict[str, Any]]:
    from veille.flow.collect import listen
    from veille.sources.bluesky.stream import BlueskyJetstream, StreamOptions
    from veille.workspace import Workspace
    from veille.workspace.workspace import init_workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        init_workspace(
            root, f'[sources.bluesky]\njetstream_url = "{url}"\nlisten_all_posts = true\n'
        )
        with Workspace.open(root) as ws:
            connector = BlueskyJetstream(
                StreamOptions(jetstream_url=url, mode="network", max_events=count, max_seconds=600)
            )
            started = time.perf_counter()
            summary = listen(ws, "bluesky", connector=connector, batch_size=5_000)
            elapsed = time.perf_counter() - started
            posts = ws.store.scalar("SELECT count(*) FROM posts")
        assert summary.read == count, (summary.read, count)
        return elapsed, {
            "posts_stored": posts,
            "tombstones": summary.records.get("tombstones", 0),
            "rejected": summary.rejected,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3600.0, help="simulated time")
    parser.add_argument("--rate", type=float, default=45.0, help="posts per second simulated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    count = int(args.seconds * args.rate)
    start_us = int((time.time() - args.seconds - 60) * 1e6)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    parent, child = mp.Pipe()
    server = mp.get_context("spawn").Process(
        target=serve, args=(count, args.rate, start_us, child), daemon=True
    )
    server.start()
    url, size = parent.recv()
    results: dict[str, list[float]] = {"recv": [], "fetch": [], "store": []}
    extra: dict[str, Any] = {}
    try:
        for _ in range(args.repeat):
            results["recv"].append(run_recv(url, count))
            results["fetch"].append(run_fetch(url, count))
            elapsed, extra = run_store(url, count)
            results["store"].append(elapsed)
    finally:
        parent.send("stop")
        server.join(timeout=10)
    report: dict[str, Any] = {
        "events": count,
        "simulated_seconds": args.seconds,
        "rate": args.rate,
        "megabytes": round(size / 1e6, 1),
        **extra,
    }
    for name, times in results.items():
        median = statistics.median(times)
        report[name] = {
            "median_s": round(median, 2),
            "events_per_s": round(count / median),
            "x_real_time": round(args.seconds / median, 1),
            "runs_s": [round(t, 2) for t in times],
        }
    report["store_vs_fetch"] = round(
        statistics.median(results["fetch"]) / statistics.median(results["store"]), 2
    )
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(
        f"{count:,} post events ({args.seconds:g} s at {args.rate:g}/s simulated, "
        f"{report['megabytes']} MB of frames), medians of {args.repeat} runs"
    )
    for name in results:
        r = report[name]
        print(
            f"  {name:6s} {r['median_s']:7.2f} s  {r['events_per_s']:8,} events/s  "
            f"{r['x_real_time']:7.1f}x real time"
        )
    print(
        f"  store keeps {report['store_vs_fetch']:.0%} of the read-only speed; "
        f"{extra.get('posts_stored')} posts stored"
    )


if __name__ == "__main__":
    main()
