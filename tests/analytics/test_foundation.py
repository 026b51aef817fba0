"""The analytics foundation: engine, registry, periods, entities and the edge list, each
checked against figures computed by hand on a tiny store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from veille.analytics.context import build_context
from veille.analytics.edges import weight_params
from veille.analytics.engine import DuckDBEngine
from veille.analytics.period import Period, default_anchor, parse_length, resolve_period
from veille.analytics.registry import metric, metrics, run_metric
from veille.errors import UsageError
from veille.model import Account, Post, Tombstone
from veille.store import Store
from veille.workspace.config import parse_config

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)

REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"
kind = "own"
accounts = { bluesky = ["acme.example"] }

[[leaders]]
id = "alice"
name = "Alice"
organisation = "acme"
accounts = { bluesky = ["@Alice.bsky.social"], mastodon = ["alice@social.example"] }

[[leaders]]
id = "nobody"
name = "No Body"
"""


def _post(uri: str, author: str, minutes: int, **kw: object) -> Post:
    return Post(
        uri=uri,
        network="bluesky",
        post_id=uri.rsplit("/", 1)[-1],
        author_id=author,
        created_at=T0 + timedelta(minutes=minutes),
        collected_at=T0,
        text=str(kw.pop("text", "x")),
        source="test",
        **kw,  # type: ignore[arg-type]
    )


def _uri(author: str, n: int) -> str:
    return f"at://{author}/app.bsky.feed.post/{n}"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "s.duckdb")
    a, b, c, d, g = "did:a", "did:b", "did:c", "did:d", "did:g"
    s.write(
        [
            Account(network="bluesky", account_id=a, handle="alice.bsky.social"),
            Account(network="bluesky", account_id="did:acme", handle="acme.example"),
            Account(network="bluesky", account_id=b, handle="b.bsky.social"),
            _post(_uri(a, 1), a, 0),
            _post(_uri(b, 1), b, 5, reply_to=_uri(a, 1), mentions=[a, a]),
            _post(_uri(c, 1), c, 6, quote_of=_uri(a, 1)),
            _post(_uri(d, 1), d, 7, repost_of=_uri(a, 1), text=""),
            _post(_uri(a, 2), a, 8, reply_to=_uri(b, 1)),
            _post(_uri(a, 3), a, 9, reply_to=_uri(a, 1)),  # self-reply: no edge
            _post(_uri(c, 2), c, 10, reply_to=_uri("did:z", 9)),  # parent not stored
            _post(_uri(b, 2), b, 11, reply_to=_uri(a, 2)),
            _post(_uri(g, 1), g, 12, reply_to=_uri(a, 1)),  # forgotten account
            _post(_uri(b, 3), b, 60 * 24 * 40, reply_to=_uri(a, 1)),  # outside the period
        ]
    )
    s.write(
        [
            Tombstone(
                key="bluesky:did:g",
                kind="account",
                network="bluesky",
                deleted_at=T0,
                reason="forget",
            )
        ]
    )
    return s


def _edges(store: Store) -> dict[tuple[str, str, str], tuple[int, float]]:
    engine = DuckDBEngine(store.con)
    table = run_metric(engine, "interaction_edges", since=T0, until=T0 + timedelta(days=1))
    return {(r["source"], r["target"], r["kind"]): (r["n"], r["weight"]) for r in table.to_pylist()}


def test_edges_by_hand(store: Store) -> None:
    assert _edges(store) == {
        ("did:b", "did:a", "reply"): (2, 2.0),
        ("did:b", "did:a", "mention"): (1, 0.5),  # a mention repeated in one post: once
        ("did:c", "did:a", "quote"): (1, 1.0),
        ("did:d", "did:a", "repost"): (1, 1.0),
        ("did:a", "did:b", "reply"): (1, 1.0),
        ("did:c", "did:z", "reply"): (1, 1.0),  # parent not stored: author from the AT-URI
    }


def test_edge_weights_are_parameters(store: Store) -> None:
    engine = DuckDBEngine(store.con)
    params = weight_params({"mention": 2.0, "reply": 0.0})
    rows = run_metric(
        engine, "interaction_edges", since=T0, until=T0 + timedelta(days=1), **params
    ).to_pylist()
    got = {(r["source"], r["kind"]): r["weight"] for r in rows if r["target"] == "did:a"}
    assert got[("did:b", "mention")] == 2.0
    assert got[("did:b", "reply")] == 0.0


def test_entities_resolve_handles_ids_and_unknown_accounts(store: Store) -> None:
    config = parse_config(REGISTRY, Path("veille.toml"))
    ctx = build_context(DuckDBEngine(store.con), config, now=T0 + timedelta(days=90))
    rows = ctx.engine.query(
        "SELECT kind, entity_id, network, account_id, known FROM entity_accounts ORDER BY ALL"
    ).to_pylist()
    assert [tuple(r.values()) for r in rows] == [
        ("leader", "alice", "bluesky", "did:a", True),
        ("leader", "alice", "mastodon", "alice@social.example", False),
        ("organisation", "acme", "bluesky", "did:acme", True),
    ]
    # the newest post is 40 days old: periods end at the midnight after it
    assert ctx.anchor == datetime(2026, 11, 11, tzinfo=UTC)


def test_registry_lists_builtins_and_suggests() -> None:
    assert "interaction_edges" in metrics()
    with pytest.raises(UsageError) as info:
        metric("interaction_edge")
    assert "interaction_edges" in (info.value.hint or "")


def test_periods() -> None:
    anchor = datetime(2026, 10, 29, tzinfo=UTC)
    p = resolve_period("28d", anchor=anchor)
    assert p == Period(datetime(2026, 10, 1, tzinfo=UTC), anchor)
    assert p.previous() == Period(
        datetime(2026, 9, 3, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    )
    assert resolve_period(since="2026-10-01", until="2026-10-02", anchor=anchor).length == (
        timedelta(days=1)
    )
    assert parse_length("12w") == timedelta(weeks=12)
    for bad in ("0d", "28", "d", "1y", ""):
        with pytest.raises(UsageError):
            parse_length(bad)
    with pytest.raises(UsageError):
        resolve_period(since="2026-10-02", until="2026-10-01", anchor=anchor)
    with pytest.raises(UsageError):
        resolve_period(since="yesterday", anchor=anchor)
    now = datetime(2026, 10, 29, 12, tzinfo=UTC)
    assert default_anchor(None, now) == now
    assert default_anchor(now - timedelta(hours=2), now) == now


def test_cohort_selection_and_suggestions() -> None:
    from veille.analytics.cohort import leader, organisation, select_leaders

    config = parse_config(
        REGISTRY.replace(
            'name = "Alice"', 'name = "Alice"\ncohorts = ["ceo"]\nsector = "tech"'
        ).replace('name = "No Body"', 'name = "No Body"\ncountry = "FR"'),
        Path("veille.toml"),
    )
    assert [x.id for x in select_leaders(config)] == ["alice", "nobody"]
    assert [x.id for x in select_leaders(config, cohort="ceo")] == ["alice"]
    assert [x.id for x in select_leaders(config, country="fr")] == ["nobody"]
    assert select_leaders(config, cohort="ceo", country="FR") == []
    with pytest.raises(UsageError) as info:
        select_leaders(config, cohort="ceos")
    assert "ceo" in (info.value.hint or "")
    with pytest.raises(UsageError) as info:
        leader(config, "alicia")
    assert "alice" in (info.value.hint or "")
    with pytest.raises(UsageError) as info:
        leader(config, "No Bod")
    assert "nobody" in (info.value.hint or "")
    assert organisation(config, "acme").name == "Acme"


def test_entity_watches_name_every_entity() -> None:
    from veille.query import parse
    from veille.workspace.accounts import entity_watch_queries

    config = parse_config(
        REGISTRY.replace('name = "Acme"', 'name = "Acme"\naliases = ["Acme SA", "Acme"]').replace(
            'name = "No Body"', 'name = "Dr \\"No\\" Body"'
        ),
        Path("veille.toml"),
    )
    queries = entity_watch_queries(config)
    assert queries == {
        "organisation:acme": '"Acme" OR "Acme SA"',
        "leader:alice": '"Alice"',
    }  # a name holding a double quote cannot be a phrase: left out
    for query in queries.values():
        parse(query)
