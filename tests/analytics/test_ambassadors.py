"""Ambassadors (C14) on a tiny workspace, figures worked out by hand, and on the demo's
planted employees."""

from __future__ import annotations

import json
from pathlib import Path

from tiny_workspace import at, post, tiny, veille

from veille.analytics.ambassadors import ambassadors
from veille.analytics.period import Period
from veille.model import Account, AccountSnapshot, Follow

REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"
kind = "own"
competitors = ["rival"]
accounts = { bluesky = ["did:acme"] }

[[organisations]]
id = "rival"
name = "Rival"
kind = "competitor"
competitors = ["acme"]
accounts = { bluesky = ["did:rival"] }

[[leaders]]
id = "ana"
name = "Ana"
organisation = "acme"
accounts = { bluesky = ["did:ana"] }
"""


def _account(did: str, bio: str) -> Account:
    return Account(network="bluesky", account_id=did, handle=did[4:] + ".example", bio=bio)


def _snapshot(did: str, followers: int, days: float) -> AccountSnapshot:
    return AccountSnapshot(
        network="bluesky", account_id=did, observed_at=at(days=days), followers=followers
    )


def records() -> list:
    a1 = "at://did:acme/app.bsky.feed.post/1"
    n1 = "at://did:ana/app.bsky.feed.post/2"
    q = "at://did:e1/app.bsky.feed.post/12"
    return [
        _account("did:acme", "Compte officiel d'Acme"),
        _account("did:ana", "PDG d'Acme"),
        _account("did:e1", "Ingénieure chez Acme"),
        _account("did:e2", "Développeur chez Acme"),
        _account("did:e3", "Sales at Rival"),
        _account("did:x", "J'aime le vélo"),
        _snapshot("did:e1", 100, -10),
        _snapshot("did:e1", 120, 5),  # after the period: not used
        _snapshot("did:e2", 50, -10),
        post("did:acme", 1, at(days=-3)),
        post("did:ana", 2, at(days=-3)),
        post("did:e1", 11, at(days=-2), repost_of=a1, text=""),
        post("did:e1", 12, at(days=-2), quote_of=n1, text="Bravo à l'équipe"),
        post("did:e1", 13, at(days=-2), mentions=["did:acme"], text="Fière de @acme"),
        post("did:e1", 14, at(days=-40), repost_of=a1, text=""),  # before the period
        post("did:e2", 21, at(days=-1), text="Un beau lundi"),
        post("did:e3", 31, at(days=-1), repost_of=a1, text=""),  # a rival's employee
        post("did:x", 41, at(days=-1), repost_of=a1, text=""),  # not an employee
        post("did:ana", 3, at(days=-1), reply_to=q, text="Merci !"),
        Follow(network="bluesky", follower_id="did:e2", followee_id="did:ana",
               observed_at=at(days=-5)),
    ]  # fmt: skip


def test_ambassadors_by_hand(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records(), enrich=True) as ctx:
        view = ambassadors(ctx, "acme", Period(at(days=-28), at()))
    assert view["employees"] == 3  # Ana (registry), e1 and e2 (bio "chez Acme")
    assert view["active"] == 3
    assert view["amplifiers"] == 1
    assert view["amplifications"] == {"reposts": 1, "quotes": 1, "mentions": 1}
    assert view["reach_added"] == 300  # 3 amplifications x 100 followers
    assert view["amplifications_reach_unknown"] == 0
    (e1,) = view["ambassadors"]
    assert (e1["account"], e1["followers"], e1["reach_added"]) == ("did:e1", 100, 300)
    # over e1 and e2 (not Ana herself): e1 quotes Ana, e2 follows her; Ana answers e1
    assert view["follow_or_engage_leader"] == {"value": 1.0, "count": 2, "of": 2}
    assert view["engaged_back_by_leader"] == {"value": 0.5, "count": 1, "of": 2}
    with tiny(tmp_path / "r", REGISTRY, records(), enrich=True) as ctx:
        rival = ambassadors(ctx, "rival", Period(at(days=-28), at()))
    assert [a["account"] for a in rival["ambassadors"]] == []
    assert rival["employees"] == 1  # e3, classed as the competitor's employee
    assert rival["follow_or_engage_leader"]["value"] == 0.0


def test_no_employee_is_not_enough_data(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, [], enrich=True) as ctx:
        view = ambassadors(ctx, "acme", Period(at(days=-28), at()))
    # only Ana, from the registry: no staff besides the leaders to take a share of
    assert view["employees"] == 1 and view["ambassadors"] == [] and view["active"] == 0
    assert view["follow_or_engage_leader"]["value"] is None
    assert "no employee" in view["follow_or_engage_leader"]["reason"]


def test_cli(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records(), enrich=True):
        pass
    out = veille("ambassadors", "acme", "-w", str(tmp_path), "--since", "2026-09-03",
                 "--until", "2026-10-01", "--format", "json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["reach_added"] == 300
    bad = veille("ambassadors", "acmee", "-w", str(tmp_path))
    assert bad.returncode == 2 and "acme" in bad.stderr
    table = veille("ambassadors", "acme", "-w", str(tmp_path), "--period", "28d")
    assert table.returncode == 0, table.stderr


def test_demo_employees_who_repost_their_employer(demo_workspace: Path) -> None:
    """Every simulated employee who reposts a post of their employer (or of one of its
    leaders) within the period is among its ambassadors."""
    from veille.analytics.context import duckdb_context
    from veille.workspace import Workspace

    truth = json.loads((demo_workspace / "simulated" / "ground_truth.json").read_text())
    employer = {}
    for person in truth["accounts"]:
        if person["stakeholder"] == "employee" and person["employer"]:
            if person.get("bluesky"):
                employer[("bluesky", person["bluesky"]["did"])] = person["employer"]
            if person.get("mastodon"):
                employer[("mastodon", person["mastodon"]["acct"])] = person["employer"]
    with Workspace.open(demo_workspace, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        period = ctx.period("90d")
        own = {o.id for o in ws.config.organisations if o.kind == "own"}
        checked = 0
        for org in sorted(own):
            view = ambassadors(ctx, org, period)
            found = {(a["network"], a["account"]) for a in view["ambassadors"]}
            reposters = {
                (r["network"], r["source"])
                for r in ctx.engine.query(
                    "SELECT DISTINCT e.network, e.source FROM (SELECT p.network, p.author_id "
                    "AS source, t.author_id AS target FROM posts p JOIN posts t "
                    "ON t.uri = p.repost_of WHERE p.deleted_at IS NULL) e "
                    "JOIN entity_accounts x ON x.network = e.network "
                    "AND x.account_id = e.target WHERE x.organisation = $org",
                    {"org": org},
                ).to_pylist()
            }
            planted = {k for k, v in employer.items() if v == org} & reposters
            assert planted <= found, (org, planted - found)
            checked += len(planted)
    assert checked > 0, "the demo should plant employees who repost their employer"
