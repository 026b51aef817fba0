"""What others say: net sentiment with its 95% interval, representative sentiment, effective
authors and the loud-minority flag (DESIGN.md), over any set of posts.

The statistics work on per-author counts of labelled posts, whatever the set (posts about a
leader here, posts matching a watch or about an organisation in listening):

- net sentiment NS = (pos - neg) / n over the n labelled posts (positive, neutral,
  negative; posts the model could not label are left out and counted), with the normal
  approximation interval NS +- 1.96 * sqrt((p+ + p- - (p+ - p-)^2) / n);
- representative sentiment: each author counts at most ``cap`` posts (3): an author with
  n_i > cap posts weighs cap / n_i per post, so their own mix of labels is kept but their
  volume is not; its interval uses the capped count;
- effective authors = 1 / sum(share_i^2), share_i = n_i / n (the number of equally loud
  authors that would give the same concentration);
- loud minority: the loudest authors, as many as ``top_share`` (1%) of ``population`` (the
  period's active authors, at least one) among those who wrote more than ``cap`` posts of the
  set, wrote more than ``negative_share`` (30%) of its negative posts.

``entity_mentions`` is the SQL side for entities: posts by others that mention one of an
entity's accounts, reply to or quote one of its posts, counted per author and stakeholder
class, with the current sentiment label of each post (``post_labels``, read over the
period only: the posts heard are the period's).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from veille.analytics.registry import Metric
from veille.analytics.sqlparts import ADDRESSED, ENTITY_ACCOUNTS

Z95 = 1.959963984540054

MENTIONS_SQL = f"""
WITH acc AS ({ENTITY_ACCOUNTS}),
{ADDRESSED},
about AS (SELECT DISTINCT kind, entity_id, network, uri, author_id FROM addressed),
labels AS (
    SELECT uri, sentiment, stakeholder FROM post_labels
    WHERE created_at >= $since AND created_at < $until
)
SELECT b.kind, b.entity_id, b.network, b.author_id,
       coalesce(l.stakeholder, 'unknown') AS stakeholder,
       count(*) AS posts,
       count(*) FILTER (WHERE l.sentiment = 'positive') AS positive,
       count(*) FILTER (WHERE l.sentiment = 'negative') AS negative,
       count(*) FILTER (WHERE l.sentiment = 'neutral') AS neutral
FROM about b LEFT JOIN labels l ON l.uri = b.uri
GROUP BY b.kind, b.entity_id, b.network, b.author_id, coalesce(l.stakeholder, 'unknown')
"""

ACTIVE_AUTHORS_SQL = """
SELECT count(DISTINCT network || ':' || author_id) AS authors
FROM posts
WHERE deleted_at IS NULL AND created_at >= $since AND created_at < $until
"""

ENTITY_MENTIONS = Metric(
    id="entity_mentions",
    sql=MENTIONS_SQL,
    description="Posts by others about each registry entity (mentions, replies, quotes) "
    "per author and stakeholder class, with positive, negative and neutral counts.",
    inputs=("entity_accounts",),
    order=("kind", "entity_id", "network", "author_id", "stakeholder"),
)

ACTIVE_AUTHORS = Metric(
    id="active_authors",
    sql=ACTIVE_AUTHORS_SQL,
    description="Distinct authors of the period's posts (the population of the "
    "loud-minority test).",
    order=("authors",),
)


@dataclass(frozen=True)
class AuthorCounts:
    """One author's labelled posts in a set."""

    author: str
    positive: int = 0
    negative: int = 0
    neutral: int = 0

    @property
    def n(self) -> int:
        return self.positive + self.negative + self.neutral


@dataclass
class NetSentiment:
    value: float
    low: float
    high: float
    n: float

    def as_json(self) -> dict[str, Any]:
        return {
            "value": round(self.value, 4),
            "ci95": [round(self.low, 4), round(self.high, 4)],
            "n": round(self.n, 2),
        }


@dataclass
class SentimentSummary:
    """The sentiment figures of one set of posts (``None`` when it has too few posts)."""

    posts: int
    authors: int
    positive: int
    negative: int
    neutral: int
    raw: NetSentiment | None
    representative: NetSentiment | None
    effective_authors: float | None
    loud_minority: bool
    loud_authors: int
    loud_negative_share: float | None
    cap: int
    population: int
    reason: str | None = None
    unlabelled: int = 0
    by_class: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        missing = {"value": None, "reason": self.reason}
        return {
            "posts": self.posts,
            "unlabelled": self.unlabelled,
            "authors": self.authors,
            "positive": self.positive,
            "negative": self.negative,
            "neutral": self.neutral,
            "net_sentiment": self.raw.as_json() if self.raw else missing,
            "representative": self.representative.as_json() if self.representative else missing,
            "cap_per_author": self.cap,
            "effective_authors": (
                round(self.effective_authors, 2) if self.effective_authors is not None else missing
            ),
            "loud_minority": self.loud_minority,
            "loud_authors": self.loud_authors,
            "loud_negative_share": (
                round(self.loud_negative_share, 4)
                if self.loud_negative_share is not None
                else {"value": None, "reason": "no negative post"}
            ),
            "population": self.population,
            "by_class": self.by_class,
        }


def net_sentiment(positive: float, negative: float, n: float) -> NetSentiment | None:
    """NS and its 95% interval (normal approximation); ``None`` for an empty set."""
    if n <= 0:
        return None
    p_pos, p_neg = positive / n, negative / n
    value = p_pos - p_neg
    var = max(0.0, (p_pos + p_neg - value * value) / n)
    half = Z95 * math.sqrt(var)
    return NetSentiment(value, max(-1.0, value - half), min(1.0, value + half), n)


def representative(authors: Iterable[AuthorCounts], cap: int) -> NetSentiment | None:
    """NS with each author counting at most ``cap`` posts (their label mix kept)."""
    pos = neg = n = 0.0
    for a in authors:
        if a.n == 0:
            continue
        weight = min(1.0, cap / a.n)
        pos += weight * a.positive
        neg += weight * a.negative
        n += min(a.n, cap)
    return net_sentiment(pos, neg, n)


def effective_authors(authors: Iterable[AuthorCounts]) -> float | None:
    counts = [a.n for a in authors if a.n > 0]
    total = sum(counts)
    if not total:
        return None
    return 1.0 / sum((c / total) ** 2 for c in counts)


def loud_minority(
    authors: Iterable[AuthorCounts],
    *,
    cap: int,
    population: int,
    top_share: float = 0.01,
    negative_share: float = 0.30,
) -> tuple[bool, int, float | None]:
    """(flag, loud authors counted, their share of the negative posts)."""
    items = [a for a in authors if a.n > 0]
    negatives = sum(a.negative for a in items)
    if not negatives:
        return False, 0, None
    top = max(1, math.ceil(top_share * population))
    loud = sorted(
        (a for a in items if a.n > cap and a.negative > 0),
        key=lambda a: (-a.negative, a.author),
    )[:top]
    share = sum(a.negative for a in loud) / negatives
    return share > negative_share, len(loud), share


def summarise(
    authors: Iterable[AuthorCounts],
    *,
    cap: int = 3,
    population: int | None = None,
    min_posts: int = 1,
    top_share: float = 0.01,
    negative_share: float = 0.30,
    unlabelled: int = 0,
) -> SentimentSummary:
    """Every figure of the set whose authors' counts are ``authors`` (several rows of one
    author are added up). ``population`` defaults to the set's own authors."""
    merged: dict[str, list[int]] = {}
    for a in authors:
        row = merged.setdefault(a.author, [0, 0, 0])
        row[0] += a.positive
        row[1] += a.negative
        row[2] += a.neutral
    items = [AuthorCounts(k, *v) for k, v in sorted(merged.items()) if sum(v) > 0]
    pos = sum(a.positive for a in items)
    neg = sum(a.negative for a in items)
    neu = sum(a.neutral for a in items)
    n = pos + neg + neu
    pop = max(population if population is not None else len(items), len(items))
    reason = None if n >= min_posts else f"{n} labelled posts, {min_posts} needed"
    flag, loud_n, loud_share = loud_minority(
        items, cap=cap, population=pop, top_share=top_share, negative_share=negative_share
    )
    return SentimentSummary(
        posts=n,
        authors=len(items),
        positive=pos,
        negative=neg,
        neutral=neu,
        raw=net_sentiment(pos, neg, n) if reason is None else None,
        representative=representative(items, cap) if reason is None else None,
        effective_authors=effective_authors(items),
        loud_minority=flag,
        loud_authors=loud_n,
        loud_negative_share=loud_share,
        cap=cap,
        population=pop,
        reason=reason,
        unlabelled=unlabelled,
    )


def entity_summaries(
    rows: Iterable[Mapping[str, Any]],
    *,
    kind: str = "leader",
    cap: int = 3,
    population: int | None = None,
    min_posts: int = 1,
    top_share: float = 0.01,
    negative_share: float = 0.30,
) -> dict[str, SentimentSummary]:
    """One summary per entity of ``kind`` from ``entity_mentions`` rows, with the figures
    by stakeholder class (volume and net sentiment of each class)."""
    by_entity: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row["kind"] == kind:
            by_entity.setdefault(row["entity_id"], []).append(row)
    out: dict[str, SentimentSummary] = {}
    for entity, items in by_entity.items():
        counts = [_counts(r) for r in items]
        unlabelled = sum(int(r["posts"]) for r in items) - sum(c.n for c in counts)
        summary = summarise(
            counts,
            cap=cap,
            population=population,
            min_posts=min_posts,
            top_share=top_share,
            negative_share=negative_share,
            unlabelled=unlabelled,
        )
        classes: dict[str, list[AuthorCounts]] = {}
        for row, c in zip(items, counts, strict=True):
            classes.setdefault(str(row["stakeholder"]), []).append(c)
        for name, group in sorted(classes.items()):
            n = sum(c.n for c in group)
            ns = net_sentiment(sum(c.positive for c in group), sum(c.negative for c in group), n)
            summary.by_class[name] = {
                "posts": n,
                "authors": len({c.author for c in group if c.n}),
                "net_sentiment": ns.as_json() if ns else {"value": None, "reason": "no post"},
            }
        out[entity] = summary
    return out


def _counts(row: Mapping[str, Any]) -> AuthorCounts:
    author = f"{row['network']}:{row['author_id']}"
    return AuthorCounts(author, int(row["positive"]), int(row["negative"]), int(row["neutral"]))
