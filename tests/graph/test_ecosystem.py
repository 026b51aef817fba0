"""The ecosystem graph on a tiny hand-built workspace: edge lists with follows, scopes,
communities and their labels, brokers, reciprocity, who to engage, exports, the dashboard
view and the commands, each checked against what was built by hand."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import permutations
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner, Result

from veille.analytics import ecosystem as data
from veille.analytics.context import AnalyticsContext, build_context
from veille.analytics.engine import DuckDBEngine
from veille.analytics.period import Period
from veille.cli.app import app
from veille.errors import VeilleError
from veille.graph.brokers import betweenness
from veille.graph.ecosystem import load, view
from veille.graph.engage import engage
from veille.graph.export import export
from veille.graph.layout import clear_cache, graph_view
from veille.model import Account, Follow, Post, Record, Tombstone
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"
kind = "own"
accounts = { bluesky = ["acme.example"] }

[[leaders]]
id = "alice"
name = "Alice Martin"
organisation = "acme"
accounts = { bluesky = ["alice.bsky.social", "alice2.bsky.social"], \
             mastodon = ["alice@social.example"] }

[[leaders]]
id = "ghost"
name = "Ghost"

[[leaders]]
id = "later"
name = "Later"
accounts = { bluesky = ["later.bsky.social"] }

[[watches]]
id = "energy"
name = "Energy"
query = "#energie"
"""

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def post(author: str, n: int, when: datetime, network: str = "bluesky", **kw: object) -> Post:
    uri = (
        f"at://{author}/app.bsky.feed.post/{n}"
        if network == "bluesky"
        else f"https://{network}.example/{author}/{n}"
    )
    return Post(uri=uri, network=network, post_id=str(n), author_id=author, created_at=when,
                collected_at=when, text=str(kw.pop("text", f"post {n}")), source="test",
                **kw)  # type: ignore[arg-type]  # fmt: skip


A, A2, M = "did:a", "did:a2", "m:alice"
CLUSTER_A = ["did:b", "did:c", "did:d"]
CLUSTER_B = ["did:e", "did:f", "did:g", "did:h"]
PERIOD = Period(T0 - timedelta(days=30), T0 + timedelta(days=30))


def _records() -> list[Record]:
    out: list[Record] = [
        Account(network="bluesky", account_id=A, handle="alice.bsky.social"),
        Account(network="bluesky", account_id=A2, handle="alice2.bsky.social"),
        Account(network="mastodon", account_id=M, handle="alice@social.example"),
        Account(network="bluesky", account_id="did:acme", handle="acme.example"),
        Account(
            network="bluesky",
            account_id="did:e",
            handle="eve.bsky.social",
            bio="Journaliste tech au Quotidien",
        ),
        Account(network="bluesky", account_id="did:t", handle="gone.bsky.social"),
    ]
    for x in CLUSTER_A[:2] + CLUSTER_B[1:]:
        out.append(Account(network="bluesky", account_id=x, handle=f"{x[4:]}.bsky.social"))
    n = 0

    def reply(src: str, dst: str, tag: str, words: str) -> None:
        nonlocal n
        n += 1
        parent = post(dst, 1000 + n, at(days=1), hashtags=[tag], text=f"{words} #{tag}")
        child = post(src, n, at(days=1, hours=1), reply_to=parent.uri, hashtags=[tag],
                     text=f"{words} #{tag}")  # fmt: skip
        out.extend([parent, child])

    # cluster A: alice <-> b, alice <-> c, b <-> c, b <-> d, c <-> d (never alice and d)
    for s, t in [(A, "did:b"), (A, "did:c"), ("did:b", "did:c"), ("did:b", "did:d"),
                 ("did:c", "did:d")]:  # fmt: skip
        reply(s, t, "cloud", "souveraineté numérique")
        reply(t, s, "cloud", "souveraineté numérique")
    # cluster B: every pair both ways
    for s, t in permutations(CLUSTER_B, 2):
        reply(s, t, "energie", "hydrogène vert")
    reply("did:d", "did:e", "cloud", "pont")  # the bridge d <-> e
    reply("did:e", "did:d", "energie", "pont")
    reply(A2, A, "cloud", "moi")  # alice's two accounts: a loop once merged
    reply("did:t", A, "cloud", "bye")  # forgotten account: no edge
    # on Mastodon, z mentions alice, who never answers
    out.append(post("m:z", 1, at(days=2), network="mastodon", mentions=[M], text="hello"))
    out.append(Follow(network="bluesky", follower_id="did:b", followee_id="did:e",
                      observed_at=at(days=1)))  # fmt: skip
    out.append(Follow(network="bluesky", follower_id="did:h", followee_id=A,
                      observed_at=at(days=1)))  # fmt: skip
    gone = "at://did:g/app.bsky.graph.follow/1"
    out.append(Follow(network="bluesky", follower_id="did:g", followee_id=A,
                      observed_at=at(days=1), uri=gone))  # fmt: skip
    out.append(Follow(network="bluesky", follower_id="did:c", followee_id="did:c",
                      observed_at=at(days=1)))  # fmt: skip
    out.append(
        Follow(network="bluesky", follower_id="did:f", followee_id="did:g", observed_at=at(days=60))
    )  # after the period
    out.append(Tombstone(key="at://did:g/app.bsky.graph.follow/1", kind="follow",
                         network="bluesky", deleted_at=at(days=2)))  # fmt: skip
    out.append(Tombstone(key="bluesky:did:t", kind="account", network="bluesky",
                         deleted_at=at(days=3), reason="forget"))  # fmt: skip
    return out


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("graph") / "ws"
    init_workspace(root, REGISTRY)
    with Workspace.open(root) as ws:
        ws.store.write(_records())
        from veille.flow.enrich import enrich_pending

        enrich_pending(ws)
    return root


@contextmanager
def context(root: Path) -> Iterator[AnalyticsContext]:
    with Workspace.open(root, read_only=True) as ws:
        yield build_context(DuckDBEngine(ws.store.con), ws.config, now=T0 + timedelta(days=10))


def test_follow_edges_by_hand(workspace: Path) -> None:
    with context(workspace) as ctx:
        rows = data.edge_list(ctx.engine, PERIOD, interactions=False, follows=True).to_pylist()
    # live follows only: deleted (g -> a), tombstoned, self-follow and later ones left out
    assert {(r["source"], r["target"], r["kind"], r["weight"]) for r in rows} == {
        ("did:b", "did:e", "follow", 0.5),
        ("did:h", A, "follow", 0.5),
    }


def test_whole_store_graph_communities_and_labels(workspace: Path) -> None:
    with context(workspace) as ctx:
        eco = load(ctx, PERIOD, follows=False)
    ids = set(eco.ids)
    assert "leader:alice" in ids and "bluesky:did:t" not in ids
    assert not any(i.endswith(A) or i.endswith(A2) or i.endswith(M) for i in ids)
    assert any("1 self-interactions" in n for n in eco.notes)
    community = dict(zip(eco.ids, eco.membership, strict=True))
    side_a = {community[x] for x in ["leader:alice", *[f"bluesky:{x}" for x in CLUSTER_A]]}
    side_b = {community[f"bluesky:{x}"] for x in CLUSTER_B}
    assert len(side_a) == 1 and len(side_b) == 1 and side_a != side_b
    labels = {c.id: c for c in eco.communities}
    assert labels[side_a.pop()].hashtags[0] == "cloud"
    b = labels[side_b.pop()]
    assert b.hashtags[0] == "energie"
    assert "hydrogène" in b.terms
    assert b.stakeholders.get("journalist") == 1  # eve's bio
    value = view(eco, top=3)
    assert len(value["nodes"]) == 3 and value["nodes_total"] == len(eco.ids)
    assert set(value["nodes"][0]) >= {"id", "handle", "pagerank", "community", "stakeholder"}
    assert set(value["communities"][0]) >= {"id", "label", "size", "stakeholders"}


def test_ego_networks_by_depth(workspace: Path) -> None:
    with context(workspace) as ctx:
        one = load(ctx, PERIOD, leader="alice", depth=1, follows=False)
        two = load(ctx, PERIOD, leader="alice", depth=2, follows=False)
        followed = load(ctx, PERIOD, leader="alice", depth=1, follows=True)
    assert sorted(one.ids) == ["bluesky:did:b", "bluesky:did:c", "leader:alice", "mastodon:m:z"]
    assert sorted(two.ids) == sorted([*one.ids, "bluesky:did:d"])
    assert "bluesky:did:h" in followed.ids  # h follows alice
    # b and c replied to alice and were answered; z mentioned her and was not
    rec = one.reciprocity("alice").as_dict()
    assert rec == {"addressed": 3, "answered": 2, "value": pytest.approx(2 / 3, abs=1e-6)}


def test_watch_scope(workspace: Path) -> None:
    with context(workspace) as ctx:
        eco = load(ctx, PERIOD, watch="energy", follows=False)
        none = load(ctx, PERIOD, watch="nothing", follows=False)
    # the authors of #energie posts (cluster B, and d who wrote once with it) and neighbours
    assert {f"bluesky:{x}" for x in CLUSTER_B} <= set(eco.ids)
    assert eco.scope == {"kind": "watch", "watch": "energy", "depth": 1}
    assert none.reason and "nothing" in none.reason and none.ids == []


def test_brokers_exact_and_sampled(workspace: Path) -> None:
    with context(workspace) as ctx:
        eco = load(ctx, PERIOD, follows=False)
    exact = betweenness(eco.graph)
    top2 = sorted(range(len(eco.ids)), key=lambda i: -exact.values[i])[:2]
    assert {eco.ids[i] for i in top2} == {"bluesky:did:d", "bluesky:did:e"}
    assert exact.method == "exact" and exact.note is None
    sampled = betweenness(eco.graph, exact_limit=3, sources=4)
    assert sampled.method == "sampled" and sampled.sources == 4
    assert sampled.note and "sampled" in sampled.note


def test_engage_by_hand(workspace: Path) -> None:
    with context(workspace) as ctx:
        eco = load(ctx, PERIOD, follows=False)
    value = engage(eco, "alice")
    got = {c["id"]: c for c in value["candidates"]}
    # b, c (answered) and z (interacted) are out, and so is alice's own organisation
    assert not {"bluesky:did:b", "bluesky:did:c", "mastodon:m:z", "organisation:acme"} & set(got)
    assert got["bluesky:did:d"]["kind"] in ("central", "bridge")
    assert "no interaction with you" in got["bluesky:did:d"]["reason"]
    assert value["candidates"][0]["rank"] == 1
    assert engage(eco, "ghost")["candidates"] == []


def test_exports_open_in_networkx(workspace: Path, tmp_path: Path) -> None:
    with context(workspace) as ctx:
        eco = load(ctx, PERIOD)
    gexf = export(eco, "gexf", tmp_path / "g.gexf")[0]
    g = nx.read_gexf(gexf)
    assert g.number_of_nodes() == len(eco.ids) and g.is_directed()
    alice = g.nodes["leader:alice"]
    assert alice["leader"] is True and alice["label"] == "Alice Martin"
    assert isinstance(alice["community"], int) and alice["pagerank"] > 0
    gml = nx.read_graphml(export(eco, "graphml", tmp_path / "g.graphml")[0])
    assert gml.number_of_nodes() == len(eco.ids)
    nodes, edges = export(eco, "csv", tmp_path / "g.csv")
    assert nodes.read_text().splitlines()[0] == "Id,Label,community,stakeholder,pagerank,leader"
    assert len(edges.read_text().splitlines()) == eco.graph.ecount() + 1


def test_dashboard_view_cached_and_capped(workspace: Path) -> None:
    clear_cache()
    with context(workspace) as ctx:
        first = graph_view(ctx, PERIOD, top=4, leader="alice")
        again = graph_view(ctx, PERIOD, top=4, leader="alice")
    assert again is first  # same store state and parameters: computed once
    assert first["shown"] == len(first["nodes"]) == 4
    assert any(n["id"] == "leader:alice" for n in first["nodes"])
    assert all(0 <= n["x"] <= 1 and 0 <= n["y"] <= 1 for n in first["nodes"])
    shown = {n["id"] for n in first["nodes"]}
    assert all(e["source"] in shown and e["target"] in shown for e in first["edges"])
    json.dumps(first)


runner = CliRunner()


def failed(result: Result, code: int) -> str:
    """The error a command raised (``veille.cli.app:main`` prints it and exits ``code``)."""
    exc = result.exception
    assert isinstance(exc, VeilleError), result.output
    assert exc.exit_code == code
    return f"{exc.message} {exc.hint or ''}"


def test_graph_command_json_interface(workspace: Path) -> None:
    result = runner.invoke(
        app, ["graph", "--workspace", str(workspace), "--leader", "alice", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    assert value["leader"] == "alice"
    assert {"id", "handle", "pagerank", "community", "stakeholder"} <= set(value["nodes"][0])
    assert {"id", "label", "size", "stakeholders"} <= set(value["communities"][0])
    table = runner.invoke(app, ["graph", "-w", str(workspace), "--leader", "alice", "--depth", "2"])
    assert table.exit_code == 0 and "Alice Martin" in table.stdout


def test_graph_export_and_engage_commands(workspace: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.gexf"
    result = runner.invoke(
        app, ["graph", "export", "--workspace", str(workspace), "--format", "gexf", "--out",
              str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert nx.read_gexf(out).number_of_nodes() > 5
    eng = runner.invoke(app, ["engage", "alice", "-w", str(workspace), "--format", "json"])
    assert eng.exit_code == 0, eng.output
    assert json.loads(eng.stdout)["candidates"]


def test_graph_eval_on_a_planted_gml(tmp_path: Path) -> None:
    # two 5-cliques joined by one edge: Leiden recovers the two labels exactly
    g = nx.Graph()
    for base in (0, 5):
        g.add_edges_from((base + i, base + j) for i in range(5) for j in range(i + 1, 5))
    g.add_edge(4, 5)
    g.add_node(99)  # an isolated node: not in the largest component
    nx.set_node_attributes(g, {n: int(n >= 5) for n in g}, "value")
    path = tmp_path / "two.gml"
    nx.write_gml(g, path, stringizer=str)
    result = runner.invoke(app, ["graph", "eval", "--gml", str(path), "--label", "value"])
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout.strip().splitlines()[-1])
    assert value["nmi"] == 1.0 and value["ari"] == 1.0 and value["communities"] == 2
    assert value["nodes"] == 10 and value["seconds"] >= 0
    bad = runner.invoke(app, ["graph", "eval", "--gml", str(path), "--label", "side"])
    assert "value" in failed(bad, 2)
    missing = runner.invoke(app, ["graph", "eval", "--gml", str(tmp_path / "no.gml")])
    assert "no such file" in failed(missing, 2)
    garbage = tmp_path / "bad.gml"
    garbage.write_text("graph [ node [ id 1 ] edge [ source 1 ")
    assert "GML" in failed(runner.invoke(app, ["graph", "eval", "--gml", str(garbage)]), 2)


def test_bad_input_messages(workspace: Path, tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["graph", "-w", str(workspace), "--leader", "alise"])
    assert "Did you mean alice" in failed(unknown, 2)
    ghost = runner.invoke(app, ["graph", "-w", str(workspace), "--leader", "ghost"])
    assert "no account" in failed(ghost, 1)
    later = runner.invoke(app, ["engage", "later", "-w", str(workspace)])
    assert "later.bsky.social" in failed(later, 1)
    quiet = runner.invoke(
        app, ["graph", "-w", str(workspace), "--since", "2020-01-01", "--until", "2020-02-01",
              "--format", "json"],
    )  # fmt: skip
    assert quiet.exit_code == 0, quiet.output
    value = json.loads(quiet.stdout)
    assert value["nodes"] == [] and "no interactions" in value["reason"]
    empty = tmp_path / "empty"
    init_workspace(empty, REGISTRY)
    result = runner.invoke(app, ["graph", "-w", str(empty), "--format", "json"])
    assert result.exit_code == 0 and "no interactions" in json.loads(result.stdout)["reason"]
    gexf = runner.invoke(app, ["graph", "export", "-w", str(empty), "--out",
                               str(tmp_path / "e.gexf")])  # fmt: skip
    assert gexf.exit_code == 0 and nx.read_gexf(tmp_path / "e.gexf").number_of_nodes() == 0
    fmt = runner.invoke(app, ["graph", "export", "-w", str(empty), "--format", "dot", "--out",
                              str(tmp_path / "e.dot")])  # fmt: skip
    failed(fmt, 2)


def test_errors_through_the_real_entry_point(workspace: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "veille", "graph", "-w", str(workspace), "--leader", "alise"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2
    assert "unknown leader 'alise'" in done.stderr and "alice" in done.stderr
