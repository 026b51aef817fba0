"""Hashed text features for a whole batch at once, in numpy.

The batch is joined into one string and handled as one array of code points: no Python
loop per post or per character. The same code produces the training matrix
(``sentiment_train``) and the inference features (``sentiment``), so they cannot drift.

Normalisation: links become ``http`` and mentions ``@user`` (as in the training corpora),
``n't`` becomes `` not``, text is lowercased, invisible and combining characters
(zero-width joiners, variation selectors, zalgo marks) are dropped, runs of one character
are cut to two, digits become ``0`` and whitespace runs one space.

Features: character n-grams (across word boundaries, text padded by spaces), word
unigrams (marked when inside a negation scope: up to three tokens after ``not``, ``ne``,
``pas``, ``jamais``... and before punctuation) and word bigrams, each hashed into
``2**bits`` buckets. Punctuation and symbols (emoji) are one-character tokens. Tokens are
also returned with their hashes so that lexicons can be looked up (``lexicon_hashes``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]

SEP, SPACE, WORD, PUNCT, SYM, DROP = 0, 1, 2, 3, 4, 5
_TABLE_SIZE = 0x20000  # BMP and the supplementary plane with the emoji; above: letters

_P = np.uint64(0x100000001B3)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_NGRAM_SALT = np.uint64(0x9E3779B97F4A7C15)
_NEG_SALT = np.uint64(0xD6E8FEB86659FD93)
_BIGRAM_MUL = np.uint64(0xC2B2AE3D27D4EB4F)
_WORD_SALT = np.uint64(0x165667B19E3779F9)
_MAX_TOKEN = 4096  # longer "words" still hash, their tail repeats the power table

NEGATORS = (
    "not", "no", "never", "nothing", "nobody", "none", "nor", "neither", "without",
    "cannot", "ne", "n", "pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "nul",
    "nulle", "guère",
)  # fmt: skip
BREAKS = ".,!?;:…"

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
    """Class of each code point below ``_TABLE_SIZE`` (built once, ~50 ms)."""
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
        table[cp] = cls
    return table


@cache
def _powers() -> U64:
    out = np.empty(_MAX_TOKEN, dtype=np.uint64)
    out[0] = 1
    with np.errstate(over="ignore"):
        out[1:] = _P
        np.cumprod(out, out=out)
    return out


def mix(h: U64) -> U64:
    """splitmix64 finaliser: spreads hashes over all bits (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(30))
        h = h * _M1
        h = h ^ (h >> np.uint64(27))
        h = h * _M2
        return h ^ (h >> np.uint64(31))


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


def _codepoints(texts: list[str]) -> npt.NDArray[np.uint32]:
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
    joined = _REWRITE.sub(_rewrite, joined).lower()
    # Every post is padded by a space so that n-grams see word starts and ends.
    joined = "\x00 " + joined.replace("\x00", " \x00 ") + " "
    return np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def normalise(texts: list[str]) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint8]]:
    """Code points and classes of the batch, normalised (see the module docstring).
    Posts are separated by code point 0 (class ``SEP``); the stream starts with one."""
    cp = _codepoints(texts)
    table = char_classes()
    cls = table[np.minimum(cp, _TABLE_SIZE - 1)]
    cls[cp >= _TABLE_SIZE] = WORD
    keep = cls != DROP
    cp, cls = cp[keep], cls[keep]
    space = cls == SPACE
    cp = np.where(space, np.uint32(32), cp)
    # Runs: a space after a space goes, and a third equal character in a row goes.
    drop = np.zeros(len(cp), dtype=bool)
    drop[1:] = space[1:] & space[:-1]
    drop[2:] |= (cp[2:] == cp[1:-1]) & (cp[1:-1] == cp[:-2]) & ~space[2:]
    if drop.any():
        cp, cls = cp[~drop], cls[~drop]
    digit = (cp >= 48) & (cp <= 57)
    cp = np.where(digit, np.uint32(48), cp)
    return cp, cls


class FeatureExtractor:
    """Hashed character and word n-grams of a batch of texts."""

    def __init__(self, bits: int = 20, char_ngrams: tuple[int, ...] = (2, 3, 4, 5)) -> None:
        if not 8 <= bits <= 26:
            raise ValueError(f"bits must be between 8 and 26, got {bits}")
        self.bits = bits
        self.char_ngrams = tuple(sorted(char_ngrams))
        self.mask = np.uint64((1 << bits) - 1)
        self._negators = np.zeros(0, dtype=np.uint64)
        self._negators = np.sort(self.token_hashes(list(NEGATORS)))

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
        return self._tokens(len(texts), cp, cls, np.cumsum(cls == SEP) - 1)

    def _tokens(
        self,
        n: int,
        cp: npt.NDArray[np.uint32],
        cls: npt.NDArray[np.uint8],
        char_row: I64,
    ) -> Tokens:
        is_word = cls == WORD
        is_tok = is_word | (cls == PUNCT) | (cls == SYM)
        pos = np.flatnonzero(is_tok)
        start = np.ones(len(pos), dtype=bool)
        if len(pos):
            start[1:] = ~(is_word[pos[1:]] & is_word[pos[1:] - 1] & (pos[1:] == pos[:-1] + 1))
        starts = np.flatnonzero(start)
        tok_id = np.cumsum(start) - 1
        offset = np.arange(len(pos)) - starts[tok_id]
        powers = _powers()
        with np.errstate(over="ignore"):
            val = cp[pos].astype(np.uint64) * powers[np.minimum(offset, _MAX_TOKEN - 1)]
            raw = np.add.reduceat(val, starts) if len(starts) else np.zeros(0, np.uint64)
            tok_hash = mix(raw + _WORD_SALT)
        first_pos = pos[starts]
        row = char_row[first_pos]
        m = len(starts)
        idx = np.arange(m)
        # Negation scope: the three tokens after a negator, stopped by punctuation and
        # by the start of a post.
        negator = np.isin(tok_hash, self._negators)
        first_cp = cp[first_pos]
        is_break = (cls[first_pos] == PUNCT) & np.isin(first_cp, [ord(c) for c in BREAKS])
        new_post = np.ones(m, dtype=bool)
        new_post[1:] = row[1:] != row[:-1]
        brk = np.where(is_break, idx, np.where(new_post, idx - 1, -2))
        last_break = np.maximum.accumulate(brk) if m else brk
        neg_at = np.where(negator, idx, -1)
        last_neg = np.maximum.accumulate(neg_at) if m else neg_at
        negated = (last_neg > last_break) & (idx > last_neg) & (idx - last_neg <= 3)
        bigram = np.zeros(m, dtype=np.uint64)
        if m > 1:
            with np.errstate(over="ignore"):
                pair = mix(tok_hash[:-1] * _BIGRAM_MUL + tok_hash[1:])
            bigram[1:] = np.where(new_post[1:], np.uint64(0), pair)
        exclaim = np.bincount(row[first_cp == ord("!")], minlength=n)
        question = np.bincount(row[first_cp == ord("?")], minlength=n)
        return Tokens(n, row, tok_hash, negated, bigram, exclaim, question)

    def extract(self, texts: list[str]) -> Features:
        n = len(texts)
        cp, cls = normalise(texts)
        is_sep = cls == SEP
        sep_count = np.cumsum(is_sep)
        char_row = sep_count - 1
        size = len(cp)
        sentinel = 1 << self.bits
        grams = self.char_ngrams
        char_buckets = np.full((size, len(grams)), sentinel, dtype=np.int64)
        h = np.zeros(size, dtype=np.uint64)
        c64 = cp.astype(np.uint64)
        with np.errstate(over="ignore"):
            power = np.uint64(1)
            for k in range(min(grams[-1], size)):
                length = k + 1
                h[: size - k] += c64[k:] * power
                power = power * _P
                if length in grams and size > k:
                    span = size - k
                    # valid when no separator inside the window
                    seps = sep_count[k:] - np.concatenate(([0], sep_count[: span - 1]))
                    bucket = (mix(h[:span] + _NGRAM_SALT * np.uint64(length)) & self.mask).astype(
                        np.int64
                    )
                    char_buckets[:span, grams.index(length)] = np.where(seps == 0, bucket, sentinel)
        toks = self._tokens(n, cp, cls, char_row)
        tok_buckets = np.empty((len(toks.hash), 2), dtype=np.int64)
        with np.errstate(over="ignore"):
            word = np.where(toks.negated, mix(toks.hash ^ _NEG_SALT), toks.hash)
        tok_buckets[:, 0] = (word & self.mask).astype(np.int64)
        tok_buckets[:, 1] = np.where(
            toks.bigram != 0, (toks.bigram & self.mask).astype(np.int64), sentinel
        )
        return Features(
            n,
            sentinel,
            char_row,
            np.flatnonzero(is_sep),
            char_buckets,
            tok_buckets,
            toks,
        )


class LexiconTable:
    """Exact lookup of token hashes in one or more lexicons: an open-addressing hash table
    (linear probing, load factor <= 1/8), looked up for a whole array at once."""

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

    def lookup(self, keys: U64) -> F32:
        """(len(keys), columns) values, zero where a key is absent (or 0)."""
        out = np.zeros((len(keys), self.values.shape[1]), dtype=np.float32)
        if len(keys) == 0:
            return out
        slot = mix(keys) & self.mask
        for probe in range(self.probes):
            at = ((slot + np.uint64(probe)) & self.mask).astype(np.int64)
            hit = np.flatnonzero((self.keys[at] == keys) & (keys != 0))
            out[hit] = self.values[at[hit]]
        return out


def lexicon_scores(tokens: Tokens, table: LexiconTable, negation: float = -0.74) -> F32:
    """Per post and lexicon column: (sum of positive valences, sum of negative valences),
    as (n, 2 * columns). In a negation scope the valence is multiplied by ``negation``
    (VADER's ``N_SCALAR``). Two-token entries match token bigrams."""
    cols = table.values.shape[1]
    out = np.zeros((tokens.n, 2 * cols), dtype=np.float32)
    if len(tokens.hash) == 0:
        return out
    val = table.lookup(tokens.hash) + table.lookup(tokens.bigram)
    val[tokens.negated] *= np.float32(negation)
    for c in range(cols):
        out[:, 2 * c] = np.bincount(
            tokens.row, weights=np.maximum(val[:, c], 0), minlength=tokens.n
        )
        out[:, 2 * c + 1] = np.bincount(
            tokens.row, weights=np.maximum(-val[:, c], 0), minlength=tokens.n
        )
    return out
