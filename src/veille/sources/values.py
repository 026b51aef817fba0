"""Coercion of decoded JSON values, shared by the connectors' mappers.

Network payloads and exports put anything anywhere: a count may come as ``12``, ``"12"``,
``true`` or ``null``, an object may be a list. The mappers read every field through these
helpers, which never raise: a value of the wrong type is ``None`` (or an empty container),
and the mapper decides whether that field was required.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeGuard

import msgspec

from veille.model import parse_time
from veille.sources.base import DECODE_ERRORS, MappingError, decode_problem

_decode = msgspec.json.decode


def decode_json(payload: msgspec.Raw | bytes) -> Any:
    """The JSON value of a raw item's payload; ``MappingError`` when it is not JSON."""
    try:
        return _decode(payload)
    except DECODE_ERRORS as exc:
        raise MappingError(decode_problem(exc)) from None


def embed_json(meta: dict[str, Any], key: str, value: bytes) -> msgspec.Raw:
    """The JSON object ``meta`` with one more member, ``key``, whose value is the JSON bytes
    ``value`` as they are (not decoded, not re-encoded): how a raw item wraps what arrived."""
    head = msgspec.json.encode(meta)[:-1] + (b"," if meta else b"")
    return msgspec.Raw(head + msgspec.json.encode(key) + b":" + value + b"}")


def as_dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else ``{}``."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else ``[]``."""
    return value if isinstance(value, list) else []


def nonempty_str(value: object) -> str | None:
    """``value`` when it is a non-empty string (kept as is, not stripped), else ``None``."""
    return value if isinstance(value, str) and value else None


def time_of(value: object) -> datetime | None:
    """The time a JSON string spells (ISO 8601, Twitter's ``Wed Oct 10 20:19:24 +0000
    2018``... as ``veille.model.parse_time`` reads them), else ``None``: a number is not
    taken for epoch seconds here."""
    return parse_time(value) if isinstance(value, str) else None


def is_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is a JSON integer (``True``/``False`` are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def exact_int(value: object) -> int | None:
    """``value`` when it is a JSON integer (any sign), else ``None``: digit strings are not
    numbers here (Mastodon and the AppView send counts as integers)."""
    return value if is_int(value) else None


def int_or_digits(value: object, *, signed: bool = False) -> int | None:
    """A JSON integer (any sign), or the number a string of digits spells (surrounding
    blanks allowed). A string with a minus sign (``"-3"``) counts only when ``signed``;
    anything else (bools, floats, ``"1e3"``, ``"12 000"``) is ``None``."""
    if is_int(value):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    digits = text[1:] if signed and text.startswith("-") else text
    if not digits.isdigit():
        return None
    try:
        return int(text)
    except ValueError:  # digits int() does not read, such as superscripts ("²")
        return None


def numeric_id(value: object) -> str | None:
    """A numeric id (Twitter's snowflakes) as a string: a non-negative JSON integer, or a
    string of digits (surrounding blanks dropped); else ``None``."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return value.strip()  # ASCII: "²" and "٣" are digits to str.isdigit, not to an id
    if is_int(value) and value >= 0:
        return str(value)
    return None
