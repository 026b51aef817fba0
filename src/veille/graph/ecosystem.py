"""The ecosystem of a workspace over a period: the graph in a scope, measured.

``load`` pulls the edge list (interactions, and follows unless asked not to), the
registry's accounts and the accounts' handles and stakeholder classes through
``veille.analytics.ecosystem`` (the SQL lives there), builds the merged graph, restricts it
to the scope, and measures it: weighted PageRank, Leiden communities labelled by their
hashtags, terms and stakeholder mix. ``view`` is the JSON of ``veille graph``.

Scopes: the whole store; a leader's ego network (the leader's node, the nodes within
``depth`` hops in either direction, and every edge among them); the accounts around a watch
(the authors of the posts that matched it in the period, and their neighbours).
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import pyarrow as pa

from veille.analytics import ecosystem as data
from veille.analytics.context import AnalyticsContext
from veille.analytics.period import Period
from veille.errors import UsageError, VeilleError
from veille.graph.brokers import Reciprocity, reciprocity
from veille.graph.build import BuiltGraph, entity_map, graph_of, merge_edges
from veille.graph.centrality import pagerank_of
from veille.graph.communities import DEFAULT_SEED, Community, describe, iterations, leiden
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "graph.no_edges": (
            "aucune interaction dans la période {period}",
            "no interactions in the period {period}",
        ),
        "graph.leader_absent": (
            "{leader} n'a aucune interaction dans la période {period}",
            "{leader} has no interaction in the period {period}",
        ),
        "graph.leader_no_accounts": (
            "le dirigeant « {leader} » n'a aucun compte dans veille.toml",
            "leader '{leader}' has no account in veille.toml",
        ),
        "graph.leader_unknown_accounts": (
            "aucun compte du dirigeant « {leader} » n'est encore dans la base ({accounts})",
            "none of leader '{leader}''s accounts is in the store yet ({accounts})",
        ),
        "graph.watch_empty": (
            "aucun message ne correspond à la veille « {watch} » dans la période {period}",
            "no post matched watch '{watch}' in the period {period}",
        ),
        "graph.self_loops": (
            "{n} interactions d'un compte avec lui-même (ou entre comptes d'une même "
            "personne) ignorées",
            "{n} self-interactions (or between accounts of one person) left out",
        ),
        "graph.leiden_passes": (
            "communautés de Leiden en {n} itération(s) ({vertices} sommets : un graphe de "
            "cette taille n'est pas itéré jusqu'à stabilité)",
            "Leiden communities from {n} iteration(s) ({vertices} vertices: a graph this "
            "large is not iterated until stable)",
        ),
    }
)


@dataclass
class Ecosystem:
    """The measured graph of one scope. Vertex ``i`` is node ``ids[i]``."""

    period: Period
    scope: dict[str, Any]
    built: BuiltGraph
    handle: list[str] = field(default_factory=list)
    stakeholder: list[str | None] = field(default_factory=list)
    leader: list[str | None] = field(default_factory=list)
    pagerank: list[float] = field(default_factory=list)
    membership: list[int] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    #: (source node, target node, kind) of the merged edge rows in scope
    triples: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: why there is nothing to show (None when there is a graph)
    reason: str | None = None
    organisation_of: dict[str, str | None] = field(default_factory=dict)

    @property
    def graph(self) -> ig.Graph:
        return self.built.graph

    @property
    def ids(self) -> list[str]:
        return self.built.ids

    def vertex(self, node: str) -> int | None:
        try:
            return self.ids.index(node)
        except ValueError:
            return None

    def reciprocity(self, leader_id: str) -> Reciprocity:
        return reciprocity(self.triples, f"leader:{leader_id}")


def leader_node(ctx: AnalyticsContext, leader_id: str, entities: pa.Table) -> str:
    """``leader:ID`` after checking the leader exists and has an account in the store."""
    known = {x.id: x for x in ctx.config.leaders}
    if leader_id not in known:
        close = difflib.get_close_matches(leader_id, list(known), n=3)
        names = {x.name.lower(): x.id for x in ctx.config.leaders}
        close += [names[n] for n in difflib.get_close_matches(leader_id.lower(), list(names), n=3)]
        hint = (
            f"Did you mean {', '.join(dict.fromkeys(close))}?"
            if close
            else f"Known leaders: {', '.join(sorted(known)) or 'none'}"
        )
        raise UsageError(f"unknown leader {leader_id!r}", hint=hint)
    leader = known[leader_id]
    if not any(leader.accounts.values()):
        raise VeilleError(
            t("graph.leader_no_accounts", leader=leader_id),
            hint=f"Add accounts = {{ bluesky = [...] }} to leader {leader_id!r} in veille.toml.",
        )
    rows = [
        r
        for r in entities.to_pylist()
        if r["kind"] == "leader" and r["entity_id"] == leader_id and r["known"]
    ]
    if not rows:
        accounts = ", ".join(f"{n}:{a}" for n, xs in leader.accounts.items() for a in xs)
        raise VeilleError(
            t("graph.leader_unknown_accounts", leader=leader_id, accounts=accounts),
            hint="Collect or import their posts first (veille collect, veille import).",
        )
    return f"leader:{leader_id}"


def load(
    ctx: AnalyticsContext,
    period: Period,
    *,
    leader: str | None = None,
    depth: int = 1,
    watch: str | None = None,
    follows: bool = True,
    weights: dict[str, float] | None = None,
    labels: bool = True,
    seed: int = DEFAULT_SEED,
) -> Ecosystem:
    """The measured ecosystem of a scope (see the module docstring)."""
    if depth not in (1, 2):
        raise UsageError(f"--depth {depth}: the ego network goes 1 or 2 hops out")
    if leader is not None and watch is not None:
        raise UsageError("give --leader or --watch, not both")
    engine = ctx.engine
    entities = data.entities(engine)
    centre = leader_node(ctx, leader, entities) if leader else None
    edges = data.edge_list(engine, period, follows=follows, weights=weights)
    merged = merge_edges(edges, entities)
    built = graph_of(merged, entities)
    scope: dict[str, Any] = {"kind": "store"}
    eco = Ecosystem(period, scope, built)
    if merged.self_loops:
        eco.notes.append(t("graph.self_loops", n=merged.self_loops))
    if built.empty:
        eco.reason = t("graph.no_edges", period=period.label())
        return eco
    seeds: list[int] | None = None
    if centre is not None:
        scope.update(kind="leader", leader=leader, depth=depth)
        v = _index(built, centre)
        if v is None:
            eco.reason = t("graph.leader_absent", leader=leader, period=period.label())
            eco.built = _subgraph(built, [])
            return eco
        seeds = [v]
    elif watch is not None:
        scope.update(kind="watch", watch=watch, depth=1)
        depth = 1
        authors = data.watch_accounts(engine, watch, period)
        keys, nodes = entity_map(entities)
        to_node = dict(zip(keys.to_pylist(), nodes.to_pylist(), strict=True))
        index = built.index()
        found: set[int] = set()
        for r in authors.to_pylist():
            key = f"{r['network']}:{r['account_id']}"
            node = to_node.get(key) or key
            if node in index:
                found.add(index[node])
        if not found:
            eco.reason = t("graph.watch_empty", watch=watch, period=period.label())
            eco.built = _subgraph(built, [])
            return eco
        seeds = sorted(found)
    if seeds is not None:
        around: set[int] = set()
        for hood in built.graph.neighborhood(seeds, order=depth, mode="all"):
            around.update(hood)
        built = _subgraph(built, sorted(around))
        eco.built = built
        keep = set(built.ids)
        eco.triples = [x for x in merged.triples() if x[0] in keep and x[1] in keep]
    else:
        eco.triples = merged.triples()
    _measure(ctx, eco, entities, labels=labels, seed=seed)
    return eco


def _index(built: BuiltGraph, node: str) -> int | None:
    try:
        return built.ids.index(node)
    except ValueError:
        return None


def _subgraph(built: BuiltGraph, vertices: list[int]) -> BuiltGraph:
    sub = built.graph.induced_subgraph(vertices, implementation="create_from_scratch")
    return BuiltGraph(sub, list(sub.vs["name"]) if vertices else [], 0, built.rows, built.members)


def _measure(
    ctx: AnalyticsContext, eco: Ecosystem, entities: pa.Table, *, labels: bool, seed: int
) -> None:
    graph = eco.graph
    ids = eco.ids
    eco.pagerank = pagerank_of(eco.built)
    eco.membership = leiden(graph, seed=seed)
    if iterations(graph.vcount()) > 0:
        eco.notes.append(
            t("graph.leiden_passes", n=iterations(graph.vcount()), vertices=graph.vcount())
        )
    leaders = {x.id: x for x in ctx.config.leaders}
    orgs = {x.id: x for x in ctx.config.organisations}
    eco.organisation_of = {f"leader:{x.id}": x.organisation for x in ctx.config.leaders}
    accounts = {
        f"{r['network']}:{r['account_id']}": r for r in data.accounts(ctx.engine).to_pylist()
    }
    members = eco.built.members
    handle: list[str] = []
    stakeholder: list[str | None] = []
    leader: list[str | None] = []
    for node in ids:
        kind, _, ident = node.partition(":")
        if kind == "leader" and ident in leaders:
            handle.append(leaders[ident].name)
            leader.append(ident)
            stakeholder.append(_mode(accounts, members.get(node, [])) or "self")
        elif kind == "organisation" and ident in orgs:
            handle.append(orgs[ident].name)
            leader.append(None)
            stakeholder.append(_mode(accounts, members.get(node, [])) or "self")
        else:
            row = accounts.get(node)
            handle.append(str(row["handle"]) if row and row["handle"] else ident)
            leader.append(None)
            stakeholder.append(str(row["stakeholder"]) if row and row["stakeholder"] else None)
    eco.handle, eco.stakeholder, eco.leader = handle, stakeholder, leader
    hashtags: dict[int, set[str]] = {}
    terms: dict[int, set[str]] = {}
    if labels:
        keys, nodes = entity_map(entities)
        to_node = dict(zip(keys.to_pylist(), nodes.to_pylist(), strict=True))
        index = {node: i for i, node in enumerate(ids)}
        table = data.account_labels(ctx.engine, eco.period)
        for r in table.to_pylist():
            key = f"{r['network']}:{r['account_id']}"
            v = index.get(to_node.get(key, key))
            if v is None:
                continue
            (hashtags if r["kind"] == "hashtag" else terms).setdefault(v, set()).add(r["term"])
    eco.communities = describe(
        eco.membership,
        hashtags=hashtags,
        terms=terms,
        stakeholder=stakeholder,
        leaders=leader,
    )


def _mode(accounts: dict[str, dict[str, Any]], keys: list[str]) -> str | None:
    counts = Counter(
        str(accounts[k]["stakeholder"])
        for k in keys
        if k in accounts and accounts[k]["stakeholder"]
    )
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def view(eco: Ecosystem, *, leader: str | None = None, top: int = 50) -> dict[str, Any]:
    """The JSON of ``veille graph``: ``{"leader", "nodes": [{"id", "handle", "pagerank",
    "community", "stakeholder"}], "communities": [{"id", "label", "size", "stakeholders"}]}``
    plus the period, the scope, the leader's reciprocity and notes. Nodes: the ``top`` by
    PageRank (the leader always included)."""
    order = sorted(range(len(eco.ids)), key=lambda i: (-eco.pagerank[i], eco.ids[i]))
    chosen = order[:top]
    centre = eco.vertex(f"leader:{leader}") if leader else None
    if centre is not None and centre not in chosen:
        chosen.append(centre)
    nodes = [
        {
            "id": eco.ids[i],
            "handle": eco.handle[i],
            "pagerank": round(eco.pagerank[i], 8),
            "community": eco.membership[i],
            "stakeholder": eco.stakeholder[i],
            "leader": eco.leader[i] is not None,
        }
        for i in chosen
    ]
    out: dict[str, Any] = {
        "leader": leader,
        "period": {"since": eco.period.since.isoformat(), "until": eco.period.until.isoformat()},
        "scope": eco.scope,
        "nodes_total": len(eco.ids),
        "edges_total": eco.graph.ecount(),
        "nodes": nodes,
        "communities": [c.as_dict() for c in eco.communities],
        "notes": list(eco.notes),
    }
    if leader is not None:
        out["reciprocity"] = eco.reciprocity(leader).as_dict()
    if eco.reason:
        out["reason"] = eco.reason
    return out
