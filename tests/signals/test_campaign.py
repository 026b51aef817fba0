"""Campaigns on a tiny workspace (figures worked out by hand), the rule that keeps them
apart from bad buzz, and the demo's planted troll campaign."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wave_workspace import at, background, post, wave_workspace

from veille.model import Account
from veille.signals.buzz import detect_bad_buzz
from veille.signals.campaign import detect_campaigns
from veille.signals.model import signal_id
from veille.signals.wave import WaveConfig, carried_by_few, concentration, near_duplicates

CFG = WaveConfig()
TROLL = "Léa Martin doit démissionner, honte à elle ! #DémissionMartin"


def _trolls(late: bool = False) -> tuple[list, list]:
    """6 accounts created 2 days before, 4 negative posts each about the leader between
    10:00 and 10:12 on day 8 (every 30 s), and one other negative author at 10:05; with
    ``late``, one more post each at 10:20-10:25."""
    posts = background()
    posts += [(post(f"did:t{i % 6}", 100 + i, at(days=8, hours=10, seconds=30 * i), "did:lea",
                    TROLL), "negative") for i in range(24)]  # fmt: skip
    posts.append((post("did:o1", 200, at(days=8, hours=10, minutes=5), "did:lea",
                        "Je suis déçu par Léa Martin."), "negative"))  # fmt: skip
    if late:
        posts += [(post(f"did:t{i}", 300 + i, at(days=8, hours=10, minutes=20 + i), "did:lea",
                        TROLL), "negative") for i in range(6)]  # fmt: skip
    accounts = [Account(network="bluesky", account_id=f"did:t{i}", handle=f"t{i}.example",
                        created_at=at(days=6)) for i in range(6)]  # fmt: skip
    return posts, accounts


def _poisson_tail(count: int, lam: float) -> float:
    logs = [-lam + i * math.log(lam) - math.lgamma(i + 1) for i in range(count, count + 80)]
    top = max(logs)
    return -(top + math.log(sum(math.exp(x - top) for x in logs))) / math.log(10)


def test_a_campaign_by_hand_and_not_a_bad_buzz(tmp_path: Path) -> None:
    posts, accounts = _trolls()
    end = at(days=8, hours=11)
    with wave_workspace(tmp_path / "ws", posts, accounts) as ws:
        found = detect_campaigns(ws, at(days=8), end, now=end)
        # 7 negative authors in the hour would pass the bad-buzz window test, but the wave
        # is carried by 6 accounts with 4 negative posts each: never a bad buzz
        assert detect_bad_buzz(ws, at(days=8), end, now=end) == []
    assert len(found) == 1
    sig = found[0]
    assert sig.id == signal_id("campaign", "leader:lea", CFG.bucket_of(at(days=8, hours=10)))
    assert sig.kind == "campaign" and sig.term == "leader:lea" and sig.leaders == ("lea",)
    assert sig.first_seen == at(days=8, hours=10)
    assert sig.detected_at == at(days=8, hours=10, minutes=15)
    assert sig.updated_at == end  # still in the window until the bucket 10:45-11:00
    assert (sig.authors, sig.posts) == (7, 25)
    # baseline of the leader: 7 neutral posts in the 7 days before 9:15 on day 8, all at
    # hour 12 (profile 4 at noon, 0.25 else); no negative post: the negative rate is the
    # floor (0.01 posts per bucket) times the smoothed share 4/27. The 24 h context
    # (10:15 on day 7 to 10:15 on day 8) has 4 buckets of each hour.
    share0 = 4 / 27
    expected = 0.01 * share0 * 4 * (23 * 0.25 + 4.0)
    assert math.isclose(sig.score, _poisson_tail(25, expected), rel_tol=1e-6)
    d = sig.detail
    assert [a["account"] for a in d["accounts"]] == [f"bluesky:did:t{i}" for i in range(6)]
    assert [a["negative_posts"] for a in d["accounts"]] == [4] * 6
    assert d["accounts"][0]["handle"] == "t0.example"
    assert d["negative_posts"] == 25 and d["negative_by_others"] == 1
    assert d["accounts_share_of_negative"] == round(24 / 25, 4)
    # 6 authors with 4 posts and one with 1: 1 / (6 * (4/25)^2 + (1/25)^2)
    assert d["effective_authors"] == round(1 / (6 * (4 / 25) ** 2 + (1 / 25) ** 2), 2)
    assert d["near_duplicate_share"] == 1.0 and d["near_duplicate_group"] == 24
    assert (d["new_accounts"], d["accounts_of_known_age"]) == (6, 6)
    assert len(d["uris"]) == 24 and len(sig.reasons) == 5
    json.dumps(sig.as_json())


def test_passes_keep_the_campaign_id_and_grow(tmp_path: Path) -> None:
    posts, accounts = _trolls(late=True)
    with wave_workspace(tmp_path / "ws", posts, accounts) as ws:
        one = detect_campaigns(ws, at(days=8), at(days=8, hours=10, minutes=15),
                               now=at(days=8, hours=10, minutes=15))  # fmt: skip
        two = detect_campaigns(ws, at(days=8, hours=10, minutes=30), at(days=8, hours=12),
                               now=at(days=8, hours=12))  # fmt: skip
    assert [s.id for s in one] == [s.id for s in two]
    assert (one[0].posts, two[0].posts) == (25, 31)


def test_the_rule_on_its_own() -> None:
    from wave_workspace import post as make

    from veille.signals.wave import WavePost

    def wp(author: str, n: int) -> WavePost:
        p = make(author, n, at(), "did:lea", "x")
        return WavePost(p.uri, "bluesky", author, at(), 0, "negative", "x", None, None)

    spread = [wp(f"a{i}", i) for i in range(10)]
    assert not carried_by_few(concentration(spread, 3), CFG)
    # two accounts with 4 posts each write 8 of 14 negative posts: concentrated
    loud = [wp("t1", 100 + i) for i in range(4)] + [wp("t2", 200 + i) for i in range(4)]
    conc = concentration(loud + spread[:6], 3)
    assert conc.loud == ("bluesky:t1", "bluesky:t2") and conc.share == 8 / 14
    assert carried_by_few(conc, CFG)
    # 3 posts each is within the cap: not loud
    assert not carried_by_few(concentration([wp("t1", i) for i in range(3)], 3), CFG)


def test_near_duplicates() -> None:
    texts = ["Léa Martin doit démissionner, honte à elle !",
             "@x Léa Martin doit démissionner, honte à elle !!",
             "Un tout autre message sur la conférence de demain matin.", None, ""]  # fmt: skip
    share, group = near_duplicates(texts, 0.6)
    assert share == 2 / 3 and group == 2
    assert near_duplicates([], 0.6) == (0.0, 0)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_the_demo_troll_campaign_is_a_campaign(demo_workspace: Path) -> None:
    from veille.workspace import Workspace

    truth = json.loads((demo_workspace / "simulated" / "ground_truth.json").read_text())
    first, last = _time(truth["period"]["start"]), _time(truth["period"]["end"])
    with Workspace.open(demo_workspace, read_only=True) as ws:
        found = detect_campaigns(ws, first, last, now=last)
    (troll,) = truth["troll_campaigns"]
    start, end = _time(troll["start"]), _time(troll["end"])
    target = f"leader:{troll['target_leader']}"
    hits = [s for s in found if s.term == target and s.first_seen < end and s.detected_at > start]
    assert len(hits) == 1
    sig = hits[0]
    assert len(sig.detail["accounts"]) <= len(troll["accounts"]) + 1
    assert sig.detail["accounts_share_of_negative"] >= 0.9
    assert sig.detail["negative_posts"] >= 0.6 * troll["n_posts"]
    # within a working day of its first post (it starts slowly: a post an hour)
    assert sig.detected_at - _time(troll["first_post"]) <= timedelta(hours=8)
    # nothing else is called a campaign
    others = [s for s in found if s.first_seen >= end or (s.updated_at or s.detected_at) <= start]
    assert others == []
