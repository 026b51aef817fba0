"""Reference implementations of ``veille.pipeline.lexmatch``, for the equivalence tests: the
Arrow-kernel normalisation and the pyahocorasick matcher that the compiled kernels replaced
(lexmatch as of commit b60cc56). Only the fold of one text, :func:`_fold_reference`, is
shared: it is the definition the kernel's table is derived from."""

from __future__ import annotations

from collections.abc import Sequence

import ahocorasick
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veille.pipeline.lexmatch import (
    _MENTION,
    _URL,
    Matches,
    Normalized,
    _fold_reference,
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
