"""Hashed text features for a whole batch at once, in compiled kernels (``jit.kernel``).

The batch is joined into one string and handled as one array of code points: no Python
loop per post or per character. The same kernels produce the training matrix
(``sentiment_train``: ``FeatureExtractor.extract``) and the inference sums (``sentiment``:
``FeatureExtractor.table_sums``, which adds the weight rows of the buckets as it hashes
them, without materialising the features), so they cannot drift. The numpy
implementation these kernels replaced is kept in ``tests/pipeline/test_sentiment.py`` as
the reference they are tested against (same buckets, same float32 sums, bit for bit).

Normalisation: links become ``http`` and mentions ``@user`` (as in the training corpora),
``n't`` becomes `` not``, text is lowercased, invisible and combining characters
(zero-width joiners, variation selectors, zalgo marks) are dropped, runs of one character
are cut to two, digits become ``0`` and whitespace runs one space.

Features: character n-grams (across word boundaries, text padded by spaces), word
unigrams (marked when inside a negation scope: up to three tokens after ``not``, ``ne``,
``pas``, ``jamais``... and before punctuation) and word bigrams, each hashed into
``2**bits`` buckets. Punctuation and symbols (emoji) are one-character tokens. Tokens are
also returned with their hashes so that lexicons can be looked up (``lexicon_scores``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from veille.jit import kernel, prefetch

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]

SEP, SPACE, WORD, PUNCT, SYM, DROP = 0, 1, 2, 3, 4, 5
CLASS_MASK, IS_W, IS_S = 0x0F, 0x10, 0x20  # see ``char_classes``
_TABLE_SIZE = 0x20000  # BMP and the supplementary plane with the emoji; above: letters

_P = np.uint64(0x100000001B3)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_NGRAM_SALT = np.uint64(0x9E3779B97F4A7C15)
_NEG_SALT = np.uint64(0xD6E8FEB86659FD93)
_BIGRAM_MUL = np.uint64(0xC2B2AE3D27D4EB4F)
_WORD_SALT = np.uint64(0x165667B19E3779F9)
_ZERO = np.uint64(0)
_MAX_TOKEN = 4096  # longer "words" still hash, their tail repeats the power table

NEGATORS = (
    "not", "no", "never", "nothing", "nobody", "none", "nor", "neither", "without",
    "cannot", "ne", "n", "pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "nul",
    "nulle", "guère",
)  # fmt: skip
BREAKS = ".,!?;:…"
NEGATION = -0.74  # VADER's N_SCALAR: valence factor in a negation scope

# One leading character class keeps ``re`` fast; the callback runs on matches only.
_REWRITE = re.compile(
    r"[hw@nN](?:(?<=h)ttps?://[^\s\x00]+|(?<=w)ww\.[^\s\x00]+|(?<=@)\w+|(?<=[nN])['’][tT]\b)"
)


def _rewrite(match: re.Match[str]) -> str:
    first = match.group(0)[0]
    if first == "@":
        return " @user "
    if first in "nN":
        return " not"
    return " http "


@cache
def char_classes() -> npt.NDArray[np.uint8]:
    r"""Class of each code point below ``_TABLE_SIZE`` (low bits, ``CLASS_MASK``), with
    the flags ``IS_W`` (``re``'s ``\w``: ``str.isalnum()`` or ``_``) and ``IS_S``
    (``re``'s ``\s``: ``str.isspace()``) for the link and mention rewrite (built once,
    ~60 ms). Above the table: class ``WORD``, never ``\s``, ``\w`` not known."""
    table = np.empty(_TABLE_SIZE, dtype=np.uint8)
    for cp in range(_TABLE_SIZE):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cp == 0:
            cls = SEP
        elif ch.isspace() or ch in "'’`´#":
            cls = SPACE
        elif cat[0] in "LN" or cat in ("Pc", "Mc") or ch == "@":
            cls = WORD
        elif cat in ("Mn", "Me", "Cf", "Cc", "Cs", "Co", "Cn"):
            cls = DROP
        elif cat[0] == "P":
            cls = PUNCT
        else:
            cls = SYM
        table[cp] = cls | (IS_W if ch.isalnum() or ch == "_" else 0) | (IS_S if ch.isspace() else 0)
    return table


_SPECIAL = np.uint32(0xFFFFFFFF)


@cache
def lower_table() -> npt.NDArray[np.uint32]:
    """``str.lower`` of each code point below ``_TABLE_SIZE`` where it is one code point
    and does not depend on the context, else ``_SPECIAL`` (U+0130, which lowers to two,
    and the capital sigma, lowered by context). No code point above lowers to another."""
    table = np.fromiter(
        (ord(low) if len(low := chr(cp).lower()) == 1 else 0xFFFFFFFF for cp in range(_TABLE_SIZE)),
        dtype=np.uint32,
        count=_TABLE_SIZE,
    )
    table[0x03A3] = _SPECIAL
    return table


# -- hashing: the one implementation (compiled; ``mix`` serves numpy callers) ------------


@kernel
def mix1(h: np.uint64) -> np.uint64:
    """splitmix64 finaliser of one hash: spreads it over all bits (wrapping arithmetic)."""
    h = h ^ (h >> np.uint64(30))
    h = h * _M1
    h = h ^ (h >> np.uint64(27))
    h = h * _M2
    return h ^ (h >> np.uint64(31))


@kernel
def _mix_all(h: U64) -> U64:
    out = np.empty_like(h)
    for i in range(h.shape[0]):
        out[i] = mix1(h[i])
    return out


def mix(h: U64) -> U64:
    """``mix1`` of every hash of an array."""
    return _mix_all(np.ascontiguousarray(h, dtype=np.uint64))


@kernel
def _unigram_bucket(h: np.uint64, negated: bool, mask: np.uint64) -> np.int64:
    """Bucket of a word (marked when in a negation scope)."""
    if negated:
        h = mix1(h ^ _NEG_SALT)
    return np.int64(h & mask)


@kernel
def _lex_find(
    keys: U64, used: U64, mask: np.uint64, probes: int, key: np.uint64, at: np.uint64
) -> np.int64:
    """Slot of ``key`` in an open-addressing table (linear probing from ``at``, which is
    ``mix1(key) & mask``), -1 when absent. ``used`` has one bit per slot (set where the
    slot holds a key): most look-ups are of absent keys and end there, in a bitmap small
    enough to stay in the L1 cache."""
    # Key 0 is never found: slots holding a key hold a non-zero one, and the probe stops
    # at the first empty slot (0) before comparing. (A separate test of ``key == 0`` first
    # made numba's code several times slower.)
    if ((used[at >> np.uint64(6)] >> (at & np.uint64(63))) & np.uint64(1)) == _ZERO:
        return np.int64(-1)
    for _ in range(probes):
        found = keys[at]
        if found == _ZERO:
            return np.int64(-1)
        if found == key:
            return np.int64(at)
        at = (at + np.uint64(1)) & mask
    return np.int64(-1)


@kernel
def _lex_slot(keys: U64, used: U64, mask: np.uint64, probes: int, key: np.uint64) -> np.int64:
    """``_lex_find`` from the key's home slot."""
    return _lex_find(keys, used, mask, probes, key, mix1(key) & mask)


# -- kernels over the normalised stream ----------------------------------------------------


@kernel
def _run_end(orig: npt.NDArray[np.uint32], at: int, table: npt.NDArray[np.uint8]) -> int:
    r"""End of the run of characters from ``at`` that are neither ``\s`` nor NUL."""
    size = orig.shape[0]
    while at < size:
        c = orig[at]
        if c == 0 or (c < _TABLE_SIZE and table[c] & IS_S):
            break
        at += 1
    return at


@kernel
def _is_word(c: np.uint32, table: npt.NDArray[np.uint8]) -> int:
    r"""1 if ``c`` is ``\w``, 0 if not, -1 if the table does not know (above it)."""
    if c >= _TABLE_SIZE:
        return -1
    return 1 if table[c] & IS_W else 0


@kernel
def _match(orig: npt.NDArray[np.uint32], p: int, table: npt.NDArray[np.uint8]) -> tuple[int, int]:
    r"""The rewrite starting at ``p``, as ``_REWRITE`` matches it: (kind, end) with kind 0
    none, 1 link, 2 mention, 3 ``n't``; kind -1 when deciding needs ``\w`` of a code
    point above the table."""
    size = orig.shape[0]
    c = orig[p]
    if c == 104:  # https?://[^\s\x00]+
        if p + 7 < size and orig[p + 1] == 116 and orig[p + 2] == 116 and orig[p + 3] == 112:
            at = p + 4
            if orig[at] == 115:
                at += 1
            if at + 3 < size and orig[at] == 58 and orig[at + 1] == 47 and orig[at + 2] == 47:
                end = _run_end(orig, at + 3, table)
                if end > at + 3:
                    return 1, end
    elif c == 119:  # www\.[^\s\x00]+
        if p + 4 < size and orig[p + 1] == 119 and orig[p + 2] == 119 and orig[p + 3] == 46:
            end = _run_end(orig, p + 4, table)
            if end > p + 4:
                return 1, end
    elif c == 64:  # @\w+
        at = p + 1
        while at < size:
            w = _is_word(orig[at], table)
            if w < 0:
                return -1, 0
            if w == 0:
                break
            at += 1
        if at > p + 1:
            return 2, at
    elif (c == 110 or c == 78) and p + 2 < size:  # [nN]['’][tT]\b
        quote = orig[p + 1]
        t = orig[p + 2]
        if (quote == 39 or quote == 0x2019) and (t == 116 or t == 84):
            w = 0 if p + 3 == size else _is_word(orig[p + 3], table)
            if w < 0:
                return -1, 0
            if w == 0:
                return 3, p + 3
    return 0, 0


_REPLACEMENTS = np.array(
    [[ord(c) for c in text.ljust(8, "\x00")] for text in ("", " http ", " @user ", " not")],
    dtype=np.uint32,
)
_REPLACEMENT_SIZES = np.array([0, 6, 7, 4], dtype=np.int64)
# Two characters that may start a rewrite: (first & second) != 0 for "ht", "ww", "@*",
# "n'", "N'" (and ’, 8, for "n’" and "N’", added in the kernel).
_FIRST = np.zeros(128, dtype=np.uint8)
_FIRST[[ord("h"), ord("w"), ord("@"), ord("n"), ord("N")]] = [1, 2, 4, 8, 8]
_SECOND = np.full(128, 4, dtype=np.uint8)
_SECOND[[ord("t"), ord("w"), ord("'")]] |= np.array([1, 2, 8], dtype=np.uint8)


@kernel
def _rewrite_kernel(
    orig: npt.NDArray[np.uint32],
    lower: npt.NDArray[np.uint32],
    table: npt.NDArray[np.uint8],
    first: npt.NDArray[np.uint8],
    second: npt.NDArray[np.uint8],
    replacements: npt.NDArray[np.uint32],
    sizes: I64,
) -> tuple[npt.NDArray[np.uint32], bool]:
    r"""``_REWRITE`` applied to ``orig`` (the batch joined by NUL), the other characters
    lowercased by ``lower`` (``lower_table``), posts padded by spaces: what
    ``_codepoints`` makes with ``re`` and ``str.lower``. False when that needs ``\w`` of
    a code point above the table, or meets a character that ``str.lower`` does not map
    to one without context (then the caller uses ``re`` and ``str.lower``)."""
    size = orig.shape[0]
    # at most 7 out for 2 in (a mention), 3 for 1 (a NUL), plus the padding
    out = np.empty(4 * size + 3, dtype=np.uint32)
    out[0] = 0
    out[1] = 32
    m = 2
    p = 0
    last = size - 1
    while p < size:
        c = orig[p]
        if c == 0:
            out[m] = 32
            out[m + 1] = 0
            out[m + 2] = 32
            m += 3
            p += 1
            continue
        kind = 0
        end = 0
        # Can a rewrite start here? Decided from two characters without branching (a
        # branch per trigger character would be mispredicted at every other one).
        after = orig[min(p + 1, last)]
        may = first[min(c, 127)] & (second[min(after, 127)] | (after == 0x2019) * np.uint8(8))
        if may:
            kind, end = _match(orig, p, table)
            if kind < 0:
                return out[:0], False
        if kind == 0:
            low = lower[c] if c < _TABLE_SIZE else c
            if low == _SPECIAL:
                return out[:0], False
            out[m] = low
            m += 1
            p += 1
            continue
        for j in range(sizes[kind]):
            out[m + j] = replacements[kind, j]
        m += sizes[kind]
        p = end
    out[m] = 32
    return out[: m + 1], True


@kernel
def _normalise_kernel(
    raw: npt.NDArray[np.uint32], table: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint8]]:
    size = raw.shape[0]
    cp = np.empty(size, dtype=np.uint32)
    cls = np.empty(size, dtype=np.uint8)
    m = 0
    seen = 0  # characters kept so far, before the cut of runs
    prev1 = np.uint32(0)  # the last two of them (spaces as 32, digits as they were)
    prev2 = np.uint32(0)
    prev_space = False
    for i in range(size):
        c = raw[i]
        k = table[c] & np.uint8(CLASS_MASK) if c < _TABLE_SIZE else np.uint8(WORD)
        if k == DROP:
            continue
        space = k == SPACE
        if space:
            c = np.uint32(32)
        drop = (space and prev_space and seen >= 1) or (
            not space and seen >= 2 and c == prev1 and prev1 == prev2
        )
        prev2 = prev1
        prev1 = c
        prev_space = space
        seen += 1
        if drop:
            continue
        if 48 <= c <= 57:
            c = np.uint32(48)
        cp[m] = c
        cls[m] = k
        m += 1
    return cp[:m], cls[:m]


@kernel
def _tokenize_kernel(
    cp: npt.NDArray[np.uint32],
    cls: npt.NDArray[np.uint8],
    n: int,
    negators: U64,
    breaks: npt.NDArray[np.uint32],
) -> tuple[I64, U64, npt.NDArray[np.bool_], U64, I64, I64]:
    """``negators``: a set of token hashes as a table indexed by ``hash & (len - 1)``
    (0 where empty; built without collisions)."""
    size = cp.shape[0]
    count = 0
    for i in range(size):
        k = cls[i]
        if k in (PUNCT, SYM) or (k == WORD and (i == 0 or cls[i - 1] != WORD)):
            count += 1
    row = np.empty(count, dtype=np.int64)
    hashes = np.empty(count, dtype=np.uint64)
    negated = np.empty(count, dtype=np.bool_)
    bigram = np.empty(count, dtype=np.uint64)
    neg_mask = np.uint64(negators.shape[0] - 1)
    exclaim = np.zeros(n, dtype=np.int64)
    question = np.zeros(n, dtype=np.int64)
    post = -1
    m = 0
    last_break = -2  # last punctuation break (or the token before a post's first)
    last_neg = -1  # last negator
    i = 0
    while i < size:
        k = cls[i]
        if k == SEP:
            post += 1
            i += 1
            continue
        if k != WORD and k != PUNCT and k != SYM:
            i += 1
            continue
        first = i
        raw = np.uint64(cp[i])
        i += 1
        if k == WORD:
            power = _P
            offset = 1
            while i < size and cls[i] == WORD:
                raw += np.uint64(cp[i]) * power
                if offset < _MAX_TOKEN - 1:
                    power *= _P
                offset += 1
                i += 1
        h = mix1(raw + _WORD_SALT)
        new_post = m == 0 or row[m - 1] != post
        c0 = cp[first]
        is_break = False
        if k == PUNCT:
            for b in breaks:
                if c0 == b:
                    is_break = True
        if is_break:
            last_break = m
        elif new_post:
            last_break = m - 1
        if negators[h & neg_mask] == h:
            last_neg = m
        negated[m] = last_neg > last_break and m > last_neg and m - last_neg <= 3
        hashes[m] = h
        row[m] = post
        bigram[m] = np.uint64(0) if new_post else mix1(hashes[m - 1] * _BIGRAM_MUL + h)
        if c0 == 33:
            exclaim[post] += 1
        elif c0 == 63:
            question[post] += 1
        m += 1
    return row, hashes, negated, bigram, exclaim, question


_CHUNK = 4096  # positions per chunk in the n-gram kernels (their scratch stays in cache)


@kernel
def _gram_chunk(
    cp: npt.NDArray[np.uint32],
    cls: npt.NDArray[np.uint8],
    start: int,
    grams: I64,
    mask: np.uint64,
    sentinel: int,
    h: U64,
    run: I64,
    out: I64,
) -> int:
    """The buckets of the character n-grams starting at ``start`` and the next positions,
    ``out.shape[1]`` of them at most, into ``out[g, j]`` (length ``grams[g]``, position
    ``start + j``), ``sentinel`` where the window holds a post separator or runs off the
    end; returns the number of positions done. ``h``, ``run``: scratch as long as ``out``.

    The n-gram hash is ``sum(cp[i + j] * P**j)`` (wrapping uint64), then ``mix1`` of it
    plus ``_NGRAM_SALT * length``, masked: one pass over the chunk per length (simple
    loops that the compiler vectorises). This is the only implementation of it."""
    size = cp.shape[0]
    k = grams.shape[0]
    longest = grams[k - 1]
    width: int = min(out.shape[1], size - start)
    # run[j]: characters from start + j to the next separator (or the end), capped
    r = 0
    for i in range(min(start + width + longest, size) - 1, start - 1, -1):
        r = 0 if cls[i] == SEP else min(r + 1, longest)
        if i < start + width:
            run[i - start] = r
    for j in range(width):
        h[j] = 0
    power = np.uint64(1)
    g = 0
    for length in range(1, longest + 1):
        for j in range(min(width, size - start - length + 1)):
            h[j] += np.uint64(cp[start + j + length - 1]) * power
        power *= _P
        if length == grams[g]:
            row = out[g]
            salt = _NGRAM_SALT * np.uint64(length)
            for j in range(width):
                bucket = np.int64(mix1(h[j] + salt) & mask)
                row[j] = bucket if run[j] >= length else sentinel
            g += 1
    return width


@kernel
def _char_buckets(
    cp: npt.NDArray[np.uint32],
    cls: npt.NDArray[np.uint8],
    grams: I64,
    mask: np.uint64,
    sentinel: int,
) -> I64:
    """(grams, positions): every bucket of ``_gram_chunk``, for training."""
    size = cp.shape[0]
    k = grams.shape[0]
    buckets = np.empty((k, size), dtype=np.int64)
    chunk = np.empty((k, _CHUNK), dtype=np.int64)
    h = np.empty(_CHUNK, dtype=np.uint64)
    run = np.empty(_CHUNK, dtype=np.int64)
    start = 0
    while start < size:
        width = _gram_chunk(cp, cls, start, grams, mask, sentinel, h, run, chunk)
        buckets[:, start : start + width] = chunk[:, :width]
        start += width
    return buckets


_AHEAD = 128  # buckets prefetched ahead in the table sums (measured: 32 -> 128 is 30% faster)


@kernel
def _char_sums(
    cp: npt.NDArray[np.uint32],
    cls: npt.NDArray[np.uint8],
    grams: I64,
    mask: np.uint64,
    sentinel: int,
    offsets: I64,
    table: F32,
) -> F32:
    """Per post ``p``: the float32 sum of ``table[offsets[p] + bucket]`` over the
    buckets of its positions (those of ``_gram_chunk``), in position then length order,
    without materialising them: chunk by chunk.

    The table is several megabytes and each bucket is a random row of it, mostly not in
    the cache: the rows of the position about ``_AHEAD`` buckets ahead are prefetched
    (with that position's post's offset), so that many loads are in flight instead of
    one at a time."""
    size = cp.shape[0]
    k = grams.shape[0]
    n = offsets.shape[0]
    ahead = max(1, _AHEAD // k)
    chunk = np.empty((k, _CHUNK), dtype=np.int64)
    h = np.empty(_CHUNK, dtype=np.uint64)
    run = np.empty(_CHUNK, dtype=np.int64)
    sums = np.zeros((n, 8), dtype=np.float32)
    zero = np.float32(0)
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = zero
    post = -1  # post of the current position
    later = -1  # post of the position whose rows are being prefetched
    base = 0
    start = 0
    while start < size:
        width = _gram_chunk(cp, cls, start, grams, mask, sentinel, h, run, chunk)
        for u in range(min(ahead, width)):
            if cls[start + u] == SEP:
                later += 1
            elif later >= 0:
                for g in range(k):
                    prefetch(table, (offsets[later] + chunk[g, u]) * 8)
        for j in range(width):
            u = j + ahead
            if u < width:
                if cls[start + u] == SEP:
                    later += 1
                elif later >= 0:
                    for g in range(k):
                        prefetch(table, (offsets[later] + chunk[g, u]) * 8)
            if cls[start + j] == SEP:  # its windows all hold it: no bucket
                if post >= 0:
                    _store8(sums, post, a0, a1, a2, a3, a4, a5, a6, a7)
                    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = zero
                post += 1
                base = offsets[post]
                continue
            for g in range(k):
                x = base + chunk[g, j]
                a0, a1, a2, a3, a4, a5, a6, a7 = _add_row(table, x, a0, a1, a2, a3, a4, a5, a6, a7)
        start += width
    if post >= 0:
        _store8(sums, post, a0, a1, a2, a3, a4, a5, a6, a7)
    return sums


@kernel
def _add_row(
    table: F32,
    x: int,
    a0: np.float32,
    a1: np.float32,
    a2: np.float32,
    a3: np.float32,
    a4: np.float32,
    a5: np.float32,
    a6: np.float32,
    a7: np.float32,
) -> tuple[np.float32, ...]:
    """The eight running sums plus row ``x`` of ``table`` (kept in registers by the
    callers, which sum in float32 in a fixed order)."""
    return (
        a0 + table[x, 0],
        a1 + table[x, 1],
        a2 + table[x, 2],
        a3 + table[x, 3],
        a4 + table[x, 4],
        a5 + table[x, 5],
        a6 + table[x, 6],
        a7 + table[x, 7],
    )


@kernel
def _store8(
    out: F32,
    row: int,
    a0: np.float32,
    a1: np.float32,
    a2: np.float32,
    a3: np.float32,
    a4: np.float32,
    a5: np.float32,
    a6: np.float32,
    a7: np.float32,
) -> None:
    out[row, 0] = a0
    out[row, 1] = a1
    out[row, 2] = a2
    out[row, 3] = a3
    out[row, 4] = a4
    out[row, 5] = a5
    out[row, 6] = a6
    out[row, 7] = a7


@kernel
def _token_buckets(
    hashes: U64, negated: npt.NDArray[np.bool_], bigram: U64, mask: np.uint64, sentinel: int
) -> I64:
    """(2, tokens): unigram and bigram buckets (``sentinel`` where there is no bigram)."""
    m = hashes.shape[0]
    buckets = np.empty((2, m), dtype=np.int64)
    for t in range(m):
        buckets[0, t] = _unigram_bucket(hashes[t], negated[t], mask)
        buckets[1, t] = np.int64(bigram[t] & mask) if bigram[t] != _ZERO else sentinel
    return buckets


@kernel
def _sum_rows(buckets: I64, starts: I64, offsets: I64, table: F32) -> F32:
    """Per post ``p``: the float32 sum of ``table[offsets[p] + buckets[g, r]]`` over the
    columns ``r`` from ``starts[p]`` to ``starts[p + 1]`` (the last post: to the end),
    in the order ``r`` then ``g`` (the tokens' buckets; prefetched as in ``_char_sums``,
    with the next post's offset when the prefetched bucket lies there)."""
    n = starts.shape[0]
    k = buckets.shape[0]
    total = buckets.shape[1]
    ahead = max(1, _AHEAD // k)
    sums = np.zeros((n, 8), dtype=np.float32)
    for p in range(n):
        lo = starts[p]
        hi = starts[p + 1] if p + 1 < n else total
        base = offsets[p]
        later = offsets[p + 1] if p + 1 < n else base
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = np.float32(0)
        for r in range(lo, hi):
            u = r + ahead
            if u < total:
                at = base if u < hi else later
                for g in range(k):
                    prefetch(table, (at + buckets[g, u]) * 8)
            for g in range(k):
                x = base + buckets[g, r]
                a0, a1, a2, a3, a4, a5, a6, a7 = _add_row(table, x, a0, a1, a2, a3, a4, a5, a6, a7)
        _store8(sums, p, a0, a1, a2, a3, a4, a5, a6, a7)
    return sums


def aligned_zeros(shape: tuple[int, int], dtype: type[np.generic], align: int = 64) -> Any:
    """Zeros whose first byte is on an ``align``-byte boundary (a cache line), so that
    rows of 32 bytes never straddle two lines."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buffer = np.zeros(size + align, dtype=np.uint8)
    start = -buffer.ctypes.data % align
    return buffer[start : start + size].view(dtype).reshape(shape)


_LEX_AHEAD = 16  # tokens between the prefetches of a look-up's bitmap word, slot, use


@kernel
def _lexicon_kernel(
    row: I64,
    hashes: U64,
    negated: npt.NDArray[np.bool_],
    bigram: U64,
    n: int,
    keys: U64,
    used: U64,
    values: F32,
    mask: np.uint64,
    probes: int,
    negation: np.float32,
) -> F32:
    """Per post: positive and negative valence sums per lexicon column (float64 sums of
    float32 valences, in token order).

    Software-pipelined: token ``t`` has the bitmap words of its two look-ups prefetched,
    ``_LEX_AHEAD`` tokens later their slots (where the bitmap says a key may be), and
    ``_LEX_AHEAD`` tokens later still it is looked up: the tables (a few megabytes) are
    mostly not in the cache when a batch starts."""
    cols = values.shape[1]
    m = row.shape[0]
    out = np.zeros((n, 2 * cols), dtype=np.float64)
    zero = np.float32(0)
    ring = 4 * _LEX_AHEAD  # home slots of the tokens in flight, (hash, bigram) each
    home = np.empty((ring, 2), dtype=np.uint64)
    for t in range(m + 2 * _LEX_AHEAD):
        if t < m:
            slot = t % ring
            for q in range(2):
                at = mix1(hashes[t] if q == 0 else bigram[t]) & mask
                home[slot, q] = at
                prefetch(used, int(at >> np.uint64(6)))
        u = t - _LEX_AHEAD
        if 0 <= u < m:
            for q in range(2):
                at = home[u % ring, q]
                if (used[at >> np.uint64(6)] >> (at & np.uint64(63))) & np.uint64(1):
                    prefetch(keys, int(at))
                    prefetch(values, int(at) * cols)
        u = t - 2 * _LEX_AHEAD
        if u < 0:
            continue
        one = _lex_find(keys, used, mask, probes, hashes[u], home[u % ring, 0])
        two = _lex_find(keys, used, mask, probes, bigram[u], home[u % ring, 1])
        if one < 0 and two < 0:
            continue
        p = row[u]
        for c in range(cols):
            v = values[one, c] if one >= 0 else zero
            w = values[two, c] if two >= 0 else zero
            v = v + w
            if negated[u]:
                v = v * negation
            if v > 0:
                out[p, 2 * c] += np.float64(v)
            elif v < 0:
                out[p, 2 * c + 1] += np.float64(-v)
    return out.astype(np.float32)


@kernel
def _lookup_kernel(
    table_keys: U64, used: U64, values: F32, mask: np.uint64, probes: int, keys: U64
) -> F32:
    out = np.zeros((keys.shape[0], values.shape[1]), dtype=np.float32)
    for i in range(keys.shape[0]):
        at = _lex_slot(table_keys, used, mask, probes, keys[i])
        if at >= 0:
            out[i] = values[at]
    return out


# -- the batch API -------------------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """The tokens of a batch, in order: their post (``row``), hash, and whether they are
    in a negation scope. ``bigram`` holds the hash of (previous token, token) where the
    previous token is in the same post, else 0, for lexicon entries of two tokens."""

    n: int
    row: I64
    hash: U64
    negated: npt.NDArray[np.bool_]
    bigram: U64
    exclaim: I64
    question: I64


@dataclass(frozen=True)
class Features:
    """Hashed feature occurrences of a batch, laid out for fast per-post sums.

    ``char_buckets`` has one row per character position (in post order: ``char_starts``
    gives where each post begins) and one column per n-gram length; ``tok_buckets`` has
    one row per token (``tokens.row`` is sorted) and two columns (unigram, bigram).
    Windows that cross posts, and the first token's bigram, hold ``sentinel`` (= 2**bits),
    which is no bucket."""

    n: int
    sentinel: int
    char_row: I64
    char_starts: I64
    char_buckets: I64
    tok_buckets: I64
    tokens: Tokens

    @property
    def rows(self) -> I64:
        """Post of each real occurrence (for building a sparse count matrix)."""
        k = self.char_buckets.shape[1]
        rows = np.concatenate([np.repeat(self.char_row, k), np.repeat(self.tokens.row, 2)])
        return rows[self._valid()]

    @property
    def buckets(self) -> I64:
        flat = np.concatenate([self.char_buckets.ravel(), self.tok_buckets.ravel()])
        return flat[self._valid()]

    def _valid(self) -> npt.NDArray[np.bool_]:
        flat = np.concatenate([self.char_buckets.ravel(), self.tok_buckets.ravel()])
        valid: npt.NDArray[np.bool_] = flat != self.sentinel
        return valid


@dataclass(frozen=True)
class TableSums:
    """What scoring needs of a batch: per post, the sum of the weight-table rows of its
    feature occurrences (float64 of float32 sums: characters, then tokens), its lexicon
    scores (as ``lexicon_scores``) and its ``!`` and ``?`` counts."""

    sums: npt.NDArray[np.float64]
    lexicon: F32
    exclaim: I64
    question: I64


def _joined(texts: list[str]) -> str:
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
    return joined


def _utf32(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _codepoints(texts: list[str]) -> npt.NDArray[np.uint32]:
    """Links, mentions and ``n't`` rewritten, lowercased, posts joined by NUL and padded
    by spaces (so that n-grams see word starts and ends), as code points.

    Defined by ``_REWRITE`` (``re``) then ``str.lower``; done by a kernel over code points
    (``_rewrite_kernel``), exact unless the batch holds a capital sigma (lowered by
    context), a character that lowers to two (``İ``), or a mention or ``n't`` whose end
    depends on ``\\w`` of a code point above ``char_classes``: those batches go through
    ``re`` and ``str.lower`` themselves."""
    joined = _joined(texts)
    out, ok = _rewrite_kernel(
        _utf32(joined), lower_table(), char_classes(), _FIRST, _SECOND, _REPLACEMENTS,
        _REPLACEMENT_SIZES,
    )  # fmt: skip
    if ok:
        return out
    joined = _REWRITE.sub(_rewrite, joined).lower()
    return _utf32("\x00 " + joined.replace("\x00", " \x00 ") + " ")


def normalise(texts: list[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint8]]:
    """Code points and classes of the batch, normalised (see the module docstring).
    Posts are separated by code point 0 (class ``SEP``); the stream starts with one."""
    return _normalise_kernel(_codepoints(texts), char_classes())


def _hash_set(hashes: U64) -> U64:
    """A table of 2**k slots holding each hash at ``hash & (2**k - 1)``, without
    collisions (k grows until there are none); empty slots hold 0."""
    values = np.unique(hashes)
    if len(values) and values[0] == 0:
        raise ValueError("a hash set cannot hold 0")
    size = 16
    while len(np.unique(values & np.uint64(size - 1))) < len(values):
        size *= 2
    table = np.zeros(size, dtype=np.uint64)
    table[(values & np.uint64(size - 1)).astype(np.int64)] = values
    return table


_BREAKS = np.array([ord(c) for c in BREAKS], dtype=np.uint32)


class FeatureExtractor:
    """Hashed character and word n-grams of a batch of texts."""

    def __init__(self, bits: int = 20, char_ngrams: tuple[int, ...] = (2, 3, 4, 5)) -> None:
        if not 8 <= bits <= 26:
            raise ValueError(f"bits must be between 8 and 26, got {bits}")
        grams = tuple(sorted(char_ngrams))
        if not grams or grams[0] < 1 or len(set(grams)) != len(grams):
            raise ValueError(f"char_ngrams must be distinct positive lengths, got {char_ngrams}")
        self.bits = bits
        self.char_ngrams = grams
        self._grams = np.array(grams, dtype=np.int64)
        self.mask = np.uint64((1 << bits) - 1)
        self.sentinel = 1 << bits
        self._negators = np.zeros(1, dtype=np.uint64)  # no negator while hashing them
        self._negators = _hash_set(self.token_hashes(list(NEGATORS)))

    def token_hashes(self, words: list[str]) -> U64:
        """Hash of each single-token word, as ``extract`` computes it (for lexicons)."""
        hashes, count = self.entry_hashes(words)
        return np.where(count == 1, hashes, np.uint64(0))

    def entry_hashes(self, entries: list[str]) -> tuple[U64, npt.NDArray[np.int64]]:
        """(hash, number of tokens) of lexicon entries: one-token entries get the token
        hash, two-token entries the bigram hash, others 0."""
        toks = self.tokenize(entries)
        count = np.bincount(toks.row, minlength=len(entries)).astype(np.int64)
        out = np.zeros(len(entries), dtype=np.uint64)
        first = np.flatnonzero(np.concatenate(([True], toks.row[1:] != toks.row[:-1])))
        rows = toks.row[first]
        one = count[rows] == 1
        out[rows[one]] = toks.hash[first[one]]
        two = count[rows] == 2
        out[rows[two]] = toks.bigram[first[two] + 1]
        return out, count

    def tokenize(self, texts: list[str]) -> Tokens:
        cp, cls = normalise(texts)
        return self._tokens(len(texts), cp, cls)

    def _tokens(self, n: int, cp: npt.NDArray[np.uint32], cls: npt.NDArray[np.uint8]) -> Tokens:
        row, hashes, negated, bigram, exclaim, question = _tokenize_kernel(
            cp, cls, n, self._negators, _BREAKS
        )
        return Tokens(n, row, hashes, negated, bigram, exclaim, question)

    def extract(self, texts: list[str]) -> Features:
        """Every feature occurrence of the batch (for training)."""
        n = len(texts)
        cp, cls = normalise(texts)
        is_sep = cls == SEP
        toks = self._tokens(n, cp, cls)
        return Features(
            n,
            self.sentinel,
            np.cumsum(is_sep) - 1,
            np.flatnonzero(is_sep),
            _char_buckets(cp, cls, self._grams, self.mask, self.sentinel).T,
            _token_buckets(toks.hash, toks.negated, toks.bigram, self.mask, self.sentinel).T,
            toks,
        )

    def table_sums(
        self,
        texts: list[str],
        table: F32,
        offsets: I64,
        lexicons: LexiconTable,
        negation: float = NEGATION,
    ) -> TableSums:
        """What scoring needs, without the ``Features`` bookkeeping: per post, the sum of
        ``table[offsets[post] + bucket]`` over the buckets of ``extract`` (characters,
        then tokens; ``table``: float32 rows of 8 whose row ``offset + 2**bits`` is zero,
        for the sentinel), its lexicon scores and its ``!``/``?`` counts."""
        n = len(texts)
        if table.ndim != 2 or table.shape[1] != 8 or table.dtype != np.float32:
            raise ValueError(f"table must be (rows, 8) float32, got {table.shape} {table.dtype}")
        offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        if offsets.shape != (n,):
            raise ValueError(f"{offsets.shape} offsets for {n} texts")
        if n and (offsets.min() < 0 or offsets.max() + self.sentinel >= table.shape[0]):
            raise ValueError("offsets point outside the table")
        if n == 0:
            cols = 2 * lexicons.values.shape[1]
            none = np.zeros(0, dtype=np.int64)
            return TableSums(np.zeros((0, 8)), np.zeros((0, cols), np.float32), none, none)
        table = np.ascontiguousarray(table)
        cp, cls = normalise(texts)
        chars = _char_sums(cp, cls, self._grams, self.mask, self.sentinel, offsets, table)
        sums = chars.astype(np.float64)
        toks = self._tokens(n, cp, cls)
        words = _token_buckets(toks.hash, toks.negated, toks.bigram, self.mask, self.sentinel)
        sums += _sum_rows(words, np.searchsorted(toks.row, np.arange(n)), offsets, table)
        lex = lexicon_scores(toks, lexicons, negation)
        return TableSums(sums, lex, toks.exclaim, toks.question)


class LexiconTable:
    """Exact lookup of token hashes in one or more lexicons: an open-addressing hash table
    (linear probing, load factor <= 1/8)."""

    def __init__(self, keys: U64, values: F32) -> None:
        """``keys``: entry hashes (non-zero); ``values``: (entries, columns)."""
        size = 1 << max(4, int(np.ceil(np.log2(max(len(keys), 1) * 8))))
        self.mask = np.uint64(size - 1)
        self.keys = np.zeros(size, dtype=np.uint64)
        self.values = np.zeros((size, values.shape[1]), dtype=np.float32)
        self.probes = 1
        slots = (mix(keys) & self.mask).astype(np.int64)
        for key, slot, row in zip(keys.tolist(), slots.tolist(), range(len(keys)), strict=True):
            probe = 0
            while self.keys[(slot + probe) % size] not in (0, key):
                probe += 1
            at = (slot + probe) % size
            if self.keys[at] == 0:
                self.keys[at] = key
                self.values[at] = values[row]
            self.probes = max(self.probes, probe + 1)
        occupied = np.zeros(size + (-size) % 64, dtype=np.uint8)
        occupied[:size] = self.keys != 0
        self.used = np.packbits(occupied, bitorder="little").view(np.uint64)

    @classmethod
    def empty(cls, columns: int = 1) -> LexiconTable:
        return cls(np.zeros(0, dtype=np.uint64), np.zeros((0, columns), dtype=np.float32))

    def lookup(self, keys: U64) -> F32:
        """(len(keys), columns) values, zero where a key is absent (or 0)."""
        return _lookup_kernel(
            self.keys,
            self.used,
            self.values,
            self.mask,
            self.probes,
            np.ascontiguousarray(keys, np.uint64),
        )


def lexicon_scores(tokens: Tokens, table: LexiconTable, negation: float = NEGATION) -> F32:
    """Per post and lexicon column: (sum of positive valences, sum of negative valences),
    as (n, 2 * columns). In a negation scope the valence is multiplied by ``negation``
    (VADER's ``N_SCALAR``). Two-token entries match token bigrams."""
    return _lexicon_kernel(
        tokens.row, tokens.hash, tokens.negated, tokens.bigram, tokens.n, table.keys,
        table.used, table.values, table.mask, table.probes, np.float32(negation),
    )  # fmt: skip
