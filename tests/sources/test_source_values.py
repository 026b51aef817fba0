"""The JSON value coercions every mapper reads its fields through."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.sources.base import MappingError
from veille.sources.values import (
    as_dict,
    as_list,
    decode_json,
    embed_json,
    exact_int,
    int_or_digits,
    is_int,
    nonempty_str,
    numeric_id,
    time_of,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def test_containers() -> None:
    assert as_dict({"a": 1}) == {"a": 1}
    assert as_dict([1]) == {} and as_dict(None) == {} and as_dict("x") == {}
    assert as_list([1, 2]) == [1, 2]
    assert as_list({"a": 1}) == [] and as_list(None) == [] and as_list("ab") == []


def test_nonempty_str() -> None:
    assert nonempty_str("x") == "x"
    assert nonempty_str(" x ") == " x "  # kept as is
    assert nonempty_str("") is None
    assert nonempty_str(3) is None and nonempty_str(None) is None


def test_integers() -> None:
    assert is_int(3) and is_int(-3) and not is_int(True) and not is_int(3.0)
    assert exact_int(12) == 12 and exact_int(-1) == -1
    assert exact_int("12") is None and exact_int(True) is None and exact_int(1.0) is None
    assert int_or_digits(12) == 12 and int_or_digits(-4) == -4  # integers of any sign
    assert int_or_digits(" 12 ") == 12
    assert int_or_digits("-3") is None  # a signed string only when asked
    assert int_or_digits("-3", signed=True) == -3
    assert int_or_digits(" -3 ", signed=True) == -3
    for bad in ("--3", "-", "", "+3", "1e3", "12 000", "1.5", "²", True, False, 1.0, None, [1]):
        assert int_or_digits(bad) is None, bad
        assert int_or_digits(bad, signed=True) is None, bad


def test_numeric_id() -> None:
    assert numeric_id("123") == "123" and numeric_id(" 123 ") == "123"
    assert numeric_id(123) == "123" and numeric_id(0) == "0"
    for bad in (-1, True, "12a", "", "-12", 1.0, None, {"id": 1}):
        assert numeric_id(bad) is None, bad


def test_time_of() -> None:
    from datetime import UTC, datetime

    when = datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    assert time_of("2018-10-10T20:19:24Z") == when
    assert time_of("Wed Oct 10 20:19:24 +0000 2018") == when
    for bad in ("", "demain", 1539202764, 1539202764.0, None, True, ["2018-10-10"]):
        assert time_of(bad) is None, bad


def test_decode_json() -> None:
    assert decode_json(msgspec.Raw(b'{"a": [1]}')) == {"a": [1]}
    assert decode_json(b"3") == 3
    with pytest.raises(MappingError):
        decode_json(b"{nope")


def test_embed_json_keeps_the_bytes() -> None:
    raw = embed_json({"kind": "tweet", "owner": {"id": "1"}}, "item", b'{"b": 1.50 }')
    assert bytes(raw) == b'{"kind":"tweet","owner":{"id":"1"},"item":{"b": 1.50 }}'
    assert bytes(embed_json({}, "response", b"[1]")) == b'{"response":[1]}'


@given(
    st.dictionaries(st.text(max_size=5), json_values, max_size=4), st.text(max_size=5), json_values
)
def test_embed_json_is_json(meta: dict[str, Any], key: str, value: Any) -> None:
    embedded = json.loads(bytes(embed_json(meta, key, json.dumps(value).encode())))
    assert embedded == {**meta, key: value}


@given(json_values)
def test_never_raise_and_keep_types(value: Any) -> None:
    assert isinstance(as_dict(value), dict) and isinstance(as_list(value), list)
    text = nonempty_str(value)
    assert text is None or (isinstance(text, str) and text)
    for number in (exact_int(value), int_or_digits(value), int_or_digits(value, signed=True)):
        assert number is None or is_int(number)
    if exact_int(value) is not None:
        assert int_or_digits(value) == value
    when = time_of(value)
    assert when is None or (isinstance(value, str) and when.tzinfo is not None)
    ident = numeric_id(value)
    assert ident is None or (ident.isdigit() and ident == ident.strip())


@given(st.integers())
def test_digits_round_trip(number: int) -> None:
    assert int_or_digits(str(number), signed=True) == number
    assert int_or_digits(f" {number}\n", signed=number < 0) == number
    assert int_or_digits(str(number)) == (number if number >= 0 else None)
    assert numeric_id(str(number)) == (str(number) if number >= 0 else None)


@given(st.binary(max_size=64))
def test_decode_json_errors_are_mapping_errors(data: bytes) -> None:
    try:
        value = decode_json(data)
    except MappingError:
        return
    assert json.loads(data) == value
