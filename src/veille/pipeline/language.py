"""Language identification stage: ``lang_id`` (ISO 639-1 or ``"und"``) and ``lang_conf``.

The identifier is py3langid's own model (naive Bayes over byte n-grams, read through a
DFA), run batched in numpy instead of one Python loop per byte: the DFA advances every
post of a batch one byte at a time, the feature counts become one sparse matrix, and the
class scores are one sparse-dense product. The scores are py3langid's (``norm_probs``
confidence included); ``bench/language_id.py`` checks the labels against py3langid's and
measures accuracy and speed against py3langid and lingua on real tweets.

Before identification, links, ``@mentions`` and the ``#`` of hashtags are removed (they
are not language, and the anonymised ``@user``/``http`` of tweet corpora look English).
Text without any letter is ``"und"`` with confidence 0.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from scipy import sparse

from veille.pipeline.base import append_columns
from veille.pipeline.textprep import text_column

#: Bytes of (cleaned) text read per post: enough for any language decision.
MAX_BYTES = 512

#: The default language set: languages of the model that have an ISO 639-1 code and are
#: commonly written on the networks veille reads. Restricting the set is measured in
#: ``bench/RESULTS.md`` (it removes rare confusions such as English read as Scots Gaelic).
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "fr", "en", "es", "de", "it", "pt", "nl", "ca", "eu", "gl", "br", "oc",
    "ar", "ru", "uk", "zh", "ja", "ko", "tr", "pl", "ro", "el", "sv", "da", "no",
    "fi", "cs", "sk", "hu", "he", "hi", "id", "ms", "vi", "th", "fa", "ur", "bn",
    "ta", "sw", "tl", "bg", "hr", "sr", "sl", "lt", "lv", "et", "ga", "cy", "lb",
    "af", "sq", "is", "mt",
)  # fmt: skip

# One leading character class keeps ``re`` fast (4x over a plain alternation, measured).
_NOISE = re.compile(r"[hw@#＃](?:(?<=h)ttps?://\S+|(?<=h)ttp\b|(?<=w)ww\.\S+|(?<=@)\w+|(?<=[#＃]))")
_LETTER = re.compile(r"[^\W\d_]")

FloatArray = npt.NDArray[np.float32]


class BatchLangid:
    """py3langid's model, scored a batch at a time.

    ``languages``: restrict to these ISO codes (``None``: every class of the model).
    """

    def __init__(self, languages: Sequence[str] | None = DEFAULT_LANGUAGES) -> None:
        from py3langid.langid import MODEL_DIR, MODEL_FILE
        from py3langid.modelio import load_model

        ptc, pc, classes, nextmove, row, out = load_model(Path(MODEL_DIR) / MODEL_FILE)
        # int32 halves the 38 MB transition table that every byte reads at random
        self._nextmove = np.frombuffer(nextmove, dtype=_dtype(nextmove.itemsize)).astype(np.int32)
        rows = np.frombuffer(row, dtype=_dtype(row.itemsize)).astype(np.int32)
        self._rowbase = rows << 8
        self._out = np.asarray(out, dtype=np.int64)
        all_classes: list[str] = [str(c) for c in classes]
        if languages is None:
            keep = list(range(len(all_classes)))
        else:
            wanted = set(languages)
            unknown = wanted - set(all_classes)
            if unknown:
                raise ValueError(f"languages not in the model: {sorted(unknown)}")
            keep = [i for i, c in enumerate(all_classes) if c in wanted]
        self._ptc = np.ascontiguousarray(np.asarray(ptc)[:, keep], dtype=np.float32)
        self._pc = np.asarray(pc, dtype=np.float32)[keep]
        names = [all_classes[i] for i in keep]
        # Labels that appear twice (script variants such as sr/srl) share one output.
        self.labels: list[str] = list(dict.fromkeys(names))
        index = {c: i for i, c in enumerate(self.labels)}
        self._merge = np.array([index[c] for c in names], dtype=np.int64)

    @staticmethod
    def prepare(text: str) -> bytes:
        """py3langid's own normalisation (lowercase if all caps, NFC) after removing
        links, mentions and ``#``; bounded to ``MAX_BYTES``."""
        text = _NOISE.sub(" ", text)
        if text.isupper():
            text = text.lower()
        text = unicodedata.normalize("NFC", text)
        return text.encode("utf-8", "surrogatepass")[:MAX_BYTES]

    def scores(self, encoded: Sequence[bytes]) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        """Per-language probabilities (rows sum to 1) and a mask of posts with features."""
        n = len(encoded)
        lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=n)
        order = np.argsort(-lengths, kind="stable")
        sorted_len = lengths[order]
        buf = np.frombuffer(b"".join([encoded[i] for i in order]), dtype=np.uint8)
        max_len = int(sorted_len[0]) if n else 0
        total = len(buf)
        if total:
            # bytes as a (position, post) matrix: step p reads one contiguous row prefix
            post = np.repeat(np.arange(n, dtype=np.int64), sorted_len)
            starts = np.cumsum(sorted_len) - sorted_len
            pos = np.arange(total, dtype=np.int64) - np.repeat(starts, sorted_len)
            flat = pos * n + post
            cells = np.zeros(max_len * n, dtype=np.int32)
            cells[flat] = buf
            grid = cells.reshape(max_len, n)
            visited = np.zeros((max_len, n), dtype=np.int32)
            # active[p] = number of posts longer than p (a prefix, lengths are sorted)
            active = n - np.searchsorted(sorted_len[::-1], np.arange(max_len), side="right")
            state = np.zeros(n, dtype=np.int32)
            for p in range(max_len):
                k = int(active[p])
                s = self._nextmove[self._rowbase[state[:k]] + grid[p, :k]]
                state[:k] = s
                visited[p, :k] = s
            feat = self._out[visited.ravel()[flat]]  # post-major order
            hit = feat >= 0
            rows = post[hit]
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
            counts = sparse.csr_matrix(
                (np.ones(len(rows), dtype=np.float32), feat[hit], indptr),
                shape=(n, self._ptc.shape[0]),
            )
            counts.sum_duplicates()
            has = np.diff(counts.indptr) > 0
            np.log1p(counts.data, out=counts.data)
            raw = np.asarray(counts @ self._ptc, dtype=np.float32) + self._pc
        else:
            has = np.zeros(n, dtype=bool)
            raw = np.zeros((n, len(self._pc)), dtype=np.float32)
        raw *= (1.0 / np.sqrt(np.maximum(sorted_len, 1)))[:, None].astype(np.float32)
        raw -= raw.max(axis=1, keepdims=True)
        np.exp(raw, out=raw)
        raw /= raw.sum(axis=1, keepdims=True)
        probs = np.zeros((n, len(self.labels)), dtype=np.float32)
        for j, target in enumerate(self._merge):
            probs[:, target] += raw[:, j]
        out_probs = np.empty_like(probs)
        out_probs[order] = probs
        out_has = np.empty(n, dtype=bool)
        out_has[order] = has
        return out_probs, out_has

    def identify(self, texts: Sequence[str]) -> tuple[list[str], FloatArray]:
        """``(languages, confidences)`` for cleaned texts; ``"und"``/0 without letters."""
        n = len(texts)
        if n == 0:
            return [], np.zeros(0, dtype=np.float32)
        encoded = [self.prepare(t) for t in texts]
        probs, has = self.scores(encoded)
        best = probs.argmax(axis=1)
        conf = probs[np.arange(n), best]
        letters = np.fromiter((_LETTER.search(t) is not None for t in texts), bool, count=n)
        ok = has & letters
        labels = np.array(self.labels, dtype=object)[best]
        labels[~ok] = "und"
        labels[labels == "zxx"] = "und"
        conf = np.where(ok, conf, np.float32(0.0)).astype(np.float32)
        return labels.tolist(), conf


def _dtype(itemsize: int) -> type[np.unsignedinteger[npt.NBitBase]]:
    return {2: np.uint16, 4: np.uint32, 8: np.uint64}[itemsize]  # type: ignore[return-value]


_SHARED: dict[tuple[str, ...] | None, BatchLangid] = {}
_LOCK = threading.Lock()


def shared_identifier(languages: Sequence[str] | None = DEFAULT_LANGUAGES) -> BatchLangid:
    """One identifier per language set per process (loading the model takes ~1 s)."""
    key = None if languages is None else tuple(languages)
    with _LOCK:
        if key not in _SHARED:
            _SHARED[key] = BatchLangid(languages)
        return _SHARED[key]


class LanguageStage:
    """Adds ``lang_id`` (ISO 639-1, or ``"und"``) and ``lang_conf`` (0-1)."""

    name: ClassVar[str] = "language"
    version: ClassVar[str] = "py3langid-0.4-batch-1"
    label_column: ClassVar[str] = "lang_id"
    confidence_column: ClassVar[str | None] = "lang_conf"
    score_column: ClassVar[str | None] = None
    detail_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, languages: Sequence[str] | None = DEFAULT_LANGUAGES) -> None:
        self.languages = languages

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = text_column(batch)
        labels, conf = shared_identifier(self.languages).identify(texts)
        return append_columns(
            batch,
            {
                "lang_id": pa.array(labels, type=pa.string()),
                "lang_conf": pa.array(conf.astype(np.float64), type=pa.float64()),
            },
        )
