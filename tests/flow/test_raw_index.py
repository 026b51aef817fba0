"""The raw log's index: a re-import appends nothing again, snapshots are keyed by what
they observed, what a crash left appended but not indexed is indexed on the next run, and
a delete rewrites only the segments that hold the deleted item."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from veille.flow.ingest import ingest
from veille.model import AccountSnapshot, PostMetrics
from veille.plugins import connectors
from veille.sources.base import RawItem
from veille.store import Store
from veille.store.rawlog import RawLog
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

DID = "did:plc:abcdefghijklmnopqrstuvwx"


def page(i: int, followers: int = 10) -> str:
    user = {
        "id": str(1000 + i % 5),
        "username": f"user{i % 5}",
        "name": "U",
        "public_metrics": {"followers_count": followers, "following_count": 3, "tweet_count": 9},
    }
    tweet = {
        "id": str(10**15 + i),
        "text": f"tweet {i}",
        "author_id": user["id"],
        "created_at": "2026-10-01T10:00:00.000Z",
        "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 2},
    }
    return json.dumps({"data": [tweet], "includes": {"users": [user]}})


def import_file(root: Path, fmt: str, path: Path, **kw: Any) -> dict[str, Any]:
    cls = connectors()[fmt]
    with Workspace.open(root) as ws:
        return ingest(ws, cls([path], cls.Options()), **kw).as_dict()


def counts(root: Path) -> dict[str, int]:
    with Workspace.open(root) as ws:
        q = ws.store.scalar
        return {
            "raw_bytes": ws.rawlog.count_bytes(),
            "raw_items": sum(1 for _ in ws.rawlog.items()),
            "posts": int(q("SELECT count(*) FROM posts")),
            "snapshots": int(q("SELECT count(*) FROM account_snapshots")),
            "metrics": int(q("SELECT count(*) FROM post_metrics")),
            "indexed": int(q("SELECT count(*) FROM raw_items")),
            "duplicates": sum(ws.store.duplicate_keys().values()),
        }


def test_three_imports_of_the_same_file_hold_it_once(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    data = tmp_path / "t.jsonl"
    data.write_text("\n".join(page(i) for i in range(300)) + "\n")
    import_file(root, "twitter-v2", data)
    first = counts(root)
    assert first["raw_items"] == first["indexed"] == 300
    assert first["snapshots"] == 5  # one per account: the same counts on every page
    assert first["metrics"] == 300
    for _ in range(2):
        again = import_file(root, "twitter-v2", data)
        assert again["duplicates"] == 300 and again["new"] == 0
    assert counts(root) == first
    # a changed observation is new information: it is kept
    data.write_text(page(0, followers=11) + "\n")
    import_file(root, "twitter-v2", data)
    after = counts(root)
    assert after["raw_items"] == 301 and after["snapshots"] == 6


def test_snapshots_are_keyed_by_what_they_observed(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    t0 = datetime(2026, 11, 1, tzinfo=UTC)

    def snap(day: int, followers: int) -> AccountSnapshot:
        return AccountSnapshot(
            network="x", account_id="1", observed_at=t0 + timedelta(days=day), followers=followers
        )

    try:
        store.write([snap(0, 10), snap(1, 10), snap(2, 12)])
        store.write([snap(3, 12), snap(4, 10), snap(5, 10)])  # 12 again, back to 10
        store.write([PostMetrics(uri="u", observed_at=t0, likes=1)])
        store.write([PostMetrics(uri="u", observed_at=t0 + timedelta(hours=1), likes=1)])
        rows = store.con.execute(
            "SELECT date_part('day', observed_at), followers FROM account_snapshots ORDER BY 1"
        ).fetchall()
        assert rows == [(1, 10), (3, 12), (5, 10)]  # every change, none repeated
        assert store.scalar("SELECT count(*) FROM post_metrics") == 1
    finally:
        store.close()


def test_items_appended_but_not_indexed_by_a_crash_are_indexed_next_time(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    data = tmp_path / "t.jsonl"
    data.write_text("\n".join(page(i) for i in range(50)) + "\n")
    cls = connectors()["twitter-v2"]
    # what a kill -9 between the raw-log append and the commit leaves: items in the log
    items = [i for i in cls([data], cls.Options()).fetch(None) if isinstance(i, RawItem)]
    RawLog(root / "data" / "raw").append(items[:20])
    import_file(root, "twitter-v2", data)
    after = counts(root)
    assert after["raw_items"] == after["indexed"] == 50
    assert after["posts"] == 50 and after["duplicates"] == 0


def jetstream_post(i: int, day: str) -> dict[str, Any]:
    return {
        "did": f"{DID[:-2]}{i % 7:02d}",
        "time_us": 1_779_719_009_132_431 + i,
        "kind": "commit",
        "commit": {
            "rev": "3r",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": f"3k{i:08d}",
            "cid": "bafy",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": f"post {i} " + "du texte qui prend de la place " * 4,
                "createdAt": f"{day}T10:00:00.000Z",
            },
        },
    }


def test_a_delete_rewrites_only_the_segments_that_hold_it(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    RawLog.max_segment_bytes, saved = 1, RawLog.max_segment_bytes  # one import, one segment
    try:
        for part in range(6):
            data = tmp_path / f"j{part}.jsonl"
            events = [jetstream_post(part * 400 + i, "2026-11-20") for i in range(400)]
            data.write_text("\n".join(json.dumps(e) for e in events) + "\n")
            import_file(root, "jetstream", data)
        with Workspace.open(root) as ws:
            segments = {s.name: s.path.stat().st_mtime_ns for s in ws.rawlog.segments()}
            total = sum(1 for _ in ws.rawlog.items())
            victim = ws.store.scalar("SELECT uri FROM posts ORDER BY uri LIMIT 1 OFFSET 700")
            where = ws.store.segments_holding([victim])
        assert len(segments) >= 6 and len(where) == 1
        did, _, rkey = victim.removeprefix("at://").partition("/app.bsky.feed.post/")
        delete = {
            "did": did,
            "time_us": 1_779_719_009_999_999,
            "kind": "commit",
            "commit": {
                "rev": "3s",
                "operation": "delete",
                "collection": "app.bsky.feed.post",
                "rkey": rkey,
            },
        }
        data = tmp_path / "delete.jsonl"
        data.write_text(json.dumps(delete) + "\n")
        import_file(root, "jetstream", data)
        with Workspace.open(root) as ws:
            now = {s.name: s.path.stat().st_mtime_ns for s in ws.rawlog.segments()}
            rewritten = {n for n in segments if now.get(n) != segments[n]}
            assert rewritten == where  # one segment rewritten, the others untouched
            uris = {
                json.loads(bytes(i.payload)).get("commit", {}).get("rkey")
                for i in ws.rawlog.items()
            }
            assert rkey in uris  # the delete event itself is kept
            kept_posts = [
                i
                for i in ws.rawlog.items()
                if json.loads(bytes(i.payload))["commit"].get("operation") == "create"
            ]
            assert len(kept_posts) == total - 1
            assert ws.store.segments_holding([victim]) == set()
            assert ws.store.scalar("SELECT text FROM posts WHERE uri = ?", [victim]) is None
    finally:
        RawLog.max_segment_bytes = saved
