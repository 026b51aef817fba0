"""The query parser: the tree, the errors (column, caret, what was expected), the limits,
fuzzing, and printing round trips."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from query_helpers import english  # noqa: F401  (autouse: English messages)

from veille.errors import UsageError
from veille.query import And, Filter, Near, Not, Or, QuerySyntaxError, Term, explain, parse
from veille.query.ast import to_query
from veille.query.parser import MAX_DEPTH, MAX_QUERY_CHARS, MAX_TERMS


def w(word: str) -> Term:
    return Term("word", (word.lower(),), word)


def test_words_phrases_and_implicit_and() -> None:
    assert parse("acme") == w("acme")
    assert parse("Acme rachat") == And((w("Acme"), w("rachat")))
    assert parse('"rachat d’Acme"') == Term("phrase", ("rachat", "acme"), "rachat d’Acme", True)
    assert parse("«rachat d'Acme»") == Term("phrase", ("rachat", "acme"), "rachat d'Acme", True)


def test_precedence_not_near_and_or() -> None:
    node = parse("a OR b AND NOT c")
    assert node == Or((w("a"), And((w("b"), Not(w("c"))))))
    assert parse("NOT a NEAR/2 b") == Not(Near((w("a"),), (w("b"),), 2))
    assert parse('(a OR b) NEAR/5 "c d"') == Near(
        (w("a"), w("b")), (Term("phrase", ("c", "d"), "c d", True),), 5
    )
    assert explain(parse("a b OR c")) == "((a AND b) OR c)"


def test_french_operators_and_lowercase_words() -> None:
    assert parse("acme ET rachat OU SAUF globex") == parse("acme AND rachat OR NOT globex")
    # lower-case operator names are words to search for
    assert parse("acme and rachat") == And((w("acme"), w("and"), w("rachat")))


def test_term_kinds_and_elision() -> None:
    assert parse("#Fusion") == Term("hashtag", ("#fusion",), "#Fusion")
    assert parse("@acme.bsky.social") == Term(
        "mention", ("@acme.bsky.social",), "@acme.bsky.social"
    )
    assert parse("Manag*") == Term("prefix", ("manag",), "Manag")
    assert parse("l’entreprise") == Term("word", ("entreprise",), "l’entreprise")
    assert parse("d'Acme") == Term("word", ("acme",), "d'Acme")
    assert parse("jean-pierre").kind == "phrase"  # type: ignore[union-attr]


def test_filters() -> None:
    assert parse("lang:FR") == Filter("lang", "fr")
    assert parse("network:Bluesky") == Filter("network", "bluesky")
    assert parse("author:@Acme.bsky.social") == Filter("author", "Acme.bsky.social")
    assert parse("has:link has:mention has:hashtag") == And(
        (Filter("has", "link"), Filter("has", "mention"), Filter("has", "hashtag"))
    )
    assert parse("https://acme.fr").kind == "phrase"  # type: ignore[union-attr]


ERRORS = [
    ("acme AND", 8, "expected a term or '(' after AND"),
    ("acme AND )", 9, "expected a term or '(' after AND"),
    ("acme OR", 7, "expected a term or '(' after OR"),
    ('acme "rachat', 5, "unclosed quote"),
    ("acme NEAR rachat", 5, "NEAR needs a number: NEAR/3"),
    ("acme NEAR/x rachat", 5, "NEAR needs a number: NEAR/3"),
    ("acme NEAR/0 rachat", 5, "NEAR distance must be between 1 and 100"),
    ("a NEAR/2 b NEAR/3 c", 11, "NEAR cannot be chained"),
    ("a NEAR/2 lang:fr", 9, "NEAR joins words, phrases or (a OR b) groups"),
    ("(a AND b) NEAR/2 c", 0, "NEAR joins words, phrases or (a OR b) groups"),
    ("(a OR b", 7, "expected ')' to close the '(' at column 1"),
    ("a)", 1, "unexpected ')'"),
    ("()", 1, "expected a term or '('"),
    ("AND a", 0, "AND needs a term on its left"),
    ("", 0, "the query is empty"),
    ("   ", 0, "the query is empty"),
    ("NOT", 3, "expected a term or '(' after NOT"),
    ("lnag:fr", 0, "unknown field 'lnag:'"),
    ("lang:", 5, "expected a value after lang:"),
    ("lang:français", 5, "invalid value for lang:"),
    ("has:video", 4, "invalid value for has:"),
    ("author:@@acme", 7, "invalid value for author:"),
    ("ma*nag", 2, "the wildcard * only goes at the end of a word"),
    ("*", 0, "has no letter or digit"),
    ("jean-pi*", 0, "a wildcard applies to one word"),
    ('"manag* x"', 6, "no wildcard * inside a quoted phrase"),
    ("!!!", 0, "'!!!' has no letter or digit to search for"),
    ('""', 0, "empty phrase"),
]


@pytest.mark.parametrize(("query", "position", "reason"), ERRORS)
def test_syntax_errors_name_the_position(query: str, position: int, reason: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse(query)
    err = info.value
    assert isinstance(err, UsageError) and err.exit_code == 2
    assert err.position == position, err.message
    assert reason in err.reason
    lines = err.message.splitlines()
    assert lines[0].startswith(f"invalid query at column {position + 1}: ")
    # the query, then a caret under the column
    assert lines[1] == "  " + query.replace("\n", " ") or query.strip() == ""
    assert lines[2] == "  " + " " * position + "^"


def test_caret_on_long_and_multiline_queries() -> None:
    long = "acme OR " * 40 + "AND"
    with pytest.raises(QuerySyntaxError) as info:
        parse(long)
    line, caret = info.value.message.splitlines()[1:]
    assert len(line) < 90 and line[caret.index("^")] == "A"
    with pytest.raises(QuerySyntaxError) as info:
        parse("acme\nAND\n(rachat")
    line, caret = info.value.message.splitlines()[1:]
    assert line.strip() == "(rachat" and caret.endswith(" " * 8 + "^")


def test_limits() -> None:
    with pytest.raises(QuerySyntaxError, match="query too long"):
        parse("a " * (MAX_QUERY_CHARS // 2 + 1))
    deep = "(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        parse(deep)
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH) == w("a")
    with pytest.raises(QuerySyntaxError, match="nested too deeply"):
        parse("NOT " * (MAX_DEPTH + 1) + "a")
    with pytest.raises(QuerySyntaxError, match="too many terms"):
        parse(" OR ".join(f"t{i}" for i in range(MAX_TERMS + 1)))


def test_messages_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    from veille.i18n import language

    monkeypatch.setenv("VEILLE_LANG", "fr")
    language.cache_clear()
    with pytest.raises(QuerySyntaxError) as info:
        parse("acme ET")
    assert info.value.message.startswith("requête invalide, colonne 8 : un terme ou « ( »")


# -- fuzzing ------------------------------------------------------------------------------

ALPHABET = st.sampled_from(
    [*"ab é'’\"«»“”()*#@:/-_.,!?\n\t0",
     "AND", "OR", "NOT", "ET", "OU", "SAUF", "NEAR/2", "NEAR", "NEAR/", "lang:", "has:",
       "author:", "network:", "fr", "link", "acme", " ", "ﬁ", "ß", "\x00"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_fuzz_only_syntax_errors_and_round_trips(query: str) -> None:
    try:
        node = parse(query)
    except QuerySyntaxError as err:
        assert 0 <= err.position <= len(query)
        assert "^" in err.message
        return
    printed = to_query(node)
    assert parse(printed) == node
    assert to_query(parse(printed)) == printed
    parse(explain(node).replace("*", "*"))  # the explanation is itself a valid query


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_arbitrary_unicode(query: str) -> None:
    try:
        node = parse(query)
    except QuerySyntaxError:
        return
    assert parse(to_query(node)) == node
