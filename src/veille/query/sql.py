"""Compile a query to DuckDB SQL over stored posts (history search).

The SQL reproduces ``normalize.stream`` exactly with a few temporary macros (``install``):

- ``veille_fold(t)``: ``strip_accents(lower(t))``; texts that contain one of the characters
  of ``SQL_FOLD`` (ligatures, fullwidth forms, ``ß``, ``½``...: where DuckDB and the
  Python normalisation disagree) are folded character by character with that table;
- ``veille_stream(t)``: cap, fold, ``regexp_extract_all`` with ``normalize.TOKEN_PATTERN``,
  drop elided articles, join with spaces;
- ``veille_lang(detected, declared)``, ``veille_ascii_lower(x)``: as in ``normalize``.

The query becomes three steps: a cheap pre-filter on the folded text (each term's longest
token must occur in it; texts with rare characters always pass), the token stream of the
remaining posts, then the exact condition. Every value from the query is a bound parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import duckdb

from veille.query import normalize, patterns
from veille.query._unicode_tables import SQL_FOLD
from veille.query.ast import And, Filter, Near, Node, Not, Term, terms
from veille.query.parser import parse


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _class_escape(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


_RARE_CLASS = "[" + "".join(_class_escape(chr(c)) for c in sorted(SQL_FOLD)) + "]"
_FOLD_MAP = "MAP {" + ", ".join(f"{_lit(chr(k))}: {_lit(v)}" for k, v in SQL_FOLD.items()) + "}"

MACROS: tuple[str, ...] = (
    f"veille_cap(t) AS replace(left(coalesce(t, ''), {normalize.MAX_TEXT_CHARS}), chr(0), ' ')",
    f"veille_is_rare(t) AS regexp_matches(t, {_lit(_RARE_CLASS)})",
    "veille_fold_fast(t) AS strip_accents(lower(veille_cap(t)))",
    "veille_fold(t) AS CASE WHEN veille_is_rare(t) THEN strip_accents(array_to_string("
    "list_transform(string_split(t, ''), lambda c: coalesce(map_extract_value("
    "getvariable('veille_fold_map'), c),"
    " strip_accents(lower(c)))), '')) ELSE strip_accents(lower(t)) END",
    "veille_stream(t) AS ' ' || array_to_string(list_filter(regexp_extract_all("
    f"veille_fold(veille_cap(t)), {_lit(normalize.TOKEN_PATTERN)}), lambda x: NOT "
    f"(suffix(x, {_lit(chr(39))}) OR suffix(x, {_lit(chr(0x2019))}))), ' ') || ' '",
    "veille_ascii_lower(x) AS CASE WHEN regexp_full_match(x, '[[:ascii:]]*') THEN lower(x)"
    " ELSE x END",
    "veille_lang_ok(x) AS coalesce(regexp_full_match(x, '[A-Za-z0-9_-]+') AND lower(x) <> 'und',"
    " false)",
    "veille_lang(a, b) AS CASE WHEN veille_lang_ok(a) THEN replace(lower(a), '_', '-')"
    " WHEN veille_lang_ok(b) THEN replace(lower(b), '_', '-') END",
)


def install(con: duckdb.DuckDBPyConnection, *, force: bool = False) -> None:
    """Create the ``veille_*`` macros as temporary macros on ``con`` (works on read-only
    databases). Does nothing when they are already there, unless ``force``."""
    if not force:
        found = con.execute(
            "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'veille_stream'"
        ).fetchall()
        if found[0][0]:
            return
    # The fold table is a session variable: as a literal inside the macro it would be
    # parsed and bound again by every query (about 0.1 s each).
    con.execute(f"SET VARIABLE veille_fold_map = {_FOLD_MAP}")
    for body in MACROS:
        con.execute(f"CREATE OR REPLACE TEMP MACRO {body}")


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _ident(name: str) -> str:
    if not _IDENT.fullmatch(name):
        raise ValueError(f"not a table name: {name!r}")
    return ".".join(f'"{part}"' for part in name.split("."))


@dataclass
class CompiledSql:
    """``sql`` selects the ``uri`` of every matching post; run it with ``params`` (named
    ``$p0``, ``$p1``...) on a connection where ``install`` ran."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)

    def execute(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        install(con)
        return [row[0] for row in con.execute(self.sql, self.params).fetchall()]


class _Compiler:
    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.uses_stream = False
        self.uses_lang = False
        self.uses_author = False

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def term(self, term: Term) -> str:
        self.uses_stream = True
        return (
            "("
            + " OR ".join(f"contains(s, {self.param(p)})" for p in patterns.substrings(term))
            + ")"
        )

    def filter(self, flt: Filter) -> str:
        if flt.field == "lang":
            self.uses_lang = True
            if "-" in flt.value:
                return f"coalesce(lang_code = {self.param(flt.value)}, false)"
            # (not split_part: DuckDB 2.0 fails to bind it on an all-null column)
            code = self.param(flt.value)
            return f"coalesce(lang_code = {code} OR starts_with(lang_code, {code} || '-'), false)"
        if flt.field == "network":
            return f"coalesce(network_l = {self.param(flt.value)}, false)"
        if flt.field == "author":
            self.uses_author = True
            handle = self.param(normalize.ascii_lower(flt.value).lstrip("@"))
            return f"coalesce(handle_l = {handle} OR author_id = {self.param(flt.value)}, false)"
        if flt.value == "link":
            link = _lit(normalize.LINK_PATTERN)
            return f"(has_urls OR coalesce(regexp_matches(text, {link}), false))"
        self.uses_stream = True
        if flt.value == "mention":
            return "(has_mentions OR contains(s, ' @'))"
        return "(has_hashtags OR contains(s, ' #'))"

    def expr(self, node: Node) -> str:
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Filter):
            return self.filter(node)
        if isinstance(node, Near):
            self.uses_stream = True
            return f"regexp_matches(s, {self.param(patterns.near_regex(node))})"
        if isinstance(node, Not):
            return f"(NOT {self.expr(node.child)})"
        op = " AND " if isinstance(node, And) else " OR "
        return "(" + op.join(self.expr(c) for c in node.children) + ")"

    def prefilter(self, node: Node) -> str | None:
        """A condition on the folded text ``f`` that every match satisfies, or None."""
        if isinstance(node, Term):
            return f"contains(f, {self.param(patterns.needle(node))})"
        if isinstance(node, Near):
            side = node.left if len(node.left) <= len(node.right) else node.right
            return (
                "("
                + " OR ".join(f"contains(f, {self.param(patterns.needle(t))})" for t in side)
                + ")"
            )
        if isinstance(node, (Filter, Not)):
            return None
        subs = [self.prefilter(c) for c in node.children]
        if isinstance(node, And):
            found = [s for s in subs if s is not None]
            return "(" + " AND ".join(found) + ")" if found else None
        if any(s is None for s in subs):
            return None
        return "(" + " OR ".join(s for s in subs if s is not None) + ")"


_PARAM_RE = re.compile(r"\$(p\d+)\b")


def _used(sql: str, params: dict[str, Any]) -> CompiledSql:
    """Keep only the parameters that ``sql`` uses (a pre-filter branch may be dropped)."""
    names = set(_PARAM_RE.findall(sql))
    return CompiledSql(sql, {k: v for k, v in params.items() if k in names})


def compile_sql(
    query: str | Node,
    *,
    posts: str = "posts",
    accounts: str = "accounts",
    enrichments: str = "enrichments",
    language_version: str | None = None,
) -> CompiledSql:
    """SQL that selects the ``uri`` of the posts that match ``query``.

    ``lang:`` uses the language detected by the ``language`` stage (its ``language_version``
    when given, else the greatest version) and falls back to ``posts.lang``."""
    node = parse(query) if isinstance(query, str) else query
    c = _Compiler()
    where = c.expr(node)
    pre = c.prefilter(node) if terms(node) else None
    cols = ["p.uri AS uri", "p.text AS text", "veille_ascii_lower(p.network) AS network_l"]
    cols += [
        "p.author_id AS author_id",
        "coalesce(len(p.urls), 0) > 0 AS has_urls",
        "coalesce(len(p.mentions), 0) > 0 AS has_mentions",
        "coalesce(len(p.hashtags), 0) > 0 AS has_hashtags",
    ]
    joins = ""
    if c.uses_author:
        cols.append("ltrim(veille_ascii_lower(a.handle), '@') AS handle_l")
        joins += (
            f" LEFT JOIN (SELECT network, account_id, any_value(handle) AS handle FROM"
            f" {_ident(accounts)} GROUP BY network, account_id) a"
            " ON a.network = p.network AND a.account_id = p.author_id"
        )
    if c.uses_lang:
        version = ""
        if language_version is not None:
            version = f" AND version = {c.param(language_version)}"
        cols.append("veille_lang(le.label, p.lang) AS lang_code")
        joins += (
            f" LEFT JOIN (SELECT uri, arg_max(label, version) AS label FROM {_ident(enrichments)}"
            f" WHERE stage = 'language'{version} GROUP BY uri) le ON le.uri = p.uri"
        )
    base = f"SELECT {', '.join(cols)} FROM {_ident(posts)} p{joins}"
    if not c.uses_stream:
        sql = f"WITH veille_b AS ({base}) SELECT uri FROM veille_b WHERE {where}"
        return _used(sql, c.params)
    if pre is not None:
        cand = (
            f"veille_c AS MATERIALIZED (SELECT * FROM (SELECT *, veille_fold_fast(text) AS f"
            f" FROM veille_b) WHERE veille_is_rare(veille_cap(text)) OR {pre})"
        )
    else:
        cand = "veille_c AS MATERIALIZED (SELECT * FROM veille_b)"
    sql = (
        f"WITH veille_b AS ({base}), {cand},"
        " veille_m AS (SELECT *, veille_stream(text) AS s FROM veille_c)"
        f" SELECT uri FROM veille_m WHERE {where}"
    )
    return _used(sql, c.params)
