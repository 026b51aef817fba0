"""Channels (C12) on a tiny workspace, scores worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tiny_workspace import at, post, tiny, veille

from veille.analytics.channels import channels
from veille.analytics.period import Period
from veille.model import Account, Follow

REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"
accounts = { bluesky = ["did:acme"] }

[[leaders]]
id = "ana"
name = "Ana Lopes"
organisation = "acme"
accounts = { bluesky = ["did:ana"] }

[[leaders]]
id = "solo"
name = "Solo"
"""


def records() -> list:
    a1 = "at://did:ana/app.bsky.feed.post/1"
    return [
        Account(network="bluesky", account_id="did:ana", handle="ana.example"),
        post("did:ana", 1, at(days=-5), mentions=["did:s3"], text="Merci @s3"),
        post("did:s1", 2, at(days=-4), reply_to=a1, text="Bien dit"),
        post("did:s1", 3, at(days=-3), text="Autre chose"),
        post("did:s1", 4, at(days=-2), text="Encore"),
        post("did:s3", 5, at(days=-1), text="Bonjour"),
        post("did:s2", 6, at(days=-60), text="Il y a longtemps"),  # inactive for 30 days
        Follow(network="bluesky", follower_id="did:s2", followee_id="did:ana",
               observed_at=at(days=-70)),
        post("m1@m.example", 7, at(days=-6), network="mastodon",
             text="Bravo Ana Lopes pour ce discours"),
        post("m1@m.example", 8, at(days=-2), network="mastodon", text="Et le reste"),
    ]  # fmt: skip


def test_scores_by_hand(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records(), enrich=True) as ctx:
        leader = ctx.config.leaders[0]
        view = channels(ctx, leader, Period(at(days=-90), at()))
        solo = channels(ctx, ctx.config.leaders[1], Period(at(days=-90), at()))
    by = {r["network"]: r for r in view["networks"]}
    assert view["stakeholders"] == 4  # s1, s2, s3 on Bluesky; m1 named Ana on Mastodon
    blue, masto = by["bluesky"], by["mastodon"]
    assert (blue["stakeholders"], blue["active_stakeholders"]) == (3, 2)
    assert blue["active_share"] == pytest.approx(2 / 4)
    assert blue["posts_per_active_per_day"] == pytest.approx(4 / 2 / 30)
    assert masto["active_share"] == pytest.approx(1 / 4)
    assert masto["posts_per_active_per_day"] == pytest.approx(2 / 30)
    assert blue["score_share"] == pytest.approx(2 / 3)
    assert masto["score_share"] == pytest.approx(1 / 3)
    assert (blue["leader_status"], blue["recommendation"]) == ("active", "keep")
    assert (masto["leader_status"], masto["recommendation"]) == ("absent", "open")
    assert "25%" in masto["reason"]
    assert solo["stakeholders"] == 0 and "not enough data" in solo["reason"]


def test_cli(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records(), enrich=True):
        pass
    out = veille("channels", "ana", "-w", str(tmp_path), "--until", "2026-10-01",
                 "--format", "json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["networks"][0]["network"] == "bluesky"
    assert veille("channels", "anna", "-w", str(tmp_path)).returncode == 2
    assert veille("channels", "solo", "-w", str(tmp_path), lang="fr").returncode == 0
