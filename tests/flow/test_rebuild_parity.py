"""``veille rebuild`` gives back the same store, table by table and row for row: the demo
workspace with deletes, an unfollow, a forgotten account and a retention pass on top is
compared with its rebuild. Only the times at which veille computed something (enriched_at,
matched_at, updated_at of accounts) and the audit line of the rebuild itself may differ."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from veille.flow.forget import forget
from veille.flow.ingest import ingest
from veille.flow.rebuild import rebuild
from veille.flow.retention import apply_retention
from veille.plugins import connectors
from veille.store.links import expected_links
from veille.store.schema import TABLE_KEYS
from veille.workspace import Workspace

#: processing times: when veille wrote a row, not what the data says
VOLATILE = {
    "enrichments": {"enriched_at"},
    "enriched": {"enriched_at"},
    "matches": {"matched_at"},
    "accounts": {"updated_at"},
}


def follow_events(did: str, subject: str) -> list[dict[str, object]]:
    base = {"did": did, "kind": "commit"}
    follow = {
        "rev": "3r",
        "collection": "app.bsky.graph.follow",
        "rkey": "3kfollowparity",
    }
    return [
        {
            **base,
            "time_us": 1_783_175_888_000_001,
            "commit": {
                **follow,
                "operation": "create",
                "cid": "bafy",
                "record": {
                    "$type": "app.bsky.graph.follow",
                    "subject": subject,
                    "createdAt": "2026-07-04T10:00:00.000Z",
                },
            },
        },
        {**base, "time_us": 1_783_175_888_000_002, "commit": {**follow, "operation": "delete"}},
    ]


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[object, ...]]:
    cols = [
        r[0]
        for r in con.execute(f"DESCRIBE {table}").fetchall()
        if r[0] not in VOLATILE.get(table, set())
    ]
    quoted = ", ".join(f'"{c}"' for c in cols)
    return sorted(con.execute(f"SELECT {quoted} FROM {table}").fetchall(), key=repr)


def test_a_store_and_its_rebuild_are_the_same_row_for_row(
    demo_workspace: Path, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(demo_workspace, root)
    toml = root / "veille.toml"  # posts of September 2026 lose their text to retention
    toml.write_text(toml.read_text().replace("retention_days = 0", "retention_days = 70"))
    with Workspace.open(root) as ws:
        did, subject = ws.store.con.execute(
            "SELECT a.account_id, b.account_id FROM accounts a, accounts b "
            "WHERE a.network = 'bluesky' AND b.network = 'bluesky' AND a.account_id < b.account_id "
            "AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = a.account_id "
            "AND f.followee_id = b.account_id) ORDER BY 1, 2 LIMIT 1"
        ).fetchall()[0]
        victim = ws.store.scalar(
            "SELECT author_id FROM posts WHERE network = 'bluesky' AND author_id NOT IN (?, ?) "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [did, subject],
        )
    cls = connectors()["jetstream"]
    with Workspace.open(root) as ws:  # a follow, then (another day, another file) its end
        for name, event in zip(("follow", "unfollow"), follow_events(did, subject), strict=True):
            path = tmp_path / f"{name}.jsonl"
            path.write_text(json.dumps(event) + "\n")
            ingest(ws, cls([path], cls.Options()))
        assert ws.store.scalar("SELECT count(*) FROM follows WHERE deleted_at IS NOT NULL") >= 1
        forget(ws, f"bluesky:{victim}")
        # an hour ahead: the rebuild's own retention pass, moments later, finds nothing more
        # to purge (a post dated between the two cutoffs made the test flaky under load)
        ahead = datetime.now(UTC) + timedelta(hours=1)
        assert apply_retention(ws, now=ahead).posts_purged > 0
    with Workspace.open(root) as ws:
        before = {t: table_rows(ws.store.con, t) for t in TABLE_KEYS if t != "audit"}
        audit = ws.store.scalar("SELECT count(*) FROM audit")
        summary = rebuild(ws)
        assert summary.items > 0
        from veille.flow.enrich import enrich_pending

        enrich_pending(ws)
        after = {t: table_rows(ws.store.con, t) for t in TABLE_KEYS if t != "audit"}
        # the derived links equal their recompute (``store/links.py``)
        assert after["post_links"] == sorted(expected_links(ws.store.con), key=repr)
        assert ws.store.scalar("SELECT count(*) FROM audit") == audit + 1  # the rebuild's line
        assert sum(ws.store.duplicate_keys().values()) == 0
    assert before["follows"] and before["posts"] and before["enrichments"]
    for table in before:
        assert len(after[table]) == len(before[table]), table
        assert after[table] == before[table], table
