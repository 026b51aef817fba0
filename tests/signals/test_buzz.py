"""Bad buzz on a tiny workspace (figures worked out by hand) and on the demo's planted
ground truth."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

from wave_workspace import at, background, post, wave_workspace

from veille.i18n import messages_in
from veille.signals.buzz import detect_bad_buzz
from veille.signals.campaign import detect_campaigns
from veille.signals.model import signal_id
from veille.signals.wave import WaveConfig, negative_tail, volume_tail
from veille.workspace import Workspace

CFG = WaveConfig()
NEG = "Acme vend des produits défectueux, honteux."


def _buzz(extra_late: bool = False) -> list:
    posts = background()
    # day 8, 12:01 to 12:08: 8 distinct authors, negative; 12:10 one positive
    posts += [(post(f"did:n{i}", i, at(days=8, hours=12, minutes=1 + i), "did:acme", NEG),
               "negative") for i in range(8)]  # fmt: skip
    posts.append((post("did:p0", 50, at(days=8, hours=12, minutes=10), "did:acme", "Bravo"),
                  "positive"))  # fmt: skip
    if extra_late:  # the wave goes on: 4 more negative authors at 12:20-12:23
        posts += [(post(f"did:m{i}", 60 + i, at(days=8, hours=12, minutes=20 + i), "did:acme",
                        NEG), "negative") for i in range(4)]  # fmt: skip
    return posts


def _poisson_tail(count: int, lam: float) -> float:
    return -math.log10(
        sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(count, count + 80))
    )


def _binomial_tail(k: int, n: int, p: float) -> float:
    return -math.log10(sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)))


def test_a_bad_buzz_by_hand(tmp_path: Path) -> None:
    with wave_workspace(tmp_path / "ws", _buzz()) as ws:
        found = detect_bad_buzz(ws, at(days=8), at(days=8, hours=13), now=at(days=8, hours=13))
        assert (
            detect_campaigns(ws, at(days=8), at(days=8, hours=13), now=at(days=8, hours=13)) == []
        )
    assert len(found) == 1
    sig = found[0]
    bucket = CFG.bucket_of(at(days=8, hours=12))
    assert sig.id == signal_id("bad_buzz", "organisation:acme", bucket)
    assert sig.kind == "bad_buzz" and sig.term == "organisation:acme"
    assert sig.organisations == ("acme",) and sig.leaders == ()
    assert sig.first_seen == at(days=8, hours=12, minutes=1)
    # the bucket 12:00-12:15 closes at 12:15; the window stays anomalous until 12:45-13:00
    assert sig.detected_at == at(days=8, hours=12, minutes=15)
    assert sig.updated_at == at(days=8, hours=13)
    assert (sig.authors, sig.posts) == (9, 9)
    # baseline: the 7 days before the window (11:15 on day 8): the background posts of days
    # 1..7 (7 posts, all at 12:05, none negative): 7 / 672 posts per bucket; every post of
    # the span is at hour 12, so the hour profile is 4 at noon (24, clipped) and 0.25 else
    rate = 7 / 672
    expected_window = rate * (3 * 0.25 + 4.0)  # the window 11:15..12:15: hours 11, 11, 11, 12
    share0 = (0 + 0.2 * 20) / (7 + 20)
    volume = _poisson_tail(9, expected_window)
    negative = _binomial_tail(8, 9, share0)
    assert math.isclose(volume_tail(9, expected_window), volume, rel_tol=1e-9)
    assert math.isclose(negative_tail(8, 9, share0), negative, rel_tol=1e-9)
    assert math.isclose(sig.score, volume + negative, rel_tol=1e-9)
    d = sig.detail
    assert d["negative_posts"] == 8 and d["labelled_posts"] == 9
    assert d["negative_share"] == round(8 / 9, 4)
    assert d["negative_share_capped"] == round(8 / 9, 4)
    assert d["negative_share_baseline"] == round(share0, 4)
    assert d["effective_authors"] == 9.0 and d["negative_authors"] == 8
    assert d["loud_share"] == 0.0
    # the episode 12:01..13:00: buckets 12:00, 12:15, 12:30, 12:45, all at hour 12
    assert d["expected_posts"] == round(rate * 4 * 4.0, 2)
    assert d["buckets"] == 4 and len(d["uris"]) == 9
    assert [p["sentiment"] for p in d["top_posts"]] == ["negative"] * 5
    assert len(sig.reasons) == 4 and "Acme" in sig.reasons[0]
    assert all("nan" not in r.lower() for r in sig.reasons)
    json.dumps(sig.as_json())


def test_a_handful_of_accounts_is_not_a_bad_buzz(tmp_path: Path) -> None:
    posts = background()
    # 5 authors, 3 negative posts each within the hour: 15 negative posts, 5 authors
    posts += [(post(f"did:n{i % 5}", i, at(days=8, hours=12, minutes=i), "did:acme", NEG),
               "negative") for i in range(15)]  # fmt: skip
    with wave_workspace(tmp_path / "ws", posts) as ws:
        assert detect_bad_buzz(ws, at(days=8), at(days=8, hours=14), now=at(days=8, hours=14)) == []


def test_reasons_in_french(tmp_path: Path) -> None:
    with wave_workspace(tmp_path / "ws", _buzz()) as ws, messages_in("fr"):
        (sig,) = detect_bad_buzz(ws, at(days=8), at(days=8, hours=13), now=at(days=8, hours=13))
    assert "messages négatifs" in sig.reasons[0]


def test_overlapping_passes_keep_the_id_and_grow(tmp_path: Path) -> None:
    with wave_workspace(tmp_path / "ws", _buzz(extra_late=True)) as ws:
        early = detect_bad_buzz(ws, at(days=8), at(days=8, hours=12, minutes=15),
                                now=at(days=8, hours=12, minutes=15))  # fmt: skip
        late = detect_bad_buzz(ws, at(days=8, hours=12), at(days=8, hours=14),
                               now=at(days=8, hours=14))  # fmt: skip
        # a pass starting after the episode began still finds its first bucket
        after = detect_bad_buzz(ws, at(days=8, hours=12, minutes=30), at(days=8, hours=14),
                                now=at(days=8, hours=14))  # fmt: skip
    assert [s.id for s in early] == [s.id for s in late] == [s.id for s in after]
    assert early[0].posts == 9 and late[0].posts == 13
    assert late[0].authors > early[0].authors
    assert late[0].detected_at == early[0].detected_at


def test_no_baseline_yet_reports_nothing(tmp_path: Path) -> None:
    # the same wave with only 12 hours of history before it: not enough data
    posts = [(post(f"did:n{i}", i, at(days=0, hours=12, minutes=1 + i), "did:acme", NEG),
              "negative") for i in range(8)]  # fmt: skip
    posts.append((post("did:bg", 99, at(days=0), "did:acme", "Acme"), "neutral"))
    with wave_workspace(tmp_path / "ws", posts) as ws:
        assert detect_bad_buzz(ws, at(days=0), at(days=1), now=at(days=1)) == []
        assert detect_campaigns(ws, at(days=0), at(days=1), now=at(days=1)) == []


def test_an_empty_workspace_and_an_empty_window(tmp_path: Path) -> None:
    with wave_workspace(tmp_path / "ws", []) as ws:
        assert detect_bad_buzz(ws, at(days=8), at(days=9), now=at(days=9)) == []
        assert detect_bad_buzz(ws, at(days=8), at(days=8), now=at(days=9)) == []
        assert detect_campaigns(ws, at(days=8), at(days=9), now=at(days=9)) == []


def _truth(root: Path) -> dict:
    return json.loads((root / "simulated" / "ground_truth.json").read_text())


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def test_the_demo_bad_buzz_is_found_within_two_buckets(demo_workspace: Path) -> None:
    truth = _truth(demo_workspace)
    first, last = _time(truth["period"]["start"]), _time(truth["period"]["end"])
    with Workspace.open(demo_workspace, read_only=True) as ws:
        found = detect_bad_buzz(ws, first, last, now=last)
        leaders = {x.id: x.organisation for x in ws.config.leaders}
    (planted,) = truth["bad_buzz"]
    start, end = _time(planted["start"]), _time(planted["end"])
    term = f"organisation:{planted['organisation']}"
    hits = [s for s in found if s.term == term and s.first_seen < end and s.detected_at > start]
    assert len(hits) == 1
    sig = hits[0]
    start_bucket = CFG.bucket_of(start)
    hit_bucket = CFG.bucket_of(sig.detected_at) - 1
    assert hit_bucket - start_bucket <= 2
    assert sig.authors >= 0.8 * planted["n_authors"]
    assert sig.detail["negative_share"] > sig.detail["negative_share_baseline"] + 0.3
    # the troll campaign is not a bad buzz: nothing about its target while it runs
    (troll,) = truth["troll_campaigns"]
    t0, t1 = _time(troll["start"]), _time(troll["end"])
    target = troll["target_leader"]
    targets = {f"leader:{target}", f"organisation:{leaders[target]}"}
    assert not [
        s
        for s in found
        if s.first_seen < t1 and (s.updated_at or s.detected_at) > t0 and s.term in targets
    ]
    # at most one false alarm per simulated day
    days = (last - first).days
    assert len(found) - 1 <= days
