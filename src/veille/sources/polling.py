"""What the polling connectors (Bluesky AppView, Mastodon REST) share: raw items that wrap
an API response byte for byte, and the per-account state they resume from.

The state is a table of strings per key (an account, a hashtag), saved as the JSON cursor:
``{"did:plc:…": {"profile_at": ISO, "newest": ISO}}``. A saved cursor comes back as any
text: what does not have that shape is dropped, never trusted.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import msgspec

from veille.model import parse_time
from veille.sources.values import embed_json


def response_payload(meta: dict[str, Any], body: bytes) -> msgspec.Raw:
    """The raw item of one API call: ``meta`` (endpoint, params, observed_at...) with the
    response body appended, untouched, as ``"response"``. ``body`` must be one JSON value."""
    return embed_json(meta, "response", body.strip())


def string_tables(value: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The part of a saved state that has the expected shape: tables of strings."""
    return {
        str(k): {str(kk): vv for kk, vv in v.items() if isinstance(vv, str)}
        for k, v in value.items()
        if isinstance(v, dict)
    }


def load_state(
    cursor: str | None, *, log: logging.Logger, source: str, under: str | None = None
) -> dict[str, dict[str, str]]:
    """The state saved in ``cursor`` (under the key ``under`` when given); ``{}`` with a
    warning when it is not JSON, ``{}`` when it is JSON of another shape."""
    if not cursor:
        return {}
    try:
        loaded = json.loads(cursor)
    except ValueError:
        log.warning("%s: unreadable saved cursor, starting afresh", source)
        return {}
    if under is not None:
        loaded = loaded.get(under, {}) if isinstance(loaded, dict) else {}
    return string_tables(loaded) if isinstance(loaded, dict) else {}


def due(last: str | None, hours: float, now: datetime) -> bool:
    """Whether something last done at ``last`` (ISO, or ``None`` for never) is due again."""
    when = parse_time(last)
    return when is None or now - when >= timedelta(hours=hours)


def read_back_to(
    now: datetime,
    since: datetime | None,
    newest: datetime | None,
    *,
    refresh_days: float,
    initial_days: float,
) -> datetime:
    """How far back to page an account's posts: ``since`` when given; else to the newest
    post seen on the last run but at least ``refresh_days`` back (so that recent posts'
    metrics are refreshed); on a first run, ``initial_days`` back."""
    if since is not None:
        return since
    if newest is None:
        return now - timedelta(days=initial_days)
    return min(newest, now - timedelta(days=refresh_days))


def newest_iso(found: datetime, previous: str | None) -> str:
    """The later of ``found`` and the saved time ``previous``, as ISO: it only moves on."""
    old = parse_time(previous)
    return (max(found, old) if old else found).isoformat()
