"""The watch query language: boolean queries (words, "phrases", AND/OR/NOT, NEAR/n,
#hashtags, @mentions, prefix*, lang:/network:/author:/has: filters) parsed into a typed
tree and compiled twice: to a streaming matcher over many watches at once
(``veille.query.matcher``) and to DuckDB SQL over stored posts (``veille.query.sql``).
See ``docs/query-language.md``."""

from __future__ import annotations

from veille.query.ast import And, Filter, Near, Node, Not, Or, Term, explain, to_query
from veille.query.parser import QuerySyntaxError, parse

__all__ = [
    "And",
    "Filter",
    "Near",
    "Node",
    "Not",
    "Or",
    "QuerySyntaxError",
    "Term",
    "explain",
    "parse",
    "to_query",
]
