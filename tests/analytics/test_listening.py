"""Listening (C6) on a tiny workspace: every figure worked out by hand from labels the
test first checks, then the demo's planted bad buzz and troll campaign."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from tiny_workspace import at, post, tiny, veille

from veille.analytics.listening import Scope, listening, tld_country
from veille.analytics.period import Period
from veille.model import Account

REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"
kind = "own"
country = "FR"
competitors = ["rival"]
accounts = { bluesky = ["did:acme"] }

[[organisations]]
id = "rival"
name = "Rival Corp"
kind = "competitor"
country = "US"
competitors = ["acme"]
accounts = { bluesky = ["did:rival"] }

[[organisations]]
id = "alone"
name = "Solitaire"
kind = "other"

[[watches]]
id = "w1"
query = '"Acme"'
"""

POS_FR = "Excellent travail, bravo, j'adore Acme !"
NEG_FR = "Acme est nul, honteux, je déteste."
NEU_FR = "Acme : réunion publique à 14h."
POS_EN = "Great job Acme, I love it!"
NEG_EN = "Acme is terrible, awful service, I hate it."


def records() -> list:
    a0 = "at://did:acme/app.bsky.feed.post/0"
    acc = [
        Account(network="bluesky", account_id="did:acme", handle="acme.example",
                bio="Compte officiel d'Acme"),
        Account(network="bluesky", account_id="did:u1", handle="u1.example", bio="Cycliste"),
        Account(network="bluesky", account_id="did:u2", handle="u2.example",
                bio="Journaliste économie au Quotidien"),
        Account(network="bluesky", account_id="did:u3", handle="u3.example", bio="Cycliste"),
        Account(network="bluesky", account_id="did:t1", handle="t1.example", bio="Cycliste"),
        Account(network="mastodon", account_id="u4@piaille.fr", handle="u4@piaille.fr",
                bio="Cycliste", url="https://piaille.fr/@u4"),
    ]  # fmt: skip
    return [
        *acc,
        post("did:acme", 0, at(days=-10), text=NEU_FR),  # the organisation's own post
        post("did:u1", 1, at(days=-9), text=POS_FR),  # names Acme, no mention
        post("did:u2", 2, at(days=-9), text=NEG_FR, mentions=["did:acme"]),
        post("did:u3", 3, at(days=-8), text=NEU_FR, reply_to=a0),
        *[post("did:t1", 4 + i, at(days=-8, hours=i), text=NEG_EN, mentions=["did:acme"])
          for i in range(5)],  # one loud author
        post("u4@piaille.fr", 9, at(days=-7), network="mastodon", text=POS_EN),
        post("did:u1", 10, at(days=-7), text="Rival Corp publie ses résultats."),
        post("did:u1", 11, at(days=-7), repost_of=a0, text=""),  # a repost: not heard
        post("did:u3", 12, at(days=-40), text=NEG_FR),  # before the period
    ]  # fmt: skip


PERIOD = Period(at(days=-28), at())


def test_organisation_by_hand(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records(), enrich=True) as ctx:
        rows = ctx.engine.query(
            "SELECT p.text, e.label FROM enrichments e JOIN posts p ON p.uri = e.uri "
            "WHERE e.stage = 'sentiment'"
        ).to_pylist()
        labels = {r["text"]: r["label"] for r in rows}
        assert labels[POS_FR] == labels[POS_EN] == "positive"
        assert labels[NEG_FR] == labels[NEG_EN] == "negative"
        assert labels[NEU_FR] == "neutral"
        view = listening(ctx, Scope("organisation", "acme"), PERIOD)
    # heard: p1 (named), p2 (mention), p3 (reply), p4-p8 (t1), p9 (named, Mastodon)
    assert view["volume"] == {"posts": 9, "authors": 5}
    ns = view["net_sentiment"]
    assert ns["raw"] == pytest.approx((2 - 6) / 9, abs=1e-4)
    p_pos, p_neg = 2 / 9, 6 / 9
    half = 1.959964 * math.sqrt((p_pos + p_neg - (p_pos - p_neg) ** 2) / 9)
    assert ns["raw_ci"] == pytest.approx([-4 / 9 - half, -4 / 9 + half], abs=1e-3)
    # t1 counts 3 of its 5 negative posts: (2 - (1 + 3)) / (1 + 1 + 1 + 3 + 1)
    assert ns["representative"] == pytest.approx(-2 / 7, abs=1e-4)
    assert ns["effective_authors"] == pytest.approx(81 / 29, abs=0.01)
    assert ns["loud_minority"] is True and ns["loud_authors"] == 1
    lang = {r["language"]: r["posts"] for r in view["by_language"]}
    assert lang == {"fr": 3, "en": 6}
    country = {r["country"]: r["posts"] for r in view["by_country"]}
    assert country == {"unknown": 8, "FR": 1}  # u4 writes from piaille.fr
    assert {r["place"]: r["posts"] for r in view["local_global"]["groups"]} == {
        "unknown": 8, "local": 1}  # fmt: skip
    journalist = next(r for r in view["by_stakeholder"] if r["stakeholder"] == "journalist")
    assert (journalist["posts"], journalist["negative_share"]) == (1, 1.0)
    sov = {r["organisation"]: r for r in view["share_of_voice"]}
    assert (sov["acme"]["posts"], sov["rival"]["posts"]) == (9, 1)
    assert sov["acme"]["posts_share"] == pytest.approx(0.9)
    assert sov["acme"]["authors_share"] == pytest.approx(5 / 6)
    assert sum(r["posts_share"] for r in sov.values()) == pytest.approx(1.0)
    assert sum(r["authors_share"] for r in sov.values()) == pytest.approx(1.0)
    assert [s["posts"] for s in view["series"]] == [2, 6, 1]  # days -9, -8, -7


def test_watch_scope_and_edge_cases(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records(), enrich=True) as ctx:
        watch = listening(ctx, Scope("watch", "w1"), PERIOD)
        alone = listening(ctx, Scope("organisation", "alone"), PERIOD)
        empty = listening(ctx, Scope("watch", "w1"), Period(at(days=-100), at(days=-90)))
    # the watch hears every post with "Acme" in the period, the organisation's own too
    assert watch["volume"] == {"posts": 10, "authors": 6}
    assert watch["share_of_voice"] == []
    assert alone["volume"]["posts"] == 0 and alone["share_of_voice"] == []
    assert "no competitors" in alone["share_of_voice_reason"]
    assert empty["net_sentiment"]["raw"] is None and "reason" in empty["net_sentiment"]
    assert "not enough data" in empty["reason"]
    assert empty["by_stakeholder"] == [] and empty["series"] == []


def test_country_from_domains() -> None:
    assert tld_country("u4@piaille.fr") == "FR"
    assert tld_country(None, "https://mastodon.uk/@x") == "GB"
    assert tld_country("x@mastodon.social", "https://bsky.app/profile/x.io") is None
    assert tld_country("x@hachyderm.io") is None


def test_cli(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records(), enrich=True):
        pass
    out = veille("listening", "-w", str(tmp_path), "--organisation", "acme", "--since",
                 "2026-09-03", "--until", "2026-10-01", "--format", "json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    view = json.loads(out.stdout)
    assert set(view) >= {"volume", "net_sentiment", "by_stakeholder", "share_of_voice",
                         "by_language", "by_country"}  # fmt: skip
    assert set(view["net_sentiment"]) >= {"raw", "raw_ci", "representative",
                                          "effective_authors", "loud_minority"}  # fmt: skip
    assert set(view["share_of_voice"][0]) >= {"organisation", "posts_share", "authors_share"}
    table = veille("listening", "-w", str(tmp_path), "--watch", "w1", "--by", "day", lang="fr")
    assert table.returncode == 0, table.stderr
    assert veille("listening", "-w", str(tmp_path), "--watch", "w2").returncode == 2
    assert veille("listening", "-w", str(tmp_path)).returncode == 2
    assert veille("listening", "-w", str(tmp_path), "--leader", "x", "--watch", "w1"
                  ).returncode == 2  # fmt: skip


def test_demo_bad_buzz_and_troll_campaign(demo_workspace: Path) -> None:
    """The planted bad buzz raises the negative share among distinct customers of its
    organisation; the planted troll campaign is flagged as a loud minority."""
    from datetime import datetime, timedelta

    from veille.analytics.context import duckdb_context
    from veille.workspace import Workspace

    truth = json.loads((demo_workspace / "simulated" / "ground_truth.json").read_text())
    buzz = truth["bad_buzz"][0]
    troll = truth["troll_campaigns"][0]
    start = datetime.fromisoformat(buzz["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(buzz["end"].replace("Z", "+00:00"))
    with Workspace.open(demo_workspace, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        during = listening(ctx, Scope("organisation", buzz["organisation"]), Period(start, end))
        before = listening(
            ctx, Scope("organisation", buzz["organisation"]),
            Period(start - timedelta(days=14), start),
        )  # fmt: skip
        t_start = datetime.fromisoformat(troll["start"].replace("Z", "+00:00"))
        t_end = datetime.fromisoformat(troll["end"].replace("Z", "+00:00"))
        trolled = listening(ctx, Scope("leader", troll["target_leader"]), Period(t_start, t_end))

    def customers(view: dict) -> dict:
        return next(r for r in view["by_stakeholder"] if r["stakeholder"] == "customer")

    assert customers(during)["authors"] >= 20
    assert customers(during)["negative_share"] > (customers(before)["negative_share"] or 0) + 0.3
    ns = trolled["net_sentiment"]
    assert ns["loud_minority"] is True
    assert ns["representative"] > ns["raw"] + 0.2
