"""Objectives (C9): trends, projections and verdicts worked out by hand, validation, and
the demo's planted followers objective."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from tiny_workspace import at, post, tiny, veille

from veille.analytics.objectives import evaluate, objectives, roi
from veille.errors import ConfigError
from veille.model import Account, AccountSnapshot
from veille.workspace.config import parse_config

REGISTRY = """
[[leaders]]
id = "ana"
name = "Ana"
accounts = { bluesky = ["did:ana"], mastodon = ["ana@m.example"] }

[[objectives]]
id = "grow"
leader = "ana"
dimension = "influence"
metric = "followers"
network = "bluesky"
target = 200
deadline = 2026-12-10

[[objectives]]
id = "all-networks"
leader = "ana"
dimension = "influence"
metric = "followers"
target = 100
deadline = 2026-12-10

[[objectives]]
id = "lead-time"
leader = "ana"
dimension = "speed"
metric = "information_lead_time"
target = 2
deadline = 2027-01-01
"""


def _snap(account: str, network: str, followers: int, day: float) -> AccountSnapshot:
    return AccountSnapshot(
        network=network, account_id=account, observed_at=at(days=day), followers=followers
    )


def records() -> list:
    # Bluesky grows 10 a week; one wild weekly value does not move the Theil-Sen trend
    snaps = [_snap("did:ana", "bluesky", v, -7 * k - 1) for k, v in
             enumerate([130, 120, 500, 100])]  # fmt: skip
    return [
        Account(network="bluesky", account_id="did:ana", handle="ana.example"),
        *snaps,
        _snap("ana@m.example", "mastodon", 5, -1),
        post("did:ana", 1, at(days=-30)),
        post("did:ana", 2, at(hours=-12)),
    ]


def test_trend_projection_and_verdict_by_hand(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records()) as ctx:
        assert ctx.anchor == at()  # the midnight after the newest post
        grow = evaluate(ctx, ctx.config.objectives[0])
        both = evaluate(ctx, ctx.config.objectives[1])
        lead = evaluate(ctx, ctx.config.objectives[2])
    # week ends at -21, -14, -7 and 0 days: values 100, 500, 120, 130
    assert [p["value"] for p in grow["series"]] == [100.0, 500.0, 120.0, 130.0]
    assert grow["current"] == 130.0
    # Theil-Sen: the median of the pairwise slopes (400, 10, 10, -190, -185, 10) is 10
    assert grow["trend_per_week"] == pytest.approx(10.0)
    weeks_left = (at(days=70) - at()) / timedelta(weeks=1)  # 2026-12-10 is day 70
    assert grow["projected"] == pytest.approx(130 + 10 * weeks_left)
    assert grow["on_track"] is True
    assert grow["needed_per_week"] == pytest.approx((200 - 130) / weeks_left)
    assert grow["first_observed"]["value"] == 100.0
    # every network: Mastodon adds its 5 followers to the last week only
    assert both["current"] == 135.0
    assert lead["current"] is None and "no story about it" in lead["reason"]


def test_too_few_weeks_is_not_enough_data(tmp_path: Path) -> None:
    few = [r for r in records() if not isinstance(r, AccountSnapshot)]
    few += [_snap("did:ana", "bluesky", 10, -1), _snap("did:ana", "bluesky", 12, -8)]
    with tiny(tmp_path, REGISTRY, few) as ctx:
        grow = evaluate(ctx, ctx.config.objectives[0])
    assert grow["current"] == 10.0 and grow["projected"] is None and grow["on_track"] is None
    assert grow["reason"].startswith("not enough data: 2 weekly value(s)")


def test_a_downward_target_is_on_track_when_falling(tmp_path: Path) -> None:
    registry = REGISTRY.replace("target = 200", "target = 50\nbaseline = 150")
    falling = [r for r in records() if not isinstance(r, AccountSnapshot)]
    falling += [_snap("did:ana", "bluesky", v, -7 * k - 1) for k, v in
                enumerate([120, 130, 140, 150])]  # fmt: skip
    with tiny(tmp_path, registry, falling) as ctx:
        grow = evaluate(ctx, ctx.config.objectives[0])
    assert grow["trend_per_week"] == pytest.approx(-10.0)
    assert grow["on_track"] is True  # 120 - 10 x 10 weeks reaches 50


def test_unknown_metric_names_the_line() -> None:
    text = REGISTRY.replace('metric = "information_lead_time"', 'metric = "lead_time"')
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("veille.toml"))
    message = str(info.value)
    assert "veille.toml:28: objectives[2].metric: unknown metric 'lead_time'" in message
    assert "information_lead_time" in message


def test_roi_groups_by_dimension(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records()) as ctx:
        view = roi(objectives(ctx))
    by = {d["dimension"]: d for d in view}
    assert set(by) == {"influence", "image", "information", "recruitment", "speed"}
    assert by["influence"]["objectives"] == ["grow", "all-networks"]
    assert by["influence"]["on_track"] == 2 and by["speed"]["on_track"] == 0
    assert "HR" in by["recruitment"]["cannot_measure"]


def test_cli_json(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records()):
        pass
    out = veille("objectives", "-w", str(tmp_path), "--format", "json")
    assert out.returncode == 0, out.stderr
    items = json.loads(out.stdout)
    keys = {"objective", "metric", "current", "target", "by", "projected", "on_track",
            "dimension"}  # fmt: skip
    assert all(keys <= set(i) for i in items)
    assert veille("objectives", "-w", str(tmp_path), "--leader", "anna").returncode == 2
    assert veille("objectives", "-w", str(tmp_path), "--roi", lang="fr").returncode == 0


def test_demo_followers_objective_has_the_planted_values(demo_workspace: Path) -> None:
    from veille.analytics.context import duckdb_context
    from veille.workspace import Workspace

    truth = json.loads((demo_workspace / "simulated" / "ground_truth.json").read_text())
    planted = next(o for o in truth["objectives"] if o["metric"] == "followers")
    with Workspace.open(demo_workspace, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        objective = next(o for o in ws.config.objectives if o.id == planted["id"])
        got = evaluate(ctx, objective)
    assert got["current"] == planted["followers_at_end"]
    # the first snapshot is taken after the first simulated day's growth
    start = planted["followers_at_start"]
    assert start <= got["first_observed"]["value"] <= start * 1.01
    assert got["trend_per_week"] > 0 and got["on_track"] is not None


SENTIMENT_REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"
accounts = { bluesky = ["did:acme"] }

[[leaders]]
id = "ana"
name = "Ana"
accounts = { bluesky = ["did:ana"] }

[[objectives]]
id = "image"
leader = "ana"
dimension = "image"
metric = "net_sentiment"
target = 0.5
deadline = 2026-12-10

[[objectives]]
id = "sov"
leader = "ana"
dimension = "image"
metric = "share_of_voice"
target = 0.5
deadline = 2026-12-10
"""
GOOD = "Excellent travail, bravo, j'adore !"
BAD = "Nul, honteux, je déteste."


def test_net_sentiment_objective_by_hand(tmp_path: Path) -> None:
    # weeks ending at days -18, -11 and -4 (the anchor: the midnight after the newest post):
    # posts by others mentioning Ana, one author each
    texts = [[GOOD], [GOOD, BAD], [BAD, BAD]]
    records = [Account(network="bluesky", account_id="did:ana", handle="ana.example"),
               post("did:ana", 0, at(days=-20))]  # fmt: skip
    n = 1
    for week, batch in enumerate(texts):
        for text in batch:
            records.append(post(f"did:u{n}", n, at(days=-20 + 7 * week + 1), text=text,
                                mentions=["did:ana"]))  # fmt: skip
            n += 1
    with tiny(tmp_path, SENTIMENT_REGISTRY, records, enrich=True) as ctx:
        image = evaluate(ctx, ctx.config.objectives[0])
        sov = evaluate(ctx, ctx.config.objectives[1])
    assert [p["value"] for p in image["series"]] == [1.0, 0.0, -1.0]
    assert image["trend_per_week"] == pytest.approx(-1.0)
    assert image["projected"] == -1.0  # kept within [-1, 1]
    assert image["on_track"] is False
    assert sov["current"] is None and "applies to a organisation" in sov["reason"]


def test_weekly_series_equal_the_week_by_week_measures(demo_workspace: Path) -> None:
    """``objective_series`` (all weeks at once) gives each week the value that the
    one-week measure of ``MEASURES`` gives, for every metric, on the demo."""
    from veille.analytics.context import duckdb_context
    from veille.analytics.objectives import (
        MEASURES,
        ONLY_FOR,
        Target,
        week_ends,
        weekly_values,
    )
    from veille.analytics.period import Period
    from veille.workspace import Workspace

    with Workspace.open(demo_workspace, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        org = next(o for o in ws.config.organisations if o.competitors)
        targets = [
            *(Target("leader", x.id, None) for x in ws.config.leaders[:3]),
            Target("leader", ws.config.leaders[0].id, "bluesky"),
            Target("organisation", org.id, None),
            Target("organisation", org.id, "mastodon"),
        ]
        compared = 0
        for metric, measure in MEASURES.items():
            for target in targets:
                if ONLY_FOR.get(metric, target.kind) != target.kind:
                    continue
                ends = week_ends(ctx, target, metric)
                week = [measure(ctx, target, Period(e - timedelta(weeks=1), e)) for e in ends]
                assert weekly_values(ctx, target, metric, ends) == week, (metric, target)
                compared += sum(v is not None for v in week)
    assert compared > 50  # the demo gives most of these weeks a value


def test_every_objective_metric_has_its_definition_and_its_weekly_form() -> None:
    from veille.analytics.objective_series import SERIES
    from veille.analytics.objectives import MEASURES
    from veille.workspace.config import OBJECTIVE_METRICS

    assert set(MEASURES) == set(SERIES) == set(OBJECTIVE_METRICS)
