"""Batch tokenisation for the streaming matcher: the tokens of a whole batch of texts in
compiled passes, and the atoms (watch terms) found in each text.

The tokens are exactly those of ``normalize.tokens`` (the module docstring of
``veille.query.normalize`` is the specification); what changes is how they are computed:

1. all texts are joined into one string and read as code points (``utf-32``);
2. fold (``_fold_texts``): once marks are dropped, the only step of
   ``normalize.fold_reference`` that looks at more than one character is NFC, and with no
   combining mark left it only composes Hangul jamo. So the fold of a text is the
   concatenation of the folds of its characters, read from a table that
   ``normalize.fold_reference`` itself fills once per process (``_tables``). The texts
   with Hangul or with characters beyond the table (``_find_slow``) are folded by
   ``normalize.fold_reference``, all in one call on their NUL-joined texts: NUL is a
   starter that decomposes, case-folds and composes to itself, so no step crosses it
   (tests check every code point and fuzzed batches);
3. tokenise (``_tokenise``): a hand-written equivalent of ``normalize.TOKEN_PATTERN``
   (leftmost alternative first: elided article, ``@mention``, ``#hashtag``, word); elided
   articles are dropped; each text's stream (``normalize.stream``) is written when some
   watch reads it (NEAR, ``has:``);
4. atoms (``TermIndex``): every token is hashed (FNV-1a over its code points) and looked
   up in a Bloom filter, then in a hash table, of the whole tokens of the watch terms
   (`` acme ``, the tokens of phrases); at the lengths where a term is a prefix
   (`` manag``, `` @acme.``), its prefixes are looked up likewise; phrases are runs of
   whole tokens. Every look-up compares the code points, so the atoms found are exactly
   those whose pattern (``patterns.substrings``) occurs in the text's stream.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from veille.jit import kernel
from veille.query import normalize
from veille.query._unicode_tables import WORD_RANGES

__all__ = ["Scanned", "TermIndex", "scan"]

_CODE_POINTS = 0x110000
_WORD = 1  # letters and digits (Unicode L*, N*): ``[^\W_]``
_W = 2  # ``\w``: letters, digits and ``_``
_SLOW = 4  # not folded by the per-character table (see ``_tables``)
_PREFIX = 1  # TermIndex.prefix_lengths flags
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
def _find(
    slot_hash: npt.NDArray[np.uint64],
    slot_id: npt.NDArray[np.int64],
    cps: npt.NDArray[np.uint32],
    start: npt.NDArray[np.int64],
    h: np.uint64,
    text: npt.NDArray[np.uint32],
    p: int,
    q: int,
) -> int:
    """The id of the string ``text[p:q]`` (hash ``h``) in a table of strings (string ``k``
    is ``cps[start[k]:start[k+1]]``, in the open-addressing table ``slot_hash``,
    ``slot_id``), or -1."""
    mask = len(slot_id) - 1
    w, _, _ = _bits(h)
    i = int(w) & mask
    while slot_id[i] >= 0:
        k = slot_id[i]
        if slot_hash[i] == h and start[k + 1] - start[k] == q - p:
            same = True
            for j in range(q - p):
                if cps[start[k] + j] != text[p + j]:
                    same = False
                    break
            if same:
                return int(k)
        i = (i + 1) & mask
    return -1


@kernel
def _tokenise(
    text: npt.NDArray[np.uint32],
    text_start: npt.NDArray[np.int64],
    write_stream: bool,
    classes: npt.NDArray[np.uint8],
    elision: npt.NDArray[np.uint32],
    elision_start: npt.NDArray[np.int64],
    apostrophe1: int,
    apostrophe2: int,
    whole_bits: npt.NDArray[np.uint64],
    prefix_bits: npt.NDArray[np.uint64],
    prefix_lengths: npt.NDArray[np.uint8],
    whole_hash: npt.NDArray[np.uint64],
    whole_slot: npt.NDArray[np.int64],
    whole_cps: npt.NDArray[np.uint32],
    whole_start: npt.NDArray[np.int64],
    whole_atom_start: npt.NDArray[np.int64],
    whole_atoms: npt.NDArray[np.int64],
    prefix_hash: npt.NDArray[np.uint64],
    prefix_slot: npt.NDArray[np.int64],
    prefix_cps: npt.NDArray[np.uint32],
    prefix_start: npt.NDArray[np.int64],
    prefix_atom_start: npt.NDArray[np.int64],
    prefix_atoms: npt.NDArray[np.int64],
    phrase_by_first_start: npt.NDArray[np.int64],
    phrase_by_first: npt.NDArray[np.int64],
    phrase_token_start: npt.NDArray[np.int64],
    phrase_tokens: npt.NDArray[np.int64],
    phrase_atom_start: npt.NDArray[np.int64],
    phrase_atoms: npt.NDArray[np.int64],
    atoms: npt.NDArray[np.int64],
    hit_atoms: npt.NDArray[np.int64],
) -> tuple[
    npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]
]:
    """The tokens of the folded texts ``text[text_start[i]:text_start[i+1]]``: their
    streams, each followed by NUL, and where each starts (when ``write_stream``); the texts
    with atoms (``TermIndex``), and where their atoms start in ``hit_atoms`` (sorted, per
    text). ``atoms`` is room for the atoms of one text. When either is too small, the
    returned starts are empty (call again with more room): arrays that grow in the loop
    would make it several times slower."""
    n = len(text_start) - 1
    longest = 0
    for i in range(n):
        longest = max(longest, text_start[i + 1] - text_start[i])
    # every token is at least one code point followed by at most one space
    size = 2 * text_start[n] + 3 * n if write_stream else 2 * longest + 3
    stream = np.empty(size, dtype=np.uint32)
    stream_start = np.zeros(n + 1, dtype=np.int64)
    token_ids = np.empty(longest + 1, dtype=np.int64)  # a text's tokens' whole-token ids
    hit_posts = np.empty(n, dtype=np.int64)
    hit_start = np.zeros(n + 1, dtype=np.int64)
    overflow = np.zeros(0, dtype=np.int64)
    room = len(atoms)
    n_hits = 0
    n_atoms_out = 0
    sp = 0
    n_lengths = len(prefix_lengths)
    for i in range(n):
        if not write_stream:
            sp = 0
        stream_start[i] = sp
        stream[sp] = 0x20
        sp += 1
        first = True
        n_tokens = 0
        n_atoms = 0
        # normalize.TOKEN_PATTERN tried at p, alternatives in order (elided article,
        # @mention, #hashtag, word); where none matches, p moves on. A token is written
        # at tp (after a space unless it is the first) as it is read, and hashed.
        p = text_start[i]
        m = text_start[i + 1]
        while p < m:
            c = text[p]
            tp = sp if first else sp + 1
            h = _FNV_OFFSET
            maybe_prefix = False
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
                        maybe_prefix = True
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
                        maybe_prefix = True
            else:
                p += 1
                continue
            # the token text[p:q] is at stream[tp:tp + q - p]
            if not first:
                stream[sp] = 0x20
            first = False
            sp = tp + q - p
            # its atoms: as a whole token, then as a token that starts with a prefix
            k = -1
            if _member(whole_bits, h):
                k = _find(whole_hash, whole_slot, whole_cps, whole_start, h, text, p, q)
                if k >= 0:
                    a, b = whole_atom_start[k], whole_atom_start[k + 1]
                    if n_atoms + b - a > room:
                        return stream, overflow, hit_posts, overflow
                    atoms[n_atoms : n_atoms + b - a] = whole_atoms[a:b]
                    n_atoms += b - a
            token_ids[n_tokens] = k
            n_tokens += 1
            if maybe_prefix:
                g = _FNV_OFFSET
                for j in range(p, q):
                    g = (g ^ np.uint64(text[j])) * _FNV_PRIME
                    length = j - p + 1
                    if length < n_lengths and prefix_lengths[length] and _member(prefix_bits, g):
                        k = _find(
                            prefix_hash, prefix_slot, prefix_cps, prefix_start, g, text, p, j + 1
                        )
                        if k >= 0:
                            a, b = prefix_atom_start[k], prefix_atom_start[k + 1]
                            if n_atoms + b - a > room:
                                return stream, overflow, hit_posts, overflow
                            atoms[n_atoms : n_atoms + b - a] = prefix_atoms[a:b]
                            n_atoms += b - a
            p = q
        stream[sp] = 0x20
        stream[sp + 1] = 0
        sp += 2
        # phrases: runs of whole tokens
        for t in range(n_tokens):
            k = token_ids[t]
            if k < 0:
                continue
            for f in range(phrase_by_first_start[k], phrase_by_first_start[k + 1]):
                ph = phrase_by_first[f]
                a, b = phrase_token_start[ph], phrase_token_start[ph + 1]
                if t + b - a > n_tokens:
                    continue
                same = True
                for j in range(1, b - a):
                    if token_ids[t + j] != phrase_tokens[a + j]:
                        same = False
                        break
                if same:
                    a, b = phrase_atom_start[ph], phrase_atom_start[ph + 1]
                    if n_atoms + b - a > room:
                        return stream, overflow, hit_posts, overflow
                    atoms[n_atoms : n_atoms + b - a] = phrase_atoms[a:b]
                    n_atoms += b - a
        if n_atoms:
            # sorted, without repeats (a few atoms: insertion sort)
            for x in range(1, n_atoms):
                v = atoms[x]
                y = x - 1
                while y >= 0 and atoms[y] > v:
                    atoms[y + 1] = atoms[y]
                    y -= 1
                atoms[y + 1] = v
            if n_atoms_out + n_atoms > len(hit_atoms):
                return stream, overflow, hit_posts, overflow
            hit_posts[n_hits] = i
            hit_start[n_hits] = n_atoms_out
            for x in range(n_atoms):
                if x == 0 or atoms[x] != atoms[x - 1]:
                    hit_atoms[n_atoms_out] = atoms[x]
                    n_atoms_out += 1
            n_hits += 1
    stream_start[n] = sp
    hit_start[n_hits] = n_atoms_out
    return stream[:sp], stream_start, hit_posts[:n_hits], hit_start[: n_hits + 1]


# -- Python side -----------------------------------------------------------------------


@kernel
def _hashes(cps: npt.NDArray[np.uint32], start: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    """The hash of each string ``cps[start[k]:start[k+1]]``."""
    out = np.empty(len(start) - 1, dtype=np.uint64)
    for k in range(len(start) - 1):
        h = _FNV_OFFSET
        for j in range(start[k], start[k + 1]):
            h = (h ^ np.uint64(cps[j])) * _FNV_PRIME
        out[k] = h
    return out


@kernel
def _slots(
    hashes: npt.NDArray[np.uint64],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """An open-addressing table of the strings of ``hashes`` (for ``_find``)."""
    size = 16
    while size < 2 * len(hashes):
        size *= 2
    slot_hash = np.zeros(size, dtype=np.uint64)
    slot_id = np.full(size, -1, dtype=np.int64)
    for k in range(len(hashes)):
        w, _, _ = _bits(hashes[k])
        i = int(w) & (size - 1)
        while slot_id[i] >= 0:
            i = (i + 1) & (size - 1)
        slot_hash[i] = hashes[k]
        slot_id[i] = k
    return slot_hash, slot_id


class _Strings:
    """Strings for the kernels: their code points and where each starts, an
    open-addressing table of them by hash (``_find``) and a blocked Bloom filter of them
    (``_member``)."""

    def __init__(self, strings: Sequence[str]) -> None:
        self.start = np.zeros(len(strings) + 1, dtype=np.int64)
        np.cumsum(np.array([len(s) for s in strings], dtype=np.int64), out=self.start[1:])
        self.cps = _code_points("".join(strings)).copy()
        self.slot_hash, self.slot_id = _slots(_hashes(self.cps, self.start))
        # about 32 bits a string (a token is looked up for nothing about 0.5% of the
        # time), at least 1024: small enough to stay in cache between batches
        size = 1 << max(10, (32 * len(strings)).bit_length())
        self.bits = np.zeros(size // 64, dtype=np.uint64)
        _fill(self.bits, self.cps, self.start)


def _csr(lists: Sequence[Sequence[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``lists`` as (start, values): list ``k`` is ``values[start[k]:start[k + 1]]``."""
    start = np.zeros(len(lists) + 1, dtype=np.int64)
    np.cumsum(np.array([len(x) for x in lists], dtype=np.int64), out=start[1:])
    values = np.array([v for x in lists for v in x], dtype=np.int64)
    return start, values


class TermIndex:
    """Where the atoms of a set of watch terms occur, for the kernel. ``patterns`` maps each
    stream pattern (``patterns.substrings``) to its atoms: `` token `` (a whole token),
    `` prefix`` (a token that starts with it, as `` manag`` or `` @acme.``) or
    `` token token ... `` (a phrase: consecutive whole tokens)."""

    def __init__(self, patterns: Mapping[str, Sequence[int]]) -> None:
        wholes: dict[str, list[int]] = {}  # whole tokens (alone or in phrases) -> atoms
        prefixes: dict[str, list[int]] = {}
        phrases: list[tuple[list[str], Sequence[int]]] = []
        for pattern, atoms in patterns.items():
            parts = pattern[1:].split(" ")
            bad = not pattern.startswith(" ") or "" in parts[:-1] or not parts[0]
            if bad or "\x00" in pattern or (not pattern.endswith(" ") and len(parts) > 1):
                raise ValueError(f"not a stream pattern: {pattern!r}")
            if not pattern.endswith(" "):
                prefixes.setdefault(parts[0], []).extend(atoms)
                continue
            for part in parts[:-1]:
                wholes.setdefault(part, [])
            if len(parts) == 2:
                wholes[parts[0]].extend(atoms)
            else:
                phrases.append((parts[:-1], atoms))
        whole_list = sorted(wholes)
        ids = {w: k for k, w in enumerate(whole_list)}
        prefix_list = sorted(prefixes)
        self.whole = _Strings(whole_list)
        self.whole_atom_start, self.whole_atoms = _csr([sorted(set(wholes[w])) for w in whole_list])
        self.prefix = _Strings(prefix_list)
        self.prefix_atom_start, self.prefix_atoms = _csr(
            [sorted(set(prefixes[p])) for p in prefix_list]
        )
        longest = max((len(p) for p in prefix_list), default=0)
        #: for each length, whether some prefix has it (``_PREFIX``), or some prefix that
        #: ends with a dot (``_DOT_PREFIX``, `` @acme.``: only looked up at a dot)
        self.prefix_lengths = np.zeros(longest + 1, dtype=np.uint8)
        for p in prefix_list:
            self.prefix_lengths[len(p)] |= _DOT_PREFIX if p.endswith(".") else _PREFIX
        self.phrase_token_start, self.phrase_tokens = _csr(
            [[ids[t] for t in ts] for ts, _ in phrases]
        )
        self.phrase_atom_start, self.phrase_atoms = _csr([sorted(set(a)) for _, a in phrases])
        by_first: list[list[int]] = [[] for _ in whole_list]
        for k, (ts, _) in enumerate(phrases):
            by_first[ids[ts[0]]].append(k)
        self.phrase_by_first_start, self.phrase_by_first = _csr(by_first)
        #: room for the atoms of one text, and per text of a batch, in the kernel
        self.room = (256, 4)


@dataclass(frozen=True)
class Scanned:
    """The tokens of a batch. Text ``i``'s stream (``normalize.stream``) is
    ``stream_text()[starts[i] : starts[i + 1] - 1]`` (when asked for); the texts where
    some term occurs are ``posts``, the atoms of ``posts[j]`` are
    ``atoms[atom_start[j]:atom_start[j + 1]]`` (sorted)."""

    stream: npt.NDArray[np.uint32]
    starts: npt.NDArray[np.int64]
    posts: npt.NDArray[np.int64]
    atom_start: npt.NDArray[np.int64]
    atoms: npt.NDArray[np.int64]

    def stream_text(self) -> str:
        return self.stream.tobytes().decode("utf-32-le")


def scan(texts: Sequence[str | None], terms: TermIndex, *, streams: bool = True) -> Scanned:
    """The tokens of ``texts`` (``None`` is the empty text): the atoms of ``terms`` in
    each, and their streams unless not ``streams``."""
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
    while True:
        atoms = np.empty(terms.room[0], dtype=np.int64)
        hit_atoms = np.empty(terms.room[0] + terms.room[1] * len(texts), dtype=np.int64)
        stream, starts, posts, atom_start = _tokenise(
            text,
            text_start,
            streams,
            tables.classes,
            tables.elision,
            tables.elision_start,
            tables.apostrophes[0],
            tables.apostrophes[1],
            terms.whole.bits,
            terms.prefix.bits,
            terms.prefix_lengths,
            terms.whole.slot_hash,
            terms.whole.slot_id,
            terms.whole.cps,
            terms.whole.start,
            terms.whole_atom_start,
            terms.whole_atoms,
            terms.prefix.slot_hash,
            terms.prefix.slot_id,
            terms.prefix.cps,
            terms.prefix.start,
            terms.prefix_atom_start,
            terms.prefix_atoms,
            terms.phrase_by_first_start,
            terms.phrase_by_first,
            terms.phrase_token_start,
            terms.phrase_tokens,
            terms.phrase_atom_start,
            terms.phrase_atoms,
            atoms,
            hit_atoms,
        )
        if len(starts):
            return Scanned(stream, starts, posts, atom_start, hit_atoms[: atom_start[-1]])
        # a text with more atoms than that, or a batch with more: again, with more room
        # (kept for the next batches)
        terms.room = (4 * terms.room[0], 4 * terms.room[1])


def _fold_slow(texts: list[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64]]:
    """The fold of each text (``normalize.fold_reference`` after the cap and the NUL step of
    ``normalize.fold``), in one call: the folds' code points, each followed by NUL, and
    where each starts."""
    cap = normalize.MAX_TEXT_CHARS
    parts = [t[:cap].replace("\x00", " ") for t in texts]
    folded = _code_points(normalize.fold_reference("\x00".join(parts)) + "\x00")
    nul = np.flatnonzero(folded == 0)
    if len(nul) != len(parts):  # pragma: no cover - NUL folds to itself
        raise RuntimeError("scan: the fold does not keep NUL")
    starts = np.zeros(len(parts) + 1, dtype=np.int64)
    starts[1:] = nul + 1
    return folded.copy(), starts
