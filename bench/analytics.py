"""Analytics speed: the ranking, a leader profile, the previous-period comparison, and the
listening, presence, channels, ambassadors and objectives views on a large store, p50/p95
over N warm runs, and the first call after a start.

The large store is the demo workspace copied K times back in time: copy k has every post,
metrics snapshot, enrichment and follower snapshot of the demo moved back k * 6 weeks, its
URIs suffixed (links stay within a copy), the same accounts and registry. So the store grows
the way a workspace does over years while a 28-day period holds the demo's density.

    python bench/analytics.py --demo /tmp/demo --copies 49 --runs 20      # ~1 M posts
    python bench/analytics.py --demo /tmp/demo --copies 49 --runs 3 --spark

``--demo`` is a demo workspace (``veille demo --dir``); the large copy goes to ``--out``.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

SHIFT_DAYS = 42


def build(demo: Path, out: Path, copies: int) -> int:
    """``out``: a workspace whose store holds the demo ``copies + 1`` times."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(demo, out, ignore=shutil.ignore_patterns("raw", "owner.lock", "lake"))
    from veille.store import Store
    from veille.store.labels import recompute_labels

    Store(out / "data" / "veille.duckdb").close()  # schema migrations first
    con = duckdb.connect(str(out / "data" / "veille.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TEMP TABLE k AS SELECT range AS k FROM range(1, $n + 1)", {"n": copies})

    def sfx(col: str) -> str:
        return f"CASE WHEN {col} IS NULL THEN NULL ELSE {col} || '~' || k END"

    shift = f"INTERVAL {SHIFT_DAYS} DAY * k"
    con.execute("CREATE TEMP TABLE p0 AS SELECT * FROM posts")
    con.execute(
        f"""INSERT INTO posts SELECT * EXCLUDE (k) REPLACE ({sfx("uri")} AS uri,
        post_id || '~' || k AS post_id, created_at - {shift} AS created_at,
        collected_at - {shift} AS collected_at,
        {sfx("reply_to")} AS reply_to, {sfx("reply_root")} AS reply_root,
        {sfx("quote_of")} AS quote_of, {sfx("repost_of")} AS repost_of,
        CASE WHEN deleted_at IS NULL THEN NULL ELSE deleted_at - {shift} END AS deleted_at)
        FROM p0, k ORDER BY p0.created_at - {shift}"""
    )
    con.execute(
        f"""INSERT INTO post_metrics SELECT {sfx("uri")}, observed_at - {shift}, likes,
        reposts, replies, quotes FROM (SELECT * FROM post_metrics WHERE uri NOT LIKE '%~%'), k
        ORDER BY observed_at - {shift}"""
    )
    con.execute(
        f"""INSERT INTO enrichments SELECT {sfx("uri")}, stage, version, label, confidence,
        score, detail, enriched_at - {shift}
        FROM (SELECT * FROM enrichments WHERE uri NOT LIKE '%~%'), k"""
    )
    con.execute(
        f"""INSERT INTO account_snapshots SELECT network, account_id, observed_at - {shift},
        followers, following, posts FROM (SELECT * FROM account_snapshots), k
        ORDER BY observed_at - {shift}"""
    )
    from veille.store.links import recompute_links

    recompute_labels(con)  # the writer's derived tables, bypassed by the copy
    recompute_links(con)
    total = int(con.execute("SELECT count(*) FROM posts").fetchall()[0][0])
    con.execute("CHECKPOINT")
    con.close()
    return total


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, float, float]:
    """(first, p50, p95, cpu) in ms: the first call, then ``runs`` warm calls, and the
    process's CPU time per warm call (all threads: on a shared machine the wall clock
    measures the neighbours too)."""
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    times = []
    cpu = cpu_seconds()
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    cpu = (cpu_seconds() - cpu) * 1000 / max(1, runs)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return first, statistics.median(times), p95, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("/tmp/veille-bench-analytics"))
    ap.add_argument("--copies", type=int, default=49)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--memory", default="4GB")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="keep an existing --out store")
    ap.add_argument("--spark", action="store_true", help="also time the ranking on Spark")
    ap.add_argument(
        "--only", default="", help="comma-separated words: time only the views named with one"
    )
    ap.add_argument(
        "--metrics",
        default="",
        help="comma-separated metric ids to time alone over the period (warm p50/p95)",
    )
    args = ap.parse_args()

    if not (args.reuse and args.out.exists()):
        start = time.perf_counter()
        total = build(args.demo, args.out, args.copies)
        print(f"built {total:,} posts in {time.perf_counter() - start:.1f} s")

    from veille.analytics.ambassadors import ambassadors
    from veille.analytics.channels import channels
    from veille.analytics.context import build_context
    from veille.analytics.engine import DuckDBEngine
    from veille.analytics.index import rank
    from veille.analytics.listening import Scope, listening
    from veille.analytics.objectives import objectives
    from veille.analytics.presence import presence_at
    from veille.analytics.profile import profile
    from veille.workspace import Workspace

    with Workspace.open(args.out, read_only=True) as ws:
        con = ws.store.con
        con.execute(f"SET memory_limit = '{args.memory}'")
        con.execute(f"SET threads = {args.threads}")
        posts = int(con.execute("SELECT count(*) FROM posts").fetchall()[0][0])
        start = time.perf_counter()
        ctx = build_context(DuckDBEngine(con), ws.config)
        setup = (time.perf_counter() - start) * 1000
        period = ctx.period("28d")
        leader = ws.config.leaders[0].id
        org = ws.config.organisations[0].id
        watch = ws.config.watches[0].id
        print(f"{posts:,} posts; period {period.label()}; context {setup:.0f} ms")
        cases: list[tuple[str, Callable[[], object]]] = [
            ("ranking (28d, no comparison)", lambda: rank(ctx, period, compare=False)),
            ("previous-period ranking", lambda: rank(ctx, period.previous(), compare=False)),
            ("ranking with rank change", lambda: rank(ctx, period)),
            (f"leader profile ({leader}, 4 periods)", lambda: profile(ctx, leader, period)),
            (
                f"listening, organisation {org}",
                lambda: listening(ctx, Scope("organisation", org), period),
            ),
            (f"listening, watch {watch}", lambda: listening(ctx, Scope("watch", watch), period)),
            (
                "presence (cohort, at the anchor)",
                lambda: presence_at(ctx, ws.config.leaders, period.until),
            ),
            (
                f"channels ({leader}, 90 days)",
                lambda: channels(ctx, ws.config.leaders[0], ctx.period("90d")),
            ),
            (f"ambassadors ({org})", lambda: ambassadors(ctx, org, period)),
            ("objectives (all, 26 weekly values)", lambda: objectives(ctx)),
        ]
        if args.metrics:
            from veille.analytics.registry import run_metric

            print(
                "| metric | first call (ms) | p50 (ms) | p95 (ms) | CPU/run (ms) |\n"
                "| --- | ---: | ---: | ---: | ---: |"
            )
            for metric in args.metrics.split(","):

                def one(metric: str = metric) -> object:
                    return run_metric(ctx.engine, metric, **period.params())

                first, p50, p95, cpu = timed(one, args.runs)
                print(
                    f"| {metric} | {first:,.0f} | {p50:,.0f} | {p95:,.0f} | {cpu:,.0f} |",
                    flush=True,
                )
        print(
            "| view | first call (ms) | p50 (ms) | p95 (ms) | CPU/run (ms) |\n"
            "| --- | ---: | ---: | ---: | ---: |"
        )
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        for name, fn in cases:
            if wanted and not any(w in name for w in wanted):
                continue
            first, p50, p95, cpu = timed(fn, args.runs)
            print(f"| {name} | {first:,.0f} | {p50:,.0f} | {p95:,.0f} | {cpu:,.0f} |", flush=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak resident memory: {peak:,.0f} MB (DuckDB memory_limit {args.memory})")
        if args.spark:
            from veille.analytics.lake import export_lake
            from veille.analytics.spark import SparkEngine

            lake = args.out / "data" / "lake"
            start = time.perf_counter()
            export_lake(con, lake)
            print(f"lake export: {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            spark = SparkEngine.open(lake)
            sctx = build_context(spark, ws.config)
            print(f"spark session + views + entities: {time.perf_counter() - start:.1f} s")
            first, p50, p95, _ = timed(lambda: rank(sctx, period, compare=False), max(1, args.runs))
            print(f"| Spark local ranking | {first:,.0f} | {p50:,.0f} | {p95:,.0f} |")
            spark.close()


if __name__ == "__main__":
    main()
