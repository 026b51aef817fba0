"""Weighted PageRank with registry merging, against figures solved by hand and networkx."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import pyarrow as pa
import pytest

from veille.analytics.context import build_context
from veille.analytics.engine import DuckDBEngine
from veille.analytics.entities import register_entities
from veille.analytics.registry import run_metric
from veille.graph import build_graph, pagerank, pagerank_table
from veille.model import Account, Post
from veille.store import Store
from veille.workspace.config import parse_config


def _edges(rows: list[tuple[str, str, str, float]]) -> pa.Table:
    return pa.table(
        {
            "network": [r[0] for r in rows],
            "source": [r[1] for r in rows],
            "target": [r[2] for r in rows],
            "kind": ["reply"] * len(rows),
            "weight": [r[3] for r in rows],
        }
    )


ENTITIES = pa.table(
    {
        "kind": ["leader", "leader", "leader", "organisation"],
        "entity_id": ["alice", "alice", "alice", "acme"],
        "network": ["bluesky", "mastodon", "bluesky", "bluesky"],
        "account_id": ["did:a", "alice@s", "did:a2", "did:acme"],
    }
)


def test_pagerank_by_hand_with_merged_accounts() -> None:
    # alice (did:a, did:a2 on Bluesky, alice@s on Mastodon) is one node A; b and c others.
    # A -> b weighs 2 + 1 = 3, A -> c 1, b -> A 1, c -> A 0.5; did:a -> did:a2 is a loop.
    edges = _edges(
        [
            ("bluesky", "did:a", "did:b", 2.0),
            ("bluesky", "did:a", "did:b", 1.0),
            ("mastodon", "alice@s", "carol@s", 1.0),
            ("bluesky", "did:b", "did:a2", 1.0),
            ("mastodon", "carol@s", "alice@s", 0.5),
            ("bluesky", "did:a", "did:a2", 4.0),
        ]
    )
    built = build_graph(edges, ENTITIES)
    assert sorted(built.ids) == ["bluesky:did:b", "leader:alice", "mastodon:carol@s"]
    assert built.self_loops == 1
    assert built.graph.ecount() == 4
    # vertices in id order, edges sorted by (source, target), parallel edges summed
    assert built.ids == ["bluesky:did:b", "leader:alice", "mastodon:carol@s"]
    named = [(built.ids[e.source], built.ids[e.target], e["weight"]) for e in built.graph.es]
    assert named == [
        ("bluesky:did:b", "leader:alice", 1.0),
        ("leader:alice", "bluesky:did:b", 3.0),
        ("leader:alice", "mastodon:carol@s", 1.0),
        ("mastodon:carol@s", "leader:alice", 0.5),
    ]
    # N = 3, d = 0.85, no dangling node: A receives all of b and c, so
    # PR_A = 0.05 + 0.85 (1 - PR_A) = 18/37; PR_b = 0.05 + 0.85 * 3/4 * PR_A = 13.325/37;
    # PR_c = 0.05 + 0.85 * 1/4 * PR_A = 5.675/37.
    scores = pagerank(edges, ENTITIES)
    assert scores["leader:alice"] == pytest.approx(18 / 37, abs=1e-9)
    assert scores["bluesky:did:b"] == pytest.approx(13.325 / 37, abs=1e-9)
    assert scores["mastodon:carol@s"] == pytest.approx(5.675 / 37, abs=1e-9)
    table = pagerank_table(edges, ENTITIES)
    assert table.column("node").to_pylist() == [
        "leader:alice",
        "bluesky:did:b",
        "mastodon:carol@s",
    ]


def test_pagerank_without_registry_keeps_accounts_apart() -> None:
    edges = _edges([("bluesky", "did:a", "did:b", 1.0), ("mastodon", "did:a", "did:b", 1.0)])
    assert sorted(pagerank(edges)) == [
        "bluesky:did:a",
        "bluesky:did:b",
        "mastodon:did:a",
        "mastodon:did:b",
    ]


def test_pagerank_matches_networkx_with_dangling_nodes() -> None:
    rng = random.Random(7)
    rows = []
    for _ in range(300):
        s, t = rng.randrange(60), rng.randrange(80)  # ids 60..79 never act: dangling
        if s != t:
            rows.append(("bluesky", f"u{s}", f"u{t}", rng.choice([0.5, 1.0, 2.0])))
    ours = pagerank(_edges(rows))
    g = nx.DiGraph()
    for _, s, t, w in rows:
        key = (f"bluesky:{s}", f"bluesky:{t}")
        if g.has_edge(*key):
            g.edges[key]["weight"] += w
        else:
            g.add_edge(*key, weight=w)
    theirs = nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-12, max_iter=1000)
    assert set(ours) == set(theirs)
    for node, value in theirs.items():
        assert ours[node] == pytest.approx(value, abs=1e-8)
    assert sum(ours.values()) == pytest.approx(1.0)


def test_empty_and_zero_weight_graphs() -> None:
    assert pagerank(_edges([])) == {}
    assert pagerank(_edges([("bluesky", "a", "b", 0.0)])) == {}
    only_loops = _edges([("bluesky", "did:a", "did:a2", 1.0)])
    built = build_graph(only_loops, ENTITIES)
    assert built.empty and built.self_loops == 1
    assert pagerank(only_loops, ENTITIES) == {}


def test_pagerank_on_the_store_edge_list(tmp_path: Path) -> None:
    t0 = datetime(2026, 10, 1, 9, tzinfo=UTC)
    store = Store(tmp_path / "s.duckdb")

    def post(author: str, n: int, **kw: object) -> Post:
        uri = f"at://{author}/app.bsky.feed.post/{n}"
        return Post(uri=uri, network="bluesky", post_id=str(n), author_id=author,
                    created_at=t0 + timedelta(minutes=n), collected_at=t0, text="x",
                    source="test", **kw)  # type: ignore[arg-type]  # fmt: skip

    a1 = "at://did:a/app.bsky.feed.post/1"
    store.write(
        [
            Account(network="bluesky", account_id="did:a", handle="alice.bsky.social"),
            Account(network="bluesky", account_id="did:a2", handle="alice2.bsky.social"),
            post("did:a", 1),
            post("did:b", 2, reply_to=a1),
            post("did:c", 3, quote_of=a1),
            post("did:a2", 4, reply_to=a1),  # alice answering herself: a loop once merged
            post("did:a", 5, mentions=["did:b"]),
        ]
    )
    config = parse_config(
        '[[leaders]]\nid = "alice"\nname = "Alice"\n'
        'accounts = { bluesky = ["alice.bsky.social", "alice2.bsky.social"] }\n',
        Path("veille.toml"),
    )
    ctx = build_context(DuckDBEngine(store.con), config, now=t0 + timedelta(days=1))
    entities = register_entities(ctx.engine, ctx.config)
    edges = run_metric(ctx.engine, "interaction_edges", since=t0, until=t0 + timedelta(days=1))
    built = build_graph(edges, entities)
    assert built.self_loops == 1
    scores = pagerank(edges, entities)
    # b -> A 1, c -> A 1, A -> b 0.5; c never receives: PR_c = 0.05,
    # PR_A = 0.05 + 0.85 (PR_b + PR_c), PR_b = 0.05 + 0.85 PR_A -> PR_A = 18/37.
    assert scores["leader:alice"] == pytest.approx(18 / 37, abs=1e-9)
    assert scores["bluesky:did:c"] == pytest.approx(0.05, abs=1e-9)


def test_leiden_iterations_by_graph_size() -> None:
    from veille.graph.communities import iterations

    assert [iterations(n) for n in (10, 100_000, 100_001, 500_000, 500_001)] == [
        -1, -1, 2, 2, 1
    ]  # fmt: skip
