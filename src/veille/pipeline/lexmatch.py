"""Accent- and case-insensitive, word-bounded lexicon matching over Arrow string columns.

Shared by the ``stakeholders`` and ``cues`` stages. Text and lexicon terms go through the
same normalisation (:func:`normalize`), column-at-a-time:

1. each value is capped at ``cap`` code points (its input must be valid UTF-8 without
   nulls: :func:`as_string_array` replaces invalid UTF-8, for instance a lone surrogate
   written with ``surrogatepass``, by U+FFFD and nulls by empty strings);
2. optionally, URLs and ``@mentions`` are removed (the cues stage does, so that a ``?`` in a
   URL query string does not count): each match of the RE2 patterns ``_URL`` and
   ``_MENTION`` becomes a space;
3. non-ASCII characters are folded: NFKD (so ``𝐂𝐄𝐎`` and ``ﬁ`` fold to ``CEO`` and
   ``fi``), combining marks removed (accents, zalgo), lower case, every other non-ASCII
   character that is not a letter or a digit (emoji, curly quotes, dashes) becomes a space,
   ``œ``/``æ`` are spelt out; ASCII is only lower-cased;
4. ``?`` and ``@`` become tokens of their own (``"vrai?"`` gives ``"vrai ?"``, ``"@acme"``
   gives ``"@ acme"``), every other ASCII character that is not a letter or a digit
   (punctuation, ``'``, ``-``, ``_``, ``.``) becomes a space, runs of spaces collapse to one,
   and the value is padded with a space on both sides;
5. all values are joined into one string, newline-separated.

The definition of steps 2 and 3 is Arrow's (RE2 patterns, utf8proc's NFKD and lower case,
:func:`_fold_reference`). They run as one compiled pass over the batch
(:func:`_normalize_kernel`): the fold of each code point is read from a table derived once
per process from :func:`_fold_reference`, and the two patterns are matched by hand-written
scanners; tests compare the result with the Arrow pipeline on every code point and on fuzzed
texts.

A normalised term ``t`` (tokens joined by single spaces) is searched as ``" t "``: a match
starts and ends at a token boundary (``"ceo"`` matches in ``"ceo at acme"``, not in ``"ceos"``
or ``"geoceo"``), and punctuation between words does not matter (``"Conseil économique,
social"`` matches the term ``"conseil economique social"``). The joined string is scanned
once by an Aho-Corasick automaton (:class:`Matcher`, a compiled kernel over its UTF-8): the
per-row cost is the compiled normalisation and scan, a few numpy passes, and a little
Python per match.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from veille.jit import kernel

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
    ``text[row_start[i] : row_start[i] + row_length[i]]`` (space-padded). ``data`` is the
    UTF-8 of ``text``."""

    text: str
    row_start: npt.NDArray[np.int64]
    row_length: npt.NDArray[np.int64]
    data: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.row_start)

    def row(self, i: int) -> str:
        start = int(self.row_start[i])
        return self.text[start : start + int(self.row_length[i])]


def _fold_reference(a: pa.Array) -> pa.Array:
    """The definition of the non-ASCII fold, in Arrow kernels: NFKD (so ``𝐂𝐄𝐎`` and ``ﬁ``
    fold to ``CEO`` and ``fi``), combining marks removed (accents, zalgo), lower case, every
    other non-ASCII character that is neither a letter nor a digit as a space, ``œ``/``æ``
    spelt out. :func:`_fold_table` runs it once per process over every code point; the
    normalisation kernel then applies the table character by character."""
    a = pc.utf8_normalize(a, "NFKD")
    a = pc.replace_substring_regex(a, _COMBINING, "")
    a = pc.utf8_lower(a)
    a = pc.replace_substring_regex(a, _NON_ASCII_NON_WORD, " ")
    a = pc.replace_substring(a, "œ", "oe")
    return pc.replace_substring(a, "æ", "ae")


@dataclass(frozen=True)
class _FoldTable:
    """What the kernel writes for each code point ``c``: ``data[start[c] : start[c + 1]]``
    (UTF-8), its fold with every ASCII character that is not a letter or a digit as a space
    and ``?`` and ``@`` between spaces (the kernel then collapses runs of spaces)."""

    start: npt.NDArray[np.int32]
    data: npt.NDArray[np.uint8]
    max_bytes: int  # the longest entry
    #: the one byte written for an ASCII code point, 0 for ``?`` and ``@`` (three bytes)
    ascii: npt.NDArray[np.uint8]


_CODE_POINTS = 0x110000


@functools.cache
def _fold_table() -> _FoldTable:
    """Built once per process (about 0.2 s) from :func:`_fold_reference`, so that the fold
    follows the Unicode tables of the installed Arrow (utf8proc, RE2).

    The fold of a text is the concatenation of the folds of its code points, up to runs of
    spaces (which the normalisation collapses anyway): NFKD decomposes each code point on
    its own, lower-casing and the two class replacements work code point by code point, and
    the only step across code points, NFKD's canonical reordering, moves combining
    characters only among combining characters, which all fold to nothing or to a space
    (tests check it, and compare the kernel with the Arrow pipeline on every code point)."""
    # one value, the code points separated by NUL: a starter (NFKD does not reorder across
    # it) and ASCII (the fold leaves it alone and no replacement spans it)
    spaced = _every_code_point()
    offsets = np.array([0, len(spaced)], dtype=np.int32)
    one = pa.StringArray.from_buffers(1, pa.py_buffer(offsets), pa.py_buffer(spaced))
    raw = np.frombuffer(_fold_reference(one)[0].as_buffer(), dtype=np.uint8)
    start, data, found = _table_entries(raw)
    if found != _CODE_POINTS:  # pragma: no cover - an Arrow that folds NUL away
        raise RuntimeError("lexmatch: cannot derive the fold table from Arrow")
    ascii_byte = np.where(np.diff(start[:129]) == 1, data[start[:128]], 0).astype(np.uint8)
    return _FoldTable(start, data, int(np.diff(start).max()), ascii_byte)


@kernel
def _every_code_point() -> npt.NDArray[np.uint8]:
    """The UTF-8 of every non-ASCII code point (U+FFFD for the surrogates), each followed
    by a NUL."""
    out = np.empty(5 * _CODE_POINTS, dtype=np.uint8)
    n = 0
    for c in range(0x80, _CODE_POINTS):
        if 0xD800 <= c < 0xE000:
            c = 0xFFFD
        if c < 0x800:
            out[n] = 0xC0 | (c >> 6)
            out[n + 1] = 0x80 | (c & 0x3F)
            n += 2
        elif c < 0x10000:
            out[n] = 0xE0 | (c >> 12)
            out[n + 1] = 0x80 | ((c >> 6) & 0x3F)
            out[n + 2] = 0x80 | (c & 0x3F)
            n += 3
        else:
            out[n] = 0xF0 | (c >> 18)
            out[n + 1] = 0x80 | ((c >> 12) & 0x3F)
            out[n + 2] = 0x80 | ((c >> 6) & 0x3F)
            out[n + 3] = 0x80 | (c & 0x3F)
            n += 4
        out[n] = 0
        n += 1
    return out[:n].copy()


@kernel
def _table_entries(
    raw: npt.NDArray[np.uint8],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8], int]:
    """The entries of :class:`_FoldTable` from the folds of the non-ASCII code points
    (``raw``: each followed by a NUL); ASCII code points are lower-cased. Each ASCII byte
    that is not a letter or a digit becomes a space, ``?`` and ``@`` `` ? `` and `` @ ``.
    Returns the entries and how many code points were found."""
    start = np.zeros(_CODE_POINTS + 1, dtype=np.int32)
    data = np.empty(3 * (len(raw) + 128), dtype=np.uint8)
    n = 0
    c = 0
    for b in range(128):  # ASCII: lower case
        low = b + 0x20 if 0x41 <= b <= 0x5A else b
        if low == 0x3F or low == 0x40:
            data[n] = 0x20
            data[n + 1] = low
            data[n + 2] = 0x20
            n += 3
        elif (0x61 <= low <= 0x7A) or (0x30 <= low <= 0x39):
            data[n] = low
            n += 1
        else:
            data[n] = 0x20
            n += 1
        c += 1
        start[c] = n
    for b in raw:
        if b == 0:  # the end of a code point's fold
            c += 1
            if c > _CODE_POINTS:
                break
            start[c] = n
        elif b == 0x3F or b == 0x40:
            data[n] = 0x20
            data[n + 1] = b
            data[n + 2] = 0x20
            n += 3
        elif b >= 0x80 or (0x61 <= b <= 0x7A) or (0x30 <= b <= 0x39) or (0x41 <= b <= 0x5A):
            data[n] = b
            n += 1
        else:
            data[n] = 0x20
            n += 1
    return start, data[:n].copy(), c


@kernel
def _decode_utf8(
    data: npt.NDArray[np.uint8], begin: int, end: int, cap: int, cps: npt.NDArray[np.int32]
) -> int:
    """The first ``cap`` code points of ``data[begin:end]`` into ``cps``; returns their
    number. Never reads outside the range; a malformed byte reads as U+FFFD."""
    m = 0
    j = begin
    while j < end and m < cap:
        b = int(data[j])
        if b < 0x80:
            c = b
            j += 1
        elif 0xC0 <= b < 0xE0 and j + 1 < end:
            c = ((b & 0x1F) << 6) | (int(data[j + 1]) & 0x3F)
            j += 2
        elif 0xE0 <= b < 0xF0 and j + 2 < end:
            c = ((b & 0x0F) << 12) | ((int(data[j + 1]) & 0x3F) << 6) | (int(data[j + 2]) & 0x3F)
            j += 3
        elif 0xF0 <= b < 0xF8 and j + 3 < end:
            c = (
                ((b & 0x07) << 18)
                | ((int(data[j + 1]) & 0x3F) << 12)
                | ((int(data[j + 2]) & 0x3F) << 6)
                | (int(data[j + 3]) & 0x3F)
            )
            j += 4
        else:
            c = 0xFFFD
            j += 1
        cps[m] = c if c < _CODE_POINTS else 0xFFFD
        m += 1
    return m


@kernel
def _is_space(c: int) -> bool:
    """RE2's ``\\s``: tab, newline, form feed, carriage return, space (not vertical tab)."""
    return c == 0x20 or c == 0x09 or c == 0x0A or c == 0x0C or c == 0x0D


@kernel
def _url_prefix(s: npt.NDArray[np.int32], i: int, m: int) -> int:
    """The length of ``(?i)https?://|www\\.`` at ``s[i]`` (0 if none). RE2's case folding
    adds ``ſ`` (U+017F) to ``s``; ``h``, ``t``, ``p``, ``w`` have no other case."""
    c = s[i]
    if c == 0x68 or c == 0x48:  # h
        if (
            i + 3 < m
            and (s[i + 1] == 0x74 or s[i + 1] == 0x54)
            and (s[i + 2] == 0x74 or s[i + 2] == 0x54)
            and (s[i + 3] == 0x70 or s[i + 3] == 0x50)
        ):
            j = i + 4
            if (
                j + 3 < m
                and (s[j] == 0x73 or s[j] == 0x53 or s[j] == 0x17F)
                and s[j + 1] == 0x3A
                and s[j + 2] == 0x2F
                and s[j + 3] == 0x2F
            ):
                return j + 4 - i
            if j + 2 < m and s[j] == 0x3A and s[j + 1] == 0x2F and s[j + 2] == 0x2F:
                return j + 3 - i
        return 0
    if (
        (c == 0x77 or c == 0x57)  # w
        and i + 3 < m
        and (s[i + 1] == 0x77 or s[i + 1] == 0x57)
        and (s[i + 2] == 0x77 or s[i + 2] == 0x57)
        and s[i + 3] == 0x2E
    ):
        return 4
    return 0


@kernel
def _url_length(s: npt.NDArray[np.int32], i: int, m: int) -> int:
    """The length of the match of :data:`_URL` at ``s[i]`` (0 if none)."""
    length = _url_prefix(s, i, m)
    if length == 0 or i + length >= m or _is_space(s[i + length]):
        return 0
    j = i + length + 1
    while j < m and not _is_space(s[j]):
        j += 1
    return j - i


@kernel
def _may_match(data: npt.NDArray[np.uint8], begin: int, end: int) -> tuple[bool, bool]:
    """Whether the UTF-8 ``data[begin:end]`` may hold a URL (it has a ``:``, or a ``.``
    after a ``w``) and a mention (an ``@``): a branch-free pass over bytes, to skip the
    scanners for most texts."""
    url = np.uint8(0)
    at = np.uint8(0)
    previous = np.uint8(0)
    for b in data[begin:end]:
        url |= np.uint8(b == 0x3A) | (np.uint8(b == 0x2E) & np.uint8(previous == 0x77))
        at |= np.uint8(b == 0x40)
        previous = b | np.uint8(0x20)
    return url != 0, at != 0


@kernel
def _strip_urls(s: npt.NDArray[np.int32], m: int) -> int:
    """``s[:m]`` with each match of :data:`_URL` replaced by a space, in place; returns the
    new length."""
    i = 0
    k = 0
    while i < m:
        c = s[i] | 0x20
        length = _url_length(s, i, m) if c == 0x68 or c == 0x77 else 0  # h, w
        if length:
            s[k] = 0x20
            i += length
        else:
            s[k] = s[i]
            i += 1
        k += 1
    return k


@kernel
def _mention_opener(c: int) -> bool:
    """``[\\s(\\[{"'«“]``"""
    return (
        _is_space(c)
        or c == 0x28
        or c == 0x5B
        or c == 0x7B
        or c == 0x22
        or c == 0x27
        or c == 0xAB
        or c == 0x201C
    )


@kernel
def _mention_char(c: int) -> bool:
    """``[^\\s)\\]}"'»”,;:!?]``"""
    return not (
        _is_space(c)
        or c == 0x29
        or c == 0x5D
        or c == 0x7D
        or c == 0x22
        or c == 0x27
        or c == 0xBB
        or c == 0x201D
        or c == 0x2C
        or c == 0x3B
        or c == 0x3A
        or c == 0x21
        or c == 0x3F
    )


@kernel
def _mention_body(s: npt.NDArray[np.int32], i: int, m: int) -> int:
    """Where the name of a match of :data:`_MENTION` at ``s[i]`` starts (after the ``@``),
    -1 if none: ``^@x`` at the start, else an opener followed by ``@x``."""
    if i == 0 and s[0] == 0x40:
        return 1 if m > 1 and _mention_char(s[1]) else -1
    if i + 2 < m and s[i + 1] == 0x40 and _mention_opener(s[i]) and _mention_char(s[i + 2]):
        return i + 2
    return -1


@kernel
def _strip_mentions(s: npt.NDArray[np.int32], m: int) -> int:
    """``s[:m]`` with each match of :data:`_MENTION` replaced by a space, in place; returns
    the new length (leftmost first, as RE2)."""
    i = 0
    k = 0
    while i < m:
        body = _mention_body(s, i, m) if s[i] == 0x40 or (i + 1 < m and s[i + 1] == 0x40) else -1
        if body >= 0:
            j = body + 1
            while j < m and _mention_char(s[j]):
                j += 1
            s[k] = 0x20
            i = j
        else:
            s[k] = s[i]
            i += 1
        k += 1
    return k


@kernel
def _row_bytes(
    cps: npt.NDArray[np.int32], m: int, fold_start: npt.NDArray[np.int32], max_bytes: int
) -> int:
    """At most how many bytes the kernel writes for a row of code points ``cps[:m]``."""
    bound = 3 + m * max_bytes
    if bound > 1 << 16:  # tighter, for long texts
        bound = 3
        for k in range(m):
            bound += fold_start[cps[k] + 1] - fold_start[cps[k]]
    return bound


@kernel
def _grow(out: npt.NDArray[np.uint8], used: int, need: int) -> npt.NDArray[np.uint8]:
    bigger = np.empty(max(2 * len(out), used + need), dtype=np.uint8)
    bigger[:used] = out[:used]
    return bigger


@kernel
def _normalize_kernel(
    data: npt.NDArray[np.uint8],
    offsets: npt.NDArray[np.int32],
    cap: int,
    strip_urls: bool,
    strip_mentions: bool,
    fold_start: npt.NDArray[np.int32],
    fold_data: npt.NDArray[np.uint8],
    max_bytes: int,
    ascii_byte: npt.NDArray[np.uint8],
) -> tuple[npt.NDArray[np.uint8], int, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Steps 1-5 of the module docstring for the values ``data[offsets[i]:offsets[i + 1]]``:
    the joined UTF-8 text (``out[:used]``) and each value's start and length in code
    points."""
    n = len(offsets) - 1
    longest = 0
    for i in range(n):
        longest = max(longest, int(offsets[i + 1]) - int(offsets[i]))
    cps = np.empty(longest, dtype=np.int32)  # a value never has more code points than bytes
    out = np.empty(len(data) + 8 * n + 64, dtype=np.uint8)
    starts = np.empty(n, dtype=np.int64)
    lengths = np.empty(n, dtype=np.int64)
    pos = 0  # bytes written
    cp = 0  # code points written
    for i in range(n):
        begin, end = int(offsets[i]), int(offsets[i + 1])
        m = _decode_utf8(data, begin, end, cap, cps)
        if strip_urls or strip_mentions:
            url, at = _may_match(data, begin, end)
            if strip_urls and url:
                m = _strip_urls(cps, m)
            if strip_mentions and at:
                m = _strip_mentions(cps, m)
        need = _row_bytes(cps, m, fold_start, max_bytes)
        if len(out) - pos < need:
            out = _grow(out, pos, need)
        starts[i] = cp
        out[pos] = 0x20
        pos += 1
        cp += 1
        space = True  # the last byte written is a space: a space now is dropped
        for k in range(m):
            c = cps[k]
            if c < 0x80 and ascii_byte[c] != 0:  # most code points: one byte, no branch
                b = ascii_byte[c]
                blank = b == 0x20
                out[pos] = b
                step = 0 if blank and space else 1
                pos += step
                cp += step
                space = blank
                continue
            for q in range(fold_start[c], fold_start[c + 1]):
                b = fold_data[q]
                if b == 0x20:
                    if space:
                        continue
                    space = True
                else:
                    space = False
                out[pos] = b
                pos += 1
                if b < 0x80 or b >= 0xC0:  # not a UTF-8 continuation byte
                    cp += 1
        if not space:
            out[pos] = 0x20
            pos += 1
            cp += 1
        lengths[i] = cp - starts[i]
        out[pos] = 0x0A
        pos += 1
        cp += 1
    return out, pos, starts, lengths


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
    if cap is not None and cap < 0:
        raise ValueError(f"cap must be >= 0, not {cap}")
    n = len(values)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Normalized("", empty, empty, np.zeros(0, dtype=np.uint8))
    if pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[values.offset : values.offset + n + 1]
    data = (
        np.zeros(0, dtype=np.uint8)
        if buffers[2] is None
        else np.frombuffer(buffers[2], dtype=np.uint8)
    )
    table = _fold_table()
    out, used, starts, lengths = _normalize_kernel(
        data,
        offsets,
        _NO_CAP if cap is None else cap,
        strip_urls,
        strip_mentions,
        table.start,
        table.data,
        table.max_bytes,
        table.ascii,
    )
    joined = out[:used]
    return Normalized(str(joined.data, "utf-8"), starts, lengths, joined)


_NO_CAP = 1 << 62


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
    """An Aho-Corasick automaton over normalised keys (each key is a token sequence), run
    over the UTF-8 of the normalised text by a compiled kernel.

    The states are the prefixes of the padded keys ``" key "``, numbered breadth first.
    Bytes are mapped to classes (one per byte that occurs in a key, one for all others).
    The first states (all of them unless the automaton is very large, see
    :data:`_DENSE_ENTRIES`) have a full transition row, failures resolved: one table
    look-up per byte. Deeper states keep their children (a short list) and their failure
    link. Each state also has its dictionary link (the nearest state on its failure chain
    that ends a key)."""

    def __init__(self, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self._lengths = np.zeros(len(self.keys), dtype=np.int64)
        for key_id, key in enumerate(self.keys):
            if not key or key != " ".join(key.split()):
                raise ValueError(f"key {key!r} is not a normalised term")
            self._lengths[key_id] = len(key)
        self._automaton = _Automaton.build(self.keys)

    def scan(self, normalized: Normalized) -> Matches:
        """All matches of the keys in ``normalized`` (the output of :func:`normalize`)."""
        text, row_start = normalized.text, normalized.row_start
        empty = np.zeros(0, dtype=np.int64)
        if not self.keys or not text:
            return Matches(empty, empty, empty, empty, text, row_start)
        end, key = self._automaton.scan(normalized.data)
        if not len(end):
            return Matches(empty, empty, empty, empty, text, row_start)
        # ``end``: the trailing space of the padded key, the exclusive end of the term
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


#: at most this many entries (int32) in the full transition rows (16 MB): beyond, the
#: deeper states walk their failure links
_DENSE_ENTRIES = 1 << 22


@dataclass(frozen=True)
class _Automaton:
    byte_class: npt.NDArray[np.int32]  # 256 entries
    classes: int
    delta: npt.NDArray[np.int32]  # full rows of the first ``dense`` states
    dense: int
    child_start: npt.NDArray[np.int32]  # children of s: child_*[child_start[s]:...[s + 1]]
    child_class: npt.NDArray[np.int32]
    child_state: npt.NDArray[np.int32]
    fail: npt.NDArray[np.int32]
    own: npt.NDArray[np.int32]  # the key ending at the state, -1 if none
    report: npt.NDArray[np.int32]  # the state itself if it ends a key, else its dict link
    dict_link: npt.NDArray[np.int32]  # 0 for none
    most: int  # the most keys that end at one position

    @classmethod
    def build(cls, keys: Sequence[str]) -> _Automaton:
        # sorted, so that the trie is built in one pass (a repeated key: the last one wins)
        padded = sorted((f" {key} ".encode(), key_id) for key_id, key in enumerate(keys))
        joined = b"".join(p for p, _ in padded)
        patterns = np.frombuffer(joined, dtype=np.uint8)
        bounds = np.zeros(len(padded) + 1, dtype=np.int64)
        np.cumsum([len(p) for p, _ in padded], out=bounds[1:])
        ids = np.array([key_id for _, key_id in padded], dtype=np.int32)
        used = np.unique(patterns)
        byte_class = np.zeros(256, dtype=np.int32)
        byte_class[used] = np.arange(1, len(used) + 1, dtype=np.int32)
        classes = len(used) + 1
        parent, byte, own, depth = _build_trie(patterns, bounds, ids)
        states = len(parent)
        # renumber breadth first: a state's failure target comes before it
        order = np.argsort(depth, kind="stable").astype(np.int32)
        rank = np.empty(states, dtype=np.int32)
        rank[order] = np.arange(states, dtype=np.int32)
        parent = rank[parent[order]]
        label = byte_class[byte[order]]
        own = own[order]
        # children by parent, in class order
        by_parent = np.lexsort((label[1:], parent[1:])).astype(np.int32) + 1
        counts = np.bincount(parent[1:], minlength=states)
        child_start = np.zeros(states + 1, dtype=np.int32)
        np.cumsum(counts, out=child_start[1:])
        child_state = by_parent
        child_class = label[by_parent]
        dense = min(states, max(1, _DENSE_ENTRIES // classes))
        fail, dict_link, delta, most = _link_trie(
            parent, label, own, child_start, child_class, child_state, classes, dense
        )
        report = np.where(own >= 0, np.arange(states, dtype=np.int32), dict_link)
        return cls(
            byte_class,
            classes,
            delta,
            dense,
            child_start,
            child_class,
            child_state,
            fail,
            own,
            report.astype(np.int32),
            dict_link,
            most,
        )

    def scan(
        self, text: npt.NDArray[np.uint8]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every key occurrence in the UTF-8 ``text``: the code point position of its last
        character (the trailing space), and the key."""
        capacity = 64 + len(text) // 16 + 2 * self.most
        parts: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        position = state = cp = 0
        while True:
            ends, keys, found, position, state, cp = _scan_kernel(
                text,
                position,
                state,
                cp,
                capacity,
                self.byte_class,
                self.classes,
                self.delta,
                self.dense,
                self.child_start,
                self.child_class,
                self.child_state,
                self.fail,
                self.own,
                self.report,
                self.dict_link,
                self.most,
            )
            parts.append((ends[:found], keys[:found]))
            if position == len(text):
                break
            capacity *= 2  # full: go on from where it stopped
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([e for e, _ in parts]), np.concatenate([k for _, k in parts])


@kernel
def _build_trie(
    patterns: npt.NDArray[np.uint8], bounds: npt.NDArray[np.int64], ids: npt.NDArray[np.int32]
) -> tuple[
    npt.NDArray[np.int32], npt.NDArray[np.uint8], npt.NDArray[np.int32], npt.NDArray[np.int32]
]:
    """The trie of the sorted ``patterns`` (pattern ``i`` is ``patterns[bounds[i]:bounds[i +
    1]]``, key ``ids[i]``), states in depth-first order: each state's parent, the byte into
    it, the key it ends (-1 if none) and its depth. The root is state 0."""
    size = len(patterns) + 1
    parent = np.zeros(size, dtype=np.int32)
    byte = np.zeros(size, dtype=np.uint8)
    own = np.full(size, -1, dtype=np.int32)
    depth = np.zeros(size, dtype=np.int32)
    longest = 0
    for i in range(len(bounds) - 1):
        longest = max(longest, bounds[i + 1] - bounds[i])
    path = np.zeros(longest + 1, dtype=np.int32)  # states of the current pattern's prefixes
    states = 1
    previous_start = 0
    previous_length = 0
    for i in range(len(bounds) - 1):
        begin = bounds[i]
        length = bounds[i + 1] - begin
        shared = 0
        while (
            shared < length
            and shared < previous_length
            and patterns[begin + shared] == patterns[previous_start + shared]
        ):
            shared += 1
        for d in range(shared, length):
            parent[states] = path[d]
            byte[states] = patterns[begin + d]
            depth[states] = d + 1
            path[d + 1] = states
            states += 1
        own[path[length]] = ids[i]
        previous_start = begin
        previous_length = length
    return parent[:states], byte[:states], own[:states], depth[:states]


@kernel
def _link_trie(
    parent: npt.NDArray[np.int32],
    label: npt.NDArray[np.int32],
    own: npt.NDArray[np.int32],
    child_start: npt.NDArray[np.int32],
    child_class: npt.NDArray[np.int32],
    child_state: npt.NDArray[np.int32],
    classes: int,
    dense: int,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.int32], int]:
    """Failure and dictionary links (states numbered breadth first), the full transition
    rows of the first ``dense`` states, and the most keys that end at one state."""
    states = len(parent)
    fail = np.zeros(states, dtype=np.int32)
    dict_link = np.zeros(states, dtype=np.int32)
    ending = np.zeros(states, dtype=np.int32)  # keys that end at the state
    most = 1
    for v in range(1, states):
        u = parent[v]
        if u != 0:
            c = label[v]
            f = fail[u]
            while True:  # the child of f by c, else the same from f's failure target
                nxt = -1
                for q in range(child_start[f], child_start[f + 1]):
                    if child_class[q] == c:
                        nxt = child_state[q]
                        break
                if nxt >= 0:
                    fail[v] = nxt
                    break
                if f == 0:
                    break
                f = fail[f]
        f = fail[v]
        dict_link[v] = f if own[f] >= 0 else dict_link[f]
        ending[v] = (1 if own[v] >= 0 else 0) + ending[dict_link[v]]
        most = max(most, ending[v])
    delta = np.zeros(dense * classes, dtype=np.int32)
    for s in range(dense):
        row = s * classes
        if s != 0:  # from the failure target's row (an earlier state), children below
            base = fail[s] * classes
            for c in range(classes):
                delta[row + c] = delta[base + c]
        for q in range(child_start[s], child_start[s + 1]):
            delta[row + child_class[q]] = child_state[q]
    return fail, dict_link, delta, most


@kernel
def _scan_kernel(
    text: npt.NDArray[np.uint8],
    position: int,
    state: int,
    cp: int,
    capacity: int,
    byte_class: npt.NDArray[np.int32],
    classes: int,
    delta: npt.NDArray[np.int32],
    dense: int,
    child_start: npt.NDArray[np.int32],
    child_class: npt.NDArray[np.int32],
    child_state: npt.NDArray[np.int32],
    fail: npt.NDArray[np.int32],
    own: npt.NDArray[np.int32],
    report: npt.NDArray[np.int32],
    dict_link: npt.NDArray[np.int32],
    most: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], int, int, int, int]:
    """Key occurrences from byte ``position`` on, from automaton ``state`` with ``cp`` code
    points before ``position``: (ends, keys, found, position, state, cp). It stops early,
    before a byte, when fewer than ``most`` (the most keys that end at one byte) of the
    ``capacity`` slots are left: call again from the returned position, state and cp."""
    ends = np.empty(capacity, dtype=np.int64)
    keys = np.empty(capacity, dtype=np.int64)
    found = 0
    for j in range(position, len(text)):
        if capacity - found < most:
            return ends, keys, found, j, state, cp
        b = text[j]
        c = byte_class[b]
        nxt = -1
        while state >= dense:  # a deep state of a very large automaton: walk
            for q in range(child_start[state], child_start[state + 1]):
                if child_class[q] == c:
                    nxt = child_state[q]
                    break
            if nxt >= 0:
                break
            state = fail[state]
        if nxt < 0:
            nxt = delta[state * classes + c]
        state = nxt
        hit = report[state]
        while hit != 0:
            ends[found] = cp
            keys[found] = own[hit]
            found += 1
            hit = dict_link[hit]
        if b < 0x80 or b >= 0xC0:  # a code point starts here
            cp += 1
    return ends, keys, found, len(text), state, cp
