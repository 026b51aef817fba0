"""Streaming matcher: thousands of watches evaluated at once on each post.

Compilation:

- every distinct term of every watch becomes an *atom*; its stream substrings
  (``patterns.substrings``) go into one Aho-Corasick automaton (pyahocorasick), whose value
  is the atom id; every distinct filter (``lang:fr``, ``author:x``...) is an atom too, found
  by a dictionary look-up per post;
- each watch gets a *trigger set*: atoms of which at least one must be present for the
  watch to match (a term of an AND, all branches of an OR; terms are preferred to filters,
  which are much less selective). Watches are indexed by their trigger atoms. Watches that
  can match with no atom at all (``NOT spam``, ``lang:fr OR NOT acme``) have no trigger set
  and are evaluated on every post;
- each watch is compiled to a Python predicate over the set of present atoms (and, for
  NEAR, a regular expression over the stream, ``patterns.near_regex``). A watch that is a
  term, a filter or an OR of those needs no predicate: being triggered is matching.

Per post: normalise to a token stream, one automaton pass, filter look-ups, then evaluate
only the triggered watches and the untriggerable ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from veille.query import normalize, patterns
from veille.query.ast import And, Filter, Near, Node, Not, Or, Term
from veille.query.parser import QuerySyntaxError, parse

Predicate = Callable[[set[int], str], bool]
_FilterKey = tuple[str, str]


@dataclass(slots=True)
class Post:
    """What the matcher needs to know about a post besides its text."""

    text: str | None
    network: str | None = None
    lang: str | None = None  # the language code to use (see normalize.language_code)
    handle: str | None = None
    author_id: str | None = None
    has_urls: bool = False  # the post's ``urls`` list is not empty
    has_mentions: bool = False
    has_hashtags: bool = False


@dataclass(slots=True)
class _Trigger:
    atoms: frozenset[int]
    uses_filter: bool
    uses_prefix: bool


@dataclass(slots=True)
class _Compiled:
    ids: list[str] = field(default_factory=list)
    predicates: list[Predicate | None] = field(default_factory=list)


class WatchSet:
    """Compiled watches (``id -> query``). Queries that do not parse are left out and kept
    in ``errors`` (``id -> QuerySyntaxError``) unless ``strict``, where the first raises."""

    def __init__(self, watches: Mapping[str, str | Node], *, strict: bool = False) -> None:
        self.errors: dict[str, QuerySyntaxError] = {}
        self.queries: dict[str, Node] = {}
        for wid, query in watches.items():
            try:
                self.queries[wid] = parse(query) if isinstance(query, str) else query
            except QuerySyntaxError as exc:
                if strict:
                    raise
                self.errors[wid] = exc
        self._term_atoms: dict[tuple[str, tuple[str, ...]], int] = {}
        self._filter_atoms: dict[_FilterKey, int] = {}
        self._nears: list[Callable[[str], re.Match[str] | None]] = []
        self._near_index: dict[str, int] = {}
        self._pred_cache: dict[str, Predicate] = {}
        order = sorted(self.queries)
        self.watch_ids: list[str] = order
        self._predicates: list[Predicate | None] = []
        self._index: dict[int, list[int]] = {}
        self._always: list[int] = []
        for w, wid in enumerate(order):
            node = self.queries[wid]
            trig = self._trigger(node)
            trivial = _is_trivial(node)
            self._predicates.append(None if trivial else self._predicate(node))
            if trig is None:
                self._always.append(w)
            else:
                for atom in trig.atoms:
                    self._index.setdefault(atom, []).append(w)
        # Terms of one token (words, hashtags, mentions, prefixes) are found token by token:
        # the automaton runs once on " token " for each distinct token and the answer is
        # remembered (token frequencies are Zipfian, so almost every look-up is a hit).
        # Phrases run through a second automaton over the whole stream.
        self._token_automaton: Any = None
        self._phrase_automaton: Any = None
        token_patterns: dict[str, int] = {}
        phrase_patterns: dict[str, int] = {}
        for (kind, toks), atom in self._term_atoms.items():
            term = Term(kind, toks, "")  # type: ignore[arg-type]
            target = phrase_patterns if kind == "phrase" else token_patterns
            for pattern in patterns.substrings(term):
                target[pattern] = atom
        if token_patterns:
            self._token_automaton = _automaton(token_patterns)
        if phrase_patterns:
            self._phrase_automaton = _automaton(phrase_patterns)
        self._token_cache: dict[str, tuple[int, ...]] = {}  # tokens with atoms
        self._no_atoms: set[str] = set()  # tokens seen without any
        #: first tokens of phrases: the phrase automaton only runs on posts that have one
        self._phrase_firsts = frozenset(
            toks[0] for (kind, toks) in self._term_atoms if kind == "phrase"
        )
        self._build_filter_indexes()

    # -- compilation --------------------------------------------------------------------
    def _term_atom(self, term: Term) -> int:
        key = (term.kind, term.tokens)
        atom = self._term_atoms.get(key)
        if atom is None:
            atom = self._term_atoms[key] = len(self._term_atoms) + len(self._filter_atoms)
        return atom

    def _filter_atom(self, flt: Filter) -> int:
        key = (flt.field, flt.value)
        atom = self._filter_atoms.get(key)
        if atom is None:
            atom = self._filter_atoms[key] = len(self._term_atoms) + len(self._filter_atoms)
        return atom

    def _trigger(self, node: Node) -> _Trigger | None:
        if isinstance(node, Term):
            return _Trigger(frozenset({self._term_atom(node)}), False, node.kind == "prefix")
        if isinstance(node, Filter):
            return _Trigger(frozenset({self._filter_atom(node)}), True, False)
        if isinstance(node, Near):
            left = [self._term_atom(t) for t in node.left]
            right = [self._term_atom(t) for t in node.right]
            side, terms = (left, node.left) if len(left) <= len(right) else (right, node.right)
            return _Trigger(frozenset(side), False, any(t.kind == "prefix" for t in terms))
        if isinstance(node, Not):
            self._trigger(node.child)  # register its atoms
            return None
        subs = [self._trigger(c) for c in node.children]
        if isinstance(node, And):
            found = [s for s in subs if s is not None]
            if not found:
                return None
            return min(found, key=lambda s: (s.uses_filter, s.uses_prefix, len(s.atoms)))
        if any(s is None for s in subs):
            return None
        real = [s for s in subs if s is not None]
        return _Trigger(
            frozenset().union(*(s.atoms for s in real)),
            any(s.uses_filter for s in real),
            any(s.uses_prefix for s in real),
        )

    def _expr(self, node: Node) -> str:
        if isinstance(node, Term):
            return f"{self._term_atom(node)} in h"
        if isinstance(node, Filter):
            return f"{self._filter_atom(node)} in h"
        if isinstance(node, Near):
            regex = patterns.near_regex(node)
            k = self._near_index.get(regex)
            if k is None:
                k = self._near_index[regex] = len(self._nears)
                self._nears.append(re.compile(regex).search)
            left = " or ".join(f"{self._term_atom(t)} in h" for t in node.left)
            right = " or ".join(f"{self._term_atom(t)} in h" for t in node.right)
            return f"(({left}) and ({right}) and N[{k}](s) is not None)"
        if isinstance(node, Not):
            return f"not ({self._expr(node.child)})"
        op = " and " if isinstance(node, And) else " or "
        return "(" + op.join(self._expr(c) for c in node.children) + ")"

    def _predicate(self, node: Node) -> Predicate:
        source = self._expr(node)
        cached = self._pred_cache.get(source)
        if cached is None:
            # The source holds only integers and operators generated above: no user text.
            code = compile(f"lambda h, s: {source}", "<watch>", "eval")
            cached = eval(code, {"__builtins__": {}, "N": self._nears})
            self._pred_cache[source] = cached
        return cached

    def _build_filter_indexes(self) -> None:
        self._lang_primary: dict[str, int] = {}
        self._lang_full: dict[str, int] = {}
        self._network: dict[str, int] = {}
        self._handle: dict[str, list[int]] = {}
        self._author_id: dict[str, list[int]] = {}
        self._has: dict[str, int] = {}
        for (fname, key), atom in self._filter_atoms.items():
            if fname == "lang":
                (self._lang_full if "-" in key else self._lang_primary)[key] = atom
            elif fname == "network":
                self._network[key] = atom
            elif fname == "author":
                handle = normalize.ascii_lower(key).lstrip("@")
                self._handle.setdefault(handle, []).append(atom)
                self._author_id.setdefault(key, []).append(atom)
            elif fname == "has":
                self._has[key] = atom
        self._needs_filters = bool(self._filter_atoms)
        #: The filter fields used by at least one watch (``lang``, ``network``...).
        self.fields: frozenset[str] = frozenset(f for f, _ in self._filter_atoms)

    # -- matching -----------------------------------------------------------------------
    def _token_atoms(self, token: str) -> tuple[int, ...]:
        found = tuple(sorted({a for _, a in self._token_automaton.iter(f" {token} ")}))
        if found:
            if len(self._token_cache) >= _TOKEN_CACHE_SIZE:
                self._token_cache.clear()
            self._token_cache[token] = found
        else:
            if len(self._no_atoms) >= _TOKEN_CACHE_SIZE:
                self._no_atoms.clear()
            self._no_atoms.add(token)
        return found

    def atoms_of(self, post: Post, toks: Sequence[str], s: str) -> set[int]:
        """The atoms present in ``post``, whose tokens are ``toks`` and stream ``s``."""
        hits: set[int] = set()
        if self._token_automaton is not None:
            cache = self._token_cache
            for tok in set(toks).difference(self._no_atoms):
                found = cache.get(tok)
                if found is None:
                    found = self._token_atoms(tok)
                if found:
                    hits.update(found)
        if self._phrase_automaton is not None and not self._phrase_firsts.isdisjoint(toks):
            hits.update(atom for _, atom in self._phrase_automaton.iter(s))
        if self._needs_filters:
            if post.lang is not None:
                a = self._lang_full.get(post.lang)
                if a is not None:
                    hits.add(a)
                a = self._lang_primary.get(post.lang.split("-", 1)[0])
                if a is not None:
                    hits.add(a)
            if post.network is not None and self._network:
                a = self._network.get(normalize.ascii_lower(post.network))
                if a is not None:
                    hits.add(a)
            if post.handle is not None and self._handle:
                atoms = self._handle.get(normalize.ascii_lower(post.handle).lstrip("@"))
                if atoms is not None:
                    hits.update(atoms)
            if post.author_id is not None and self._author_id:
                atoms = self._author_id.get(post.author_id)
                if atoms is not None:
                    hits.update(atoms)
            if self._has:
                has = self._has
                if "link" in has and (
                    post.has_urls or (post.text is not None and normalize.LINK_RE.search(post.text))
                ):
                    hits.add(has["link"])
                if "mention" in has and (post.has_mentions or " @" in s):
                    hits.add(has["mention"])
                if "hashtag" in has and (post.has_hashtags or " #" in s):
                    hits.add(has["hashtag"])
        return hits

    def match_tokens(self, post: Post, toks: Sequence[str]) -> list[str]:
        """Ids of the watches that match ``post`` (normalised tokens ``toks``), sorted."""
        s = " " + " ".join(toks) + " "
        hits = self.atoms_of(post, toks, s)
        index = self._index
        preds = self._predicates
        found: set[int] = set()
        for atom in hits:
            ws = index.get(atom)
            if ws is not None:
                found.update(ws)
        out = [w for w in found if (p := preds[w]) is None or p(hits, s)]
        for w in self._always:
            p = preds[w]
            if p is None or p(hits, s):
                out.append(w)
        ids = self.watch_ids
        return [ids[w] for w in sorted(out)]

    def match(self, post: Post) -> list[str]:
        """Ids of the watches that match ``post``, sorted."""
        return self.match_tokens(post, normalize.tokens(post.text))

    def match_many(self, posts: Iterable[Post]) -> list[list[str]]:
        return [self.match(p) for p in posts]

    def match_columns(
        self,
        texts: Sequence[str | None],
        *,
        networks: Sequence[str | None] | None = None,
        langs: Sequence[str | None] | None = None,
        handles: Sequence[str | None] | None = None,
        author_ids: Sequence[str | None] | None = None,
        has_urls: Sequence[bool] | None = None,
        has_mentions: Sequence[bool] | None = None,
        has_hashtags: Sequence[bool] | None = None,
    ) -> list[list[str]]:
        """Match a batch given as columns (the fast path of the pipeline stage)."""
        n = len(texts)
        none: list[Any] = [None] * n
        false: list[bool] = [False] * n
        tokens = normalize.tokens
        match_tokens = self.match_tokens
        out: list[list[str]] = []
        post = Post(None)
        cols = zip(
            texts,
            networks if networks is not None else none,
            langs if langs is not None else none,
            handles if handles is not None else none,
            author_ids if author_ids is not None else none,
            has_urls if has_urls is not None else false,
            has_mentions if has_mentions is not None else false,
            has_hashtags if has_hashtags is not None else false,
            strict=True,
        )
        for text, net, lang, handle, aid, hu, hm, hh in cols:
            post.text, post.network, post.lang, post.handle = text, net, lang, handle
            post.author_id, post.has_urls, post.has_mentions, post.has_hashtags = aid, hu, hm, hh
            out.append(match_tokens(post, tokens(text)))
        return out


_TOKEN_CACHE_SIZE = 500_000


def _automaton(pattern_atoms: Mapping[str, int]) -> Any:
    automaton = ahocorasick.Automaton()
    for pattern, atom in pattern_atoms.items():
        automaton.add_word(pattern, atom)
    automaton.make_automaton()
    return automaton


def _is_trivial(node: Node) -> bool:
    """True when being triggered is matching (a term, a filter, or an OR of those)."""
    if isinstance(node, (Term, Filter)):
        return True
    if isinstance(node, Or):
        return all(isinstance(c, (Term, Filter)) for c in node.children)
    return False
