"""What each term looks like in a token stream (``normalize.stream``), shared by both
compilers so they cannot drift apart.

A term is a set of space-delimited substrings of the stream (``substrings``); a NEAR is one
regular expression over the stream (``near_regex``), written in the subset of syntax on
which Python ``re`` and RE2 agree."""

from __future__ import annotations

from veille.query.ast import Near, Term

_REGEX_SPECIAL = frozenset("\\.^$|?*+()[]{}")


def _esc(token: str) -> str:
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in token)


def substrings(term: Term) -> tuple[str, ...]:
    """The stream substrings whose presence means ``term`` occurs.

    ``acme`` -> `` acme ``; ``"rachat acme"`` -> `` rachat acme ``; ``manag*`` -> `` manag``
    (a token that starts with it); ``@acme`` -> `` @acme `` or `` @acme.`` (so it also finds
    ``@acme.bsky.social``)."""
    if term.kind == "prefix":
        return (" " + term.tokens[0],)
    if term.kind == "mention":
        return (f" {term.tokens[0]} ", f" {term.tokens[0]}.")
    return (" " + " ".join(term.tokens) + " ",)


def term_regex(term: Term) -> str:
    """A regular expression for one occurrence of ``term`` as whole tokens, without the
    surrounding spaces."""
    if term.kind == "prefix":
        return _esc(term.tokens[0]) + "[^ ]*"
    if term.kind == "mention":
        return _esc(term.tokens[0]) + "(?:\\.[^ ]*)?"
    return " ".join(_esc(t) for t in term.tokens)


def near_regex(near: Near) -> str:
    """A regular expression that finds ``near`` in a stream: an occurrence of one side, then
    at most ``distance - 1`` whole tokens, then an occurrence of the other side."""

    def side(terms: tuple[Term, ...]) -> str:
        return "(?:" + "|".join(term_regex(t) for t in terms) + ")"

    left, right = side(near.left), side(near.right)
    gap = f"(?:[^ ]+ ){{0,{near.distance - 1}}}" if near.distance > 1 else ""
    return f" (?:{left} {gap}{right}|{right} {gap}{left}) "


def needle(term: Term) -> str:
    """A substring of the folded text that every occurrence of ``term`` contains (for the
    SQL pre-filter): the longest token."""
    return max(term.tokens, key=len)
