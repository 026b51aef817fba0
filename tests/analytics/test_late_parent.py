"""A parent stored after its children counts (``post_links``, ``store/links.py``): on the
tiny registry of ``leader_store.py``, zoe replies on Mastodon to a post of alice that
arrives in a later batch, alice answers zoe an hour later and continues her own thread.
Computed by hand before and after the parent arrives."""

from __future__ import annotations

from pathlib import Path

from leader_store import SINCE, UNTIL, config, post

from veille.analytics.context import build_context
from veille.analytics.engine import DuckDBEngine
from veille.analytics.period import Period
from veille.analytics.registry import run_metric
from veille.model import Account
from veille.store import Store

PARAMS = Period(SINCE, UNTIL).params()
ALICE, ZOE = "alice@m.example", "zoe@m.example"


def status(who: str, n: int) -> str:
    return f"https://m.example/users/{who.split('@')[0]}/statuses/{n}"


Figures = tuple[dict[str, object], dict[str, object] | None, set[tuple[str, str]]]


def figures(store: Store) -> Figures:
    ctx = build_context(DuckDBEngine(store.con), config())
    activity = {
        r["network"]: r
        for r in run_metric(ctx.engine, "leader_activity", **PARAMS).to_pylist()
        if r["entity_id"] == "alice"
    }["all"]
    talk = {
        r["network"]: r
        for r in run_metric(ctx.engine, "leader_conversation", **PARAMS).to_pylist()
        if r["entity_id"] == "alice"
    }.get("all")
    edges = {
        (r["source"], r["target"])
        for r in run_metric(ctx.engine, "interaction_edges", **PARAMS).to_pylist()
        if r["kind"] == "reply"
    }
    return activity, talk, edges


def test_a_parent_stored_after_its_children_counts(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    parent = status(ALICE, 2)
    store.write(
        [
            Account(network="mastodon", account_id=ALICE, handle=ALICE),
            Account(network="mastodon", account_id=ZOE, handle=ZOE),
            post(status(ZOE, 1), ZOE, 10, "mastodon", reply_to=parent),
            post(status(ALICE, 4), ALICE, 11, "mastodon", reply_to=status(ZOE, 1)),
            post(status(ALICE, 3), ALICE, 12, "mastodon", reply_to=parent),
        ]
    )
    activity, talk, edges = figures(store)
    # the parent unknown: both of alice's posts are replies, nobody addressed her
    assert (activity["originals"], activity["replies"], activity["threads"]) == (0, 2, 0)
    assert talk is None
    assert edges == {(ALICE, ZOE)}
    store.write([post(parent, ALICE, 1, "mastodon")])
    activity, talk, edges = figures(store)
    # now: the parent is an original, a3 continues her thread, a4 answers zoe's reply
    assert (activity["originals"], activity["replies"], activity["threads"]) == (1, 1, 1)
    assert talk is not None
    assert (talk["mentioners"], talk["answered"], talk["median_response_minutes"]) == (1, 1, 60.0)
    assert edges == {(ALICE, ZOE), (ZOE, ALICE)}
    store.close()
