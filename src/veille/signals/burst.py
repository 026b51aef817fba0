"""The burst detector: distinct authors of a term per time bucket against an EWMA baseline,
scored by the Poisson tail (DESIGN.md, "Burst score").

For a term in bucket ``b`` with ``c`` distinct authors, the baseline is
``lam = max(floor, ewma)`` where ``ewma`` is the exponentially weighted mean of the term's
past bucket counts (empty buckets count as 0). The score is
``-log10 P(X >= c | Poisson(lam))``. A burst starts when the score reaches ``threshold``,
``c >= min_authors`` and the count grows (``c`` above the previous bucket's count); it lasts
while the score stays at or above ``threshold_off`` and ends after ``cooldown`` buckets
below it.

Who posts matters: each author has a weight (a tracked peer, a journalist or an account of
the leader's ecosystem weigh more than an unknown account). The detection runs on the
integer count, so a handful of heavy accounts cannot set it off alone; the reported
``weighted_score`` multiplies the score by the mean weight of the bucket's authors, so that
among bursts of the same size the one among peers and journalists ranks first.

The detector is incremental: a bucket costs time in proportion to the terms it holds plus
the bursts in progress, never to the history. Empty buckets between two sightings of a term
are applied in closed form when the term comes back (``ewma * (1 - alpha) ** gap``). Its
whole state is ``TermState`` rows (``state()``), which the store keeps, so a restart resumes
where it stopped and a rebuild re-derives it by replaying the buckets.

Input that is not in order is not an error: a bucket older than the last one stepped (a
clock that jumped back, a late post) is folded into the current bucket by the caller or
ignored here (``late`` counts it); a long silence is one closed-form decay; a jump forward
only ages the baselines. None of these can raise a storm of alarms, because a new burst
needs ``min_authors`` distinct authors above a baseline that is never below ``floor``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scipy.special import pdtrc

BUCKET_MINUTES = 15


@dataclass(frozen=True)
class BurstConfig:
    bucket_minutes: int = BUCKET_MINUTES
    #: EWMA smoothing per bucket: 0.02 is a half-life of about 34 buckets (8.5 h at 15 min)
    alpha: float = 0.02
    #: the smallest baseline, in distinct authors per bucket: a term never seen before is
    #: compared with this, so a first sighting by a few authors is not a burst
    floor: float = 0.5
    #: -log10 of the Poisson tail to start a burst, and to keep it going
    threshold: float = 4.0
    threshold_off: float = 2.0
    min_authors: int = 5
    #: buckets below ``threshold_off`` before a burst ends
    cooldown: int = 4
    #: the most the baseline learns from one bucket, in standard deviations above it: a
    #: burst must not become its own baseline within a few buckets
    clip_sigmas: float = 3.0

    def bucket_of(self, at: datetime) -> int:
        """The index of the bucket holding ``at`` (buckets since the epoch)."""
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return math.floor(at.timestamp() / (self.bucket_minutes * 60))

    def bucket_start(self, bucket: int) -> datetime:
        return datetime.fromtimestamp(bucket * self.bucket_minutes * 60, tz=UTC)


@dataclass
class TermState:
    """What the detector remembers of a term (one row of the store's state table)."""

    ewma: float = 0.0
    #: the last bucket in which the term was seen (its ewma is up to date as of that bucket)
    last_bucket: int = -1
    last_count: int = 0
    #: the first bucket of the burst in progress, or None
    burst_start: int | None = None
    #: buckets in a row below ``threshold_off`` during a burst
    quiet: int = 0
    #: the burst in progress: its largest count and score
    peak_count: int = 0
    peak_score: float = 0.0


@dataclass(frozen=True)
class BurstHit:
    """A bucket in which a term is bursting (the first bucket of a burst has ``new``)."""

    term: str
    bucket: int
    burst_start: int
    authors: int
    weighted_authors: float
    baseline: float
    score: float
    weighted_score: float
    new: bool


@dataclass(frozen=True)
class BurstEnd:
    term: str
    burst_start: int
    last_bucket: int
    peak_count: int
    peak_score: float


def poisson_score(count: int, lam: float) -> float:
    """``-log10 P(X >= count)`` for ``X ~ Poisson(lam)``: 0 for ``count <= 0``; finite for
    any count (the tail is computed in log space when it underflows)."""
    if count <= 0:
        return 0.0
    tail = float(pdtrc(count - 1, lam))
    if tail > 1e-300:
        return -math.log10(tail)
    # the first term of the tail dominates it: log P(X = c) = c ln lam - lam - ln c!
    log_p = count * math.log(lam) - lam - math.lgamma(count + 1)
    return -log_p / math.log(10)


@dataclass
class BurstDetector:
    """Steps through closed buckets in order; ``step`` returns the terms bursting in it."""

    config: BurstConfig = field(default_factory=BurstConfig)
    terms: dict[str, TermState] = field(default_factory=dict)
    #: the last bucket stepped
    last_bucket: int | None = None
    #: buckets given out of order and ignored
    late: int = 0
    ended: list[BurstEnd] = field(default_factory=list)
    #: the terms with a burst in progress (derived from ``terms``)
    _active: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self._active = {t for t, st in self.terms.items() if st.burst_start is not None}

    def _decayed(self, st: TermState, bucket: int) -> float:
        gap = bucket - st.last_bucket - 1
        if gap <= 0 or st.ewma == 0.0:
            return st.ewma
        if gap > 100_000:
            return 0.0
        # the empty buckets between: each multiplies the mean by (1 - alpha)
        return st.ewma * (1.0 - self.config.alpha) ** gap

    def step(
        self,
        bucket: int,
        authors: Mapping[str, int],
        weighted: Mapping[str, float] | None = None,
    ) -> list[BurstHit]:
        """Close ``bucket`` with the distinct ``authors`` of each term seen in it (and the
        sum of their weights, ``weighted``; the count itself when absent). Terms not in
        ``authors`` had no author in it. Returns the hits of this bucket; the bursts that
        ended are appended to ``ended``."""
        cfg = self.config
        if self.last_bucket is not None and bucket <= self.last_bucket:
            self.late += 1
            return []
        hits: list[BurstHit] = []
        for term, count in authors.items():
            if count <= 0:
                continue
            st = self.terms.get(term)
            if st is None:
                st = self.terms[term] = TermState()
            base = self._decayed(st, bucket)
            lam = max(cfg.floor, base)
            score = poisson_score(count, lam)
            previous = st.last_count if st.last_bucket == bucket - 1 else 0
            weight = (weighted or {}).get(term, float(count))
            mean_weight = weight / count
            if st.burst_start is None:
                if score >= cfg.threshold and count >= cfg.min_authors and count > previous:
                    st.burst_start = bucket
                    self._active.add(term)
                    st.quiet = 0
                    st.peak_count = count
                    st.peak_score = score
                    hits.append(
                        BurstHit(
                            term,
                            bucket,
                            bucket,
                            count,
                            weight,
                            lam,
                            score,
                            score * mean_weight,
                            True,
                        )
                    )
            elif score >= cfg.threshold_off:
                st.quiet = 0
                st.peak_count = max(st.peak_count, count)
                st.peak_score = max(st.peak_score, score)
                hits.append(
                    BurstHit(
                        term,
                        bucket,
                        st.burst_start,
                        count,
                        weight,
                        lam,
                        score,
                        score * mean_weight,
                        False,
                    )
                )
            else:
                st.quiet += 1
            # learn the bucket, clipped so that a burst is not absorbed at once
            cap = lam + cfg.clip_sigmas * math.sqrt(lam)
            st.ewma = (1.0 - cfg.alpha) * base + cfg.alpha * min(float(count), cap)
            st.last_bucket = bucket
            st.last_count = count
        self._age_bursts(bucket, authors)
        self.last_bucket = bucket
        return hits

    def _age_bursts(self, bucket: int, seen: Mapping[str, int]) -> None:
        """Bursts whose term was absent from ``bucket`` count it (and any skipped bucket) as
        quiet; a burst quiet for ``cooldown`` buckets ends."""
        cfg = self.config
        done: list[str] = []
        for term in self._active:
            st = self.terms[term]
            if seen.get(term, 0) <= 0:
                st.quiet = max(st.quiet + 1, bucket - st.last_bucket)
            if st.quiet >= cfg.cooldown:
                done.append(term)
        for term in done:
            st = self.terms[term]
            assert st.burst_start is not None
            self.ended.append(
                BurstEnd(term, st.burst_start, st.last_bucket, st.peak_count, st.peak_score)
            )
            st.burst_start = None
            self._active.discard(term)
            st.quiet = 0
            st.peak_count = 0
            st.peak_score = 0.0

    def active(self) -> dict[str, TermState]:
        """The terms with a burst in progress."""
        return {t: self.terms[t] for t in sorted(self._active)}

    def forget_idle(self, before_bucket: int) -> int:
        """Drop the state of terms last seen before ``before_bucket`` whose baseline has
        decayed below a hundredth of the floor (they would start again from the floor
        anyway): the state stays the size of the live vocabulary."""
        cfg = self.config
        drop = [
            t
            for t, st in self.terms.items()
            if st.burst_start is None
            and st.last_bucket < before_bucket
            and self._decayed(st, before_bucket) < cfg.floor / 100
        ]
        for t in drop:
            del self.terms[t]
        return len(drop)
