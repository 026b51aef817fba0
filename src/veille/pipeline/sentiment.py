"""Sentiment stage (French and English): a compact linear model, scored by compiled kernels.

Features (``veille.pipeline.features``): hashed character 2-5-grams, word unigrams with
negation scope and word bigrams, tf-idf weighted and L2-normalised, plus per-language
lexicon features (VADER English and VADER-FR valences, with negation) and ``!``/``?``
counts. The model is a multinomial logistic regression trained by ``sentiment_train``
(``veille train sentiment``); its weights ship in ``models/sentiment_fr_en.npz`` with a
model card (``models/SENTIMENT_MODEL_CARD.md``).

Inference for a batch: the kernels of ``features`` hash the feature occurrences and add
their rows of one fused weight table per post as they go (``table_sums``), then a few
array operations normalise, add the lexicon part and take the softmax. Posts whose
language is not French or English get ``"unknown"`` and null probabilities.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from veille.pipeline.base import append_columns
from veille.pipeline.features import (
    F32,
    FeatureExtractor,
    Features,
    LexiconTable,
    aligned_zeros,
    lexicon_scores,
)
from veille.pipeline.textprep import text_column

LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")
LANGUAGES: tuple[str, str] = ("fr", "en")
MODEL_PATH = Path(__file__).parent / "models" / "sentiment_fr_en.npz"
FORMAT = 1


@dataclass(frozen=True)
class Lexicon:
    """Sorted entry hashes and their valences (-4..+4)."""

    hashes: npt.NDArray[np.uint64]
    values: F32


def combine_lexicons(lexicons: list[Lexicon]) -> LexiconTable:
    """One lookup table for several lexicons: column ``i`` holds lexicon ``i``'s valence."""
    keys = np.unique(np.concatenate([lex.hashes for lex in lexicons])) if lexicons else None
    if keys is None or len(keys) == 0:
        return LexiconTable(np.zeros(0, np.uint64), np.zeros((0, max(len(lexicons), 1)), F32))
    values = np.zeros((len(keys), len(lexicons)), dtype=np.float32)
    for i, lex in enumerate(lexicons):
        values[np.searchsorted(keys, lex.hashes), i] = lex.values
    return LexiconTable(keys, values)


def dense_features(feats: Features, lang: npt.NDArray[np.int64], lexicons: LexiconTable) -> F32:
    """The dense part of the features. ``lang``: 0 French, 1 English, -1 other.

    Lexicon and punctuation features are given per language (their weights differ),
    followed by one indicator per language (a per-language bias)."""
    tokens = feats.tokens
    return dense_block(lexicon_scores(tokens, lexicons), tokens.exclaim, tokens.question, lang)


def dense_block(
    scores: F32,
    exclaim: npt.NDArray[np.int64],
    question: npt.NDArray[np.int64],
    lang: npt.NDArray[np.int64],
) -> F32:
    """``dense_features`` from the lexicon scores and the ``!``/``?`` counts."""
    extra = np.stack([exclaim.astype(np.float32), question.astype(np.float32)], axis=1)
    base = np.log1p(np.concatenate([scores, extra], axis=1)).astype(np.float32)
    blocks = []
    for code in range(len(LANGUAGES)):
        on = (lang == code).astype(np.float32)[:, None]
        blocks.append(base * on)
    blocks.append(np.stack([(lang == c).astype(np.float32) for c in range(len(LANGUAGES))], 1))
    return np.concatenate(blocks, axis=1)


class SentimentModel:
    """The trained weights and the numpy scorer.

    Two linear models whose logits are added (an ensemble that stays linear):

    - ``table``: (2**bits, 4) float32, the joint French+English multinomial model on
      tf-idf, L2-normalised counts: weights of the three classes already multiplied by
      the idf of the bucket, and idf squared (for the L2 norm);
    - ``nb_table``: (2, 2**bits, 3), one per language (0 fr, 1 en): one-vs-rest logistic
      regressions on counts scaled by naive Bayes log-count ratios (NBSVM, Wang and
      Manning 2012), the ratios and the ensemble weight folded in; not normalised.

    The dense (lexicon) weights and the biases of both are summed in ``dense_weights``
    and ``bias`` (the per-language ones sit on the language indicator columns).
    """

    def __init__(
        self,
        *,
        bits: int,
        char_ngrams: tuple[int, ...],
        table: F32,
        nb_table: F32,
        dense_weights: F32,
        bias: F32,
        lexicons: list[Lexicon],
        meta: dict[str, str],
        default_q: float = 0.0,
    ) -> None:
        self.extractor = FeatureExtractor(bits, char_ngrams)
        if table.shape != (1 << bits, 4):
            raise ValueError(f"weight table has shape {table.shape}, expected {(1 << bits, 4)}")
        self.table = np.ascontiguousarray(table, dtype=np.float32)
        if nb_table.shape != (len(LANGUAGES), 1 << bits, 3):
            raise ValueError(f"nb table has shape {nb_table.shape}")
        self.nb_table = np.ascontiguousarray(nb_table, dtype=np.float32).reshape(-1, 3)
        self.dense_weights = dense_weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.lexicons = lexicons
        self.lexicon_table = combine_lexicons(lexicons)
        # Scoring table per language: [3 joint weights, idf^2, 3 NB weights, 0], plus a
        # zero row (the sentinel bucket) at the end of each language block.
        size = (1 << bits) + 1
        fused = aligned_zeros((len(LANGUAGES) * size, 8), np.float32)
        blocks = fused.reshape(len(LANGUAGES), size, 8)
        blocks[:, : size - 1, :4] = self.table
        blocks[:, : size - 1, 4:7] = self.nb_table.reshape(len(LANGUAGES), size - 1, 3)
        self._fused = fused
        self._block = size
        self.meta = meta
        self.default_q = float(default_q)

    @property
    def version(self) -> str:
        return self.meta.get("version", "unknown")

    def logits(self, texts: list[str], lang: npt.NDArray[np.int64]) -> F32:
        n = len(texts)
        if n == 0:
            return np.zeros((0, 3), dtype=np.float32)
        offset = np.maximum(lang, 0) * self._block
        # Per post: the sum of the fused rows of its character n-grams, then of its tokens
        # (compiled, one pass; no feature array), its lexicon scores and counts.
        got = self.extractor.table_sums(texts, self._fused, offset, self.lexicon_table)
        sums = got.sums
        norm = np.sqrt(np.maximum(sums[:, 3], 1e-12))
        z = sums[:, :3] / norm[:, None] + sums[:, 4:7]
        dense = dense_block(got.lexicon, got.exclaim, got.question, lang)
        z += dense @ self.dense_weights
        z += self.bias
        return z.astype(np.float32)

    def predict_proba(self, texts: list[str], lang: npt.NDArray[np.int64]) -> F32:
        """Probabilities (negative, neutral, positive) for cleaned texts; ``lang`` per
        text: 0 French, 1 English."""
        z = self.logits(texts, lang)
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    # -- persistence -------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Writes the model as a compressed ``.npz``: only buckets with a weight are kept,
        as float16 (the accuracy test checks the saved file, not the trained object)."""
        used = np.flatnonzero(
            np.any(self.table[:, :3] != 0, axis=1) | (self.table[:, 3] != self.default_q)
        ).astype(np.uint32)
        default_q = np.float32(self.default_q)
        nb_used = np.flatnonzero(np.any(self.nb_table != 0, axis=1)).astype(np.uint32)
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "format": np.array(FORMAT),
            "bits": np.array(self.extractor.bits),
            "char_ngrams": np.array(self.extractor.char_ngrams, dtype=np.int64),
            "used": used,
            "weights": self.table[used].astype(np.float16),
            "nb_used": nb_used,
            "nb_weights": self.nb_table[nb_used].astype(np.float16),
            "default_q": np.array(default_q),
            "dense_weights": self.dense_weights,
            "bias": self.bias,
            "meta_keys": np.array(list(self.meta.keys())),
            "meta_values": np.array(list(self.meta.values())),
        }
        for i, lex in enumerate(self.lexicons):
            arrays[f"lex{i}_hashes"] = lex.hashes
            arrays[f"lex{i}_values"] = lex.values.astype(np.float16)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> SentimentModel:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != FORMAT:
                raise ValueError(f"{path}: model format {int(data['format'])}, need {FORMAT}")
            bits = int(data["bits"])
            table = np.zeros((1 << bits, 4), dtype=np.float32)
            table[:, 3] = float(data["default_q"])
            table[data["used"]] = data["weights"].astype(np.float32)
            nb_table = np.zeros((len(LANGUAGES) << bits, 3), dtype=np.float32)
            nb_table[data["nb_used"]] = data["nb_weights"].astype(np.float32)
            lexicons = []
            i = 0
            while f"lex{i}_hashes" in data.files:
                lexicons.append(
                    Lexicon(data[f"lex{i}_hashes"], data[f"lex{i}_values"].astype(np.float32))
                )
                i += 1
            meta = dict(zip(data["meta_keys"].tolist(), data["meta_values"].tolist(), strict=True))
            return cls(
                bits=bits,
                char_ngrams=tuple(int(x) for x in data["char_ngrams"]),
                table=table,
                nb_table=nb_table.reshape(len(LANGUAGES), 1 << bits, 3),
                dense_weights=data["dense_weights"],
                bias=data["bias"],
                lexicons=lexicons,
                meta={str(k): str(v) for k, v in meta.items()},
                default_q=float(data["default_q"]),
            )


_MODEL: dict[Path, SentimentModel] = {}
_LOCK = threading.Lock()


def shared_model(path: Path = MODEL_PATH) -> SentimentModel:
    """The model at ``path``, loaded once per process."""
    with _LOCK:
        if path not in _MODEL:
            _MODEL[path] = SentimentModel.load(path)
        return _MODEL[path]


def language_codes(langs: list[str | None] | pa.Array | pa.ChunkedArray) -> npt.NDArray[np.int64]:
    """0 for French, 1 for English, -1 for anything else (or null)."""
    values = pa.array(langs, pa.string()) if isinstance(langs, list) else langs
    if values.type != pa.string():
        values = values.cast(pa.string())
    index = pc.fill_null(pc.index_in(values, value_set=_LANGUAGE_SET), -1)
    return np.asarray(index.to_numpy(zero_copy_only=False), dtype=np.int64)


_LANGUAGE_SET = pa.array(LANGUAGES, pa.string())
_LABEL_NAMES = pa.array([*LABELS, "unknown"], pa.string())


class SentimentStage:
    """Adds ``sentiment``, ``p_negative``, ``p_neutral``, ``p_positive`` and
    ``sentiment_score`` (= p_positive - p_negative). Needs ``lang_id`` (from the language
    stage); without it the language is identified here."""

    name: ClassVar[str] = "sentiment"
    version: ClassVar[str] = "hashed-lr-fr-en-1"
    label_column: ClassVar[str] = "sentiment"
    confidence_column: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = "sentiment_score"
    detail_columns: ClassVar[tuple[str, ...]] = ("p_negative", "p_neutral", "p_positive")

    def __init__(self, model_path: Path = MODEL_PATH) -> None:
        self.model_path = model_path

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = text_column(batch)
        if "lang_id" in batch.schema.names:
            code = language_codes(batch.column("lang_id"))
        else:
            from veille.pipeline.language import shared_identifier

            code = language_codes(list(shared_identifier().identify(texts)[0]))
        known = np.flatnonzero(code >= 0)
        n = len(texts)
        probs = np.full((n, 3), np.nan, dtype=np.float64)
        label = np.full(n, len(LABELS), dtype=np.int64)  # "unknown"
        if len(known) == n:
            probs[:] = shared_model(self.model_path).predict_proba(texts, code)
            label[:] = probs.argmax(axis=1)
        elif len(known):
            model = shared_model(self.model_path)
            probs[known] = model.predict_proba([texts[i] for i in known], code[known])
            label[known] = probs[known].argmax(axis=1)
        mask = code < 0
        columns = {
            "sentiment": _LABEL_NAMES.take(pa.array(label)),
            "p_negative": pa.array(probs[:, 0], mask=mask, type=pa.float64()),
            "p_neutral": pa.array(probs[:, 1], mask=mask, type=pa.float64()),
            "p_positive": pa.array(probs[:, 2], mask=mask, type=pa.float64()),
            "sentiment_score": pa.array(probs[:, 2] - probs[:, 0], mask=mask, type=pa.float64()),
        }
        return append_columns(batch, columns)
