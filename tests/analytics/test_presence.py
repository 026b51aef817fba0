"""Presence (C13) on a tiny workspace, statuses worked out by hand."""

from __future__ import annotations

from pathlib import Path

from tiny_workspace import at, post, tiny, veille
from typer.testing import CliRunner

from veille.analytics.presence import presence_at, weekly_shares
from veille.cli.app import app

REGISTRY = """
[[leaders]]
id = "ana"
name = "Ana"
cohorts = ["ceo"]
accounts = { bluesky = ["did:ana"], mastodon = ["ana@m.example"] }

[[leaders]]
id = "bob"
name = "Bob"
accounts = { bluesky = ["did:bob"] }

[[leaders]]
id = "cy"
name = "Cy"
cohorts = ["ceo"]
"""


def records() -> list:
    return [
        post("did:ana", 1, at(days=-5)),  # active on bluesky
        post("ana@m.example", 2, at(days=-40), network="mastodon"),  # 40 days ago: dormant
        post("did:bob", 3, at(days=-2), repost_of="at://did:x/app.bsky.feed.post/1", text=""),
        post("did:bob", 4, at(days=-20), deleted_at=at(days=-19)),  # deleted: not activity
        post("did:bob", 5, at(days=-31)),  # just outside the 30 days
    ]


def test_statuses_by_hand(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records()) as ctx:
        rows = presence_at(ctx, ctx.config.leaders, at())
        got = {(r.leader, r.network): r.status for r in rows}
        assert got == {
            ("ana", "bluesky"): "active",
            ("ana", "mastodon"): "dormant",
            ("bob", "bluesky"): "dormant",  # a repost and a deleted post do not count
            ("bob", "mastodon"): "absent",
            ("cy", "bluesky"): "absent",
            ("cy", "mastodon"): "absent",
        }
        last = {(r.leader, r.network): r.last_post for r in rows}
        assert last[("bob", "bluesky")] == at(days=-31)
        assert last[("cy", "bluesky")] is None
        # a week earlier Bob's post of day -31 was inside the window
        earlier = {
            (r.leader, r.network): r.status
            for r in presence_at(ctx, ctx.config.leaders, at(days=-7))
        }
        assert earlier[("bob", "bluesky")] == "active"
        assert earlier[("ana", "bluesky")] == "dormant"  # her post of day -5 is later


def test_weekly_shares_sum_to_one(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records()) as ctx:
        rows = weekly_shares(ctx, ctx.config.leaders, at(), weeks=2)
    assert [(r["week_end"][:10], r["network"]) for r in rows] == [
        ("2026-09-24", "bluesky"), ("2026-09-24", "mastodon"),
        ("2026-10-01", "bluesky"), ("2026-10-01", "mastodon"),
    ]  # fmt: skip
    last = rows[2]
    assert (last["active"], last["dormant"], last["absent"]) == (1, 1, 1)
    for row in rows:
        assert abs(row["active_share"] + row["dormant_share"] + row["absent_share"] - 1) < 1e-12


def test_cli_json_and_unknown_cohort(tmp_path: Path) -> None:
    with tiny(tmp_path, REGISTRY, records()):
        pass
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "presence",
            "-w",
            str(tmp_path),
            "--format",
            "json",
            "--cohort",
            "ceo",
            "--until",
            "2026-10-01",
        ],
    )
    assert result.exit_code == 0, result.output
    import json

    items = json.loads(result.stdout)
    assert {(i["leader"], i["network"], i["status"]) for i in items} == {
        ("ana", "bluesky", "active"), ("ana", "mastodon", "dormant"),
        ("cy", "bluesky", "absent"), ("cy", "mastodon", "absent"),
    }  # fmt: skip
    assert all(set(i) >= {"leader", "network", "status", "last_post"} for i in items)
    bad = veille("presence", "-w", str(tmp_path), "--cohort", "ceos")
    assert bad.returncode == 2
    assert "unknown cohort 'ceos'" in bad.stderr and "ceo" in bad.stderr
    table = veille("presence", "-w", str(tmp_path), "--until", "2026-10-01", lang="fr")
    assert table.returncode == 0 and "Présence au 2026-10-01" in table.stdout
