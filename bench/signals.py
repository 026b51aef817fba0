"""Signals on the demo workspace (the workspace part; the detector part over the real
volume curves is ``veille eval signals``):

- the planted episodes of ``simulated/ground_truth.json`` (two bursts, a rumour, a bad buzz,
  a troll campaign): found or not, of the right kind, delay from the start in buckets, and
  the false alarms per simulated day (``veille.signals.demo_eval``);
- the speed of the pass: the whole history (``--rescan``), then the incremental passes of
  a live loop, one bucket at a time, each timed against the full recompute of the same run.

    python bench/signals.py --demo /work/demo [--buckets 16] [--json]

The demo is copied (the pass writes its state); ``--demo`` is ``veille demo --dir``'s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any


def workspace_copy(demo: Path, out: Path) -> Path:
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(demo, out, ignore=shutil.ignore_patterns("owner.lock", "lake"))
    return out


def demo_figures(root: Path) -> dict[str, Any]:
    """Rescan the workspace at ``root`` and score the signals against its ground truth."""
    from veille.signals.demo_eval import evaluate
    from veille.signals.detect import detect
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        started = time.perf_counter()
        summary = detect(ws, rescan=True, dispatch=False)
        seconds = time.perf_counter() - started
        figures = evaluate(
            summary.signals,
            root / "simulated" / "ground_truth.json",
            bucket_minutes=ws.config.signals.bucket_minutes,
        )
    figures["rescan_seconds"] = round(seconds, 2)
    figures["buckets"] = summary.buckets
    figures["posts"] = summary.posts
    return figures


def incremental_cost(root: Path, buckets: int) -> dict[str, Any]:
    """A live loop replayed: the state is built up to the busiest day of the demo, then
    ``buckets`` passes each close one more bucket; each is timed against a full rescan up to
    the same point (same run, same store)."""
    from veille.signals.detect import _CACHE, detect
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        con = ws.store.con
        con.execute("SET TimeZone = 'UTC'")
        day = con.execute(
            "SELECT date_trunc('day', created_at) AS d FROM posts GROUP BY 1 "
            "ORDER BY count(*) DESC LIMIT 1"
        ).fetchall()[0][0]
        grace = timedelta(minutes=ws.config.signals.grace_minutes)
        step = timedelta(minutes=ws.config.signals.bucket_minutes)
        now = day + timedelta(hours=8) + grace
        started = time.perf_counter()
        detect(ws, now=now, rescan=True, dispatch=False)
        full = time.perf_counter() - started
        costs = []
        posts = []
        for _ in range(buckets):
            now += step
            t0 = time.perf_counter()
            s = detect(ws, now=now, dispatch=False)
            costs.append(time.perf_counter() - t0)
            posts.append(s.posts)
        _CACHE.clear()  # a restart: the state comes back from the store
        now += step
        t0 = time.perf_counter()
        detect(ws, now=now, dispatch=False)
        restart = time.perf_counter() - t0
    return {
        "full_rescan_seconds": round(full, 2),
        "incremental_p50_seconds": round(statistics.median(costs), 3),
        "incremental_max_seconds": round(max(costs), 3),
        "posts_per_bucket_median": statistics.median(posts),
        "after_restart_seconds": round(restart, 3),
        "buckets": buckets,
    }


def workspace_part(demo: Path, buckets: int = 16) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = workspace_copy(demo, Path(tmp) / "ws")
        figures = demo_figures(root)
        figures["incremental"] = incremental_cost(root, buckets)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", type=Path, required=True)
    parser.add_argument("--buckets", type=int, default=16)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = workspace_part(args.demo, args.buckets)
    if args.json:
        print(json.dumps(figures, indent=2, default=str))
        return
    for row in figures.pop("episodes"):
        print(
            f"{row['episode']:<20} found={row['found']!s:<5} right kind={row['right_kind']!s:<5} "
            f"kinds={','.join(row['kinds']):<22} delay={row['delay_buckets']} buckets"
        )
    inc = figures.pop("incremental")
    print(json.dumps(figures, default=str))
    print(json.dumps(inc))


if __name__ == "__main__":
    main()
