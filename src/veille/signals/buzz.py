"""Bad buzz: the negative share and the volume of the mentions of a leader or an
organisation are both anomalous against the entity's own baseline, and the wave is not
carried by a handful of accounts.

A closed bucket ``b`` is a **hit** for an entity when, over its window (``b`` and the 3
buckets before: 1 h), with each author counting at most k = 3 posts (``wave.figures``):

- at least ``min_authors`` (6) distinct authors wrote a negative post about it;
- the capped volume is anomalous: ``-log10 P(X >= posts | Poisson(expected))`` reaches
  ``threshold`` (4), ``expected`` being the baseline's posts for those hours of the day;
- the capped negative share is at least ``min_negative_share`` (50%), above the baseline
  share, and anomalous: ``-log10 P(X >= negatives | Binomial(posts, baseline share))``
  reaches ``threshold_negative`` (2);
- the entity's negative wave of the last 24 h is not carried by a concentrated set of
  accounts (``wave.carried_by_few``): such a wave is a campaign (``campaign.py``), never a
  bad buzz.

An episode whose negative posts, from its first one to 24 h after its last hit, turn out to
be carried by a concentrated set of accounts is dropped (``superseded``): a campaign of many
accounts that each post once in the first hour looks like a bad buzz at first; later passes
report it as a campaign only.

Hits of one entity with gaps of at most 12 h are one **episode**; its id is
``signal_id("bad_buzz", "organisation:ID", first bucket)``, so that passes over overlapping
windows return the same id with growing figures (``lookback_hours``, 7 days, are stepped
again before ``start``). Its score is the largest ``volume + negative`` tail of its hits.
No baseline yet (less than a day of history before a bucket): the bucket is not judged, so
nothing is reported; no figure is ever NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from veille.i18n import register, t
from veille.signals.model import Signal, signal_id
from veille.signals.wave import (
    Baseline,
    EntityStream,
    Episode,
    Figures,
    WaveConfig,
    WaveData,
    carried_by_few,
    clock,
    concentration,
    context_posts,
    episodes,
    figures,
    load,
    near_duplicates,
    negative_tail,
    top_posts,
    volume_tail,
    window_hours,
)
from veille.workspace import Workspace

register(
    {
        "buzz.negative": (
            "{negative} messages négatifs sur {labelled} à propos de {name} ({share:.0%}, "
            "{capped:.0%} en plafonnant chaque auteur à {cap}) contre {base:.0%} "
            "d'habitude.",
            "{negative} negative posts out of {labelled} about {name} ({share:.0%}, "
            "{capped:.0%} with each author capped at {cap}) against {base:.0%} usually.",
        ),
        "buzz.volume": (
            "{posts} messages de {authors} auteurs distincts depuis {since}, {ratio:.1f} fois "
            "le niveau habituel pour ces heures ({expected:.1f} attendus).",
            "{posts} posts by {authors} distinct authors since {since}, {ratio:.1f} times "
            "the usual level for these hours ({expected:.1f} expected).",
        ),
        "buzz.robust": (
            "Pas une poignée de comptes : {effective:.1f} auteurs effectifs, {negative_authors} "
            "auteurs de messages négatifs ; les comptes à plus de {cap} messages négatifs en "
            "écrivent {loud:.0%}.",
            "Not a handful of accounts: {effective:.1f} effective authors, {negative_authors} "
            "authors of negative posts; accounts with more than {cap} negative posts wrote "
            "{loud:.0%} of them.",
        ),
        "buzz.peak": (
            "Au plus fort ({at}) : {authors} auteurs négatifs en une heure, volume "
            "improbable à 10^-{volume:.0f} et part négative à 10^-{negative:.0f}.",
            "At its peak ({at}): {authors} negative authors in one hour, a volume as "
            "unlikely as 10^-{volume:.0f} and a negative share as unlikely as "
            "10^-{negative:.0f}.",
        ),
        "buzz.baseline_short": (
            "Référence courte : {days:.1f} jours d'historique avant l'épisode.",
            "Short baseline: {days:.1f} days of history before the episode.",
        ),
    }
)


@dataclass(frozen=True)
class BuzzHit:
    window: Figures
    volume: float
    negative: float
    expected: float
    first_negative: datetime

    @property
    def score(self) -> float:
        return self.volume + self.negative


def hit_at(data: WaveData, stream: EntityStream, bucket: int, base: Baseline) -> BuzzHit | None:
    cfg = data.config
    window = stream.between(bucket - cfg.window_buckets + 1, bucket)
    fig = figures(window, cfg.cap)
    if fig.negative_authors < cfg.min_authors:
        return None
    share = fig.capped_share
    if share is None or share < cfg.min_negative_share or share <= base.negative_share:
        return None
    expected = base.expected(window_hours(data, bucket - cfg.window_buckets + 1, bucket))
    volume = volume_tail(fig.capped_posts, expected)
    if volume < cfg.threshold:
        return None
    negative = negative_tail(fig.capped_negative, fig.capped_labelled, base.negative_share)
    if negative < cfg.threshold_negative:
        return None
    if carried_by_few(concentration(context_posts(data, stream, bucket), cfg.cap), cfg):
        return None
    first = min(p.created_at for p in window if p.negative)
    return BuzzHit(fig, volume, negative, expected, first)


def detect_bad_buzz(
    ws: Workspace,
    start: datetime,
    end: datetime,
    *,
    bucket_minutes: int = 15,
    config: WaveConfig | None = None,
    now: datetime | None = None,
    top: int = 5,
) -> list[Signal]:
    """The bad buzz episodes with a hit among the closed buckets of ``[start, end)``
    (``now`` bounds what is closed; default: the current time). See the module's doc."""
    cfg = config or WaveConfig(bucket_minutes=bucket_minutes)
    data = load(ws, start, end, cfg, now)
    return bad_buzz_signals(data, top=top)


def bad_buzz_signals(data: WaveData, *, top: int = 5) -> list[Signal]:
    """The bad buzz signals of data already read (``wave.load``)."""
    out: list[Signal] = []
    for stream in data.streams.values():
        found = episodes(data, stream, partial(hit_at, data, stream))
        out.extend(_signal(data, ep, top) for ep in found if not superseded(data, ep))
    return sorted(out, key=lambda s: (s.first_seen, s.id))


def superseded(data: WaveData, ep: Episode[BuzzHit]) -> bool:
    """Whether the episode turned out to be carried by a concentrated set of accounts: its
    negative posts from its first one to 24 h after its last hit (as far as the pass has
    read) fall under the campaign rule. A campaign that starts with many accounts posting
    once each looks like a bad buzz for its first hours; once its accounts exceed the cap,
    later passes no longer report the bad buzz (the campaign detector reports it)."""
    cfg = data.config
    begin = cfg.bucket_of(ep.hits[0][1].first_negative)
    stop = min(data.last, ep.last + cfg.buckets(cfg.context_hours))
    return carried_by_few(concentration(ep.stream.between(begin, stop), cfg.cap), cfg)


def _signal(data: WaveData, ep: Episode[BuzzHit], top: int) -> Signal:
    cfg = data.config
    stream = ep.stream
    first_hit = ep.hits[0][1]
    begin = cfg.bucket_of(first_hit.first_negative)
    posts = stream.between(begin, min(ep.last, data.last))
    fig = figures(posts, cfg.cap)
    conc = concentration(posts, cfg.cap)
    expected = ep.baseline.expected(window_hours(data, begin, ep.last))
    peak_bucket, peak = max(ep.hits, key=lambda h: (h[1].score, -h[0]))
    share = fig.negative_share or 0.0
    capped = fig.capped_share or 0.0
    dup_share, dup_group = near_duplicates([p.text for p in posts if p.negative],
                                           cfg.near_duplicate)  # fmt: skip
    reasons = [
        t("buzz.negative", negative=fig.negative, labelled=fig.labelled, name=stream.name,
          share=share, capped=capped, cap=cfg.cap, base=ep.baseline.negative_share),
        t("buzz.volume", posts=fig.posts, authors=fig.authors,
          since=clock(first_hit.first_negative), ratio=fig.posts / max(expected, 1e-9),
          expected=expected),
        t("buzz.robust", effective=fig.effective_authors,
          negative_authors=fig.negative_authors, cap=cfg.cap, loud=conc.share),
        t("buzz.peak", at=clock(cfg.bucket_start(peak_bucket)),
          authors=peak.window.negative_authors, volume=peak.volume, negative=peak.negative),
    ]  # fmt: skip
    if ep.baseline.days < cfg.baseline_days - 0.01:
        reasons.append(t("buzz.baseline_short", days=ep.baseline.days))
    detail: dict[str, Any] = {
        "entity": {"kind": stream.kind, "id": stream.entity_id, "name": stream.name},
        "negative_posts": fig.negative,
        "labelled_posts": fig.labelled,
        "negative_share": round(share, 4),
        "negative_share_capped": round(capped, 4),
        "negative_share_baseline": round(ep.baseline.negative_share, 4),
        "expected_posts": round(expected, 2),
        "volume_ratio": round(fig.posts / max(expected, 1e-9), 2),
        "effective_authors": round(fig.effective_authors, 2),
        "negative_authors": fig.negative_authors,
        "cap_per_author": cfg.cap,
        "loud_share": round(conc.share, 4),
        "near_duplicate_share": round(dup_share, 4),
        "near_duplicate_group": dup_group,
        "baseline_days": round(ep.baseline.days, 2),
        "buckets": len(ep.hits),
        "last_bucket": cfg.bucket_start(ep.last).isoformat(),
        "top_posts": top_posts(data, posts, top),
        #: the episode's posts (the signal pass keeps them in ``signal_posts``)
        "uris": [p.uri for p in posts],
    }
    return Signal(
        id=signal_id("bad_buzz", stream.key, ep.first),
        kind="bad_buzz",
        term=stream.key,
        first_seen=first_hit.first_negative,
        detected_at=cfg.bucket_start(ep.first + 1),
        score=max(h.score for _, h in ep.hits),
        authors=fig.authors,
        posts=fig.posts,
        reasons=tuple(reasons),
        updated_at=cfg.bucket_start(ep.last + 1),
        detail=detail,
        leaders=(stream.entity_id,) if stream.kind == "leader" else (),
        organisations=(stream.entity_id,) if stream.kind == "organisation" else (),
    )
