"""Sentiment accuracy: the shipped model against baselines, macro-F1 on the val splits.

Run::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /work/venv/bin/python bench/sentiment_accuracy.py \\
        [--data ../shared/data/sentiment]

All in one run, on the same texts:

- veille: the shipped weights (``src/veille/pipeline/models/sentiment_fr_en.npz``);
- TF-IDF LR: scikit-learn word 1-2-grams + char_wb 2-5-grams, sublinear tf, logistic
  regression trained on one language (the baseline of the issue), C chosen on val;
- VADER English: ``vaderSentiment`` compound with its usual thresholds (+-0.05);
- VADER-FR lexicon: the same VADER engine with the VADER-FR lexicon (means recomputed
  from the ratings) in place of the English one, same thresholds.

"tweeteval*" is tweeteval val minus the tweets that are also in XLM-T English train (the
two share SemEval-2017 tweets); tweeteval's own metric (macro-recall) is shown too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from veille.pipeline import sentiment_train as st
from veille.pipeline.sentiment import MODEL_PATH, SentimentModel

ROOT = Path(__file__).resolve().parents[1]

PUBLISHED = {  # XLM-T paper, macro-F1 on the held-out TEST split (not val)
    "FastText mono": (54.8, 50.9),
    "XLM-R mono": (72.0, 68.2),
    "XLM-T mono": (68.2, 66.9),
    "XLM-R multi": (70.5, 68.5),
    "XLM-T multi": (71.2, 70.6),
}


def vader_predict(lexicon: dict[str, float] | None) -> st.Predictor:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    if lexicon is not None:
        sia.lexicon = lexicon

    def predict(split: st.Split) -> st.I64:
        out = []
        for text in split.texts:
            c = sia.polarity_scores(text)["compound"]
            out.append(2 if c >= 0.05 else 0 if c <= -0.05 else 1)
        return np.array(out, dtype=np.int64)

    return predict


def tfidf_lr(train: st.Split, c: float) -> st.Predictor:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1),
    )
    model = make_pipeline(features, LogisticRegression(C=c, max_iter=3000))
    model.fit(train.texts, train.labels)

    def predict(split: st.Split) -> st.I64:
        return np.asarray(model.predict(split.texts), dtype=np.int64)

    return predict


def row(
    name: str, predict: st.Predictor, sets: st.EvalSets, fr: bool = True, en: bool = True
) -> str:
    s = st.evaluate(predict, sets)
    cells = [
        f"{s['val_fr_f1']:.1f}" if fr else "-",
        f"{s['val_en_f1']:.1f}" if en else "-",
        f"{s.get('tweeteval_f1', float('nan')):.1f}" if en else "-",
        f"{s.get('tweeteval_recall', float('nan')):.1f}" if en else "-",
    ]
    return f"| {name} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "sentiment")
    parser.add_argument("--model", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    data: Path = args.data
    fr_train = st.load_split(data, "fr", "train")
    en_train = st.load_split(data, "en", "train")
    train = st.concat(fr_train, en_train)
    sets = st.eval_sets(data, train)
    n_tw = len(sets.tweeteval) if sets.tweeteval else 0
    print(f"val: {len(sets.val_fr)} fr, {len(sets.val_en)} en; tweeteval* {n_tw}")
    print(
        "| model | XLM-T fr val macro-F1 | XLM-T en val macro-F1 | tweeteval* macro-F1 | "
        "tweeteval* macro-recall |"
    )
    print("|---|---|---|---|---|")
    model = SentimentModel.load(args.model)
    print(
        row(f"veille {model.version} (shipped weights, FR+EN)", st.model_predictor(model), sets),
        flush=True,
    )

    # TF-IDF LR on one language, C picked on that language's val (kind to the baseline)
    for lang, split in (("fr", fr_train), ("en", en_train)):
        best: tuple[float, float, st.Predictor] | None = None
        for c in (1.0, 3.0, 10.0, 30.0):
            predict = tfidf_lr(split, c)
            val = sets.val_fr if lang == "fr" else sets.val_en
            score = st.macro_f1(val.labels, predict(val))
            if best is None or score > best[0]:
                best = (score, c, predict)
        assert best is not None
        print(
            row(
                f"TF-IDF word+char LR, trained on {lang} only (C={best[1]:g})",
                best[2],
                sets,
                fr=lang == "fr",
                en=lang == "en",
            ),
            flush=True,
        )

    print(
        row("VADER English (vaderSentiment, compound +-0.05)", vader_predict(None), sets),
        flush=True,
    )
    words, values, report = st.parse_vader_fr(st.default_lexicon_path(data))
    fr_lex = {w.lower(): float(v) for w, v in zip(words, values, strict=True)}
    print(
        row("VADER engine + VADER-FR lexicon (means recomputed)", vader_predict(fr_lex), sets),
        flush=True,
    )
    print(
        f"\nVADER-FR: {report.entries} entries, {report.recomputed} means recomputed "
        f"(differed by > 0.05 from their ratings), {len(report.problems)} lines skipped"
    )
    print("\nPublished (XLM-T paper, TEST split, macro-F1; not comparable one to one with val):")
    print("| model | French | English |")
    print("|---|---|---|")
    for name, (f, e) in PUBLISHED.items():
        print(f"| {name} | {f} | {e} |")


if __name__ == "__main__":
    main()
