"""Troll or coordinated campaign: a negative wave about a leader or an organisation carried
by a concentrated set of accounts, reported as ``campaign`` and never as ``bad_buzz``.

A closed bucket ``b`` is a **hit** for an entity when its negative wave (its negative posts
of the last 24 h, ``wave.context_posts``):

- is carried by a concentrated set of accounts (``wave.carried_by_few``: the accounts with
  more than k = 3 negative posts in it wrote at least 50% of them), with at least
  ``min_accounts`` (2) such accounts and ``min_campaign_posts`` (10) negative posts of
  theirs;
- is anomalous in volume: ``-log10 P(X >= negatives | Poisson(expected))`` reaches
  ``threshold`` (4), ``expected`` being the baseline's negative posts for those 24 h;
- is still going: one of those accounts wrote a negative post in the bucket's window (1 h).

The bad-buzz detector applies the same rule the other way round (a concentrated wave is
not a bad buzz), so the two cannot report the same bucket of the same entity.

Episodes and ids work as for the bad buzz (``signal_id("campaign", entity, first
bucket)``, gaps up to 12 h). Each campaign reports its accounts (the loud accounts of its
hits), their share of the negative posts, effective authors, and the coordination cues:
near-duplicate texts (MinHash LSH on word 3-shingles, Jaccard >= 0.6) and new accounts
(created, or first seen by the store, at most 7 days before the campaign's first post).
The cues are reported, not required: concentration is what makes a campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from veille.analytics.buzz_sql import handles
from veille.i18n import register, t
from veille.signals.model import Signal, signal_id
from veille.signals.wave import (
    Baseline,
    Concentration,
    EntityStream,
    Episode,
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
    new_accounts,
    top_posts,
    volume_tail,
    window_hours,
)
from veille.workspace import Workspace

register(
    {
        "campaign.carried": (
            "{accounts} comptes ont écrit {share:.0%} des {negative} messages négatifs sur "
            "{name} ({loud} messages, {per:.0f} par compte) : {effective:.1f} auteurs "
            "effectifs pour {authors} auteurs.",
            "{accounts} accounts wrote {share:.0%} of the {negative} negative posts about "
            "{name} ({loud} posts, {per:.0f} per account): {effective:.1f} effective authors "
            "for {authors} authors.",
        ),
        "campaign.volume": (
            "{negative} messages négatifs depuis {since}, {ratio:.0f} fois le niveau habituel "
            "({expected:.1f} attendus).",
            "{negative} negative posts since {since}, {ratio:.0f} times the usual level "
            "({expected:.1f} expected).",
        ),
        "campaign.duplicates": (
            "{share:.0%} de leurs messages ont un quasi-doublon (le plus grand groupe : "
            "{group} messages).",
            "{share:.0%} of their posts have a near-duplicate (largest group: {group} posts).",
        ),
        "campaign.no_duplicates": (
            "Peu de quasi-doublons parmi leurs messages ({share:.0%}).",
            "Few near-duplicates among their posts ({share:.0%}).",
        ),
        "campaign.new": (
            "{new} de ces comptes sur {known} d'âge connu sont récents (créés ou apparus "
            "moins de {days} jours avant).",
            "{new} of these accounts out of {known} of known age are new (created or first "
            "seen less than {days} days before).",
        ),
        "campaign.age_unknown": (
            "L'âge de ces comptes n'est pas connu (ni date de création ni historique assez long).",
            "The age of these accounts is not known (no creation date and not enough history).",
        ),
        "campaign.not_buzz": (
            "Signalé comme campagne et non comme bad buzz : sans ces comptes, il reste "
            "{others} messages négatifs d'autres auteurs.",
            "Reported as a campaign, not as a bad buzz: without these accounts, {others} "
            "negative posts by other authors remain.",
        ),
    }
)


@dataclass(frozen=True)
class CampaignHit:
    wave: Concentration
    volume: float
    expected: float


def hit_at(data: WaveData, stream: EntityStream, bucket: int, base: Baseline) -> CampaignHit | None:
    cfg = data.config
    ctx = context_posts(data, stream, bucket)
    conc = concentration(ctx, cfg.cap)
    if not carried_by_few(conc, cfg):
        return None
    if len(conc.loud) < cfg.min_accounts or conc.loud_negative < cfg.min_campaign_posts:
        return None
    loud = set(conc.loud)
    window = stream.between(bucket - cfg.window_buckets + 1, bucket)
    if not any(p.negative and p.author in loud for p in window):
        return None
    first = bucket - cfg.buckets(cfg.context_hours) + 1
    expected = base.expected(window_hours(data, first, bucket), negative=True)
    volume = volume_tail(conc.negative, expected)
    if volume < cfg.threshold:
        return None
    return CampaignHit(conc, volume, expected)


def detect_campaigns(
    ws: Workspace,
    start: datetime,
    end: datetime,
    *,
    bucket_minutes: int = 15,
    config: WaveConfig | None = None,
    now: datetime | None = None,
    top: int = 5,
) -> list[Signal]:
    """The campaign episodes with a hit among the closed buckets of ``[start, end)``
    (``now`` bounds what is closed; default: the current time). See the module's doc."""
    cfg = config or WaveConfig(bucket_minutes=bucket_minutes)
    return campaign_signals(load(ws, start, end, cfg, now), top=top)


def campaign_signals(data: WaveData, *, top: int = 5) -> list[Signal]:
    """The campaign signals of data already read (``wave.load``)."""
    out: list[Signal] = []
    for stream in data.streams.values():
        found = episodes(data, stream, partial(hit_at, data, stream))
        out.extend(_signal(data, ep, top) for ep in found)
    return sorted(out, key=lambda s: (s.first_seen, s.id))


def _signal(data: WaveData, ep: Episode[CampaignHit], top: int) -> Signal:
    cfg = data.config
    stream = ep.stream
    accounts = sorted({a for _, h in ep.hits for a in h.wave.loud})
    members = set(accounts)
    first_bucket = ep.hits[0][0]
    ctx = context_posts(data, stream, first_bucket)
    begin_at = min(p.created_at for p in ctx if p.negative and p.author in members)
    begin = cfg.bucket_of(begin_at)
    posts = stream.between(begin, min(ep.last, data.last))
    fig = figures([p for p in posts if p.negative], cfg.cap)
    theirs = [p for p in posts if p.author in members]
    loud_negative = sum(1 for p in theirs if p.negative)
    others = fig.negative - loud_negative
    share = loud_negative / fig.negative if fig.negative else 0.0
    expected = ep.baseline.expected(window_hours(data, begin, ep.last), negative=True)
    dup_share, dup_group = near_duplicates([p.text for p in theirs], cfg.near_duplicate)
    new, known = new_accounts(theirs, begin_at, cfg.bucket_start(ep.last + 1),
                              data.history_start, cfg.new_account_days)  # fmt: skip
    reasons = [
        t("campaign.carried", accounts=len(accounts), share=share, negative=fig.negative,
          name=stream.name, loud=loud_negative, per=loud_negative / max(1, len(accounts)),
          effective=fig.effective_authors, authors=fig.authors),
        t("campaign.volume", negative=fig.negative, since=clock(begin_at),
          ratio=fig.negative / max(expected, 1e-9), expected=expected),
        t("campaign.duplicates", share=dup_share, group=dup_group) if dup_share >= 0.3
        else t("campaign.no_duplicates", share=dup_share),
        t("campaign.new", new=new, known=known, days=cfg.new_account_days) if known
        else t("campaign.age_unknown"),
        t("campaign.not_buzz", others=others),
    ]  # fmt: skip
    keys = [tuple(a.split(":", 1)) for a in accounts]
    names = handles(data.engine, [(k[0], k[1]) for k in keys if len(k) == 2])
    all_posts = stream.between(begin, min(ep.last, data.last))
    detail: dict[str, Any] = {
        "entity": {"kind": stream.kind, "id": stream.entity_id, "name": stream.name},
        "accounts": [
            {"account": a, "handle": names.get((a.split(":", 1)[0], a.split(":", 1)[1])),
             "negative_posts": sum(1 for p in theirs if p.author == a and p.negative)}
            for a in accounts
        ],
        "negative_posts": fig.negative,
        "accounts_share_of_negative": round(share, 4),
        "negative_by_others": others,
        "effective_authors": round(fig.effective_authors, 2),
        "negative_authors": fig.authors,
        "expected_negative_posts": round(expected, 2),
        "volume_ratio": round(fig.negative / max(expected, 1e-9), 2),
        "near_duplicate_share": round(dup_share, 4),
        "near_duplicate_group": dup_group,
        "new_accounts": new,
        "accounts_of_known_age": known,
        "negative_share_baseline": round(ep.baseline.negative_share, 4),
        "baseline_days": round(ep.baseline.days, 2),
        "buckets": len(ep.hits),
        "last_bucket": cfg.bucket_start(ep.last).isoformat(),
        "top_posts": top_posts(data, theirs, top),
        #: the accounts' posts (the signal pass keeps them in ``signal_posts``)
        "uris": [p.uri for p in theirs],
    }  # fmt: skip
    everyone = {p.author for p in all_posts}
    return Signal(
        id=signal_id("campaign", stream.key, ep.first),
        kind="campaign",
        term=stream.key,
        first_seen=begin_at,
        detected_at=cfg.bucket_start(ep.first + 1),
        score=max(h.volume for _, h in ep.hits),
        authors=len(everyone),
        posts=len(all_posts),
        reasons=tuple(reasons),
        updated_at=cfg.bucket_start(ep.last + 1),
        detail=detail,
        leaders=(stream.entity_id,) if stream.kind == "leader" else (),
        organisations=(stream.entity_id,) if stream.kind == "organisation" else (),
    )
