"""Streaming matcher: thousands of watches evaluated at once on batches of posts.

Compilation:

- every distinct term of every watch becomes an *atom*; its stream substrings
  (``patterns.substrings``) go into one index of tokens, prefixes and phrases
  (``veille.query.scan.TermIndex``); every distinct filter (``lang:fr``, ``author:x``...)
  is an atom too, found by a dictionary look-up per post;
- each watch gets a *trigger set*: atoms of which at least one must be present for the
  watch to match (a term of an AND, all branches of an OR; terms are preferred to filters,
  which are much less selective). Watches are indexed by their trigger atoms. Watches that
  can match with no atom at all (``NOT spam``, ``lang:fr OR NOT acme``) have no trigger set
  and are evaluated on every post;
- each watch is compiled to a Python predicate over the set of present atoms (and, for
  NEAR, a regular expression over the stream, ``patterns.near_regex``). A watch that is a
  term, a filter or an OR of those needs no predicate: being triggered is matching.

Per batch: one compiled pass tokenises every post and finds its term atoms
(``veille.query.scan``); then, only for the posts with atoms (and for all posts when some
watch is untriggerable or triggered by a filter), filter look-ups and the evaluation of the
triggered watches. What a set of atoms decides is cached (``_Plan``): posts with the same
atoms (the same names, the same language) cost a dictionary look-up; only NEAR is evaluated
per post, on the post's stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from veille.query import normalize, patterns
from veille.query.ast import And, Filter, Near, Node, Not, Or, Term
from veille.query.parser import QuerySyntaxError, parse
from veille.query.scan import TermIndex, scan

Predicate = Callable[[frozenset[int], str], bool]
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
        # the atoms of each stream pattern (one, except for hand-built terms that share one)
        by_pattern: dict[str, list[int]] = {}
        for (kind, toks), atom in self._term_atoms.items():
            term = Term(kind, toks, "")  # type: ignore[arg-type]
            for pattern in patterns.substrings(term):
                atoms = by_pattern.setdefault(pattern, [])
                if atom not in atoms:
                    atoms.append(atom)
        self._terms = TermIndex(by_pattern)
        #: watches whose predicate reads the stream (NEAR)
        self._stream_watches = frozenset(
            w for w, wid in enumerate(order) if _has_near(self.queries[wid])
        )
        #: plans by filter atoms, then by term atoms (one atom, a frozenset, or None)
        self._plans: dict[tuple[int, ...], dict[_TermKey, _Plan]] = {}
        self._n_plans = 0
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
        #: the atoms of each value seen (field -> value -> atoms)
        self._value_atoms: dict[str, dict[str, tuple[int, ...]]] = {}
        #: some watch is triggered by a filter, so every post is a candidate
        self._filter_triggers = any(a in self._index for a in self._filter_atoms.values())
        self._needs_stream = (
            bool(self._stream_watches) or "mention" in self._has or ("hashtag" in self._has)
        )
        #: The filter fields used by at least one watch (``lang``, ``network``...).
        self.fields: frozenset[str] = frozenset(f for f, _ in self._filter_atoms)

    # -- matching -----------------------------------------------------------------------
    def _plan(self, hits: frozenset[int]) -> _Plan:
        """What the atoms ``hits`` decide: the watches they match whatever the stream, and
        the candidates whose predicate also reads it (NEAR)."""
        found: set[int] = set(self._always)
        index = self._index
        for atom in hits:
            ws = index.get(atom)
            if ws is not None:
                found.update(ws)
        preds = self._predicates
        matched: list[int] = []
        check: list[tuple[int, Predicate]] = []
        for w in sorted(found):
            p = preds[w]
            if p is None:
                matched.append(w)
            elif w in self._stream_watches:
                check.append((w, p))
            elif p(hits, ""):
                matched.append(w)
        ids = self.watch_ids
        return _Plan(tuple(matched), tuple(ids[w] for w in matched), tuple(check))

    def match(self, post: Post) -> list[str]:
        """Ids of the watches that match ``post``, sorted."""
        return self.match_many([post])[0]

    def match_many(self, posts: Iterable[Post]) -> list[list[str]]:
        ps = list(posts)
        return self.match_columns(
            [p.text for p in ps],
            networks=[p.network for p in ps],
            langs=[p.lang for p in ps],
            handles=[p.handle for p in ps],
            author_ids=[p.author_id for p in ps],
            has_urls=[p.has_urls for p in ps],
            has_mentions=[p.has_mentions for p in ps],
            has_hashtags=[p.has_hashtags for p in ps],
        )

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
        """Ids of the watches that match each post of a batch given as columns, sorted
        (``None`` columns: unknown values, no lists)."""
        out: list[list[str]] = [[] for _ in texts]
        found = self.matching(
            texts,
            networks=networks,
            langs=langs,
            handles=handles,
            author_ids=author_ids,
            has_urls=has_urls,
            has_mentions=has_mentions,
            has_hashtags=has_hashtags,
        )
        for i, ids in found.items():
            out[i] = list(ids)
        return out

    def matching(
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
    ) -> dict[int, tuple[str, ...]]:
        """``match_columns`` for the posts that match some watch: post index -> ids of the
        watches it matches (sorted), in post order."""
        n = len(texts)
        for name, column in (
            ("networks", networks),
            ("langs", langs),
            ("handles", handles),
            ("author_ids", author_ids),
            ("has_urls", has_urls),
            ("has_mentions", has_mentions),
            ("has_hashtags", has_hashtags),
        ):
            if column is not None and len(column) != n:
                raise ValueError(f"match_columns: {name} has {len(column)} values, texts {n}")
        out: dict[int, tuple[str, ...]] = {}
        if n == 0:
            return out
        needs_stream = self._needs_stream
        found = scan(texts, self._terms, streams=needs_stream)
        hit_posts: list[int] = found.posts.tolist()
        atom_start: list[int] = found.atom_start.tolist()
        atoms: list[int] = found.atoms.tolist()
        full = found.stream_text() if needs_stream else ""
        starts: list[int] = found.starts.tolist() if needs_stream else []
        # filters on a value (lang, network, author): the atoms of each distinct value
        by_value: list[tuple[Sequence[str | None], dict[str, tuple[int, ...]], _Resolver]] = []
        for field_name, column, used, resolve in (
            ("lang", langs, self._lang_full or self._lang_primary, self._lang_atoms),
            ("network", networks, self._network, self._network_atoms),
            ("handle", handles, self._handle, self._handle_atoms),
            ("author_id", author_ids, self._author_id, self._author_id_atoms),
        ):
            if column is not None and used:
                memo = self._value_atoms.setdefault(field_name, {})
                if len(memo) >= _PLAN_CACHE_SIZE:
                    memo.clear()
                by_value.append((column, memo, resolve))
        has = self._has
        # the posts to evaluate: those with term atoms, or all when a watch can match
        # without any
        every = bool(self._always or self._filter_triggers)
        where = dict(zip(hit_posts, range(len(hit_posts)), strict=True)) if every else None
        plans = self._plans
        ids = self.watch_ids
        j = -1
        for i in range(n) if every else hit_posts:
            j = j + 1 if where is None else where.get(i, -1)
            term: _TermKey = None
            if j >= 0:
                a, b = atom_start[j], atom_start[j + 1]
                term = atoms[a] if b - a == 1 else frozenset(atoms[a:b])
            filters: tuple[int, ...] = ()
            merged = False
            for values, memo, atoms_of in by_value:
                value = values[i]
                if value is not None:
                    extra = memo.get(value)
                    if extra is None:
                        extra = memo[value] = atoms_of(value)
                    if extra:
                        merged = bool(filters)
                        filters = filters + extra if merged else extra
            s = ""
            if has:
                if needs_stream:
                    s = full[starts[i] : starts[i + 1] - 1]
                dynamic: list[int] = []
                if "link" in has and (
                    (has_urls is not None and has_urls[i])
                    or ((text := texts[i]) is not None and normalize.LINK_RE.search(text))
                ):
                    dynamic.append(has["link"])
                if "mention" in has and (
                    (has_mentions is not None and has_mentions[i]) or " @" in s
                ):
                    dynamic.append(has["mention"])
                if "hashtag" in has and (
                    (has_hashtags is not None and has_hashtags[i]) or " #" in s
                ):
                    dynamic.append(has["hashtag"])
                if dynamic:
                    filters += tuple(dynamic)
                    merged = True
            if merged:
                filters = tuple(sorted(set(filters)))
            table = plans.get(filters)
            if table is None:
                table = plans[filters] = {}
            plan = table.get(term)
            if plan is None:
                if self._n_plans >= _PLAN_CACHE_SIZE:
                    plans.clear()
                    plans[filters] = table = {}
                    self._n_plans = 0
                plan = table[term] = self._plan(_atom_set(term, filters))
                self._n_plans += 1
            if plan.check:
                if needs_stream and not s:
                    s = full[starts[i] : starts[i + 1] - 1]
                hits = _atom_set(term, filters)
                passing = [w for w, p in plan.check if p(hits, s)]
                if passing:
                    out[i] = tuple(ids[w] for w in sorted(plan.matched + tuple(passing)))
                    continue
            if plan.ids:
                out[i] = plan.ids
        return out

    # the atoms of a filter value (None: no watch filters on that field)
    def _lang_atoms(self, lang: str) -> tuple[int, ...]:
        found = (self._lang_full.get(lang), self._lang_primary.get(lang.split("-", 1)[0]))
        return tuple(a for a in found if a is not None)

    def _network_atoms(self, network: str) -> tuple[int, ...]:
        a = self._network.get(normalize.ascii_lower(network))
        return () if a is None else (a,)

    def _handle_atoms(self, handle: str) -> tuple[int, ...]:
        return tuple(self._handle.get(normalize.ascii_lower(handle).lstrip("@"), ()))

    def _author_id_atoms(self, author_id: str) -> tuple[int, ...]:
        return tuple(self._author_id.get(author_id, ()))


_Resolver = Callable[[str], tuple[int, ...]]
#: the term atoms of a post: one atom, several, or none
_TermKey = int | frozenset[int] | None


def _atom_set(term: _TermKey, filters: tuple[int, ...]) -> frozenset[int]:
    if term is None:
        return frozenset(filters)
    if isinstance(term, int):
        return frozenset((term, *filters))
    return term.union(filters)


@dataclass(frozen=True, slots=True)
class _Plan:
    #: watches matched whatever the stream, and their ids
    matched: tuple[int, ...]
    ids: tuple[str, ...]
    #: watches to check on the stream (NEAR), with their predicates
    check: tuple[tuple[int, Predicate], ...]


_PLAN_CACHE_SIZE = 200_000


def _has_near(node: Node) -> bool:
    if isinstance(node, Near):
        return True
    if isinstance(node, Not):
        return _has_near(node.child)
    if isinstance(node, (And, Or)):
        return any(_has_near(c) for c in node.children)
    return False


def _is_trivial(node: Node) -> bool:
    """True when being triggered is matching (a term, a filter, or an OR of those)."""
    if isinstance(node, (Term, Filter)):
        return True
    if isinstance(node, Or):
        return all(isinstance(c, (Term, Filter)) for c in node.children)
    return False
