"""PROOF that the batch matcher (``WatchSet.match_columns``: one compiled tokenisation of the
whole batch that also finds every watch term, ``veille.query.scan``) gives, post
by post, what the definition gives: each watch evaluated on its own over
``normalize.stream`` of the post (``reference`` below, the semantics of the former per-post
matcher), whatever the other posts of the batch are (NULs, placeholders, elisions, slow and
fast texts side by side, texts beyond the cap, emoji, zalgo, lone surrogates, mixed scripts).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import shared_path

from veille.query import normalize, parse, patterns, scan
from veille.query.ast import And, Filter, Near, Node, Not, Or, Term
from veille.query.matcher import Post, WatchSet

# -- the definition -----------------------------------------------------------------------


def reference(node: Node, post: Post, s: str) -> bool:
    """Does ``node`` match ``post``, whose stream is ``s``: the query language evaluated
    plainly (terms are substrings of the stream, ``patterns``), one watch at a time."""
    if isinstance(node, Term):
        return any(p in s for p in patterns.substrings(node))
    if isinstance(node, Filter):
        return _filter(node, post, s)
    if isinstance(node, Near):
        return (
            any(reference(t, post, s) for t in node.left)
            and any(reference(t, post, s) for t in node.right)
            and re.search(patterns.near_regex(node), s) is not None
        )
    if isinstance(node, Not):
        return not reference(node.child, post, s)
    if isinstance(node, And):
        return all(reference(c, post, s) for c in node.children)
    assert isinstance(node, Or)
    return any(reference(c, post, s) for c in node.children)


def _filter(flt: Filter, post: Post, s: str) -> bool:
    value = flt.value
    if flt.field == "lang":
        if post.lang is None:
            return False
        return post.lang == value if "-" in value else post.lang.split("-", 1)[0] == value
    if flt.field == "network":
        return post.network is not None and normalize.ascii_lower(post.network) == value
    if flt.field == "author":
        handle = normalize.ascii_lower(value).lstrip("@")
        return (
            post.handle is not None and normalize.ascii_lower(post.handle).lstrip("@") == handle
        ) or post.author_id == value
    assert flt.field == "has"
    if value == "link":
        return post.has_urls or bool(post.text and normalize.LINK_RE.search(post.text))
    if value == "mention":
        return post.has_mentions or " @" in s
    return post.has_hashtags or " #" in s


def expected(watches: dict[str, str], posts: Sequence[Post]) -> list[list[str]]:
    nodes = {wid: parse(q) for wid, q in watches.items()}
    out = []
    for post in posts:
        s = normalize.stream(post.text)
        out.append(sorted(wid for wid, node in nodes.items() if reference(node, post, s)))
    return out


def columns(ws: WatchSet, posts: Sequence[Post]) -> list[list[str]]:
    return ws.match_columns(
        [p.text for p in posts],
        networks=[p.network for p in posts],
        langs=[p.lang for p in posts],
        handles=[p.handle for p in posts],
        author_ids=[p.author_id for p in posts],
        has_urls=[p.has_urls for p in posts],
        has_mentions=[p.has_mentions for p in posts],
        has_hashtags=[p.has_hashtags for p in posts],
    )


# -- strategies ---------------------------------------------------------------------------

WORDS = [
    "acme", "Acme", "ACME", "rachat", "rachète", "l'entreprise", "L’entreprise", "d'Acme",
    "qu'il", "lorsqu’Acme", "aujourd'hui", "élysée", "ÉLYSÉE", "management", "manage",
    "#Fusion", "#fusión", "@acme", "@acme.bsky.social", "@acme-fr", "ﬁnance", "straße", "Œuvre",
    "café", "naïve", "ｆｕｌｌ", "x²", "½", "İstanbul", "ΣΟΦΙΑ", "σοφία", "Москва", "東京",
    "한국", "\u1100\u1161", "😂", "👍🏽", "e\u0301\u0301\u0301", "Z̵̡̛a̶l̷g̸o̵", "\ud800",
    "\x00", "\x01", "\x00acme\x00", "3,5", "2024", "jean-pierre", "le", "the", "https://acme.fr/x",
    "a_b", "_acme", "’", "'",
]  # fmt: skip
SEPARATORS = [" ", " ", ", ", ". ", "\n", "’", "'", "-", "\x00", "\u00a0", "…"]

QUERIES = [
    "acme", "rachat", "rachete", "entreprise", "l'entreprise", "elysee", "manag*", "ra*",
    "#fus*", "@ac*", "#fusion", "@acme", "@acme.bsky.social", "finance", "strasse", "oeuvre",
    "cafe", "naive", "full", "x2", "istanbul", "σοφια", "москва", "東京", "한국", "hui",
    "jean-pierre", '"jean pierre"', '"rachat d\'Acme"', '"l\'entreprise acme"', "2024", "le",
    "a_b", "acme NEAR/2 rachat", "(acme OR rachat) NEAR/1 (le OR the)", "NOT acme",
    "acme AND NOT rachat", "lang:fr", "lang:fr-ca", "acme lang:en", "network:bluesky",
    "author:alice.bsky.social", "author:did:x", "has:link", "has:mention", "has:hashtag",
    "acme OR has:hashtag", "(rachat OR NOT le) AND lang:fr",
]  # fmt: skip

texts = st.one_of(
    st.none(),
    st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=16).map(
        "".join
    ),
    st.text(max_size=30),
)
posts = st.lists(
    st.builds(
        Post,
        text=texts,
        network=st.sampled_from([None, "bluesky", "Bluesky", "mastodon"]),
        lang=st.sampled_from([None, "fr", "en", "fr-ca", "fr-fr"]),
        handle=st.sampled_from([None, "alice.bsky.social", "@Alice.bsky.social", "bob"]),
        author_id=st.sampled_from([None, "did:x", "did:y"]),
        has_urls=st.booleans(),
        has_mentions=st.booleans(),
        has_hashtags=st.booleans(),
    ),
    max_size=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(QUERIES), min_size=1, max_size=8, unique=True), posts)
def test_batch_equals_definition_and_per_post(queries: list[str], batch: list[Post]) -> None:
    watches = {f"w{i}": q for i, q in enumerate(queries)}
    ws = WatchSet(watches, strict=True)
    want = expected(watches, batch)
    assert columns(ws, batch) == want
    assert [ws.match(p) for p in batch] == want
    assert ws.match_many(batch) == want
    assert ws.matching([p.text for p in batch]) == {
        i: tuple(ids) for i, ids in enumerate(columns(ws, [Post(p.text) for p in batch])) if ids
    }


def test_cap_and_long_texts() -> None:
    """Texts are cut at MAX_TEXT_CHARS code points, each on its own."""
    cap = normalize.MAX_TEXT_CHARS
    ws = WatchSet({"a": "acme", "r": "rachat", "e": "elysee"}, strict=True)
    head = "x " * ((cap - 6) // 2)  # "acme" ends 2 code points before the cap
    batch = [
        Post(head + "acme rachat"),  # "rachat" is after the cap
        Post("éé" + head + "acme"),  # the fast fold: "acme" ends at the cap
        Post("ééé" + head + "acme"),  # "acm"
        Post("😂😂" + head + "acme"),  # the reference fold
        Post("😂😂😂" + head + "acme"),
        Post("Élysée " * 150_000),  # 1 MB
        Post(None),
        Post(""),
        Post("\x00rachat\x00"),
    ]
    want = expected({"a": "acme", "r": "rachat", "e": "elysee"}, batch)
    assert want[:5] == [["a"], ["a"], [], ["a"], []]
    assert columns(ws, batch) == want
    assert want[5:] == [["e"], [], [], ["r"]]


def test_empty_batch_and_mismatched_columns() -> None:
    ws = WatchSet({"a": "acme"}, strict=True)
    assert ws.match_columns([]) == []
    assert ws.matching([]) == {}
    with pytest.raises(ValueError, match="langs has 1 values, texts 2"):
        ws.match_columns(["acme", "x"], langs=["fr"])


def test_no_terms_and_always_watches() -> None:
    ws = WatchSet({"n": "NOT acme", "f": "lang:fr", "h": "has:link"}, strict=True)
    batch = [Post("acme", lang="fr"), Post("x https://a", lang="en"), Post(None)]
    assert columns(ws, batch) == [["f"], ["h", "n"], ["n"]]
    assert WatchSet({}).match_columns(["acme"]) == [[]]


# -- the pieces ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, max_size=8))
def test_scan_streams_are_normalize_stream(batch: list[str | None]) -> None:
    terms = scan.TermIndex({" acme ": [0], " manag": [1], " @acme.": [2], " l entreprise ": [3]})
    streams = scan.scan(batch, terms)
    full = streams.stream_text()
    starts = streams.starts.tolist()
    assert len(starts) == len(batch) + 1 and starts[-1] == len(full)
    for i, text in enumerate(batch):
        assert full[starts[i] : starts[i + 1] - 1] == normalize.stream(text)
        assert full[starts[i + 1] - 1] == "\x00"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(QUERIES[:33]), min_size=1, max_size=6),
    st.lists(texts, min_size=1, max_size=6),
    st.booleans(),
)
def test_term_index_finds_the_patterns_that_occur(
    queries: list[str], batch: list[str | None], shared: bool
) -> None:
    """The atoms found in a text are those of the patterns that occur in its stream."""
    found: set[str] = set()
    for q in queries:
        for node in _terms(parse(q)):
            found.update(patterns.substrings(node))
    ordered = sorted(found)
    # each pattern its own atom, or (shared) atoms shared by several patterns
    atoms = {p: [k % 3 if shared else k, 100 + k] for k, p in enumerate(ordered)}
    result = scan.scan(batch, scan.TermIndex(atoms), streams=False)
    got: dict[int, list[int]] = {}
    for j, i in enumerate(result.posts.tolist()):
        a, b = result.atom_start[j], result.atom_start[j + 1]
        got[i] = result.atoms[a:b].tolist()
    want: dict[int, list[int]] = {}
    for i, text in enumerate(batch):
        stream = normalize.stream(text)
        present = {a for p in ordered if p in stream for a in atoms[p]}
        if present:
            want[i] = sorted(present)
    assert got == want
    assert len(result.stream) <= 2 * max(len(normalize.stream(t)) for t in batch) + 3


def _terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [*node.left, *node.right]
    if isinstance(node, Not):
        return _terms(node.child)
    if isinstance(node, (And, Or)):
        return [t for c in node.children for t in _terms(c)]
    return []


def test_every_code_point_scans_as_normalize_stream() -> None:
    """Each code point of the BMP and of plane 14, every 3rd of planes 1 to 3 and every
    97th beyond (the reference fold takes about 15 us a text), inside words, after an
    article, a mention and a hashtag, next to combining marks, in batches that mix it with
    the other code points."""
    cps = [
        *range(0x10000),
        *range(0x10000, 0x40000, 3),
        *range(0x40000, 0xE0000, 97),
        *range(0xE0000, 0xE1000),
        *range(0xE1000, 0x110000, 97),
    ]
    chars = [chr(c) for c in cps]
    texts_ = [f"a{c}b l{c}’x @y{c}z #{c}{c.upper()} {c}\u0323\u0301e{c}\u0308{c}" for c in chars]
    terms = scan.TermIndex({" ab ": [0], " x": [1], " @y.": [2]})
    for k in range(0, len(texts_), 100_000):
        chunk = texts_[k : k + 100_000]
        streams = scan.scan(chunk, terms)
        got = streams.stream_text().split("\x00")[:-1]
        want = [normalize.stream(t) for t in chunk]
        assert got == want


def test_texts_with_many_atoms() -> None:
    """More atoms in a text (and in a batch) than the kernel first makes room for."""
    words = [f"w{k}" for k in range(700)]
    watches = {f"a{k}": w for k, w in enumerate(words)} | {"p": "w1*", "ph": '"w1 w2"'}
    ws = WatchSet(watches, strict=True)
    batch = [Post(" ".join(words)), Post("w1 w2 w3"), Post(None), Post(" ".join(words[::-1]))]
    assert columns(ws, batch) == expected(watches, batch)
    assert len(ws.match(batch[0])) == 702


def test_term_index_rejects_what_is_not_a_stream_pattern() -> None:
    for bad in ("acme ", " a\x00b ", " ab cd", "  ", " a  b "):
        with pytest.raises(ValueError, match="not a stream pattern"):
            scan.TermIndex({bad: [0]})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=6))
def test_reference_fold_of_a_nul_joined_batch_is_the_joined_folds(parts: list[str]) -> None:
    """Why the slow texts of a batch can be folded in one call: no step of the fold crosses
    a NUL (NFKD reordering, NFC composition, Hangul jamo)."""
    parts = [p.replace("\x00", " ") for p in parts]
    joined = normalize.fold_reference("\x00".join(parts))
    assert joined == "\x00".join(normalize.fold_reference(p) for p in parts)


def test_mark_removal_on_every_code_point() -> None:
    chars = "".join(chr(i) for i in range(0x110000))  # surrogates too
    kept = "".join(c for c in chars if unicodedata.category(c)[0] != "M")
    assert normalize._drop_marks(chars) == kept


def test_fold_table() -> None:
    """The table holds ``fold_reference`` of each code point (NUL: a space), except Hangul
    (syllables, jamo, and what folds to them) and the planes it does not cover."""
    tables = scan._tables()
    slow = (tables.classes & scan._SLOW) != 0
    sample = [*range(0, 0x3000), *range(0x3000, 0x110000, 89), 0xFB01, 0x1D400, 0xE0100]
    for c in sample:
        folded = normalize.fold_reference(chr(c)) if c else " "
        covered = any(lo <= c < hi for lo, hi in scan._TABLE_RANGES)
        hangul = scan._HANGUL.search(chr(c) + folded) is not None
        assert bool(slow[c]) == (not covered or hangul), hex(c)
        if not slow[c]:
            got = tables.fold_data[tables.fold_start[c] : tables.fold_start[c + 1]]
            assert "".join(map(chr, got)) == folded, hex(c)
    assert int(np.count_nonzero(slow[:0x40000])) < 12_000


# -- real texts ---------------------------------------------------------------------------


def test_real_val_tweets() -> None:
    """XLM-T val tweets (French and English) against watches made of their own tokens."""
    root = shared_path("data", "sentiment", "xlm_t")
    lines: list[str] = []
    for lang in ("french", "english"):
        lines += (root / lang / "val_text.txt").read_text(encoding="utf-8").splitlines()
    toks = sorted({t for line in lines for t in normalize.tokens(line)})
    words = [t for t in toks if t[0] not in "@#"][::40]
    watches: dict[str, str] = {}
    for i, w in enumerate(words):
        watches[f"w{i}"] = w
        watches[f"p{i}"] = f"{w[:3]}*" if len(w) > 3 else w
        nxt = words[(i * 7) % len(words)]
        watches[f"n{i}"] = f"{w} NEAR/3 {nxt}"
        watches[f"a{i}"] = f'({w} OR "{w} {nxt}") AND NOT {nxt} lang:fr'
    watches["m"] = "has:mention OR has:hashtag"
    ws = WatchSet(watches, strict=True)
    batch = [Post(t, lang="fr" if i % 2 else "en") for i, t in enumerate(lines)]
    want = expected(watches, batch)
    assert sum(1 for ids in want if ids) > len(batch) // 4  # the test sees matches
    assert columns(ws, batch) == want
