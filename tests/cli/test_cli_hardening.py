"""What a new user meets on the command line (issue 9, items 14, 20, 21): data is never
read as Rich markup or emoji; JSON outputs give numbers as numbers and ISO 8601 times;
``forget`` refuses unknown accounts, in the user's language."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cli_run import veille_cli
from veille.jsonable import dumps, to_jsonable
from veille.model import Account, Post

HOSTILE = "[/] [link=http://evil.example]clic[/link] :x: [bold]gras"
WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    from veille.workspace import Workspace
    from veille.workspace.workspace import init_workspace

    root = tmp_path / "ws"
    init_workspace(root, "")
    with Workspace.open(root) as w:
        w.store.write(
            [
                Account(network="bluesky", account_id="did:plc:x:y", handle="[red]h:x:[/]"),
                Post(
                    uri="at://did:plc:x:y/app.bsky.feed.post/1",
                    network="bluesky",
                    post_id="1",
                    author_id="did:plc:x:y",
                    created_at=WHEN,
                    collected_at=WHEN,
                    text=f"Acme {HOSTILE}",
                    source="test",
                ),
            ]
        )
    return root


def test_search_prints_stored_text_as_written(ws: Path) -> None:
    ran = veille_cli("search", "acme", "-w", str(ws), env={"COLUMNS": "400"})
    assert ran.code == 0, ran.output
    assert HOSTILE in ran.stdout and "[red]h:x:[/]" in ran.stdout
    assert "\x1b]8;" not in ran.stdout  # no hidden hyperlink escape
    assert "❌" not in ran.stdout


def test_forget_prints_the_account_as_written(ws: Path) -> None:
    ran = veille_cli("forget", "bluesky:did:plc:x:y", "-w", str(ws), env={"COLUMNS": "400"})
    assert ran.code == 0, ran.output
    assert "bluesky:did:plc:x:y" in ran.stdout and "❌" not in ran.stdout


def test_forget_of_an_unknown_id_is_refused_without_a_tombstone(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from veille.i18n import language
    from veille.workspace import Workspace

    ran = veille_cli("forget", "bluesky:did:plc:x:z", "-w", str(ws))
    assert ran.code == 2
    assert "no account 'bluesky:did:plc:x:z'" in str(ran.error)
    assert "bluesky:did:plc:x:y" in (getattr(ran.error, "hint", "") or "")  # the closest
    monkeypatch.setenv("VEILLE_LANG", "fr")
    language.cache_clear()
    try:
        fr = veille_cli("forget", "bluesky:nobody", "-w", str(ws))
    finally:
        monkeypatch.setenv("VEILLE_LANG", "en")
        language.cache_clear()
    assert fr.code == 2 and "aucun compte" in str(fr.error)
    with Workspace.open(ws) as w:
        assert w.store.scalar("SELECT count(*) FROM tombstones") == 0


def test_status_json_numbers_and_iso_times(ws: Path, tmp_path: Path) -> None:
    data = tmp_path / "t.jsonl"
    tweet = {
        "id": "5001",
        "text": "Bonjour",
        "author_id": "42",
        "created_at": "2026-10-01T10:00:00.000Z",
    }
    data.write_text(json.dumps({"data": [tweet]}) + "\n")
    assert veille_cli("import", "twitter-v2", str(data), "-w", str(ws), "-q").code == 0
    ran = veille_cli("status", "-w", str(ws), "-f", "json")
    assert ran.code == 0, ran.output
    status = json.loads(ran.stdout)
    (last,) = status["last_imports"]
    assert last["read"] == 1 and last["new"] == 1 and isinstance(last["rejected"], int)
    assert "T" in last["finished_at"] and last["finished_at"].endswith("+00:00")
    for value in (status["time_span"]["first"], status["time_span"]["last"]):
        assert "T" in value and value.endswith("+00:00")


def test_one_encoder() -> None:
    assert to_jsonable(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05+00:00"
    assert to_jsonable({"n": Decimal("3"), "x": Decimal("2.5"), "nan": math.nan}) == {
        "n": 3,
        "x": 2.5,
        "nan": None,
    }
    assert to_jsonable({3, 1, 2}) == [1, 2, 3] and to_jsonable(Path("/a")) == "/a"
    assert json.loads(dumps({"inf": math.inf, "t": WHEN})) == {
        "inf": None,
        "t": "2026-11-20T10:00:00+00:00",
    }
    import numpy as np

    assert to_jsonable({"i": np.int64(4), "f": np.float32(0.5)}) == {"i": 4, "f": 0.5}


def test_demo_force_never_replaces_a_workspace_it_did_not_make(ws: Path) -> None:
    from veille.cli.demo_cmd import DEMO_MARKER, made_by_demo

    before = (ws / "veille.toml").read_bytes()
    ran = veille_cli("demo", "--dir", str(ws), "--force", "-q")
    assert ran.code == 2 and "did not make" in str(ran.error)
    assert (ws / "veille.toml").read_bytes() == before
    assert (ws / "data").exists() and not made_by_demo(ws)
    (ws / DEMO_MARKER).write_text("made by the demo\n")
    assert made_by_demo(ws)


def test_demo_next_steps_name_a_runnable_command() -> None:
    import shutil
    import sys

    from veille.cli.demo_cmd import veille_command

    command = veille_command()
    if command == "veille":
        assert shutil.which("veille")
    else:
        assert command.split()[0].strip("'") in (
            str(Path(sys.executable).parent / "veille"),
            sys.executable,
        )


def test_import_of_an_empty_file_or_folder_exits_2(ws: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    folder = tmp_path / "nothing"
    folder.mkdir()
    for path in (empty, folder):
        ran = veille_cli("import", "twitter-v2", str(path), "-w", str(ws), "-q")
        assert ran.code == 2 and "nothing to read" in str(ran.error)


def test_rebuild_reports_records_and_stored_posts(ws: Path, tmp_path: Path) -> None:
    data = tmp_path / "t.jsonl"
    page = {
        "data": [
            {"id": "7001", "text": "a", "author_id": "42", "created_at": "2026-10-01T10:00:00Z"}
        ],
        "includes": {"users": [{"id": "42", "username": "ceo", "name": "CEO"}]},
    }
    again = json.loads(json.dumps(page))
    again["data"][0]["public_metrics"] = {"like_count": 3}
    # the same tweet seen twice with different counts: two raw items (the raw log keeps
    # byte-identical items once, so the second copy must differ to be a second item)
    data.write_text(json.dumps(page) + "\n" + json.dumps(again) + "\n")
    assert veille_cli("import", "twitter-v2", str(data), "-w", str(ws), "-q").code == 0
    ran = veille_cli("rebuild", "-w", str(ws), "-q", env={"COLUMNS": "300"})
    assert ran.code == 0, ran.output
    # two raw items: a post and an account each, plus the metrics snapshot of the second copy
    # (5 records mapped), one post stored (the same tweet twice; the fixture's post written
    # without a raw item is not in the raw log)
    assert "Rebuilt from 2 raw items: 5 records mapped, 1 posts in the store" in ran.stdout


def test_train_sentiment_does_not_overwrite_the_shipped_model_by_default() -> None:
    from typer.main import get_command

    from veille.cli.app import app

    train = get_command(app).commands["train"].commands["sentiment"]  # type: ignore[attr-defined]
    out = next(p for p in train.params if p.name == "out")
    assert str(out.default) == "sentiment_fr_en.npz"
    assert any(p.name == "replace_packaged" and p.default is False for p in train.params)
