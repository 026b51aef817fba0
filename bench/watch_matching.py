"""Watch matching throughput: 10,000 watches over 200,000 generated posts, on one core.

    /work/venv/bin/python bench/watch_matching.py [--watches 10000] [--posts 200000]
        [--repeat 3] [--baseline-posts 2000] [--seed 7]

Measured, in the same run:

- ``WatchMatcher`` (the pipeline stage: Aho-Corasick over the normalised token stream, then
  boolean evaluation of the triggered watches) on Arrow batches of 10,000 posts;
- baseline: Python ``re`` with one alternation of every keyword of the watches
  (``\\b(?:kw1|kw2|...)\\b``, case-insensitive, ``findall`` over the lower-cased text) on the
  first ``--baseline-posts`` posts. The baseline only finds keywords; it does no boolean
  evaluation, no accent folding and no NEAR, so it is a lower bound on the work a
  regex-based matcher would do.

Posts are generated from a vocabulary of 40,000 made-up words (Zipf-distributed, some with
accents), French and English function words, elisions (``l'``, ``d'``), hashtags, mentions,
links and punctuation. Watches mix single keywords, OR groups, AND/NOT, phrases, NEAR/n,
prefixes, hashtags, mentions and ``lang:``/``network:``/``has:`` filters (see ``watches``).
The medians of ``--repeat`` runs are reported.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time

import pyarrow as pa

from veille.pipeline.base import INPUT_SCHEMA
from veille.pipeline.watches import WatchMatcher

SYLLABLES = [
    "ba", "cé", "di", "fo", "gu", "la", "mé", "ni", "po", "ru", "sa", "tè", "vi", "zo", "ka",
    "lo", "ma", "ne", "pi", "ro", "su", "ta", "ve", "xi", "ché", "gno", "tra", "pla", "bri",
    "dra", "fla", "gré", "cla", "pro", "sti", "nu", "ça", "ê", "an", "on", "in", "eu", "ou",
]  # fmt: skip
FUNCTION = [
    "le",
    "la",
    "les",
    "de",
    "des",
    "du",
    "un",
    "une",
    "et",
    "est",
    "en",
    "pour",
    "que",
    "qui",
    "dans",
    "sur",
    "avec",
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "for",
    "on",
    "with",
    "that",
    "this",
    "it",
    "at",
    "by",
    "from",
]


def make_vocab(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def make_posts(rng: random.Random, vocab: list[str], n: int) -> pa.RecordBatch:
    weights = [1.0 / (i + 10) for i in range(len(vocab))]
    cum = list(__import__("itertools").accumulate(weights))
    texts: list[str] = []
    langs: list[str | None] = []
    networks: list[str] = []
    for i in range(n):
        words: list[str] = []
        for _ in range(rng.randint(8, 40)):
            r = rng.random()
            if r < 0.35:
                words.append(rng.choice(FUNCTION))
                continue
            w = rng.choices(vocab, cum_weights=cum)[0]
            if r < 0.40:
                w = rng.choice(["l'", "d'", "L’", "D’"]) + w
            elif r < 0.42:
                w = "#" + w
            elif r < 0.44:
                w = "@" + w + rng.choice(["", ".bsky.social"])
            elif r < 0.50:
                w = w.capitalize()
            elif r < 0.53:
                w = w.upper()
            words.append(w + rng.choice(["", "", "", "", ",", ".", " !", " ?", ":"]))
        if rng.random() < 0.2:
            words.append(f"https://exemple.fr/{rng.choice(vocab)}/{i}")
        texts.append(" ".join(words))
        langs.append(rng.choice(["fr", "fr", "en", None]))
        networks.append(rng.choice(["bluesky", "mastodon", "rss"]))
    rows = {
        "uri": [f"at://post/{i}" for i in range(n)],
        "network": networks,
        "author_id": [f"did:plc:{rng.randrange(50_000)}" for _ in range(n)],
        "text": texts,
        "lang": langs,
        "handle": [None] * n,
        "display_name": [None] * n,
        "bio": [None] * n,
        "url": [None] * n,
    }
    batch = pa.RecordBatch.from_pydict(rows, schema=INPUT_SCHEMA)
    return batch.append_column("lang_id", pa.array(langs, pa.string()))


def make_watches(rng: random.Random, vocab: list[str], n: int) -> dict[str, str]:
    """Watches over the mid and rare part of the vocabulary (brand and people names)."""
    pool = vocab[1000:]

    def kw() -> str:
        return rng.choice(pool)

    out: dict[str, str] = {}
    for i in range(n):
        r = rng.random()
        if r < 0.30:
            q = kw()
        elif r < 0.50:
            q = "(" + " OR ".join(kw() for _ in range(rng.randint(2, 4))) + ")"
        elif r < 0.62:
            q = f"{kw()} AND NOT ({kw()} OR {kw()})"
        elif r < 0.70:
            q = f'"{kw()} {rng.choice(vocab[:200])}"'
        elif r < 0.78:
            q = f"({kw()} OR {kw()}) NEAR/{rng.randint(2, 8)} {kw()}"
        elif r < 0.83:
            q = f"{kw()[:5]}* AND {kw()}"
        elif r < 0.88:
            q = f"#{kw()} OR @{kw()}"
        elif r < 0.94:
            q = f"{kw()} lang:{rng.choice(['fr', 'en'])} network:{rng.choice(['bluesky', 'rss'])}"
        elif r < 0.98:
            q = f"{kw()} AND has:link"
        else:
            q = f"d'{kw()} OR l’{kw()}"
        out[f"w{i:05d}"] = q
    return out


def keywords(watches: dict[str, str]) -> list[str]:
    found: set[str] = set()
    for q in watches.values():
        for w in re.findall(r"[^\W\d_]+", q):
            if w not in ("AND", "OR", "NOT", "NEAR", "lang", "network", "has", "link"):
                found.add(w.lower())
    return sorted(found, key=len, reverse=True)


def median_rate(f: object, n: int, repeat: int) -> tuple[float, float]:
    assert callable(f)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return med, n / med


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--watches", type=int, default=10_000)
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--baseline-posts", type=int, default=2_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    vocab = make_vocab(rng, 40_000)
    t0 = time.perf_counter()
    posts = make_posts(rng, vocab, args.posts)
    watches = make_watches(rng, vocab, args.watches)
    print(
        f"generated {args.posts:,} posts, {len(watches):,} watches in "
        f"{time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )

    t0 = time.perf_counter()
    stage = WatchMatcher(watches, strict=True)
    compile_s = time.perf_counter() - t0
    batches = [posts.slice(i, args.batch) for i in range(0, args.posts, args.batch)]
    matched: list[int] = []

    def run_stage() -> None:
        matched.clear()
        for b in batches:
            out = stage(b)
            matched.append(sum(1 for ids in out.column("watch_ids").to_pylist() if ids))

    med, rate = median_rate(run_stage, args.posts, args.repeat)
    posts_matched = sum(matched)

    kws = keywords(watches)
    t0 = time.perf_counter()
    regex = re.compile(r"\b(?:" + "|".join(map(re.escape, kws)) + r")\b", re.IGNORECASE)
    regex_compile_s = time.perf_counter() - t0
    sample = posts.column("text").to_pylist()[: args.baseline_posts]

    def run_regex() -> None:
        for text in sample:
            regex.findall(text.lower())

    bmed, brate = median_rate(run_regex, len(sample), args.repeat)
    print(
        f"watches: {len(watches):,} ({len(kws):,} distinct keywords), posts: {args.posts:,}, "
        f"batch {args.batch:,}, repeat {args.repeat} (medians)"
    )
    print(f"WatchMatcher compile: {compile_s:.2f} s")
    print(
        f"WatchMatcher: {med:.2f} s for {args.posts:,} posts = {rate:,.0f} posts/s; "
        f"{posts_matched:,} posts matched at least one watch"
    )
    print(
        f"baseline re alternation ({len(kws):,} keywords): compile {regex_compile_s:.2f} s, "
        f"{bmed:.2f} s for {len(sample):,} posts = {brate:,.0f} posts/s"
    )
    print(f"ratio WatchMatcher / re: {rate / brate:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
