"""The signals of a workspace, for the CLI and the dashboard: the stored ones, brought up
to date by an incremental pass where the workspace can be written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from veille.analytics import signal_sql
from veille.signals.detect import detect
from veille.signals.model import Signal
from veille.signals.store import row_signal
from veille.store.signals import read_signal, read_signals, signal_ids, signal_uris

if TYPE_CHECKING:
    from veille.analytics.context import AnalyticsContext
    from veille.workspace import Workspace

_AGO = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since_time(value: str | None, anchor: datetime) -> datetime | None:
    """``--since``: an ISO date or time, or a duration (``24h``, ``7d``, ``2w``) back from
    ``anchor`` (the newest post)."""
    if value is None:
        return None
    m = _AGO.match(value)
    if m:
        return anchor - timedelta(**{_UNIT[m.group(2)]: int(m.group(1))})
    from veille.analytics.period import parse_time

    return parse_time(value, field="--since")


def refresh(ws: Workspace, *, rescan: bool = False, now: datetime | None = None) -> list[Signal]:
    """Bring the stored signals up to date (a read-only workspace: computed, not saved);
    returns what the pass found or updated."""
    summary = detect(ws, rescan=rescan, now=now, save=not ws.store.read_only)
    return summary.signals


def list_signals(
    ws: Workspace,
    *,
    since: datetime | None = None,
    kinds: Sequence[str] | None = None,
    watch: str | None = None,
    fresh: Sequence[Signal] = (),
) -> list[Signal]:
    """Stored signals (with ``fresh`` ones of a pass that could not be saved), newest
    first."""
    found = {s.id: s for s in (row_signal(r) for r in read_signals(ws.store.con))}
    for s in fresh:
        found[s.id] = s
    out = []
    for s in found.values():
        if since is not None and (s.updated_at or s.detected_at) < since:
            continue
        if kinds and s.kind not in kinds:
            continue
        if watch is not None and watch not in s.watches and s.term != f"watch:{watch}":
            continue
        out.append(s)
    return sorted(out, key=lambda s: (s.first_seen, s.kind, s.id), reverse=True)


def one_signal(ws: Workspace, signal_id: str, fresh: Sequence[Signal] = ()) -> Signal | None:
    for s in fresh:
        if s.id == signal_id:
            return s
    row = read_signal(ws.store.con, signal_id)
    if row is None:
        return None
    s = row_signal(row)
    uris = signal_uris(ws.store.con, signal_id)
    if uris:
        s.detail["uris"] = uris
    return s


def known_ids(ws: Workspace) -> list[str]:
    return signal_ids(ws.store.con)


def workspace_signals(
    ctx: AnalyticsContext, *, watch: str | None = None, kind: str | None = None
) -> list[Signal]:
    """The stored signals through an analytics context (the dashboard's view)."""
    return [row_signal(r) for r in signal_sql.stored_signals(ctx.engine, kind=kind, watch=watch)]
