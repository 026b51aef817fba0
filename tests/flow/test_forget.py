"""``veille forget`` erases an account everywhere, and a rebuild never brings it back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from veille.workspace import Workspace


def veille(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "veille", *args], capture_output=True, text=True, timeout=300
    )


def page(tweet_id: int, author: str, username: str, text: str) -> str:
    return json.dumps(
        {
            "data": [
                {
                    "id": str(tweet_id),
                    "text": text,
                    "author_id": author,
                    "created_at": "2026-10-01T10:00:00.000Z",
                }
            ],
            "includes": {
                "users": [
                    {
                        "id": author,
                        "username": username,
                        "name": username,
                        "description": "bio de " + username,
                    }
                ]
            },
        }
    )


def test_forget_purges_store_and_raw_log_and_survives_rebuild(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert veille("init", str(ws)).returncode == 0
    data = tmp_path / "t.jsonl"
    data.write_text(
        "\n".join(
            [
                page(1, "11", "alice", "secret d'Alice"),
                page(2, "22", "bob", "message de Bob"),
                page(3, "11", "alice", "autre secret"),
            ]
        )
        + "\n"
    )
    assert veille("import", "twitter-v2", str(data), "-w", str(ws), "-q").returncode == 0
    done = veille("forget", "@alice", "-w", str(ws))
    assert done.returncode == 0, done.stderr
    assert "x:11" in done.stdout

    def check() -> None:
        with Workspace.open(ws) as w:
            texts = dict(
                w.store.con.execute(
                    "SELECT author_id, text FROM posts WHERE author_id = '22'"
                ).fetchall()
            )
            assert texts == {"22": "message de Bob"}
            assert (
                w.store.scalar(
                    "SELECT count(*) FROM posts WHERE author_id = '11' AND text IS NOT NULL"
                )
                == 0
            )
            assert w.store.scalar("SELECT count(*) FROM posts WHERE author_id = '11'") == 2
            assert w.store.scalar("SELECT bio FROM accounts WHERE account_id = '11'") is None
            raw = b"".join(bytes(i.payload) for i in w.rawlog.items())
            assert b"secret" not in raw and b"Bob" in raw
            assert w.store.scalar("SELECT count(*) FROM audit WHERE action = 'forget'") == 1

    check()
    assert veille("rebuild", "-w", str(ws), "-q").returncode == 0
    check()
    again = veille("import", "twitter-v2", str(data), "-w", str(ws), "-q", "-f", "json")
    assert json.loads(again.stdout)["new"] == 0
    check()


def test_forget_unknown_account_is_a_clear_error(tmp_path: Path) -> None:
    assert veille("init", str(tmp_path)).returncode == 0
    done = veille("forget", "@nobody", "-w", str(tmp_path))
    assert done.returncode == 2 and "no account '@nobody'" in done.stderr
