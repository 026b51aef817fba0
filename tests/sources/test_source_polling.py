"""What the polling connectors share: the raw item around a response, their saved state."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.sources.polling import (
    due,
    load_state,
    newest_iso,
    read_back_to,
    response_payload,
    string_tables,
)

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
LOG = logging.getLogger("veille.test.polling")


def test_response_payload_keeps_the_body_byte_for_byte() -> None:
    body = b' {"b": 1.50, "a": "\\u00e9"}\n'
    raw = response_payload({"endpoint": "x", "params": {"q": 1}}, body)
    assert bytes(raw).endswith(b',"response":{"b": 1.50, "a": "\\u00e9"}}')
    assert json.loads(bytes(raw)) == {
        "endpoint": "x",
        "params": {"q": 1},
        "response": {"b": 1.5, "a": "é"},
    }
    assert json.loads(bytes(response_payload({}, b"[1]"))) == {"response": [1]}


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=4))
def test_response_payload_is_json(meta: dict[str, int | str]) -> None:
    assert json.loads(bytes(response_payload(meta, b"null"))) == {**meta, "response": None}


def test_load_state(caplog: pytest.LogCaptureFixture) -> None:
    saved = {"a": {"newest": "2026-01-01", "n": 3}, "b": "x"}
    assert load_state(json.dumps(saved), log=LOG, source="s") == {"a": {"newest": "2026-01-01"}}
    assert load_state(json.dumps({"actors": saved}), log=LOG, source="s", under="actors") == {
        "a": {"newest": "2026-01-01"}
    }
    assert load_state(json.dumps({"actors": []}), log=LOG, source="s", under="actors") == {}
    assert load_state("[1]", log=LOG, source="s", under="actors") == {}
    assert load_state(None, log=LOG, source="s") == {} and load_state("", log=LOG, source="s") == {}
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        assert load_state("{nope", log=LOG, source="src-id") == {}
    assert "src-id: unreadable saved cursor" in caplog.text


def test_string_tables() -> None:
    assert string_tables({1: {"a": "x", "b": 2}, "c": None}) == {"1": {"a": "x"}}


def test_due() -> None:
    assert due(None, 6, NOW) and due("garbage", 6, NOW)
    assert due((NOW - timedelta(hours=6)).isoformat(), 6, NOW)
    assert not due((NOW - timedelta(hours=5)).isoformat(), 6, NOW)


def test_read_back_to() -> None:
    since = NOW - timedelta(days=100)
    kw = {"refresh_days": 3.0, "initial_days": 30.0}
    assert read_back_to(NOW, since, NOW, **kw) == since
    assert read_back_to(NOW, None, None, **kw) == NOW - timedelta(days=30)
    assert read_back_to(NOW, None, NOW - timedelta(hours=1), **kw) == NOW - timedelta(days=3)
    old = NOW - timedelta(days=10)
    assert read_back_to(NOW, None, old, **kw) == old


def test_newest_iso_only_moves_on() -> None:
    earlier = NOW - timedelta(days=1)
    assert newest_iso(NOW, None) == NOW.isoformat()
    assert newest_iso(earlier, NOW.isoformat()) == NOW.isoformat()
    assert newest_iso(NOW, earlier.isoformat()) == NOW.isoformat()
    assert newest_iso(NOW, "garbage") == NOW.isoformat()
