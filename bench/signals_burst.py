"""Speed of the burst detector (``veille.signals.burst``), each against a named baseline
measured in the same run (issue 12, "Speed").

Run::

    PYTHONPATH=src /work/main/.venv/bin/python bench/signals_burst.py [--posts 1000000]
        [--terms 50000] [--bucket-posts 378000] [--history-days 7] [--repeat 5]

1. The whole burst detection over ``--posts`` simulated posts: ten days of 15-minute
   buckets, each post a (term, author) pair (terms Zipf-distributed over ``--terms``, so a
   few are everywhere and most are rare; authors uniform over 200,000), with 40 planted
   bursts. Detection = distinct authors per term and bucket (``distinct_authors``) then
   ``BurstDetector.step``. Baseline: counting posts per term and bucket with
   ``collections.Counter``, the least a raw-volume alert does.
2. The per-bucket cost at 10x Bluesky's post rate (about 420 posts/s, so ``--bucket-posts``
   378,000 posts in a 15-minute bucket, spread over the terms) with ``--history-days`` of
   history behind it: the incremental step (the detector's state carried from the history)
   against a full recompute from history of the same baselines, two ways: replaying the
   detector over the stored per-bucket counts (the same result), and a vectorised numpy
   EWMA over the term x bucket count matrix (no clipping: a lower bound for any recompute).
   Both sides are checked to agree before timing.

Medians of ``--repeat`` wall-clock runs; ratios are baseline / incremental.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import numpy as np

from veille.signals.bucketing import distinct_authors
from veille.signals.burst import BurstConfig, BurstDetector

ROOT = Path(__file__).resolve().parents[1]

BUCKETS_PER_DAY = 96


def baseline_detector(commit: str) -> Any:
    """``veille.signals.burst`` as of ``commit``, loaded as module ``baseline_burst``."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:src/veille/signals/burst.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("baseline_burst", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_burst"] = module
    exec(compile(source, f"{commit}:burst.py", "exec"), module.__dict__)
    return module


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def simulate(posts: int, terms: int, days: int, seed: int = 7) -> list[list[tuple[str, str]]]:
    """``posts`` (term, author) pairs over ``days`` of buckets, with planted bursts."""
    rng = np.random.default_rng(seed)
    buckets = days * BUCKETS_PER_DAY
    per_bucket = rng.multinomial(posts, np.full(buckets, 1 / buckets))
    names = [f"#t{i}" for i in range(terms)]
    out: list[list[tuple[str, str]]] = []
    plant = {int(b): f"#burst{k}" for k, b in enumerate(rng.choice(buckets, 40, replace=False))}
    for b, n in enumerate(per_bucket):
        ids = np.minimum(rng.zipf(1.3, n) - 1, terms - 1)
        authors = rng.integers(0, 200_000, n)
        pairs = [(names[i], f"a{a}") for i, a in zip(ids.tolist(), authors.tolist(), strict=True)]
        if b in plant:  # 60 distinct authors at once on a term never seen
            pairs[:60] = [(plant[b], f"p{j}") for j in range(60)]
        out.append(pairs)
    return out


def whole_detection(stream: list[list[tuple[str, str]]], module: Any = None, **config: Any) -> int:
    """Distinct authors per term and bucket, then the detector; the new bursts."""
    detector = module.BurstDetector(module.BurstConfig(**config)) if module else None
    det = detector or BurstDetector(BurstConfig(**config))
    new = 0
    for b, pairs in enumerate(stream):
        new += sum(h.new for h in det.step(b, distinct_authors(pairs)))
        if b % BUCKETS_PER_DAY == 0:
            det.forget_idle(b - BUCKETS_PER_DAY)
    return new


def raw_counting(stream: list[list[tuple[str, str]]]) -> int:
    total = 0
    for pairs in stream:
        total += len(Counter(term for term, _ in pairs))
    return total


def bench_stream(args: argparse.Namespace) -> None:
    old = baseline_detector(args.baseline)
    stream = simulate(args.posts, args.terms, 10)
    n = sum(len(p) for p in stream)
    print(f"## 1. whole detection, {n:,} posts, {len(stream)} buckets, {args.terms:,} terms")
    runs: dict[str, list[float]] = defaultdict(list)
    found: dict[str, int] = {}
    cases: list[tuple[str, Callable[[], int]]] = [
        ("Counter of posts per term and bucket (raw volume)", lambda: raw_counting(stream)),
        (f"detector at {args.baseline}, windows (1,)", lambda: whole_detection(stream, old)),
        ("detector now, windows (1,)", lambda: whole_detection(stream)),
        ("detector now, windows (1, 4)", lambda: whole_detection(stream, windows=(1, 4))),
    ]
    for _ in range(args.repeat):  # interleaved, so that the load of the machine is shared
        for name, fn in cases:
            t0 = time.perf_counter()
            found[name] = fn()
            runs[name].append(time.perf_counter() - t0)
    ref = statistics.median(runs[cases[1][0]])
    for name, _ in cases:
        t = statistics.median(runs[name])
        extra = "" if name == cases[0][0] else f", {found[name]} new bursts (40 planted)"
        print(
            f"{name:52s} {t:6.2f} s  {n / t:>10,.0f} posts/s  "
            f"{ref / t:4.2f}x the {args.baseline} detector{extra}"
        )


def numpy_ewma(matrix: np.ndarray, alpha: float) -> np.ndarray:
    """EWMA of each row (term) over its columns (buckets), by one weighted sum."""
    h = matrix.shape[1]
    weights = alpha * (1 - alpha) ** np.arange(h - 1, -1, -1)
    return matrix @ weights


def bench_bucket(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(11)
    cfg = BurstConfig(windows=(1, 4))
    replayed_buckets = args.replay_days * BUCKETS_PER_DAY
    history = args.history_days * BUCKETS_PER_DAY
    terms = args.bucket_terms
    # per-bucket distinct authors per term, Zipf-like rates summing to --bucket-posts
    rates = 1 / np.arange(1, terms + 1) ** 1.1
    rates *= args.bucket_posts / rates.sum()
    counts = rng.poisson(rates[:, None], (terms, history)).astype(np.float32)
    names = [f"#t{i}" for i in range(terms)]
    columns = []
    for b in range(history - replayed_buckets, history):
        col = counts[:, b]
        columns.append({names[i]: int(col[i]) for i in np.flatnonzero(col).tolist()})
    ids = rng.choice(terms, args.bucket_posts, p=rates / rates.sum())
    authors = rng.integers(0, 2_000_000, args.bucket_posts)
    pairs = [(names[i], f"a{a}") for i, a in zip(ids.tolist(), authors.tolist(), strict=True)]
    now = distinct_authors(pairs)

    def replay() -> BurstDetector:
        det = BurstDetector(cfg)
        for b, col in enumerate(columns):
            det.step(b, col)
        det.step(len(columns), now)
        return det

    t0 = time.perf_counter()
    warm = BurstDetector(cfg)
    for b, col in enumerate(columns):
        warm.step(b, col)
    replay_once = time.perf_counter() - t0
    times_inc, times_step, times_np = [], [], []
    matrix = np.concatenate([counts, np.zeros((terms, 1), np.float32)], axis=1)
    for t, c in now.items():
        matrix[int(t[2:]), -1] = c
    for _ in range(args.repeat):
        det = deepcopy(warm)
        t0 = time.perf_counter()
        c = distinct_authors(pairs)
        t1 = time.perf_counter()
        det.step(len(columns), c)
        t2 = time.perf_counter()
        numpy_ewma(matrix, cfg.alpha)
        t3 = time.perf_counter()
        times_inc.append(t2 - t0)
        times_step.append(t2 - t1)
        times_np.append(t3 - t2)
    inc_t, step_t = statistics.median(times_inc), statistics.median(times_step)
    np_t = statistics.median(times_np)
    replay_t = replay_once + step_t
    same = replay()
    assert all(abs(same.terms[t].ewma - det.terms[t].ewma) < 1e-9 for t in now)
    print(
        f"## 2. one bucket of {args.bucket_posts:,} posts ({len(now):,} terms of "
        f"{terms:,}), 10x Bluesky's rate"
    )
    print(
        f"incremental: distinct authors + step       {inc_t * 1000:8.0f} ms "
        f"(step alone {step_t * 1000:.0f} ms; {inc_t / 900:.3%} of a 15-minute bucket)"
    )
    print(
        f"full recompute, detector replay of {args.replay_days} day(s) {replay_t * 1000:8.0f} ms "
        f"({replay_t / step_t:.0f}x the step; grows with the history: about "
        f"{replay_t / args.replay_days * 90:.0f} s for 90 days)"
    )
    print(
        f"full recompute, numpy EWMA of {args.history_days} days      {np_t * 1000:8.0f} ms "
        f"({np_t / step_t:.2f}x the step; no clipping, a lower bound; "
        f"{terms:,} x {history + 1} float32 matrix, {matrix.nbytes / 2**20:.0f} MiB held)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--terms", type=int, default=50_000)
    parser.add_argument("--bucket-posts", type=int, default=378_000)
    parser.add_argument("--bucket-terms", type=int, default=30_000)
    parser.add_argument("--history-days", type=int, default=7)
    parser.add_argument("--replay-days", type=int, default=1)
    parser.add_argument("--baseline", default="a05843b")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-stream", action="store_true")
    args = parser.parse_args()
    if not args.skip_stream:
        bench_stream(args)
    bench_bucket(args)


if __name__ == "__main__":
    main()
