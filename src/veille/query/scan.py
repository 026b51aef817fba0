"""Batch tokenisation for the streaming matcher: the token streams of a whole batch of
texts in one compiled pass, plus a *reduced* stream that only keeps the tokens some watch
pattern could match.

The result is exactly ``normalize.stream`` of each text (the module docstring of
``veille.query.normalize`` is the specification); what changes is how it is computed:

1. all texts are joined into one string and read as code points (``utf-32``);
2. fold: a text made only of ASCII, ``’`` and characters whose NFKD is ASCII plus marks
   (``normalize.fold``'s fast path) folds character by character, so the kernel reads
   each character's fold from a table made once per process by calling ``normalize.fold``
   on that character. Texts with any other character (``_find_slow``) are folded by
   ``normalize.fold_reference``, all of them in one call on their NUL-joined texts: NUL is
   a starter that decomposes, case-folds and composes to itself, so no step of the
   normalisation crosses it (tests check the equality);
3. the kernel (``_scan``) runs the tokeniser, a hand-written equivalent of
   ``normalize.TOKEN_PATTERN`` (leftmost alternative first: elided article, ``@mention``,
   ``#hashtag``, word), drops elided articles and writes each text's stream, the streams
   separated by NUL;
4. every token is hashed (FNV-1a over its code points) and looked up in two bit tables
   built from the watch patterns (``TokenFilter``): whole tokens (`` acme ``, the tokens of
   phrases) and token prefixes (`` manag``, `` @acme.``). A token found in neither cannot
   be part of any pattern occurrence; in the reduced stream each run of such tokens becomes
   one placeholder token ``\\x01``. Kept tokens that are consecutive in the stream stay
   consecutive in the reduced stream and the other way round, and no pattern contains
   ``\\x01`` or NUL, so a pattern occurs in a text's reduced stream exactly when it occurs
   in its stream (hash collisions only keep a few tokens too many).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from veille.pipeline.jit import kernel
from veille.query import normalize
from veille.query._unicode_tables import WORD_RANGES

__all__ = ["PLACEHOLDER", "Streams", "TokenFilter", "scan"]

#: The token that stands for a run of tokens no pattern can match, in the reduced stream.
PLACEHOLDER = "\x01"

_CODE_POINTS = 0x110000
_WORD = 1  # letters and digits (Unicode L*, N*): ``[^\W_]``
_W = 2  # ``\w``: letters, digits and ``_``
_SLOW = 4  # not folded by the per-character table (see ``_tables``)
_PREFIX = 1  # TokenFilter.prefix_lengths flags
_DOT_PREFIX = 2

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_U6 = np.uint64(6)
_U12 = np.uint64(12)
_U33 = np.uint64(33)
_U63 = np.uint64(63)
_U1 = np.uint64(1)


@dataclass(frozen=True)
class _Tables:
    """Per-code-point data for the kernels."""

    #: ``_WORD | _W | _SLOW`` flags of each code point
    classes: npt.NDArray[np.uint8]
    #: the fold of a code point ``c`` that is not ``_SLOW``:
    #: ``fold_data[fold_start[c]:fold_start[c + 1]]``
    fold_start: npt.NDArray[np.int32]
    fold_data: npt.NDArray[np.uint32]
    #: the most code points one character folds to
    max_fold: int
    #: the elided articles' code points, article ``k`` at ``elision[elision_start[k]:...]``
    elision: npt.NDArray[np.uint32]
    elision_start: npt.NDArray[np.int64]
    #: the two apostrophes that end an elided article
    apostrophes: tuple[int, int]


#: The code points the fold table covers: the planes with characters (0 to 3) and the
#: assigned part of plane 14 (tags, variation selectors). Others (unassigned planes,
#: private use) are left to the reference fold.
_TABLE_RANGES = ((0, 0x40000), (0xE0000, 0xE1000))
#: Hangul: conjoining jamo compose with their neighbours under NFC (the one step of the
#: fold that depends on the next character once combining marks are gone)
_HANGUL = re.compile("[\u1100-\u11ff\uac00-\ud7a3]")


@functools.cache
def _tables() -> _Tables:
    """Built on first use (about 0.15 s), from ``normalize.fold_reference`` itself."""
    classes = np.full(_CODE_POINTS, _SLOW, dtype=np.uint8)
    for a, b in WORD_RANGES:
        classes[a : b + 1] |= _WORD | _W
    classes[ord("_")] |= _W
    fold_len = np.zeros(_CODE_POINTS, dtype=np.int32)
    pieces: list[str] = []
    for lo, hi in _TABLE_RANGES:
        first = max(lo, 1)  # NUL is the separator here, and a space in texts
        spaced = np.zeros(2 * (hi - first) - 1, dtype=np.uint32)  # NUL-separated
        spaced[0::2] = np.arange(first, hi, dtype=np.uint32)
        text = spaced.tobytes().decode("utf-32-le", "surrogatepass")
        folds = normalize.fold_reference(text).split("\x00")
        if len(folds) != hi - first:  # pragma: no cover - NUL folds to itself
            raise RuntimeError("scan: cannot derive the fold table")
        if lo == 0:
            folds.insert(0, " ")
        lengths = np.fromiter(map(len, folds), dtype=np.int32, count=len(folds))
        fold_len[lo:hi] = lengths
        classes[lo:hi] &= ~np.uint8(_SLOW)
        joined = "".join(folds)
        # the characters whose fold has Hangul (or is empty and the character is Hangul)
        ends = np.cumsum(lengths)
        hangul = [m.start() for m in _HANGUL.finditer(joined)]
        cps = lo + np.searchsorted(ends, np.array(hangul, dtype=np.int64), side="right")
        cps = np.concatenate([cps, np.arange(0x1100, 0x1200), np.arange(0xAC00, 0xD7A4)])
        cps = cps[(cps >= lo) & (cps < hi)]
        classes[cps] |= _SLOW
        pieces.append(joined)
    fold_start = np.zeros(_CODE_POINTS + 1, dtype=np.int32)
    np.cumsum(fold_len, out=fold_start[1:])
    elisions = "".join(normalize.ELISIONS)
    elision_start = np.zeros(len(normalize.ELISIONS) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in normalize.ELISIONS], out=elision_start[1:])
    return _Tables(
        classes=classes,
        fold_start=fold_start,
        fold_data=_code_points("".join(pieces)).copy(),
        max_fold=int(fold_len.max()),
        elision=_code_points(elisions).copy(),
        elision_start=elision_start,
        apostrophes=(ord(normalize.APOSTROPHES[0]), ord(normalize.APOSTROPHES[-1])),
    )


def _code_points(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


# -- kernels ---------------------------------------------------------------------------


@kernel
def _bits(h: np.uint64) -> tuple[np.uint64, np.uint64, np.uint64]:
    """Where the hash ``h`` goes in a bit table (a blocked Bloom filter: two bits in one
    64-bit word): the word (before the table's mask) and the two bits."""
    x = (h ^ (h >> _U33)) * _MIX
    x ^= x >> _U33
    return x >> _U12, x & _U63, (x >> _U6) & _U63


@kernel
def _member(bits: npt.NDArray[np.uint64], h: np.uint64) -> bool:
    """Whether ``h`` may be in the table ``bits`` (false positives, never false negatives)."""
    w, b1, b2 = _bits(h)
    word = bits[w & np.uint64(len(bits) - 1)]
    return bool((word >> b1) & (word >> b2) & _U1)


@kernel
def _fill(
    bits: npt.NDArray[np.uint64], cps: npt.NDArray[np.uint32], start: npt.NDArray[np.int64]
) -> None:
    """Add the hash of each string ``cps[start[k]:start[k+1]]`` to the table ``bits``."""
    for k in range(len(start) - 1):
        h = _FNV_OFFSET
        for j in range(start[k], start[k + 1]):
            h = (h ^ np.uint64(cps[j])) * _FNV_PRIME
        w, b1, b2 = _bits(h)
        bits[w & np.uint64(len(bits) - 1)] |= (_U1 << b1) | (_U1 << b2)


@kernel
def _find_slow(
    raw: npt.NDArray[np.uint32],
    start: npt.NDArray[np.int64],
    cap: int,
    classes: npt.NDArray[np.uint8],
) -> npt.NDArray[np.bool_]:
    """Which texts ``raw[start[i]:start[i+1]]`` have, in their first ``cap`` code points, a
    character the table cannot fold."""
    n = len(start) - 1
    slow = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        end = min(start[i + 1], start[i] + cap)
        for j in range(start[i], end):
            if classes[raw[j]] & _SLOW:
                slow[i] = True
                break
    return slow


@kernel
def _fold_texts(
    raw: npt.NDArray[np.uint32],
    start: npt.NDArray[np.int64],
    cap: int,
    slow_index: npt.NDArray[np.int64],
    folded: npt.NDArray[np.uint32],
    folded_start: npt.NDArray[np.int64],
    fold_start: npt.NDArray[np.int32],
    fold_data: npt.NDArray[np.uint32],
    max_fold: int,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The fold of the texts ``raw[start[i]:start[i+1]]``, cut at ``cap`` code points, each
    character by the table; for a slow text, its fold computed beforehand,
    ``folded[folded_start[k]:folded_start[k+1]-1]`` with ``k = slow_index[i]``. Text ``i``'s
    fold is ``text[text_start[i]:text_start[i+1]]``."""
    n = len(start) - 1
    longest = 0
    for i in range(n):
        longest = max(longest, min(start[i + 1] - start[i], cap))
    # room for the texts as they are and for any one of them folding to its longest
    text = np.empty(len(raw) + max_fold * longest + len(folded), dtype=np.uint32)
    text_start = np.empty(n + 1, dtype=np.int64)
    t = 0
    for i in range(n):
        text_start[i] = t
        k = slow_index[i]
        if k >= 0:
            length = folded_start[k + 1] - 1 - folded_start[k]
        else:
            length = min(start[i + 1] - start[i], cap) * max_fold
        if t + length > len(text):
            grown = np.empty(max(2 * len(text), t + length), dtype=np.uint32)
            grown[:t] = text[:t]
            text = grown
        if k >= 0:
            for j in range(folded_start[k], folded_start[k + 1] - 1):
                text[t] = folded[j]
                t += 1
        else:
            for j in range(start[i], min(start[i + 1], start[i] + cap)):
                c = raw[j]
                f = fold_start[c]
                end = fold_start[c + 1]
                while f < end:
                    text[t] = fold_data[f]
                    t += 1
                    f += 1
    text_start[n] = t
    return text, text_start


@kernel
def _tokenise(
    text: npt.NDArray[np.uint32],
    text_start: npt.NDArray[np.int64],
    classes: npt.NDArray[np.uint8],
    elision: npt.NDArray[np.uint32],
    elision_start: npt.NDArray[np.int64],
    apostrophe1: int,
    apostrophe2: int,
    whole_bits: npt.NDArray[np.uint64],
    prefix_bits: npt.NDArray[np.uint64],
    prefix_lengths: npt.NDArray[np.uint8],
) -> tuple[
    npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.uint32], npt.NDArray[np.int64]
]:
    """The streams and reduced streams of the folded texts
    ``text[text_start[i]:text_start[i+1]]``, each followed by NUL; and where each one
    starts."""
    n = len(text_start) - 1
    t = text_start[n]
    # every token is at least one code point followed by at most one space
    stream = np.empty(2 * t + 3 * n, dtype=np.uint32)
    reduced = np.empty(2 * t + 3 * n, dtype=np.uint32)
    stream_start = np.empty(n + 1, dtype=np.int64)
    reduced_start = np.empty(n + 1, dtype=np.int64)
    sp = 0
    rp = 0
    n_lengths = len(prefix_lengths)
    for i in range(n):
        stream_start[i] = sp
        reduced_start[i] = rp
        stream[sp] = 0x20
        sp += 1
        reduced[rp] = 0x20
        rp += 1
        first = True
        reduced_first = True
        placeholder = False
        # normalize.TOKEN_PATTERN tried at p, alternatives in order (elided article,
        # @mention, #hashtag, word); where none matches, p moves on. A token is written
        # at tp (after a space unless it is the first) as it is read, and hashed.
        p = text_start[i]
        m = text_start[i + 1]
        while p < m:
            c = text[p]
            tp = sp if first else sp + 1
            h = _FNV_OFFSET
            keep = False
            if classes[c] & _WORD:
                q = p
                while True:
                    stream[tp + q - p] = c
                    h = (h ^ np.uint64(c)) * _FNV_PRIME
                    q += 1
                    length = q - p
                    if (
                        length < n_lengths
                        and prefix_lengths[length] & _PREFIX
                        and _member(prefix_bits, h)
                    ):
                        keep = True
                    if q == m:
                        break
                    c = text[q]
                    if not classes[c] & _WORD:
                        break
                # the articles are ASCII letters and an apostrophe is not a letter: an
                # article matches at p exactly when the run of letters and digits from p
                # is that article and an apostrophe follows
                if q < m and c in (apostrophe1, apostrophe2):
                    elided = False
                    for e in range(len(elision_start) - 1):
                        a = elision_start[e]
                        if elision_start[e + 1] - a == q - p:
                            elided = True
                            for j in range(q - p):
                                if text[p + j] != elision[a + j]:
                                    elided = False
                                    break
                            if elided:
                                break
                    if elided:  # dropped
                        p = q + 1
                        continue
            elif (c == 0x40 or c == 0x23) and p + 1 < m and classes[text[p + 1]] & _W:
                # @ then \w+ then ([.-]\w+)*, or # then \w+
                q = p + 2
                while q < m and classes[text[q]] & _W:
                    q += 1
                if c == 0x40:
                    while (
                        q + 1 < m
                        and (text[q] == 0x2E or text[q] == 0x2D)
                        and classes[text[q + 1]] & _W
                    ):
                        q += 2
                        while q < m and classes[text[q]] & _W:
                            q += 1
                for j in range(p, q):
                    c = text[j]
                    stream[tp + j - p] = c
                    h = (h ^ np.uint64(c)) * _FNV_PRIME
                    length = j - p + 1
                    if (
                        length < n_lengths
                        and (
                            prefix_lengths[length] & _PREFIX
                            or (prefix_lengths[length] & _DOT_PREFIX and c == 0x2E)
                        )
                        and _member(prefix_bits, h)
                    ):
                        keep = True
            else:
                p += 1
                continue
            # the token text[p:q] is at stream[tp:tp + q - p]
            if not first:
                stream[sp] = 0x20
            first = False
            sp = tp + q - p
            if keep or _member(whole_bits, h):
                if not reduced_first:
                    reduced[rp] = 0x20
                    rp += 1
                for j in range(p, q):
                    reduced[rp] = text[j]
                    rp += 1
                placeholder = False
                reduced_first = False
            elif not placeholder:
                if not reduced_first:
                    reduced[rp] = 0x20
                    rp += 1
                reduced[rp] = 0x01
                rp += 1
                placeholder = True
                reduced_first = False
            p = q
        stream[sp] = 0x20
        stream[sp + 1] = 0
        sp += 2
        reduced[rp] = 0x20
        reduced[rp + 1] = 0
        rp += 2
    stream_start[n] = sp
    reduced_start[n] = rp
    return stream[:sp], stream_start, reduced[:rp], reduced_start


# -- Python side -----------------------------------------------------------------------


class TokenFilter:
    """The tokens a set of watch patterns can involve, as two bit tables over token hashes
    (see the module docstring). ``patterns`` are stream substrings (``patterns.substrings``):
    a space, tokens separated by spaces, then either a space (whole tokens) or not (the last
    one is a token prefix, as in `` manag`` or `` @acme.``)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        whole: set[str] = set()
        prefixes: set[str] = set()
        for pattern in patterns:
            if not pattern.startswith(" ") or "\x00" in pattern or PLACEHOLDER in pattern:
                raise ValueError(f"not a stream pattern: {pattern!r}")
            parts = pattern[1:].split(" ")
            if pattern.endswith(" "):
                whole.update(parts[:-1])
            else:
                whole.update(parts[:-1])
                prefixes.add(parts[-1])
        self.whole_bits = _bit_table(whole)
        self.prefix_bits = _bit_table(prefixes)
        longest = max((len(p) for p in prefixes), default=0)
        #: for each length, whether some prefix has it (``_PREFIX``), or some prefix that
        #: ends with a dot (``_DOT_PREFIX``, `` @acme.``: only looked up at a dot)
        self.prefix_lengths = np.zeros(longest + 1, dtype=np.uint8)
        for p in prefixes:
            self.prefix_lengths[len(p)] |= _DOT_PREFIX if p.endswith(".") else _PREFIX


def _bit_table(strings: set[str]) -> npt.NDArray[np.uint64]:
    # about 32 bits a string (a token is kept by mistake about 3% of the time), at
    # least 1024: small enough to stay in cache between batches
    size = 1 << max(10, (32 * len(strings)).bit_length())
    bits = np.zeros(size // 64, dtype=np.uint64)
    ordered = sorted(strings)
    start = np.zeros(len(ordered) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in ordered], out=start[1:])
    _fill(bits, _code_points("".join(ordered)), start)
    return bits


@dataclass(frozen=True)
class Streams:
    """The token streams of a batch: text ``i``'s stream (``normalize.stream``) is
    ``stream_text()[starts[i] : starts[i + 1] - 1]``, its reduced stream likewise in
    ``reduced`` with ``reduced_starts``."""

    stream: npt.NDArray[np.uint32]
    starts: npt.NDArray[np.int64]
    reduced: str
    reduced_starts: npt.NDArray[np.int64]

    def stream_text(self) -> str:
        return self.stream.tobytes().decode("utf-32-le")


def scan(texts: Sequence[str | None], token_filter: TokenFilter) -> Streams:
    """The streams of ``texts`` (``None`` is the empty text)."""
    tables = _tables()
    n = len(texts)
    lengths = [len(t) if t else 0 for t in texts]
    joined = "".join([t for t in texts if t])
    raw = _code_points(joined)
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.array(lengths, dtype=np.int64), out=start[1:])
    cap = normalize.MAX_TEXT_CHARS
    slow_index = np.full(n, -1, dtype=np.int64)
    folded = np.zeros(0, dtype=np.uint32)
    folded_start = np.zeros(1, dtype=np.int64)
    if not joined.isascii():
        slow = np.flatnonzero(_find_slow(raw, start, cap, tables.classes))
        if len(slow):
            folded, folded_start = _fold_slow([texts[i] or "" for i in slow.tolist()])
            slow_index[slow] = np.arange(len(slow))
    text, text_start = _fold_texts(
        raw,
        start,
        cap,
        slow_index,
        folded,
        folded_start,
        tables.fold_start,
        tables.fold_data,
        tables.max_fold,
    )
    stream, starts, reduced, reduced_starts = _tokenise(
        text,
        text_start,
        tables.classes,
        tables.elision,
        tables.elision_start,
        tables.apostrophes[0],
        tables.apostrophes[1],
        token_filter.whole_bits,
        token_filter.prefix_bits,
        token_filter.prefix_lengths,
    )
    return Streams(stream, starts, reduced.tobytes().decode("utf-32-le"), reduced_starts)


def _fold_slow(texts: list[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """``normalize.fold`` of each text, in one call: the folds' code points, each followed
    by NUL, and where each starts."""
    cap = normalize.MAX_TEXT_CHARS
    parts = [t[:cap].replace("\x00", " ") for t in texts]
    folded = _code_points(normalize.fold_reference("\x00".join(parts)) + "\x00")
    nul = np.flatnonzero(folded == 0)
    if len(nul) != len(parts):  # pragma: no cover - NUL folds to itself
        raise RuntimeError("scan: the fold does not keep NUL")
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    starts[1:] = nul + 1
    return folded.copy(), starts
