"""Simulator speed and memory: posts per second and peak resident memory, against a named
baseline in the same run.

Each measurement runs in a process of its own, so that its peak RSS (``os.wait4``) is its
own. Measured:

- ``simulate``: ``veille.simulate.simulate(out, posts=N)`` with the default six weeks;
- ``baseline``: a naive generator writing the same number of JSON lines as the simulator
  wrote in total, each ``json.dumps`` of a fixed-shape Jetstream post event with a counter
  in it (no people, no state, no planted events, no Mastodon or AppView rendering): what a
  Python process pays just to write that much JSON.

Usage::

    python bench/bench_simulate.py --posts 100000 1000000 --runs 3

Prints a Markdown table (medians) to paste into ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def child_simulate(posts: int, out: Path) -> dict[str, Any]:
    from veille.simulate import simulate

    wall0, cpu0 = time.perf_counter(), time.process_time()
    summary = simulate(out, posts=posts)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    lines = sum(v for k, v in summary.files.items() if k.endswith(".jsonl"))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"posts": summary.posts, "lines": lines, "bytes": size, "wall": wall, "cpu": cpu}


def child_baseline(lines: int, out: Path) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    with (out / "baseline.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(lines):
            event = {
                "did": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa",
                "time_us": 1788220800000000 + i,
                "kind": "commit",
                "commit": {
                    "rev": "3mug4gtt7oqkl",
                    "operation": "create",
                    "collection": "app.bsky.feed.post",
                    "rkey": f"3mug4g{i:07d}",
                    "record": {
                        "$type": "app.bsky.feed.post",
                        "createdAt": "2026-09-01T00:00:00.000Z",
                        "langs": ["fr"],
                        "text": f"Message numéro {i} sur la transition énergétique.",
                    },
                    "cid": "bafyreia37g5zdwo4esjs3ewv6pgoyryxt2pkz52yk7pvmasgqifl2kafem",
                },
            }
            fh.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    size = (out / "baseline.jsonl").stat().st_size
    return {"posts": lines, "lines": lines, "bytes": size, "wall": wall, "cpu": cpu}


def measure(kind: str, n: int) -> dict[str, Any]:
    """Run one child; return its result with peak RSS (MB) and CPU seconds."""
    tmp = Path(tempfile.mkdtemp(prefix="veille-bench-sim-"))
    try:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", kind, "--n", str(n), "--out", str(tmp / "o")],
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{kind} child failed ({proc.returncode})")
        result: dict[str, Any] = json.loads(output)
        result["rss_mb"] = usage.ru_maxrss / 1024
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["simulate", "baseline"])
    parser.add_argument("--n", type=int)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        run = child_simulate if args.child == "simulate" else child_baseline
        print(json.dumps(run(args.n, args.out)))
        return
    rows = []
    for posts in args.posts:
        sims, bases = [], []
        for r in range(args.runs):
            sim = measure("simulate", posts)
            base = measure("baseline", sim["lines"])
            sims.append(sim)
            bases.append(base)
            print(
                f"# {posts:,} posts run {r + 1}: simulate {sim['wall']:.1f} s wall, "
                f"{sim['cpu']:.1f} s CPU, {sim['rss_mb']:.0f} MB; baseline "
                f"{base['wall']:.1f} s wall, {base['rss_mb']:.0f} MB",
                file=sys.stderr,
            )

        def med(results: list[dict[str, Any]], key: str) -> float:
            return statistics.median(x[key] for x in results)

        rows.append((posts, sims, bases, med))
    print(
        "| posts asked | posts written | lines written | output | wall (median) | "
        "CPU (median) | posts/s (wall) | posts/s (CPU) | peak RSS | baseline lines/s "
        "(CPU) | simulator lines/s (CPU) | ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for posts, sims, bases, med in rows:
        wall, cpu = med(sims, "wall"), med(sims, "cpu")
        written, lines = med(sims, "posts"), med(sims, "lines")
        base_rate = med(bases, "lines") / med(bases, "cpu")
        sim_rate = lines / cpu
        print(
            f"| {posts:,} | {written:,.0f} | {lines:,.0f} | {med(sims, 'bytes') / 1e6:,.0f} MB "
            f"| {wall:.1f} s | {cpu:.1f} s | {written / wall:,.0f} | {written / cpu:,.0f} | "
            f"{med(sims, 'rss_mb'):,.0f} MB | {base_rate:,.0f} | {sim_rate:,.0f} | "
            f"{sim_rate / base_rate:.2f} |"
        )


if __name__ == "__main__":
    main()
