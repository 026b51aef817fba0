"""PROOF that the two compilers agree: random queries and random posts (accents, elisions,
hashtags, mentions, punctuation, languages, handles, links), matched by the streaming
matcher (all watches at once) and by the SQL in a real DuckDB; the results must be equal.
Also: the Python and SQL token streams agree on every code point."""

from __future__ import annotations

import unicodedata
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_helpers import english, load, make_db  # noqa: F401

from veille.pipeline.base import INPUT_SCHEMA
from veille.pipeline.watches import WatchMatcher
from veille.query import normalize, parse
from veille.query.sql import compile_sql

WORDS = [
    "acme", "Acme", "ACME", "rachat", "rachète", "entreprise", "l'entreprise", "L’entreprise",
    "d'Acme", "D’ACME", "qu'il", "élysée", "Elysee", "ÉLYSÉE", "managers", "management",
    "manage", "#Fusion", "#fusion", "#fusión", "@acme", "@acme.bsky.social", "@Bob", "bob",
    "ﬁnance", "finance", "straße", "strasse", "Œuvre", "café", "CAFÉ", "cafe", "aujourd'hui",
    "https://acme.fr/rachat", "HTTP://x.y", "jean-pierre", "Jean", "3,5", "2024", "le", "de",
    "la", "the", "of", "globex", "Globex", "naïve", "ｆｕｌｌ", "½", "x²",
]  # fmt: skip
PUNCT = [" ", " ", " ", ", ", ". ", " ! ", " ? ", "…", " « ", " » ", " — ", "(", ")", "\n", "’"]

QUERY_TERMS = [
    "acme", "Acme", "rachat", "rachete", "entreprise", "l'entreprise", "d’Acme", "elysee",
    "Élysée", "manag*", "ra*", "#fus*", "@ac*", "#fusion", "#Fusión", "@acme", "@bob",
    "@acme.bsky.social", "finance", "strasse", "oeuvre", "œuvre", "cafe", "aujourd'hui", "hui",
    "jean-pierre", '"jean pierre"', '"rachat d\'Acme"', '"l\'entreprise acme"', '"acme rachat"',
    "3", "5", "2024", "le", "the", "globex", "naive", "full", "1", "x2", "https",
    '"acme.fr"', "fr",
]  # fmt: skip
FILTERS = [
    "lang:fr", "lang:en", "lang:fr-ca", "network:bluesky", "network:mastodon",
    "author:alice.bsky.social", "author:@Alice.bsky.social", "author:did:x", "author:bob",
    "has:link", "has:mention", "has:hashtag",
]  # fmt: skip


def queries() -> st.SearchStrategy[str]:
    leaf = st.one_of(st.sampled_from(QUERY_TERMS), st.sampled_from(FILTERS))
    near_side = st.one_of(
        st.sampled_from(QUERY_TERMS),
        st.lists(st.sampled_from(QUERY_TERMS), min_size=2, max_size=3).map(
            lambda ts: "(" + " OR ".join(ts) + ")"
        ),
    )
    near = st.builds(lambda a, n, b: f"{a} NEAR/{n} {b}", near_side, st.integers(1, 4), near_side)
    base = st.one_of(leaf, leaf, near)

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.builds(lambda a, b: f"({a} AND {b})", children, children),
            st.builds(lambda a, b: f"({a} OR {b})", children, children),
            st.builds(lambda a, b: f"({a} {b})", children, children),
            st.builds(lambda a: f"NOT {a}", children),
            st.builds(lambda a: f"(NOT {a})", children),
        )

    return st.recursive(base, extend, max_leaves=6)


texts = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(PUNCT)), max_size=14).map(
    "".join
)

posts_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "text": st.one_of(st.none(), texts),
            "network": st.sampled_from(["bluesky", "mastodon", "Bluesky", "rss"]),
            "lang": st.sampled_from([None, "fr", "en", "FR", "fr-CA", "fr_CA", "und", "x y", ""]),
            "lang_id": st.sampled_from([None, None, "fr", "en", "und"]),
            "author_id": st.sampled_from(["did:x", "did:y", "bob"]),
            "handle": st.sampled_from([None, "alice.bsky.social", "@Alice.bsky.social", "Bob"]),
            "urls": st.sampled_from([[], [], ["https://acme.fr"]]),
            "mentions": st.sampled_from([[], [], ["did:x"]]),
            "hashtags": st.sampled_from([[], [], ["fusion"]]),
        }
    ),
    min_size=1,
    max_size=8,
)


def _batch(posts: list[dict[str, Any]]) -> pa.RecordBatch:
    rows = [
        {
            "uri": p["uri"], "network": p["network"], "author_id": p["author_id"],
            "text": p["text"], "lang": p["lang"], "handle": p["handle"], "display_name": None,
            "bio": None, "url": None, "urls": p["urls"], "mentions": p["mentions"],
            "hashtags": p["hashtags"],
        }
        for p in posts
    ]  # fmt: skip
    batch = pa.RecordBatch.from_pylist(rows, schema=INPUT_SCHEMA)
    return batch.append_column("lang_id", pa.array([p["lang_id"] for p in posts], pa.string()))


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    make_db(c)
    return c


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(queries(), min_size=1, max_size=6), posts_strategy)
def test_streaming_matcher_equals_sql(
    con: duckdb.DuckDBPyConnection, qs: list[str], posts: list[dict[str, Any]]
) -> None:
    handles: dict[tuple[str, str], Any] = {}
    for i, p in enumerate(posts):
        p["uri"] = f"u{i}"
        # one handle per account, as in the store
        p["handle"] = handles.setdefault((p["network"], p["author_id"]), p["handle"])
    load(con, posts)
    watches = {f"w{i}": q for i, q in enumerate(qs)}
    stage = WatchMatcher(watches, strict=True)
    out = stage(_batch(posts)).column("watch_ids").to_pylist()
    for wid, q in watches.items():
        streaming = {posts[i]["uri"] for i, ids in enumerate(out) if wid in ids}
        sql = set(compile_sql(q).execute(con))
        assert streaming == sql, (q, explain_posts(posts, streaming ^ sql))


def explain_posts(posts: list[dict[str, Any]], uris: set[str]) -> list[tuple[Any, str]]:
    return [(p, normalize.stream(p["text"])) for p in posts if p["uri"] in uris]


EXAMPLES = [
    ("l'entreprise", "Nouvelle stratégie pour l’entreprise.", True),
    ("entreprise", "L'ENTREPRISE recrute", True),
    ("acme", "Le rachat d’Acme est signé", True),
    ("acme", "acmes et acmecorp", False),  # word boundaries
    ("acme", "acmé", True),
    ("elysee", "Réunion à l'Élysée", True),
    ('"rachat acme"', "le rachat d'Acme", True),
    ('"rachat acme"', "le rachat, Acme", True),  # punctuation is a separator
    ("acme NEAR/3 rachat", "Acme annonce le rachat", True),
    ("acme NEAR/2 rachat", "Acme annonce le rachat", False),
    ("rachat NEAR/3 acme", "Acme annonce le rachat", True),  # either order
    ("acme NEAR/3 acme", "acme acme", True),
    ("acme NEAR/3 acme", "acme seul", False),  # two distinct occurrences
    ('"annonce le" NEAR/1 rachat', "Acme annonce le rachat", True),
    ("manag*", "Le Management", True),
    ("manag*", "#management", False),
    ("#fusion", "#Fusión totale", True),
    ("#fusion", "fusion", False),
    ("@acme", "merci @acme.bsky.social !", True),
    ("@acme", "merci @acmecorp", False),
    ("finance", "ﬁnance", True),
    ("strasse", "Straße", True),
    ("hui", "aujourd'hui", True),
    ("NOT acme", "", True),
    ("has:link", "voir HTTPS://acme.fr", True),
]


@pytest.mark.parametrize(("query", "text", "expected"), EXAMPLES)
def test_examples_in_both_engines(
    con: duckdb.DuckDBPyConnection, query: str, text: str, expected: bool
) -> None:
    post = {"uri": "u0", "text": text, "network": "bluesky", "lang": "fr", "lang_id": None,
            "author_id": "did:x", "handle": None, "urls": [], "mentions": [],
            "hashtags": []}  # fmt: skip
    load(con, [post])
    stage = WatchMatcher({"w": query}, strict=True)
    assert (stage(_batch([post])).column("watch_ids").to_pylist() == [["w"]]) is expected
    assert (compile_sql(parse(query)).execute(con) == ["u0"]) is expected


def test_lang_uses_detected_language_then_declared(con: duckdb.DuckDBPyConnection) -> None:
    posts = [
        {"uri": "a", "text": "x", "lang": "en", "lang_id": "fr"},
        {"uri": "b", "text": "x", "lang": "fr-CA", "lang_id": "und"},
        {"uri": "c", "text": "x", "lang": "fr_CA", "lang_id": None},
        {"uri": "d", "text": "x", "lang": "en", "lang_id": None},
    ]
    for p in posts:
        p.update(network="bluesky", author_id="did:x", handle=None, urls=[], mentions=[],
                 hashtags=[])  # fmt: skip
    load(con, posts)
    stage = WatchMatcher({"fr": "lang:fr", "ca": "lang:fr-ca"}, strict=True)
    out = stage(_batch(posts)).column("watch_ids").to_pylist()
    assert out == [["fr"], ["ca", "fr"], ["ca", "fr"], []]
    assert sorted(compile_sql("lang:fr").execute(con)) == ["a", "b", "c"]
    assert sorted(compile_sql("lang:fr-ca").execute(con)) == ["b", "c"]


def test_every_code_point_tokenises_the_same_in_python_and_duckdb() -> None:
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000]
    texts_ = ["a" + c + "b " + c + "’x @y" + c + "z #" + c for c in chars]
    con = duckdb.connect()
    make_db(con)
    con.register("t", pa.table({"t": texts_}))
    sql = [r[0] for r in con.execute("SELECT veille_stream(t) FROM t").fetchall()]
    py = [normalize.stream(t) for t in texts_]
    diff = [(hex(ord(c)), unicodedata.name(c, "?"), a, b)
            for c, a, b in zip(chars, py, sql, strict=True) if a != b]  # fmt: skip
    assert diff == []


def test_python_word_class_is_letters_and_digits() -> None:
    import re

    word = re.compile(r"[^\W_]")
    bad = [
        hex(i)
        for i in range(0x110000)
        if not 0xD800 <= i < 0xE000
        and bool(word.match(chr(i))) != (unicodedata.category(chr(i))[0] in "LN")
    ]
    assert bad == []


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_streams_agree_on_random_unicode(text: str) -> None:
    reference = normalize._TOKEN_RE.findall(normalize.fold_reference(text))
    assert normalize.tokens(text) == [t for t in reference if t[-1] not in "'’"]
    con = _shared()
    got = con.execute("SELECT veille_stream(?)", [text]).fetchall()[0][0]
    assert got == normalize.stream(text)


_CON: list[duckdb.DuckDBPyConnection] = []


def _shared() -> duckdb.DuckDBPyConnection:
    if not _CON:
        c = duckdb.connect()
        make_db(c)
        _CON.append(c)
    return _CON[0]
