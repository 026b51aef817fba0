"""``post_labels`` stays equal to its recompute from ``enrichments`` and ``posts``
(``store/labels.py``) through everything that writes either: imports enriched inside the
batch, a re-enrichment with a new stage version, a deleted post, a forgotten account, an
edited post, retention and a rebuild."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pytest

from veille.flow import enrich
from veille.flow.enrich import enrich_pending
from veille.flow.forget import forget
from veille.flow.ingest import ingest
from veille.flow.rebuild import rebuild
from veille.flow.retention import apply_retention
from veille.model import Tombstone
from veille.pipeline.base import append_columns
from veille.plugins import connectors
from veille.store.labels import COLUMNS, labels_differ, recompute_labels
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twitter_v2"


def page(tweet_id: int, author: str, text: str, created: str) -> str:
    return json.dumps(
        {
            "data": [
                {"id": str(tweet_id), "text": text, "author_id": author, "created_at": created}
            ],
            "includes": {"users": [{"id": author, "username": f"u{author}", "name": author}]},
        }
    )


TWEETS = [
    (1, "11", "Quelle excellente nouvelle, bravo à toute l'équipe !", "2026-09-01T10:00:00.000Z"),
    (2, "22", "Scandaleux, une honte totale, je suis furieux.", "2026-09-01T11:00:00.000Z"),
    (3, "11", "The launch went great, really happy with it", "2026-11-30T09:00:00.000Z"),
    (4, "33", "Réunion demain à 10h.", "2026-11-30T10:00:00.000Z"),
    (5, "22", "Terrible service, never again", "2026-11-30T11:00:00.000Z"),
]


class Flip:
    """A new version of the sentiment stage: negative where the text says "great",
    no label elsewhere (so the older version's label stays the current one there)."""

    name: ClassVar[str] = "sentiment"
    version: ClassVar[str] = "flip-2"
    label_column: ClassVar[str] = "flip_label"
    confidence_column: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = "flip_score"
    detail_columns: ClassVar[tuple[str, ...]] = ()

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = batch.column("text").to_pylist()
        labels = ["negative" if "great" in (t or "") else None for t in texts]
        return append_columns(
            batch,
            {
                "flip_label": pa.array(labels, pa.string()),
                "flip_score": pa.array([0.5] * len(texts), pa.float64()),
            },
        )


def import_file(ws: Workspace, path: Path) -> None:
    cls = connectors()["twitter-v2"]
    ingest(ws, cls([path], cls.Options()))


def check(ws: Workspace) -> dict[str, dict[str, object]]:
    """Assert the table equals its recompute; return its rows by URI."""
    assert labels_differ(ws.store.con) == 0
    rows = ws.store.con.execute(f"SELECT {', '.join(COLUMNS)} FROM post_labels").fetchall()
    by_uri = {str(r[0]): dict(zip(COLUMNS, r, strict=True)) for r in rows}
    assert len(by_uri) == len(rows)  # one row per post
    return by_uri


def test_post_labels_equal_their_recompute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    init_workspace(root, "")
    data = tmp_path / "t.jsonl"
    data.write_text("\n".join(page(*t) for t in TWEETS) + "\n")
    with Workspace.open(root) as ws:
        import_file(ws, data)
        rows = check(ws)
        uris = {
            str(r[0]): str(r[1])
            for r in ws.store.con.execute("SELECT post_id, uri FROM posts").fetchall()
        }
        assert len(rows) == len(TWEETS)
        first = rows[uris["1"]]
        assert first["sentiment"] == "positive" and first["language"] == "fr"
        assert first["stakeholder"] is not None and first["created_at"] == datetime(
            2026, 9, 1, 10, tzinfo=UTC
        )
        assert rows[uris["2"]]["sentiment"] == "negative"

        # a new version of the sentiment stage: every post is enriched again
        stages = [s for s in enrich.registered_stages(ws.config) if s.name != "sentiment"]
        monkeypatch.setattr(enrich, "registered_stages", lambda config: [*stages, Flip()])
        assert enrich_pending(ws) == len(TWEETS)
        rows = check(ws)
        assert rows[uris["3"]]["sentiment"] == "negative"  # the new version's label
        assert rows[uris["3"]]["sentiment_score"] == 0.5
        assert rows[uris["1"]]["sentiment"] == "positive"  # no new label: the older one
        monkeypatch.undo()

        # a deleted post and a forgotten account
        ws.store.write(
            [Tombstone(key=uris["4"], kind="post", network="x", deleted_at=datetime.now(UTC))]
        )
        rows = check(ws)
        assert uris["4"] not in rows
        forget(ws, "x:22")
        rows = check(ws)
        assert uris["2"] not in rows and uris["5"] not in rows
        assert set(rows) == {uris["1"], uris["3"]}

        # an edited post: the latest version replaces the first, with its own date
        import_file(ws, FIXTURES / "edited_part_first.jsonl")
        import_file(ws, FIXTURES / "edited_part_latest.jsonl")
        rows = check(ws)
        edited = ws.store.con.execute(
            "SELECT uri, created_at FROM posts WHERE post_id = '1700000000000000109'"
        ).fetchall()
        assert rows[str(edited[0][0])]["created_at"] == edited[0][1]
        before = rows

    # retention purges old text (the labels stay: the rebuild carries them over), then
    # a rebuild and the enrichment it leaves pending
    (root / "veille.toml").write_text("[workspace]\nretention_days = 30\n")
    with Workspace.open(root) as ws:
        assert apply_retention(ws).posts_purged > 0
        rebuild(ws)
        check(ws)
        enrich_pending(ws)
        after = check(ws)
    # the rebuild re-enriched with the built-in sentiment stage: only its labels may differ
    assert set(after) == set(before)
    for key, row in before.items():
        for column in ("network", "author_id", "created_at", "stakeholder", "language"):
            assert after[key][column] == row[column], (key, column)


def test_recompute_replaces_the_table(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, "")
    data = tmp_path / "t.jsonl"
    data.write_text("\n".join(page(*t) for t in TWEETS) + "\n")
    with Workspace.open(root) as ws:
        import_file(ws, data)
        con = ws.store.con
        con.execute("DELETE FROM post_labels WHERE uri IN (SELECT min(uri) FROM posts)")
        con.execute("UPDATE post_labels SET sentiment = 'x'")
        assert labels_differ(con) == 2 * len(TWEETS) - 1
        assert recompute_labels(con) == len(TWEETS)
        assert labels_differ(con) == 0


def test_the_migration_backfills_an_older_store(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, "")
    data = tmp_path / "t.jsonl"
    data.write_text("\n".join(page(*t) for t in TWEETS) + "\n")
    with Workspace.open(root) as ws:
        import_file(ws, data)
        con = ws.store.con  # back to the schema before the table (migration 9)
        con.execute("DROP TABLE post_labels")
        con.execute("DROP TABLE post_links")  # migration 10 runs again after it
        con.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    with Workspace.open(root) as ws:
        assert ws.store.scalar("SELECT count(*) FROM post_labels") == len(TWEETS)
        assert labels_differ(ws.store.con) == 0
