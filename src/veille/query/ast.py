"""The typed syntax tree of a watch query, and its printer.

``to_query(node)`` prints a tree back as query text that parses to an equal tree (nested
``AND``/``OR`` groups are always parenthesised). ``explain(node)`` prints the normalised
form that the matchers use, for ``veille query check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TermKind = Literal["word", "phrase", "prefix", "hashtag", "mention"]
FilterField = Literal["lang", "network", "author", "has"]
FILTER_FIELDS: tuple[FilterField, ...] = ("lang", "network", "author", "has")
HAS_VALUES = ("link", "mention", "hashtag")


@dataclass(frozen=True, slots=True)
class Term:
    """A word, ``"a phrase"``, ``prefix*``, ``#hashtag`` or ``@mention``.

    ``tokens`` are the normalised tokens searched for (one, except for phrases; for a prefix
    the normalised prefix). ``text`` is the term as written, without quotes or ``*``."""

    kind: TermKind
    tokens: tuple[str, ...]
    text: str
    quoted: bool = False

    def __post_init__(self) -> None:
        if not self.tokens or any(not t or " " in t for t in self.tokens):
            raise ValueError(f"term {self.text!r} has no tokens")
        if self.kind != "phrase" and len(self.tokens) != 1:
            raise ValueError(f"a {self.kind} has one token, got {self.tokens!r}")


@dataclass(frozen=True, slots=True)
class Near:
    """``left NEAR/distance right``: an occurrence of each, in either order, with the later
    starting at most ``distance`` tokens after the end of the earlier. Each side is one term
    or a group of alternatives ``(a OR b)``."""

    left: tuple[Term, ...]
    right: tuple[Term, ...]
    distance: int

    def __post_init__(self) -> None:
        if not self.left or not self.right:
            raise ValueError("NEAR needs terms on both sides")


@dataclass(frozen=True, slots=True)
class Filter:
    """``field:value``. Values are stored as written (``author:`` without a leading ``@``)."""

    field: FilterField
    value: str


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]

    def __post_init__(self) -> None:
        if len(self.children) < 2:
            raise ValueError("AND needs at least two operands")


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]

    def __post_init__(self) -> None:
        if len(self.children) < 2:
            raise ValueError("OR needs at least two operands")


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Term | Near | Filter | And | Or | Not

_CLOSERS = {'"': '"', "«": "»", "“": "”"}


def _quote(text: str) -> str:
    for opener, closer in _CLOSERS.items():
        if closer not in text:
            return f"{opener}{text}{closer}"
    raise ValueError(f"cannot quote {text!r}")  # the lexer never produces such a text


def _term(term: Term) -> str:
    if term.quoted:
        return _quote(term.text)
    return term.text + ("*" if term.kind == "prefix" else "")


def _side(terms: tuple[Term, ...]) -> str:
    if len(terms) == 1:
        return _term(terms[0])
    return "(" + " OR ".join(_term(t) for t in terms) + ")"


def to_query(node: Node) -> str:
    """Query text for ``node`` (``parse(to_query(n)) == n``)."""
    if isinstance(node, Term):
        return _term(node)
    if isinstance(node, Filter):
        return f"{node.field}:{node.value}"
    if isinstance(node, Near):
        return f"{_side(node.left)} NEAR/{node.distance} {_side(node.right)}"
    if isinstance(node, Not):
        inner = to_query(node.child)
        return f"NOT ({inner})" if isinstance(node.child, (And, Or)) else f"NOT {inner}"
    op = " AND " if isinstance(node, And) else " OR "
    return op.join(
        f"({to_query(c)})" if isinstance(c, (And, Or)) else to_query(c) for c in node.children
    )


def _explain_term(term: Term) -> str:
    if term.kind == "prefix":
        return f"{term.tokens[0]}*"
    if term.kind == "phrase":
        return '"' + " ".join(term.tokens) + '"'
    return term.tokens[0]


def explain(node: Node) -> str:
    """The normalised, fully parenthesised form of ``node`` (what is actually matched)."""
    if isinstance(node, Term):
        return _explain_term(node)
    if isinstance(node, Filter):
        return f"{node.field}:{node.value}"
    if isinstance(node, Near):

        def side(terms: tuple[Term, ...]) -> str:
            inner = " OR ".join(_explain_term(t) for t in terms)
            return inner if len(terms) == 1 else f"({inner})"

        return f"{side(node.left)} NEAR/{node.distance} {side(node.right)}"
    if isinstance(node, Not):
        return f"NOT {explain(node.child)}"
    op = " AND " if isinstance(node, And) else " OR "
    return "(" + op.join(explain(c) for c in node.children) + ")"


def terms(node: Node) -> list[Term]:
    """Every term in ``node``, NEAR operands included, in order."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [*node.left, *node.right]
    if isinstance(node, Filter):
        return []
    if isinstance(node, Not):
        return terms(node.child)
    return [t for c in node.children for t in terms(c)]
