"""``veille rebuild`` re-derives the signals and the detector state from the raw log: the
same signals come back with the same ids (so alerts already sent are not sent again)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli_run import veille_cli
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

REGISTRY = """
[workspace]
language = "en"

[signals]
windows = [1, 4]
grace_minutes = 0
"""


def test_rebuild_gives_back_the_same_signals_and_state(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, REGISTRY)
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    rows = [
        {"uri": f"at://did:bg{d}/app.bsky.feed.post/{d}", "author_id": f"did:bg{d}",
         "created_at": (t0 + timedelta(days=d, hours=12)).isoformat(),
         "text": "Vu au #Salon26", "hashtags": "Salon26"}
        for d in range(3)
    ] + [
        {"uri": f"at://did:u{i}/app.bsky.feed.post/{i}", "author_id": f"did:u{i}",
         "created_at": (t0 + timedelta(days=3, hours=9, minutes=i)).isoformat(),
         "text": f"Le Salon Demain ouvre #Salon26 ({i})", "hashtags": "Salon26"}
        for i in range(9)
    ]  # fmt: skip
    path = tmp_path / "posts.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    ran = veille_cli(
        "import", "csv", str(path), "--workspace", str(root), "-o", "network=bluesky",
        "-o", "mapping=uri:uri,author_id:author_id,created_at:created_at,text:text,"
        "hashtags:hashtags",
    )  # fmt: skip
    assert ran.code == 0, ran.output
    listed = veille_cli("signals", "--workspace", str(root), "--format", "json")
    assert listed.code == 0, listed.output
    with Workspace.open(root, read_only=True) as ws:
        before = ws.store.con.execute(
            "SELECT id, kind, term, authors, posts FROM signals ORDER BY id"
        ).fetchall()
        state = ws.store.con.execute(
            "SELECT detector, term, last_bucket, burst_start FROM signal_terms ORDER BY ALL"
        ).fetchall()
    assert any(r[1] == "burst" and r[2] == "#salon26" for r in before)
    rebuilt = veille_cli("rebuild", "--workspace", str(root), "--quiet")
    assert rebuilt.code == 0, rebuilt.output
    with Workspace.open(root, read_only=True) as ws:
        after = ws.store.con.execute(
            "SELECT id, kind, term, authors, posts FROM signals ORDER BY id"
        ).fetchall()
        state_after = ws.store.con.execute(
            "SELECT detector, term, last_bucket, burst_start FROM signal_terms ORDER BY ALL"
        ).fetchall()
    assert after == before
    assert state_after == state
