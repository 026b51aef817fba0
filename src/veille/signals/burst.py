"""The burst detector: distinct authors of a term per time bucket against an EWMA baseline,
scored by the Poisson tail (DESIGN.md, "Burst score").

For a term in bucket ``b`` with ``c`` distinct authors, the baseline is
``lam = max(floor, ewma)`` where ``ewma`` is the exponentially weighted mean of the term's
past bucket counts (empty buckets count as 0). The score is
``-log10 P(X >= c | Poisson(lam))``. With ``windows`` (in buckets, ``(1,)`` by default) the
count is also taken over the trailing window of ``w`` buckets, ``c_w = c + counts of the
w - 1 buckets before``, against ``w * lam``, and the score is the highest of the windows: a
slow rise that never fills one bucket (9 authors in an hour, 2 or 3 a bucket, where the
term had one a day) is found by the hour window, a sharp one by the bucket itself. Over a
window the count is of authors per bucket summed (an author in two buckets counts twice),
so an author alone reaches at most ``w``: keep ``min_authors`` above the longest window.

A burst starts when, for some window, the score reaches ``threshold``, the window's count
reaches ``min_authors`` and grows (``c`` above the count of the bucket that left the
window; for the bucket alone, above the previous bucket's count). It lasts while the best
score stays at or above ``threshold_off`` and ends after ``cooldown`` buckets below it.

Optionally (``hour_of_week``) the baseline is kept per hour of the week: a term busy every
weekday at 9:00 is compared with its own 9:00, not with its nights. Each of the 168 slots
holds its own EWMA (``season_alpha`` per bucket of that slot); until the term has a week of
history the plain EWMA serves.

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

Bad input:

- a bucket older than the last one stepped (a clock that jumped back, a late post) is
  ignored here (``late`` counts it); the caller places posts with
  ``veille.signals.bucketing.place_time``, which
  folds late posts into the open bucket and sets aside the ones dated in the future or far
  in the past, with a reason;
- buckets that the caller stepped with no term are observed silence and decay the
  baselines; buckets it skipped are silence too, up to ``outage_hours``. A longer skip (the
  collector was down, or the clock jumped forward) is an outage: the baselines are kept as
  they were, so the first buckets after it do not all look like bursts;
- one author flooding a term counts once a bucket: the detector takes distinct authors
  (``bucketing.distinct_authors`` counts them from ``(term, author)`` pairs);
- a new burst needs ``min_authors`` above a baseline that is never below ``floor``, so
  none of these can raise a storm of alarms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from scipy.special import pdtrc

BUCKET_MINUTES = 15
#: hours in a week: the slots of the hour-of-week baseline
WEEK_HOURS = 168
#: the largest mean author weight that ``weighted_score`` takes
MAX_MEAN_WEIGHT = 1000.0
_LN10 = math.log(10)


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
    #: trailing windows scored, in buckets (1 = the bucket alone)
    windows: tuple[int, ...] = (1,)
    #: keep the baseline per hour of the week (168 slots per term)
    hour_of_week: bool = False
    #: EWMA smoothing of a slot, per bucket of that slot
    season_alpha: float = 0.3
    #: the detector's first buckets (from its first step: a rescan, a fresh state) learn
    #: the baselines as a running mean, unclipped, and start no burst: a cold detector
    #: does not compare every busy term with the floor. 0: no warm-up
    warmup_buckets: int = 0
    #: a skip between two steps longer than this is an outage, not silence
    outage_hours: float = 24.0
    #: ``place_time``: how far ahead of now a post may be dated (clock skew), and how far
    #: behind the open bucket a late post is still counted (in it)
    max_future_minutes: float = 10.0
    max_late_hours: float = 48.0

    def __post_init__(self) -> None:
        if not self.windows or any(w < 1 for w in self.windows):
            raise ValueError("windows: each window is at least 1 bucket")
        if self.hour_of_week and (60 % self.bucket_minutes and self.bucket_minutes % 60):
            raise ValueError("hour_of_week needs buckets that divide an hour or whole hours")

    def bucket_of(self, at: datetime) -> int:
        """The index of the bucket holding ``at`` (buckets since the epoch)."""
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return math.floor(at.timestamp() / (self.bucket_minutes * 60))

    def bucket_start(self, bucket: int) -> datetime:
        return datetime.fromtimestamp(bucket * self.bucket_minutes * 60, tz=UTC)

    def slot_of(self, bucket: int) -> int:
        """The hour of the week (0 = Monday 00:00 UTC) of ``bucket``."""
        # the epoch (1970-01-01) was a Thursday: 3 days after a Monday
        hours = (bucket * self.bucket_minutes) // 60
        return int((hours + 72) % WEEK_HOURS)

    @property
    def outage_buckets(self) -> int:
        return max(1, math.ceil(self.outage_hours * 60 / self.bucket_minutes))

    @property
    def span(self) -> int:
        """The longest window, in buckets."""
        return max(self.windows)


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
    #: the counts of the buckets ``last_bucket - len + 1 .. last_bucket`` (longest window);
    #: empty when the windows are ``(1,)``. A state restored without it loses only the
    #: partial window
    recent: list[int] = field(default_factory=list)
    #: the hour-of-week baseline (168 EWMAs) and the first bucket seen, when enabled
    season: list[float] | None = None
    first_bucket: int | None = None


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
    #: the window (in buckets) that gave the score, and its count
    window: int = 1
    window_authors: int = 0


@dataclass(frozen=True)
class BurstEnd:
    term: str
    burst_start: int
    last_bucket: int
    peak_count: int
    peak_score: float


def poisson_score(count: int, lam: float) -> float:
    """``-log10 P(X >= count)`` for ``X ~ Poisson(lam)``: 0 for ``count <= 0``; finite for
    any count and any ``lam`` (a baseline that is not a positive number is taken as a
    tiny one; the tail is computed in log space when it underflows)."""
    if count <= 0:
        return 0.0
    if not lam > 1e-12:  # also NaN
        lam = 1e-12
    elif math.isinf(lam):
        return 0.0
    tail = float(pdtrc(count - 1, lam))
    if tail > 1e-300:
        return max(0.0, -math.log10(tail))
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
    #: skips between steps taken as outages (baselines kept)
    outages: int = 0
    #: the first bucket stepped (the warm-up counts from it)
    started: int | None = None
    ended: list[BurstEnd] = field(default_factory=list)
    #: the terms with a burst in progress (derived from ``terms``)
    _active: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self._active = {t for t, st in self.terms.items() if st.burst_start is not None}
        if self.started is None and (self.terms or self.last_bucket is not None):
            # a detector restored from its state is past its warm-up: date its start before
            # every bucket it knows, so that no restored baseline is learnt again
            known = [st.last_bucket for st in self.terms.values() if st.last_bucket >= 0]
            if self.last_bucket is not None:
                known.append(self.last_bucket)
            self.started = min(known, default=0) - self.config.warmup_buckets - 2

    # -- the baseline -------------------------------------------------------------------

    def _running(self) -> int:
        """Buckets from the start that learn as a running mean (1/j for the j-th)."""
        cfg = self.config
        if cfg.warmup_buckets <= 0 or self.started is None:
            return 0
        return min(cfg.warmup_buckets, math.floor(1.0 / cfg.alpha))

    def _alpha_at(self, bucket: int) -> float:
        running = self._running()
        if running and self.started is not None:
            j = bucket - self.started + 1
            if 1 <= j <= running:
                return 1.0 / j
        return self.config.alpha

    def _keep_between(self, first: int, last: int) -> float:
        """The product of ``1 - alpha_k`` over the empty buckets ``first .. last``: the
        running-mean part telescopes, ``prod (1 - 1/j) = (a - 1) / e``, the rest is
        ``(1 - alpha) ** n``."""
        n = last - first + 1
        if n <= 0:
            return 1.0
        keep = 1.0
        running = self._running()
        if running and self.started is not None:
            ja, jc = first - self.started + 1, last - self.started + 1
            if ja <= running:
                e = min(jc, running)
                keep = max(ja - 1, 0) / e
                n = jc - running
        if n <= 0:
            return keep
        if n > 100_000:
            return 0.0
        return keep * (1.0 - self.config.alpha) ** n

    def _decayed(self, st: TermState, bucket: int) -> float:
        gap = bucket - st.last_bucket - 1
        if gap <= 0 or st.ewma == 0.0:
            return st.ewma
        # the empty buckets between: each multiplies the mean by (1 - alpha)
        return st.ewma * self._keep_between(st.last_bucket + 1, bucket - 1)

    def _slot_buckets(self, first: int, last: int) -> dict[int, int]:
        """How many buckets of each hour-of-week slot lie in ``first .. last``."""
        cfg = self.config
        n = last - first + 1
        out: dict[int, int] = {}
        if n <= 0:
            return out
        week = WEEK_HOURS * 60 // cfg.bucket_minutes if cfg.bucket_minutes <= 60 else 0
        if week and n > week:
            whole, n = divmod(n, week)
            per_slot = week // WEEK_HOURS
            out = dict.fromkeys(range(WEEK_HOURS), whole * per_slot)
            first = last - n + 1
        for b in range(first, first + n):
            s = cfg.slot_of(b)
            out[s] = out.get(s, 0) + 1
        return out

    def _season_decayed(self, st: TermState, bucket: int) -> list[float]:
        """The slots' EWMAs as of ``bucket - 1``: empty buckets decay their own slot."""
        assert st.season is not None
        season = st.season
        gap = bucket - st.last_bucket - 1
        if gap > 0:
            keep = 1.0 - self.config.season_alpha
            season = list(season)
            for slot, n in self._slot_buckets(st.last_bucket + 1, bucket - 1).items():
                season[slot] *= keep**n
        return season

    def baseline(self, term: str, bucket: int) -> float:
        """The baseline ``lam`` of ``term`` in ``bucket`` (distinct authors per bucket)."""
        st = self.terms.get(term)
        if st is None:
            return self.config.floor
        return self._lam(st, bucket, self._decayed(st, bucket), None)

    def _lam(self, st: TermState, bucket: int, base: float, season: list[float] | None) -> float:
        cfg = self.config
        if cfg.hour_of_week and st.first_bucket is not None and st.season is not None:
            week = WEEK_HOURS * 60 / cfg.bucket_minutes
            if bucket - st.first_bucket >= week:
                if season is None:
                    season = self._season_decayed(st, bucket)
                base = season[cfg.slot_of(bucket)]
        return max(cfg.floor, base)

    def _window_before(self, st: TermState, bucket: int) -> list[int]:
        """The counts of ``bucket - span .. bucket - 1`` (zeros where the term was absent)."""
        span = self.config.span
        if span == 1:
            return [st.last_count if st.last_bucket == bucket - 1 else 0]
        gap = bucket - st.last_bucket - 1
        recent = st.recent[-span:] if st.last_bucket >= 0 else []
        if gap >= span:
            return [0] * span
        window = [*recent, *([0] * gap)][-span:]
        return [0] * (span - len(window)) + window

    # -- scoring ------------------------------------------------------------------------

    def _score(self, count: int, before: list[int], lam: float) -> tuple[float, int, int, bool]:
        """The best score over the windows, its window and count, and whether some window
        starts a burst (score, authors and growth).

        Most terms sit near their baseline, and their exact tail is not needed: a window
        whose count is at most its baseline scores under 0.302 (the count is then at most
        the Poisson median, whose tail is at least 1/2), and ``-log10 P(X = n)`` bounds
        ``-log10 P(X >= n)`` from above; a window below ``min(threshold, threshold_off)``
        by either test can neither start nor keep a burst and is skipped. The best score is
        exact whenever it reaches ``threshold_off`` (the only time it is reported)."""
        cfg = self.config
        cut = min(cfg.threshold, cfg.threshold_off) * _LN10
        median_cut = cut > 0.302 * _LN10
        best, best_w, best_n, starts = 0.0, 1, count, False
        span = len(before)
        for w in cfg.windows:
            n = count + sum(before[span - w + 1 :]) if w > 1 else count
            lw = w * lam
            if lw > 0.0 and math.isfinite(lw):
                if median_cut and n <= lw:
                    continue
                if math.lgamma(n + 1) - n * math.log(lw) + lw < cut:
                    continue
            score = poisson_score(n, lw)
            if score > best:
                best, best_w, best_n = score, w, n
            if score >= cfg.threshold and n >= cfg.min_authors:
                leaving = before[span - w] if w <= span else 0
                if count > leaving:
                    starts = True
        return best, best_w, best_n, starts

    def trigger_count(self, term: str, bucket: int) -> int | None:
        """The fewest distinct authors of ``term`` in ``bucket`` that would start a burst
        there (None when it is bursting already): a live collector can raise the alert as
        the post that reaches it arrives, before the bucket closes."""
        st = self.terms.get(term) or TermState()
        if st.burst_start is not None or self._warming(bucket):
            return None
        lam = self._lam(st, bucket, self._decayed(st, bucket), None)
        before = self._window_before(st, bucket) if st.last_bucket >= 0 else [0] * self.config.span
        low, high = 1, max(2, self.config.min_authors)
        while not self._score(high, before, lam)[3]:
            low, high = high, high * 2
        while low < high:
            mid = (low + high) // 2
            if self._score(mid, before, lam)[3]:
                high = mid
            else:
                low = mid + 1
        return high

    # -- stepping -----------------------------------------------------------------------

    def _warming(self, bucket: int) -> bool:
        warm = self.config.warmup_buckets
        return warm > 0 and (self.started is None or bucket - self.started < warm)

    def _outage(self, skipped: int) -> None:
        """The caller skipped ``skipped`` buckets: an outage, not silence. Every term's
        clock moves on by as much, so its baseline is as it was (one pass over the terms,
        once per outage)."""
        self.outages += 1
        if self.started is not None:
            self.started += skipped
        for st in self.terms.values():
            if st.last_bucket >= 0:
                st.last_bucket += skipped
            if st.first_bucket is not None:
                st.first_bucket += skipped
            if st.burst_start is not None:
                st.burst_start += skipped

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
        if self.last_bucket is not None and bucket - self.last_bucket - 1 > cfg.outage_buckets:
            self._outage(bucket - self.last_bucket - 1)
        if self.started is None:
            self.started = bucket
        hits: list[BurstHit] = []
        weights = weighted or {}
        span = cfg.span
        seasonal = cfg.hour_of_week
        floor, clip = cfg.floor, cfg.clip_sigmas
        # this bucket's smoothing (a running mean during the warm-up), and how far back
        # a term's last sighting must be for its decay to cross the warm-up
        alpha = self._alpha_at(bucket)
        keep = 1.0 - alpha
        fixed_keep = 1.0 - cfg.alpha
        warming = self._warming(bucket)
        if warming:
            clip = math.inf  # a running mean learns every count as it is
        crosses = self.started + self._running() - 1
        windows = cfg.windows
        single = windows == (1,)
        cut = min(cfg.threshold, cfg.threshold_off) * _LN10
        median_cut = cut > 0.302 * _LN10
        terms = self.terms
        lgamma, log, sqrt = math.lgamma, math.log, math.sqrt
        for term, count in authors.items():
            if count <= 0:
                continue
            st = terms.get(term)
            if st is None:
                st = terms[term] = TermState()
            gap = bucket - st.last_bucket - 1
            base = st.ewma
            if gap > 0 and base != 0.0:
                if st.last_bucket < crosses:
                    base *= self._keep_between(st.last_bucket + 1, bucket - 1)
                else:
                    base = base * fixed_keep**gap if gap <= 100_000 else 0.0
            season = None
            if seasonal:
                if st.season is None:
                    st.season = [0.0] * WEEK_HOURS
                    st.first_bucket = bucket
                season = self._season_decayed(st, bucket)
                lam = self._lam(st, bucket, base, season)
            else:
                lam = base if base > floor else floor
            if single:
                before = [st.last_count if gap == 0 else 0]
                # the common case, a term near its baseline: no tail to compute (_score)
                if (
                    st.burst_start is None
                    and 0.0 < lam < math.inf
                    and (
                        (median_cut and count <= lam)
                        or lgamma(count + 1) - count * log(lam) + lam < cut
                    )
                ):
                    cap = lam + clip * sqrt(lam)
                    st.ewma = keep * base + alpha * (count if count < cap else cap)
                    st.last_bucket = bucket
                    st.last_count = count
                    continue
            else:
                recent = st.recent
                if gap == 0 and len(recent) == span:
                    before = recent
                else:
                    before = self._window_before(st, bucket)
                if st.burst_start is None and 0.0 < lam < math.inf:
                    for w in windows:
                        n = count + sum(before[span - w + 1 :]) if w > 1 else count
                        lw = w * lam
                        if not ((median_cut and n <= lw) or lgamma(n + 1) - n * log(lw) + lw < cut):
                            break
                    else:  # every window near its baseline: no tail to compute (_score)
                        cap = lam + clip * sqrt(lam)
                        st.ewma = keep * base + alpha * (count if count < cap else cap)
                        st.recent = [*before[1:], count]
                        st.last_bucket = bucket
                        st.last_count = count
                        continue
            score, window, window_n, starts = self._score(count, before, lam)
            starts = starts and not warming
            weight = weights.get(term, float(count))
            if not math.isfinite(weight) or weight < 0:
                weight = float(count)
            # author weights are a few units (DEFAULT_SIGNAL_WEIGHTS): a mean beyond
            # MAX_MEAN_WEIGHT is a caller's bug, kept from turning the ranking infinite
            mean_weight = min(weight / count, MAX_MEAN_WEIGHT)
            if st.burst_start is None:
                if starts:
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
                            window,
                            window_n,
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
                        window,
                        window_n,
                    )
                )
            else:
                st.quiet += 1
            # learn the bucket, clipped so that a burst is not absorbed at once
            cap = lam + clip * sqrt(lam)
            learnt = min(float(count), cap)
            st.ewma = keep * base + alpha * learnt
            if season is not None:
                slot = cfg.slot_of(bucket)
                season[slot] = (1.0 - cfg.season_alpha) * season[slot] + cfg.season_alpha * learnt
                st.season = season
            if span > 1:
                st.recent = [*before[1:], count]
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
        for term in sorted(done):
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
            and (st.season is None or max(st.season) < cfg.floor / 100)
        ]
        for t in drop:
            del self.terms[t]
        return len(drop)
