"""What the signals package reports: a ``Signal`` (a burst, a story, a rumour, a bad buzz or
a campaign), shared by the detectors, the store, the CLI, the dashboard and the alerts.

A signal's ``id`` is stable: the same episode keeps its id across passes, restarts and
rescans (it is derived from the kind, the term or entity and the first bucket), so alerts can
be deduplicated on it and escalated when ``score`` or ``authors`` grow."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Kind = Literal["burst", "story", "rumour", "bad_buzz", "campaign"]
KINDS: tuple[Kind, ...] = ("burst", "story", "rumour", "bad_buzz", "campaign")


def signal_id(kind: str, key: str, first_bucket: int) -> str:
    """A short stable id: the kind's initial letters and a hash of what the signal is about
    and the bucket of its first sighting."""
    digest = hashlib.sha1(f"{kind}\x1f{key}\x1f{first_bucket}".encode()).hexdigest()[:10]
    prefix = {"burst": "b", "story": "s", "rumour": "r", "bad_buzz": "bb", "campaign": "c"}
    return f"{prefix.get(kind, 'x')}-{digest}"


@dataclass(frozen=True)
class Signal:
    id: str
    kind: Kind
    #: the hashtag, watch, mention, URL or n-gram; the entity (``leader:ID``,
    #: ``organisation:ID``) of a bad buzz or a campaign; None for a story
    term: str | None
    first_seen: datetime
    detected_at: datetime
    #: comparable within a kind: the burst's -log10 Poisson tail weighted by who posts, a
    #: story's or a rumour's score, the anomaly of a bad buzz or a campaign
    score: float
    #: distinct authors, and posts, so far
    authors: int
    posts: int
    #: why, in sentences a leader can read (in the language of the interface)
    reasons: tuple[str, ...]
    #: watches, leaders and organisations the signal concerns (ids)
    watches: tuple[str, ...] = ()
    leaders: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    story_id: str | None = None
    updated_at: datetime | None = None
    #: kind-specific figures (growth curve, stakeholder mix, sentiment, top posts, ...)
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_json(self) -> dict[str, Any]:
        """The item of ``veille signals --format json``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "term": self.term,
            "first_seen": self.first_seen.isoformat(),
            "detected_at": self.detected_at.isoformat(),
            "score": round(self.score, 3),
            "authors": self.authors,
            "posts": self.posts,
            "reasons": list(self.reasons),
            "watches": list(self.watches),
            "leaders": list(self.leaders),
            "organisations": list(self.organisations),
            "story_id": self.story_id,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            **({"detail": self.detail} if self.detail else {}),
        }
