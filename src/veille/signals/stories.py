"""Emerging stories: the posts of active bursts grouped by text similarity (DESIGN.md,
"Emerging stories"; issue 12).

The posts of the bursts a pass touched are shingled (word pairs of their normalised text)
and hashed with MinHash (datasketch, 64 permutations); an LSH index at the configured
Jaccard threshold finds the candidate pairs, whose estimated similarity is checked, and the
connected components are the stories. A story needs ``story_min_posts`` posts by
``story_min_authors`` distinct authors. It keeps the id it had in an earlier pass when it
shares posts with a stored story, else gets one from its first post.

Each story has: first seen, a growth curve (posts and new authors per bucket), its distinct
authors and their stakeholder mix, sentiment (from the enrichments), top posts, the terms
of its bursts, a rumour score (``veille.signals.rumour`` where installed) and the
information lead time against the reference news feeds (``[signals] reference_feeds``):
the first reference item similar to the story, minus the story's first post.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from datasketch import MinHash, MinHashLSH

from veille.analytics import signal_sql
from veille.analytics.engine import Engine
from veille.i18n import t
from veille.signals.burst import BurstConfig
from veille.signals.messages import stakeholder_mix_text
from veille.signals.model import Signal, signal_id
from veille.signals.terms import term_label
from veille.workspace.config import SignalsSection

if TYPE_CHECKING:
    from veille.signals.episodes import Episode
    from veille.workspace import Workspace

NUM_PERM = 64
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_URL = re.compile(r"https?://\S+")


def shingles(text: str | None) -> set[str]:
    """Word pairs (and words of 4+ letters) of ``text``, case- and accent-folded."""
    if not text:
        return set()
    plain = unicodedata.normalize("NFKD", _URL.sub(" ", text).casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    words = [w for w in _TOKEN.findall(plain) if not w.isdigit()]
    out = {f"{a} {b}" for a, b in pairwise(words)}
    out |= {w for w in words if len(w) >= 4}
    return out


def minhash(items: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=1)
    for item in items:
        m.update(item.encode("utf-8"))
    return m


#: the most LSH candidates compared with one text (the smallest indices, so the result
#: does not depend on set order): a wave of near-copies must not cost n squared
MAX_CANDIDATES = 256


def cluster(texts: Sequence[str | None], threshold: float) -> list[list[int]]:
    """Indices of ``texts`` grouped by MinHash LSH at Jaccard ``threshold`` (connected
    components of the similar pairs); texts without words stay alone.

    Texts with the same word set (copies, templated posts differing only in numbers or
    links) are one group at once, and only the first of them enters the LSH; each other
    text is compared with at most ``MAX_CANDIDATES`` candidates, skipping those already in
    its group. A burst of 60,000 copies costs one MinHash, not 60,000 squared
    comparisons."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes: dict[int, MinHash] = {}
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first_of: dict[frozenset[str], int] = {}
    for i, text in enumerate(texts):
        sh = shingles(text)
        if not sh:
            continue
        key = frozenset(sh)
        same = first_of.get(key)
        if same is not None:
            union(i, same)
            continue
        first_of[key] = i
        hashes[i] = minhash(sh)
        lsh.insert(str(i), hashes[i])
    for i, m in hashes.items():
        found = lsh.query(m)
        candidates = (
            heapq.nsmallest(MAX_CANDIDATES, (int(o) for o in found), key=lambda x: x)
            if len(found) > MAX_CANDIDATES
            else sorted(int(o) for o in found)
        )
        for j in candidates:
            if j != i and find(i) != find(j) and m.jaccard(hashes[j]) >= threshold:
                union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


#: term kinds specific enough to hold one story together (a mention of an organisation
#: or a leader is not: many stories name them)
_SPECIFIC = ("#", "watch:", "ngram:", "url:")


def merge_by_term(groups: list[list[int]], posts: Sequence[StoryPost]) -> list[list[int]]:
    """Text clusters that share their dominant specific term (a hashtag, a watch, an
    n-gram or a link held by at least half of each one's posts) are one story: the many
    wordings of a rumour, or of a conference, under its watch or its hashtag."""
    merged: dict[str, list[int]] = {}
    out: list[list[int]] = []
    for group in groups:
        counts = Counter(t for i in group for t in posts[i].terms if t.startswith(_SPECIFIC))
        top = [t for t, n in counts.most_common() if 2 * n >= len(group)]
        key = min(top, key=lambda t: (-counts[t], t)) if top else None
        if key is None:
            out.append(group)
        elif key in merged:
            merged[key].extend(group)
        else:
            merged[key] = list(group)
            out.append(merged[key])
    return [sorted(g) for g in out]


@dataclass
class StoryPost:
    uri: str
    author: str
    handle: str | None
    created_at: datetime
    text: str
    stakeholder: str | None
    sentiment: str | None
    cue: str | None
    cue_score: float | None
    engagement: int
    weight: float
    terms: tuple[str, ...]
    row: dict[str, Any]


def stories_of(
    ws: Workspace, engine: Engine, episodes: Sequence[Episode], cfg: SignalsSection
) -> list[Signal]:
    """The stories of the posts of ``episodes`` (bursts found or grown in this pass)."""
    term_of: dict[str, set[str]] = {}
    detected: dict[str, datetime] = {}
    for ep in episodes:
        for uri in ep.uris:
            term_of.setdefault(uri, set()).add(ep.term)
            detected[uri] = min(detected.get(uri, ep.detected_at), ep.detected_at)
    if not term_of:
        return []
    weights = cfg.class_weights()
    table = signal_sql.posts_by_uri(engine, sorted(term_of), weight_unknown=weights["unknown"])
    posts = _story_posts(table, term_of)
    groups = merge_by_term(cluster([p.text for p in posts], cfg.story_similarity), posts)
    bcfg = BurstConfig(bucket_minutes=cfg.bucket_minutes)
    out: list[Signal] = []
    for group in groups:
        members = sorted((posts[i] for i in group), key=lambda p: (p.created_at, p.uri))
        authors = {p.author for p in members}
        if len(members) < cfg.story_min_posts or len(authors) < cfg.story_min_authors:
            continue
        members = _with_precursors(engine, members, cfg, weights["unknown"])
        story = _story(ws, engine, members, detected, cfg, bcfg)
        out.append(story)
        rumour = _rumour_signal(story, members, cfg)
        if rumour is not None:
            out.append(rumour)
    return out


#: how far back before its burst a story's first posts are looked for
LOOKBACK = timedelta(hours=72)


def _story_posts(table: Any, term_of: dict[str, set[str]]) -> list[StoryPost]:
    return [
        StoryPost(
            uri=r["uri"],
            author=r["author"],
            handle=r["handle"],
            created_at=r["created_at"],
            text=r["text"] or "",
            stakeholder=r["stakeholder"],
            sentiment=r["sentiment"],
            cue=r["cue"],
            cue_score=r["cue_score"],
            engagement=int(r["engagement"] or 0),
            weight=float(r["weight"]),
            terms=tuple(sorted(term_of.get(r["uri"], ()))),
            row=r,
        )
        for r in table.to_pylist()
    ]


def _with_precursors(
    engine: Engine, members: list[StoryPost], cfg: SignalsSection, weight_unknown: float
) -> list[StoryPost]:
    """The story with its beginning: the posts of the ``LOOKBACK`` before its first one
    that share a watch, a tracked mention or a hashtag of its bursts and whose text is as
    similar to one of its posts as the story's own posts are (a story is often first told
    by a few, hours before it bursts)."""
    terms = {t for p in members for t in p.terms}
    watches = sorted(
        {t[6:] for t in terms if t.startswith("watch:")}
        | {"leader:" + t[8:] for t in terms if t.startswith("@leader:")}
        | {"organisation:" + t[5:] for t in terms if t.startswith("@org:")}
        | set(signal_sql.common_matches(engine, [p.uri for p in members]))
    )
    tags = sorted({t[1:] for t in terms if t.startswith("#")})
    first = members[0].created_at
    uris = signal_sql.precursor_uris(engine, watches, tags, first - LOOKBACK, first)
    if not uris:
        return members
    lsh = MinHashLSH(threshold=cfg.story_similarity, num_perm=NUM_PERM)
    hashes = {}
    distinct: set[frozenset[str]] = set()
    for i, p in enumerate(members):
        sh = shingles(p.text)
        if sh and frozenset(sh) not in distinct:  # copies enter once
            distinct.add(frozenset(sh))
            hashes[i] = minhash(sh)
            lsh.insert(str(i), hashes[i])
    found = _story_posts(signal_sql.posts_by_uri(engine, uris, weight_unknown=weight_unknown), {})
    early = []
    for p in found:
        sh = shingles(p.text)
        if not sh:
            continue
        if frozenset(sh) in distinct:
            early.append(p)
            continue
        m = minhash(sh)
        near = sorted(int(j) for j in lsh.query(m))[:MAX_CANDIDATES]
        if any(m.jaccard(hashes[j]) >= cfg.story_similarity for j in near):
            early.append(p)
    if not early:
        return members
    return sorted([*early, *members], key=lambda p: (p.created_at, p.uri))


def _qualified_at(members: Sequence[StoryPost], cfg: SignalsSection) -> datetime:
    """When the group first had enough posts and distinct authors to be a story."""
    seen: set[str] = set()
    for n, p in enumerate(members, start=1):
        seen.add(p.author)
        if n >= cfg.story_min_posts and len(seen) >= cfg.story_min_authors:
            return p.created_at
    return members[-1].created_at


def _story(
    ws: Workspace,
    engine: Engine,
    members: Sequence[StoryPost],
    detected: dict[str, datetime],
    cfg: SignalsSection,
    bcfg: BurstConfig,
) -> Signal:
    uris = [p.uri for p in members]
    first = members[0]
    stored = signal_sql.stories_holding(engine, uris)
    # precursors were not in a burst: the story is seen once its burst is
    burst_at = min((detected[u] for u in uris if u in detected), default=first.created_at)
    if stored:
        sid = str(stored[0]["signal_id"])
        known = stored[0]["first_seen"]
        first_seen = (
            min(first.created_at, known) if isinstance(known, datetime) else first.created_at
        )
        detected_at = stored[0]["detected_at"] or burst_at
    else:
        sid = signal_id("story", first.uri, bcfg.bucket_of(first.created_at))
        first_seen = first.created_at
        detected_at = max(burst_at, _qualified_at(members, cfg))
    assert isinstance(detected_at, datetime)
    authors: dict[str, StoryPost] = {}
    growth: dict[int, dict[str, int]] = {}
    for p in members:
        b = bcfg.bucket_of(p.created_at)
        cell = growth.setdefault(b, {"posts": 0, "new_authors": 0})
        cell["posts"] += 1
        if p.author not in authors:
            authors[p.author] = p
            cell["new_authors"] += 1
    mix = Counter((p.stakeholder or "unknown") for p in authors.values())
    mix_sorted = dict(sorted(mix.items(), key=lambda kv: (-kv[1], kv[0])))
    sentiment = Counter(p.sentiment or "unknown" for p in members)
    labelled = sentiment["positive"] + sentiment["negative"] + sentiment["neutral"]
    net = (sentiment["positive"] - sentiment["negative"]) / labelled if labelled else None
    terms = Counter(term for p in members for term in p.terms)
    top_terms = [term for term, _ in terms.most_common(5)]
    top = sorted(members, key=lambda p: (-p.weight, -p.engagement, p.created_at))[:3]
    lead = _lead_time(engine, members, cfg)
    rumour = _rumour_score(members)
    reasons = [
        t(
            "sig.story.size",
            posts=len(members),
            authors=len(authors),
            first=first_seen.isoformat(timespec="minutes"),
        ),
        t("sig.story.terms", terms=", ".join(term_label(x) for x in top_terms)),
        t("sig.burst.who", mix=stakeholder_mix_text(mix_sorted), weight=_mean_weight(authors)),
        t(
            "sig.story.sentiment",
            pos=sentiment["positive"],
            neg=sentiment["negative"],
            neu=sentiment["neutral"],
        ),
    ]
    peak = max(c["new_authors"] for c in growth.values())
    reasons.append(t("sig.story.growth", growth=peak))
    if lead is not None:
        hours = lead["lead_hours"]
        key = "sig.story.lead" if hours >= 0 else "sig.story.lead_after"
        reasons.append(t(key, hours=f"{abs(hours):.1f}", feed=lead["feed"]))
    if rumour is not None:
        reasons.extend(rumour["reasons"])
    watches = sorted({x[6:] for x in terms if x.startswith("watch:")})
    leaders = sorted({x[8:] for x in terms if x.startswith("@leader:")})
    orgs = sorted({x[5:] for x in terms if x.startswith("@org:")})
    score = len(authors) * float(_mean_weight_value(authors))
    return Signal(
        id=sid,
        kind="story",
        term=top_terms[0] if top_terms else None,
        first_seen=first_seen,
        detected_at=detected_at,
        score=score,
        authors=len(authors),
        posts=len(members),
        reasons=tuple(reasons),
        watches=tuple(watches),
        leaders=tuple(leaders),
        organisations=tuple(orgs),
        updated_at=members[-1].created_at,
        detail={
            "last_seen": members[-1].created_at.isoformat(),
            "terms": top_terms,
            "growth": [
                {"bucket_start": bcfg.bucket_start(b).isoformat(), **cell}
                for b, cell in sorted(growth.items())
            ],
            "stakeholders": mix_sorted,
            "sentiment": {
                "positive": sentiment["positive"],
                "negative": sentiment["negative"],
                "neutral": sentiment["neutral"],
                "net": None if net is None else round(net, 3),
            },
            "top_posts": [
                {
                    "uri": p.uri,
                    "author": p.handle or p.author,
                    "created_at": p.created_at.isoformat(),
                    "text": p.text[:280],
                    "stakeholder": p.stakeholder,
                    "engagement": p.engagement,
                }
                for p in top
            ],
            "rumour": rumour,
            "lead_time": lead,
            "uris": uris,
        },
    )


def _mean_weight_value(authors: dict[str, StoryPost]) -> float:
    return sum(p.weight for p in authors.values()) / len(authors) if authors else 1.0


def _mean_weight(authors: dict[str, StoryPost]) -> str:
    return f"{_mean_weight_value(authors):.2f}"


def _lead_time(
    engine: Engine, members: Sequence[StoryPost], cfg: SignalsSection
) -> dict[str, Any] | None:
    """The first reference news item similar to the story (within 7 days before its first
    post to 7 days after its last), and the lead time in hours (positive: the ecosystem
    had it first)."""
    first, last = members[0].created_at, members[-1].created_at
    items = signal_sql.reference_items(
        engine, first - timedelta(days=7), last + timedelta(days=7)
    ).to_pylist()
    if not items:
        return None
    texts = [sh for sh in (shingles(p.text) for p in members) if sh]
    for item in items:
        sh = shingles(item["text"])
        if not sh:
            continue
        # the item tells what one of the story's posts tells (containment of the shorter)
        overlap = max((len(sh & p) / min(len(sh), len(p)) for p in texts), default=0.0)
        if overlap >= 0.4:
            hours = (item["created_at"] - first).total_seconds() / 3600
            return {
                "feed": str(item["feed"]).removeprefix("web:"),
                "uri": item["uri"],
                "published": item["created_at"].isoformat(),
                "lead_hours": round(hours, 2),
            }
    return None


def _rumour_score(members: Sequence[StoryPost]) -> dict[str, Any] | None:
    """The story's rumour score (``veille.signals.rumour``: its posts' scores from cues and
    their authors' credibility, per distinct author, plus cues, uncredited authors and
    growth), with the time it first reached the threshold."""
    from veille.signals import rumour

    evidence = [rumour.PostEvidence.from_row(p.row) for p in members]
    scores = rumour.score_posts(evidence)
    story = rumour.score_story(evidence, scores)
    crossed: datetime | None = None
    if story.is_rumour:
        # the first moment the story, as it stood then, was a rumour
        # post by post over the first 200, then in 100 steps (a long story must not cost
        # its length squared)
        sizes = list(range(3, min(len(members), 200) + 1))
        if len(members) > 200:
            step = max(1, (len(members) - 200) // 100)
            sizes += [*range(200 + step, len(members) + 1, step), len(members)]
        for n in sizes:
            if rumour.score_story(evidence[:n], scores[:n]).is_rumour:
                crossed = members[n - 1].created_at
                break
    return {
        "score": round(story.score, 3),
        "is_rumour": story.is_rumour,
        "components": {k: round(v, 3) for k, v in story.components.items()},
        "reasons": list(story.reasons),
        "since": crossed.isoformat() if crossed else None,
    }


def _rumour_signal(
    story: Signal, members: Sequence[StoryPost], cfg: SignalsSection
) -> Signal | None:
    """A story whose rumour score passes the threshold is also reported as a rumour (same
    posts; detected when the story, as it stood then, first passed it)."""
    rumour = story.detail.get("rumour")
    if not rumour:
        return None
    if cfg.rumour_threshold is None:
        if not rumour.get("is_rumour"):
            return None
    elif float(rumour["score"]) < cfg.rumour_threshold:
        return None
    since = rumour.get("since")
    detected = max(story.detected_at, datetime.fromisoformat(since)) if since else story.detected_at
    bcfg = BurstConfig(bucket_minutes=cfg.bucket_minutes)
    return Signal(
        id=signal_id("rumour", story.id, bcfg.bucket_of(story.first_seen)),
        kind="rumour",
        term=story.term,
        first_seen=story.first_seen,
        detected_at=detected,
        score=float(rumour["score"]),
        authors=story.authors,
        posts=story.posts,
        reasons=tuple(rumour["reasons"])
        + tuple(r for r in story.reasons if r not in rumour["reasons"]),
        watches=story.watches,
        leaders=story.leaders,
        organisations=story.organisations,
        story_id=story.id,
        updated_at=story.updated_at,
        detail={
            k: story.detail[k]
            for k in ("rumour", "lead_time", "terms", "growth", "stakeholders", "uris")
            if k in story.detail
        },
    )
