"""The docs say what the code does: the Quick start, .ci/run and the command list."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from veille.cli.app import app

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```shell\n(.*?)```", section, re.S)]


def test_quick_start_has_demo_then_tests_one_line_each() -> None:
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "veille demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == quick_start_commands()[1]


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    missing = [n for n in names if f"`veille {n}" not in readme]
    assert not missing, f"commands missing from the README: {missing}"


def test_cli_reference_is_up_to_date() -> None:
    from veille.cli.reference import reference

    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == reference(), "run: python -m veille.cli.reference > docs/cli.md"


def test_connector_reference_is_up_to_date() -> None:
    """``docs/importers.md`` holds the reference generated from the registered connectors."""
    from veille.sources.reference import BEGIN, END, rewrite

    current = (ROOT / "docs" / "importers.md").read_text(encoding="utf-8")
    assert BEGIN in current and END in current
    assert current == rewrite(current), "run: python -m veille.sources.reference"
