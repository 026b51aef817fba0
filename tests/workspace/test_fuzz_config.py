"""Hypothesis: the config parser never fails in an unplanned way."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from veille.errors import ConfigError
from veille.workspace.config import parse_config
from veille.workspace.template import TEMPLATE


@given(st.text(max_size=400))
@settings(max_examples=300)
def test_config_random_text_gives_config_error_or_config(text: str) -> None:
    try:
        parse_config(text, Path("veille.toml"))
    except ConfigError as exc:
        assert exc.message.startswith("veille.toml")


@given(st.integers(0, len(TEMPLATE) - 1), st.text(min_size=1, max_size=5))
@settings(max_examples=300)
def test_config_mutated_template(position: int, insert: str) -> None:
    text = TEMPLATE[:position] + insert + TEMPLATE[position + 1 :]
    try:
        parse_config(text, Path("veille.toml"))
    except ConfigError as exc:
        assert exc.message.startswith("veille.toml")
