"""The detection pass in the collection loop and on the open bucket, and random streams
of bad time stamps that must neither crash it nor raise a storm of alarms."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_signal_pass import BURST, REGISTRY, make, quiet_then_burst

from veille.flow.collect import listen
from veille.model import Post, RawItem, Record
from veille.signals.detect import detect
from veille.sources.base import Connector, Reject
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace


def test_a_burst_is_seen_on_the_open_bucket_before_it_closes(tmp_path: Path) -> None:
    root = make(tmp_path / "ws", quiet_then_burst())
    with Workspace.open(root) as ws:
        # six minutes into the bucket of the burst: that bucket is still open
        summary = detect(ws, now=BURST + timedelta(minutes=6))
        tag = next(s for s in summary.signals if s.term == "#forum26" and s.kind == "burst")
        assert tag.detected_at == BURST + timedelta(minutes=4)  # the 5th author
        assert tag.detail["open"] is True
        last = ws.store.scalar("SELECT last_bucket FROM signal_detectors WHERE detector = 'w1'")
        assert last < int(BURST.timestamp() // 900)  # the open bucket is not stepped
        # once it closes, the same episode (same id) goes on
        closed = detect(ws, now=BURST + timedelta(minutes=40))
        again = next(s for s in closed.signals if s.term == "#forum26" and s.kind == "burst")
        assert again.id == tag.id and again.authors == 8


class FakeStream(Connector):
    """A live source that yields posts as JSON (the test's own network: bluesky)."""

    id: ClassVar[str] = "test-signals-stream"
    kind: ClassVar[Any] = "stream"
    network: ClassVar[str] = "bluesky"

    def __init__(self, posts: list[dict[str, Any]]) -> None:
        super().__init__()
        self.posts = posts

    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        for i, p in enumerate(self.posts):
            self.cursor = str(i)
            yield RawItem.of(self.id, "test", p)

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        p = json.loads(bytes(raw.payload))
        when = datetime.fromisoformat(p["at"])
        return [
            Post(
                uri=f"at://{p['author']}/app.bsky.feed.post/{p['n']}",
                network="bluesky",
                post_id=str(p["n"]),
                author_id=p["author"],
                created_at=when,
                collected_at=when,
                text=p["text"],
                source=cls.id,
                hashtags=["Forum26"],
            )
        ]


def test_listen_runs_the_pass_as_it_commits(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, REGISTRY)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
    posts = [
        {"author": f"did:s{i}", "n": i, "at": (start + timedelta(minutes=i)).isoformat(),
         "text": f"Au Forum Demain #Forum26 ({i})"}
        for i in range(10)
    ]  # fmt: skip
    ticks: list[int] = []
    with Workspace.open(root) as ws:

        def tick() -> None:
            ticks.append(len(detect(ws).signals))

        listen(ws, "test", connector=FakeStream(posts), tick=tick, tick_every=0.0)
        assert ticks and max(ticks) > 0
        kinds = {r[0] for r in ws.store.con.execute("SELECT kind FROM signals").fetchall()}
        assert "burst" in kinds


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    offsets=st.lists(
        st.one_of(
            st.floats(min_value=-3 * 24 * 60, max_value=60),  # minutes around now
            st.floats(min_value=-60 * 365 * 24 * 60, max_value=60 * 365 * 24 * 60),
        ),
        min_size=1,
        max_size=60,
    ),
    authors=st.integers(min_value=1, max_value=8),
    jumps=st.lists(st.floats(min_value=-30 * 24 * 60, max_value=30 * 24 * 60), max_size=4),
)
def test_random_time_stamps_and_clock_jumps_never_crash_nor_storm(
    tmp_path_factory: Any, offsets: list[float], authors: int, jumps: list[float]
) -> None:
    root = tmp_path_factory.mktemp("rand") / "ws"
    now = datetime(2026, 9, 10, 12, tzinfo=UTC)
    from tiny_workspace import post

    recs = [
        post(
            f"did:r{i % authors}",
            i,
            now + timedelta(minutes=m),
            text=f"#Rand {i}",
            hashtags=["Rand"],
        )
        for i, m in enumerate(offsets)
    ]
    root = make(root, recs)
    with Workspace.open(root) as ws:
        clock = now
        found = 0
        for j in [0.0, *jumps]:
            clock = clock + timedelta(minutes=j)
            summary = detect(ws, now=clock)
            found += sum(1 for s in summary.signals if s.kind == "burst")
        # a burst needs four distinct authors: fewer can never raise one, and a handful of
        # authors raise at most a few (one per window per episode), never a storm
        if authors < 4:
            assert found == 0
        assert ws.store.duplicate_keys()["signals"] == 0
        stored = ws.store.scalar("SELECT count(*) FROM signals WHERE kind = 'burst'")
        assert stored <= 3 * max(1, len(offsets) // 4)
