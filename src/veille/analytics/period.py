"""Periods of analysis: ``--period 28d`` (or ``12w``, ``6h``, ``3m`` for months of 30
days), or ``--since``/``--until``, and the previous period of the same length for rank
changes.

Half-open intervals ``[since, until)`` in UTC. When the user gives no end, a period ends at
``anchor``: now for a live workspace, or the time of the newest stored post when collection
stopped earlier (an imported archive, the demo), so that "the last 28 days" means the last
28 days of data; every output states the period it covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from veille.errors import UsageError

DEFAULT_PERIOD = "28d"
_SPEC = re.compile(r"^\s*(\d+)\s*([hdwm])\s*$")
_UNITS = {
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
    "m": timedelta(days=30),
}


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @property
    def length(self) -> timedelta:
        return self.until - self.since

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.since - self.length, self.since)

    def shifted(self, periods: int) -> Period:
        """This period moved back by ``periods`` lengths (history of a figure)."""
        return Period(self.since - periods * self.length, self.until - periods * self.length)

    def params(self) -> dict[str, datetime]:
        return {"since": self.since, "until": self.until}

    def label(self) -> str:
        return f"{self.since.isoformat()} / {self.until.isoformat()}"


def parse_length(spec: str, *, field: str = "--period") -> timedelta:
    match = _SPEC.match(spec)
    if not match or int(match.group(1)) == 0:
        raise UsageError(
            f"{field}: {spec!r} is not a period length",
            hint="Write a number and a unit: 24h, 28d, 12w or 3m (months of 30 days).",
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_time(value: str, *, field: str) -> datetime:
    """An ISO date or date-time; a date means its midnight UTC; naive times are UTC."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{field}: {value!r} is not a date", hint="Use YYYY-MM-DD or an ISO 8601 time."
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def resolve_period(
    period: str | None = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    *,
    anchor: datetime,
) -> Period:
    """The period the user asked for. ``anchor`` ends it when ``until`` is not given."""
    end = _time(until, "--until") if until is not None else anchor
    if since is not None:
        start = _time(since, "--since")
        if period is not None:
            raise UsageError("give --period or --since, not both")
    else:
        start = end - parse_length(period or DEFAULT_PERIOD)
    if start >= end:
        raise UsageError(
            f"the period is empty: --since {start.isoformat()} is not before "
            f"--until {end.isoformat()}"
        )
    return Period(start, end)


def _time(value: str | datetime, field: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return parse_time(value, field=field)


def default_anchor(latest_post: datetime | None, now: datetime | None = None) -> datetime:
    """Now, or the midnight (UTC) after the newest stored post when that post is more than
    a day old (collection stopped: an imported archive, the demo), so that periods end on
    a day boundary and cover the data there is."""
    current = now or datetime.now(UTC)
    if latest_post is None or current - latest_post <= timedelta(days=1):
        return current
    day = latest_post.astimezone(UTC).date() + timedelta(days=1)
    return min(current, datetime(day.year, day.month, day.day, tzinfo=UTC))
