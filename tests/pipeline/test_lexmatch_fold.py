"""The compiled normalisation and matcher of ``lexmatch`` give exactly what the Arrow-kernel
normalisation and the pyahocorasick matcher they replaced give (``tests/pipeline/reference``): on
every code point, on URL and mention look-alikes, on fuzzed texts and keys, on real tweets,
and on large automata that take the sparse path."""

from __future__ import annotations

import random
import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import shared_path
from tests.pipeline.reference import ReferenceMatcher, reference_normalize

import veille.pipeline.lexmatch as lexmatch
from veille.pipeline.lexmatch import (
    Matcher,
    Normalized,
    _fold_table,
    as_string_array,
    normalize,
    normalize_terms,
)

FLAGS = [
    {},
    {"strip_urls": True, "strip_mentions": True},
    {"strip_urls": True},
    {"strip_mentions": True},
]


def _same_normalized(got: Normalized, expected: Normalized, values: list[str]) -> None:
    if got.text != expected.text:  # name the first value that differs
        for i, value in enumerate(values):
            assert got.row(i) == expected.row(i), value
    assert got.text == expected.text
    np.testing.assert_array_equal(got.row_start, expected.row_start)
    np.testing.assert_array_equal(got.row_length, expected.row_length)
    assert got.data.tobytes() == got.text.encode("utf-8")


def _same(values: list[str], **flags: object) -> None:
    a = pa.array(values, type=pa.string())
    _same_normalized(normalize(a, **flags), reference_normalize(a, **flags), values)  # type: ignore[arg-type]


def _every_code_point() -> list[str]:
    cps = np.arange(1, 0x110000, dtype=np.uint32)
    cps = cps[(cps < 0xD800) | (cps >= 0xE000)]
    return list(cps.tobytes().decode("utf-32-le"))


def test_every_code_point_alone_and_between_letters() -> None:
    chars = _every_code_point()
    _same(chars)
    _same([f"é{c}a{c}{c}?x" for c in chars], strip_urls=True, strip_mentions=True)


def test_every_code_point_in_urls_and_mentions() -> None:
    """Each code point as a URL's or a mention's character, after an ``@``, before one, and
    in each place of the URL scheme."""
    chars = _every_code_point()
    roles = ["a http://{}b c", "a @{}b c", "a @b{}c d", "a{}@b c", "{}@b"]
    for role in roles:
        _same([role.format(c) for c in chars], strip_urls=True, strip_mentions=True)
    near = [c for c in chars if ord(c) < 0x3000] + ["K", "Å", "ẞ"]
    schemes = ["http://x", "https://x", "www.x"]
    for scheme in schemes:
        for i in range(len(scheme) - 1):
            values = [f"a {scheme[:i]}{c}{scheme[i + 1 :]}" for c in near]
            _same(values, strip_urls=True)


def test_combining_characters_fold_to_nothing_or_a_space() -> None:
    """What makes the per-code-point table exact: NFKD's reordering moves only combining
    characters, and they all vanish or become a space."""
    table = _fold_table()
    for c in range(0x80, 0x110000):
        if unicodedata.combining(chr(c)):
            entry = table.data[table.start[c] : table.start[c + 1]].tobytes()
            assert entry in (b"", b" "), hex(c)


def test_runs_of_marks_symbols_and_letters() -> None:
    rng = random.Random(3)
    pool = [chr(c) for c in range(0x80, 0x3000) if not 0xD800 <= c < 0xE000]
    # astral code points: marks (U+1D167, Brahmi), letters (U+1D400), emoji
    pool += [chr(c) for c in (*range(0x11000, 0x11080), *range(0x1D160, 0x1D180), 0x1D400)]
    pool += [*"aZ9 ?@'-_.\x00\n", "😀", "𝐂", "ﬁ", "œ", "Æ", "İ", "ẞ", "\u0301", "\u200b", "ﷺ"]
    values = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    for flags in FLAGS:
        _same(values, **flags)


def test_case_folding_of_the_url_scheme_is_re2s() -> None:
    """The URL scanner accepts ``h``, ``t``, ``p``, ``s`` (and ``ſ``) and ``w`` in any case,
    as RE2's ``(?i)`` does, and nothing else."""
    chars = pa.array(_every_code_point(), type=pa.string())
    accepted = {"h": "hH", "t": "tT", "p": "pP", "s": "sSſ", "w": "wW"}
    for letter, expected in accepted.items():
        hits = pc.match_substring_regex(chars, f"(?i)^{letter}$")
        matched = pc.filter(chars, hits).to_pylist()
        assert sorted(matched) == sorted(expected), letter


_PIECES = [
    "http",
    "https",
    "HTTPS",
    "hTtPſ",
    "://",
    ":/",
    "www",
    "WwW",
    ".",
    "@",
    "@@",
    "(",
    "[",
    "{",
    "«",
    "“",
    "»",
    "”",
    ")",
    "]",
    "}",
    "'",
    '"',
    ",",
    ";",
    ":",
    "!",
    "?",
    "/",
    " ",
    "\t",
    "\n",
    "\x0b",
    "\x0c",
    "\r",
    "\u00a0",
    "\u2028",
    "\u3000",
    "x",
    "é",
    "K",
    "\u0301",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join), max_size=6))
def test_fuzz_urls_and_mentions(values: list[str]) -> None:
    for flags in FLAGS[1:]:
        _same(values, **flags)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.text(max_size=40), max_size=8),
    st.one_of(st.none(), st.integers(0, 12)),
    st.sampled_from(range(len(FLAGS))),
)
def test_fuzz_normalisation(values: list[str], cap: int | None, flags: int) -> None:
    values = [v.encode("utf-8", "replace").decode("utf-8") for v in values]
    _same(values, cap=cap, **FLAGS[flags])


def test_edge_values() -> None:
    values = [
        "",
        " ",
        "\x00\x00",
        "🔥🔥🔥",
        "Z̸̢a̷l̶g̵o̵ " * 50,
        "Это фейк? 假新闻 شائعة",
        "\ufffd",
        "@" * 10,
        "?" * 10,
        "ﷺ" * 20,
        "a" * 100_000 + " Rumeur?",
    ]
    for flags in FLAGS:
        _same(values, **flags)
        _same(values, cap=20_000, **flags)
        _same(values[::-1], cap=3, **flags)
    big = ["rumeur " + "é" * 1_000_000 + " c'est faux ?", "x"]
    _same(big)
    _same(big, cap=20_000, strip_urls=True, strip_mentions=True)


def test_lone_surrogates_and_sliced_arrays() -> None:
    raw = "c'est faux \ud800 ".encode("utf-8", "surrogatepass") + b"\xc3"
    offsets = pa.array([0, len(raw)], pa.int32())
    bad = pa.StringArray.from_buffers(1, offsets.buffers()[1], pa.py_buffer(raw))
    fixed = as_string_array(bad, 1)
    _same(fixed.to_pylist())
    assert normalize(fixed).row(0) == " c est faux "
    # the kernel never reads outside a value, even an unchecked one
    assert normalize(bad).text.startswith(" c est faux ")
    whole = pa.array(["Un", "Deux ?", None, "Trois @x"], pa.string())
    part = as_string_array(whole.slice(1, 3), 3)
    _same_normalized(
        normalize(part, strip_mentions=True),
        reference_normalize(part, strip_mentions=True),
        part.to_pylist(),
    )
    large = normalize(pa.array(["Élysée ?"], pa.large_string()))
    assert large.row(0) == " elysee ? "
    with pytest.raises(ValueError, match="cap"):
        normalize(whole, cap=-1)


def test_real_tweets() -> None:
    folder = shared_path("data", "sentiment", "xlm_t")
    values = []
    for language in ("french", "english"):
        values += (folder / language / "val_text.txt").read_text(encoding="utf-8").splitlines()
    for flags in FLAGS:
        _same(values, cap=20_000, **flags)


# ------------------------------------------------------------------ matcher


def _same_matches(keys: list[str], values: list[str]) -> None:
    normalized = normalize(pa.array(values, type=pa.string()))
    got = Matcher(keys).scan(normalized)
    expected = ReferenceMatcher(keys).scan(normalized)
    for name in ("row", "key", "start", "end"):
        np.testing.assert_array_equal(getattr(got, name), getattr(expected, name), name)


def _lexicon_keys() -> list[str]:
    from veille.pipeline.cues import CueStage
    from veille.pipeline.stakeholders import StakeholderStage

    return [*CueStage()._matcher.keys, *StakeholderStage()._matcher.keys]


def test_matcher_on_the_lexicons() -> None:
    keys = list(dict.fromkeys(_lexicon_keys()))
    rng = random.Random(5)
    words = [w for k in keys for w in k.split()] + ["le", "the", "x", "?", "@"]
    values = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 30))) for _ in range(3000)]
    _same_matches(keys, values)


def test_matcher_sparse_path_duplicates_and_full_buffers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = list(dict.fromkeys(_lexicon_keys()))
    rng = random.Random(6)
    words = [w for k in keys for w in k.split()]
    values = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 30))) for _ in range(500)]
    for dense in (1, 2, 40, 5000):  # full rows for the first states only
        monkeypatch.setattr(lexmatch, "_DENSE_ENTRIES", dense)
        _same_matches(keys, values)
        _same_matches(["a", "a a", "a a a", "b", "a"], [" ".join(["a"] * 5000 + ["b"])])
    monkeypatch.undo()
    # a repeated key reports its last id, as pyahocorasick's add_word does
    assert Matcher(["x y", "z", "x y"]).scan(normalize(pa.array(["x y"]))).key.tolist() == [2]
    # many matches per byte: the scan resumes where its buffer filled up
    _same_matches(["a", "a a", "a a a", "a a a a"], ["a " * 20_000, "", "a"])
    assert len(Matcher([]).scan(normalize(pa.array(["a"])))) == 0
    with pytest.raises(ValueError, match="normalised"):
        Matcher(["a  b"])


_ALPHABET = "ab é?@\u0301"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.text(alphabet=_ALPHABET, min_size=1, max_size=8), min_size=1, max_size=12),
    st.lists(st.text(alphabet=_ALPHABET + "c\n", max_size=60), max_size=6),
)
def test_fuzz_matcher(raw_keys: list[str], values: list[str]) -> None:
    keys = [k for k in normalize_terms(raw_keys) if k]
    if keys:
        _same_matches(keys, values)
