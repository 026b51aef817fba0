"""Watches are checked when the workspace loads (issue 9, item 15), and a filter on a
network that does not exist is an error (item 21)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_run import veille_cli
from veille.errors import ConfigError
from veille.query import parse
from veille.query.parser import QuerySyntaxError
from veille.workspace.config import parse_config

BROKEN = """
[[watches]]
id = "ok"
query = "acme"

[[watches]]
id = "rachat"
query = '"Acme" AND (rachat OR'
"""


def test_a_watch_that_does_not_parse_is_a_config_error_with_line_and_caret() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BROKEN, Path("/w/veille.toml"))
    message = caught.value.message
    assert message.startswith("/w/veille.toml:8: watches[1].query: invalid query at column 22")
    assert message.splitlines()[-1].strip() == "^"


@pytest.mark.parametrize("command", ["status", "enrich"])
def test_commands_refuse_a_workspace_with_a_broken_watch(tmp_path: Path, command: str) -> None:
    root = tmp_path / "ws"
    assert veille_cli("init", str(root)).code == 0
    (root / "veille.toml").write_text(BROKEN, encoding="utf-8")
    ran = veille_cli(command, "-w", str(root))
    assert ran.code == 2
    assert "veille.toml:8: watches[1].query" in str(ran.error)


def test_unknown_network_filter() -> None:
    with pytest.raises(QuerySyntaxError, match=r"unknown network 'twitter'.*network:x"):
        parse("network:twitter acme")
    assert parse("network:x acme")
    ran = veille_cli("query", "check", "network:twitter acme")
    assert ran.code == 2
