"""Where a post counts before it reaches the burst detector (``veille.signals.burst``):
distinct authors per term, and the bucket of a post whose date may be wrong.

- ``distinct_authors``: one author flooding a term counts once a bucket;
- ``place_time``: a post dated a little after now (clock skew) is counted now; far in the
  future, it is set aside; late (before the open bucket: a late delivery, or a clock that
  jumped back) it is counted in the open bucket, and set aside when it is older than
  ``max_late_hours``. Each move or refusal says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from veille.signals.burst import BurstConfig


def distinct_authors(pairs: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Distinct authors per term from ``(term, author)`` pairs of one bucket: an author
    posting a term a thousand times counts once."""
    seen: dict[str, set[str]] = {}
    for term, author in pairs:
        seen.setdefault(term, set()).add(author)
    return {term: len(authors) for term, authors in seen.items()}


@dataclass(frozen=True)
class Placement:
    """Where ``place_time`` puts a post: its bucket, or None and why it is set aside;
    ``reason`` also says when a post was moved (clamped or late)."""

    bucket: int | None
    reason: str | None = None


def place_time(
    at: datetime, now: datetime, open_bucket: int | None, config: BurstConfig
) -> Placement:
    """The bucket to count a post dated ``at`` in, when the clock says ``now`` and the
    detector's open bucket (the first not yet stepped) is ``open_bucket``:

    - dated more than ``max_future_minutes`` after now: set aside (``future``); dated in the
      future within that skew: counted at now (``clamped``);
    - dated before the open bucket (late, or the clock jumped back) by at most
      ``max_late_hours``: counted in the open bucket (``late``); earlier: set aside
      (``stale``);
    - otherwise its own bucket."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    reason = None
    if at > now:
        if at - now > timedelta(minutes=config.max_future_minutes):
            return Placement(None, f"future: dated {at.isoformat()}, after now {now.isoformat()}")
        at, reason = now, "clamped: dated a little after now"
    bucket = config.bucket_of(at)
    if open_bucket is not None and bucket < open_bucket:
        if config.bucket_start(open_bucket) - at > timedelta(hours=config.max_late_hours):
            return Placement(
                None, f"stale: dated {at.isoformat()}, over {config.max_late_hours:g} h late"
            )
        return Placement(open_bucket, "late: counted in the open bucket")
    return Placement(bucket, reason)
