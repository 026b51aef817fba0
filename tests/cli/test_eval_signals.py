"""``veille eval signals --crisislex DIR``: no workspace, one JSON line per event then a
summary line, bad lines named on stderr without stopping the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.cli_run import veille_cli
from tests.signals.test_crisislex import quiet_then_burst, write_event


def test_eval_signals_prints_events_then_a_summary(tmp_path: Path) -> None:
    onset = datetime(2013, 7, 6, 4, 15, tzinfo=UTC)
    write_event(tmp_path, "2013_A", quiet_then_burst(onset), extra='"not a time","1",Y\n')
    write_event(tmp_path, "2013_B", quiet_then_burst(onset + timedelta(days=9)))
    ran = veille_cli("eval", "signals", "--crisislex", str(tmp_path))
    assert ran.code == 0, ran.output
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert [line.get("event") for line in lines[:2]] == ["2013_A", "2013_B"]
    first = lines[0]
    assert {"event", "detected_at", "alerts"} <= set(first)
    assert first["detected_at"] == first["alerts"][0]
    assert datetime.fromisoformat(first["detected_at"]) >= onset
    end = lines[-1]
    assert end["summary"] is True and end["events"] == 2 and end["caught"] == 2
    assert end["problems"] == 1
    assert "2013_A-tweetids_entire_period.csv:338" in ran.stderr
    assert "timestamp not understood" in ran.stderr


def test_eval_signals_needs_event_files(tmp_path: Path) -> None:
    ran = veille_cli("eval", "signals", "--crisislex", str(tmp_path))
    assert ran.code == 2
    assert "tweetids_entire_period" in ran.output
    missing = veille_cli("eval", "signals", "--crisislex", str(tmp_path / "nowhere"))
    assert missing.code == 2


def test_eval_signals_background_option(tmp_path: Path) -> None:
    onset = datetime(2013, 7, 6, 4, 15, tzinfo=UTC)
    write_event(tmp_path, "2013_A", quiet_then_burst(onset))
    ran = veille_cli("eval", "signals", "--crisislex", str(tmp_path), "--background", "2")
    assert ran.code == 0, ran.output
    end = json.loads(ran.stdout.splitlines()[-1])
    assert "2 Poisson matches an hour" in end["background"] and end["caught"] == 1
    bad = veille_cli("eval", "signals", "--crisislex", str(tmp_path), "--background", "-1")
    assert bad.code == 2
