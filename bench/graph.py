"""Ecosystem graph speed: build + weighted PageRank + Leiden on a power-law graph pulled
from DuckDB, on one core, against networkx PageRank on a 100k-node graph.

    taskset -c 0 python bench/graph.py [--nodes 1000000] [--edges 5000000] [--sample 100000]

The edge list is generated once (numpy, fixed seed): sources and targets drawn with
Pareto-distributed node weights (a few hubs, a long tail, like an interaction graph),
written to an in-memory DuckDB table with the ``interaction_edges`` columns and string ids
(``did:plc:0000042``, as the store holds them), then read back with one SQL query. Timed
phases: query (DuckDB -> Arrow), build (``veille.graph.build_graph``: merging, parallel
edges summed, igraph graph), PageRank (``pagerank_of``), Leiden (``communities.leiden``:
undirected collapse + igraph ``community_leiden``, modularity, until stable). Peak memory
is the process's maximum resident set size (``ru_maxrss``) after each phase. Wall and CPU
seconds are both printed: on a shared, loaded machine the CPU time of this one-threaded
process is the figure to compare with the target. The baseline
is networkx's ``pagerank`` on a graph of ``--sample`` nodes from the same generator (same
mean degree), timed beside igraph's PageRank on that same graph.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import duckdb
import numpy as np
import pyarrow as pa


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def power_law_edges(nodes: int, edges: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    weights = rng.pareto(1.2, nodes) + 1.0
    p = weights / weights.sum()
    cdf = np.cumsum(p)
    targets = np.searchsorted(cdf, rng.random(edges) * cdf[-1])
    perm = rng.permutation(nodes)  # sources: the same law, other hubs
    sources = perm[np.searchsorted(cdf, rng.random(edges) * cdf[-1])]
    keep = sources != targets
    sources, targets = sources[keep], targets[keep]
    ids = pa.array([f"did:plc:{i:07d}" for i in range(nodes)], pa.string())
    kinds = np.array(["reply", "quote", "repost", "mention"])[rng.integers(0, 4, len(sources))]
    weight = np.where(kinds == "mention", 0.5, 1.0)
    return pa.table(
        {
            "network": pa.array(["bluesky"] * len(sources), pa.string()),
            "source": ids.take(pa.array(sources)),
            "target": ids.take(pa.array(targets)),
            "kind": pa.array(kinds, pa.string()),
            "n": pa.array(np.ones(len(sources), dtype=np.int64)),
            "weight": pa.array(weight),
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--edges", type=int, default=5_000_000)
    ap.add_argument("--sample", type=int, default=100_000)
    ap.add_argument("--skip-networkx", action="store_true")
    args = ap.parse_args()
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)

    from veille.graph.build import build_graph
    from veille.graph.centrality import pagerank_of
    from veille.graph.communities import leiden

    t = time.perf_counter()
    table = power_law_edges(args.nodes, args.edges)
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.register("generated", table)
    con.execute("CREATE TABLE edges AS SELECT * FROM generated")
    con.unregister("generated")
    del table
    print(f"generated {args.edges:,} edges on {args.nodes:,} nodes in DuckDB: "
          f"{time.perf_counter() - t:.1f} s (not timed below), rss {rss_mb():,.0f} MB")  # fmt: skip

    times: dict[str, tuple[float, float]] = {}
    mem: dict[str, float] = {}
    start = (time.perf_counter(), time.process_time())

    def lap(phase: str, since: tuple[float, float]) -> tuple[float, float]:
        now = (time.perf_counter(), time.process_time())
        times[phase] = (now[0] - since[0], now[1] - since[1])
        mem[phase] = rss_mb()
        return now

    edges = con.sql("SELECT network, source, target, kind, n, weight FROM edges").to_arrow_table()
    mark = lap("query", start)
    built = build_graph(edges)
    mark = lap("build", mark)
    del edges
    pr = pagerank_of(built)
    mark = lap("pagerank", mark)
    membership = leiden(built.graph)
    lap("leiden", mark)
    total = (time.perf_counter() - start[0], time.process_time() - start[1])
    g = built.graph
    print(f"graph: {g.vcount():,} nodes, {g.ecount():,} edges (parallel edges summed); "
          f"{len(set(membership)):,} communities; PageRank sum {sum(pr):.6f}")  # fmt: skip
    print("  phase       wall s    CPU s   peak rss")
    for phase in ("query", "build", "pagerank", "leiden"):
        wall, cpu = times[phase]
        print(f"  {phase:9s} {wall:8.2f} {cpu:8.2f}   {mem[phase]:,.0f} MB")
    print(f"  TOTAL     {total[0]:8.2f} {total[1]:8.2f}   (target < 30 s on one core)")

    if not args.skip_networkx:
        import networkx as nx

        small = build_graph(power_law_edges(args.sample, args.sample * args.edges // args.nodes))
        sg = small.graph
        t = time.process_time()
        pagerank_of(small)
        ig_s = time.process_time() - t
        nxg = nx.DiGraph()
        nxg.add_nodes_from(range(sg.vcount()))
        nxg.add_weighted_edges_from(
            (e.source, e.target, w) for e, w in zip(sg.es, sg.es["weight"], strict=True)
        )
        t = time.process_time()
        nx.pagerank(nxg, alpha=0.85, weight="weight")
        nx_s = time.process_time() - t
        print(f"baseline on {sg.vcount():,} nodes / {sg.ecount():,} edges (CPU s): networkx "
              f"pagerank {nx_s:.2f} s, igraph {ig_s:.3f} s ({nx_s / ig_s:.0f}x)")  # fmt: skip
    print(f"peak rss {rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
