"""The enrichment driver over a real workspace: pending detection, re-enrichment when the
pipeline changes, no duplicate rows, resumability."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pytest

from veille.flow import enrich
from veille.flow.enrich import enrich_pending
from veille.model import Post
from veille.pipeline.base import append_columns
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

T0 = datetime(2026, 10, 1, tzinfo=UTC)


class Length:
    """A tiny real stage: the text length as a label."""

    name: ClassVar[str] = "length"
    version: ClassVar[str] = "1"
    label_column: ClassVar[str] = "length_label"
    confidence_column: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = "length_score"
    detail_columns: ClassVar[tuple[str, ...]] = ()

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        lengths = [len(t or "") for t in batch.column("text").to_pylist()]
        return append_columns(
            batch,
            {
                "length_label": pa.array(["long" if n > 5 else "short" for n in lengths]),
                "length_score": pa.array(lengths, pa.float64()),
            },
        )


class Watch:
    name: ClassVar[str] = "watches"
    version: ClassVar[str] = "w1"
    label_column: ClassVar[str] = "watch_ids"
    confidence_column: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = None
    detail_columns: ClassVar[tuple[str, ...]] = ()

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        ids = [["acme"] if "acme" in (t or "") else [] for t in batch.column("text").to_pylist()]
        return append_columns(batch, {"watch_ids": pa.array(ids, pa.list_(pa.string()))})


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    init_workspace(tmp_path, "")
    stages: list[object] = [Length(), Watch()]
    monkeypatch.setattr(enrich, "registered_stages", lambda config: stages)
    workspace = Workspace.open(tmp_path)
    workspace.store.write(
        [
            Post(
                uri=f"u{i}",
                network="web",
                post_id=str(i),
                author_id="a",
                created_at=T0,
                collected_at=T0,
                text=text,
            )
            for i, text in enumerate(["salut", "acme rachète globex", "bonjour acme", None])
        ]
    )
    return workspace


def counts(ws: Workspace) -> tuple[int, int, int]:
    return tuple(
        int(ws.store.scalar(f"SELECT count(*) FROM {t}"))  # type: ignore[return-value]
        for t in ("enrichments", "matches", "enriched")
    )


def test_enriches_pending_once(ws: Workspace) -> None:
    assert enrich_pending(ws) == 3  # the post without text is skipped
    assert counts(ws) == (6, 2, 3)
    assert enrich_pending(ws) == 0
    assert counts(ws) == (6, 2, 3)
    labels = dict(
        ws.store.con.execute("SELECT uri, label FROM enrichments WHERE stage = 'length'").fetchall()
    )
    assert labels == {"u0": "short", "u1": "long", "u2": "long"}


def test_new_version_re_enriches_without_duplicates(ws: Workspace) -> None:
    enrich_pending(ws)
    Watch.version = "w2"
    try:
        assert enrich_pending(ws) == 3
    finally:
        Watch.version = "w1"
    rows = ws.store.con.execute(
        "SELECT stage, version, count(*) FROM enrichments GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert rows == [("length", "1", 3), ("watches", "w1", 3), ("watches", "w2", 3)]
    assert counts(ws)[1:] == (2, 3)


def test_new_post_only_is_pending(ws: Workspace) -> None:
    enrich_pending(ws)
    ws.store.write(
        [
            Post(
                uri="u9",
                network="web",
                post_id="9",
                author_id="a",
                created_at=T0,
                collected_at=T0,
                text="acme",
            )
        ]
    )
    assert enrich_pending(ws) == 1
    assert counts(ws) == (8, 3, 4)
