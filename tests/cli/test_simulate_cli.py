"""``veille simulate``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from veille.cli.app import app
from veille.errors import UsageError


def test_simulate_command_writes_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    result = CliRunner().invoke(
        app, ["simulate", str(out), "--seed", "5", "--posts", "1200", "--weeks", "1"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "registry.toml").exists() and (out / "ground_truth.json").exists()
    assert len(list((out / "bluesky").glob("jetstream-*.jsonl"))) == 7
    assert "Jetstream" in result.output
    assert "ground_truth.json" in result.output.replace("\n", "")


def test_simulate_command_rejects_a_bad_start(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", str(tmp_path / "x"), "--start", "2026-13-01"])
    # ``veille``'s entry point turns a UsageError into this message and exit code 2.
    assert isinstance(result.exception, UsageError)
    assert result.exception.exit_code == 2
    assert "2026-13-01" in result.exception.message
    assert not (tmp_path / "x").exists()


def test_simulate_command_quiet(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["simulate", str(tmp_path / "q"), "--posts", "600", "--weeks", "1", "-q"]
    )
    assert result.exit_code == 0
    assert result.output.strip() == ""
