from __future__ import annotations

from pathlib import Path

import pytest

from veille.errors import ConfigError
from veille.workspace.config import locate_keys, parse_config
from veille.workspace.template import TEMPLATE


def test_template_is_valid() -> None:
    config = parse_config(TEMPLATE, Path("veille.toml"))
    assert config.leaders[0].accounts["bluesky"] == ["marie-dupont.bsky.social"]
    assert config.organisations[0].competitors == ["globex"]
    assert config.tracked_accounts()["bluesky"] == {"marie-dupont.bsky.social", "acme.bsky.social"}


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("veille.toml"))
    return info.value.message


def test_error_names_file_line_and_field() -> None:
    text = """[workspace]
name = "x"

[[leaders]]
id = "a"
name = "A"

[[leaders]]
id = "b"
name = "B"
accounts = { facebook = ["b"] }
"""
    message = error_of(text)
    assert message.startswith("veille.toml:11: leaders[1].accounts:")
    assert "unknown network 'facebook'" in message


def test_unknown_field_and_missing_field() -> None:
    message = error_of('[[organisations]]\nid = "acme"\nnmae = "Acme"\n')
    assert "veille.toml:3: organisations[0].nmae: unknown field" in message
    assert "organisations[0].name: required field is missing" in message


def test_wrong_type_says_what_was_given() -> None:
    message = error_of("[workspace]\nretention_days = -3\n")
    assert "veille.toml:2: workspace.retention_days:" in message
    assert "-3" in message


def test_cross_references_checked() -> None:
    text = '[[leaders]]\nid = "a"\nname = "A"\norganisation = "nope"\n'
    assert "veille.toml:4: leaders[0].organisation: unknown organisation 'nope'" in error_of(text)


def test_duplicate_ids() -> None:
    text = '[[watches]]\nid = "w"\nquery = "a"\n[[watches]]\nid = "w"\nquery = "b"\n'
    assert "veille.toml:5: watches[1].id: duplicate id 'w'" in error_of(text)


def test_invalid_toml_names_line() -> None:
    assert "line 2" in error_of('[workspace]\nname = "unterminated\n')


def test_bad_timezone() -> None:
    assert "unknown time zone" in error_of('[workspace]\ntimezone = "Mars/Olympus"\n')


def test_single_account_string_accepted() -> None:
    config = parse_config(
        '[[leaders]]\nid = "a"\nname = "A"\naccounts = { x = "@ab" }\n', Path("v.toml")
    )
    assert config.leaders[0].accounts == {"x": ["ab"]}


def test_locate_keys_arrays_and_tables() -> None:
    lines = locate_keys("[a]\nx = 1\n[[b]]\ny = 2\n[[b]]\ny = 3\n[c.d]\nz = 4\n")
    assert lines[("a", "x")] == 2
    assert lines[("b", 1, "y")] == 6
    assert lines[("c", "d", "z")] == 8


def test_unknown_stakeholder_class_names_line() -> None:
    message = error_of('[workspace]\nname = "x"\n[stakeholders]\njournalists = ["pigiste"]\n')
    assert message.startswith("veille.toml:3: stakeholders:")
    assert "journalists: unknown stakeholder class" in message
