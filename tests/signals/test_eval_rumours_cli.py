"""``veille eval rumours --pheme DIR`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_run import veille_cli
from tests.conftest import shared_path
from tests.signals.test_pheme import status, write_event


def test_one_line_per_event_then_a_summary(tmp_path: Path) -> None:
    write_event(
        tmp_path,
        "alpha",
        [status("BREAKING: police says the pilot was alone"), {"text": None}],
        [status("Thoughts and prayers", verified=True)],
    )
    write_event(tmp_path, "beta", [status("x")], "not json")
    ran = veille_cli("eval", "rumours", "--pheme", str(tmp_path))
    assert ran.code == 0, ran.output
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert [line.get("event") for line in lines[:2]] == ["alpha", "beta"]
    assert set(lines[0]) == {"event", "auc", "rumours", "non_rumours"}
    assert (lines[0]["rumours"], lines[0]["non_rumours"]) == (1, 1)
    assert lines[0]["auc"] == 1.0
    assert lines[1]["auc"] is None and "not enough data" in lines[1]["reason"]
    assert lines[2]["summary"] is True and lines[2]["events"] == 2
    assert lines[2]["set_aside"] == 2 and lines[2]["auc_pooled"] == 1.0
    assert "alpha-all-rnr-threads.rumours.json: item 1: no text" in ran.stderr
    assert "beta-all-rnr-threads.non-rumours.json: line 1, column 1: invalid JSON" in ran.stderr


def test_no_folder_or_no_pair_is_a_usage_error(tmp_path: Path) -> None:
    ran = veille_cli("eval", "rumours", "--pheme", str(tmp_path / "missing"))
    assert ran.code == 2 and "no such folder" in ran.output
    ran = veille_cli("eval", "rumours", "--pheme", str(tmp_path))
    assert ran.code == 2 and "pair under" in ran.output
    assert "pheme_sources" in getattr(ran.error, "hint", "")


def test_a_bad_model_file_is_a_usage_error(tmp_path: Path) -> None:
    write_event(tmp_path, "alpha", [status("a")], [status("b")])
    (tmp_path / "m.json").write_text("{}", encoding="utf-8")
    ran = veille_cli(
        "eval", "rumours", "--pheme", str(tmp_path), "--model", str(tmp_path / "m.json")
    )
    assert ran.code == 2 and "missing 'features'" in ran.output
    assert "rumour_train.py" in getattr(ran.error, "hint", "")


def test_on_the_real_germanwings_sources() -> None:
    root = shared_path("data", "rumours", "pheme_sources")
    ran = veille_cli("eval", "rumours", "--pheme", str(root))
    assert ran.code == 0, ran.output
    event, summary = (json.loads(line) for line in ran.stdout.splitlines())
    assert event["event"] == "germanwings-crash" and event["auc"] >= 0.78
    assert summary["auc_mean"] == event["auc"] == summary["auc_pooled"]
    assert summary["cue_auc_mean"] < 0.6
