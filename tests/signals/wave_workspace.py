"""Tiny workspaces for the bad-buzz and campaign tests: posts written through the store,
sentiment labels written through the writer (an ``EnrichJob``), so every figure can be
worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from veille.model import Account, Post, Record
from veille.store.writes import EnrichJob, Enrichment
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

T0 = datetime(2026, 10, 1, tzinfo=UTC)

REGISTRY = """
[[organisations]]
id = "acme"
name = "Acme"
kind = "own"
accounts = { bluesky = ["did:acme"] }

[[leaders]]
id = "lea"
name = "Léa Martin"
organisation = "acme"
accounts = { bluesky = ["did:lea"] }
"""


def at(days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def post(author: str, n: int, when: datetime, target: str, text: str) -> Post:
    return Post(
        uri=f"at://{author}/app.bsky.feed.post/{n}",
        network="bluesky",
        post_id=str(n),
        author_id=author,
        created_at=when,
        collected_at=when,
        text=text,
        mentions=[target],
        source="test",
    )


def label(ws: Workspace, labels: dict[str, str]) -> None:
    """Write the ``sentiment`` label of each post (uri -> label) through the writer."""
    uris = sorted(labels)
    rows = pa.table(
        {
            "uri": pa.array(uris, pa.string()),
            "stage": pa.array(["sentiment"] * len(uris), pa.string()),
            "version": pa.array(["test-1"] * len(uris), pa.string()),
            "label": pa.array([labels[u] for u in uris], pa.string()),
            "confidence": pa.array([1.0] * len(uris), pa.float64()),
            "score": pa.array([0.0] * len(uris), pa.float64()),
            "detail": pa.array([None] * len(uris), pa.string()),
        }
    )
    matches = pa.table({"watch_id": pa.array([], pa.string()), "uri": pa.array([], pa.string())})
    job = EnrichJob(Enrichment("test", pa.array(uris, pa.string()), rows, matches,
                               ["sentiment=test-1"]))  # fmt: skip
    ws.writer.run(job)


@contextmanager
def wave_workspace(
    root: Path, posts: Sequence[tuple[Post, str]], extra: Sequence[Record] = ()
) -> Iterator[Workspace]:
    """A workspace holding ``posts`` (each with its sentiment label) and ``extra``."""
    init_workspace(root, REGISTRY)
    with Workspace.open(root) as ws:
        own = [Account(network="bluesky", account_id=a, handle=f"{a[4:]}.example")
               for a in ("did:acme", "did:lea")]  # fmt: skip
        records: list[Any] = [*own, *extra, *(p for p, _ in posts)]
        ws.store.write(records)
        label(ws, {p.uri: lab for p, lab in posts})
        yield ws


def background(days: int = 8) -> list[tuple[Post, str]]:
    """One neutral post a day about each entity, at 12:05, by a different author each."""
    out = []
    for d in range(days):
        out.append((post(f"did:bg{d}", 1000 + d, at(days=d, hours=12, minutes=5), "did:acme",
                         "Acme publie ses résultats."), "neutral"))  # fmt: skip
        out.append((post(f"did:bl{d}", 2000 + d, at(days=d, hours=12, minutes=5), "did:lea",
                         "Léa Martin en conférence."), "neutral"))  # fmt: skip
    return out
