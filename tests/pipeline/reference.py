"""Reference implementations, for the equivalence tests and the A/B bench
(``bench/cues_speed.py``): the paths that the compiled kernels replaced (as of commit
b60cc56).

- ``lexmatch``: the Arrow-kernel normalisation and the pyahocorasick matcher. Only the fold
  of one text, :func:`_fold_reference`, is shared: it is the definition the kernel's table
  is derived from;
- ``cues``: the stage with those, and its matches, short questions and output columns row
  by row in Python."""

from __future__ import annotations

import re
from collections.abc import Sequence

import ahocorasick
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from veille.pipeline.base import append_columns
from veille.pipeline.cues import (
    CATEGORIES,
    LABEL_PRIORITY,
    NEGATION_WINDOW,
    SHORT_QUESTION_TOKENS,
    TEXT_CAP,
    CueStage,
)
from veille.pipeline.lexmatch import (
    _MENTION,
    _URL,
    Matches,
    Normalized,
    _fold_reference,
    as_string_array,
    cap_length,
)

# byte-level map of the joined values: ASCII non-word bytes -> space, the row separator
# 0xFF (never part of UTF-8) -> newline; other bytes (UTF-8 of non-ASCII letters) unchanged
_SEPARATOR = b"\xff"
_TABLE = (
    bytes(b if (chr(b).isalnum() or chr(b) in "?@") else 0x20 for b in range(128))
    + bytes(range(128, 255))
    + b"\n"
)


def reference_normalize(
    values: pa.StringArray,
    *,
    cap: int | None = None,
    strip_urls: bool = False,
    strip_mentions: bool = False,
) -> Normalized:
    """The normalisation as a chain of Arrow kernels, one value at a time."""
    n = len(values)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Normalized("", empty, empty, np.zeros(0, dtype=np.uint8))
    a: pa.Array = values if cap is None else cap_length(values, cap)
    if strip_urls:
        a = pc.replace_substring_regex(a, _URL, " ")
    if strip_mentions:
        a = pc.replace_substring_regex(a, _MENTION, " ")
    # the fold of an ASCII value is its lower case: the old code folded only the others
    a = _fold_reference(a)
    a = pc.replace_substring(a, "?", " ? ")
    a = pc.replace_substring(a, "@", " @ ")
    joined = pc.binary_join_element_wise(
        pa.scalar(b" "), pc.cast(a, pa.binary()), pa.scalar(b" " + _SEPARATOR), pa.scalar(b"")
    )
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)
    first = int(offsets[joined.offset])
    last = int(offsets[joined.offset + n])
    data = memoryview(joined.buffers()[2])[first:last].tobytes().translate(_TABLE)
    # collapse runs of spaces (vectorised: drop a space that follows a space)
    raw = np.frombuffer(data, dtype=np.uint8)
    space = raw == 0x20
    keep = np.ones(len(raw), dtype=bool)
    keep[1:] = ~(space[1:] & space[:-1])
    packed = raw[keep]
    text = packed.tobytes().decode("utf-8")
    lengths = np.fromiter(map(len, text.split("\n")), dtype=np.int64, count=n + 1)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-2] + 1, out=starts[1:])
    ends = np.empty(n, dtype=np.int64)
    ends[:-1] = starts[1:] - 1
    ends[-1] = len(text) - 1
    return Normalized(text, starts, ends - starts, packed)


class ReferenceMatcher:
    """The pyahocorasick matcher over the normalised text (a ``str``)."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self._automaton = ahocorasick.Automaton()
        self._lengths = np.zeros(len(self.keys), dtype=np.int64)
        for key_id, key in enumerate(self.keys):
            self._automaton.add_word(f" {key} ", key_id)
            self._lengths[key_id] = len(key)
        if self.keys:
            self._automaton.make_automaton()

    def scan(self, normalized: Normalized) -> Matches:
        text, row_start = normalized.text, normalized.row_start
        empty = np.zeros(0, dtype=np.int64)
        found = list(self._automaton.iter(text)) if self.keys and text else []
        if not found:
            return Matches(empty, empty, empty, empty, text, row_start)
        pairs = np.array(found, dtype=np.int64)
        end = pairs[:, 0]
        key = pairs[:, 1]
        start = end - self._lengths[key]
        row = (np.searchsorted(row_start, start, side="right") - 1).astype(np.int64)
        order = np.lexsort((-(end - start), start, row))
        row = row[order]
        return Matches(
            row,
            key[order],
            start[order] - row_start[row],
            end[order] - row_start[row],
            text,
            row_start,
        )


class ReferenceCueStage(CueStage):
    """The stage as it was before the compiled kernels (commit b60cc56): the Arrow-kernel
    normalisation, the pyahocorasick matcher, and the matches, short questions and output
    columns row by row in Python. Only the lexicon set-up is shared."""

    def __init__(self) -> None:
        super().__init__()
        self._matcher = ReferenceMatcher(self._matcher.keys)  # type: ignore[assignment]

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        n = batch.num_rows
        index = batch.schema.get_field_index("text")
        text = as_string_array(batch.column(index) if index >= 0 else None, n, "text")
        normalized = reference_normalize(text, cap=TEXT_CAP, strip_urls=True, strip_mentions=True)
        matches = self._matcher.scan(normalized)
        kept_rows: list[int] = []
        kept_cues: list[int] = []
        if len(matches):
            joined, row_start = matches.text, matches.row_start
            accepted: dict[int, list[tuple[int, int]]] = {}
            seen: dict[int, set[int]] = {}
            for row, key, start, end in zip(
                matches.row.tolist(),
                matches.key.tolist(),
                matches.start.tolist(),
                matches.end.tolist(),
                strict=True,
            ):
                spans = accepted.get(row)
                if spans is not None and any(start < e and s < end for s, e in spans):
                    continue
                cue = self._cues[key]
                if cue.negatable:
                    base = int(row_start[row])
                    window = joined[max(base, base + start - 80) : base + start].split()
                    before = window[-NEGATION_WINDOW:]
                    if "?" in before:
                        before = before[len(before) - before[::-1].index("?") :]
                    if any(tok in self._negators for tok in before):
                        continue
                accepted.setdefault(row, []).append((start, end))
                terms = seen.setdefault(row, set())
                if key in terms:
                    continue
                terms.add(key)
                kept_rows.append(row)
                kept_cues.append(key)
        short = self._short_questions(normalized)
        rows, keys = self._reference_settle(kept_rows, kept_cues, short)
        return append_columns(batch, self._reference_columns(n, rows, keys))

    def _reference_settle(
        self, rows: list[int], keys: list[int], short: npt.NDArray[np.bool_]
    ) -> tuple[list[int], list[int]]:
        with_query = {
            r
            for r, k in zip(rows, keys, strict=True)
            if k != self._question_mark and self._cues[k].category == CATEGORIES.index("query")
        }
        pairs = [
            (r, k)
            for r, k in zip(rows, keys, strict=True)
            if not (k == self._question_mark and (r in with_query or short[r]))
        ]
        for row in np.flatnonzero(short).tolist():
            if row not in with_query:
                pairs.append((row, self._short_question))
        pairs.sort(key=lambda pair: pair[0])
        return [r for r, _ in pairs], [k for _, k in pairs]

    def _short_questions(self, normalized: Normalized) -> npt.NDArray[np.bool_]:
        short = np.zeros(len(normalized), dtype=bool)
        text = normalized.text
        marks = [m.start() for m in re.finditer(r"\?", text)]
        if not marks:
            return short
        rows = np.unique(np.searchsorted(normalized.row_start, marks, side="right") - 1)
        for row in rows.tolist():
            tokens = normalized.row(row).split()
            short[row] = len(tokens) - tokens.count("?") <= SHORT_QUESTION_TOKENS
        return short

    def _reference_columns(
        self, n: int, rows: Sequence[int], keys: Sequence[int]
    ) -> dict[str, pa.Array]:
        row_arr = np.asarray(rows, dtype=np.int64)
        key_arr = np.asarray(keys, dtype=np.int64)
        counts = np.bincount(row_arr, minlength=n) if n else np.zeros(0, dtype=np.int64)
        offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        term_values = self._term_values.take(pa.array(key_arr, type=pa.int64()))
        cue_terms = pa.ListArray.from_arrays(pa.array(offsets), term_values)
        log_keep = np.zeros(n, dtype=np.float64)
        if len(key_arr):
            np.add.at(log_keep, row_arr, np.log1p(-self._weights[key_arr]))
        score = 1.0 - np.exp(log_keep)
        score[np.abs(score) < 1e-12] = 0.0
        present = np.zeros((n, len(CATEGORIES)), dtype=bool)
        heaviest = np.zeros((n, len(CATEGORIES)), dtype=np.float64)
        if len(key_arr):
            cats = self._categories[key_arr]
            present[row_arr, cats] = True
            np.maximum.at(heaviest, (row_arr, cats), self._weights[key_arr])
        cat_values: list[str] = []
        cat_counts = present.sum(axis=1)
        for row in np.flatnonzero(cat_counts).tolist():
            cat_values += [CATEGORIES[c] for c in np.flatnonzero(present[row]).tolist()]
        cat_offsets = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(cat_counts, out=cat_offsets[1:])
        cues = pa.ListArray.from_arrays(
            pa.array(cat_offsets), pa.array(cat_values, type=pa.string())
        )
        priority = [CATEGORIES.index(c) for c in LABEL_PRIORITY]
        best = np.argmax(heaviest[:, priority], axis=1)
        cue_label = pa.DictionaryArray.from_arrays(
            pa.array(best.astype(np.int32), mask=cat_counts == 0),
            pa.array(LABEL_PRIORITY, type=pa.string()),
        ).cast(pa.string())
        return {
            "cues": cues,
            "cue_terms": cue_terms,
            "rumour_cue": pa.array(score, type=pa.float64()),
            "cue_label": cue_label,
        }
