"""Enrichment fast path: posts/s per stage and in total, batched, on ONE core, against VADER
alone on the same texts in the same run.

Run::

    /work/venv/bin/python bench/enrich.py [--posts 1000000] [--data ../shared/data]

(the script pins OMP/OPENBLAS/MKL/RAYON threads to 1 itself, before numpy loads).

Corpora:

- "simulated-like": ``--posts`` posts made by recombining real tweets (XLM-T French and
  English train+val, tweeteval val): the first half of one tweet and the second half of
  another (deterministic seed), with a link, a mention, an emoji or a hashtag now and
  then, and 10% sentences in other languages (Spanish, German, Italian, Portuguese,
  Dutch). Lengths follow the real tweets'.
- "real val tweets": XLM-T French + English val and tweeteval val, as they are.

Stages are built by ``stage_factories()``: the language and sentiment stages; other
helpers add theirs (watch matcher, stakeholders, cues) to that list. Each batch of
``--batch`` posts goes through the stages in order; each stage is timed on its own.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from veille.pipeline.base import INPUT_SCHEMA, Stage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

OTHER = [
    "Hoy es un gran día para la empresa, estamos muy contentos",
    "No me gusta nada este servicio, es un desastre",
    "Die neue Strategie des Unternehmens ist sehr interessant",
    "Das Wetter in Berlin ist heute schlecht",
    "Oggi presentiamo i risultati del trimestre, molto positivi",
    "Il servizio clienti non risponde da giorni",
    "Estamos à procura de novos talentos para a equipa",
    "De vergadering is uitgesteld tot volgende week",
]
EXTRAS = [" http://t.co/x1y2", " @someone", " 😀", " 😡", " #veille", " !!", ""]


def stage_factories() -> list[tuple[str, Callable[[], Stage]]]:
    """The stages of the fast path, in running order. Helpers append theirs here."""
    from veille.pipeline.language import LanguageStage
    from veille.pipeline.sentiment import SentimentStage

    return [
        ("language", LanguageStage),
        ("sentiment", SentimentStage),
    ]


def lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def real_val(data: Path) -> list[str]:
    sent = data / "sentiment"
    out: list[str] = []
    for folder in ("french", "english"):
        out += lines(sent / "xlm_t" / folder / "val_text.txt")
    out += lines(sent / "tweeteval" / "val_text.txt")
    return out


def simulated(data: Path, n: int, seed: int = 7) -> list[str]:
    """``n`` posts, each the first half (in words) of one real tweet and the second half
    of another, so lengths follow the real tweets'; a link, mention, emoji or hashtag
    is added now and then, and 10% are sentences in other languages."""
    sent = data / "sentiment"
    pool: list[str] = []
    for folder in ("french", "english"):
        for split in ("train", "val"):
            pool += lines(sent / "xlm_t" / folder / f"{split}_text.txt")
    pool += lines(sent / "tweeteval" / "val_text.txt")
    words = [t.split() for t in pool]
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(pool), size=n)
    second = rng.integers(0, len(pool), size=n)
    extra = rng.integers(0, len(EXTRAS), size=n)
    other = rng.random(n) < 0.10
    other_pick = rng.integers(0, len(OTHER), size=n)
    out: list[str] = []
    for i in range(n):
        if other[i]:
            text = OTHER[int(other_pick[i])]
        else:
            a, b = words[int(first[i])], words[int(second[i])]
            text = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
        out.append(text + EXTRAS[int(extra[i])])
    return out


def to_batches(texts: list[str], size: int) -> list[pa.RecordBatch]:
    batches = []
    for start in range(0, len(texts), size):
        chunk = texts[start : start + size]
        n = len(chunk)
        cols = {name: pa.nulls(n, pa.string()) for name in INPUT_SCHEMA.names}
        cols["uri"] = pa.array([f"bench:{start + i}" for i in range(n)], pa.string())
        cols["network"] = pa.array(["bench"] * n, pa.string())
        cols["text"] = pa.array(chunk, pa.string())
        batches.append(pa.RecordBatch.from_arrays(list(cols.values()), names=list(cols)))
    return batches


def run_stages(stages: list[tuple[str, Stage]], batches: list[pa.RecordBatch]) -> dict[str, float]:
    """Seconds per stage over all batches."""
    spent = {name: 0.0 for name, _ in stages}
    for batch in batches:
        for name, stage in stages:
            t0 = time.perf_counter()
            batch = stage(batch)
            spent[name] += time.perf_counter() - t0
    return spent


def vader_seconds(texts: list[str]) -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    t0 = time.perf_counter()
    for t in texts:
        sia.polarity_scores(t)
    return time.perf_counter() - t0


def report(
    title: str,
    texts: list[str],
    stages: list[tuple[str, Stage]],
    size: int,
    repeats: int,
    vader_sample: int,
) -> None:
    batches = to_batches(texts, size)
    n = len(texts)
    runs = [run_stages(stages, batches) for _ in range(repeats)]
    med = {name: statistics.median(r[name] for r in runs) for name, _ in stages}
    total = statistics.median(sum(r.values()) for r in runs)
    sample = texts[:vader_sample]
    vader = len(sample) / vader_seconds(sample)
    chars = sum(len(t) for t in texts) / max(n, 1)
    print(
        f"\n### {title}: {n:,} posts ({chars:.0f} characters on average), batches of "
        f"{size}, median of {repeats} run(s)\n"
    )
    print("| stage | seconds | posts/s |")
    print("|---|---|---|")
    for name, _ in stages:
        print(f"| {name} | {med[name]:.2f} | {n / med[name]:,.0f} |")
    mine = sum(med[k] for k in ("language", "sentiment") if k in med)
    print(f"| language + sentiment | {mine:.2f} | {n / mine:,.0f} |")
    print(f"| **all stages** | {total:.2f} | **{n / total:,.0f}** |")
    print(
        f"| VADER alone (polarity_scores, {len(sample):,} of the same texts) | "
        f"{len(sample) / vader:.2f} | {vader:,.0f} |"
    )
    print(f"\nall stages / VADER: {(n / total) / vader:.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--vader-sample", type=int, default=200_000)
    args = parser.parse_args()
    stages = [(name, make()) for name, make in stage_factories()]
    # warm up: load models and tables once, outside the timings
    run_stages(stages, to_batches(real_val(args.data)[:512], 512))
    load = os.getloadavg()
    print(
        f"one core (threads pinned to 1); load average at start {load[0]:.1f} "
        f"(other processes share this 2-core machine)"
    )
    report("real val tweets", real_val(args.data), stages, args.batch, 5, 10**9)
    sim = simulated(args.data, args.posts)
    report("simulated-like posts", sim, stages, args.batch, 1, args.vader_sample)


if __name__ == "__main__":
    main()
