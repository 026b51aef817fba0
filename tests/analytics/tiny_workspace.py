"""Tiny hand-built workspaces for the analytics tests: a registry, records written
through the store, and the analytics context over it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from veille.analytics.context import AnalyticsContext, build_context
from veille.analytics.engine import DuckDBEngine
from veille.model import Post, Record
from veille.signals.model import Signal
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


def post(author: str, n: int, when: datetime, network: str = "bluesky", **kw: Any) -> Post:
    uri = (
        f"at://{author}/app.bsky.feed.post/{n}"
        if network == "bluesky"
        else f"https://{network}.example/{author}/{n}"
    )
    return Post(
        uri=uri,
        network=network,
        post_id=str(n),
        author_id=author,
        created_at=when,
        collected_at=when,
        text=kw.pop("text", f"post {n}"),
        source="test",
        **kw,
    )


@contextmanager
def tiny(
    root: Path,
    registry: str,
    records: Sequence[Record],
    *,
    now: datetime | None = None,
    enrich: bool = False,
    signals: Sequence[Signal] = (),
) -> Iterator[AnalyticsContext]:
    """A workspace at ``root`` holding ``records`` and ``signals`` (written as a detection
    pass writes them); ``enrich`` runs the real stages."""
    init_workspace(root, registry)
    with Workspace.open(root) as ws:
        ws.store.write(list(records))
        if signals:
            from veille.signals.store import signal_row
            from veille.store.signals import SignalPassJob

            ws.store.writer.run(SignalPassJob(signals=[signal_row(x) for x in signals]))
        if enrich:
            from veille.flow.enrich import enrich_pending

            enrich_pending(ws)
        yield build_context(DuckDBEngine(ws.store.con), ws.config, now=now)


def veille(*args: str, lang: str = "en") -> Any:
    """Run the real ``veille`` entry point in a subprocess."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "VEILLE_LANG": lang, "COLUMNS": "150"}
    return subprocess.run(
        [sys.executable, "-m", "veille", *args], capture_output=True, text=True, env=env,
        timeout=300,
    )  # fmt: skip
