"""The daily digest of the leaders' best posts (C10), with the digest score of DESIGN.md.

For a day (in the workspace's time zone) and a set of tracked leaders (all, or a cohort):

1. every original post of the day gets its engagement at a fixed age (the metric snapshot
   closest to ``age_hours`` after posting, 24 h by default), so old and new posts compare
   on the same footing (``veille.analytics.digest_sql``);
2. its **score** = z-score of ``ln(1 + engagement)`` against the author's own trailing
   ``baseline_days`` (90) + ``repliers_weight`` x ``ln(1 + distinct repliers)`` (within the
   same age). A post whose author has fewer than ``min_baseline_posts`` scored posts in the
   window, or no spread, or that has no snapshot, is not scored (and says why);
3. the picks: greedy maximal marginal relevance (MMR) over the scored posts above their
   author's norm (score > 0),
   ``lambda * relevance - (1 - lambda) * max similarity to the picks so far`` (relevance
   is the score scaled to 0-1 over the day; similarity the TF-IDF cosine of the texts), at
   most ``per_leader`` (2) posts per leader, ``size`` (10) picks at most;
4. a day with fewer than ``min_posts`` picks gives no digest ("too few posts"), rather
   than a thin one.

Each pick carries its reasons: its engagement against the author's norm, its repliers,
and its distance from the picks before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from veille.analytics.cohort import select_leaders
from veille.analytics.context import AnalyticsContext
from veille.analytics.digest_sql import digest_candidates
from veille.i18n import register, t
from veille.reports.similarity import similarity_matrix
from veille.workspace.config import DigestSection

register(
    {
        "digest.reason.engagement": (
            "{engagement} interactions à {age} h : {z} écarts-types au-dessus de la norme de "
            "l'auteur sur {days} jours (médiane {median}, {n} posts)",
            "{engagement} engagements at {age} h: {z} standard deviations above the author's "
            "{days}-day norm (median {median}, {n} posts)",
        ),
        "digest.reason.engagement_below": (
            "{engagement} interactions à {age} h : {z} écarts-types par rapport à la norme de "
            "l'auteur sur {days} jours (médiane {median}, {n} posts)",
            "{engagement} engagements at {age} h: {z} standard deviations from the author's "
            "{days}-day norm (median {median}, {n} posts)",
        ),
        "digest.reason.repliers": (
            "{n} personnes distinctes ont répondu",
            "{n} distinct accounts replied",
        ),
        "digest.reason.first": ("meilleur score du jour", "best score of the day"),
        "digest.reason.diverse": (
            "différent des choix précédents (similarité maximale {sim})",
            "unlike the earlier picks (highest similarity {sim})",
        ),
        "digest.skip.no_metrics": (
            "aucun relevé d'interactions",
            "no engagement snapshot",
        ),
        "digest.skip.short_baseline": (
            "{n} posts mesurés de l'auteur sur {days} jours (il en faut {need})",
            "{n} measured posts of the author in {days} days ({need} needed)",
        ),
        "digest.skip.flat_baseline": (
            "interactions de l'auteur sans dispersion sur {days} jours",
            "the author's engagement has no spread over {days} days",
        ),
        "digest.skip.below_norm": (
            "score {score} : pas au-dessus de la norme de l'auteur",
            "score {score}: not above the author's norm",
        ),
        "digest.too_few": (
            "{date} : {n} post(s) des dirigeants suivis au-dessus de leur norme (au plus "
            "{per} par dirigeant), il en faut {need} : pas de digest ce jour",
            "{date}: {n} post(s) by the tracked leaders above their own norm (at most {per} "
            "per leader), {need} needed: no digest for this day",
        ),
    }
)


@dataclass(frozen=True)
class Pick:
    """One post of the digest, with its figures and why it was picked."""

    uri: str
    leader: str
    leader_name: str
    network: str
    author: str
    created_at: datetime
    text: str
    url: str | None
    engagement: int
    age_hours: float
    z: float
    repliers: int
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "leader": self.leader,
            "leader_name": self.leader_name,
            "network": self.network,
            "author": self.author,
            "created_at": self.created_at.isoformat(),
            "text": self.text,
            "url": self.url,
            "engagement": self.engagement,
            "age_hours": round(self.age_hours, 2),
            "z": round(self.z, 4),
            "repliers": self.repliers,
            "score": round(self.score, 4),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Digest:
    day: date
    cohort: str | None
    picks: tuple[Pick, ...]
    candidates: int
    scored: int
    skipped: dict[str, str] = field(default_factory=dict)  # uri -> why not scored
    message: str | None = None  # set when the day has too few posts

    @property
    def published(self) -> bool:
        return bool(self.picks)

    def interface(self) -> dict[str, Any]:
        """The reviewers' JSON: ``{"date", "posts": [{"uri", "leader", "score", "reasons"}]}``."""
        return {
            "date": self.day.isoformat(),
            "posts": [
                {"uri": p.uri, "leader": p.leader, "score": round(p.score, 4),
                 "reasons": list(p.reasons)}
                for p in self.picks
            ],
        }  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        """Everything, for ``data/digests/DATE.json`` (the feed is rebuilt from these)."""
        return {
            "date": self.day.isoformat(),
            "cohort": self.cohort,
            "candidates": self.candidates,
            "scored": self.scored,
            "message": self.message,
            "posts": [p.as_dict() for p in self.picks],
        }


def post_url(uri: str, network: str) -> str | None:
    """The web address of a post: bsky.app for an AT-URI, the URI itself when it is an
    http(s) URL (Mastodon status URIs, tweet URLs), else none."""
    if uri.startswith("at://"):
        parts = uri[5:].split("/")
        if len(parts) == 3 and parts[1] == "app.bsky.feed.post":
            return f"https://bsky.app/profile/{parts[0]}/post/{parts[2]}"
        return None
    if uri.startswith(("https://", "http://")):
        return uri
    return None


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The day ``[midnight, next midnight)`` in ``tz``, as aware datetimes."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def build_digest(
    ctx: AnalyticsContext, day: date, *, cohort: str | None = None,
    settings: DigestSection | None = None,
) -> Digest:  # fmt: skip
    """The digest of ``day`` for the tracked leaders (of ``cohort`` when given)."""
    cfg = settings or ctx.config.digest
    cohort = cohort if cohort is not None else cfg.cohort
    leaders = select_leaders(ctx.config, cohort=cohort)
    names = {x.id: x.name for x in leaders}
    since, until = day_bounds(day, ctx.config.workspace.timezone)
    rows = digest_candidates(
        ctx.engine,
        list(names),
        since=since,
        until=until,
        baseline_since=since - timedelta(days=cfg.baseline_days),
        age_hours=cfg.age_hours,
    )
    scored, skipped = score_candidates(rows, cfg)
    eligible = [r for r in scored if r["score"] > 0]
    for row in scored:
        if row["score"] <= 0:
            skipped[row["uri"]] = t("digest.skip.below_norm", score=f"{row['score']:.2f}")
    picks = select(eligible, cfg, names)
    if len(picks) < cfg.min_posts:
        message = t(
            "digest.too_few",
            date=day.isoformat(),
            n=len(picks),
            need=cfg.min_posts,
            per=cfg.per_leader,
        )
        return Digest(day, cohort, (), len(rows), len(scored), skipped, message)
    return Digest(day, cohort, tuple(picks), len(rows), len(scored), skipped)


def score_candidates(
    rows: list[dict[str, Any]], cfg: DigestSection
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The rows that can be scored, each with ``z`` and ``score``; why the others cannot."""
    scored: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    days = cfg.baseline_days
    for row in rows:
        n = int(row["baseline_n"] or 0)
        sd = row["baseline_sd"]
        if row["engagement"] is None:
            skipped[row["uri"]] = t("digest.skip.no_metrics")
        elif n < cfg.min_baseline_posts:
            skipped[row["uri"]] = t(
                "digest.skip.short_baseline", n=n, days=days, need=cfg.min_baseline_posts
            )
        elif sd is None or not math.isfinite(sd) or sd <= 0:
            skipped[row["uri"]] = t("digest.skip.flat_baseline", days=days)
        else:
            z = (float(row["log_engagement"]) - float(row["baseline_mean"])) / float(sd)
            repliers = int(row["repliers"] or 0)
            score = z + cfg.repliers_weight * math.log1p(repliers)
            scored.append({**row, "z": z, "score": score})
    return scored, skipped


def select(scored: list[dict[str, Any]], cfg: DigestSection, names: dict[str, str]) -> list[Pick]:
    """Greedy MMR with at most ``per_leader`` picks per leader."""
    if not scored:
        return []
    sims = similarity_matrix([r["text"] or "" for r in scored])
    values = [r["score"] for r in scored]
    low, high = min(values), max(values)
    relevance = [1.0 if high == low else (v - low) / (high - low) for v in values]
    lam = cfg.mmr_lambda
    chosen: list[int] = []
    per_leader: dict[str, int] = {}
    picks: list[Pick] = []
    while len(chosen) < cfg.size:
        best: tuple[float, float, str, int] | None = None
        for i, row in enumerate(scored):
            if i in chosen or per_leader.get(row["leader"], 0) >= cfg.per_leader:
                continue
            redundancy = max((float(sims[i, j]) for j in chosen), default=0.0)
            value = lam * relevance[i] - (1 - lam) * redundancy
            key = (value, row["score"], row["uri"], i)
            # highest MMR value; ties: higher score, then the smaller URI (deterministic)
            if (
                best is None
                or (key[0], key[1]) > (best[0], best[1])
                or ((key[0], key[1]) == (best[0], best[1]) and key[2] < best[2])
            ):
                best = key
        if best is None:
            break
        i = best[3]
        redundancy = max((float(sims[i, j]) for j in chosen), default=0.0)
        picks.append(_pick(scored[i], cfg, names, first=not chosen, redundancy=redundancy))
        chosen.append(i)
        per_leader[scored[i]["leader"]] = per_leader.get(scored[i]["leader"], 0) + 1
    return picks


def _pick(
    row: dict[str, Any], cfg: DigestSection, names: dict[str, str], *, first: bool,
    redundancy: float,
) -> Pick:  # fmt: skip
    z = float(row["z"])
    engagement = int(row["engagement"])
    values = {
        "engagement": f"{engagement:,}",
        "age": f"{float(row['age_hours']):.0f}",
        "z": f"{z:+.1f}",
        "days": cfg.baseline_days,
        "median": f"{float(row['baseline_median']):g}",
        "n": int(row["baseline_n"]),
    }
    reasons = [t("digest.reason.engagement" if z > 0 else "digest.reason.engagement_below",
                 **values)]  # fmt: skip
    if int(row["repliers"]):
        reasons.append(t("digest.reason.repliers", n=int(row["repliers"])))
    reasons.append(
        t("digest.reason.first") if first else t("digest.reason.diverse", sim=f"{redundancy:.2f}")
    )
    author = row["handle"] or row["author_id"]
    return Pick(
        uri=row["uri"],
        leader=row["leader"],
        leader_name=names.get(row["leader"], row["leader"]),
        network=row["network"],
        author=str(author),
        created_at=row["created_at"],
        text=row["text"] or "",
        url=post_url(row["uri"], row["network"]),
        engagement=engagement,
        age_hours=float(row["age_hours"]),
        z=z,
        repliers=int(row["repliers"]),
        score=float(row["score"]),
        reasons=tuple(reasons),
    )


def digest_entries(state: Any, days: int = 14) -> list[dict[str, Any]]:
    """The picks of the latest stored digests (``data/digests/DATE.json``), newest day
    first, as the dashboard's feed wants them: ``uri``, ``title``, ``url``, ``text``,
    ``created_at``. ``state`` is anything with a ``workspace`` (the web server's state)."""
    import json

    folder = state.workspace.data_dir / "digests"
    items: list[dict[str, Any]] = []
    paths = sorted(
        (p for p in folder.glob("????-??-??*.json") if not p.name.endswith(".published.json")),
        reverse=True,
    )
    for path in paths[:days]:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        for pick in data.get("posts") or []:
            items.append(
                {
                    "uri": pick["uri"],
                    "title": f"{data['date']} · {pick.get('leader_name') or pick['leader']}",
                    "url": pick.get("url"),
                    "text": pick.get("text") or "",
                    "created_at": datetime.fromisoformat(pick["created_at"]),
                }
            )
    return items
