"""``retention_days`` purges old text and raw-log days, keeps the rows, survives rebuild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from veille.flow.rebuild import rebuild
from veille.flow.retention import apply_retention
from veille.model import Post
from veille.sources.base import RawItem
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_retention_purges_old_text_and_segments(tmp_path: Path) -> None:
    init_workspace(tmp_path, "[workspace]\nretention_days = 30\n")
    with Workspace.open(tmp_path) as ws:
        old, new = NOW - timedelta(days=45), NOW - timedelta(days=2)
        ws.store.write(
            [
                Post(
                    uri=u,
                    network="web",
                    post_id=u,
                    author_id="a",
                    created_at=t,
                    collected_at=t,
                    text=f"texte {u}",
                )
                for u, t in (("old", old), ("new", new))
            ]
        )
        ws.rawlog.append(
            [
                RawItem.of("rss-file", "f:1", {"x": 1}, old),
                RawItem.of("rss-file", "f:2", {"x": 2}, new),
            ]
        )
        done = apply_retention(ws, now=NOW)
        assert (done.posts_purged, done.files_removed) == (1, 1)
        texts = dict(ws.store.con.execute("SELECT uri, text FROM posts").fetchall())
        assert texts == {"old": None, "new": "texte new"}
        assert [s.path.name for s in ws.rawlog.segments()] == [f"{new:%Y-%m-%d}.jsonl.zst"]
        assert ws.store.scalar("SELECT count(*) FROM audit WHERE action = 'retention'") == 1
        assert apply_retention(ws, now=NOW).posts_purged == 0
        rebuild(ws)
        assert ws.store.scalar("SELECT count(*) FROM posts WHERE uri = 'old'") == 1


def test_zero_keeps_everything(tmp_path: Path) -> None:
    init_workspace(tmp_path, "")
    with Workspace.open(tmp_path) as ws:
        assert apply_retention(ws).cutoff is None
