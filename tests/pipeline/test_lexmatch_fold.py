"""The fast non-ASCII fold of ``lexmatch`` (Python regular expressions derived from RE2)
gives exactly the Arrow-only reference, on every code point and on mixed texts."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

import veille.pipeline.lexmatch as lexmatch
from veille.pipeline.lexmatch import _fold_non_ascii, _fold_non_ascii_re2, normalize


def _same(values: list[str]) -> None:
    """The Python path (whatever the number of values) gives the Arrow-only result."""
    a = pa.array(values, type=pa.string())
    expected = _fold_non_ascii_re2(a).to_pylist()
    saved = lexmatch._PYTHON_FOLD_MAX_ROWS
    lexmatch._PYTHON_FOLD_MAX_ROWS = len(values) + 1
    try:
        assert _fold_non_ascii(a).to_pylist() == expected
    finally:
        lexmatch._PYTHON_FOLD_MAX_ROWS = saved


def test_every_code_point_alone_and_between_letters() -> None:
    cps = np.arange(0x80, 0x110000, dtype=np.uint32)
    cps = cps[(cps < 0xD800) | (cps >= 0xE000)]
    chars = [chr(int(c)) for c in cps]
    _same(chars)
    _same([f"é{c}a{c}{c}" for c in chars])


def test_runs_of_marks_symbols_and_letters() -> None:
    rng = random.Random(3)
    pool = [chr(c) for c in range(0x80, 0x3000) if not 0xD800 <= c < 0xE000]
    # astral code points: marks (U+1D167, Brahmi), letters (U+1D400), emoji
    pool += [chr(c) for c in (*range(0x11000, 0x11080), *range(0x1D160, 0x1D180), 0x1D400)]
    pool += [*"aZ9 ?@'-_.\x00", "😀", "𝐂", "ﬁ", "œ", "Æ", "İ", "ẞ", "\u0301", "\u200b"]
    _same(["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(5000)])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=8))
def test_fuzz_same_fold_and_normalisation(values: list[str]) -> None:
    values = [v.encode("utf-8", "replace").decode("utf-8") for v in values]
    values = [v if not v.isascii() else v + "é" for v in values]
    _same(values)
    normalize(pa.array(values, type=pa.string()))  # no error on any input


def test_both_paths_used_by_normalize() -> None:
    few = ["Élysée ﬁn 😀 œuvre"] * 3
    many = few * lexmatch._PYTHON_FOLD_MAX_ROWS
    small = normalize(pa.array(few, type=pa.string()))
    large = normalize(pa.array(many, type=pa.string()))
    assert small.row(0) == large.row(len(many) - 1) == " elysee fin oeuvre "
