"""``veille export --parquet``: the lake holds the store's tables, posts by day, and a
second export rewrites only what changed (a deletion rewrites its day)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from leader_store import T0, build
from typer.testing import CliRunner

from veille.analytics.lake import export_lake
from veille.cli.app import app
from veille.model import Tombstone
from veille.workspace.workspace import init_workspace


def _lake_posts(lake: Path) -> list[tuple[str, object]]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con.execute(
        f"SELECT uri, deleted_at FROM read_parquet('{lake}/posts/*/*.parquet', "
        "hive_partitioning = true) ORDER BY uri"
    ).fetchall()


def test_lake_is_incremental(tmp_path: Path) -> None:
    store = build(tmp_path / "s.duckdb")
    lake = tmp_path / "lake"
    first = export_lake(store.con, lake)
    days = sorted(p.name for p in (lake / "posts").iterdir())
    assert days == ["day=2026-10-01", "day=2026-10-03", "day=2026-10-05", "day=2026-10-06"]
    assert "tombstones" in first.written and (lake / "post_metrics" / "data.parquet").exists()
    stored = store.con.execute("SELECT uri, deleted_at FROM posts ORDER BY uri").fetchall()
    assert _lake_posts(lake) == stored
    again = export_lake(store.con, lake)
    assert again.written == [] and again.kept == len(first.written)
    uri = "at://did:b/app.bsky.feed.post/2"  # bob's post of day 5 (hour 110)
    store.write([Tombstone(key=uri, kind="post", network="bluesky", deleted_at=T0)])
    third = export_lake(store.con, lake)
    assert third.written == ["posts/day=2026-10-05", "tombstones"]
    deleted = dict(_lake_posts(lake))[uri]
    assert deleted is not None
    store.close()


def test_export_command(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    build(root / "data" / "veille.duckdb").close()
    out = tmp_path / "lake"
    result = CliRunner().invoke(app, ["export", "--workspace", str(root), "--parquet", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "_veille_lake.json").exists() and (out / "posts").is_dir()
