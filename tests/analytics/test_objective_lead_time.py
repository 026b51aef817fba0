"""The ``information_lead_time`` objective (issue 11) worked out by hand: stories written as
a detection pass writes them, with known first sightings, entities and lead times; the
weekly medians, a week without a story, an entity without one, and the projection. Then the
demo's planted rumour, seen before the news."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tiny_workspace import at, post, tiny

from cli_run import veille_cli
from veille.analytics.objectives import evaluate
from veille.signals.model import Kind, Signal

REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"
accounts = { bluesky = ["did:acme"] }

[[leaders]]
id = "ana"
name = "Ana"
accounts = { bluesky = ["did:ana"] }

[[leaders]]
id = "bob"
name = "Bob"
accounts = { bluesky = ["did:bob"] }

[[objectives]]
id = "speed-ana"
leader = "ana"
dimension = "speed"
metric = "information_lead_time"
target = 24
deadline = 2027-01-01

[[objectives]]
id = "speed-bob"
leader = "bob"
dimension = "speed"
metric = "information_lead_time"
target = 24
deadline = 2027-01-01

[[objectives]]
id = "speed-acme"
organisation = "acme"
dimension = "speed"
metric = "information_lead_time"
network = "mastodon"
target = 24
deadline = 2027-01-01
"""


def story(
    first_seen: datetime,
    lead_hours: float | None,
    *,
    leaders: tuple[str, ...] = (),
    organisations: tuple[str, ...] = (),
    kind: Kind = "story",
) -> Signal:
    key = f"{kind}-{first_seen:%m%d%H}-{lead_hours}-{'-'.join(leaders + organisations)}"
    detail: dict[str, Any] = {"terms": ["x"]}
    if lead_hours is not None:
        published = first_seen + timedelta(hours=lead_hours)
        detail["lead_time"] = {"feed": "https://news.example/rss.xml",
                               "uri": f"https://news.example/rss.xml#{key}",
                               "published": published.isoformat(),
                               "lead_hours": lead_hours}  # fmt: skip
    return Signal(
        id=f"s-{key}", kind=kind, term="x", first_seen=first_seen,
        detected_at=first_seen + timedelta(hours=1), score=1.0, authors=4, posts=5,
        reasons=("why",), leaders=leaders, organisations=organisations, detail=detail,
    )  # fmt: skip


def signals() -> list[Signal]:
    ana = ("ana",)
    return [
        # week ending day -21 ([-28, -21)): 10 and 20 -> 15; a story without a lead time
        # and a rumour (a story already counted) are left out
        story(at(days=-27), 10.0, leaders=ana),
        story(at(days=-22, hours=23), 20.0, leaders=ana),
        story(at(days=-25), None, leaders=ana),
        story(at(days=-25), 100.0, leaders=ana, kind="rumour"),
        # week ending day -14: no story with a lead time, only one without
        story(at(days=-20), None, leaders=ana),
        # week ending day -7 ([-14, -7)): 4, 8 and -6 (the news first) -> 4
        story(at(days=-14), 4.0, leaders=ana, organisations=("acme",)),
        story(at(days=-10), 8.0, leaders=ana),
        story(at(days=-8), -6.0, leaders=ana),
        # week ending day 0 ([-7, 0)): 30, and 2 exactly at its start -> 16
        story(at(days=-7), 2.0, leaders=ana),
        story(at(days=-1), 30.0, leaders=ana),
        # about Bob only (no lead time), and about Acme (and someone unknown) only: not Ana's
        story(at(days=-9), None, leaders=("bob",)),
        story(at(days=-3), 12.0, organisations=("acme", "other")),
    ]


def records() -> list[Any]:
    # the anchor is the midnight after the newest post (day 0); the data begin at day -30
    return [post("did:ana", 1, at(days=-30)), post("did:ana", 2, at(hours=-12))]


def test_lead_time_objective_by_hand(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records(), signals=signals()) as ctx:
        ana, bob, acme = (evaluate(ctx, o) for o in ctx.config.objectives)
    week = lambda days: at(days=days).isoformat()  # noqa: E731
    # day -14 has no value (not zero), day -28 neither (nothing before it)
    assert ana["series"] == [
        {"week_end": week(-21), "value": 15.0},
        {"week_end": week(-7), "value": 4.0},
        {"week_end": week(0), "value": 16.0},
    ]
    assert ana["current"] == 16.0
    # Theil-Sen over weeks 0, 2 and 3: slopes -5.5, 1/3 and 12, median 1/3
    assert ana["trend_per_week"] == pytest.approx(1 / 3)
    weeks_left = (at(days=92) - at()) / timedelta(weeks=1)  # 2027-01-01 is day 92
    assert ana["projected"] == pytest.approx(16 + weeks_left / 3)  # 20.38 h
    assert ana["on_track"] is False  # below 24 h
    assert ana["needed_per_week"] == pytest.approx((24 - 16) / weeks_left)
    assert "reason" not in ana
    # Bob: a story names him but none has a lead time
    assert bob["series"] == [] and bob["current"] is None and bob["projected"] is None
    assert bob["reason"].startswith("not enough data: no story about it matched a reference")
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in bob.values())
    # Acme: stories span networks, the objective's network does not restrict them
    assert [p["value"] for p in acme["series"]] == [4.0, 12.0]
    assert acme["reason"].startswith("not enough data: 2 weekly value(s)")


def test_a_projection_stays_above_the_earliest_lead(tmp_path: Path) -> None:
    falling = [story(at(days=-7 * k - 1), v, leaders=("ana",))
               for k, v in enumerate([-100.0, -40.0, 20.0])]  # fmt: skip
    with tiny(tmp_path, REGISTRY, records(), signals=falling) as ctx:
        ana = evaluate(ctx, ctx.config.objectives[0])
    assert [p["value"] for p in ana["series"]] == [20.0, -40.0, -100.0]
    assert ana["trend_per_week"] == pytest.approx(-60.0)
    # a reference item is looked for at most 7 days before a story: -168 h at the lowest
    assert ana["projected"] == -168.0 and ana["on_track"] is False


def test_demo_rumour_lead_time(demo_workspace: Path, tmp_path: Path) -> None:
    """The demo's planted rumour reaches its organisation's objective: the week it was
    first seen has the lead time of its story, positive and within the planted one."""
    root = tmp_path / "ws"
    shutil.copytree(demo_workspace, root, ignore=shutil.ignore_patterns("owner.lock"))
    truth = json.loads((root / "simulated" / "ground_truth.json").read_text())
    planted = truth["rumours"][0]
    with (root / "veille.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[objectives]]\nid = "speed"\norganisation = "{}"\ndimension = "speed"\n'
            'metric = "information_lead_time"\ntarget = 24\n'
            "deadline = 2027-06-28\n".format(planted["organisation"])
        )
    ran = veille_cli("signals", "--workspace", str(root), "--format", "json")
    assert ran.code == 0, ran.output
    stories = [s for s in json.loads(ran.stdout) if s["kind"] == "story"
               and planted["organisation"] in s["organisations"]
               and (s["detail"] or {}).get("lead_time")]  # fmt: skip
    assert stories
    shown = veille_cli("objectives", "--workspace", str(root), "--format", "json")
    assert shown.code == 0, shown.output
    speed = next(o for o in json.loads(shown.stdout) if o["objective"] == "speed")
    assert speed["metric"] == "information_lead_time" and speed["series"]
    news = datetime.fromisoformat(planted["news_at"])
    in_week = [p for p in speed["series"]
               if datetime.fromisoformat(p["week_end"]) - timedelta(weeks=1) <= news
               < datetime.fromisoformat(p["week_end"]) + timedelta(weeks=1)]  # fmt: skip
    assert in_week
    rumour = next(s for s in stories if s["detail"]["lead_time"]["uri"].endswith(
        planted["news_item"]["guid"]))  # fmt: skip
    lead = rumour["detail"]["lead_time"]["lead_hours"]
    assert 0 < lead <= planted["lead_time_hours"]
    assert lead in [p["value"] for p in speed["series"]]


def test_weekly_series_equal_the_week_by_week_measure(tmp_path: Path) -> None:
    """``objective_series`` (all weeks at once) gives each week what the one-week measure
    gives (the demo's copy of this check has no stories: it runs no detection)."""
    from veille.analytics.objectives import MEASURES, Target, week_ends, weekly_values
    from veille.analytics.period import Period

    with tiny(tmp_path, REGISTRY, records(), signals=signals()) as ctx:
        for target in (Target("leader", "ana", None), Target("leader", "bob", None),
                       Target("organisation", "acme", None)):  # fmt: skip
            ends = week_ends(ctx, target, "information_lead_time")
            measure = MEASURES["information_lead_time"]
            week = [measure(ctx, target, Period(e - timedelta(weeks=1), e)) for e in ends]
            assert weekly_values(ctx, target, "information_lead_time", ends) == week
    assert week == [None, None, None, 4.0, 12.0]  # Acme's


def test_spark_gives_the_same_lead_times(tmp_path: Path) -> None:
    """The two lead time metrics on Spark (JSON read with ``get_json_object``) over the
    Parquet lake of the hand-built stories."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("the Spark engine needs Java")
    from veille.analytics.context import build_context, duckdb_context
    from veille.analytics.lake import export_lake
    from veille.analytics.objective_series import register_weeks
    from veille.analytics.registry import run_metric
    from veille.analytics.spark import SparkEngine, session
    from veille.workspace import Workspace

    with tiny(tmp_path / "ws", REGISTRY, records(), signals=signals()):
        pass
    lake = tmp_path / "lake"
    with Workspace.open(tmp_path / "ws", read_only=True) as ws:
        assert "signals" in export_lake(ws.store.con, lake).written
        duck = duckdb_context(ws.store.con, ws.config)
        spark_session = session()
        try:
            spark = build_context(SparkEngine(spark_session, lake), duck.config)
            ends = [at(days=-7 * k) for k in (4, 3, 2, 1, 0)]
            got = []
            for ctx in (duck, spark):
                register_weeks(ctx, ends)
                weekly = run_metric(ctx.engine, "objective_lead_time_weekly", kind="leader",
                                    entity="ana").to_pylist()  # fmt: skip
                week = run_metric(ctx.engine, "objective_lead_time", kind="organisation",
                                  entity="acme", since=at(days=-14), until=at())  # fmt: skip
                got.append((sorted((r["week_end"], r["lead_hours"], r["stories"])
                                   for r in weekly), week.to_pylist()))  # fmt: skip
        finally:
            spark_session.stop()
    assert got[0] == got[1]
    assert got[0][0] == [(at(days=-21), 15.0, 2), (at(days=-7), 4.0, 3), (at(), 16.0, 2)]
    assert got[0][1] == [{"lead_hours": 8.0, "stories": 2}]  # 4 and 12


def test_the_lake_exports_signals_incrementally(tmp_path: Path) -> None:
    import duckdb

    from veille.analytics.lake import export_lake
    from veille.workspace import Workspace

    with tiny(tmp_path / "ws", REGISTRY, records(), signals=signals()):
        pass
    lake = tmp_path / "lake"
    with Workspace.open(tmp_path / "ws", read_only=True) as ws:
        assert "signals" in export_lake(ws.store.con, lake).written
        assert export_lake(ws.store.con, lake).written == []  # unchanged: kept
    with tiny(tmp_path / "ws2", REGISTRY, records(), signals=signals()[:-1]):
        pass
    with Workspace.open(tmp_path / "ws2", read_only=True) as ws:
        assert export_lake(ws.store.con, lake).written == ["signals"]
    n = duckdb.connect().execute(f"SELECT count(*) FROM '{lake}/signals/data.parquet'")
    assert n.fetchall() == [(len(signals()) - 1,)]
