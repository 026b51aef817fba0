"""Brokers: the accounts through which the ecosystem's shortest paths run (betweenness),
and how many communities each touches; and the leader's reciprocity.

Betweenness is igraph's (Brandes), on the directed graph with distance = 1 / weight (a
strong tie is a short hop). Exact betweenness costs O(V E): above ``EXACT_LIMIT`` vertices
it is estimated from ``SAMPLE_SOURCES`` source vertices drawn at random (fixed seed), scaled
by V / k (Brandes and Pich 2007), and the result says so (``method: "sampled"``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import igraph as ig

from veille.graph.communities import DEFAULT_SEED

EXACT_LIMIT = 5_000
SAMPLE_SOURCES = 500


@dataclass
class Betweenness:
    values: list[float]
    #: "exact" or "sampled"
    method: str
    sources: int
    note: str | None = None

    def describe(self) -> dict[str, Any]:
        return {"method": self.method, "sources": self.sources, "note": self.note}


def betweenness(
    graph: ig.Graph,
    *,
    exact_limit: int = EXACT_LIMIT,
    sources: int = SAMPLE_SOURCES,
    seed: int = DEFAULT_SEED,
) -> Betweenness:
    """Betweenness of each vertex, exact up to ``exact_limit`` vertices, sampled above."""
    n = graph.vcount()
    if n == 0:
        return Betweenness([], "exact", 0)
    weights = [1.0 / w for w in graph.es["weight"]] if graph.ecount() else None
    if n <= exact_limit:
        values = graph.betweenness(directed=True, weights=weights)
        return Betweenness([float(v) for v in values], "exact", n)
    k = min(sources, n)
    picked = sorted(random.Random(seed).sample(range(n), k))
    raw = graph.betweenness(directed=True, weights=weights, sources=picked)
    scale = n / k
    note = (
        f"{n} nodes: too many for exact betweenness; estimated from {k} sampled sources "
        f"(scaled by {scale:.1f})"
    )
    return Betweenness([float(v) * scale for v in raw], "sampled", k, note)


def communities_touched(graph: ig.Graph, membership: Sequence[int]) -> list[int]:
    """For each vertex, the number of other communities its neighbours belong to."""
    out = []
    for v in range(graph.vcount()):
        own = membership[v]
        others = {membership[u] for u in graph.neighbors(v, mode="all")} - {own}
        out.append(len(others))
    return out


@dataclass
class Reciprocity:
    """Does the leader answer those who address them?

    ``addressed``: accounts that replied to, quoted or mentioned the leader; ``answered``:
    those of them the leader replied to or mentioned in the period; ``share`` = answered /
    addressed (None when nobody addressed the leader)."""

    addressed: int
    answered: int

    @property
    def share(self) -> float | None:
        return self.answered / self.addressed if self.addressed else None

    def as_dict(self) -> dict[str, Any]:
        share = self.share
        return {
            "addressed": self.addressed,
            "answered": self.answered,
            "value": round(share, 6) if share is not None else None,
            **({} if share is not None else {"reason": "nobody addressed the leader"}),
        }


ADDRESS_KINDS = ("reply", "quote", "mention")
ANSWER_KINDS = ("reply", "mention")


def reciprocity(edges_by_kind: Sequence[tuple[str, str, str]], leader: str) -> Reciprocity:
    """From ``(source node, target node, kind)`` triples (nodes already merged)."""
    addressed = {s for s, t, k in edges_by_kind if t == leader and k in ADDRESS_KINDS and s != t}
    answered = {t for s, t, k in edges_by_kind if s == leader and k in ANSWER_KINDS}
    return Reciprocity(len(addressed), len(addressed & answered))
