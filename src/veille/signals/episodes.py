"""A term's burst as the pass follows it (``Episode``: one ``burst`` signal while any
detector holds the term), the signal it becomes, and the small pure helpers of the pass
(``veille.signals.detect``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from veille.i18n import t
from veille.signals.burst import BurstConfig, poisson_score
from veille.signals.messages import stakeholder_mix_text
from veille.signals.model import Signal, signal_id
from veille.signals.terms import term_label
from veille.workspace.config import SignalsSection


@dataclass
class Episode:
    """A term's burst while any detector holds it: one ``burst`` signal."""

    term: str
    first_bucket: int
    first_seen: datetime
    detected_at: datetime
    window: int
    score: float = 0.0
    weighted_score: float = 0.0
    baseline: float = 0.0
    peak_authors: int = 0
    last_bucket: int = 0
    authors: dict[str, float] = field(default_factory=dict)
    classes: dict[str, str | None] = field(default_factory=dict)
    uris: set[str] = field(default_factory=set)
    open: bool = True
    changed: bool = True
    windows: set[int] = field(default_factory=set)

    @property
    def id(self) -> str:
        return signal_id("burst", self.term, self.first_bucket)


def burst_signal(ep: Episode, cfg: SignalsSection) -> Signal:
    """The ``burst`` signal of an episode, with its reasons."""
    bcfg = BurstConfig(bucket_minutes=cfg.bucket_minutes)
    n = len(ep.authors) or ep.peak_authors
    mean = (sum(ep.authors.values()) / len(ep.authors)) if ep.authors else 1.0
    minutes = ep.window * cfg.bucket_minutes
    reasons = [
        t(
            "sig.burst.count",
            n=ep.peak_authors,
            term=term_label(ep.term),
            minutes=minutes,
            base=f"{ep.baseline:.1f}",
            score=f"{ep.score:.1f}",
        ),
        t("sig.burst.total", n=n, posts=len(ep.uris) or n),
    ]
    who = mix(ep.classes)
    if who:
        reasons.append(t("sig.burst.who", mix=stakeholder_mix_text(who), weight=f"{mean:.2f}"))
    if not ep.open:
        reasons.append(t("sig.burst.ended"))
    watches, leaders, orgs = entities([ep.term])
    return Signal(
        id=ep.id,
        kind="burst",
        term=ep.term,
        first_seen=ep.first_seen,
        detected_at=ep.detected_at,
        score=ep.weighted_score,
        authors=n,
        posts=len(ep.uris) or n,
        reasons=tuple(reasons),
        watches=watches,
        leaders=leaders,
        organisations=orgs,
        updated_at=bcfg.bucket_start(ep.last_bucket + 1),
        detail={
            "open": ep.open,
            "first_bucket": ep.first_bucket,
            "last_bucket": ep.last_bucket,
            "window": ep.window,
            "windows": sorted(ep.windows),
            "raw_score": round(ep.score, 3),
            "baseline": round(ep.baseline, 3),
            "peak_authors": ep.peak_authors,
            "mean_weight": round(mean, 3),
            "stakeholders": who,
            "uris": sorted(ep.uris),
        },
    )


@dataclass(frozen=True)
class OpenHit:
    """A burst seen on the open bucket (the fields of ``BurstHit`` that ``_on_hit`` reads)."""

    term: str
    bucket: int
    authors: int
    weighted_authors: float
    baseline: float
    score: float
    weighted_score: float
    new: bool = True


def needed(cfg: BurstConfig, lam: float, upto: int) -> int:
    """The least count that starts a burst over a baseline ``lam`` (at most ``upto``)."""
    for c in range(max(cfg.min_authors, 1), upto + 1):
        if poisson_score(c, lam) >= cfg.threshold:
            return c
    return upto


#: a post of a term: uri, author, bucket, weight, stakeholder class, time
Member = tuple[str, str, int, float, Any, datetime]


def post_info(posts: pa.Table) -> dict[str, tuple[str, int, float, Any, datetime]]:
    cols = [
        posts.column(c).to_pylist()
        for c in ("uri", "author", "bucket", "weight", "stakeholder", "created_at")
    ]
    return {u: (a, b, w, s, t) for u, a, b, w, s, t in zip(*cols, strict=True)}


def posts_by_term(
    uris: list[str], terms: list[str], info: dict[str, tuple[str, int, float, Any, datetime]]
) -> dict[str, list[Member]]:
    out: dict[str, list[Member]] = {}
    for uri, term in zip(uris, terms, strict=True):
        author, bucket, weight, klass, at = info[uri]
        out.setdefault(term, []).append((uri, author, bucket, weight, klass, at))
    return out


def arrivals(members: Iterable[Member], bucket: int, window: int) -> list[datetime]:
    """When each distinct author of a term first posted in the window of ``window``
    buckets ending at ``bucket``, in order."""
    first: dict[str, datetime] = {}
    for _, author, b, _, _, at in members:
        if bucket - window < b <= bucket and (author not in first or at < first[author]):
            first[author] = at
    return sorted(first.values())


def mix(classes: dict[str, str | None]) -> dict[str, int]:
    mix: dict[str, int] = {}
    for klass in classes.values():
        key = klass or "unknown"
        mix[key] = mix.get(key, 0) + 1
    return dict(sorted(mix.items(), key=lambda kv: (-kv[1], kv[0])))


def entities(terms: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    watches, leaders, orgs = set(), set(), set()
    for term in terms:
        if term.startswith("watch:"):
            watches.add(term[6:])
        elif term.startswith("@leader:"):
            leaders.add(term[8:])
        elif term.startswith("@org:"):
            orgs.add(term[5:])
    return tuple(sorted(watches)), tuple(sorted(leaders)), tuple(sorted(orgs))
