"""End-to-end import throughput with enrichment: what ``veille import`` costs, the stages
included, on the code of this checkout or of another one (``PYTHONPATH=OTHER/src``), so
that two commits are compared in the same run on the same file.

The file is Twitter API v2 JSONL written here (one post per line, 500 authors, French text
with a hashtag and a mention; 10 watches loaded). Variants, each in a fresh workspace:

- ``store``: ``ingest`` without the stages (raw log, mapping, the writer; nothing else);
- ``store+enrich``: what ``veille import`` does: ``ingest`` (with the stages inside each
  batch when the code has them), then ``enrich_pending`` (everything, before that change;
  nothing left after it).

Wall seconds (two threads work: the producer maps and enriches while the writer writes),
median of ``--repeat`` interleaved rounds; posts/s = posts / wall seconds.

    python bench/import_enriched.py --posts 100000 --repeat 3
    PYTHONPATH=/tmp/base/src python bench/import_enriched.py --posts 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import tempfile
import time
from pathlib import Path

TOML = """
[workspace]
name = "bench"
""" + "".join(
    f'\n[[watches]]\nid = "w{i}"\nquery = "{word}"\n'
    for i, word in enumerate(
        ["rachat", "acme", "recrute", "#veille", "grève", "bourse", "ia", "climat", "pdg", "x"]
    )
)


def write_tweets(path: Path, n: int) -> None:
    words = ["rachat", "recrute", "grève", "bourse", "climat", "innovation", "équipe"]
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            tweet = {
                "id": str(10**15 + i),
                "text": f"Acme {words[i % 7]} : message {i} de @user{i % 97} #veille, "
                f"{'très bonne nouvelle' if i % 3 else 'quelle déception'}",
                "author_id": str(1000 + i % 500),
                "created_at": "2026-10-01T10:00:00.000Z",
                "lang": "fr",
                "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": i % 7},
            }
            users = [{"id": str(1000 + i % 500), "username": f"user{i % 500}", "name": "U"}]
            out.write(json.dumps({"data": [tweet], "includes": {"users": users}}) + "\n")


def run(path: Path, root: Path, enrich: bool) -> float:
    try:
        from veille.flow.enrich import enrich_pending
        from veille.flow.ingest import ingest
    except ImportError:  # a commit from before the layout of issue 8
        from veille.ingest import ingest  # type: ignore[no-redef]
        from veille.pipeline.enrich import enrich_pending  # type: ignore[no-redef]
    from veille.plugins import connectors
    from veille.workspace import Workspace
    from veille.workspace.workspace import init_workspace

    init_workspace(root, TOML)
    cls = connectors()["twitter-v2"]
    inline = "enrich" in inspect.signature(ingest).parameters
    with Workspace.open(root) as ws:
        started = time.perf_counter()
        if inline:
            ingest(ws, cls([path], cls.Options()), enrich=enrich)
        else:
            ingest(ws, cls([path], cls.Options()))
        if enrich:
            enrich_pending(ws)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import veille

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tweets.jsonl"
        write_tweets(path, args.posts)
        run(path, Path(tmp) / "warm", True)  # numba kernels loaded, model files read
        times: dict[str, list[float]] = {"store": [], "store+enrich": []}
        for r in range(args.repeat):
            for name, enrich in (("store", False), ("store+enrich", True)):
                times[name].append(run(path, Path(tmp) / f"{name}{r}", enrich))
    print(f"code: {Path(veille.__file__).parent}")
    for name, values in times.items():
        wall = statistics.median(values)
        print(f"{name:14s} {wall:7.2f} s  {args.posts / wall:10,.0f} posts/s")
    cost = statistics.median(times["store+enrich"]) - statistics.median(times["store"])
    print(f"enrichment adds {cost:.2f} s ({args.posts / max(cost, 1e-9):,.0f} posts/s)")


if __name__ == "__main__":
    main()
