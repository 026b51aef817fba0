"""The bad-buzz and campaign detectors driven by random streams (Hypothesis) and by bad
input: never a crash, never a NaN, never the same bucket of an entity claimed by both, no
storm of alarms from one flooding author, silences, posts in the future or far in the
past."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wave_workspace import T0, wave_workspace

from veille.analytics.engine import DuckDBEngine
from veille.signals import buzz, campaign
from veille.signals.model import Signal
from veille.signals.wave import WaveConfig, WaveData, episodes, from_rows, span
from veille.workspace import Workspace

CFG = WaveConfig()
NAMES = {"organisation:acme": "Acme", "leader:lea": "Léa Martin"}


@pytest.fixture(scope="module")
def empty_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    with wave_workspace(tmp_path_factory.mktemp("wave") / "ws", []) as ws:
        yield ws


def _row(i: int, entity: str, author: int, when: datetime, sentiment: str | None) -> dict:
    kind, entity_id = entity.split(":")
    return {"kind": kind, "entity_id": entity_id, "network": "bluesky",
            "uri": f"at://did:a{author}/app.bsky.feed.post/{i}", "author_id": f"did:a{author}",
            "created_at": when, "sentiment": sentiment, "text": f"texte {author % 3} {i % 2}",
            "account_created": None, "account_first_seen": None}  # fmt: skip


def _data(ws: Workspace, rows: list[dict], start: datetime, end: datetime) -> WaveData:
    origin, scan, first, last = span(CFG, start, end, end)
    began = min((r["created_at"] for r in rows), default=None)
    return from_rows(rows, CFG, DuckDBEngine(ws.store.con), NAMES,
                     origin=origin, scan=scan, first=first, last=last, began=began)  # fmt: skip


def _check(signals: list[Signal]) -> None:
    for s in signals:
        assert math.isfinite(s.score) and s.score >= 0
        text = json.dumps(s.as_json(), ensure_ascii=False, allow_nan=False)
        assert "NaN" not in text and "nan%" not in text
        assert s.first_seen <= s.detected_at <= (s.updated_at or s.detected_at)


def _exclusive(data: WaveData) -> None:
    for stream in data.streams.values():
        bb = {b for ep in episodes(data, stream, partial(buzz.hit_at, data, stream))
              for b, _ in ep.hits}  # fmt: skip
        cc = {b for ep in episodes(data, stream, partial(campaign.hit_at, data, stream))
              for b, _ in ep.hits}  # fmt: skip
        assert not bb & cc


events = st.lists(
    st.tuples(
        st.sampled_from(["organisation:acme", "leader:lea"]),
        st.integers(0, 40),  # author
        st.floats(0, 10 * 24 * 60, allow_nan=False),  # minutes after T0
        st.sampled_from(["negative", "positive", "neutral", None, "unknown"]),
    ),
    max_size=300,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=events, burst_at=st.floats(8 * 24 * 60, 10 * 24 * 60 - 60), flood=st.booleans())
def test_random_streams(empty_ws: Workspace, events: list, burst_at: float, flood: bool) -> None:
    rows = [_row(i, e, a, T0 + timedelta(minutes=m), s) for i, (e, a, m, s) in enumerate(events)]
    # a wave on top: many authors (or a few flooding ones) negative within 20 minutes
    authors = 3 if flood else 12
    rows += [_row(1000 + i, "organisation:acme", 100 + i % authors,
                  T0 + timedelta(minutes=burst_at + i), "negative") for i in range(20)]  # fmt: skip
    start, end = T0 + timedelta(days=8), T0 + timedelta(days=10)
    data = _data(empty_ws, rows, start, end)
    found = buzz.bad_buzz_signals(data) + campaign.campaign_signals(data)
    _check(found)
    _exclusive(data)
    assert len(found) <= 6  # no storm


def test_one_author_flooding_raises_nothing(empty_ws: Workspace) -> None:
    rows = [_row(i, "organisation:acme", 900 + i, T0 + timedelta(days=i % 8, hours=12), "neutral")
            for i in range(16)]  # fmt: skip
    rows += [_row(100 + i, "organisation:acme", 1, T0 + timedelta(days=8, minutes=i), "negative")
             for i in range(200)]  # fmt: skip
    data = _data(empty_ws, rows, T0 + timedelta(days=8), T0 + timedelta(days=9))
    assert buzz.bad_buzz_signals(data) == []
    assert campaign.campaign_signals(data) == []  # one account is not a coordinated campaign


def test_silences_future_and_ancient_posts(empty_ws: Workspace) -> None:
    start, end = T0 + timedelta(days=30), T0 + timedelta(days=31)
    rows: list[dict[str, Any]] = [
        _row(1, "organisation:acme", 1, T0 - timedelta(days=3650), "negative"),  # far past
        _row(2, "organisation:acme", 2, T0 + timedelta(days=400), "negative"),  # future
        _row(3, "organisation:acme", 3, T0 + timedelta(days=30, hours=5), "negative"),
    ]
    data = _data(empty_ws, rows, start, end)
    assert buzz.bad_buzz_signals(data) == [] and campaign.campaign_signals(data) == []
    # a clock jump back: the end before the start is an empty pass
    data = _data(empty_ws, rows, end, start)
    assert buzz.bad_buzz_signals(data) == [] and campaign.campaign_signals(data) == []


def test_a_real_store_with_a_clock_jump(tmp_path: Path) -> None:
    with wave_workspace(tmp_path / "ws", []) as ws:
        assert buzz.detect_bad_buzz(ws, T0, T0 - timedelta(days=1), now=T0) == []
        assert campaign.detect_campaigns(ws, T0 + timedelta(days=9), T0, now=T0) == []


@pytest.mark.parametrize(("authors", "kind"), [(12, "bad_buzz"), (3, "campaign")])
def test_the_wave_on_its_own(empty_ws: Workspace, authors: int, kind: str) -> None:
    rows = [_row(i, "organisation:acme", 900 + i, T0 + timedelta(days=i % 8, hours=12), "neutral")
            for i in range(16)]  # fmt: skip
    wave = T0 + timedelta(days=8, hours=9)
    rows += [_row(1000 + i, "organisation:acme", 100 + i % authors,
                  wave + timedelta(minutes=i), "negative") for i in range(20)]  # fmt: skip
    data = _data(empty_ws, rows, T0 + timedelta(days=8), T0 + timedelta(days=9))
    found = buzz.bad_buzz_signals(data) + campaign.campaign_signals(data)
    assert [s.kind for s in found] == [kind]


def test_a_campaign_that_starts_like_a_bad_buzz_is_not_one(empty_ws: Workspace) -> None:
    rows = [_row(i, "organisation:acme", 900 + i, T0 + timedelta(days=i % 8, hours=12), "neutral")
            for i in range(16)]  # fmt: skip
    wave = T0 + timedelta(days=8, hours=9)
    # 8 accounts post once each in the first 10 minutes (a bad buzz by the window test)...
    rows += [_row(1000 + i, "organisation:acme", 100 + i, wave + timedelta(minutes=i), "negative")
             for i in range(8)]  # fmt: skip
    early = _data(empty_ws, rows, T0 + timedelta(days=8), wave + timedelta(minutes=15))
    assert [s.kind for s in buzz.bad_buzz_signals(early)] == ["bad_buzz"]
    # ...then 4 more posts each over the next hours: the same accounts carry the wave
    later = wave + timedelta(hours=2)
    rows += [_row(2000 + i, "organisation:acme", 100 + i % 8,
                  later + timedelta(minutes=4 * i), "negative") for i in range(32)]  # fmt: skip
    late = _data(empty_ws, rows, T0 + timedelta(days=8), wave + timedelta(hours=6))
    assert buzz.bad_buzz_signals(late) == []
    assert [s.kind for s in campaign.campaign_signals(late)] == ["campaign"]
