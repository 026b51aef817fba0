"""Read + map throughput of the jetstream and twitter-v2 importers, on one core.

Generates files in a temporary directory by replicating the real fixture lines of
``../shared/fixtures`` with changed ids (so every post URI is distinct), then measures, in
the same run and on the same files:

- baseline: plain ``json.loads`` of every line (reading the file line by line);
- read: the importer's ``read`` (line splitting, size and UTF-8 checks, JSON syntax check,
  ``RawItem`` construction);
- read+map: ``read`` then ``to_records`` on every raw item (what ``veille import`` does
  before writing), with items/s, posts/s and records/s;
- map: ``to_records`` alone on raw items already read.

Rates are in CPU seconds of the benchmark process (``time.process_time``: one core, and
other processes on the machine do not count). The measures run interleaved ``--repeat``
times; the table gives medians, and the median of the per-round ratios to the baseline.
Usage::

    python bench/import_throughput.py [--jetstream-lines 200000] [--twitter-pages 600]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from veille.model import Post
from veille.sources.base import Importer, RawItem
from veille.sources.bluesky.jetstream import JetstreamImporter
from veille.sources.x.api_v2 import TwitterV2Importer

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


def jetstream_lines(count: int) -> list[str]:
    source = [
        json.loads(line)
        for name in (
            "internal_corpus_testdata_expected_v1.jsonl",
            "internal_subscribe_testdata_golden_v1.jsonl",
        )
        for line in (SHARED / "bluesky_jetstream" / name).read_text().splitlines()
    ]
    out = []
    for i in range(count):
        event = json.loads(json.dumps(source[i % len(source)]))
        event["time_us"] += i
        if "commit" in event:
            event["commit"]["rkey"] = f"3bench{i:09d}"
        out.append(json.dumps(event, ensure_ascii=False))
    return out


def twitter_lines(pages: int) -> list[str]:
    names = [
        "brexit.jsonl",
        "cotweet.jsonl",
        "geo_tweets.jsonl",
        "media_tweet.jsonl",
        "mentions_tweet.jsonl",
        "two_tweets.jsonl",
        "users.jsonl",
    ]
    source = [
        json.loads(line)
        for name in names
        for line in (SHARED / "twitter_v2" / name).read_text().splitlines()
    ]
    out = []
    for i in range(pages):
        page: dict[str, Any] = json.loads(json.dumps(source[i % len(source)]))
        for tweet in page.get("data", []) + page.get("includes", {}).get("tweets", []):
            if "text" in tweet:
                tweet["id"] = f"{i:07d}{tweet['id'][-12:]}"
        out.append(json.dumps(page, ensure_ascii=False))
    return out


def cpu_timed(run: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of this process (not wall time: other processes on the machine do not
    count) and the result."""
    gc.collect()
    start = time.process_time()
    result = run()
    return time.process_time() - start, result


def measure(name: str, cls: type[Importer], path: Path, repeat: int) -> list[str]:
    def baseline() -> int:
        n = 0
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    json.loads(line)
                    n += 1
        return n

    def read() -> list[RawItem]:
        return [x for x in cls([path]).read(path) if isinstance(x, RawItem)]

    def read_map() -> tuple[int, int, int]:
        items = posts = records = 0
        for raw in cls([path]).read(path):
            if not isinstance(raw, RawItem):
                continue
            items += 1
            mapped = cls.to_records(raw)
            records += len(mapped)
            posts += sum(1 for r in mapped if isinstance(r, Post))
        return items, posts, records

    times: dict[str, list[float]] = {"baseline": [], "read": [], "read+map": [], "map": []}
    ratios: dict[str, list[float]] = {"read": [], "read+map": [], "map": []}
    lines = n_items = n_posts = n_records = 0
    for _ in range(repeat):  # interleaved, so that each round sees the same machine
        t_base, lines = cpu_timed(baseline)
        t_read, items = cpu_timed(read)
        t_both, (n_items, n_posts, n_records) = cpu_timed(read_map)
        t_map, _ = cpu_timed(lambda: sum(len(cls.to_records(raw)) for raw in items))  # noqa: B023
        for key, value in (
            ("baseline", t_base),
            ("read", t_read),
            ("read+map", t_both),
            ("map", t_map),
        ):
            times[key].append(value)
        for key, value in (("read", t_read), ("read+map", t_both), ("map", t_map)):
            ratios[key].append(t_base / value)
        assert n_items == lines == len(items)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = {k: statistics.median(v) for k, v in ratios.items()}
    base = lines / med["baseline"]
    return [
        f"| {name} | baseline `json.loads` | {lines:,} lines | {base:,.0f} lines/s | | 1.00 |",
        f"| {name} | read | {n_items:,} items | {n_items / med['read']:,.0f} items/s | "
        f"| {ratio['read']:.2f} |",
        f"| {name} | read+map | {n_items:,} items | {n_items / med['read+map']:,.0f} items/s | "
        f"{n_posts / med['read+map']:,.0f} posts/s, {n_records / med['read+map']:,.0f} "
        f"records/s | {ratio['read+map']:.2f} |",
        f"| {name} | map only | {n_items:,} items | {n_items / med['map']:,.0f} items/s | "
        f"{n_posts / med['map']:,.0f} posts/s | {ratio['map']:.2f} |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jetstream-lines", type=int, default=200_000)
    parser.add_argument("--twitter-pages", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"fixtures not found at {SHARED}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        jet = Path(tmp) / "jetstream.jsonl"
        jet.write_text("\n".join(jetstream_lines(args.jetstream_lines)) + "\n")
        tw = Path(tmp) / "twarc.jsonl"
        tw.write_text("\n".join(twitter_lines(args.twitter_pages)) + "\n")
        print(
            f"jetstream: {jet.stat().st_size / 1e6:.0f} MB, "
            f"twitter-v2: {tw.stat().st_size / 1e6:.0f} MB; CPU time, medians of "
            f"{args.repeat} interleaved runs"
        )
        print()
        print("| importer | measure | input | rate | detail | vs baseline |")
        print("| --- | --- | --- | --- | --- | --- |")
        for row in measure("jetstream", JetstreamImporter, jet, args.repeat):
            print(row)
        for row in measure("twitter-v2", TwitterV2Importer, tw, args.repeat):
            print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
