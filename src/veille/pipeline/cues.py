"""Uncertainty, query and denial cues (French and English): the language of rumours.

For each post the stage finds cue terms of three categories:

- ``uncertainty``: hedges and unconfirmed reports ("il paraît", "selon nos informations",
  "non confirmé", "rumeur", "reportedly", "allegedly", "unconfirmed");
- ``query``: requests for confirmation or sources ("est-ce vrai ?", "source ?", "is it
  true", "any source?"); a short question (a ``?`` in a post of at most 10 words, the usual
  reply to a claim: "Really?", "Is he dead?") as a strong cue (term ``short question ?``);
  any other question mark as a weak cue (term ``?``);
- ``denial``: refutations ("c'est faux", "intox", "démenti", "fake news", "hoax", "not true",
  "debunked").

Cues are matched on word boundaries, accent- and case-insensitively, after URLs and
``@mentions`` are removed (a ``?`` in a URL is not a question). A cue that overlaps a cue
found before it (earlier, or longer at the same place) does not count: "rumeur infondée" is
a denial, not also an uncertainty, and "is it true?" is one query cue, not also "true ?". A
bare ``?`` counts only in a post without another query cue, and the ``short question ?``
cue only in a post without a query phrase.
Denial and uncertainty cues are dropped when one of the three tokens before them is a
negator ("not a hoax", "ce n'est pas une rumeur", "pas faux").

Output columns:

- ``cues``: list of the categories found, in the order uncertainty, query, denial;
- ``cue_terms``: list of the matched terms (as written in the lexicon), in text order,
  each once;
- ``rumour_cue``: ``1 - prod(1 - w)`` over the distinct matched terms, with ``w`` = 0.6 for a
  strong cue and 0.3 for a weak one: 0 without cue, 0.3 for one weak cue (a bare ``?``),
  0.6 for one strong cue, 0.84 for two. A post "has a rumour cue" when ``rumour_cue >= 0.5``
  (one strong cue, or two weak ones);
- ``cue_label``: the category of the heaviest cue (ties: denial, query, uncertainty), null
  without cue.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from veille.errors import ConfigError
from veille.jit import kernel
from veille.pipeline.base import append_columns
from veille.pipeline.lexmatch import (
    Matcher,
    Matches,
    Normalized,
    as_string_array,
    normalize,
    normalize_terms,
)

__all__ = [
    "CATEGORIES",
    "STRONG_WEIGHT",
    "WEAK_WEIGHT",
    "CueStage",
    "builtin_cue_lexicons",
]

CATEGORIES: tuple[str, ...] = ("uncertainty", "query", "denial")
#: tie-break order of ``cue_label`` (first wins)
LABEL_PRIORITY: tuple[str, ...] = ("denial", "query", "uncertainty")
NEGATABLE: frozenset[str] = frozenset({"uncertainty", "denial"})
STRONG_WEIGHT = 0.6
WEAK_WEIGHT = 0.3
TEXT_CAP = 20_000  # code points read per post (longer texts are cut, never rejected)
NEGATION_WINDOW = 3
#: a post with a ``?`` and at most this many words is a strong query cue (chosen on the
#: RumourEval train split: precision 0.55, recall 0.27 for the query label)
SHORT_QUESTION_TOKENS = 10
SHORT_QUESTION_TERM = "short question ?"
_QUERY = CATEGORIES.index("query")


@cache
def builtin_cue_lexicons() -> dict[str, Any]:
    """The packaged ``lexicons/cues.toml``."""
    text = (
        resources.files("veille.pipeline")
        .joinpath("lexicons/cues.toml")
        .read_text(encoding="utf-8")
    )
    return tomllib.loads(text)


@dataclass(frozen=True)
class _Cue:
    category: int  # index into CATEGORIES
    term: str
    weight: float
    negatable: bool


class CueStage:
    """Arrow batch -> the same batch with ``cues``, ``cue_terms``, ``rumour_cue`` and
    ``cue_label``.

    ``extra`` adds terms: ``{"denial": ["pipeau"], "query": {"weak": ["vraiment"]}}`` (a
    list means strong cues).
    """

    name: ClassVar[str] = "cues"
    version: ClassVar[str] = "1.0.0"
    label_column: ClassVar[str] = "cue_label"
    confidence_column: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = "rumour_cue"
    detail_columns: ClassVar[tuple[str, ...]] = ("cues", "cue_terms")

    def __init__(self, extra: Mapping[str, Any] | None = None) -> None:
        lex = builtin_cue_lexicons()
        sections: dict[str, dict[str, list[str]]] = {
            c: {"strong": list(lex[c].get("strong", [])), "weak": list(lex[c].get("weak", []))}
            for c in CATEGORIES
        }
        for category, value in (extra or {}).items():
            if category not in CATEGORIES:
                raise ConfigError(
                    f"cues.{category}: unknown category (known: {', '.join(CATEGORIES)})"
                )
            if isinstance(value, Mapping):
                for strength, terms in value.items():
                    if strength not in ("strong", "weak"):
                        raise ConfigError(f"cues.{category}.{strength}: expected strong or weak")
                    sections[category][strength] += _strings(terms, f"cues.{category}.{strength}")
            else:
                sections[category]["strong"] += _strings(value, f"cues.{category}")
        self._negators = frozenset(normalize_terms(lex["negators"]["terms"]))
        keys: dict[str, int] = {}
        cues: list[_Cue] = []
        for cat_id, category in enumerate(CATEGORIES):
            for strength in ("strong", "weak"):
                terms = sections[category][strength]
                weight = STRONG_WEIGHT if strength == "strong" else WEAK_WEIGHT
                for term, norm in zip(terms, normalize_terms(terms), strict=True):
                    if not norm or norm in keys:
                        continue  # first definition wins (strong before weak)
                    keys[norm] = len(cues)
                    first = norm.split(" ", 1)[0]
                    negatable = category in NEGATABLE and first not in self._negators
                    cues.append(_Cue(cat_id, term, weight, negatable))
        self._question_mark = keys.get("?")
        self._matcher = Matcher(list(keys))
        # structural cue, not in the automaton: a short question
        self._short_question = len(cues)
        cues.append(_Cue(_QUERY, SHORT_QUESTION_TERM, STRONG_WEIGHT, False))
        self._cues = cues
        self._negatable = [c.negatable for c in cues]
        self._term_values = pa.array([c.term for c in cues], type=pa.string())
        self._weights = np.array([c.weight for c in cues], dtype=np.float64)
        self._categories = np.array([c.category for c in cues], dtype=np.int64)
        self._category_values = pa.array(CATEGORIES, type=pa.string())
        self._label_values = pa.array(LABEL_PRIORITY, type=pa.string())
        self._priority = np.array([CATEGORIES.index(c) for c in LABEL_PRIORITY], dtype=np.int64)

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        n = batch.num_rows
        index = batch.schema.get_field_index("text")
        text = as_string_array(batch.column(index) if index >= 0 else None, n, "text")
        normalized = normalize(text, cap=TEXT_CAP, strip_urls=True, strip_mentions=True)
        rows, keys = self._accept(self._matcher.scan(normalized))
        short = self._short_questions(normalized)
        rows, keys = self._settle_questions(rows, keys, short)
        return append_columns(batch, self._columns(n, rows, keys))

    def _accept(self, matches: Matches) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The matches that count, each term once per row: (rows, keys) in text order. A
        match that overlaps one accepted before it in its row (earlier, or longer at the
        same place) does not count, nor a negatable one after a negator."""
        kept_rows: list[int] = []
        kept_keys: list[int] = []
        joined, row_start = matches.text, matches.row_start
        negatable, negators = self._negatable, self._negators
        current = -1
        reach = -1  # the end of the row's accepted matches (they all start before)
        terms: set[int] = set()
        for row, key, start, end in zip(
            matches.row.tolist(),
            matches.key.tolist(),
            matches.start.tolist(),
            matches.end.tolist(),
            strict=True,
        ):
            if row != current:
                current, reach, terms = row, -1, set()
            elif start < reach:
                continue  # overlaps a cue found first (earlier or longer)
            if negatable[key]:
                base = int(row_start[row])
                window = joined[max(base, base + start - 80) : base + start].split()
                before = window[-NEGATION_WINDOW:]
                if "?" in before:
                    before = before[len(before) - before[::-1].index("?") :]
                if any(tok in negators for tok in before):
                    continue
            reach = end  # after the earlier ones: it does not overlap them
            if key in terms:
                continue
            terms.add(key)
            kept_rows.append(row)
            kept_keys.append(key)
        return np.array(kept_rows, dtype=np.int64), np.array(kept_keys, dtype=np.int64)

    def _short_questions(self, normalized: Normalized) -> npt.NDArray[np.bool_]:
        """Rows whose text has a ``?`` and at most :data:`SHORT_QUESTION_TOKENS` words."""
        spaces, questions = _count_spaces_and_questions(normalized.data, len(normalized))
        # a normalised row is its tokens between single spaces: " tok tok ? "
        words = spaces - 1 - questions
        short: npt.NDArray[np.bool_] = (questions > 0) & (words <= SHORT_QUESTION_TOKENS)
        return short

    def _settle_questions(
        self, rows: npt.NDArray[np.int64], keys: npt.NDArray[np.int64], short: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Add the ``short question`` cue where no query phrase was found, and keep a bare
        ``?`` only in posts without another query cue. Returns pairs sorted by row (text
        order within a row, the short question last)."""
        bare = keys == (-1 if self._question_mark is None else self._question_mark)
        with_query = np.zeros(len(short), dtype=bool)
        with_query[rows[(self._categories[keys] == _QUERY) & ~bare]] = True
        keep = ~(bare & (with_query[rows] | short[rows]))
        added = np.flatnonzero(short & ~with_query)
        rows = np.concatenate([rows[keep], added])
        keys = np.concatenate([keys[keep], np.full(len(added), self._short_question)])
        order = np.argsort(rows, kind="stable")
        return rows[order], keys[order]

    def _columns(
        self, n: int, row_arr: npt.NDArray[np.int64], key_arr: npt.NDArray[np.int64]
    ) -> dict[str, pa.Array]:
        counts = np.bincount(row_arr, minlength=n)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        cue_terms = pa.ListArray.from_arrays(offsets, self._term_values.take(key_arr))

        # rumour_cue = 1 - prod(1 - w) (bincount adds in order, as a loop would)
        weights = self._weights[key_arr]
        score = 1.0 - np.exp(np.bincount(row_arr, np.log1p(-weights), minlength=n))
        score[np.abs(score) < 1e-12] = 0.0

        # categories per row and the label (heaviest cue, ties by LABEL_PRIORITY)
        k = len(CATEGORIES)
        cells = row_arr * k + self._categories[key_arr]
        present = (np.bincount(cells, minlength=n * k) > 0).reshape(n, k)
        heaviest = np.zeros((n, k), dtype=np.float64)
        np.maximum.at(heaviest.reshape(-1), cells, weights)
        cat_counts = present.sum(axis=1)
        cat_offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(cat_counts, out=cat_offsets[1:])
        cues = pa.ListArray.from_arrays(
            cat_offsets, self._category_values.take(np.nonzero(present)[1])
        )
        ranked = heaviest[:, self._priority]  # priority order; argmax takes the first max
        best = pa.array(np.argmax(ranked, axis=1), mask=cat_counts == 0)
        return {
            "cues": cues,
            "cue_terms": cue_terms,
            "rumour_cue": pa.array(score, type=pa.float64()),
            "cue_label": self._label_values.take(best),
        }

    def term_categories(self) -> dict[str, tuple[str, float]]:
        """Every cue term (as written) with its category and weight."""
        return {c.term: (CATEGORIES[c.category], c.weight) for c in self._cues}

    def find(self, text: str | None) -> dict[str, Any]:
        """Convenience for one text: the four output values as Python objects."""
        batch = pa.RecordBatch.from_pydict({"text": pa.array([text], pa.string())})
        out = self(batch)
        return {
            name: out.column(name)[0].as_py()
            for name in ("cues", "cue_terms", "rumour_cue", "cue_label")
        }


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return list(value)


@kernel
def _count_spaces_and_questions(
    data: npt.NDArray[np.uint8], rows: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Spaces and ``?`` in each row of a normalised text (UTF-8, rows ended by newlines)."""
    spaces = np.zeros(rows, dtype=np.int64)
    questions = np.zeros(rows, dtype=np.int64)
    row = 0
    in_row_spaces = 0
    in_row_questions = 0
    for b in data:
        if b == 0x0A:
            if row == rows:
                break
            spaces[row] = in_row_spaces
            questions[row] = in_row_questions
            row += 1
            in_row_spaces = 0
            in_row_questions = 0
        in_row_spaces += b == 0x20
        in_row_questions += b == 0x3F
    return spaces, questions
