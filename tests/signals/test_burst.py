"""The burst detector (``veille.signals.burst``): hand-computed scores and baselines, a tiny
stream with its hits stated in advance, bad input (silences, clock jumps, dates in the
future or the past, one author flooding), the hour-of-week baseline, and random streams."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veille.signals.bucketing import distinct_authors, place_time
from veille.signals.burst import BurstConfig, BurstDetector, TermState, poisson_score

# ------------------------------------------------------------------ poisson_score by hand


def test_poisson_score_by_hand() -> None:
    # P(X >= 5 | 0.5) = 1 - e^-0.5 (1 + 0.5 + 0.5^2/2 + 0.5^3/6 + 0.5^4/24) = 1.72116e-4
    tail = 1 - math.exp(-0.5) * (1 + 0.5 + 0.125 + 0.5**3 / 6 + 0.5**4 / 24)
    assert math.isclose(tail, 1.7211563e-4, rel_tol=1e-6)
    assert math.isclose(poisson_score(5, 0.5), -math.log10(tail), rel_tol=1e-9)
    assert math.isclose(poisson_score(5, 0.5), 3.76418, abs_tol=1e-5)
    # P(X >= 1 | 2) = 1 - e^-2; P(X >= 2 | 1) = 1 - 2/e
    assert math.isclose(poisson_score(1, 2.0), -math.log10(1 - math.exp(-2)), rel_tol=1e-9)
    assert math.isclose(poisson_score(2, 1.0), 0.5779996, abs_tol=1e-6)
    assert poisson_score(0, 3.0) == 0.0 and poisson_score(-2, 3.0) == 0.0


def test_poisson_score_far_in_the_tail_is_finite_and_follows_the_first_term() -> None:
    # past double precision the tail is its first term: c ln lam - lam - ln c!
    expected = -(1000 * math.log(0.5) - 0.5 - math.lgamma(1001)) / math.log(10)
    assert math.isclose(poisson_score(1000, 0.5), expected, rel_tol=1e-6)
    for lam in (0.0, -1.0, float("nan"), float("inf"), 1e-300):
        score = poisson_score(7, lam)
        assert math.isfinite(score) and score >= 0.0


def test_poisson_score_grows_with_the_count_and_falls_with_the_baseline() -> None:
    scores = [poisson_score(c, 2.0) for c in range(1, 60)]
    assert scores == sorted(scores)
    assert poisson_score(10, 1.0) > poisson_score(10, 2.0) > poisson_score(10, 4.0)


# ------------------------------------------------------------------ EWMA and decay by hand


def test_ewma_updates_by_hand() -> None:
    cfg = BurstConfig(alpha=0.1, floor=0.5, clip_sigmas=3.0)
    det = BurstDetector(cfg)
    det.step(0, {"t": 2})
    # baseline 0 -> lam = floor 0.5; cap = 0.5 + 3 sqrt(0.5) = 2.62 > 2: learns 2
    assert math.isclose(det.terms["t"].ewma, 0.1 * 2)
    det.step(1, {"t": 40})
    # lam = max(0.5, 0.2) = 0.5: 40 is clipped to 0.5 + 3 sqrt(0.5)
    cap = 0.5 + 3 * math.sqrt(0.5)
    assert math.isclose(det.terms["t"].ewma, 0.9 * 0.2 + 0.1 * cap)


def test_closed_form_decay_equals_stepping_empty_buckets_one_by_one() -> None:
    cfg = BurstConfig(alpha=0.05, floor=0.01)
    lazy, eager = BurstDetector(cfg), BurstDetector(cfg)
    for det in (lazy, eager):
        for b in range(20):
            det.step(b, {"t": 3})
    by_hand = lazy.terms["t"].ewma
    for b in range(20, 57):
        eager.step(b, {})  # stepped, the term absent: observed silence
        by_hand *= 1 - cfg.alpha
    # lazy skipped the 37 buckets, eager stepped them empty: the same closed-form decay
    assert math.isclose(lazy.baseline("t", 57), by_hand, rel_tol=1e-12)
    assert math.isclose(eager.baseline("t", 57), by_hand, rel_tol=1e-12)
    lazy.step(57, {"t": 1})  # below the clip (lam + 3 sqrt(lam)): learnt as it is
    eager.step(57, {"t": 1})
    assert math.isclose(lazy.terms["t"].ewma, (1 - cfg.alpha) * by_hand + cfg.alpha * 1)
    assert math.isclose(lazy.terms["t"].ewma, eager.terms["t"].ewma)


# ------------------------------------------------------------------ a tiny stream, hits stated


def test_tiny_stream_hits_as_computed() -> None:
    """Ten buckets with one author, then 8, 8, then nothing. By hand (alpha 0.1): the
    baseline after n buckets of one author is 1 - 0.9^n (0.6513 after ten); 8 authors
    against 0.6513 score -log10 P(X >= 8 | 0.6513) = 6.37 >= 4: a new burst in bucket 10;
    bucket 11 keeps it (the baseline learnt at most 0.6513 + 3 sqrt(0.6513) from bucket 10);
    four quiet buckets (12-15) end it."""
    cfg = BurstConfig(alpha=0.1, floor=0.5, threshold=4.0, threshold_off=2.0, cooldown=4)
    det = BurstDetector(cfg)
    hits = []
    for b in range(10):
        hits += det.step(b, {"t": 1})
    assert hits == []
    lam10 = 1 - 0.9**10
    assert math.isclose(det.baseline("t", 10), lam10)
    (h10,) = det.step(10, {"t": 8})
    assert (h10.bucket, h10.new, h10.authors, h10.burst_start) == (10, True, 8, 10)
    assert math.isclose(h10.baseline, lam10)
    assert math.isclose(h10.score, poisson_score(8, lam10))
    assert 6.3 < h10.score < 6.4
    lam11 = 0.9 * lam10 + 0.1 * (lam10 + 3 * math.sqrt(lam10))
    (h11,) = det.step(11, {"t": 8})
    assert (h11.bucket, h11.new, h11.burst_start) == (11, False, 10)
    assert math.isclose(h11.baseline, lam11)
    for b in range(12, 15):
        assert det.step(b, {}) == []
        assert "t" in det.active()
    det.step(15, {})
    assert det.active() == {}
    (end,) = det.ended
    assert (end.term, end.burst_start, end.last_bucket, end.peak_count) == ("t", 10, 11, 8)


def test_weighted_score_ranks_peers_above_unknown_accounts() -> None:
    det = BurstDetector(BurstConfig())
    (peers, unknown) = sorted(
        det.step(0, {"peers": 8, "unknown": 8}, weighted={"peers": 24.0, "unknown": 8.0}),
        key=lambda h: -h.weighted_score,
    )
    assert peers.term == "peers" and peers.score == unknown.score
    assert peers.weighted_score == 3 * unknown.weighted_score


def test_trigger_count_is_the_fewest_authors_that_start_a_burst() -> None:
    cfg = BurstConfig(windows=(1, 4), floor=0.25)
    det = BurstDetector(cfg)
    for b in range(30):
        det.step(b, {"t": 1} if b % 3 == 0 else {})
    need = det.trigger_count("t", 30)
    assert need is not None and need >= cfg.min_authors
    probe = BurstDetector(cfg, terms={"t": TermState(**vars(det.terms["t"]))}, last_bucket=29)
    assert probe.step(30, {"t": need - 1}) == []
    assert [h.new for h in det.step(30, {"t": need})] == [True]
    assert det.trigger_count("t", 31) is None  # bursting already


# ------------------------------------------------------------------ windows


def test_hour_window_finds_a_slow_rise_the_bucket_alone_misses() -> None:
    """A term seen once a day gets 3 authors in each of four buckets: no bucket alone is a
    burst (3 < min_authors), the hour (12 against 4 x floor) is."""
    stream = {b: 1 for b in range(0, 96 * 5, 96)}
    stream.update({500: 3, 501: 3, 502: 3, 503: 3})
    found = {}
    for windows in ((1,), (1, 4)):
        det = BurstDetector(BurstConfig(windows=windows))
        found[windows] = [
            h.bucket for b in range(510) for h in det.step(b, {"t": stream.get(b, 0)}) if h.new
        ]
    assert found[(1,)] == []
    assert found[(1, 4)] and 501 <= found[(1, 4)][0] <= 503


def test_one_author_every_bucket_cannot_fill_a_window() -> None:
    det = BurstDetector(BurstConfig(windows=(1, 4), floor=0.01))
    assert all(det.step(b, {"t": 1}) == [] for b in range(200))


# ------------------------------------------------------------------ bad input


def test_one_author_flooding_counts_once() -> None:
    pairs = [("#crise", "troll")] * 1000 + [("#crise", "alice"), ("#autre", "bob")]
    assert distinct_authors(pairs) == {"#crise": 2, "#autre": 1}
    det = BurstDetector(BurstConfig())
    for b in range(100):
        assert det.step(b, distinct_authors([("#crise", "troll")] * 500)) == []


def test_empty_buckets_and_long_silences_do_not_raise_a_storm() -> None:
    cfg = BurstConfig()
    det = BurstDetector(cfg)
    rng = np.random.default_rng(1)
    terms = [f"t{i}" for i in range(50)]
    for b in range(300):
        det.step(b, {t: int(n) for t, n in zip(terms, rng.poisson(3.0, 50), strict=True) if n})
    for b in range(300, 300 + 96 * 3):  # three days stepped with nothing at all
        assert det.step(b, {}) == []
    # a silence the caller did not step (the collector was down) longer than outage_hours
    back = 300 + 96 * 3 + cfg.outage_buckets + 50
    hits = det.step(back, {t: 3 for t in terms})
    assert det.outages == 1
    assert all(math.isfinite(h.score) for h in hits)
    # every term may come back as new once after three observed days of silence, not more
    later = [h for b in range(back + 1, back + 200) for h in det.step(b, {t: 3 for t in terms})]
    assert sum(h.new for h in later) == 0


def test_outage_keeps_the_baselines() -> None:
    cfg = BurstConfig(outage_hours=6)
    det = BurstDetector(cfg)
    for b in range(200):
        det.step(b, {"steady": 10})
    before = det.baseline("steady", 200)
    after = 200 + 10_000  # the clock jumped forward by about 100 days
    assert det.step(after, {"steady": 10}) == []
    assert det.outages == 1
    assert math.isclose(det.terms["steady"].ewma, before, rel_tol=0.05)


def test_clock_jump_back_is_ignored_and_counted() -> None:
    det = BurstDetector(BurstConfig())
    for b in range(100, 110):
        det.step(b, {"t": 2})
    state = vars(det.terms["t"]).copy()
    assert det.step(50, {"t": 400}) == []  # a bucket from the past
    assert det.step(109, {"t": 400}) == []  # the same bucket again
    assert det.late == 2 and vars(det.terms["t"]) == state
    assert det.step(110, {"t": 2}) == [] and det.last_bucket == 110


def test_place_time_clamps_and_sets_aside() -> None:
    cfg = BurstConfig()
    now = datetime(2026, 12, 2, 12, 7, tzinfo=UTC)
    open_bucket = cfg.bucket_of(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    own = place_time(now - timedelta(minutes=1), now, open_bucket, cfg)
    assert own == type(own)(open_bucket, None)
    skew = place_time(now + timedelta(minutes=3), now, open_bucket, cfg)
    assert skew.bucket == open_bucket and skew.reason and skew.reason.startswith("clamped")
    future = place_time(now + timedelta(days=400), now, open_bucket, cfg)
    assert future.bucket is None and future.reason and future.reason.startswith("future")
    late = place_time(now - timedelta(hours=5), now, open_bucket, cfg)
    assert late.bucket == open_bucket and late.reason and late.reason.startswith("late")
    stale = place_time(datetime(2009, 1, 1), now, open_bucket, cfg)
    assert stale.bucket is None and stale.reason and stale.reason.startswith("stale")
    first = place_time(now - timedelta(days=3), now, None, cfg)  # nothing stepped yet
    assert first.bucket == cfg.bucket_of(now - timedelta(days=3))


def test_bad_weights_do_not_leak_into_the_scores() -> None:
    det = BurstDetector(BurstConfig())
    hits = det.step(0, {"a": 9, "b": 9}, weighted={"a": float("nan"), "b": -5.0})
    assert len(hits) == 2
    assert all(math.isfinite(h.weighted_score) and h.weighted_score == h.score for h in hits)


# ------------------------------------------------------------------ hour of week


def _daily_meeting(weeks: int) -> dict[int, int]:
    """20 authors every weekday 09:00-10:00 UTC, one author a bucket otherwise (15 min)."""
    monday = BurstConfig().bucket_of(datetime(2026, 11, 2, tzinfo=UTC))
    stream = {}
    for b in range(monday, monday + weeks * 672):
        day, minute = divmod((b - monday) * 15, 24 * 60)
        stream[b] = 20 if day % 7 < 5 and 9 * 60 <= minute < 10 * 60 else 1
    return stream


def test_hour_of_week_learns_a_weekly_rhythm() -> None:
    stream = _daily_meeting(5)
    first = min(stream)
    # one real burst on Wednesday of week 5 at 03:00
    odd = first + 4 * 672 + 2 * 96 + 12
    stream[odd] = 25
    found: dict[bool, list[int]] = {}
    for seasonal in (False, True):
        cfg = BurstConfig(hour_of_week=seasonal)
        det = BurstDetector(cfg)
        found[seasonal] = [
            h.bucket for b in sorted(stream) for h in det.step(b, {"t": stream[b]}) if h.new
        ]
    week5 = [b for b in found[False] if b >= first + 4 * 672]
    assert len(week5) >= 5  # the plain baseline alarms at every meeting
    seasonal5 = [b for b in found[True] if b >= first + 4 * 672]
    assert seasonal5 == [odd]  # the hour-of-week baseline only at the real burst
    assert BurstConfig().slot_of(first) == 0  # Monday 00:00 is slot 0


# ------------------------------------------------------------------ random streams

_buckets = st.lists(
    st.tuples(
        st.integers(-50, 5_000),  # a step forward (or back: a clock jump) from the last
        st.dictionaries(
            st.sampled_from(["a", "b", "c", "#x", "https://e.fr"]),
            st.integers(-3, 10_000),
            max_size=5,
        ),
        st.dictionaries(
            st.sampled_from(["a", "b", "c"]),
            st.floats(allow_nan=True, allow_infinity=True),
            max_size=3,
        ),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _buckets,
    st.sampled_from([(1,), (1, 4), (1, 2, 8)]),
    st.booleans(),
    st.floats(0.001, 0.9),
)
def test_random_streams_never_raise_nor_give_nan(
    stream: list[tuple[int, dict[str, int], dict[str, float]]],
    windows: tuple[int, ...],
    seasonal: bool,
    alpha: float,
) -> None:
    det = BurstDetector(BurstConfig(windows=windows, hour_of_week=seasonal, alpha=alpha))
    bucket = 1_000
    for delta, authors, weighted in stream:
        bucket += delta
        for hit in det.step(bucket, authors, weighted):
            assert math.isfinite(hit.score) and hit.score >= 0
            assert math.isfinite(hit.weighted_score) and math.isfinite(hit.baseline)
        for term in authors:
            if term in det.terms:
                assert math.isfinite(det.baseline(term, bucket + 1))
                need = det.trigger_count(term, bucket + 1)
                assert need is None or need >= 1
    det.forget_idle(bucket + 10**6)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.2, 30.0), st.integers(0, 2**32 - 1), st.sampled_from([(1,), (1, 4)]))
def test_a_poisson_stream_at_its_own_rate_raises_few_alarms(
    rate: float, seed: int, windows: tuple[int, ...]
) -> None:
    """2,000 buckets (about 3 weeks at 15 min) of Poisson counts at a steady rate: once the
    baseline has warmed up, at most 4 bursts (0.2 % of the buckets; 2 at worst over 600
    seeds tried)."""
    det = BurstDetector(BurstConfig(windows=windows))
    counts = np.random.default_rng(seed).poisson(rate, 2_300)
    new = 0
    for b, n in enumerate(counts):
        hits = det.step(b, {"t": int(n)} if n else {})
        if b >= 300:
            new += sum(h.new for h in hits)
    assert new <= 4


@settings(max_examples=25, deadline=None)
@given(
    st.floats(0.2, 30.0),
    st.floats(3.0, 10.0),
    st.integers(0, 2**32 - 1),
    st.sampled_from([(1,), (1, 4)]),
)
def test_a_planted_step_is_found(
    rate: float, factor: float, seed: int, windows: tuple[int, ...]
) -> None:
    """A stream at ``rate`` that jumps to ``factor * rate + 10`` authors a bucket at bucket
    600: a new burst within two buckets of the step."""
    rng = np.random.default_rng(seed)
    counts = list(rng.poisson(rate, 600)) + list(rng.poisson(factor * rate + 10, 20))
    det = BurstDetector(BurstConfig(windows=windows))
    starts = []
    for b, n in enumerate(counts):
        starts += [h.bucket for h in det.step(b, {"t": int(n)} if n else {}) if h.new]
    assert any(600 <= s <= 602 for s in starts)


# ------------------------------------------------------------------ against a plain reference


def reference_hits(
    stream: list[tuple[int, dict[str, int]]], cfg: BurstConfig
) -> list[tuple[int, str, bool, float]]:
    """The detector's rules written plainly from the whole history (every window summed from
    the stored counts, every tail computed exactly, silence decayed bucket by bucket): what
    the incremental detector, its closed forms and its shortcuts must reproduce."""
    history: dict[str, dict[int, int]] = {}
    ewma: dict[str, float] = {}
    last: dict[str, int] = {}
    start: dict[str, int | None] = {}
    quiet: dict[str, int] = {}
    out = []
    previous = None
    for bucket, authors in stream:
        if previous is not None and bucket <= previous:
            continue
        for term, count in authors.items():
            if count <= 0:
                continue
            base = ewma.get(term, 0.0)
            for _ in range(bucket - last.get(term, bucket - 1) - 1):
                base *= 1 - cfg.alpha
            lam = max(cfg.floor, base)
            past = history.setdefault(term, {})
            best, begins = 0.0, False
            for w in cfg.windows:
                n = count + sum(past.get(bucket - k, 0) for k in range(1, w))
                score = poisson_score(n, w * lam)
                best = max(best, score)
                if (
                    score >= cfg.threshold
                    and n >= cfg.min_authors
                    and count > past.get(bucket - w, 0)
                ):
                    begins = True
            if start.get(term) is None:
                if begins:
                    start[term], quiet[term] = bucket, 0
                    out.append((bucket, term, True, best))
            elif best >= cfg.threshold_off:
                quiet[term] = 0
                out.append((bucket, term, False, best))
            else:
                quiet[term] += 1
            ewma[term] = (1 - cfg.alpha) * base + cfg.alpha * min(
                count, lam + cfg.clip_sigmas * math.sqrt(lam)
            )
            last[term] = bucket
            past[bucket] = count
        for term, began in list(start.items()):
            if began is None:
                continue
            if authors.get(term, 0) <= 0:
                quiet[term] = max(quiet[term] + 1, bucket - last[term])
            if quiet[term] >= cfg.cooldown:
                start[term], quiet[term] = None, 0
        previous = bucket
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.dictionaries(st.sampled_from("abcd"), st.integers(0, 40))),
        max_size=80,
    ),
    st.sampled_from([(1,), (1, 4), (1, 2, 8)]),
    st.sampled_from([0.02, 0.2]),
)
def test_the_detector_matches_the_plain_reference(
    steps: list[tuple[int, dict[str, int]]], windows: tuple[int, ...], alpha: float
) -> None:
    cfg = BurstConfig(windows=windows, alpha=alpha, outage_hours=1e6)
    stream, bucket = [], 0
    for delta, authors in steps:
        bucket += delta
        stream.append((bucket, authors))
    det = BurstDetector(cfg)
    got = [(h.bucket, h.term, h.new, h.score) for b, a in stream for h in det.step(b, a)]
    want = reference_hits(stream, cfg)
    assert [g[:3] for g in got] == [w[:3] for w in want]
    assert all(math.isclose(g[3], w[3], rel_tol=1e-9) for g, w in zip(got, want, strict=True))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 200), st.dictionaries(st.sampled_from("abc"), st.integers(0, 30))),
        min_size=2,
        max_size=60,
    ),
    st.integers(1, 59),
    st.sampled_from([(1,), (1, 4)]),
    st.booleans(),
)
def test_a_restart_from_the_saved_state_resumes_the_same_detection(
    steps: list[tuple[int, dict[str, int]]], cut: int, windows: tuple[int, ...], seasonal: bool
) -> None:
    """The state is the terms' ``TermState`` rows and the last bucket: a detector rebuilt
    from them (as the store keeps them) finds what an uninterrupted one finds."""
    from dataclasses import asdict

    cfg = BurstConfig(windows=windows, hour_of_week=seasonal)
    stream, bucket = [], 0
    for delta, authors in steps:
        bucket += delta
        stream.append((bucket, authors))
    cut = min(cut, len(stream) - 1)
    whole = BurstDetector(cfg)
    first = BurstDetector(cfg)
    for b, a in stream[:cut]:
        whole.step(b, a)
        first.step(b, a)
    saved = {t: asdict(s) for t, s in first.terms.items()}
    resumed = BurstDetector(
        cfg, {t: TermState(**row) for t, row in saved.items()}, first.last_bucket
    )
    for b, a in stream[cut:]:
        assert whole.step(b, a) == resumed.step(b, a)
    assert whole.active().keys() == resumed.active().keys()


# ------------------------------------------------------------------ warm-up


def test_warm_up_keeps_a_cold_detector_from_alarming_at_every_busy_term() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(6.0, (20, 400))  # 20 terms at 6 authors a bucket from the start
    starts: dict[int, list[int]] = {}
    for warm in (0, 32):
        det = BurstDetector(BurstConfig(windows=(1, 4), floor=0.25, warmup_buckets=warm))
        starts[warm] = []
        for b in range(400):
            col = {f"t{i}": int(counts[i, b]) for i in range(20) if counts[i, b]}
            if b == 300:
                col["t0"] = 40  # a real burst after the warm-up
            starts[warm] += [h.bucket for h in det.step(b, col) if h.new]
        if warm:
            # the running mean: the baseline is the mean of the counts so far, zeros included
            assert abs(det.baseline("t1", 400) - 6.0) < 1.5
            assert det.trigger_count("t1", 10) is None  # in the warm-up: nothing starts
            assert det.trigger_count("t1", 401) is not None
    assert sum(b < 32 for b in starts[0]) >= 10  # every busy term against the floor
    assert [b for b in starts[32] if b != 300] == [] and 300 in starts[32]


def test_running_mean_decay_in_closed_form_equals_bucket_by_bucket() -> None:
    cfg = BurstConfig(warmup_buckets=40, alpha=0.02, floor=0.01)  # 1/alpha > 40: all running
    lazy, eager = BurstDetector(cfg), BurstDetector(cfg)
    for det in (lazy, eager):
        det.step(0, {"t": 4, "u": 1})
    for b in range(1, 30):
        eager.step(b, {"u": 1})  # t absent: each bucket multiplies it by (1 - 1/j)
    lazy.step(29, {"u": 1})
    # by hand: after bucket 0 (j = 1) the mean is 4; buckets j = 2..30 are empty: 4 / 30
    assert math.isclose(lazy.baseline("t", 30), 4 / 30)
    assert math.isclose(eager.baseline("t", 30), 4 / 30)
    # a restored detector is past its warm-up: its baselines are not learnt again
    restored = BurstDetector(cfg, dict(eager.terms), eager.last_bucket)
    assert not restored._warming(30) and restored._alpha_at(30) == cfg.alpha
