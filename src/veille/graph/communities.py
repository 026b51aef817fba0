"""Leiden communities (igraph's ``community_leiden``, modularity objective) and their labels.

Why igraph's own Leiden rather than leidenalg: both optimise the same modularity, and on
the 1 M-node / 5 M-edge bench igraph's took 24 s where leidenalg took about 225 s
(DESIGN.md, measured on these machines; ``bench/graph.py`` measures it again). On polblogs
both find the two camps (``veille graph eval``, bench/RESULTS.md).

The directed, weighted interaction graph is made undirected for community detection (the
weights of ``a -> b`` and ``b -> a`` are summed): a community is a set of accounts that
talk among themselves, whoever starts. Leiden runs until an iteration no longer improves
the partition (on graphs of up to ``STABLE_LIMIT`` vertices; above, two iterations,
igraph's default: on a 200k-node power-law graph "until stable" took 120 s of CPU against
3.4 s for two iterations, for modularity 0.272 either way within 0.002), from a fixed seed,
so the same store gives the same communities. Community
ids are renumbered by size, largest first (0, 1, 2...), ties by smallest member id.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import igraph as ig

DEFAULT_SEED = 42
#: Leiden iterates until stable up to this many vertices, then two iterations (igraph's
#: default), and one above ``ONE_PASS_LIMIT``: on the 1 M-vertex benchmark graph one
#: iteration takes 14.5 s of CPU for modularity 0.2612, two 22.2 s for 0.2683
#: (bench/RESULTS.md), and the build + PageRank + Leiden target is 30 s in all
STABLE_LIMIT = 100_000
ONE_PASS_LIMIT = 500_000


@contextmanager
def seeded(seed: int) -> Any:
    """igraph draws from Python's ``random`` module unless told otherwise: give it its own
    generator for the duration, so results do not depend on what ran before."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def undirected(graph: ig.Graph) -> ig.Graph:
    """``graph`` as an undirected simple graph, the weights of parallel edges summed."""
    if not graph.is_directed():
        und = graph.copy()
        if "weight" not in und.es.attributes():
            und.es["weight"] = [1.0] * und.ecount()
        und.simplify(multiple=True, loops=True, combine_edges={"weight": "sum"})
        return und
    return graph.as_undirected(mode="collapse", combine_edges={"weight": "sum"})


def leiden(
    graph: ig.Graph,
    *,
    resolution: float = 1.0,
    seed: int = DEFAULT_SEED,
    weights: bool = True,
) -> list[int]:
    """Community of each vertex (0 = the largest). An isolated vertex is its own community.

    ``graph`` may be directed (it is made undirected first). Modularity objective with
    ``resolution`` (higher: more, smaller communities)."""
    n = graph.vcount()
    if n == 0:
        return []
    und = undirected(graph)
    use = "weight" if weights and und.ecount() and "weight" in und.es.attributes() else None
    with seeded(seed):
        part = und.community_leiden(
            objective_function="modularity",
            weights=use,
            resolution=resolution,
            n_iterations=iterations(n),
        )
    return renumber(part.membership, graph.vs["name"] if "name" in graph.vs.attributes() else None)


def iterations(vertices: int) -> int:
    """Leiden's ``n_iterations`` for a graph of ``vertices`` (-1: until stable)."""
    if vertices <= STABLE_LIMIT:
        return -1
    return 2 if vertices <= ONE_PASS_LIMIT else 1


def renumber(membership: Sequence[int], names: Sequence[str] | None = None) -> list[int]:
    """Community ids by size, largest first; ties by the smallest member name (or index)."""
    groups: dict[int, list[int]] = {}
    for vertex, c in enumerate(membership):
        groups.setdefault(c, []).append(vertex)

    def key(c: int) -> tuple[int, str]:
        members = groups[c]
        first = min(str(names[v]) for v in members) if names else f"{min(members):012d}"
        return (-len(members), first)

    order = {c: i for i, c in enumerate(sorted(groups, key=key))}
    return [order[c] for c in membership]


def modularity(graph: ig.Graph, membership: Sequence[int]) -> float | None:
    """Modularity of ``membership`` on the undirected weighted graph (None: no edge)."""
    und = undirected(graph)
    if und.ecount() == 0:
        return None
    return float(und.modularity(list(membership), weights="weight"))


# -- labels -------------------------------------------------------------------------------

#: Frequent French and English words that say nothing about a community.
STOPWORDS = frozenset(
    """
    avec dans pour plus mais sont nous vous leur leurs cette elle elles être avoir fait faire
    tout tous toute toutes comme aussi très bien sans sous entre depuis encore même autre
    autres ceux celle celui quand alors donc parce après avant chez dont était sera peut
    notre votre nos vos ils ont aux des une par sur est pas que qui the and for with that
    this from have has had are was were will would could should about into over your
    their they them what when where which while there here than then been just more most
    some such only also very like just make made does doing done being other others http
    https www com html merci bonjour hello today demain aujourd'hui aujourd hui thanks
    """.split()  # noqa: SIM905
)


@dataclass
class Community:
    id: int
    size: int
    hashtags: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    stakeholders: dict[str, int] = field(default_factory=dict)
    leaders: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The top hashtags and terms, e.g. ``#energie #hydrogene · réseau, stockage``;
        ``community N`` when its members wrote nothing in the period."""
        parts = []
        if self.hashtags:
            parts.append(" ".join(f"#{h}" for h in self.hashtags))
        if self.terms:
            parts.append(", ".join(self.terms))
        return " · ".join(parts) if parts else f"community {self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "size": self.size,
            "stakeholders": dict(self.stakeholders),
            "hashtags": list(self.hashtags),
            "terms": list(self.terms),
            "leaders": list(self.leaders),
        }


def distinctive(
    membership: Sequence[int],
    usage: Mapping[int, Iterable[str]],
    *,
    top: int = 3,
    stopwords: frozenset[str] = frozenset(),
) -> dict[int, list[str]]:
    """The ``top`` most distinctive words of each community.

    ``usage`` maps a vertex to the words it used (each once). A word's score in community C
    is ``a_C * log(A / a)``: the number of C's members who used it, times the rarity of the
    word among all A vertices that wrote anything (a = how many used it). Words used by a
    single member are left out (one account's vocabulary is not its community's), and so
    are stopwords. Ties: alphabetical."""
    users: Counter[str] = Counter()
    per: dict[int, Counter[str]] = {}
    for vertex, words in usage.items():
        seen = {w for w in words if w not in stopwords}
        users.update(seen)
        per.setdefault(membership[vertex], Counter()).update(seen)
    total = max(len(usage), 1)
    out: dict[int, list[str]] = {}
    for c, counts in per.items():
        scored = [(-(n * math.log((total + 1) / users[w])), w) for w, n in counts.items() if n >= 2]
        out[c] = [w for _, w in sorted(scored)[:top]]
    return out


def describe(
    membership: Sequence[int],
    *,
    hashtags: Mapping[int, Iterable[str]],
    terms: Mapping[int, Iterable[str]],
    stakeholder: Sequence[str | None],
    leaders: Sequence[str | None],
    top: int = 3,
) -> list[Community]:
    """One ``Community`` per community id, with its labels and stakeholder mix (classes of
    its members, ``unknown`` where a member has none)."""
    sizes = Counter(membership)
    tags = distinctive(membership, hashtags, top=top)
    words = distinctive(membership, terms, top=top, stopwords=STOPWORDS)
    mix: dict[int, Counter[str]] = {c: Counter() for c in sizes}
    heads: dict[int, list[str]] = {c: [] for c in sizes}
    for vertex, c in enumerate(membership):
        mix[c][stakeholder[vertex] or "unknown"] += 1
        if leaders[vertex]:
            heads[c].append(str(leaders[vertex]))
    return [
        Community(
            id=c,
            size=sizes[c],
            hashtags=tags.get(c, []),
            terms=words.get(c, []),
            stakeholders=dict(sorted(mix[c].items(), key=lambda kv: (-kv[1], kv[0]))),
            leaders=sorted(heads[c]),
        )
        for c in sorted(sizes)
    ]
