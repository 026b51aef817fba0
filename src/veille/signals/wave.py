"""What the bad-buzz and the campaign detectors share: the posts about each leader and
organisation bucket by bucket, the entity's own baseline, the troll-robust figures of a
window, and the rule that tells a campaign from a bad buzz.

**Data.** One pass reads the posts about every entity (``analytics.buzz_sql``) over a
bounded span before the closed buckets of ``[start, end)``: ``lookback_hours`` (7 days) of
buckets stepped again so that an episode in progress keeps its first bucket and its id,
``context_hours`` (24 h) for the campaign's context window, and ``baseline_days`` (7) of
baseline. The cost is that of this span, never of the whole history.

**Baseline** of an entity at a bucket: the 7 days before the window, from the store's own
history (never before its first post):

- rate: posts about the entity per bucket, shaped by hour of day with the profile of all
  entities' posts over the same days (factors between 0.25 and 4: a 15-minute bucket at
  3 am expects less than one at noon);
- negative share: negative / labelled posts, smoothed towards 20% with a prior worth 20
  posts, so that a quiet entity has a share and never a 0/0.

Less than ``min_history_hours`` (24 h) of history before the window is not enough data: the
bucket is not judged and nothing is reported for it (the detectors return no signal rather
than a guess; ``veille signals`` says so when it returns nothing at all).

An episode keeps the baseline of its first bucket while it lasts, so a campaign of several
days does not become its own baseline.

**Troll-robust figures** of a window: each author counts at most ``cap`` (k = 3) posts, with
their own mix of labels kept (``analytics.sentiment.representative``'s rule); effective
authors = 1 / sum(share_i^2).

**Campaign or bad buzz (the rule).** At each closed bucket the entity's negative posts of
the last ``context_hours`` (24 h) are its *negative wave*. The wave is *carried by a
concentrated set of accounts* when the authors who wrote more than ``cap`` negative posts
in it (the loud accounts) wrote at least ``loud_share`` (50%) of its negative posts. A
concentrated wave is a campaign (when it is also anomalous, see ``campaign.py``) and is
never a bad buzz at that bucket; a bad buzz needs a wave that is not concentrated, with
at least ``min_authors`` (6) distinct negative authors in the window, so that a handful of
accounts cannot raise it alone (``buzz.py``). Both detectors call ``concentration`` and
``carried_by_few``, so they cannot both claim the same bucket.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

import numpy as np
from scipy.special import betainc

from veille.analytics.buzz_sql import engagement, history_start, wave_posts
from veille.analytics.engine import DuckDBEngine, Engine
from veille.analytics.entities import register_entities
from veille.model import utcnow
from veille.signals.burst import poisson_score
from veille.workspace import Workspace

LABELS = ("positive", "negative", "neutral")


@dataclass(frozen=True)
class WaveConfig:
    bucket_minutes: int = 15
    #: k: the most posts an author counts for in a window
    cap: int = 3
    #: the window a bucket is judged on (bad buzz): the bucket and the 3 before (1 h)
    window_buckets: int = 4
    #: the window of a campaign, and of the concentration rule
    context_hours: int = 24
    baseline_days: int = 7
    #: less history than this before a window is not enough data
    min_history_hours: int = 24
    #: buckets before ``start`` stepped again (an episode that began within it keeps its id)
    lookback_hours: int = 7 * 24
    #: an episode ends after this many buckets without a hit (12 h)
    cooldown_buckets: int = 48
    #: -log10 of the Poisson tail of the volume, and of the binomial tail of the negatives
    threshold: float = 4.0
    threshold_negative: float = 2.0
    min_negative_share: float = 0.5
    #: distinct negative authors in the window for a bad buzz ("a handful cannot")
    min_authors: int = 6
    #: the concentration rule: loud accounts wrote at least this share of the negatives
    loud_share: float = 0.5
    #: loud accounts and negative posts a campaign needs
    min_accounts: int = 2
    min_campaign_posts: int = 10
    #: the negative share's prior (a share and its weight in posts)
    prior_share: float = 0.2
    prior_posts: float = 20.0
    #: the smallest baseline rate, in posts per bucket (about one a day)
    floor: float = 0.01
    #: Jaccard similarity (word 3-shingles, MinHash) above which two texts are duplicates
    near_duplicate: float = 0.6
    #: an account created (or first seen) at most this long before an episode is new
    new_account_days: int = 7

    @property
    def bucket_seconds(self) -> int:
        return self.bucket_minutes * 60

    def bucket_of(self, at: datetime) -> int:
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return math.floor(at.timestamp() / self.bucket_seconds)

    def bucket_start(self, bucket: int) -> datetime:
        return datetime.fromtimestamp(bucket * self.bucket_seconds, tz=UTC)

    def buckets(self, hours: float) -> int:
        return max(1, round(hours * 60 / self.bucket_minutes))


@dataclass(frozen=True)
class WavePost:
    uri: str
    network: str
    author_id: str
    created_at: datetime
    bucket: int
    sentiment: str | None
    text: str | None
    account_created: datetime | None
    account_first_seen: datetime | None

    @property
    def author(self) -> str:
        return f"{self.network}:{self.author_id}"

    @property
    def negative(self) -> bool:
        return self.sentiment == "negative"

    @property
    def labelled(self) -> bool:
        return self.sentiment in LABELS


@dataclass
class EntityStream:
    """The posts about one entity, in time order, and their counts per bucket."""

    key: str  # 'organisation:verlaine'
    kind: str
    entity_id: str
    name: str
    posts: list[WavePost]
    counts: np.ndarray
    negatives: np.ndarray
    labelled: np.ndarray
    _buckets: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._buckets = [p.bucket for p in self.posts]

    def between(self, first: int, last: int) -> list[WavePost]:
        """The posts of buckets ``first..last`` (inclusive)."""
        lo = bisect.bisect_left(self._buckets, first)
        hi = bisect.bisect_right(self._buckets, last)
        return self.posts[lo:hi]


@dataclass
class WaveData:
    config: WaveConfig
    engine: Engine
    #: the first bucket read (index 0 of the arrays), the first stepped, the pass's first
    #: and last closed buckets
    origin: int
    scan: int
    start: int
    last: int
    #: the bucket of the store's first post (None: no post at all in the span)
    history: int | None
    history_start: datetime | None
    totals: np.ndarray
    hours: np.ndarray
    streams: dict[str, EntityStream]

    def index(self, bucket: int) -> int:
        return bucket - self.origin


@dataclass(frozen=True)
class Baseline:
    #: posts per bucket (a day's mean) and the hour-of-day factors
    rate: float
    negative_rate: float
    negative_share: float
    labelled: int
    profile: np.ndarray
    days: float

    def expected(self, hours: np.ndarray, negative: bool = False, floor: float = 0.0) -> float:
        """Posts (negative posts) expected in buckets of these hours of day."""
        rate = max(floor, self.negative_rate if negative else self.rate)
        return float(rate * self.profile[hours].sum())


def span(cfg: WaveConfig, start: datetime, end: datetime,
         now: datetime | None = None) -> tuple[int, int, int, int]:  # fmt: skip
    """The buckets of a pass: the first read (baseline and context before the lookback),
    the first stepped, the first and the last closed bucket of ``[start, min(end, now))``."""
    until = min(_utc(end), _utc(now) if now else utcnow())
    last = math.floor(until.timestamp() / cfg.bucket_seconds) - 1
    first = math.ceil(_utc(start).timestamp() / cfg.bucket_seconds)
    scan = first - cfg.buckets(cfg.lookback_hours)
    origin = scan - cfg.buckets(cfg.context_hours) - cfg.buckets(cfg.baseline_days * 24)
    return origin, scan, first, last


def load(ws: Workspace, start: datetime, end: datetime, config: WaveConfig,
         now: datetime | None = None) -> WaveData:  # fmt: skip
    """Read what the closed buckets of ``[start, end)`` need (see the module's doc)."""
    cfg = config
    origin, scan, first, last = span(cfg, start, end, now)
    context = cfg.buckets(cfg.context_hours)
    engine = DuckDBEngine(ws.store.con)
    register_entities(engine, ws.config)
    size = max(0, last - origin + 1)
    began = history_start(engine, cfg.bucket_start(origin)) if size else None
    rows: list[dict[str, Any]] = []
    recent = cfg.bucket_start(first - cfg.window_buckets + 1)
    # a hit needs a negative post in its window: a pass whose buckets have none (most
    # 15-minute passes) reads no more than its own window
    if (
        size
        and last >= first
        and any(
            r["sentiment"] == "negative"
            for r in wave_posts(engine, recent, cfg.bucket_start(last + 1), recent).to_pylist()
        )
    ):
        rows = wave_posts(engine, cfg.bucket_start(origin), cfg.bucket_start(last + 1),
                          cfg.bucket_start(scan - context)).to_pylist()  # fmt: skip
    names = {f"leader:{x.id}": x.name for x in ws.config.leaders}
    names.update({f"organisation:{x.id}": x.name for x in ws.config.organisations})
    return from_rows(rows, cfg, engine, names, origin=origin, scan=scan, first=first,
                     last=last, began=began)  # fmt: skip


def from_rows(rows: Iterable[dict[str, Any]], cfg: WaveConfig, engine: Engine,
              names: dict[str, str], *, origin: int, scan: int, first: int, last: int,
              began: datetime | None) -> WaveData:  # fmt: skip
    """The data of a pass from ``wave_posts`` rows (``load`` reads them; tests make them).
    Rows outside ``origin..last`` are left out; only entities with a negative post in the
    pass's windows get a stream (no other can have a hit)."""
    size = max(0, last - origin + 1)
    totals = np.zeros(size)
    hours = ((np.arange(origin, origin + size) * cfg.bucket_minutes) // 60) % 24
    grouped: dict[str, list[WavePost]] = {}
    for row in rows:
        created = _utc(row["created_at"])
        bucket = cfg.bucket_of(created)
        if not origin <= bucket <= last:
            continue
        grouped.setdefault(f"{row['kind']}:{row['entity_id']}", []).append(
            WavePost(row["uri"], row["network"], row["author_id"], created, bucket,
                     row["sentiment"], row["text"], _maybe_utc(row["account_created"]),
                     _maybe_utc(row["account_first_seen"]))
        )  # fmt: skip
    streams: dict[str, EntityStream] = {}
    recent = first - cfg.window_buckets + 1
    for key, posts in sorted(grouped.items()):
        idx = np.array([p.bucket - origin for p in posts], dtype=np.int64)
        counts = np.bincount(idx, minlength=size).astype(float)
        if not any(p.negative and p.bucket >= recent for p in posts):
            # no negative post in the pass's windows: no hit possible; its posts still
            # shape the hour-of-day profile of every entity's baseline
            totals += counts
            continue
        order = sorted(range(len(posts)), key=lambda i: (posts[i].created_at, posts[i].uri))
        posts = [posts[i] for i in order]
        idx = idx[order]
        negatives = np.bincount(idx, weights=[p.negative for p in posts], minlength=size)
        labelled = np.bincount(idx, weights=[p.labelled for p in posts], minlength=size)
        totals += counts
        kind, entity_id = key.split(":", 1)
        streams[key] = EntityStream(key, kind, entity_id, names.get(key, entity_id), posts,
                                    counts, negatives, labelled)  # fmt: skip
    began_bucket = cfg.bucket_of(began) if began else None
    return WaveData(cfg, engine, origin, scan, first, last, began_bucket, began, totals, hours,
                    streams)  # fmt: skip


def baseline(data: WaveData, stream: EntityStream, before: int) -> Baseline | None:
    """The entity's baseline over the ``baseline_days`` before bucket ``before``; None when
    the store's history before it is shorter than ``min_history_hours``."""
    cfg = data.config
    if data.history is None:
        return None
    lo = max(data.index(before) - cfg.buckets(cfg.baseline_days * 24), data.index(data.history))
    hi = data.index(before)
    lo = max(lo, 0)
    if hi - lo < cfg.buckets(cfg.min_history_hours):
        return None
    span = hi - lo
    prof = np.bincount(data.hours[lo:hi], weights=data.totals[lo:hi], minlength=24)
    profile = np.clip(prof * 24 / prof.sum(), 0.25, 4.0) if prof.sum() > 0 else np.ones(24)
    posts = float(stream.counts[lo:hi].sum())
    negatives = float(stream.negatives[lo:hi].sum())
    labelled = float(stream.labelled[lo:hi].sum())
    share = (negatives + cfg.prior_share * cfg.prior_posts) / (labelled + cfg.prior_posts)
    return Baseline(
        rate=max(cfg.floor, posts / span),
        negative_rate=max(cfg.floor * share, negatives / span),
        negative_share=share,
        labelled=int(labelled),
        profile=profile,
        days=span / cfg.buckets(24),
    )


@dataclass(frozen=True)
class Figures:
    """Raw and troll-robust figures of a set of posts (each author capped at ``cap``)."""

    posts: int
    authors: int
    labelled: int
    negative: int
    negative_authors: int
    capped_posts: float
    capped_labelled: float
    capped_negative: float
    effective_authors: float

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.labelled if self.labelled else None

    @property
    def capped_share(self) -> float | None:
        return self.capped_negative / self.capped_labelled if self.capped_labelled else None


def figures(posts: Iterable[WavePost], cap: int) -> Figures:
    per: dict[str, list[int]] = {}
    for p in posts:
        row = per.setdefault(p.author, [0, 0, 0])
        row[0] += 1
        row[1] += p.labelled
        row[2] += p.negative
    n = sum(r[0] for r in per.values())
    capped_labelled = capped_negative = 0.0
    for _, lab, neg in per.values():
        if lab:
            capped_labelled += min(lab, cap)
            capped_negative += neg * min(1.0, cap / lab)
    return Figures(
        posts=n,
        authors=len(per),
        labelled=sum(r[1] for r in per.values()),
        negative=sum(r[2] for r in per.values()),
        negative_authors=sum(1 for r in per.values() if r[2]),
        capped_posts=float(sum(min(r[0], cap) for r in per.values())),
        capped_labelled=capped_labelled,
        capped_negative=capped_negative,
        effective_authors=1.0 / sum((r[0] / n) ** 2 for r in per.values()) if n else 0.0,
    )


@dataclass(frozen=True)
class Concentration:
    """Who carries a negative wave: the loud accounts (more than ``cap`` negative posts)
    and their share of its negative posts."""

    negative: int
    authors: int
    loud: tuple[str, ...]
    loud_negative: int
    effective_authors: float

    @property
    def share(self) -> float:
        return self.loud_negative / self.negative if self.negative else 0.0


def concentration(posts: Iterable[WavePost], cap: int) -> Concentration:
    per = Counter(p.author for p in posts if p.negative)
    total = sum(per.values())
    loud = tuple(sorted((a for a, n in per.items() if n > cap), key=lambda a: (-per[a], a)))
    eff = 1.0 / sum((n / total) ** 2 for n in per.values()) if total else 0.0
    return Concentration(total, len(per), loud, sum(per[a] for a in loud), eff)


def carried_by_few(conc: Concentration, config: WaveConfig) -> bool:
    """The rule: a negative wave whose loud accounts wrote at least ``loud_share`` of it."""
    return conc.negative > 0 and bool(conc.loud) and conc.share >= config.loud_share


def context_posts(data: WaveData, stream: EntityStream, bucket: int) -> list[WavePost]:
    """The entity's posts of the ``context_hours`` ending with ``bucket``."""
    return stream.between(bucket - data.config.buckets(data.config.context_hours) + 1, bucket)


def negative_tail(successes: float, trials: float, p: float) -> float:
    """``-log10 P(X >= successes)`` for ``X ~ Binomial(trials, p)``, continuous in
    ``successes`` (capped counts are fractional); finite for any input."""
    if trials <= 0 or successes <= 0:
        return 0.0
    p = min(max(p, 1e-6), 1 - 1e-6)
    k = min(successes, trials)
    tail = float(betainc(k, trials - k + 1, p))
    if tail > 1e-300:
        return max(0.0, -math.log10(tail))
    log_p = (math.lgamma(trials + 1) - math.lgamma(k + 1) - math.lgamma(trials - k + 1)
             + k * math.log(p) + (trials - k) * math.log1p(-p))  # fmt: skip
    return -log_p / math.log(10)


def volume_tail(count: float, expected: float) -> float:
    """``-log10 P(X >= count)`` for ``X ~ Poisson(expected)`` (count rounded down)."""
    return poisson_score(math.floor(count + 1e-9), max(expected, 1e-9))


def candidate_buckets(data: WaveData, stream: EntityStream) -> list[int]:
    """The buckets from the scan start to the last closed one whose window holds a
    negative post (no other bucket can hold a hit)."""
    width = data.config.window_buckets
    out: set[int] = set()
    for p in stream.posts:
        if p.negative and p.bucket >= data.scan - width:
            out.update(range(max(p.bucket, data.scan), min(p.bucket + width, data.last + 1)))
    return sorted(out)


H = TypeVar("H")


@dataclass
class Episode(Generic[H]):
    """A run of hits of one entity (gaps up to ``cooldown_buckets``), with the baseline of
    its first bucket."""

    stream: EntityStream
    first: int
    last: int
    baseline: Baseline
    hits: list[tuple[int, H]]


def episodes(data: WaveData, stream: EntityStream,
             test: Callable[[int, Baseline], H | None]) -> list[Episode[H]]:  # fmt: skip
    """Step the entity's candidate buckets in order; ``test`` says whether a bucket is a
    hit against a baseline. Returns the episodes with a hit in ``[start, last]``."""
    cfg = data.config
    out: list[Episode[H]] = []
    current: Episode[H] | None = None
    for bucket in candidate_buckets(data, stream):
        if current is not None and bucket - current.last > cfg.cooldown_buckets:
            out.append(current)
            current = None
        base = (
            current.baseline if current else baseline(data, stream, bucket - cfg.window_buckets + 1)
        )
        if base is None:
            continue
        hit = test(bucket, base)
        if hit is None:
            continue
        if current is None:
            current = Episode(stream, bucket, bucket, base, [(bucket, hit)])
        else:
            current.last = bucket
            current.hits.append((bucket, hit))
    if current is not None:
        out.append(current)
    return [e for e in out if e.last >= data.start]


def window_hours(data: WaveData, first: int, last: int) -> np.ndarray:
    """The hour of day of buckets ``first..last`` (clipped to the data read)."""
    lo, hi = max(0, data.index(first)), max(0, data.index(last) + 1)
    return data.hours[lo:hi]


_URL = re.compile(r"https?://\S+|@\S+")
_WORD = re.compile(r"\w+")


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(_URL.sub(" ", text.lower()))
    if len(words) < 3:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


def near_duplicates(texts: Sequence[str | None], threshold: float,
                    limit: int = 2000) -> tuple[float, int]:  # fmt: skip
    """(share of the texts that have a near-duplicate among the others, size of the largest
    group of near-duplicates), by MinHash LSH on word 3-shingles (datasketch). Reads at most
    ``limit`` texts (the first ones)."""
    from datasketch import MinHash, MinHashLSH

    items = [(i, s) for i, s in enumerate(_shingles(t or "") for t in texts[:limit]) if s]
    if len(items) < 2:
        return 0.0, 0
    lsh = MinHashLSH(threshold=threshold, num_perm=64)
    hashes: dict[int, Any] = {}
    for i, sh in items:
        m = MinHash(num_perm=64, seed=1)
        m.update_batch([s.encode() for s in sorted(sh)])
        hashes[i] = m
        lsh.insert(str(i), m)
    dup = 0
    largest = 1
    for i, m in hashes.items():
        near = [j for j in lsh.query(m) if j != str(i)]
        if near:
            dup += 1
            largest = max(largest, len(near) + 1)
    return dup / len(items), largest if dup else 0


def new_accounts(posts: Iterable[WavePost], since: datetime, until: datetime,
                 history: datetime | None, days: int) -> tuple[int, int]:  # fmt: skip
    """(new accounts, accounts whose age is known) among the authors of ``posts``: created
    between ``days`` before ``since`` and ``until``; where the network gives no creation
    date, first seen by the store in that span, and at least ``days`` after the store's
    history began (before that, "first seen" says nothing about age)."""
    lo = since - timedelta(days=days)
    seen: dict[str, bool | None] = {}
    for p in posts:
        if p.author in seen:
            continue
        if p.account_created is not None:
            seen[p.author] = lo <= p.account_created <= until
        elif (p.account_first_seen is not None and history is not None
              and p.account_first_seen <= until
              and p.account_first_seen >= history + timedelta(days=days)):  # fmt: skip
            seen[p.author] = lo <= p.account_first_seen
        else:
            seen[p.author] = None
    known = [v for v in seen.values() if v is not None]
    return sum(known), len(known)


def top_posts(data: WaveData, posts: list[WavePost], top: int) -> list[dict[str, Any]]:
    """The most engaging negative posts (then the earliest), with their text."""
    negatives = [p for p in posts if p.negative] or posts
    eng = engagement(data.engine, [p.uri for p in negatives])
    ranked = sorted(negatives, key=lambda p: (-eng.get(p.uri, 0), p.created_at, p.uri))
    return [
        {
            "uri": p.uri,
            "network": p.network,
            "author": p.author_id,
            "created_at": p.created_at.isoformat(),
            "text": (p.text or "")[:280],
            "sentiment": p.sentiment,
            "engagement": eng.get(p.uri, 0),
        }
        for p in ranked[:top]
    ]


def clock(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _maybe_utc(at: Any) -> datetime | None:
    return _utc(at) if isinstance(at, datetime) else None
