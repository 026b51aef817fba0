"""Training and evaluation of the French/English sentiment model (``veille train sentiment``).

Data: ``DIR/xlm_t/{french,english}/{train,val}_{text,labels}.txt`` (one tweet a line,
labels 0 negative, 1 neutral, 2 positive) and optionally ``DIR/tweeteval/val_*``; lexicons:
VADER-FR (``DIR/../lexicons/vader_fr/fr_lexicon.txt``, means recomputed from the raw
ratings) and VADER English (from the ``vaderSentiment`` package). The model is trained on
both train splits together; val is for tuning and reporting only. Training is
deterministic: the solver (newton-cg) has no randomness and the inputs are read in file order.

Note on tweeteval: its val split shares tweets with the XLM-T English splits (both come
from SemEval-2017): ``tweeteval_unseen`` keeps the tweets that are not in the training set.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from veille.errors import UsageError
from veille.pipeline.features import F32, FeatureExtractor
from veille.pipeline.sentiment import (
    LABELS,
    Lexicon,
    SentimentModel,
    combine_lexicons,
    dense_features,
)
from veille.pipeline.textprep import clean_texts

LANGUAGE_DIRS: dict[str, str] = {"fr": "french", "en": "english"}
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Split:
    texts: list[str]
    labels: I64
    lang: I64  # 0 French, 1 English

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class TrainConfig:
    bits: int = 18
    char_ngrams: tuple[int, ...] = (3, 4, 5)
    C: float = 3.0  # joint multinomial model
    lexicon_weight: float = 1.0
    nb_C: float = 1.0  # per-language NB one-vs-rest models
    nb_alpha: float = 1.0  # smoothing of the naive Bayes ratios
    nb_weight: float = 0.3  # weight of the NB logits in the sum (chosen on val)
    max_iter: int = 3000
    seed: int = 0  # recorded; the solver (newton-cg) is deterministic


@dataclass
class LexiconReport:
    path: str
    entries: int = 0
    recomputed: int = 0  # means that differed from the mean of the ratings
    problems: list[str] = field(default_factory=list)


# -- reading the data ----------------------------------------------------------------------


def read_lines(path: Path) -> list[str]:
    """One item per line; a final newline does not make an extra empty item."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(
            f"{path}: file not found", hint="see ../shared/data/PROVENANCE.md"
        ) from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 (byte {exc.start})") from exc
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n") if text else []


def read_labels(path: Path) -> I64:
    out = []
    for i, line in enumerate(read_lines(path), start=1):
        value = line.strip()
        if value not in ("0", "1", "2"):
            raise UsageError(f"{path}:{i}: label {value!r} is not 0, 1 or 2")
        out.append(int(value))
    return np.array(out, dtype=np.int64)


def _pair(text_path: Path, label_path: Path, lang: int) -> Split:
    texts = read_lines(text_path)
    labels = read_labels(label_path)
    if len(texts) != len(labels):
        raise UsageError(
            f"{text_path}: {len(texts)} texts but {label_path.name} has {len(labels)} labels"
        )
    return Split(clean_texts(texts), labels, np.full(len(texts), lang, dtype=np.int64))


def load_split(data_dir: Path, language: str, split: str) -> Split:
    """``data_dir`` is the sentiment folder (holding ``xlm_t``)."""
    folder = data_dir / "xlm_t" / LANGUAGE_DIRS[language]
    lang = list(LANGUAGE_DIRS).index(language)
    return _pair(folder / f"{split}_text.txt", folder / f"{split}_labels.txt", lang)


def concat(*splits: Split) -> Split:
    return Split(
        [t for s in splits for t in s.texts],
        np.concatenate([s.labels for s in splits]),
        np.concatenate([s.lang for s in splits]),
    )


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def tweeteval_unseen(data_dir: Path, train: Split) -> Split | None:
    """tweeteval val without the tweets of ``train`` (None where tweeteval is absent)."""
    folder = data_dir / "tweeteval"
    if not (folder / "val_text.txt").exists():
        return None
    full = _pair(folder / "val_text.txt", folder / "val_labels.txt", 1)
    seen = {_key(t) for t in train.texts}
    keep = [i for i, t in enumerate(full.texts) if _key(t) not in seen]
    return Split([full.texts[i] for i in keep], full.labels[keep], full.lang[keep])


# -- lexicons ------------------------------------------------------------------------------

_INT = re.compile(r"-?\d+")


def parse_vader_fr(path: Path) -> tuple[list[str], F32, LexiconReport]:
    """``token TAB mean TAB sd TAB [ratings]``. The mean is recomputed from the ratings
    (many published means disagree with them); a line without ratings keeps its mean; a
    line with neither is reported in ``problems`` (``file:line: reason``) and skipped."""
    report = LexiconReport(str(path))
    words: list[str] = []
    values: list[float] = []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        word = parts[0].strip()
        if not word:
            report.problems.append(f"{path}:{number}: empty token")
            continue
        ratings = [int(x) for x in _INT.findall(parts[3])] if len(parts) > 3 else []
        ratings = [r for r in ratings if -4 <= r <= 4]
        stated: float | None
        try:
            stated = float(parts[1]) if len(parts) > 1 else None
        except ValueError:
            stated = None
        if ratings:
            value = float(np.mean(ratings))
            if stated is None or abs(stated - value) > 0.05:
                report.recomputed += 1
        elif stated is not None and -4 <= stated <= 4:
            value = stated
        else:
            report.problems.append(f"{path}:{number}: no ratings and no usable mean")
            continue
        words.append(word)
        values.append(value)
    report.entries = len(words)
    return words, np.array(values, dtype=np.float32), report


def load_vader_en() -> tuple[list[str], F32]:
    """VADER's English lexicon, and its emoji scored through their descriptions (as VADER
    itself does), from the ``vaderSentiment`` package."""
    try:
        import vaderSentiment
    except ImportError as exc:
        raise UsageError(
            "training needs the vaderSentiment package for the English lexicon",
            hint="pip install 'veille[dev]' (or pip install vaderSentiment)",
        ) from exc
    folder = Path(vaderSentiment.__file__).parent
    words: list[str] = []
    values: list[float] = []
    for line in read_lines(folder / "vader_lexicon.txt"):
        parts = line.split("\t")
        if len(parts) >= 2:
            try:
                values.append(float(parts[1]))
            except ValueError:
                continue
            words.append(parts[0])
    valence = dict(zip(words, values, strict=True))
    for line in read_lines(folder / "emoji_utf8_lexicon.txt"):
        emoji, _, description = line.partition("\t")
        score = sum(valence.get(w, 0.0) for w in description.lower().split())
        if emoji and score:
            words.append(emoji)
            values.append(float(np.clip(score, -4.0, 4.0)))
    return words, np.array(values, dtype=np.float32)


def lexicon_table(extractor: FeatureExtractor, words: list[str], values: F32) -> Lexicon:
    """Entries hashed as ``extract`` sees them; one- and two-token entries are kept; where
    two entries hash alike (case variants) the first wins."""
    hashes, _count = extractor.entry_hashes(words)
    keep = hashes != 0
    hashes, vals = hashes[keep], values[keep]
    order = np.argsort(hashes, kind="stable")
    unique, first = np.unique(hashes[order], return_index=True)
    return Lexicon(unique, vals[order][first].astype(np.float32))


def build_lexicons(
    extractor: FeatureExtractor, vader_fr: Path
) -> tuple[list[Lexicon], LexiconReport]:
    fr_words, fr_values, report = parse_vader_fr(vader_fr)
    en_words, en_values = load_vader_en()
    return [
        lexicon_table(extractor, fr_words, fr_values),
        lexicon_table(extractor, en_words, en_values),
    ], report


# -- training ------------------------------------------------------------------------------


@dataclass
class Prepared:
    """Counts (sparse, all buckets) and dense features of a split."""

    counts: sparse.csr_matrix
    dense: F32


def prepare(extractor: FeatureExtractor, lexicons: list[Lexicon], split: Split) -> Prepared:
    feats = extractor.extract(split.texts)
    data = np.ones(len(feats.rows), dtype=np.float64)
    counts = sparse.csr_matrix(
        (data, (feats.rows, feats.buckets)), shape=(feats.n, 1 << extractor.bits)
    )
    counts.sum_duplicates()
    return Prepared(counts, dense_features(feats, split.lang, combine_lexicons(lexicons)))


def fit(
    config: TrainConfig,
    train: Split,
    lexicons: list[Lexicon],
    meta: dict[str, str] | None = None,
    prepared: Prepared | None = None,
) -> SentimentModel:
    """Multinomial logistic regression on tf-idf weighted, L2-normalised hashed counts and
    the dense lexicon features. Returns the numpy model (idf folded into the weights)."""
    from sklearn.linear_model import LogisticRegression

    extractor = FeatureExtractor(config.bits, config.char_ngrams)
    prep = prepared or prepare(extractor, lexicons, train)
    counts = prep.counts
    n_docs = counts.shape[0]
    used = np.unique(counts.indices)
    compact = counts[:, used].tocsr()
    df = np.bincount(compact.indices, minlength=len(used)).astype(np.float64)
    idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    default_idf = np.log(1.0 + n_docs) + 1.0
    norm = np.sqrt(np.asarray(compact @ (idf**2)).ravel())
    norm[norm == 0] = 1.0
    x_text = sparse.diags(1.0 / norm) @ compact @ sparse.diags(idf)
    x = sparse.hstack([x_text, sparse.csr_matrix(prep.dense * config.lexicon_weight)]).tocsr()
    model = LogisticRegression(
        C=config.C,
        solver="newton-cg",
        max_iter=config.max_iter,
        tol=1e-4,
        random_state=config.seed,
    )
    model.fit(x, train.labels)
    if list(model.classes_) != [0, 1, 2]:
        raise ValueError(f"training labels must cover 0, 1, 2; got {model.classes_}")
    coef = model.coef_.T.astype(np.float64)  # (features, 3)
    n_text = len(used)
    table = np.zeros((1 << config.bits, 4), dtype=np.float32)
    table[:, 3] = default_idf**2
    table[used, :3] = coef[:n_text] * idf[:, None]
    table[used, 3] = idf**2
    dense_weights = coef[n_text:] * config.lexicon_weight
    bias = model.intercept_.astype(np.float64)
    nb_table = np.zeros((len(LANGUAGE_DIRS), 1 << config.bits, 3), dtype=np.float32)
    n_dense = prep.dense.shape[1]
    for code in range(len(LANGUAGE_DIRS)):
        rows = np.flatnonzero(train.lang == code)
        if len(rows) == 0:
            continue
        weights, dense_w, intercept = _fit_nb(
            config, prep.counts[rows], prep.dense[rows], train.labels[rows]
        )
        nb_table[code] = weights * config.nb_weight
        dense_weights += dense_w * config.nb_weight
        # the per-language intercept goes on the language's indicator column
        dense_weights[n_dense - len(LANGUAGE_DIRS) + code] += intercept * config.nb_weight
    info = {
        "version": SentimentStageVersion,
        "config": repr(asdict(config)),
        "train_rows": str(n_docs),
        "train_sha256": _digest(train),
    }
    info.update(meta or {})
    return SentimentModel(
        bits=config.bits,
        char_ngrams=config.char_ngrams,
        table=table,
        nb_table=nb_table,
        dense_weights=dense_weights.astype(np.float32),
        bias=bias.astype(np.float32),
        lexicons=lexicons,
        meta=info,
        default_q=float(default_idf**2),
    )


def _fit_nb(
    config: TrainConfig, counts: sparse.csr_matrix, dense: F32, labels: I64
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """One-vs-rest logistic regressions on counts scaled by naive Bayes log-count ratios
    (NBSVM). Returns (bucket weights (2**bits, 3) with the ratios folded in, dense
    weights (n_dense, 3), intercepts (3,))."""
    from sklearn.linear_model import LogisticRegression

    used = np.unique(counts.indices)
    x = counts[:, used].tocsr()
    weights = np.zeros((counts.shape[1], 3))
    dense_w = np.zeros((dense.shape[1], 3))
    intercept = np.zeros(3)
    for c in range(3):
        y = (labels == c).astype(np.int64)
        p = config.nb_alpha + np.asarray(x[y == 1].sum(axis=0)).ravel()
        q = config.nb_alpha + np.asarray(x[y == 0].sum(axis=0)).ravel()
        ratio = np.log((p / p.sum()) / (q / q.sum()))
        design = sparse.hstack([x @ sparse.diags(ratio), sparse.csr_matrix(dense)]).tocsr()
        model = LogisticRegression(
            C=config.nb_C,
            solver="newton-cg",
            max_iter=config.max_iter,
            tol=1e-4,
            random_state=config.seed,
        )
        model.fit(design, y)
        coef = model.coef_.ravel()
        weights[used, c] = coef[: len(used)] * ratio
        dense_w[:, c] = coef[len(used) :]
        intercept[c] = float(model.intercept_[0])
    return weights, dense_w, intercept


SentimentStageVersion = "hashed-lr-fr-en-1"


def _digest(split: Split) -> str:
    h = hashlib.sha256()
    for text, label in zip(split.texts, split.labels.tolist(), strict=True):
        h.update(f"{label}\t{text}\n".encode())
    return h.hexdigest()[:16]


# -- evaluation ----------------------------------------------------------------------------


def macro_f1(gold: I64, pred: I64) -> float:
    """Macro-averaged F1 over the three classes, in percent."""
    scores = []
    for c in range(len(LABELS)):
        tp = float(np.sum((pred == c) & (gold == c)))
        fp = float(np.sum((pred == c) & (gold != c)))
        fn = float(np.sum((pred != c) & (gold == c)))
        denom = 2 * tp + fp + fn
        scores.append(2 * tp / denom if denom else 0.0)
    return 100.0 * float(np.mean(scores))


def macro_recall(gold: I64, pred: I64) -> float:
    """Macro-averaged recall (tweeteval's metric), in percent."""
    return 100.0 * float(
        np.mean([np.mean(pred[gold == c] == c) for c in range(len(LABELS)) if np.any(gold == c)])
    )


Predictor = Callable[[Split], I64]


def model_predictor(model: SentimentModel) -> Predictor:
    def predict(split: Split) -> I64:
        pred: I64 = model.predict_proba(split.texts, split.lang).argmax(axis=1).astype(np.int64)
        return pred

    return predict


@dataclass(frozen=True)
class EvalSets:
    val_fr: Split
    val_en: Split
    tweeteval: Split | None


def eval_sets(data_dir: Path, train: Split) -> EvalSets:
    return EvalSets(
        load_split(data_dir, "fr", "val"),
        load_split(data_dir, "en", "val"),
        tweeteval_unseen(data_dir, train),
    )


def evaluate(predict: Predictor, sets: EvalSets) -> dict[str, float]:
    """Macro-F1 on both val splits (and tweeteval unseen: macro-F1 and macro-recall)."""
    out = {
        "val_fr_f1": macro_f1(sets.val_fr.labels, predict(sets.val_fr)),
        "val_en_f1": macro_f1(sets.val_en.labels, predict(sets.val_en)),
    }
    if sets.tweeteval is not None and len(sets.tweeteval):
        pred = predict(sets.tweeteval)
        out["tweeteval_f1"] = macro_f1(sets.tweeteval.labels, pred)
        out["tweeteval_recall"] = macro_recall(sets.tweeteval.labels, pred)
    return out


def default_lexicon_path(data_dir: Path) -> Path:
    return data_dir.parent / "lexicons" / "vader_fr" / "fr_lexicon.txt"


def train_from_dir(
    data_dir: Path, config: TrainConfig | None = None, vader_fr: Path | None = None
) -> tuple[SentimentModel, dict[str, float], LexiconReport]:
    """Train on ``data_dir`` (the sentiment folder) and evaluate on its val splits."""
    config = config or TrainConfig()
    train = concat(load_split(data_dir, "fr", "train"), load_split(data_dir, "en", "train"))
    extractor = FeatureExtractor(config.bits, config.char_ngrams)
    lexicons, report = build_lexicons(extractor, vader_fr or default_lexicon_path(data_dir))
    model = fit(config, train, lexicons)
    scores = evaluate(model_predictor(model), eval_sets(data_dir, train))
    model.meta.update({k: f"{v:.2f}" for k, v in scores.items()})
    return model, scores, report
