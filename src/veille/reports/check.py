"""The pre-publication check of a draft (C11): ``check_draft(draft, network, leader,
context)`` gives each rule pass, warn or fail with its reason, and a verdict (the worst
status). It is a pure function of its arguments: what it needs from a workspace (resolved
handles, current signals, the leader's past posts and audience) comes in ``context``
(``veille.reports.check_context.build_check_context``), so that the command line and the
dashboard's ``/api/v1/check`` give the same answer. Rules that need a workspace (or a
leader) are ``skipped`` with the reason when there is none; a skip is not a failure.

Rules, in order: ``length`` (per network, ``textlength``), ``language``, ``sentiment`` and
``tone`` (the enrichment stages run on the one draft), the four risk lexicons
(``insults``, ``confidential``, ``market``, ``absolute``), ``shouting``, ``mentions``,
``hashtags``, ``fit`` (TF-IDF cosine to the leader's past posts, against the leader's own
spread) and ``best_hour`` (the audience's engagement by hour of week).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from veille.errors import UsageError
from veille.i18n import current_language, t
from veille.reports import check_messages as _messages  # noqa: F401 - registers messages
from veille.reports.risk import fold, risk_lexicon
from veille.reports.textlength import NETWORK_LIMITS, post_length

NETWORKS = tuple(NETWORK_LIMITS)
#: Bigger than any network's post: not a draft (LinkedIn's limit is 3,000 characters).
MAX_DRAFT_BYTES = 64 * 1024
STATUSES = ("pass", "warn", "fail", "skipped")
_RANK = {"skipped": 0, "pass": 0, "warn": 1, "fail": 2}

FIT_MIN_POSTS = 10
FIT_TOP = 5
FIT_PERCENTILE = 10
HOUR_MIN_ENGAGEMENT = 30
QUIET_SHARE = 0.5

_MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_](?:[\w.-]*\w)?(?:@[\w-]+(?:\.[\w-]+)+)?)")
_HASHTAG = re.compile(r"(?<![\w#&/])#(\w*[^\W\d_]\w*)")
_EXCLAMATIONS = re.compile(r"!{2,}")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Rule:
    rule: str
    status: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class CheckResult:
    verdict: str
    rules: tuple[Rule, ...]

    @property
    def exit_code(self) -> int:
        return 1 if self.verdict == "fail" else 0

    def as_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "rules": [r.as_dict() for r in self.rules]}


@dataclass(frozen=True)
class LeaderContext:
    """What the check knows of a leader: past original posts (text, language) and the
    audience's engagement by hour of week (168 counts, Monday 00:00 first)."""

    id: str
    name: str
    past_posts: tuple[tuple[str, str | None], ...] = ()
    audience_by_hour: tuple[int, ...] = (0,) * 168


@dataclass(frozen=True)
class SignalHit:
    term: str
    kind: str
    score: float | None


@dataclass(frozen=True)
class CheckContext:
    """What a workspace tells the check. ``resolved_handles`` holds the draft's handles
    (lowercase, without ``@``) that name a stored account; ``signals`` the current signals
    on the draft's hashtags."""

    timezone: str = "Europe/Paris"
    resolved_handles: frozenset[str] = frozenset()
    signals: tuple[SignalHit, ...] = ()
    leader: LeaderContext | None = None
    risk_terms: Mapping[str, Sequence[str]] = field(default_factory=dict)
    organisations: tuple[str, ...] = ()
    now: datetime | None = None


# --- input ---------------------------------------------------------------------------------


def validate_network(network: str) -> str:
    name = network.strip().lower()
    if name not in NETWORKS:
        close = difflib.get_close_matches(name, NETWORKS, n=1, cutoff=0.4)
        hint = t("check.did_you_mean", names=close[0]) if close else None
        raise UsageError(
            t("check.bad_network", network=network, networks=", ".join(NETWORKS)), hint=hint
        )
    return name


def validate_draft(draft: str) -> str:
    size = len(draft.encode("utf-8", "surrogatepass"))
    if size > MAX_DRAFT_BYTES:
        raise UsageError(t("check.too_big", size=f"{size:,}", limit=f"{MAX_DRAFT_BYTES:,}"))
    if not draft.strip():
        raise UsageError(t("check.empty"))
    if any(0xD800 <= ord(c) <= 0xDFFF for c in draft):
        raise UsageError(t("check.surrogates"))
    return draft


def mentions_of(draft: str) -> list[str]:
    """The draft's @handles, lowercase, without ``@``, in order, each once."""
    found = [m.group(1).rstrip(".").lower() for m in _MENTION.finditer(draft)]
    return list(dict.fromkeys(found))


def hashtags_of(draft: str) -> list[str]:
    found = [m.group(1).lower() for m in _HASHTAG.finditer(draft)]
    return list(dict.fromkeys(found))


# --- the check -----------------------------------------------------------------------------


def check_draft(
    draft: str, network: str, leader: str | None = None, context: CheckContext | None = None
) -> CheckResult:
    """Check ``draft`` for ``network`` (bluesky, mastodon, x, linkedin)."""
    net = validate_network(network)
    text = validate_draft(draft)
    enriched = _enrich(text)
    rules: list[Rule] = [_length(text, net)]
    rules += _language_rules(enriched, context)
    rules += _risk_rules(text, context)
    rules.append(_shouting(text))
    rules.append(_mentions(text, context))
    rules.append(_hashtags(text, context))
    rules.append(_fit(text, leader, context))
    rules.append(_best_hour(leader, context))
    verdict = max((r.status for r in rules), key=lambda s: _RANK[s])
    return CheckResult("pass" if verdict == "skipped" else verdict, tuple(rules))


def _skip(rule: str, why: str) -> Rule:
    return Rule(rule, "skipped", t("check.skipped", why=t(why)))


def _length(text: str, network: str) -> Rule:
    length = post_length(text, network)
    values = {
        "value": f"{length.value:,}",
        "limit": f"{length.limit:,}",
        "unit": t(f"check.unit.{network}"),
        "network": t(f"check.network.{network}"),
    }
    if length.invalid_chars:
        return Rule(
            "length", "fail", t("check.length.invalid", chars=", ".join(length.invalid_chars))
        )
    if length.value > length.limit:
        over = length.value - length.limit
        return Rule("length", "fail", t("check.length.over", over=f"{over:,}", **values))
    return Rule("length", "pass", t("check.length.ok", **values))


@cache
def _stages() -> tuple[Any, ...]:
    """The language, sentiment and cue stages, built once (the cue lexicon's matcher takes
    tens of milliseconds to build)."""
    from veille.pipeline.cues import CueStage
    from veille.pipeline.language import LanguageStage
    from veille.pipeline.sentiment import SentimentStage

    return (LanguageStage(), SentimentStage(), CueStage())


def _enrich(text: str) -> dict[str, Any]:
    import pyarrow as pa

    batch = pa.RecordBatch.from_arrays([pa.array([text], pa.string())], names=["text"])
    for stage in _stages():
        batch = stage(batch)
    return {name: batch.column(name)[0].as_py() for name in batch.schema.names}


def _lang_name(code: str | None) -> str:
    key = f"check.lang.{code}"
    from veille.i18n import CATALOGUE

    return t(key) if key in CATALOGUE else str(code)


def _language_rules(enriched: Mapping[str, Any], context: CheckContext | None) -> list[Rule]:
    rules: list[Rule] = []
    lang, conf = enriched.get("lang_id"), float(enriched.get("lang_conf") or 0.0)
    usual = _usual_language(context.leader) if context and context.leader else None
    if lang in (None, "und") or conf < 0.5:
        rules.append(Rule("language", "warn", t("check.language.unclear", conf=f"{conf:.2f}")))
    elif usual and lang != usual:
        rules.append(
            Rule(
                "language",
                "warn",
                t("check.language.unusual", lang=_lang_name(lang), usual=_lang_name(usual)),
            )
        )
    else:
        rules.append(
            Rule(
                "language",
                "pass",
                t("check.language.ok", lang=_lang_name(lang), conf=f"{conf:.2f}"),
            )
        )
    label = enriched.get("sentiment")
    p_neg, p_pos = enriched.get("p_negative"), enriched.get("p_positive")
    if label in (None, "unknown") or p_neg is None or p_pos is None:
        rules.append(Rule("sentiment", "skipped", t("check.skipped", why=t("check.why.no_model"))))
    elif label == "negative":
        rules.append(Rule("sentiment", "warn", t("check.sentiment.negative", p=f"{p_neg:.2f}")))
    else:
        rules.append(
            Rule(
                "sentiment",
                "pass",
                t(
                    "check.sentiment.ok",
                    label=t(f"check.label.{label}"),
                    p=f"{enriched.get('p_' + str(label)) or 0.0:.2f}",
                ),
            )
        )
    cues = list(enriched.get("cues") or [])
    terms = [str(x) for x in enriched.get("cue_terms") or [] if str(x) not in ("?",)]
    score = float(enriched.get("rumour_cue") or 0.0)
    hedging = [c for c in cues if c in ("uncertainty", "denial")]
    if hedging and score >= 0.5:
        quoted = _quote(terms[:4])
        rules.append(
            Rule("tone", "warn", t(f"check.tone.{hedging[0]}", terms=quoted, score=f"{score:.2f}"))
        )
    elif p_neg is not None and p_neg >= 0.85:
        rules.append(Rule("tone", "warn", t("check.tone.harsh", p=f"{p_neg:.2f}")))
    else:
        rules.append(Rule("tone", "pass", t("check.tone.ok")))
    return rules


def _quote(items: Sequence[str]) -> str:
    french = current_language() == "fr"
    return ", ".join(f"« {x} »" if french else f"'{x}'" for x in items)


def _usual_language(leader: LeaderContext) -> str | None:
    langs = [lang for _, lang in leader.past_posts if lang and lang != "und"]
    if len(langs) < FIT_MIN_POSTS:
        return None
    best = max(set(langs), key=lambda x: (langs.count(x), x))
    return best if langs.count(best) / len(langs) >= 0.8 else None


def _risk_rules(text: str, context: CheckContext | None) -> list[Rule]:
    folded = fold(text)
    rules: list[Rule] = []
    extra = context.risk_terms if context else None
    for category in risk_lexicon(extra):
        found = category.find(text)
        if not found:
            rules.append(Rule(category.name, "pass", t(f"check.risk.{category.name}.none")))
            continue
        quoted = _quote(found[:5])
        reason = t(f"check.risk.{category.name}.found", terms=quoted)
        if category.name == "market" and context and context.organisations:
            named = [o for o in context.organisations if _names(folded, o)]
            if named:
                reason += " " + t("check.risk.market.org", orgs=", ".join(named[:3]))
        rules.append(Rule(category.name, category.status, reason))
    return rules


def _names(folded: str, name: str) -> bool:
    target = fold(name).strip()
    return bool(target) and re.search(rf"(?<!\w){re.escape(target)}(?!\w)", folded) is not None


def _shouting(text: str) -> Rule:
    cased = [c for c in text if c.isalpha() and (c.isupper() or c.islower())]
    upper = sum(1 for c in cased if c.isupper())
    ratio = upper / len(cased) if cased else 0.0
    loud_words = [w for w in _WORD.findall(text) if len(w) >= 4 and w.isupper()]
    bangs = max((len(m.group(0)) for m in _EXCLAMATIONS.finditer(text)), default=0)
    whole = len(cased) >= 20 and ratio >= 0.8
    if whole or bangs >= 4:
        return Rule("shouting", "fail", t("check.shouting.fail", share=f"{ratio:.0%}", bangs=bangs))
    if (len(cased) >= 20 and ratio >= 0.5) or len(loud_words) >= 2 or bangs >= 2:
        words = ", ".join(loud_words[:3]) or "-"
        return Rule(
            "shouting",
            "warn",
            t("check.shouting.warn", share=f"{ratio:.0%}", words=words, bangs=bangs),
        )
    return Rule("shouting", "pass", t("check.shouting.ok", share=f"{ratio:.0%}"))


def _mentions(text: str, context: CheckContext | None) -> Rule:
    handles = mentions_of(text)
    if not handles:
        return Rule("mentions", "pass", t("check.mentions.none"))
    if context is None:
        return _skip("mentions", "check.why.no_workspace")
    unknown = [h for h in handles if h not in context.resolved_handles]
    if unknown:
        listed = ", ".join(f"@{h}" for h in unknown[:5])
        return Rule("mentions", "warn", t("check.mentions.unknown", handles=listed))
    return Rule("mentions", "pass", t("check.mentions.ok", n=len(handles)))


def _hashtags(text: str, context: CheckContext | None) -> Rule:
    tags = hashtags_of(text)
    if not tags:
        return Rule("hashtags", "pass", t("check.hashtags.none"))
    if context is None:
        return _skip("hashtags", "check.why.no_workspace")
    hits = [s for s in context.signals if s.term in tags]
    if not hits:
        return Rule("hashtags", "pass", t("check.hashtags.ok", n=len(tags)))
    bad = [s for s in hits if "buzz" in s.kind.lower()]
    listed = ", ".join(f"#{s.term} ({s.kind})" for s in (bad or hits)[:5])
    if bad:
        return Rule("hashtags", "fail", t("check.hashtags.bad_buzz", tags=listed))
    return Rule("hashtags", "warn", t("check.hashtags.signal", tags=listed))


def _fit(text: str, leader: str | None, context: CheckContext | None) -> Rule:
    if context is None:
        return _skip("fit", "check.why.no_workspace")
    if leader is None or context.leader is None:
        return _skip("fit", "check.why.no_leader")
    past = [p for p, _ in context.leader.past_posts if p and p.strip()]
    if len(past) < FIT_MIN_POSTS:
        return Rule(
            "fit",
            "skipped",
            t("check.skipped", why=t("check.why.few_posts", n=len(past), need=FIT_MIN_POSTS)),
        )
    score, own = editorial_fit(text, past)
    threshold = _percentile(own, FIT_PERCENTILE)
    below = sum(1 for x in own if x < score) / len(own)
    values = {"score": f"{score:.2f}", "p10": f"{threshold:.2f}", "rank": f"{below:.0%}"}
    if score < threshold:
        return Rule("fit", "warn", t("check.fit.far", name=context.leader.name, **values))
    return Rule("fit", "pass", t("check.fit.ok", name=context.leader.name, **values))


def editorial_fit(draft: str, past: Sequence[str], top: int = FIT_TOP) -> tuple[float, list[float]]:
    """The draft's fit with past posts: the mean cosine similarity (TF-IDF of words, accents
    and case folded) to its ``top`` nearest past posts, and the same figure for each past
    post against the others (leave one out), which sets what is usual for this author."""
    import numpy as np

    from veille.reports.similarity import similarity_matrix

    sims = similarity_matrix([*past, draft])
    np.fill_diagonal(sims, -1.0)
    k = min(top, len(past) - 1)

    def nearest(row: Any) -> float:
        values = row[:-1]  # similarities to the past posts (the draft is last)
        best = np.sort(values[values >= 0])[::-1][:k]  # the diagonal (-1) is left out
        return float(best.mean()) if len(best) else 0.0

    draft_score = nearest(sims[-1])
    own = [nearest(sims[i]) for i in range(len(past))]
    return draft_score, own


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def smoothed(counts: Sequence[int]) -> list[float]:
    """Each hour of the week with its two neighbours (the week wraps around)."""
    n = len(counts)
    return [(counts[(i - 1) % n] + 2 * counts[i] + counts[(i + 1) % n]) / 4 for i in range(n)]


def hour_label(how: int) -> str:
    day = t(f"check.day.{how // 24}")
    return f"{day} {how % 24:02d}:00"


def _best_hour(leader: str | None, context: CheckContext | None) -> Rule:
    if context is None:
        return _skip("best_hour", "check.why.no_workspace")
    if leader is None or context.leader is None:
        return _skip("best_hour", "check.why.no_leader")
    counts = list(context.leader.audience_by_hour)
    total = sum(counts)
    if total < HOUR_MIN_ENGAGEMENT:
        return Rule(
            "best_hour",
            "skipped",
            t(
                "check.skipped",
                why=t("check.why.few_engagements", n=total, need=HOUR_MIN_ENGAGEMENT),
            ),
        )
    smooth = smoothed(counts)
    best = max(range(168), key=lambda i: (smooth[i], -i))
    share = counts[best] / total
    values = {"best": hour_label(best), "tz": context.timezone, "share": f"{share:.0%}"}
    if context.now is not None:
        local = context.now.astimezone(ZoneInfo(context.timezone))
        now_how = local.weekday() * 24 + local.hour
        ratio = smooth[now_how] / smooth[best] if smooth[best] else 0.0
        if ratio < QUIET_SHARE:
            return Rule(
                "best_hour",
                "warn",
                t("check.hour.quiet", now=hour_label(now_how), ratio=f"{ratio:.0%}", **values),
            )
    return Rule("best_hour", "pass", t("check.hour.best", **values))
