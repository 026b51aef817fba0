"""The views that read posts' current labels, timed on a large store built by
``bench/analytics.py`` (``--out``, then ``--reuse`` it here): the metrics that read labels
one by one, then the views that run them. Run it on the code of this checkout and of another
(``PYTHONPATH=OTHER/src``), each on a store its own ``bench/analytics.py`` built, in turns,
so that both see the same machine state.

    python bench/label_views.py --store /tmp/labels-b1 --runs 5
    PYTHONPATH=/tmp/base/src python bench/label_views.py --store /tmp/labels-b0 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """(first, p50, p95) in ms: the first call, then ``runs`` warm calls."""
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return first, statistics.median(times), times[round(0.95 * (len(times) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True, help="a bench/analytics.py --out")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    from veille.analytics.context import build_context
    from veille.analytics.engine import DuckDBEngine
    from veille.analytics.index import rank
    from veille.analytics.listening import ENTITY_POSTS, WATCH_POSTS, Scope, listening
    from veille.analytics.profile import profile
    from veille.analytics.registry import run_metric
    from veille.workspace import Workspace

    # build_context registers entity_accounts, the metrics' input
    with Workspace.open(args.store, read_only=True) as ws:
        con = ws.store.con
        con.execute("SET memory_limit = '4GB'")
        con.execute(f"SET threads = {args.threads}")
        ctx = build_context(DuckDBEngine(con), ws.config)
        period = ctx.period("28d")
        leader = ws.config.leaders[0].id
        org = ws.config.organisations[0].id
        watch = ws.config.watches[0].id

        def metric(name: str, **extra: object) -> Callable[[], object]:
            return lambda: run_metric(ctx.engine, name, **period.params(), **extra)

        cases: list[tuple[str, Callable[[], object]]] = [
            ("metric entity_mentions", metric("entity_mentions")),
            ("metric listening_entity_posts", metric(ENTITY_POSTS.id)),
            ("metric listening_watch_posts", metric(WATCH_POSTS.id, watch=watch)),
            ("ranking (28d, no comparison)", lambda: rank(ctx, period, compare=False)),
            (f"leader profile ({leader}, 4 periods)", lambda: profile(ctx, leader, period)),
            (
                f"listening, organisation {org}",
                lambda: listening(ctx, Scope("organisation", org), period),
            ),
            (f"listening, watch {watch}", lambda: listening(ctx, Scope("watch", watch), period)),
        ]
        print("| case | first call (ms) | p50 (ms) | p95 (ms) |\n| --- | ---: | ---: | ---: |")
        for name, fn in cases:
            first, p50, p95 = timed(fn, args.runs)
            print(f"| {name} | {first:,.0f} | {p50:,.0f} | {p95:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
