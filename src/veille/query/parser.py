"""Parser of the watch query language (grammar in ``docs/query-language.md``).

``parse(text)`` returns a typed tree (``veille.query.ast``) or raises ``QuerySyntaxError``
with the column, the query, a caret under the column and what was expected.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal, NoReturn

from veille.errors import UsageError
from veille.i18n import register, t
from veille.model import known_networks
from veille.query import normalize
from veille.query.ast import (
    FILTER_FIELDS,
    HAS_VALUES,
    And,
    Filter,
    FilterField,
    Near,
    Node,
    Not,
    Or,
    Term,
    TermKind,
)

MAX_QUERY_CHARS = 4_000
MAX_DEPTH = 32
MAX_TERMS = 500
MAX_NEAR = 100

register(
    {
        "query.error": (
            "requête invalide, colonne {column} : {reason}",
            "invalid query at column {column}: {reason}",
        ),
        "query.empty": ("la requête est vide", "the query is empty"),
        "query.too_long": (
            "requête trop longue ({length} caractères, au plus {limit})",
            "query too long ({length} characters, at most {limit})",
        ),
        "query.too_deep": (
            "requête trop imbriquée (plus de {limit} niveaux)",
            "query nested too deeply (more than {limit} levels)",
        ),
        "query.too_many_terms": (
            "trop de termes (plus de {limit})",
            "too many terms (more than {limit})",
        ),
        "query.unclosed_quote": (
            "guillemet non fermé (il manque {closer})",
            "unclosed quote (missing {closer})",
        ),
        "query.empty_phrase": ("expression vide entre guillemets", "empty phrase"),
        "query.expected_after": (
            "un terme ou « ( » est attendu après {op}",
            "expected a term or '(' after {op}",
        ),
        "query.expected_before": (
            "{op} doit suivre un terme : un terme ou « ( » est attendu avant",
            "{op} needs a term on its left: expected a term or '(' before it",
        ),
        "query.expected_term": (
            "un terme ou « ( » est attendu",
            "expected a term or '('",
        ),
        "query.unexpected_close": (
            "« ) » inattendue (aucune « ( » correspondante)",
            "unexpected ')' (no matching '(')",
        ),
        "query.expected_close": (
            "« ) » attendue pour fermer la « ( » de la colonne {column}",
            "expected ')' to close the '(' at column {column}",
        ),
        "query.near_number": (
            "NEAR a besoin d'un nombre : NEAR/3",
            "NEAR needs a number: NEAR/3",
        ),
        "query.near_range": (
            "la distance de NEAR doit être entre 1 et {limit}",
            "NEAR distance must be between 1 and {limit}",
        ),
        "query.near_operand": (
            "NEAR relie des mots, des expressions ou des groupes (a OR b), pas {what}",
            "NEAR joins words, phrases or (a OR b) groups, not {what}",
        ),
        "query.near_chain": (
            "NEAR ne s'enchaîne pas : écrivez (a NEAR/2 b) AND (b NEAR/3 c)",
            "NEAR cannot be chained: write (a NEAR/2 b) AND (b NEAR/3 c)",
        ),
        "query.nothing_to_search": (
            "« {text} » ne contient ni lettre ni chiffre à chercher",
            "'{text}' has no letter or digit to search for",
        ),
        "query.wildcard_end": (
            "le joker * ne s'emploie qu'en fin de mot : manag*",
            "the wildcard * only goes at the end of a word: manag*",
        ),
        "query.wildcard_one": (
            "le joker s'applique à un seul mot, pas à « {text} »",
            "a wildcard applies to one word, not to '{text}'",
        ),
        "query.wildcard_phrase": (
            "pas de joker * dans une expression entre guillemets",
            "no wildcard * inside a quoted phrase",
        ),
        "query.unknown_field": (
            "champ inconnu « {field}: » (connus : {known})",
            "unknown field '{field}:' (known: {known})",
        ),
        "query.field_value": (
            "une valeur est attendue après {field}: ({example})",
            "expected a value after {field}: ({example})",
        ),
        "query.unknown_network": (
            "réseau inconnu « {value} » (connus : {known}){hint}",
            "unknown network '{value}' (known: {known}){hint}",
        ),
        "query.did_you_mean": ("; vouliez-vous dire {name} ?", "; did you mean {name}?"),
        "query.bad_value": (
            "valeur invalide pour {field}: « {value} » ({example})",
            "invalid value for {field}: '{value}' ({example})",
        ),
    }
)

#: Names people use for a network that veille calls otherwise.
NETWORK_ALIASES = {"twitter": "x", "rss": "web", "atom": "web", "bsky": "bluesky"}

_EXAMPLES = {
    "lang": "lang:fr, lang:en, lang:pt-br",
    "network": "network:bluesky",
    "author": "author:acme.bsky.social",
    "has": "has:" + ", has:".join(HAS_VALUES),
}
_VALUE_RE: dict[str, re.Pattern[str]] = {
    "lang": re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*"),
    "network": re.compile(r"[a-z0-9][a-z0-9_.-]*"),
    # one leading ``@`` is dropped before this test: ``author:@@a`` is not a handle
    "author": re.compile(r"[^\s()\"“”«»@][^\s()\"“”«»]*"),
    "has": re.compile("|".join(HAS_VALUES)),
}


class QuerySyntaxError(UsageError):
    """A query that does not parse. ``position`` is 0-based, ``column`` 1-based;
    ``reason`` says what was expected."""

    def __init__(self, query: str, position: int, reason: str) -> None:
        self.query = query
        self.position = max(0, min(position, len(query)))
        self.column = self.position + 1
        self.reason = reason
        head = t("query.error", column=self.column, reason=reason)
        super().__init__(head + "\n" + caret(query, self.position))


def caret(query: str, position: int, width: int = 72) -> str:
    """Two lines: the query (or the part of it around ``position``) and a caret under it."""
    line_start = query.rfind("\n", 0, position) + 1
    line_end = query.find("\n", position)
    line = query[line_start : len(query) if line_end < 0 else line_end]
    col = position - line_start
    line = "".join(" " if c.isspace() else c for c in line)
    if len(line) > width:
        start = max(0, min(col - width // 2, len(line) - width))
        prefix = "…" if start > 0 else ""
        suffix = "…" if start + width < len(line) else ""
        line = prefix + line[start : start + width] + suffix
        col = col - start + len(prefix)
    return f"  {line}\n  {' ' * col}^"


TokKind = Literal["word", "phrase", "lparen", "rparen", "and", "or", "not", "near", "eof"]

_OPENERS = {'"': '"', "«": "»", "“": "”"}
_BREAK = set("()") | set(_OPENERS)
_OPERATORS: dict[str, TokKind] = {
    "AND": "and",
    "ET": "and",
    "OR": "or",
    "OU": "or",
    "NOT": "not",
    "SAUF": "not",
}
_NEAR_RE = re.compile(r"NEAR/(\d{1,6})")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: TokKind
    text: str
    pos: int
    value: int = 0


class _Parser:
    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = self._lex()
        self.i = 0
        self.depth = 0
        self.nterms = 0

    # -- lexing -------------------------------------------------------------------------
    def fail(self, pos: int, reason: str) -> NoReturn:
        raise QuerySyntaxError(self.query, pos, reason)

    def _lex(self) -> list[_Tok]:
        q = self.query
        out: list[_Tok] = []
        i, n = 0, len(q)
        while i < n:
            c = q[i]
            if c.isspace():
                i += 1
            elif c == "(":
                out.append(_Tok("lparen", c, i))
                i += 1
            elif c == ")":
                out.append(_Tok("rparen", c, i))
                i += 1
            elif c in _OPENERS:
                closer = _OPENERS[c]
                end = q.find(closer, i + 1)
                if end < 0:
                    self.fail(i, t("query.unclosed_quote", closer=closer))
                out.append(_Tok("phrase", q[i + 1 : end], i))
                i = end + 1
            else:
                j = i
                while j < n and not q[j].isspace() and q[j] not in _BREAK:
                    j += 1
                word = q[i:j]
                out.append(self._classify(word, i))
                i = j
        out.append(_Tok("eof", "", n))
        return out

    def _classify(self, word: str, pos: int) -> _Tok:
        kind = _OPERATORS.get(word)
        if kind is not None:
            return _Tok(kind, word, pos)
        if word == "NEAR" or word.startswith("NEAR/"):
            m = _NEAR_RE.fullmatch(word)
            if m is None:
                self.fail(pos, t("query.near_number"))
            distance = int(m.group(1))
            if not 1 <= distance <= MAX_NEAR:
                self.fail(pos, t("query.near_range", limit=MAX_NEAR))
            return _Tok("near", word, pos, distance)
        return _Tok("word", word, pos)

    # -- parsing ------------------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def advance(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if self.tok.kind == "eof":
            self.fail(0, t("query.empty"))
        node = self.parse_or()
        tok = self.tok
        if tok.kind == "rparen":
            self.fail(tok.pos, t("query.unexpected_close"))
        if tok.kind == "near":
            self.fail(tok.pos, t("query.near_chain"))
        if tok.kind != "eof":  # pragma: no cover - every other token continues an AND
            self.fail(tok.pos, t("query.expected_term"))
        return node

    def _enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(pos, t("query.too_deep", limit=MAX_DEPTH))

    def _operand(self, op: _Tok) -> Node:
        """The operand after a binary operator, with a clear error when it is missing."""
        if self.tok.kind in ("eof", "rparen", "and", "or", "near"):
            self.fail(self.tok.pos, t("query.expected_after", op=op.text))
        return self.parse_unary()

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.tok.kind == "or":
            op = self.advance()
            children.append(self._and_after(op))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def _and_after(self, op: _Tok) -> Node:
        if self.tok.kind in ("eof", "rparen", "and", "or", "near"):
            self.fail(self.tok.pos, t("query.expected_after", op=op.text))
        return self.parse_and()

    def parse_and(self) -> Node:
        if self.tok.kind in ("and", "or", "near"):
            self.fail(self.tok.pos, t("query.expected_before", op=self.tok.text))
        children = [self.parse_unary()]
        while True:
            kind = self.tok.kind
            if kind == "and":
                op = self.advance()
                children.append(self._operand(op))
            elif kind in ("word", "phrase", "lparen", "not"):
                children.append(self.parse_unary())  # implicit AND
            else:
                break
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        tok = self.tok
        if tok.kind == "not":
            self.advance()
            self._enter(tok.pos)
            child = self._operand(tok)
            self.depth -= 1
            return Not(child)
        return self.parse_near()

    def parse_near(self) -> Node:
        if self.tok.kind in ("and", "or", "near"):
            self.fail(self.tok.pos, t("query.expected_before", op=self.tok.text))
        start = self.tok
        left = self.parse_primary()
        if self.tok.kind != "near":
            return left
        op = self.advance()
        left_terms = self._near_side(left, start)
        if self._kind() == "not":
            self.fail(self.tok.pos, t("query.near_operand", what="NOT"))
        if self.tok.kind in ("eof", "rparen", "and", "or", "near"):
            self.fail(self.tok.pos, t("query.expected_after", op=op.text))
        right_start = self.tok
        right = self.parse_primary()
        right_terms = self._near_side(right, right_start)
        if self.tok.kind == "near":
            self.fail(self.tok.pos, t("query.near_chain"))
        return Near(left_terms, right_terms, op.value)

    def _near_side(self, node: Node, start: _Tok) -> tuple[Term, ...]:
        if isinstance(node, Term):
            return (node,)
        if isinstance(node, Or) and all(isinstance(c, Term) for c in node.children):
            return tuple(c for c in node.children if isinstance(c, Term))
        what = start.text if start.kind != "lparen" else "(...)"
        if isinstance(node, Filter):
            what = f"{node.field}:{node.value}"
        self.fail(start.pos, t("query.near_operand", what=what))

    def _kind(self) -> str:
        """The current token's kind, read afresh (``advance`` moves ``tok``)."""
        return self.tok.kind

    def parse_primary(self) -> Node:
        tok = self.tok
        if tok.kind == "lparen":
            self.advance()
            self._enter(tok.pos)
            if self._kind() == "rparen":
                self.fail(self.tok.pos, t("query.expected_term"))
            node = self.parse_or()
            if self.tok.kind != "rparen":
                if self.tok.kind == "near":
                    self.fail(self.tok.pos, t("query.near_chain"))
                self.fail(self.tok.pos, t("query.expected_close", column=tok.pos + 1))
            self.advance()
            self.depth -= 1
            return node
        if tok.kind == "phrase":
            self.advance()
            return self._phrase(tok)
        if tok.kind == "word":
            self.advance()
            return self._word(tok)
        self.fail(tok.pos, t("query.expected_term"))  # pragma: no cover - callers check

    # -- terms --------------------------------------------------------------------------
    def _count(self, pos: int) -> None:
        self.nterms += 1
        if self.nterms > MAX_TERMS:
            self.fail(pos, t("query.too_many_terms", limit=MAX_TERMS))

    def _phrase(self, tok: _Tok) -> Term:
        self._count(tok.pos)
        if not tok.text.strip():
            self.fail(tok.pos, t("query.empty_phrase"))
        if "*" in tok.text:
            self.fail(tok.pos + 1 + tok.text.index("*"), t("query.wildcard_phrase"))
        return self._make_term(tok, tok.text, quoted=True)

    def _word(self, tok: _Tok) -> Node:
        word = tok.text
        field, sep, value = word.partition(":")
        if sep and field.isascii() and field.isalpha() and field.lower() not in ("http", "https"):
            return self._filter(tok, field.lower(), value)
        self._count(tok.pos)
        star = word.find("*")
        if star >= 0:
            if star != len(word) - 1:
                self.fail(tok.pos + star, t("query.wildcard_end"))
            if star == 0:
                self.fail(tok.pos, t("query.nothing_to_search", text=word))
            toks = normalize.tokens(word[:-1])
            if not toks:
                self.fail(tok.pos, t("query.nothing_to_search", text=word))
            if len(toks) != 1:
                self.fail(tok.pos, t("query.wildcard_one", text=word))
            return Term("prefix", (toks[0],), word[:-1])
        return self._make_term(tok, word, quoted=False)

    def _make_term(self, tok: _Tok, text: str, *, quoted: bool) -> Term:
        toks = tuple(normalize.tokens(text))
        if not toks:
            self.fail(tok.pos, t("query.nothing_to_search", text=text))
        kind: TermKind
        if len(toks) > 1:
            kind = "phrase"
        elif toks[0][0] == "#":
            kind = "hashtag"
        elif toks[0][0] == "@":
            kind = "mention"
        else:
            kind = "word"
        return Term(kind, toks, text, quoted)

    def _filter(self, tok: _Tok, field: str, value: str) -> Filter:
        if field not in FILTER_FIELDS:
            known = ", ".join(f"{f}:" for f in FILTER_FIELDS)
            self.fail(tok.pos, t("query.unknown_field", field=field, known=known))
        name: FilterField = field  # type: ignore[assignment]
        example = _EXAMPLES[name]
        vpos = tok.pos + len(field) + 1
        if not value:
            self.fail(vpos, t("query.field_value", field=field, example=example))
        if name == "author":
            value = value.removeprefix("@")
        elif name != "network" or value.isascii():
            value = value.lower()
        if not _VALUE_RE[name].fullmatch(value):
            self.fail(vpos, t("query.bad_value", field=field, value=value, example=example))
        if name == "network" and value not in known_networks():
            names = known_networks()
            close = difflib.get_close_matches(value, names, n=1, cutoff=0.5)
            hint = NETWORK_ALIASES.get(value) or (close[0] if close else None)
            self.fail(
                vpos,
                t(
                    "query.unknown_network",
                    value=value,
                    known=", ".join(names),
                    hint=t("query.did_you_mean", name=f"network:{hint}") if hint else "",
                ),
            )
        return Filter(name, value)


def parse(query: str) -> Node:
    """Parse ``query`` into a tree; raise ``QuerySyntaxError`` when it is not valid."""
    if len(query) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            query, MAX_QUERY_CHARS, t("query.too_long", length=len(query), limit=MAX_QUERY_CHARS)
        )
    return _Parser(query).parse()
