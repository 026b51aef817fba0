"""DuckDB ingest throughput: veille's batched store write against plain ``executemany``.

    python bench/ingest_store.py [--posts 1000000] [--baseline-rows 20000] [--runs 3]

The posts come from the simulator's Jetstream output (mapped by the real importer), so
their shape (text, mentions, hashtags, replies) is the demo's. The baseline inserts the
same rows one parameter set at a time with ``executemany`` into the same table (with its
primary key), on fewer rows because it is slow; both are reported in posts/s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from veille.model import Post
from veille.sources.bluesky.jetstream import map_event
from veille.store import Store
from veille.store.arrow import SCHEMAS
from veille.store.writer import Writer


def simulated_posts(n: int, workdir: Path) -> list[Post]:
    import msgspec

    from veille.simulate import simulate

    simulate(workdir, seed=7, posts=n, weeks=4)
    posts: list[Post] = []
    decoder = msgspec.json.Decoder()
    for path in sorted((workdir / "bluesky").glob("jetstream-*.jsonl")):
        with open(path, "rb") as handle:
            for line in handle:
                for record in map_event(decoder.decode(line)):
                    if isinstance(record, Post):
                        posts.append(record)
    return posts


def veille_write(posts: list[Post], path: Path, batch: int) -> float:
    store = Store(path)
    start = time.perf_counter()
    with Writer(store) as writer:
        for i in range(0, len(posts), batch):
            writer.submit(posts[i : i + batch])
    elapsed = time.perf_counter() - start
    assert store.scalar("SELECT count(*) FROM posts") == len({p.uri for p in posts})
    store.close()
    return len(posts) / elapsed


def executemany_write(posts: list[Post], path: Path) -> float:
    store = Store(path)
    names = SCHEMAS[Post].names
    rows = [[getattr(p, n) for n in names] for p in posts]
    sql = f"INSERT INTO posts ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    start = time.perf_counter()
    store.con.executemany(sql, rows)
    elapsed = time.perf_counter() - start
    store.close()
    return len(posts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        posts = simulated_posts(args.posts, work / "sim")
        print(f"{len(posts):,} simulated posts")
        fast = [veille_write(posts, work / f"v{i}.duckdb", args.batch) for i in range(args.runs)]
        base = [
            executemany_write(posts[: args.baseline_rows], work / f"b{i}.duckdb")
            for i in range(args.runs)
        ]
    f, b = statistics.median(fast), statistics.median(base)
    print(
        f"veille batched write ({args.batch:,}/batch, one writer): median {f:,.0f} posts/s "
        f"(runs: {', '.join(f'{x:,.0f}' for x in fast)})"
    )
    print(
        f"executemany baseline ({args.baseline_rows:,} rows): median {b:,.0f} posts/s "
        f"(runs: {', '.join(f'{x:,.0f}' for x in base)})"
    )
    print(f"ratio: {f / b:,.0f}x")


if __name__ == "__main__":
    main()
