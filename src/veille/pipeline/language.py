"""Language identification stage: ``lang_id`` (ISO 639-1 or ``"und"``) and ``lang_conf``.

The identifier is py3langid's own model (naive Bayes over byte n-grams, read through a
DFA) with its ``norm_probs`` confidence, run a batch at a time by compiled kernels
(:mod:`veille.jit`) instead of one Python call per post:

1. Preparation (:func:`prepare_batch`). Links, ``@mentions`` and the ``#`` of hashtags are
   removed: each match of the Python ``re`` pattern :data:`NOISE` becomes a space (they are
   not language, and the anonymised ``@user``/``http`` of tweet corpora look English). Then
   py3langid's own normalisation: all-caps text is lower-cased, text is NFC-normalised; each
   post is cut to ``MAX_BYTES`` bytes of UTF-8. One compiled pass over the batch's UTF-8
   (:func:`_clean`) removes the matches and tells, per post, whether the original text has a
   letter, whether the result is all caps (``str.isupper``) and whether it may not be NFC,
   from a table of character classes that :func:`_char_classes` derives once per process
   from ``re``, ``str`` and ``unicodedata`` themselves. The few posts that are all caps or
   may not be NFC (decomposed accents, Hangul jamo, some Indic vowel signs) finish in
   Python with ``str.lower`` and ``unicodedata.normalize``.
2. Scores (:func:`_class_scores`). The DFA reads the bytes of 32 posts in turn, each post
   prefetching its next transition (a random read in a 39 MB table) one turn ahead, so that
   the memory latencies overlap. The feature hits of a chunk of posts are radix-sorted by
   feature: each row of the weight table (float16 as the model stores it, 11 MB) is read
   once per chunk, in address order, and each post's score is summed in increasing feature
   order, in float32: the same sums as py3langid's sparse product (``scipy`` CSR times
   dense), to the bit.
3. Softmax with py3langid's temperature (``1/sqrt(bytes)``), in numpy.

The stage reads the Arrow text column directly (what ``textprep.text_column`` would give,
without Python strings); :meth:`BatchLangid.identify` takes Python strings.

``bench/language_id.py`` measures accuracy and speed against py3langid and lingua on real
tweets; the tests compare every step with the reference (``re``, ``str``, ``unicodedata``,
``scipy``) implementation. Text without any letter is ``"und"`` with confidence 0.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from veille.jit import kernel, prefetch
from veille.pipeline.base import append_columns
from veille.pipeline.lexmatch import as_string_array, cap_length
from veille.pipeline.textprep import MAX_CHARS

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

#: What preparation removes (each match becomes a space), as a Python ``re`` pattern: links,
#: ``@mentions`` and ``#``/``＃``. :func:`_clean` implements it; the tests check it against
#: ``re``.
NOISE = r"[hw@#＃](?:(?<=h)ttps?://\S+|(?<=h)ttp\b|(?<=w)ww\.\S+|(?<=@)\w+|(?<=[#＃]))"

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
ByteArray = npt.NDArray[np.uint8]

# Character classes (bits of :func:`_char_classes`), each as Python defines it.
_SPACE = 1  # re \s
_WORD = 2  # re \w
_LETTER = 4  # re [^\W\d_]
_UPPER = 8  # str.isupper of the character alone
_NOT_UPPER = 16  # lower or title case: no text containing it is str.isupper
_MAYBE_NOT_NFC = 32  # a text containing it may change under NFC

_CODE_POINTS = 0x110000
#: Posts of one chunk in :func:`_class_scores` (their score rows stay in the L2 cache),
#: and the bits of a post's index in a chunk.
_POST_BITS = 11
_CHUNK = 1 << _POST_BITS
#: Features of a model at most (a feature and a post's index fit 32 bits).
_MAX_FEATURES = 1 << (32 - _POST_BITS)
#: DFA walks in flight in :func:`_class_scores`.
_LANES = 32
#: Weight rows prefetched ahead in :func:`_class_scores`.
_AHEAD = 8


@functools.cache
def _char_classes() -> ByteArray:
    """The class bits of every code point (surrogates included), derived from ``re``,
    ``str`` and ``unicodedata`` (about 0.2 s, once per process)."""
    every = np.arange(_CODE_POINTS, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    classes = np.zeros(_CODE_POINTS + 1, dtype=np.int32)  # +1: range ends of the last run
    for pattern, bit in ((r"\s+", _SPACE), (r"\w+", _WORD), (r"[^\W\d_]+", _LETTER)):
        edges = np.zeros(_CODE_POINTS + 1, dtype=np.int32)
        for m in re.finditer(pattern, every):
            edges[m.start()] += 1
            edges[m.end()] -= 1
        classes[np.cumsum(edges) > 0] |= bit
    # str.isupper(text): no character is lower or title case, and one is upper case
    titled = np.fromiter(map(str.istitle, every), dtype=bool, count=_CODE_POINTS)
    lower = np.fromiter(map(str.islower, every), dtype=bool, count=_CODE_POINTS)
    for cp in np.flatnonzero(titled | lower).tolist():
        char = chr(cp)
        if char.isupper():
            classes[cp] |= _UPPER
        if not ("A" + char).isupper():
            classes[cp] |= _NOT_UPPER
    # NFC leaves a text alone when every character has combining class 0, is its own NFC,
    # and never composes with the character before it (Unicode's NFC_Quick_Check=Yes)
    unstable = np.fromiter(map(unicodedata.combining, every), dtype=np.int32, count=_CODE_POINTS)
    unstable = unstable != 0
    decompositions = list(map(unicodedata.decomposition, every))
    for cp in itertools.compress(range(_CODE_POINTS), decompositions):
        parts = decompositions[cp].split()
        if parts[0].startswith("<"):
            continue  # a compatibility decomposition: NFC does not apply it
        if unicodedata.normalize("NFC", every[cp]) != every[cp]:
            unstable[cp] = True
        if len(parts) == 2:
            unstable[int(parts[1], 16)] = True  # may compose with what precedes it
    unstable[0x1161:0x1176] = True  # Hangul vowel and trailing jamo compose algorithmically
    unstable[0x11A8:0x11C3] = True
    classes[:_CODE_POINTS][unstable] |= _MAYBE_NOT_NFC
    return classes[:_CODE_POINTS].astype(np.uint8)


@kernel
def _decode(src: ByteArray, p: int) -> tuple[int, int]:
    """The code point of the well-formed UTF-8 sequence at ``src[p]`` and where the next
    one starts (lone surrogates as ``surrogatepass`` writes them read as themselves)."""
    b = int(src[p])
    if b < 0x80:
        return b, p + 1
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (int(src[p + 1]) & 0x3F), p + 2
    if b < 0xF0:
        c = ((b & 0x0F) << 12) | ((int(src[p + 1]) & 0x3F) << 6)
        return c | (int(src[p + 2]) & 0x3F), p + 3
    c = ((b & 0x07) << 18) | ((int(src[p + 1]) & 0x3F) << 12)
    c |= (int(src[p + 2]) & 0x3F) << 6
    return c | (int(src[p + 3]) & 0x3F), p + 4


@kernel
def _class_at(src: ByteArray, p: int, classes: ByteArray) -> int:
    c, _ = _decode(src, p)
    return int(classes[c])


@kernel
def _run_end(src: ByteArray, p: int, end: int, classes: ByteArray, bit: int, inside: bool) -> int:
    """Where the run of characters from ``src[p]`` that have (``inside``) or lack the
    class ``bit`` ends (``end`` at most)."""
    while p < end:
        c, q = _decode(src, p)
        if ((classes[c] & bit) != 0) != inside:
            return p
        p = q
    return p


@kernel
def _noise_end(src: ByteArray, p: int, end: int, classes: ByteArray) -> int:
    """Where the match of :data:`NOISE` at ``src[p]`` ends (``p``: no match)."""
    b = src[p]
    if b == 0x68:  # h(?:ttps?://\S+|ttp\b)
        if p + 3 < end and src[p + 1] == 0x74 and src[p + 2] == 0x74 and src[p + 3] == 0x70:
            q = p + 4
            r = q + 1 if q < end and src[q] == 0x73 else q
            if (
                r + 3 < end
                and src[r] == 0x3A
                and src[r + 1] == 0x2F
                and src[r + 2] == 0x2F
                and not _class_at(src, r + 3, classes) & _SPACE
            ):
                return _run_end(src, r + 3, end, classes, _SPACE, False)
            if q == end or not _class_at(src, q, classes) & _WORD:
                return q
        return p
    if b == 0x77:  # www\.\S+
        if (
            p + 4 < end
            and src[p + 1] == 0x77
            and src[p + 2] == 0x77
            and src[p + 3] == 0x2E
            and not _class_at(src, p + 4, classes) & _SPACE
        ):
            return _run_end(src, p + 4, end, classes, _SPACE, False)
        return p
    if b == 0x40:  # @\w+
        if p + 1 < end and _class_at(src, p + 1, classes) & _WORD:
            return _run_end(src, p + 1, end, classes, _WORD, True)
        return p
    if b == 0x23:  # #
        return p + 1
    if b == 0xEF and p + 2 < end and src[p + 1] == 0xBC and src[p + 2] == 0x83:  # ＃
        return p + 3
    return p


@kernel
def _char_bounds(src: ByteArray, chars: IntArray, starts: IntArray, ends: IntArray) -> None:
    """Byte bounds of consecutive texts of ``chars`` code points each in ``src``."""
    p = 0
    total = len(src)
    for i in range(len(chars)):
        starts[i] = p
        k = chars[i]
        while k > 0:
            p += 1
            while p < total and (src[p] & 0xC0) == 0x80:
                p += 1
            k -= 1
        ends[i] = p


#: ``_clean`` flags
_HAS_LETTER = 1
_FINISH_IN_PYTHON = 2

#: Bytes that may start a match of :data:`NOISE` (``h``, ``w``, ``@``, ``#``, the first
#: byte of ``＃``), and bytes that start a multi-byte character.
_MAY_START_NOISE = 1
_MULTI_BYTE = 2
_BYTE_KIND = np.zeros(256, dtype=np.uint8)
_BYTE_KIND[0x80:] = _MULTI_BYTE
_BYTE_KIND[list(b"hw@#\xef")] |= _MAY_START_NOISE


@kernel
def _clean(
    src: ByteArray,
    starts: IntArray,
    ends: IntArray,
    classes: ByteArray,
    dst: ByteArray,
    dst_len: IntArray,
    flags: ByteArray,
) -> None:
    """Each text ``src[starts[i]:ends[i]]`` with the matches of :data:`NOISE` replaced by a
    space, into ``dst[starts[i]:starts[i] + dst_len[i]]`` (never longer). ``flags[i]``:
    ``_HAS_LETTER`` if the text has a letter, ``_FINISH_IN_PYTHON`` if the result is all
    caps or may not be NFC."""
    for i in range(len(starts)):
        s = starts[i]
        e = ends[i]
        letter = False
        p = s
        while p < e:
            c, p = _decode(src, p)
            if classes[c] & _LETTER:
                letter = True
                break
        k = s
        p = s
        seen = 0
        while p < e:
            b = src[p]
            kind = _BYTE_KIND[b]
            if kind == 0:  # the common case: ASCII, and no match can start here
                seen |= classes[b]
                dst[k] = b
                k += 1
                p += 1
                continue
            if kind & _MAY_START_NOISE:
                q = _noise_end(src, p, e, classes)
                if q > p:
                    dst[k] = 0x20
                    k += 1
                    p = q
                    continue
            c, q = _decode(src, p)
            seen |= classes[c]
            while p < q:
                dst[k] = src[p]
                k += 1
                p += 1
        dst_len[i] = k - s
        upper = (seen & _UPPER) != 0 and (seen & _NOT_UPPER) == 0
        flags[i] = (_HAS_LETTER if letter else 0) | (
            _FINISH_IN_PYTHON if upper or (seen & _MAYBE_NOT_NFC) != 0 else 0
        )


def _finish(cleaned: str) -> bytes:
    """py3langid's normalisation of a cleaned text, as UTF-8 cut to ``MAX_BYTES``."""
    if cleaned.isupper():
        cleaned = cleaned.lower()
    text = unicodedata.normalize("NFC", cleaned)
    return text.encode("utf-8", "surrogatepass")[:MAX_BYTES]


class Prepared:
    """A prepared batch: post ``i`` is ``data[start[i]:start[i] + length[i]]``
    (at most ``MAX_BYTES``); ``letters[i]`` tells whether its original text has a letter."""

    __slots__ = ("data", "length", "letters", "start")

    def __init__(
        self,
        data: ByteArray,
        start: IntArray,
        length: IntArray,
        letters: npt.NDArray[np.bool_],
    ) -> None:
        self.data = data
        self.start = start
        self.length = length
        self.letters = letters

    def __len__(self) -> int:
        return len(self.start)

    def post(self, i: int) -> bytes:
        return self.data[self.start[i] : self.start[i] + self.length[i]].tobytes()


def _prepare_utf8(src: ByteArray, starts: IntArray, ends: IntArray) -> Prepared:
    """Prepare the texts ``src[starts[i]:ends[i]]`` (well-formed UTF-8, surrogates
    allowed)."""
    n = len(starts)
    dst = np.empty(len(src), dtype=np.uint8)
    dst_len = np.empty(n, dtype=np.int64)
    flags = np.empty(n, dtype=np.uint8)
    _clean(src, starts, ends, _char_classes(), dst, dst_len, flags)
    start = starts.astype(np.int64, copy=True)
    length = np.minimum(dst_len, MAX_BYTES)
    slow = np.flatnonzero(flags & _FINISH_IN_PYTHON)
    if len(slow):
        extra: list[bytes] = []
        at = len(dst)
        for i in slow.tolist():
            cleaned = dst[start[i] : start[i] + dst_len[i]].tobytes()
            done = _finish(cleaned.decode("utf-8", "surrogatepass"))
            start[i] = at
            length[i] = len(done)
            at += len(done)
            extra.append(done)
        dst = np.concatenate([dst, np.frombuffer(b"".join(extra), dtype=np.uint8)])
    return Prepared(dst, start, length, (flags & _HAS_LETTER) != 0)


def prepare_batch(texts: Sequence[str]) -> Prepared:
    """Prepare ``texts`` for identification (see the module documentation)."""
    n = len(texts)
    chars = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    src = np.frombuffer("".join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    _char_bounds(src, chars, starts, ends)
    return _prepare_utf8(src, starts, ends)


def prepare_arrow(values: pa.StringArray) -> Prepared:
    """Prepare the values of a ``pa.string()`` array (valid UTF-8; nulls read as empty)
    as :func:`prepare_batch` prepares the same values as Python strings."""
    n = len(values)
    if n == 0:
        return _prepare_utf8(
            np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        )
    _, offsets_buffer, data_buffer = values.buffers()
    assert offsets_buffer is not None
    arrow_offsets = np.frombuffer(offsets_buffer, dtype=np.int32)
    offsets = arrow_offsets[values.offset : values.offset + n + 1].astype(np.int64)
    first, last = int(offsets[0]), int(offsets[-1])
    src = (
        np.frombuffer(data_buffer, dtype=np.uint8)[first:last]
        if last > first
        else np.zeros(0, dtype=np.uint8)
    )
    offsets -= first
    starts = offsets[:-1]
    ends = offsets[1:]
    if values.null_count:
        ends = np.where(values.is_null().to_numpy(zero_copy_only=False), starts, ends)
    return _prepare_utf8(src, starts, ends)


@kernel
def _prefetch_row(ptc: npt.NDArray[np.uint16], keys: npt.NDArray[np.uint32], m: int, k: int) -> int:
    """Prefetch the row of the feature of ``keys[k]``; the index in ``keys`` of the next
    feature."""
    if k >= m:
        return k
    f = keys[k] >> _POST_BITS
    ncls = ptc.shape[1]
    prefetch(ptc, f * ncls)
    prefetch(ptc, f * ncls + ncls - 1)
    while k < m and keys[k] >> _POST_BITS == f:
        k += 1
    return k


@kernel
def _class_scores(
    data: ByteArray,
    start: IntArray,
    length: IntArray,
    nextmove: npt.NDArray[np.int32],
    rowbase: npt.NDArray[np.int32],
    out: npt.NDArray[np.int32],
    ptc: npt.NDArray[np.uint16],
    pc: FloatArray,
    log1p: FloatArray,
    raw: FloatArray,
    has: npt.NDArray[np.bool_],
) -> None:
    """``raw[i]``: py3langid's class scores of post ``i``: the sum over its features ``f``
    (increasing) of ``log1p(count of f) * ptc[f]``, plus ``pc``; ``has[i]``: it has one.
    ``ptc`` holds the bits of float16 weights, all normal numbers (see ``BatchLangid``)."""
    n = len(start)
    nfeat, ncls = ptc.shape
    for c0 in range(0, n, _CHUNK):
        c1 = min(n, c0 + _CHUNK)
        # the DFA walk: feature hits of post i (in byte order) at hits[region[i]:...]
        region = np.empty(c1 - c0 + 1, dtype=np.int64)
        region[0] = 0
        for i in range(c0, c1):
            region[i - c0 + 1] = region[i - c0] + length[i]
        hits = np.empty(region[c1 - c0], dtype=np.int32)
        count = np.zeros(c1 - c0, dtype=np.int64)
        pos = np.zeros(_LANES, dtype=np.int64)
        end = np.zeros(_LANES, dtype=np.int64)
        post = np.zeros(_LANES, dtype=np.int64)
        dst = np.zeros(_LANES, dtype=np.int64)
        step = np.zeros(_LANES, dtype=np.int64)  # index of the lane's next transition
        nxt = c0
        live = 0
        for lane in range(_LANES):
            while nxt < c1 and length[nxt] == 0:
                nxt += 1
            if nxt < c1:
                pos[lane] = start[nxt]
                end[lane] = start[nxt] + length[nxt]
                post[lane] = nxt - c0
                dst[lane] = region[nxt - c0]
                step[lane] = rowbase[0] + data[start[nxt]]
                nxt += 1
                live += 1
        while live > 0:
            for lane in range(_LANES):
                if pos[lane] < end[lane]:
                    s = nextmove[step[lane]]
                    f = out[s]
                    hits[dst[lane]] = f
                    dst[lane] += f >= 0
                    pos[lane] += 1
                    if pos[lane] < end[lane]:
                        step[lane] = rowbase[s] + data[pos[lane]]
                        prefetch(nextmove, step[lane])  # read at the lane's next turn
                    else:
                        count[post[lane]] = dst[lane] - region[post[lane]]
                        while nxt < c1 and length[nxt] == 0:
                            nxt += 1
                        if nxt < c1:
                            pos[lane] = start[nxt]
                            end[lane] = start[nxt] + length[nxt]
                            post[lane] = nxt - c0
                            dst[lane] = region[nxt - c0]
                            step[lane] = rowbase[0] + data[start[nxt]]
                            nxt += 1
                        else:
                            live -= 1
        # radix sort of the hits (f, i) packed as f << _POST_BITS | i, by f: stable, so the
        # posts stay in order, and the packed values end up in increasing order
        low = np.zeros(512, dtype=np.int64)
        high = np.zeros((nfeat >> 9) + 1, dtype=np.int64)
        m = 0
        for i in range(c1 - c0):
            m += count[i]
            for j in range(region[i], region[i] + count[i]):
                f = hits[j]
                low[f & 511] += 1
                high[f >> 9] += 1
        a = 0
        for d in range(len(low)):
            t = low[d]
            low[d] = a
            a += t
        a = 0
        for d in range(len(high)):
            t = high[d]
            high[d] = a
            a += t
        packed = np.empty(m, dtype=np.uint32)
        for i in range(c1 - c0):
            for j in range(region[i], region[i] + count[i]):
                f = hits[j]
                d = low[f & 511]
                low[f & 511] = d + 1
                packed[d] = (f << _POST_BITS) | i
        keys = np.empty(m, dtype=np.uint32)
        for k in range(m):
            v = packed[k]
            d = high[v >> (_POST_BITS + 9)]
            high[v >> (_POST_BITS + 9)] = d + 1
            keys[d] = v
        # scores: one read of each feature's row; per post, features in increasing order
        acc = np.zeros((c1 - c0, ncls), dtype=np.float32)
        bits = np.empty(ncls, dtype=np.uint32)
        row = bits.view(np.float32)
        last = -1
        k = 0
        ahead = 0  # the next feature to prefetch, _AHEAD features after the current one
        for _ in range(_AHEAD + 1):
            ahead = _prefetch_row(ptc, keys, m, ahead)
        while k < m:
            v = keys[k]
            c = 1
            while k + c < m and keys[k + c] == v:
                c += 1
            f = int(v >> _POST_BITS)
            i = int(v & (_CHUNK - 1))
            if f != last:  # float16 to float32, exact for normal numbers
                ahead = _prefetch_row(ptc, keys, m, ahead)
                half = ptc[f]
                for q in range(ncls):
                    h = np.uint32(half[q])
                    bits[q] = ((h & 0x8000) << 16) | (((h & 0x7FFF) + 0x1C000) << 13)
                last = f
            w = log1p[c]
            for q in range(ncls):
                acc[i, q] += w * row[q]
            k += c
        for i in range(c1 - c0):
            has[c0 + i] = count[i] > 0
            for q in range(ncls):
                raw[c0 + i, q] = acc[i, q] + pc[q]


class BatchLangid:
    """py3langid's model, scored a batch at a time.

    ``languages``: restrict to these ISO codes (``None``: every class of the model).
    """

    def __init__(self, languages: Sequence[str] | None = DEFAULT_LANGUAGES) -> None:
        from py3langid.langid import MODEL_DIR, MODEL_FILE
        from py3langid.modelio import load_model

        ptc, pc, classes, nextmove, row, out = load_model(Path(MODEL_DIR) / MODEL_FILE)
        # the 39 MB transition table (int32) that every byte reads at random
        self._nextmove = np.frombuffer(nextmove, dtype=_dtype(nextmove.itemsize)).astype(np.int32)
        rows = np.frombuffer(row, dtype=_dtype(row.itemsize)).astype(np.int32)
        self._rowbase = rows << 8
        self._out = np.asarray(out, dtype=np.int32)
        all_classes: list[str] = [str(c) for c in classes]
        if languages is None:
            keep = list(range(len(all_classes)))
        else:
            wanted = set(languages)
            unknown = wanted - set(all_classes)
            if unknown:
                raise ValueError(f"languages not in the model: {sorted(unknown)}")
            keep = [i for i, c in enumerate(all_classes) if c in wanted]
        weights = np.asarray(ptc)[:, keep]
        # The model stores its weights as float16: kept so (half the memory traffic),
        # read back as float32 by ``_class_scores`` (exactly, for normal numbers).
        half = np.ascontiguousarray(weights, dtype=np.float16)
        exponent = (half.view(np.uint16) >> 10) & 0x1F
        if not np.array_equal(half, weights) or not np.all((exponent > 0) & (exponent < 31)):
            raise ValueError("py3langid model: weights that are not normal float16 numbers")
        self._ptc = half.view(np.uint16)
        if len(self._ptc) > _MAX_FEATURES:
            raise ValueError(f"py3langid model: more than {_MAX_FEATURES} features")
        self._pc = np.asarray(pc, dtype=np.float32)[keep]
        # log1p of a feature count, as numpy computes it in float32
        self._log1p = np.log1p(np.arange(MAX_BYTES + 1, dtype=np.float32))
        names = [all_classes[i] for i in keep]
        #: the model's class of each column of its scores
        self.classes: list[str] = names
        # Labels that appear twice (script variants such as sr/srl) share one output: the
        # probability of label t is column _first[t], plus column j for each (t, j) of _extra
        self.labels: list[str] = list(dict.fromkeys(names))
        self._first = np.array([names.index(c) for c in self.labels], dtype=np.int64)
        self._extra: list[tuple[int, int]] = [
            (self.labels.index(c), j) for j, c in enumerate(names) if j not in self._first
        ]
        self._und = np.array([*self.labels, "und"], dtype=object)
        self._und[[i for i, c in enumerate(self.labels) if c == "zxx"]] = "und"
        #: the output label of each index of :meth:`identify_prepared`
        self.label_array = pa.array(self._und.tolist(), type=pa.string())

    @staticmethod
    def prepare(text: str) -> bytes:
        """py3langid's own normalisation (lowercase if all caps, NFC) after removing
        links, mentions and ``#``; bounded to ``MAX_BYTES``."""
        return prepare_batch([text]).post(0)

    def scores(self, encoded: Sequence[bytes]) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        """Per-language probabilities (rows sum to 1) and a mask of posts with features,
        for prepared texts."""
        n = len(encoded)
        length = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        start = np.zeros(n, dtype=np.int64)
        np.cumsum(length[:-1], out=start[1:])
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return self._probabilities(data, start, length)

    def _probabilities(
        self, data: ByteArray, start: IntArray, length: IntArray
    ) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        n = len(start)
        raw = np.empty((n, len(self._pc)), dtype=np.float32)
        has = np.empty(n, dtype=bool)
        _class_scores(
            data,
            start,
            length,
            self._nextmove,
            self._rowbase,
            self._out,
            self._ptc,
            self._pc,
            self._log1p,
            raw,
            has,
        )
        raw *= (1.0 / np.sqrt(np.maximum(length, 1)))[:, None].astype(np.float32)
        raw -= raw.max(axis=1, keepdims=True)
        np.exp(raw, out=raw)
        raw /= raw.sum(axis=1, keepdims=True)
        probs = raw[:, self._first]
        for target, j in self._extra:
            probs[:, target] += raw[:, j]
        return probs, has

    def identify_prepared(self, prepared: Prepared) -> tuple[IntArray, FloatArray]:
        """``(label index, confidence)`` per post: an index into ``label_array``, whose
        last entry, ``len(labels)``, is ``"und"`` with confidence 0 (no letter or no
        feature); the model's ``zxx`` (not language) also reads ``"und"``."""
        n = len(prepared)
        probs, has = self._probabilities(prepared.data, prepared.start, prepared.length)
        best = probs.argmax(axis=1)
        conf = probs[np.arange(n), best]
        ok = has & prepared.letters
        best[~ok] = len(self.labels)
        conf = np.where(ok, conf, np.float32(0.0)).astype(np.float32)
        return best, conf

    def identify(self, texts: Sequence[str]) -> tuple[list[str], FloatArray]:
        """``(languages, confidences)`` for cleaned texts; ``"und"``/0 without letters."""
        if len(texts) == 0:
            return [], np.zeros(0, dtype=np.float32)
        best, conf = self.identify_prepared(prepare_batch(texts))
        labels: list[str] = self._und[best].tolist()
        return labels, conf


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
        # the text the other stages read (``text_column``), without Python strings
        if "text" not in batch.schema.names:
            raise KeyError(f"input batch has no 'text' column (columns: {batch.schema.names})")
        values = cap_length(as_string_array(batch.column("text"), batch.num_rows), MAX_CHARS)
        ident = shared_identifier(self.languages)
        best, conf = ident.identify_prepared(prepare_arrow(values))
        return append_columns(
            batch,
            {
                "lang_id": ident.label_array.take(pa.array(best)),
                "lang_conf": pa.array(conf.astype(np.float64), type=pa.float64()),
            },
        )
