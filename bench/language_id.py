"""Language identification: accuracy on short real tweets of known language, and speed.

Run (one core)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 RAYON_NUM_THREADS=1 \\
        /work/venv/bin/python bench/language_id.py [--data ../shared/data]

Texts with known language: XLM-T French and English (train + val: the labels say the
language) and the tweeteval val tweets that are not also in XLM-T English (tweeteval and
XLM-T English both come from SemEval-2017). Lac-Megantic (CrisisLexT26) has no language
labels: only the share of French each identifier finds is shown (the dataset's README
says about 40%).

Candidates: py3langid one text per call (its API), lingua over all languages and
restricted, veille's batched py3langid (``veille.pipeline.language.BatchLangid``), and a
French/English head trained on the sentiment model's hashed features. Speed is texts/s
over all the texts above, median of 3 runs, in the same process.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def known_texts(data: Path) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    gold: list[str] = []
    sent = data / "sentiment"
    en_seen = set()
    for lang, folder in (("fr", "french"), ("en", "english")):
        for split in ("train", "val"):
            t = lines(sent / "xlm_t" / folder / f"{split}_text.txt")
            texts += t
            gold += [lang] * len(t)
            if lang == "en":
                en_seen |= {" ".join(x.lower().split()) for x in t}
    tw = [
        x
        for x in lines(sent / "tweeteval" / "val_text.txt")
        if " ".join(x.lower().split()) not in en_seen
    ]
    texts += tw
    gold += ["en"] * len(tw)
    return texts, gold


def megantic(data: Path) -> list[str]:
    path = (
        data
        / "events"
        / "crisislex"
        / "CrisisLexT26"
        / "2013_Lac_Megantic_train_crash"
        / "2013_Lac_Megantic_train_crash-tweets_labeled.csv"
    )
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return [row[1] for row in reader if len(row) > 1]


def timed(
    fn: Callable[[list[str]], list[str]], texts: list[str], runs: int = 3
) -> tuple[list[str], float]:
    rates = []
    out: list[str] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn(texts)
        rates.append(len(texts) / (time.perf_counter() - t0))
    return out, statistics.median(rates)


def batched(
    fn: Callable[[list[str]], list[str]], size: int = 4096
) -> Callable[[list[str]], list[str]]:
    def run(texts: list[str]) -> list[str]:
        out: list[str] = []
        for i in range(0, len(texts), size):
            out += fn(texts[i : i + size])
        return out

    return run


def candidates(data: Path) -> list[tuple[str, Callable[[list[str]], list[str]], int]]:
    import py3langid.langid as pl
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    from veille.pipeline.language import DEFAULT_LANGUAGES, BatchLangid

    def py3(langs: Sequence[str] | None) -> Callable[[list[str]], list[str]]:
        ident = pl.LanguageIdentifier.from_model_file(pl.MODEL_FILE, norm_probs=True)
        if langs:
            ident.set_languages(list(langs))
        return lambda texts: [ident.classify(t)[0] for t in texts]

    def lingua(codes: Sequence[str] | None) -> Callable[[list[str]], list[str]]:
        if codes is None:
            builder = LanguageDetectorBuilder.from_all_languages()
        else:
            isos = [
                getattr(IsoCode639_1, c.upper()) for c in codes if hasattr(IsoCode639_1, c.upper())
            ]
            builder = LanguageDetectorBuilder.from_iso_codes_639_1(*isos)
        det = builder.with_preloaded_language_models().build()

        def run(texts: list[str]) -> list[str]:
            out = []
            for t in texts:
                lang = det.detect_language_of(t)
                out.append(lang.iso_code_639_1.name.lower() if lang else "und")
            return out

        return run

    def vec(langs: Sequence[str] | None) -> Callable[[list[str]], list[str]]:
        ident = BatchLangid(langs)
        return batched(lambda texts: ident.identify(texts)[0])

    return [
        ("py3langid, all 142 classes, one text per call", py3(None), 1),
        ("py3langid, default set (56), one text per call", py3(DEFAULT_LANGUAGES), 1),
        ("py3langid, fr+en only, one text per call", py3(("fr", "en")), 1),
        ("lingua, all 75 languages", lingua(None), 1),
        ("lingua, default set", lingua(DEFAULT_LANGUAGES), 1),
        ("lingua, fr+en only", lingua(("fr", "en")), 1),
        ("veille BatchLangid, all classes (batches of 4096)", vec(None), 3),
        ("veille BatchLangid, default set (batches of 4096)", vec(DEFAULT_LANGUAGES), 3),
        ("veille BatchLangid, fr+en only (batches of 4096)", vec(("fr", "en")), 3),
        ("hashed fr/en head on sentiment features", hashed_head(data), 3),
    ]


def hashed_head(data: Path) -> Callable[[list[str]], list[str]]:
    """Logistic regression fr vs en on the sentiment features, trained on XLM-T train
    (so it is scored on val + tweeteval only; it cannot say any other language)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from veille.pipeline.features import FeatureExtractor

    fx = FeatureExtractor(18)
    texts, gold = [], []
    for lang, folder in (("fr", "french"), ("en", "english")):
        t = lines(data / "sentiment" / "xlm_t" / folder / "train_text.txt")
        texts += t
        gold += [lang] * len(t)
    f = fx.extract(texts)
    x = sparse.csr_matrix((np.ones(len(f.rows)), (f.rows, f.buckets)), shape=(f.n, 1 << 18))
    model = LogisticRegression(C=10, max_iter=1000, solver="newton-cg").fit(x, gold)
    w = np.zeros(1 << 18)
    w[:] = model.coef_[0]
    b = float(model.intercept_[0])
    labels = np.array(model.classes_, dtype=object)

    def run(batch: list[str]) -> list[str]:
        feats = fx.extract(batch)
        z = np.bincount(feats.rows, weights=w[feats.buckets], minlength=feats.n) + b
        return labels[(z > 0).astype(int)].tolist()

    return batched(run)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    texts, gold = known_texts(args.data)
    gold_arr = np.array(gold)
    mega = megantic(args.data)
    print(
        f"texts: {len(texts)} ({np.sum(gold_arr == 'fr')} fr, {np.sum(gold_arr == 'en')} en);"
        f" Lac-Megantic: {len(mega)}; threads: OMP={os.environ.get('OMP_NUM_THREADS')}"
        f" RAYON={os.environ.get('RAYON_NUM_THREADS')}"
    )
    print(
        "| identifier | accuracy fr | accuracy en | accuracy all | texts/s | "
        "Lac-Megantic fr share |"
    )
    print("|---|---|---|---|---|---|")
    for name, fn, runs in candidates(args.data):
        out, rate = timed(fn, texts, runs)
        pred = np.array(out)
        scope = np.ones(len(texts), dtype=bool)
        if name.startswith("hashed"):
            # trained on the XLM-T train splits: score it on the rest only
            scope[:1839] = False
            scope[1839 + 324 : 1839 + 324 + 1839] = False
        acc = {
            lang: 100 * float(np.mean(pred[scope & (gold_arr == lang)] == lang))
            for lang in ("fr", "en")
        }
        total = 100 * float(np.mean(pred[scope] == gold_arr[scope]))
        mega_fr = 100 * float(np.mean(np.array(fn(mega)) == "fr"))
        print(
            f"| {name} | {acc['fr']:.2f} | {acc['en']:.2f} | {total:.2f} | {rate:,.0f} | "
            f"{mega_fr:.1f}% |",
            flush=True,
        )


if __name__ == "__main__":
    main()
