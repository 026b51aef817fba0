"""The detection pass: closed buckets through the burst detectors, bursts into signals,
their posts into stories, then the bad-buzz and campaign detectors and the alerts.

``detect(ws)`` is incremental. The store keeps, per detector, the last closed bucket and the
state of every term (``store/signals.py``), so a pass reads only the posts of the buckets
after it (plus the trailing window of the widest detector) and a restart resumes where the
last pass stopped. A bucket closes when ``now - grace`` passes its end. ``rescan`` starts
again from the first post (so does a change of the ``[signals]`` settings the state depends
on); ``veille rebuild`` re-derives everything that way.

Several detectors run side by side, one per window of ``[signals] windows`` (in buckets):
each scores, at every bucket, the distinct authors of a term over its trailing window. The
one-bucket window reacts to a sharp peak; the wider ones to a story that grows over hours
with a few new authors per bucket. A term's burst is one episode (one signal) while any of
them holds it.

When a burst is detected: ``detected_at`` is the arrival of the author that took the count
over the threshold (the moment a pass running on the open bucket sees it; ``veille run``
runs one on the open bucket too, ``preview``), never later than the bucket's end.

Bad time stamps: posts dated in the future wait until their time comes (they are not read
before); posts older than the last closed bucket (late, or a clock that jumped back) are not
counted again; a bucket is closed only up to the newest post actually held, so a clock that
jumps forward does not close buckets that are still being collected; empty spans of time
cost nothing (the detectors decay in closed form). None of these can start a storm, since a
burst needs ``min_authors`` distinct authors above a floor.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from veille.analytics import signal_sql
from veille.analytics.engine import DuckDBEngine
from veille.i18n import messages_in
from veille.model import utcnow
from veille.signals.burst import BurstConfig, BurstDetector, TermState, poisson_score
from veille.signals.episodes import (
    Episode,
    Member,
    OpenHit,
    arrivals,
    burst_signal,
    needed,
    post_info,
    posts_by_term,
)
from veille.signals.model import Signal
from veille.signals.terms import post_terms
from veille.store.signals import (
    DetectorState,
    SignalPassJob,
    load_detector,
    open_bursts,
    signal_members,
)
from veille.workspace.config import SignalsSection

if TYPE_CHECKING:
    from veille.workspace import Workspace

log = logging.getLogger("veille.signals")

#: the kinds this pass writes itself (a rescan drops them first); bad buzz and campaigns
#: come from their detectors, also through this pass
OWN_KINDS = ("burst", "story", "rumour", "bad_buzz", "campaign")
#: buckets per chunk of a pass over history
CHUNK = 96
#: buckets between two cleanups of the idle vocabulary
FORGET_EVERY = 96


def burst_config(cfg: SignalsSection) -> BurstConfig:
    return BurstConfig(
        bucket_minutes=cfg.bucket_minutes,
        alpha=cfg.alpha,
        floor=cfg.floor,
        threshold=cfg.threshold,
        threshold_off=cfg.threshold_off,
        min_authors=cfg.min_authors,
        cooldown=cfg.cooldown,
    )


def settings_key(cfg: SignalsSection) -> str:
    """What the stored state depends on: a change means starting again from history."""
    keep = ("bucket_minutes", "windows", "threshold", "threshold_off", "min_authors", "floor")
    more = ("alpha", "cooldown", "weights", "ngram_max", "reference_feeds", "min_mean_weight")
    return json.dumps({k: getattr(cfg, k) for k in (*keep, *more)}, sort_keys=True, default=str)


def reference_accounts(ws: Workspace) -> list[str]:
    """``network:account_id`` of the reference news feeds: ``[signals] reference_feeds``,
    else the web feeds of the organisations of kind ``media``."""
    feeds = ws.config.signals.reference_feeds
    if feeds is None:
        feeds = [
            a
            for o in ws.config.organisations
            if o.kind == "media"
            for a in o.accounts.get("web", [])
        ]
    return [f if f.startswith("web:") else f"web:{f}" for f in feeds]


@dataclass
class PassSummary:
    buckets: int = 0
    posts: int = 0
    late: int = 0
    future: int = 0
    signals: list[Signal] = field(default_factory=list)
    seconds: float = 0.0
    last_closed: datetime | None = None
    rescan: bool = False


@dataclass
class _Detectors:
    """The detectors of a workspace, kept in memory between the passes of one process."""

    settings: str
    by_window: dict[int, BurstDetector]
    last_bucket: int | None
    since_forget: int = 0


_CACHE: dict[str, _Detectors] = {}
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(key: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(key, threading.Lock())


def _from_state(state: DetectorState, config: BurstConfig) -> BurstDetector:
    terms = {
        r[0]: TermState(
            ewma=float(r[1]),
            last_bucket=int(r[2]),
            last_count=int(r[3]),
            burst_start=None if r[4] is None else int(r[4]),
            quiet=int(r[5]),
            peak_count=int(r[6]),
            peak_score=float(r[7]),
        )
        for r in state.terms
    }
    return BurstDetector(config, terms, state.last_bucket)


def _term_row(term: str, st: TermState) -> tuple[Any, ...]:
    return (
        term,
        st.ewma,
        st.last_bucket,
        st.last_count,
        st.burst_start,
        st.quiet,
        st.peak_count,
        st.peak_score,
    )


def detect(
    ws: Workspace,
    *,
    now: datetime | None = None,
    rescan: bool = False,
    save: bool = True,
    preview: bool = True,
    dispatch: bool = True,
) -> PassSummary:
    """One pass over the buckets closed since the last (``rescan``: over all history).
    ``save`` false computes without writing (a read-only workspace). Returns what it found
    or updated. A pass already running in this process for the workspace is not doubled:
    the call returns an empty summary."""
    key = str(ws.store.path)
    lock = _lock_for(key)
    if not lock.acquire(blocking=False):
        return PassSummary()
    try:
        with messages_in(ws.config.workspace.language):
            return _Pass(ws, now or utcnow(), rescan, save, preview, dispatch).run()
    finally:
        lock.release()


class _Pass:
    def __init__(
        self,
        ws: Workspace,
        now: datetime,
        rescan: bool,
        save: bool,
        preview: bool,
        dispatch: bool,
    ) -> None:
        self.ws = ws
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)
        self.cfg = ws.config.signals
        self.bcfg = burst_config(self.cfg)
        self.rescan = rescan
        self.save = save
        self.preview_open = preview
        self.dispatch = dispatch
        self.engine = DuckDBEngine(ws.store.con)
        self.weights = self.cfg.class_weights()
        signal_sql.register_inputs(self.engine, self.weights, reference_accounts(ws), ws.config)
        self.summary = PassSummary(rescan=rescan)
        self.episodes: dict[str, Episode] = {}
        self.touched: dict[int, set[str]] = {}
        self.forgotten: dict[int, list[str]] = {}
        self.ended_terms: set[str] = set()
        #: episodes that ended in this pass before their term burst again
        self.finished: list[Episode] = []

    # --- state ------------------------------------------------------------------------
    def _detectors(self) -> _Detectors:
        key = str(self.ws.store.path)
        settings = settings_key(self.cfg)
        cached = _CACHE.get(key)
        if self.rescan:
            _CACHE.pop(key, None)
            cached = None
        if cached is not None and cached.settings == settings:
            return cached
        by_window: dict[int, BurstDetector] = {}
        last: int | None = None
        reset = self.rescan
        if not reset:
            for k in self.cfg.windows:
                state = load_detector(self.ws.store.con, f"w{k}")
                if state.settings != settings:
                    reset = True
                    break
                by_window[k] = _from_state(state, self.bcfg)
                last = state.last_bucket if last is None else min(last, state.last_bucket or 0)
        if reset:
            self.rescan = True
            self.summary.rescan = True
            by_window = {k: BurstDetector(self.bcfg) for k in self.cfg.windows}
            last = None
        found = _Detectors(settings, by_window, last)
        _CACHE[key] = found
        return found

    def _load_open(self) -> None:
        if self.rescan:
            return
        rows = open_bursts(self.ws.store.con)
        members = signal_members(self.ws.store.con, [r["id"] for r in rows])
        for r in rows:
            detail = json.loads(r["detail"]) if r["detail"] else {}
            ep = Episode(
                term=r["term"],
                first_bucket=int(detail.get("first_bucket", 0)),
                first_seen=r["first_seen"],
                detected_at=r["detected_at"],
                window=int(detail.get("window", 1)),
                score=float(detail.get("raw_score", r["score"] or 0.0)),
                weighted_score=float(r["score"] or 0.0),
                baseline=float(detail.get("baseline", 0.0)),
                peak_authors=int(detail.get("peak_authors", 0)),
                last_bucket=int(detail.get("last_bucket", 0)),
                windows=set(detail.get("windows", [])),
                changed=False,
            )
            for uri, author, _, klass in members.get(r["id"], []):
                weight = self.weights.get(klass or "unknown", 1.0)
                ep.uris.add(uri)
                ep.authors[author] = max(ep.authors.get(author, 0.0), weight)
                ep.classes[author] = klass
            self.episodes[ep.term] = ep

    # --- the pass ---------------------------------------------------------------------
    def run(self) -> PassSummary:
        started = time.perf_counter()
        dets = self._detectors()
        self._load_open()
        newest, oldest = signal_sql.newest_post(self.engine, self.now)
        close_at = self.now - timedelta(minutes=self.cfg.grace_minutes)
        end = self.bcfg.bucket_of(close_at)  # buckets < end may close
        if newest is not None:
            end = min(end, self.bcfg.bucket_of(newest) + 1)
        first = (dets.last_bucket + 1) if dets.last_bucket is not None else None
        if first is None:
            first = self.bcfg.bucket_of(oldest) if oldest is not None else end
        widest = max(self.cfg.windows)
        b = first
        while b < end:
            stop = min(b + CHUNK, end)
            self._chunk(dets, b, stop, widest)
            b = stop
            nxt = self._next_post_bucket(b, end)
            if nxt is None or nxt > b + widest - 1:
                # the windows still hold the last posts for a few buckets, then a jump
                tail = min(b + widest - 1, end)
                if tail > b:
                    self._chunk(dets, b, tail, widest)
                if nxt is None:
                    break
                b = max(tail, nxt)
        if end - 1 >= first:
            # the last closed bucket, even if empty: bursts age through silences
            for k, det in dets.by_window.items():
                if det.last_bucket is None or det.last_bucket < end - 1:
                    det.step(end - 1, {})
                    self._collect_ended(k, det)
            self._settle(end - 1)
            dets.last_bucket = end - 1
            self.summary.buckets = end - first
            self.summary.last_closed = self.bcfg.bucket_start(end)
        dets.since_forget += max(0, end - first)
        if dets.since_forget >= FORGET_EVERY:
            for k, det in dets.by_window.items():
                before = set(det.terms)
                det.forget_idle(end - FORGET_EVERY)
                self.forgotten[k] = sorted(before - set(det.terms))
            dets.since_forget = 0
        if self.preview_open:
            self._preview(dets, end, widest)
        signals = self._signals()
        signals += self._stories()
        signals += self._other_detectors(first, end)
        self.summary.signals = signals
        if self.save:
            try:
                self._write(dets, signals)
            except BaseException:  # the memory must not run ahead of the store
                _CACHE.pop(str(self.ws.store.path), None)
                raise
        else:  # nothing was stored: the next pass must not start from this one
            _CACHE.pop(str(self.ws.store.path), None)
        if self.dispatch and self.save:  # also without signals: pending alerts are re-sent
            self._dispatch(signals)
        self.summary.seconds = time.perf_counter() - started
        return self.summary

    def _next_post_bucket(self, start: int, end: int) -> int | None:
        """The bucket of the first post at or after bucket ``start`` (before ``end``)."""
        got = signal_sql.first_post(
            self.engine, self.bcfg.bucket_start(start), self.bcfg.bucket_start(end)
        )
        return None if got is None else self.bcfg.bucket_of(got)

    def _chunk(self, dets: _Detectors, first: int, stop: int, widest: int) -> None:
        """Step buckets [first, stop) through every detector."""
        cfg = self.cfg
        posts = signal_sql.posts_between(
            self.engine,
            self.bcfg.bucket_start(first - widest + 1),
            self.bcfg.bucket_start(stop),
            bucket_minutes=cfg.bucket_minutes,
            weight_unknown=self.weights.get("unknown", 1.0),
        )
        if posts.num_rows == 0:
            return
        new = posts.filter(pc.greater_equal(posts.column("bucket"), first))
        self.summary.posts += new.num_rows
        uris, terms = self._post_terms(posts)
        counts = {k: self._counts(posts, uris, terms, k, first, stop - 1) for k in dets.by_window}
        info = post_info(posts)
        by_term_posts = posts_by_term(uris, terms, info)
        buckets = sorted({b for c in counts.values() for b in c})
        for b in buckets:
            for k, det in dets.by_window.items():
                got = counts[k].get(b)
                authors = {term: c[0] for term, c in (got or {}).items()}
                weighted = {term: c[1] for term, c in (got or {}).items()}
                before_late = det.late
                hits = det.step(b, authors, weighted)
                self.summary.late += det.late - before_late
                self.touched.setdefault(k, set()).update(authors)
                for hit in hits:
                    came = (
                        arrivals(by_term_posts.get(hit.term, ()), hit.bucket, k) if hit.new else []
                    )
                    self._on_hit(k, hit, came)
                self._collect_ended(k, det)
            self._extend(b, by_term_posts)
            self._settle(b)

    def _post_terms(self, posts: pa.Table) -> tuple[list[str], list[str]]:
        uris: list[str] = []
        terms: list[str] = []
        cols = posts.select(["uri", "text", "hashtags", "urls", "matches"]).to_pydict()
        for uri, text, tags, urls, matches in zip(
            cols["uri"], cols["text"], cols["hashtags"], cols["urls"], cols["matches"], strict=True
        ):
            for term in post_terms(text, tags, urls, matches, ngram_max=self.cfg.ngram_max):
                uris.append(uri)
                terms.append(term)
        return uris, terms

    def _counts(
        self,
        posts: pa.Table,
        uris: list[str],
        terms: list[str],
        window: int,
        first: int,
        last: int,
    ) -> dict[int, dict[str, tuple[int, float]]]:
        table = pa.table({"uri": pa.array(uris, pa.string()), "term": pa.array(terms, pa.string())})
        got = signal_sql.term_counts(
            self.engine, posts, table, window=window, first=first, last=last
        )
        buckets = got.column("bucket").to_pylist()
        names = got.column("term").to_pylist()
        ns = got.column("authors").to_pylist()
        ws = got.column("weighted").to_pylist()
        out: dict[int, dict[str, tuple[int, float]]] = {}
        for b, term, n, w in zip(buckets, names, ns, ws, strict=True):
            out.setdefault(b, {})[term] = (n, w)
        return out

    def _on_hit(self, window: int, hit: Any, arrivals: list[datetime]) -> None:
        ep = self.episodes.get(hit.term)
        bucket_start = self.bcfg.bucket_start(hit.bucket)
        if ep is None or not ep.open:
            if not hit.new:
                return
            if ep is not None:
                self.finished.append(ep)
            mean = hit.weighted_authors / max(hit.authors, 1)
            if mean < self.cfg.min_mean_weight:
                return
            need = needed(self.bcfg, hit.baseline, hit.authors)
            when = arrivals[need - 1] if 0 < need <= len(arrivals) else bucket_start
            when = min(max(when, bucket_start), self.bcfg.bucket_start(hit.bucket + 1))
            first_seen = arrivals[0] if arrivals else bucket_start
            ep = Episode(
                hit.term,
                hit.bucket,
                first_seen,
                when,
                window,
                baseline=hit.baseline,
            )
            self.episodes[hit.term] = ep
        ep.changed = True
        ep.windows.add(window)
        ep.last_bucket = max(ep.last_bucket, hit.bucket)
        ep.peak_authors = max(ep.peak_authors, hit.authors)
        if hit.score > ep.score:
            ep.score, ep.window, ep.baseline = hit.score, window, hit.baseline
        ep.weighted_score = max(ep.weighted_score, hit.weighted_score)

    def _collect_ended(self, window: int, det: BurstDetector) -> None:
        for end in det.ended:
            self.ended_terms.add(end.term)
        det.ended.clear()

    def _extend(self, bucket: int, by_term: dict[str, list[Member]]) -> None:
        """Add the posts of ``bucket`` to the open episodes of their terms."""
        for term, ep in self.episodes.items():
            if not ep.open:
                continue
            for uri, author, b, weight, klass, _ in by_term.get(term, ()):
                if ep.first_bucket - ep.window + 1 <= b <= bucket and uri not in ep.uris:
                    ep.uris.add(uri)
                    ep.authors[author] = max(ep.authors.get(author, 0.0), weight)
                    ep.classes[author] = klass
                    ep.changed = True

    def _settle(self, bucket: int) -> None:
        """Close the episodes that no detector holds any more."""
        if not self.ended_terms:
            return
        dets = _CACHE[str(self.ws.store.path)].by_window
        for term in sorted(self.ended_terms):
            ep = self.episodes.get(term)
            if ep is None or not ep.open:
                continue
            if any(term in det.active() for det in dets.values()):
                continue
            ep.open = False
            ep.changed = True
        self.ended_terms.clear()

    def _preview(self, dets: _Detectors, end: int, widest: int) -> None:
        """The open bucket(s) after ``end - 1``: new bursts seen before their bucket
        closes (the state is not changed)."""
        current = self.bcfg.bucket_of(self.now)
        if current < end:
            return
        posts = signal_sql.posts_between(
            self.engine,
            self.bcfg.bucket_start(end - widest + 1),
            self.now + timedelta(seconds=1),
            bucket_minutes=self.cfg.bucket_minutes,
            weight_unknown=self.weights.get("unknown", 1.0),
        )
        if posts.num_rows == 0:
            return
        uris, terms = self._post_terms(posts)
        info = post_info(posts)
        by_term_posts = posts_by_term(uris, terms, info)
        for k, det in dets.by_window.items():
            counts = self._counts(posts, uris, terms, k, current, current).get(current, {})
            for term, (n, w) in counts.items():
                st = det.terms.get(term, TermState())
                if st.burst_start is not None or term in self.episodes:
                    continue
                gap = current - st.last_bucket - 1
                base = st.ewma * (1.0 - self.bcfg.alpha) ** max(gap, 0) if st.ewma else 0.0
                lam = max(self.bcfg.floor, base)
                score = poisson_score(n, lam)
                previous = st.last_count if st.last_bucket == current - 1 else 0
                cfg = self.bcfg
                if score < cfg.threshold or n < cfg.min_authors or n <= previous:
                    continue
                hit = OpenHit(term, current, n, w, lam, score, score * w / n)
                self._on_hit(k, hit, arrivals(by_term_posts.get(term, ()), current, k))
        self._extend(current, by_term_posts)

    # --- output -----------------------------------------------------------------------
    def _signals(self) -> list[Signal]:
        out = []
        for ep in [*self.finished, *self.episodes.values()]:
            if not ep.changed:
                continue
            out.append(burst_signal(ep, self.cfg))
        return out

    def _stories(self) -> list[Signal]:
        from veille.signals.stories import stories_of

        active = [ep for ep in self.episodes.values() if ep.changed and ep.uris]
        if not active:
            return []
        return stories_of(self.ws, self.engine, active, self.cfg)

    def _other_detectors(self, first: int, end: int) -> list[Signal]:
        """Bad buzz and campaigns over the buckets closed by this pass: the entities'
        posts are read once (``wave.load``) for both detectors."""
        from veille.signals.buzz import bad_buzz_signals
        from veille.signals.campaign import campaign_signals
        from veille.signals.wave import WaveConfig, load

        if end <= first:
            return []
        start, stop = self.bcfg.bucket_start(first), self.bcfg.bucket_start(end)
        data = load(self.ws, start, stop, WaveConfig(bucket_minutes=self.cfg.bucket_minutes),
                    self.now)  # fmt: skip
        return [*bad_buzz_signals(data), *campaign_signals(data)]

    def _write(self, dets: _Detectors, signals: Sequence[Signal]) -> None:
        from veille.signals.store import signal_row

        settings = dets.settings
        terms: dict[str, list[tuple[Any, ...]]] = {}
        for k, det in dets.by_window.items():
            names = self.touched.get(k, set()) | set(det.active())
            if self.rescan:
                names = set(det.terms)
            terms[f"w{k}"] = [_term_row(n, det.terms[n]) for n in sorted(names) if n in det.terms]
        posts = {s.id: list(s.detail.get("uris", [])) for s in signals if "uris" in s.detail}
        job = SignalPassJob(
            signals=[signal_row(s) for s in signals],
            posts=posts,
            terms=terms,
            forgotten={f"w{k}": v for k, v in self.forgotten.items()},
            detectors={f"w{k}": (dets.last_bucket, settings) for k in dets.by_window},
            reset_kinds=OWN_KINDS if self.rescan else None,
        )
        self.ws.store.writer.run(job)

    def _dispatch(self, signals: Sequence[Signal]) -> None:
        from veille.alerts import dispatch  # alerts come after signals: imported late

        try:
            dispatch(self.ws, signals, now=self.now)
        except Exception:
            log.exception("alert dispatch failed")


def detect_quietly(ws: Workspace) -> PassSummary | None:
    """The pass of the collection loop (``veille run``, ``veille listen``): a failure is
    logged, never raised, so that collecting goes on."""
    try:
        return detect(ws)
    except Exception:
        log.exception("signals: the detection pass failed; collection goes on")
        return None
