"""Sentiment scoring: the compiled kernels against the numpy/scipy reference they replaced.

Run (one core)::

    /work/venv/bin/python bench/sentiment_kernels.py [--data ../shared/data] [--repeat 50]

Texts: XLM-T French + English val tweets (648, the bench's "real val tweets"), one batch,
as the sentiment stage sees them (``clean_texts``). Both scorers run in the same process,
interleaved, on the same batch: ``SentimentModel.logits`` (the package: rewrite, normalise,
tokens, n-gram buckets, table sums and lexicon as numba kernels) and ``ref_logits`` of
``tests/pipeline/test_sentiment.py`` (the numpy features and scipy CSR products that the
kernels replaced, kept there as the reference). Prints median and minimum microseconds
per post of wall and thread CPU time, the ratio of medians, that the logits are equal bit
for bit, and the val macro-F1 of the package's labels.

Each repeat first touches 64 MB of other memory (``--cold``, default on), as the other
enrichment stages do between two sentiment batches: the model's tables are then mostly
not in the cache, as in the real pipeline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {0})

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pipeline.test_sentiment import ref_logits  # noqa: E402

from veille.pipeline import sentiment_train as train  # noqa: E402
from veille.pipeline.features import F32  # noqa: E402
from veille.pipeline.sentiment import SentimentModel  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--no-cold", dest="cold", action="store_false")
    args = parser.parse_args()
    data = args.data / "sentiment"
    fr = train.load_split(data, "fr", "val")
    en = train.load_split(data, "en", "val")
    split = train.concat(fr, en)
    n = len(split)
    model = SentimentModel.load()
    new = model.logits(split.texts, split.lang)  # compiles or loads the kernels
    old = ref_logits(model, split.texts, split.lang)
    print(
        f"logits bit-identical: {np.array_equal(new, old)} (max |diff| {np.abs(new - old).max()})"
    )
    pred = new.argmax(axis=1)
    print(
        f"val macro-F1: fr {train.macro_f1(fr.labels, pred[: len(fr)]):.2f}, "
        f"en {train.macro_f1(en.labels, pred[len(fr) :]):.2f}"
    )

    def reference(texts: list[str], lang: npt.NDArray[np.int64]) -> F32:
        return ref_logits(model, texts, lang)

    other = np.ones(64 << 20, dtype=np.uint8)
    runs: dict[str, tuple[list[float], list[float]]] = {"kernels": ([], []), "reference": ([], [])}
    for _ in range(args.repeat):
        for name, score in (("kernels", model.logits), ("reference", reference)):
            if args.cold:
                other += 1
            c0, t0 = time.thread_time(), time.perf_counter()
            score(split.texts, split.lang)
            runs[name][0].append(time.perf_counter() - t0)
            runs[name][1].append(time.thread_time() - c0)
    for kind, index in (("wall", 0), ("thread CPU", 1)):
        med = {k: statistics.median(v[index]) / n * 1e6 for k, v in runs.items()}
        low = {k: min(v[index]) / n * 1e6 for k, v in runs.items()}
        print(
            f"{kind} us/post over {n} posts, {args.repeat} repeats: kernels median "
            f"{med['kernels']:.2f} (min {low['kernels']:.2f}), reference median "
            f"{med['reference']:.2f} (min {low['reference']:.2f}), "
            f"reference/kernels {med['reference'] / med['kernels']:.2f}x"
        )


if __name__ == "__main__":
    main()
