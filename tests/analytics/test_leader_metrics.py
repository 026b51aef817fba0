"""Every leader metric against figures computed by hand on the tiny store of
``leader_store.py`` (the comments there give each post's role)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from leader_store import REGISTRY, SINCE, UNTIL, at, bsky, build

from veille.analytics.context import AnalyticsContext, build_context
from veille.analytics.engine import DuckDBEngine
from veille.analytics.explain import explain
from veille.analytics.figures import gather
from veille.analytics.index import percentiles, rank
from veille.analytics.period import Period
from veille.analytics.registry import run_metric
from veille.errors import ConfigError, UsageError
from veille.store import Store
from veille.store.labels import recompute_labels
from veille.workspace.config import parse_config

PERIOD = Period(SINCE, UNTIL)
SETTINGS = "\n[index]\nmin_sentiment_posts = 1\nsentiment_cap = 1\n"


def _label(store: Store, uri: str, label: str) -> None:
    store.con.execute(
        "INSERT INTO enrichments VALUES (?, 'sentiment', 'test-1', ?, 0.9, NULL, NULL, ?)",
        [uri, label, at(200)],
    )


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AnalyticsContext]:
    store = build(tmp_path / "s.duckdb")
    _label(store, bsky("did:x", 1), "negative")
    _label(store, bsky("did:x", 2), "negative")
    _label(store, bsky("did:y", 1), "positive")
    _label(store, "https://m.example/users/zoe/statuses/9", "neutral")
    # an older label of x1, replaced by the one above (the latest counts)
    store.con.execute(
        "INSERT INTO enrichments VALUES (?, 'sentiment', 'test-0', 'positive', 0.9, NULL, NULL, ?)",
        [bsky("did:x", 1), at(100)],
    )
    recompute_labels(store.con)  # the labels above bypass the writer: derive its table
    config = parse_config(REGISTRY + SETTINGS, Path("veille.toml"))
    yield build_context(DuckDBEngine(store.con), config, now=at(24 * 60))
    store.close()


def test_audience(ctx: AnalyticsContext) -> None:
    f = gather(ctx, PERIOD, ctx.config.leaders)
    alice = f["alice"].audience
    # bluesky: 120 at the end (day 3), 100 before the start; mastodon: 40, observed later
    assert alice.networks["bluesky"]["followers"] == 120
    assert alice.networks["bluesky"]["growth"] == 20
    assert alice.networks["mastodon"]["followers"] == 40
    assert alice.networks["mastodon"]["growth"] is None
    assert (alice.followers, alice.growth) == (160, 20)
    assert any("observed after the period" in n for n in alice.notes)
    assert (f["bob"].audience.followers, f["bob"].audience.growth) == (50, 50)
    assert f["dan"].audience.followers is None


def test_activity_engagement_amplification(ctx: AnalyticsContext) -> None:
    rows = {
        (r["entity_id"], r["network"]): r
        for r in run_metric(ctx.engine, "leader_activity", **PERIOD.params()).to_pylist()
    }
    alice = rows[("alice", "all")]
    # a1, a2 (bluesky) and m1 (mastodon); a5 is deleted; a3, a6 answer others; a4 is a thread
    assert (alice["originals"], alice["replies"], alice["threads"], alice["reposts"]) == (
        3, 2, 1, 0,
    )  # fmt: skip
    # a1: 10 interactions / 100 followers; a2: 6 / 120; m1 has no metrics
    assert alice["engagement_rate"] == pytest.approx((0.1 + 0.05) / 2)
    assert alice["measured"] == 2 and alice["amplifications"] == 3
    assert rows[("alice", "mastodon")]["originals"] == 1
    bob = rows[("bob", "all")]
    # b1 had 0 followers at posting (no rate), b3: 10 / 50
    assert bob["engagement_rate"] == pytest.approx(0.2)
    assert (bob["measured"], bob["amplifications"]) == (2, 1)


def test_conversation(ctx: AnalyticsContext) -> None:
    rows = {
        (r["entity_id"], r["network"]): r
        for r in run_metric(ctx.engine, "leader_conversation", **PERIOD.params()).to_pylist()
    }
    alice = rows[("alice", "all")]
    # x (answered after 2 h), y (answered after 50 h: too late), zoe; the forgotten g and
    # the quote do not count
    assert (alice["mentioners"], alice["answered"]) == (3, 1)
    assert alice["median_response_minutes"] == pytest.approx(120.0)
    assert (rows[("alice", "bluesky")]["mentioners"], rows[("alice", "mastodon")]["answered"]) == (
        2, 0,
    )  # fmt: skip
    assert ("bob", "all") not in rows
    f = gather(ctx, PERIOD, ctx.config.leaders)["alice"].conversation
    assert f.responsiveness == pytest.approx(1 / 3)
    assert f.dialogue_ratio == pytest.approx(2 / 6)
    assert f.quality(0.5)[0] == pytest.approx(1 / 3)
    # a wider window counts y's late answer too
    wide = run_metric(
        ctx.engine, "leader_conversation", **PERIOD.params(), response_seconds=51 * 3600
    ).to_pylist()
    assert (
        next(r for r in wide if r["entity_id"] == "alice" and r["network"] == "all")["answered"]
        == 2
    )
    unanswered = run_metric(ctx.engine, "leader_unanswered", **PERIOD.params()).to_pylist()
    assert sorted(r["author_id"] for r in unanswered) == ["did:y", "zoe@m.example"]


def test_sentiment_of_what_others_say(ctx: AnalyticsContext) -> None:
    s = gather(ctx, PERIOD, ctx.config.leaders)["alice"].sentiment
    assert s is not None
    # x1 (negative), x2 (quote, negative), y1 (positive), zoe (neutral)
    assert (s.posts, s.positive, s.negative, s.neutral, s.authors) == (4, 1, 2, 1, 3)
    assert s.raw is not None and s.raw.value == pytest.approx(-0.25)
    half = 1.959963984540054 * math.sqrt((0.25 + 0.5 - 0.0625) / 4)
    assert s.raw.low == -1.0 and s.raw.high == pytest.approx(-0.25 + half)
    # cap 1: x counts one post (half negative, half negative), y one, zoe one
    assert s.representative is not None and s.representative.value == pytest.approx(0.0)
    assert s.representative.n == 3
    assert s.effective_authors == pytest.approx(1 / (0.5**2 + 0.25**2 + 0.25**2))
    # 7 active authors in the period: the top 1% is one author, x, with both negatives
    assert s.population == 7
    assert s.loud_minority and s.loud_authors == 1 and s.loud_negative_share == 1.0


def test_index_by_hand(ctx: AnalyticsContext) -> None:
    ranking = rank(ctx, PERIOD)
    by_id = {r.leader.id: r for r in ranking.rows}
    alice, bob = by_id["alice"], by_id["bob"]
    assert alice.components["reach"].percentile == 75 and alice.components["reach"].rank == 1
    assert bob.components["engagement"].percentile == 75
    assert alice.components["centrality"].percentile == 50
    assert bob.components["centrality"].value is None
    assert alice.index == pytest.approx(
        0.15 * 75 + 0.20 * 25 + 0.10 * 75 + 0.25 * 75 + 0.20 * 50 + 0.10 * 50
    )
    assert bob.index == pytest.approx((0.15 * 25 + 0.20 * 75 + 0.10 * 25 + 0.25 * 25) / 0.7)
    assert bob.missing == ["centrality", "sentiment"]
    assert (alice.rank, bob.rank) == (1, 2)
    assert [r.leader.id for r in ranking.rows] == ["alice", "bob", "carol", "dan"]
    assert by_id["carol"].reason is not None and "absent" in by_id["carol"].reason
    assert by_id["dan"].reason is not None and "too inactive" in by_id["dan"].reason
    items = {i["leader"]: i for i in ranking.as_json()}
    assert items["dan"]["index"]["value"] is None and "1 post" in items["dan"]["index"]["reason"]
    assert items["carol"]["networks"]["bluesky"]["status"] == "absent"
    # nothing was written the week before: no rank change, with the reason
    assert items["alice"]["rank_change"]["value"] is None
    assert "previous period" in items["alice"]["rank_change"]["reason"]
    why = explain(ranking, "alice")
    assert sum(e["effect"] for e in why["effects"]) == pytest.approx(alice.index - 50, abs=0.05)
    assert why["lifts"][0] == "conversation"


def test_filters_and_rank_change(ctx: AnalyticsContext) -> None:
    finance = rank(ctx, PERIOD, sector="finance")
    assert [r.leader.id for r in finance.rows] == ["carol", "dan"]
    with pytest.raises(UsageError) as info:
        rank(ctx, PERIOD, cohort="ceos")
    assert "ceo" in (info.value.hint or "")
    # two periods of 3.5 days: the second half alone ranks alice and bob again
    second = Period(at(84), UNTIL)
    ranking = rank(ctx, second)
    assert all(r.rank is None for r in ranking.rows)  # too few posts in 3.5 days


def test_percentiles_ties() -> None:
    assert percentiles({"a": 1.0, "b": 1.0, "c": 3.0}) == {
        "a": (100 * 1 / 3, 2),
        "b": (100 * 1 / 3, 2),
        "c": (100 * (2 + 0.5) / 3, 1),
    }
    assert percentiles({"solo": 0.0}) == {"solo": (50.0, 1)}


@pytest.mark.parametrize(
    ("section", "line", "fragment"),
    [
        ("[index]\nweights = { reach = -1 }\n", 4, "out of range"),
        ("[index]\nmin_posts = 1\nweights = { fame = 1 }\n", 5, "unknown component"),
        ("[index]\nresponse_hours = 0\n", 4, "greater than 0"),
        ("[index]\nperiod = '28 days'\n", 4, "not a period length"),
        ("[index]\nedge_weights = { like = 1 }\n", 4, "unknown interaction kind"),
    ],
)
def test_index_settings_are_validated_with_the_line(section: str, line: int, fragment: str) -> None:
    text = "# veille\n\n" + section
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("veille.toml"))
    assert f"veille.toml:{line}:" in info.value.message
    assert fragment in info.value.message
