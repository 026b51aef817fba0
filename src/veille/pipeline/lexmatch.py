"""Accent- and case-insensitive, word-bounded lexicon matching over Arrow string columns.

Shared by the ``stakeholders`` and ``cues`` stages. Text and lexicon terms go through the
same normalisation (:func:`normalize`), column-at-a-time:

1. invalid UTF-8 (for instance a lone surrogate written with ``surrogatepass``) is replaced
   by U+FFFD, nulls become empty strings, each value is capped at ``cap`` code points;
2. optionally, URLs and ``@mentions`` are removed (the cues stage does, so that a ``?`` in a
   URL query string does not count);
3. values with non-ASCII characters only (the others skip this step): NFKD (so ``𝐂𝐄𝐎`` and
   ``ﬁ`` fold to ``CEO`` and ``fi``), combining marks removed (accents, zalgo), lower case,
   every other non-ASCII character that is not a letter or a digit (emoji, curly quotes,
   dashes) becomes a space, ``œ``/``æ`` are spelt out; ASCII values are only lower-cased;
4. ``?`` and ``@`` become tokens of their own (``"vrai?"`` gives ``"vrai ?"``, ``"@acme"``
   gives ``"@ acme"``), and the value is padded with a space on both sides;
5. all values are joined into one string (newline-separated), every ASCII character that is
   not a letter, digit, ``?`` or ``@`` becomes a space (one byte-level ``translate``:
   punctuation, ``'``, ``-``, ``_``, ``.``), and runs of spaces collapse to one (numpy).

A normalised term ``t`` (tokens joined by single spaces) is searched as ``" t "``: a match
starts and ends at a token boundary (``"ceo"`` matches in ``"ceo at acme"``, not in ``"ceos"``
or ``"geoceo"``), and punctuation between words does not matter (``"Conseil économique,
social"`` matches the term ``"conseil economique social"``). The joined string is scanned
once by an Aho-Corasick automaton (pyahocorasick): the per-row cost is a few vectorised
Arrow kernels, a few numpy passes, the C scan, and a little Python per match.
"""

from __future__ import annotations

import functools
import re
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
    "Normalized",
    "as_string_array",
    "cap_length",
    "normalize",
    "normalize_terms",
]

_URL = r"(?i)(?:https?://|www\.)[^\s]+"
# an @mention: "@" at the start or after a space or an opening bracket/quote (not in e-mails)
_MENTION = r"(?:^|[\s(\[{\"'«“])@[^\s)\]}\"'»”,;:!?]+"
# non-ASCII characters that are neither letters nor digits (after NFKD and lower case)
_NON_ASCII_NON_WORD = r"[^\x00-\x7f\p{L}\p{N}]+"
_COMBINING = r"\p{Mn}+"
# byte-level map of the joined values: ASCII non-word bytes -> space, the row separator
# 0xFF (never part of UTF-8) -> newline; other bytes (UTF-8 of non-ASCII letters) unchanged
_SEPARATOR = b"\xff"
_TABLE = (
    bytes(b if (chr(b).isalnum() or chr(b) in "?@") else 0x20 for b in range(128))
    + bytes(range(128, 255))
    + b"\n"
)


def as_string_array(
    column: pa.Array | pa.ChunkedArray | None, length: int, name: str = "text"
) -> pa.StringArray:
    """``column`` as one ``pa.string()`` array of valid UTF-8 with nulls as ``""``.

    A missing column gives ``length`` empty strings. Values that are not valid UTF-8 are
    decoded with replacement characters (U+FFFD) instead of failing the batch. Numbers are
    read as their text; a column of another type (struct, list) is a ``TypeError`` naming
    ``name``.
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
            try:
                column = pc.cast(column, pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise TypeError(f"column {name!r}: cannot read {column.type} as text") from exc
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


@dataclass(frozen=True)
class Normalized:
    """A normalised column: the values joined by newlines into ``text``; value ``i`` is
    ``text[row_start[i] : row_start[i] + row_length[i]]`` (space-padded)."""

    text: str
    row_start: npt.NDArray[np.int64]
    row_length: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.row_start)

    def row(self, i: int) -> str:
        start = int(self.row_start[i])
        return self.text[start : start + int(self.row_length[i])]


def _fold_non_ascii_re2(a: pa.Array) -> pa.Array:
    """The reference of :func:`_fold_non_ascii`: Arrow kernels only. Each
    ``replace_substring_regex`` call compiles its RE2 Unicode class again (about 0.5 ms for
    ``\\p{Mn}``, 2.5 ms for the letter/digit class, whatever the number of rows)."""
    a = pc.utf8_normalize(a, "NFKD")
    a = pc.replace_substring_regex(a, _COMBINING, "")
    a = pc.utf8_lower(a)
    a = pc.replace_substring_regex(a, _NON_ASCII_NON_WORD, " ")
    a = pc.replace_substring(a, "œ", "oe")
    return pc.replace_substring(a, "æ", "ae")


def _re2_classes(pattern: str) -> tuple[str, str]:
    """The bodies of two Python ``re`` character classes holding exactly the non-ASCII code
    points (surrogates excepted) that RE2 (Arrow's) matches with the one-character
    ``pattern``: those of the Basic Multilingual Plane, and the others."""
    cps = np.arange(0x80, 0x110000, dtype=np.uint32)
    cps = cps[(cps < 0xD800) | (cps >= 0xE000)]
    every = cps.tobytes().decode("utf-32-le")
    marked = pc.replace_substring_regex(pa.array([every]), pattern, "\x00")[0].as_py()
    hit = np.frombuffer(marked.encode("utf-32-le"), dtype=np.uint32) == 0
    bodies = []
    # ranges neither across the surrogates nor across the BMP boundary
    for part in (cps < 0xD800, (cps >= 0xE000) & (cps < 0x10000), cps >= 0x10000):
        c = cps[part].tolist()
        edges = np.flatnonzero(np.diff(np.concatenate(([0], hit[part].astype(np.int8), [0]))))
        body = []
        for i, j in zip(edges[0::2].tolist(), (edges[1::2] - 1).tolist(), strict=True):
            body.append(re.escape(chr(c[i])) + ("" if i == j else "-" + re.escape(chr(c[j]))))
        bodies.append("".join(body))
    return bodies[0] + bodies[1], bodies[2]


@dataclass(frozen=True)
class _Folders:
    """``_COMBINING`` and ``_NON_ASCII_NON_WORD`` as Python regular expressions over the
    same code points as RE2. Python ``re`` tests a class holding code points beyond U+FFFF
    range by range (slow), one within the BMP with a bitmap: texts without such code points
    (almost all) use the BMP-only classes."""

    marks: re.Pattern[str]
    non_word: re.Pattern[str]
    marks_bmp: re.Pattern[str]
    non_word_bmp: re.Pattern[str]


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.cache
def _python_folders() -> _Folders:
    """Derived from RE2 once per process (about 0.1 s)."""
    marks, marks_astral = _re2_classes(r"\p{Mn}")
    words, words_astral = _re2_classes(r"[\p{L}\p{N}]")
    return _Folders(
        marks=re.compile(f"[{marks}{marks_astral}]+"),
        non_word=re.compile(f"[^\\x00-\\x7f{words}{words_astral}]+"),
        marks_bmp=re.compile(f"[{marks}]+"),
        non_word_bmp=re.compile(f"[^\\x00-\\x7f{words}]+"),
    )


#: From this many values on, the Arrow kernels are faster (their RE2 compilation, ~2-3 ms
#: per call, is spread over the values; Python costs ~3-4 us per value, RE2 ~1 us).
_PYTHON_FOLD_MAX_ROWS = 1000


def _fold_non_ascii(a: pa.Array) -> pa.Array:
    """NFKD, combining marks removed, lower case, other non-ASCII non-word runs as a space,
    ``œ``/``æ`` spelt out. The same result as :func:`_fold_non_ascii_re2` (tests check every
    code point), which runs for ``_PYTHON_FOLD_MAX_ROWS`` values or more. Fewer values: the
    two Unicode-class replacements run as precompiled Python regular expressions, and
    lower-casing (code point by code point, never to or from a mark, checked by the same
    tests) runs before mark removal, so the values cross to Python once."""
    if len(a) >= _PYTHON_FOLD_MAX_ROWS:
        return _fold_non_ascii_re2(a)
    f = _python_folders()
    a = pc.utf8_lower(pc.utf8_normalize(a, "NFKD"))
    astral = _ASTRAL.search
    folded = []
    for v in a.to_pylist():
        if astral(v) is None:
            folded.append(f.non_word_bmp.sub(" ", f.marks_bmp.sub("", v)))
        else:
            folded.append(f.non_word.sub(" ", f.marks.sub("", v)))
    a = pa.array(folded, type=pa.string())
    a = pc.replace_substring(a, "œ", "oe")
    return pc.replace_substring(a, "æ", "ae")


def normalize(
    values: pa.StringArray,
    *,
    cap: int | None = None,
    strip_urls: bool = False,
    strip_mentions: bool = False,
) -> Normalized:
    """Normalise ``values`` (see the module docstring).

    ``values`` must come from :func:`as_string_array` (valid UTF-8, no nulls); each value is
    cut to ``cap`` code points first when ``cap`` is given.
    """
    n = len(values)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Normalized("", empty, empty)
    a: pa.Array = values if cap is None else cap_length(values, cap)
    if strip_urls:
        a = pc.replace_substring_regex(a, _URL, " ")
    if strip_mentions:
        a = pc.replace_substring_regex(a, _MENTION, " ")
    ascii_rows = pc.string_is_ascii(a)
    n_ascii = pc.sum(ascii_rows).as_py() or 0
    if n_ascii == n:
        a = pc.ascii_lower(a)
    elif n_ascii == 0:
        a = _fold_non_ascii(a)
    else:  # fold only the values that need it
        other = pc.invert(ascii_rows)
        a = pc.replace_with_mask(pc.ascii_lower(a), other, _fold_non_ascii(pc.filter(a, other)))
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
    newlines = np.flatnonzero(packed == 0x0A)
    byte_starts = np.zeros(n, dtype=np.int64)
    byte_starts[1:] = newlines[:-1] + 1
    if text.isascii():  # O(1) in CPython: byte offsets are code point offsets
        starts = byte_starts
    else:
        lengths = np.fromiter(map(len, text.split("\n")), dtype=np.int64, count=n + 1)
        starts = np.zeros(n, dtype=np.int64)
        np.cumsum(lengths[:-2] + 1, out=starts[1:])
    ends = np.empty(n, dtype=np.int64)
    ends[:-1] = starts[1:] - 1
    ends[-1] = len(text) - 1
    return Normalized(text, starts, ends - starts)


def normalize_terms(terms: Iterable[str]) -> list[str]:
    """Each term normalised as text is, tokens joined by one space (``""`` if none left)."""
    items = list(terms)
    if not items:
        return []
    normalized = normalize(pa.array(items, type=pa.string()), cap=10_000)
    return [" ".join(normalized.row(i).split()) for i in range(len(items))]


@dataclass(frozen=True)
class Matches:
    """Every term occurrence in a normalised column, ordered by position.

    ``row[i]`` is the row of match ``i``, ``key[i]`` the matched key id, ``start[i]`` and
    ``end[i]`` its span in the row's normalised value (offsets from ``row_start[row]`` in
    ``text``; the span excludes the padding spaces). ``text`` is the joined normalised
    column.
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

    def scan(self, normalized: Normalized) -> Matches:
        """All matches of the keys in ``normalized`` (the output of :func:`normalize`)."""
        text, row_start = normalized.text, normalized.row_start
        empty = np.zeros(0, dtype=np.int64)
        if not self.keys or not text:
            return Matches(empty, empty, empty, empty, text, row_start)
        found = list(self._automaton.iter(text))
        if not found:
            return Matches(empty, empty, empty, empty, text, row_start)
        pairs = np.array(found, dtype=np.int64)
        end = pairs[:, 0]  # the trailing space of the padded key: exclusive end of the term
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
