"""Listening (C6): what others say about a watch, an organisation or a leader, and who
says it.

The posts heard over a period (the **scope**):

- a watch: the posts it matched (``matches``);
- an organisation or a leader: posts by others that mention one of its accounts, reply to
  or quote one of its posts (``sqlparts.ADDRESSED``), or name it (the implicit watch
  ``organisation:ID`` / ``leader:ID`` on its name and aliases, matched at enrichment).

Reposts carry no text and are left out; deleted posts and forgotten accounts count
nowhere. The scope's posts, one row each with their current sentiment, stakeholder class
(of the author at posting time) and language labels (``post_labels``, read over the period
only, as the posts themselves), are handed to the engine as
``listening_posts``; every figure is a registered query over it:

- volume in posts and distinct authors, per day or hour;
- net sentiment with its 95% interval, raw and representative (each author capped at k
  posts), effective authors and the loud-minority flag (``analytics.sentiment``; its top 1%
  is of the period's active authors, as for the Leader Index);
- the same by stakeholder class, by language and by the authors' country where it is known
  (the registry's country of a leader or organisation, else a country-code top-level domain
  of the Mastodon instance or the profile URL), against the organisation's home country;
- share of voice of each organisation of a competitor set, in posts and in distinct
  authors (each sums to 1 over the set);
- top posts (by engagement, the latest metrics snapshot) and top authors (by posts heard,
  with their stakeholder class and followers).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from veille.analytics.context import AnalyticsContext
from veille.analytics.period import Period
from veille.analytics.registry import Metric, run_metric
from veille.analytics.sentiment import ACTIVE_AUTHORS, AuthorCounts, net_sentiment, summarise
from veille.analytics.sqlparts import ADDRESSED
from veille.errors import UsageError

LISTENING_POSTS = "listening_posts"

_LABELS = """
labels AS (
    SELECT uri, sentiment, stakeholder, language FROM post_labels
    WHERE created_at >= $since AND created_at < $until
)
SELECT b.scope, b.network, b.uri, b.author_id, b.created_at, l.sentiment,
       coalesce(l.stakeholder, 'unknown') AS stakeholder,
       coalesce(l.language, p.lang, 'und') AS language
FROM about b
LEFT JOIN labels l ON l.uri = b.uri
LEFT JOIN (SELECT uri, lang FROM posts WHERE created_at >= $since AND created_at < $until) p
       ON p.uri = b.uri
"""

_ALIVE = """p.deleted_at IS NULL AND p.repost_of IS NULL
      AND p.created_at >= $since AND p.created_at < $until
      AND (p.network || ':' || p.author_id) NOT IN
          (SELECT key FROM tombstones WHERE kind = 'account')"""

WATCH_POSTS_SQL = f"""
WITH about AS (
    SELECT DISTINCT m.watch_id AS scope, p.network, p.uri, p.author_id, p.created_at
    FROM matches m JOIN posts p ON p.uri = m.uri
    WHERE m.watch_id = $watch AND {_ALIVE}
),
{_LABELS}"""

ENTITY_POSTS_SQL = f"""
WITH acc AS (
    SELECT DISTINCT kind, entity_id, network, account_id FROM entity_accounts
    WHERE known AND kind = $kind
),
{ADDRESSED},
named AS (
    SELECT DISTINCT substr(m.watch_id, length($kind) + 2) AS entity_id, p.network, p.uri,
           p.author_id, p.created_at
    FROM matches m JOIN posts p ON p.uri = m.uri
    WHERE m.watch_id LIKE $kind || ':%' AND {_ALIVE}
),
about AS (
    SELECT DISTINCT entity_id AS scope, network, uri, author_id, created_at FROM addressed
    UNION
    SELECT n.entity_id AS scope, n.network, n.uri, n.author_id, n.created_at FROM named n
    WHERE NOT EXISTS (SELECT 1 FROM acc own WHERE own.kind = $kind
                      AND own.entity_id = n.entity_id AND own.network = n.network
                      AND own.account_id = n.author_id)
),
{_LABELS}"""

WATCH_POSTS = Metric(
    id="listening_watch_posts",
    sql=WATCH_POSTS_SQL,
    description="The posts a watch matched over a period, with their current labels.",
    order=("uri",),
)
ENTITY_POSTS = Metric(
    id="listening_entity_posts",
    sql=ENTITY_POSTS_SQL,
    description="Posts by others about each leader or organisation (mentions, replies, "
    "quotes, or its name), with their current labels.",
    params={"kind": "organisation"},
    inputs=("entity_accounts",),
    order=("scope", "uri"),
)

AUTHOR_COUNTS_SQL = """
SELECT scope, network, author_id, stakeholder, language,
       count(*) AS posts,
       count(*) FILTER (WHERE sentiment = 'positive') AS positive,
       count(*) FILTER (WHERE sentiment = 'negative') AS negative,
       count(*) FILTER (WHERE sentiment = 'neutral') AS neutral
FROM listening_posts
GROUP BY scope, network, author_id, stakeholder, language
"""
AUTHOR_COUNTS = Metric(
    id="listening_author_counts",
    sql=AUTHOR_COUNTS_SQL,
    description="Heard posts per author, stakeholder class and language, by sentiment.",
    inputs=(LISTENING_POSTS,),
    order=("scope", "network", "author_id", "stakeholder", "language"),
)

SERIES_SQL = """
SELECT scope, date_trunc($bucket, created_at) AS bucket, count(*) AS posts,
       count(DISTINCT network || ':' || author_id) AS authors
FROM listening_posts
GROUP BY scope, date_trunc($bucket, created_at)
"""
SERIES = Metric(
    id="listening_series",
    sql=SERIES_SQL,
    description="Heard posts and distinct authors per day or hour.",
    params={"bucket": "day"},
    inputs=(LISTENING_POSTS,),
    order=("scope", "bucket"),
)

TOP_POSTS_SQL = """
WITH latest AS (
    SELECT uri, likes, reposts, replies, quotes FROM (
        SELECT m.*, row_number() OVER (PARTITION BY m.uri ORDER BY m.observed_at DESC) AS rn
        FROM post_metrics m JOIN listening_posts l ON l.uri = m.uri
        WHERE m.observed_at >= $since - INTERVAL 1 DAY
    ) x WHERE rn = 1
)
SELECT l.scope, l.uri, l.network, l.author_id, a.handle, p.text, l.created_at, l.sentiment,
       l.stakeholder,
       coalesce(m.likes, 0) + coalesce(m.reposts, 0) + coalesce(m.replies, 0)
           + coalesce(m.quotes, 0) AS engagement
FROM listening_posts l
JOIN posts p ON p.uri = l.uri AND p.created_at >= $since AND p.created_at < $until
LEFT JOIN latest m ON m.uri = l.uri
LEFT JOIN accounts a ON a.network = l.network AND a.account_id = l.author_id
"""
TOP_POSTS = Metric(
    id="listening_top_posts",
    sql=TOP_POSTS_SQL,
    description="Heard posts with their engagement (latest metrics snapshot).",
    inputs=(LISTENING_POSTS,),
    order=("scope", "uri"),
)

FOLLOWERS_SQL = """
SELECT network, account_id, followers FROM (
    SELECT s.network, s.account_id, s.followers,
           row_number() OVER (PARTITION BY s.network, s.account_id
                              ORDER BY s.observed_at DESC) AS rn
    FROM account_snapshots s
    JOIN (SELECT DISTINCT network, author_id FROM listening_posts) l
      ON l.network = s.network AND l.author_id = s.account_id
    WHERE s.observed_at < $until AND s.followers IS NOT NULL
) x WHERE rn = 1
"""
AUTHOR_FOLLOWERS = Metric(
    id="listening_author_followers",
    sql=FOLLOWERS_SQL,
    description="Latest followers of the heard authors.",
    inputs=(LISTENING_POSTS,),
    order=("network", "account_id"),
)

AUTHOR_PROFILES_SQL = """
SELECT a.network, a.account_id, a.handle, a.url FROM accounts a
JOIN (SELECT DISTINCT network, author_id FROM listening_posts) l
  ON l.network = a.network AND l.author_id = a.account_id
"""
AUTHOR_PROFILES = Metric(
    id="listening_author_profiles",
    sql=AUTHOR_PROFILES_SQL,
    description="Handle and profile URL of the heard authors (for their country).",
    inputs=(LISTENING_POSTS,),
    order=("network", "account_id"),
)

METRICS = (WATCH_POSTS, ENTITY_POSTS, AUTHOR_COUNTS, SERIES, TOP_POSTS, AUTHOR_FOLLOWERS,
           AUTHOR_PROFILES)  # fmt: skip

#: country-code top-level domains read as a country (generic ones say nothing)
_CCTLD = re.compile(r"\.([a-z]{2})(?:[/:]|$)")
_NOT_COUNTRIES = {"io", "ai", "co", "me", "tv", "cc", "fm", "ly", "gg", "so", "to", "im"}


def tld_country(*values: str | None) -> str | None:
    """An ISO country from a country-code top-level domain (``piaille.fr`` -> FR), or
    None for generic, vanity or unknown domains."""
    for value in values:
        if not value:
            continue
        host = value.lower().split("@")[-1] if "://" not in value else value.lower()
        match = _CCTLD.search(host.split("://", 1)[-1].split("/", 1)[0] + "/")
        if match and match.group(1) not in _NOT_COUNTRIES:
            code = match.group(1).upper()
            return "GB" if code == "UK" else code
    return None


@dataclass(frozen=True)
class Scope:
    """What is listened to: a watch, an organisation or a leader."""

    kind: str  # 'watch' | 'organisation' | 'leader'
    id: str


def heard_posts(ctx: AnalyticsContext, scope: Scope, period: Period) -> pa.Table:
    """The scope's posts over the period (for an entity: every entity of its kind, so that
    share of voice reads them in one pass), registered as ``listening_posts``."""
    if scope.kind == "watch":
        table = run_metric(ctx.engine, WATCH_POSTS, watch=scope.id, **period.params())
    else:
        table = run_metric(ctx.engine, ENTITY_POSTS, kind=scope.kind, **period.params())
    ctx.engine.register(LISTENING_POSTS, table)
    return table


def _registry_countries(ctx: AnalyticsContext) -> dict[tuple[str, str], str]:
    countries: dict[str, str | None] = {}
    for o in ctx.config.organisations:
        countries[f"organisation:{o.id}"] = o.country
    for x in ctx.config.leaders:
        org = ctx.config.organisation(x.organisation) if x.organisation else None
        countries[f"leader:{x.id}"] = x.country or (org.country if org else None)
    out: dict[tuple[str, str], str] = {}
    for row in ctx.engine.query(
        "SELECT kind, entity_id, network, account_id FROM entity_accounts"
    ).to_pylist():
        country = countries.get(f"{row['kind']}:{row['entity_id']}")
        if country:
            out[(row["network"], row["account_id"])] = country
    return out


def _summary_json(counts: list[AuthorCounts], population: int, cap: int) -> dict[str, Any]:
    summary = summarise(counts, cap=cap, population=population)
    data = summary.as_json()
    missing = {"value": None, "reason": summary.reason or "no labelled post"}
    return {
        "raw": data["net_sentiment"]["value"] if summary.raw else None,
        "raw_ci": data["net_sentiment"]["ci95"] if summary.raw else None,
        "representative": data["representative"]["value"] if summary.representative else None,
        "representative_ci": data["representative"]["ci95"] if summary.representative else None,
        "effective_authors": data["effective_authors"]
        if summary.effective_authors is not None
        else None,
        "loud_minority": summary.loud_minority,
        "loud_authors": summary.loud_authors,
        "labelled_posts": summary.posts,
        "cap_per_author": cap,
        **({"reason": missing["reason"]} if summary.raw is None else {}),
    }


def _group(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[str(row[key])].append(row)
    out = []
    for name, items in sorted(groups.items(), key=lambda kv: -sum(r["posts"] for r in kv[1])):
        pos = sum(r["positive"] for r in items)
        neg = sum(r["negative"] for r in items)
        n = pos + neg + sum(r["neutral"] for r in items)
        ns = net_sentiment(pos, neg, n)
        out.append(
            {
                key: name,
                "posts": sum(r["posts"] for r in items),
                "authors": len({(r["network"], r["author_id"]) for r in items}),
                "negative_share": neg / n if n else None,
                "net_sentiment": ns.as_json()
                if ns
                else {"value": None, "reason": "no labelled post"},
            }
        )
    return out


def listening(
    ctx: AnalyticsContext,
    scope: Scope,
    period: Period,
    *,
    bucket: str = "day",
    cap: int = 3,
    top: int = 10,
) -> dict[str, Any]:
    """Every listening figure of ``scope`` over ``period`` (JSON-ready)."""
    if bucket not in ("day", "hour"):
        raise UsageError(f"--by-bucket: {bucket!r} is not day or hour")
    heard_posts(ctx, scope, period)
    rows = [
        r
        for r in run_metric(ctx.engine, AUTHOR_COUNTS).to_pylist()
        if scope.kind == "watch" or r["scope"] == scope.id
    ]
    heard = len({(r["network"], r["author_id"]) for r in rows})
    # the loud-minority test takes its top 1% of the period's active authors (DESIGN.md)
    active = run_metric(ctx.engine, ACTIVE_AUTHORS, **period.params()).column("authors")
    population = max(heard, int(active[0].as_py() or 0))
    counts = [
        AuthorCounts(f"{r['network']}:{r['author_id']}", r["positive"], r["negative"],
                     r["neutral"])
        for r in rows
    ]  # fmt: skip
    home = None
    if scope.kind == "organisation":
        org = ctx.config.organisation(scope.id)
        home = org.country if org else None
    elif scope.kind == "leader":
        item = next((x for x in ctx.config.leaders if x.id == scope.id), None)
        org = ctx.config.organisation(item.organisation) if item and item.organisation else None
        home = (item.country if item else None) or (org.country if org else None)
    registry = _registry_countries(ctx)
    profiles = {
        (p["network"], p["account_id"]): p
        for p in run_metric(ctx.engine, AUTHOR_PROFILES).to_pylist()
    }
    for row in rows:
        key = (row["network"], row["author_id"])
        profile = profiles.get(key, {})
        row["country"] = (
            registry.get(key)
            or tld_country(row["author_id"] if row["network"] == "mastodon" else None,
                           profile.get("url"))
            or "unknown"
        )  # fmt: skip
        row["place"] = (
            "unknown" if row["country"] == "unknown" or home is None
            else ("local" if row["country"] == home else "global")
        )  # fmt: skip
    series = [
        {"bucket": r["bucket"].isoformat(), "posts": r["posts"], "authors": r["authors"]}
        for r in sorted(
            run_metric(ctx.engine, SERIES, bucket=bucket).to_pylist(), key=lambda r: r["bucket"]
        )
        if scope.kind == "watch" or r["scope"] == scope.id
    ]
    followers = {
        (r["network"], r["account_id"]): r["followers"]
        for r in run_metric(ctx.engine, AUTHOR_FOLLOWERS, until=period.until).to_pylist()
    }
    posts = [
        r
        for r in run_metric(ctx.engine, TOP_POSTS, **period.params()).to_pylist()
        if scope.kind == "watch" or r["scope"] == scope.id
    ]
    posts.sort(key=lambda r: (-int(r["engagement"]), r["uri"]))
    by_author: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["network"], row["author_id"])
        entry = by_author.setdefault(
            key, {"network": key[0], "account": key[1], "posts": 0, "classes": defaultdict(int)}
        )
        entry["posts"] += row["posts"]
        entry["classes"][row["stakeholder"]] += row["posts"]
    top_authors = sorted(by_author.values(), key=lambda e: (-e["posts"], e["account"]))[:top]
    out: dict[str, Any] = {
        "scope": {"kind": scope.kind, "id": scope.id},
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "volume": {"posts": sum(r["posts"] for r in rows), "authors": heard},
        "net_sentiment": _summary_json(counts, population, cap),
        "series": series,
        "by_stakeholder": _group(rows, "stakeholder"),
        "by_language": _group(rows, "language"),
        "by_country": _group(rows, "country"),
        "local_global": {"home_country": home, "groups": _group(rows, "place")},
        "top_posts": [
            {
                "uri": p["uri"],
                "network": p["network"],
                "author": p["handle"] or p["author_id"],
                "created_at": p["created_at"].isoformat(),
                "text": p["text"],
                "engagement": int(p["engagement"]),
                "sentiment": p["sentiment"],
                "stakeholder": p["stakeholder"],
            }
            for p in posts[:top]
        ],
        "top_authors": [
            {
                "network": e["network"],
                "account": e["account"],
                "handle": profiles.get((e["network"], e["account"]), {}).get("handle"),
                "posts": e["posts"],
                "stakeholder": max(e["classes"].items(), key=lambda kv: (kv[1], kv[0]))[0],
                "followers": followers.get((e["network"], e["account"])),
            }
            for e in top_authors
        ],
        "share_of_voice": share_of_voice(ctx, scope, period) if scope.kind == "organisation"
        else [],
    }  # fmt: skip
    if scope.kind == "organisation" and not out["share_of_voice"]:
        out["share_of_voice_reason"] = (
            "not enough data: the organisation has no competitors in veille.toml"
        )
    if not rows:
        out["reason"] = "not enough data: nothing heard in this period"
    return out


def share_of_voice(ctx: AnalyticsContext, scope: Scope, period: Period) -> list[dict[str, Any]]:
    """The share of voice of each organisation of ``scope``'s competitor set (itself and
    its competitors), in posts and distinct authors. Needs ``listening_posts`` of every
    organisation over ``period`` (``heard_posts`` of an organisation scope)."""
    org = ctx.config.organisation(scope.id)
    if org is None or not org.competitors:
        return []
    members = [org.id, *[c for c in org.competitors if c != org.id]]
    rows = run_metric(ctx.engine, AUTHOR_COUNTS).to_pylist()
    posts = {m: 0 for m in members}
    authors: dict[str, set[tuple[str, str]]] = {m: set() for m in members}
    for row in rows:
        if row["scope"] in posts:
            posts[row["scope"]] += row["posts"]
            authors[row["scope"]].add((row["network"], row["author_id"]))
    total_posts = sum(posts.values())
    total_authors = sum(len(a) for a in authors.values())
    return [
        {
            "organisation": m,
            "posts": posts[m],
            "authors": len(authors[m]),
            "posts_share": posts[m] / total_posts if total_posts else None,
            "authors_share": len(authors[m]) / total_authors if total_authors else None,
        }
        for m in members
    ]
