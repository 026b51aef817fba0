"""Accent- and case-insensitive, word-bounded lexicon matching over Arrow string columns.

Shared by the ``stakeholders`` and ``cues`` stages. Text and lexicon terms go through the
same normalisation (:func:`normalize`), done column-at-a-time with Arrow compute kernels:

1. invalid UTF-8 (for instance a lone surrogate written with ``surrogatepass``) is replaced
   by U+FFFD, nulls become empty strings, each value is capped at ``cap`` code points;
2. optionally, URLs and ``@mentions`` are removed (the cues stage does, so that
   ``?`` in a URL query string or a mentioned handle does not count);
3. NFKD (so ``𝐂𝐄𝐎`` and ``ﬁ`` fold to ``CEO`` and ``fi``), combining marks removed
   (accents, zalgo), lower case, ``œ``/``æ`` spelt out;
4. every run of characters that are not letters, digits, ``?`` or ``@`` becomes one space,
   and ``?`` and ``@`` become tokens of their own;
5. the value is padded with a space on both sides.

A normalised term ``t`` is searched as ``" t "``: a match always starts and ends at a token
boundary (``"ceo"`` matches in ``"ceo at acme"``, not in ``"ceos"`` or ``"geoceo"``). All values
of a column are joined into one string and scanned once by an Aho-Corasick automaton
(pyahocorasick), so the per-row cost is the C scan plus a little work per match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "Matcher",
    "Matches",
    "as_string_array",
    "cap_length",
    "normalize",
    "normalize_terms",
    "preceding_tokens",
]

_URL = r"(?i)(?:https?://|www\.)[^\s]+"
# an @mention: "@" at the start or after a space or an opening bracket/quote (not in e-mails)
_MENTION = r"(?:^|[\s(\[{\"'«“])@[^\s)\]}\"'»”,;:!?]+"
# Runs of characters that are neither letters, digits, "?" nor "@". Both patterns give the
# same result. Compiling a Unicode class costs RE2 about 3 ms per class and per call, so
# small inputs use the one-class form; on large ones the second form, which leaves a lone
# space (most separators) alone, runs twice as fast.
_NON_WORD_SMALL = r"[^\p{L}\p{N}?@]+"
_NON_WORD_LARGE = r" [^\p{L}\p{N}?@]+|[^\p{L}\p{N}?@ ][^\p{L}\p{N}?@]*"
_LARGE_INPUT_BYTES = 1 << 20


def as_string_array(column: pa.Array | pa.ChunkedArray | None, length: int) -> pa.StringArray:
    """``column`` as one ``pa.string()`` array of valid UTF-8 with nulls as ``""``.

    A missing column gives ``length`` empty strings. Values that are not valid UTF-8 are
    decoded with replacement characters (U+FFFD) instead of failing the batch.
    """
    if column is None:
        return pa.array([""] * length, type=pa.string())
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], type=column.type)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
            column = _repair_utf8(column)
        else:
            column = pc.cast(column, pa.string())
    try:
        column.validate(full=True)
    except pa.ArrowInvalid:
        column = _repair_utf8(column)
    if pa.types.is_large_string(column.type):
        column = pc.cast(column, pa.string())
    result = pc.fill_null(column, "")
    assert isinstance(result, pa.StringArray)
    return result


def _repair_utf8(column: pa.Array) -> pa.StringArray:
    raw = column.view(pa.large_binary() if column.type in _LARGE else pa.binary())
    values = [None if b is None else b.decode("utf-8", "replace") for b in raw.to_pylist()]
    return pa.array(values, type=pa.string())


_LARGE = (pa.large_string(), pa.large_binary())


def cap_length(values: pa.StringArray, cap: int) -> pa.StringArray:
    """``values`` with each value cut to its first ``cap`` code points."""
    if len(values) == 0 or (pc.max(pc.binary_length(values)).as_py() or 0) <= cap:
        return values
    result = pc.utf8_slice_codeunits(values, 0, cap)  # slices whole code points
    assert isinstance(result, pa.StringArray)
    return result


def normalize(
    values: pa.StringArray,
    *,
    cap: int | None = None,
    strip_urls: bool = False,
    strip_mentions: bool = False,
) -> pa.StringArray:
    """Normalised, space-padded copy of ``values`` (see the module docstring).

    ``values`` must come from :func:`as_string_array` (valid UTF-8, no nulls); each value is
    cut to ``cap`` code points first when ``cap`` is given.
    """
    a: pa.Array = values
    if len(a) == 0:
        return values
    if cap is not None:
        a = cap_length(values, cap)
    if strip_urls:
        a = pc.replace_substring_regex(a, _URL, " ")
    if strip_mentions:
        a = pc.replace_substring_regex(a, _MENTION, " ")
    a = pc.utf8_normalize(a, "NFKD")
    a = pc.replace_substring_regex(a, r"\p{Mn}+", "")
    a = pc.utf8_lower(a)
    a = pc.replace_substring(a, "œ", "oe")
    a = pc.replace_substring(a, "æ", "ae")
    a = pc.replace_substring(a, "?", " ? ")
    a = pc.replace_substring(a, "@", " @ ")
    # runs of non-word characters -> one space; a lone space (most of them) is left alone,
    # which halves the time of this step
    large = (pc.sum(pc.binary_length(a)).as_py() or 0) > _LARGE_INPUT_BYTES
    a = pc.replace_substring_regex(a, _NON_WORD_LARGE if large else _NON_WORD_SMALL, " ")
    a = pc.binary_join_element_wise(" ", a, " ", "")
    assert isinstance(a, pa.StringArray)
    return a


def normalize_terms(terms: Iterable[str]) -> list[str]:
    """Each term normalised as text is, without the padding (``""`` when nothing is left)."""
    items = list(terms)
    if not items:
        return []
    normalized = normalize(pa.array(items, type=pa.string()), cap=10_000)
    return [" ".join(str(v).split()) for v in normalized.to_pylist()]


@dataclass(frozen=True)
class Matches:
    """Every term occurrence in a normalised column, ordered by position.

    ``row[i]`` is the row of match ``i``, ``key[i]`` the matched key id, ``start[i]`` and
    ``end[i]`` its span in the row's normalised value (``text[row_start[row]:...]``; the span
    excludes the padding spaces). ``text`` is the joined normalised column.
    """

    row: npt.NDArray[np.int64]
    key: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    text: str
    row_start: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.row)


class Matcher:
    """An Aho-Corasick automaton over normalised keys (each key is a token sequence)."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self._automaton = ahocorasick.Automaton()
        self._lengths = np.zeros(len(self.keys), dtype=np.int64)
        for key_id, key in enumerate(self.keys):
            if not key or key != " ".join(key.split()):
                raise ValueError(f"key {key!r} is not a normalised term")
            self._automaton.add_word(f" {key} ", key_id)
            self._lengths[key_id] = len(key)
        if self.keys:
            self._automaton.make_automaton()

    def scan(self, normalized: pa.StringArray) -> Matches:
        """All matches of the keys in ``normalized`` (the output of :func:`normalize`)."""
        n = len(normalized)
        lengths = pc.utf8_length(normalized).to_numpy(zero_copy_only=False).astype(np.int64)
        row_end = np.cumsum(lengths)
        row_start = row_end - lengths
        empty = np.zeros(0, dtype=np.int64)
        if n == 0 or not self.keys or int(row_end[-1]) == 0:
            return Matches(empty, empty, empty, empty, "", row_start)
        text = _joined(normalized)
        found = list(self._automaton.iter(text))
        if not found:
            return Matches(empty, empty, empty, empty, text, row_start)
        flat = np.fromiter(
            (x for pair in found for x in pair), dtype=np.int64, count=2 * len(found)
        )
        pad_end = flat[0::2]  # index of the trailing padding space
        key = flat[1::2]
        end = pad_end  # exclusive end of the key text
        start = end - self._lengths[key]
        row = np.searchsorted(row_end, start, side="right").astype(np.int64)
        order = np.lexsort((-(end - start), start, row))
        return Matches(
            row[order],
            key[order],
            start[order] - row_start[row[order]],
            end[order] - row_start[row[order]],
            text,
            row_start,
        )


def _joined(normalized: pa.StringArray) -> str:
    """All values of ``normalized`` concatenated, read from the Arrow buffers in one decode."""
    offsets = np.frombuffer(normalized.buffers()[1], dtype=np.int32)
    first = int(offsets[normalized.offset])
    last = int(offsets[normalized.offset + len(normalized)])
    data = normalized.buffers()[2]
    if data is None:
        return ""
    return memoryview(data)[first:last].tobytes().decode("utf-8")


def preceding_tokens(text: str, row_start: int, start: int, count: int) -> list[str]:
    """Up to ``count`` tokens before position ``start`` of a normalised row, nearest first."""
    begin = max(row_start, row_start + start - 64 * count)
    window = text[begin : row_start + start].split()
    return window[::-1][:count]
