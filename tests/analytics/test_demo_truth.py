"""The leader analytics against what the simulator planted (``ground_truth.json``), on a
demo workspace built once for this module, and the CLI interfaces reviewers use.

Mastodon replies: the Mastodon importer does not link a reply to its parent yet when the
parent came from another file (issue 9), so a leader's answers on Mastodon are not seen
as replies. Where the store has no Mastodon reply links, leaders who answered on Mastodon
in the simulation are checked for what the data allows (every mentioner found but those
whose only mention was deleted; answers and dialogue never over-counted); every other
leader is held to the planted figures within 0.05. Once the links are stored, every
leader is held to them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from veille.analytics.context import duckdb_context
from veille.analytics.figures import LeaderFigures, gather
from veille.analytics.registry import run_metric
from veille.analytics.sentiment import AuthorCounts, entity_summaries, summarise
from veille.cli.app import app
from veille.errors import UsageError
from veille.workspace import Workspace


@pytest.fixture(scope="module")
def demo(demo_workspace: Path) -> Path:
    """The session's shared demo workspace (read-only here)."""
    return demo_workspace


@pytest.fixture(scope="module")
def truth(demo: Path) -> dict[str, Any]:
    return dict(json.loads((demo / "simulated" / "ground_truth.json").read_text()))


@pytest.fixture(scope="module")
def figures(demo: Path, truth: dict[str, Any]) -> tuple[dict[str, LeaderFigures], bool]:
    with Workspace.open(demo, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        period = ctx.period(since=truth["period"]["start"], until=truth["period"]["end"])
        found = gather(ctx, period, ws.config.leaders)
        linked = ws.store.scalar(
            "SELECT count(*) FROM posts WHERE network = 'mastodon' AND reply_to IS NOT NULL "
            "AND reply_to IN (SELECT uri FROM posts)"
        )
    return found, bool(linked)


def _mastodon_answerers(demo: Path, truth: dict[str, Any]) -> set[str]:
    """Leaders who replied to someone on Mastodon in the simulation (from its files)."""
    ids = {
        a["mastodon"]["id"]: a["registry_id"]
        for a in truth["accounts"]
        if a["kind"] == "leader" and a.get("mastodon")
    }
    out: set[str] = set()
    for path in sorted((demo / "simulated" / "mastodon").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            status = json.loads(line)
            for item in status if isinstance(status, list) else [status]:
                if not isinstance(item, dict) or "account" not in item:
                    continue
                author = item["account"].get("id")
                if author in ids and item.get("in_reply_to_account_id") not in (None, author):
                    out.add(ids[author])
    return out


def test_conversation_matches_the_planted_figures(
    demo: Path, truth: dict[str, Any], figures: tuple[dict[str, LeaderFigures], bool]
) -> None:
    found, linked = figures
    answerers = set() if linked else _mastodon_answerers(demo, truth)
    strict = 0
    for row in truth["conversation"]:
        c = found[row["leader"]].conversation
        # the simulator counts a mentioner whose only mention was deleted later; deleted
        # posts count nowhere here (a handful in the demo)
        assert row["mentioners"] - 2 <= c.mentioners <= row["mentioners"], row["leader"]
        if row["leader"] in answerers:
            assert c.answered <= row["answered_within_48h"], row["leader"]
            assert (c.dialogue_ratio or 0) <= row["dialogue_ratio"] + 0.05, row["leader"]
            continue
        strict += 1
        if row["responsiveness"] is None:
            assert c.responsiveness is None, row["leader"]
        else:
            assert c.responsiveness == pytest.approx(row["responsiveness"], abs=0.05), row
        assert c.dialogue_ratio == pytest.approx(row["dialogue_ratio"], abs=0.05), row
        if row["median_response_minutes"] is not None:
            assert c.median_response_minutes == pytest.approx(
                row["median_response_minutes"], rel=0.05
            ), row
    assert strict >= len(truth["conversation"]) // 2


def test_every_converser_above_every_broadcaster(
    truth: dict[str, Any], figures: tuple[dict[str, LeaderFigures], bool]
) -> None:
    found, _ = figures
    quality = {
        row["leader"]: (row["style"], found[row["leader"]].conversation.quality(0.5)[0])
        for row in truth["conversation"]
    }
    conversers = [q for s, q in quality.values() if s == "converser"]
    broadcasters = [q for s, q in quality.values() if s == "broadcaster"]
    assert conversers and broadcasters
    assert all(q is not None for q in conversers + broadcasters)
    assert min(conversers) > max(broadcasters)  # type: ignore[type-var]


def test_troll_campaign_moves_raw_sentiment_not_the_representative(
    demo: Path, truth: dict[str, Any]
) -> None:
    campaign = truth["troll_campaigns"][0]
    target = campaign["target_leader"]
    trolls = set(campaign["accounts"])
    troll_keys = set()
    for a in truth["accounts"]:
        if a["person"] in trolls:
            if a.get("bluesky"):
                troll_keys.add(f"bluesky:{a['bluesky']['did']}")
            if a.get("mastodon"):
                troll_keys.add(f"mastodon:{a['mastodon']['id']}")
                troll_keys.add(f"mastodon:{a['mastodon']['acct']}")
    with Workspace.open(demo, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        period = ctx.period(since=truth["period"]["start"], until=truth["period"]["end"])
        rows = ctx.engine.query(
            "SELECT * FROM (" + _mentions_sql() + ") WHERE entity_id = $target",
            {**period.params(), "target": target},
        ).to_pylist()
        active = run_metric(ctx.engine, "active_authors", **period.params())
        population = int(active.column("authors")[0].as_py())
    with_trolls = entity_summaries(rows, cap=3, population=population)[target]
    counts = [
        AuthorCounts(f"{r['network']}:{r['author_id']}", r["positive"], r["negative"], r["neutral"])
        for r in rows
    ]
    assert any(c.author in troll_keys for c in counts), "the campaign is in the store"
    without = summarise(
        [c for c in counts if c.author not in troll_keys], cap=3, population=population
    )
    assert with_trolls.raw and with_trolls.representative and without.raw
    assert without.representative
    raw_drop = without.raw.value - with_trolls.raw.value
    rep_drop = without.representative.value - with_trolls.representative.value
    assert raw_drop > 0.2
    assert rep_drop < raw_drop / 2
    assert with_trolls.loud_minority and not without.loud_minority
    assert with_trolls.effective_authors is not None and without.effective_authors is not None
    assert with_trolls.effective_authors < without.effective_authors


def _mentions_sql() -> str:
    from veille.analytics.registry import metric

    return metric("entity_mentions").sql


runner = CliRunner()


def test_rank_json_interface(demo: Path) -> None:
    result = runner.invoke(app, ["rank", "--workspace", str(demo), "--format", "json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert isinstance(items, list) and items
    for item in items:
        assert {"leader", "name", "index", "rank", "rank_change", "components"} <= set(item)
        assert set(item["components"]) >= {
            "reach", "growth", "engagement", "amplification", "conversation", "centrality",
            "sentiment",
        }  # fmt: skip
        for comp in item["components"].values():
            assert {"value", "percentile", "rank"} <= set(comp)
            if comp["value"] is None:
                assert comp["reason"]
        if isinstance(item["index"], dict):
            assert item["index"]["value"] is None and item["index"]["reason"]
        else:
            assert 0 <= item["index"] <= 100
    ranks = [i["rank"] for i in items if isinstance(i["rank"], int)]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert "NaN" not in result.stdout


def test_rank_formats_filters_and_explain(demo: Path, truth: dict[str, Any]) -> None:
    base = ["rank", "--workspace", str(demo)]
    csv_out = runner.invoke(app, [*base, "--format", "csv", "--top", "3"])
    assert csv_out.exit_code == 0 and csv_out.stdout.startswith("rank,rank_change,leader")
    md = runner.invoke(app, [*base, "--format", "md", "--sector", "tech"])
    assert md.exit_code == 0 and md.stdout.startswith("| rank |")
    table = runner.invoke(app, [*base, "--cohort", "ceo"])
    assert table.exit_code == 0 and "Leader Index" in table.stdout
    leader = truth["conversation"][0]["leader"]
    why = runner.invoke(app, [*base, "--explain", leader, "--format", "json"])
    assert why.exit_code == 0, why.output
    data = json.loads(why.stdout)
    assert data["leader"] == leader and data["effects"]
    _usage_error(runner.invoke(app, [*base, "--cohort", "tek"]), "tech")
    _usage_error(runner.invoke(app, [*base, "--sector", "finanse"]), "finance")
    _usage_error(runner.invoke(app, [*base, "--explain", leader[:-1]]), leader)
    _usage_error(runner.invoke(app, [*base, "--format", "xml"]), "")


def test_leader_json_interface(demo: Path, truth: dict[str, Any]) -> None:
    leader = truth["troll_campaigns"][0]["target_leader"]
    result = runner.invoke(
        app, ["leader", leader, "--workspace", str(demo), "--format", "json", "--period", "21d"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["leader"] == leader and "index" in data and "components" in data
    conv = data["conversation"]
    assert set(conv) >= {
        "responsiveness", "dialogue_ratio", "median_response_minutes", "mentioners",
        "answered_within_48h", "unanswered",
    }  # fmt: skip
    assert isinstance(conv["unanswered"], list)
    assert data["what_others_say"]["loud_minority"] is True
    assert len(data["history"]) == 4
    table = runner.invoke(app, ["leader", leader, "--workspace", str(demo)])
    assert table.exit_code == 0 and "Conversation" in table.stdout
    _usage_error(runner.invoke(app, ["leader", leader[:-2], "--workspace", str(demo)]), leader)


def _usage_error(result: Any, suggestion: str) -> None:
    """Exit 2 (the entry point turns a UsageError into it) with the closest names."""
    assert isinstance(result.exception, UsageError), result.output
    assert result.exception.exit_code == 2
    assert suggestion in (result.exception.hint or "") + result.exception.message


def test_styles_are_both_planted(truth: dict[str, Any]) -> None:
    styles = Counter(row["style"] for row in truth["conversation"])
    assert styles["converser"] >= 3 and styles["broadcaster"] >= 3
