"""The one JSON encoder of every JSON output (CLI ``--format json``, API answers, reports):
numbers as numbers, times in ISO 8601 with their offset, never a NaN.

- ``datetime`` -> ``2026-11-23T07:00:00+00:00`` (a naive time is UTC, the store's zone);
  ``date`` -> ``2026-11-23``; ``time`` -> ``07:00:00``; ``timedelta`` -> seconds (a number);
- ``Decimal``, numpy and other numbers -> JSON numbers; NaN and infinities -> ``null``
  (a figure that cannot be computed says why elsewhere, ``{"value": null, "reason": ...}``);
- ``Path``, ``UUID``, enums -> their text or value; sets -> sorted lists; tuples -> lists;
  ``msgspec.Struct`` and dataclasses -> objects; bytes -> UTF-8 text (invalid bytes escaped).

Ground floor: imports nothing of veille.
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any
from uuid import UUID

import msgspec


def iso_time(value: datetime) -> str:
    """ISO 8601 with the offset (``T`` between date and time); naive times are UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (see the module docstring), recursively."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, PurePath | UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=lambda x: (str(type(x)), str(x)))
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, msgspec.Struct):
        return to_jsonable(msgspec.structs.asdict(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return to_jsonable(item())
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return to_jsonable(tolist())
    return str(value)


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """The JSON text of ``value`` (UTF-8 characters kept, not ``\\u`` escaped)."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent, allow_nan=False)
