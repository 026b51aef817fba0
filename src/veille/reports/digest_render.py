"""The digest's outputs under ``data/digests/``: ``DATE.json`` (everything, the feed is
rebuilt from these), ``DATE.html`` (the page), ``DATE.md`` and ``DATE.email.html`` (the
email), and ``feed.atom`` (one entry per day with a digest, newest first).

Every post text and name is escaped (Jinja2 autoescape for HTML; HTML entities and
Markdown escapes for Markdown; feedgen escapes the Atom content), and only ``http(s)``
addresses ever become links: a post holding ``<script>`` or a ``javascript:`` URI shows as
text.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from veille.reports.digest import Digest

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Le digest des dirigeants du {date}",
        "title_cohort": "Le digest des dirigeants du {date} ({cohort})",
        "intro": "Les {n} meilleurs posts du jour des dirigeants suivis, parmi {candidates} "
        "posts originaux : score = écart à la norme de chaque auteur sur 90 jours, plus les "
        "personnes qui ont répondu ; au plus 2 posts par dirigeant, variés.",
        "figures": "{engagement} interactions à {age} h · {repliers} répondants · score {score}",
        "original": "voir le post",
        "feed": "Flux Atom du digest",
        "footer": "Fait par veille.",
        "feed_title": "Digest des dirigeants : {name}",
        "feed_subtitle": "Chaque jour, les meilleurs posts des dirigeants suivis",
    },
    "en": {
        "title": "The leaders' digest of {date}",
        "title_cohort": "The leaders' digest of {date} ({cohort})",
        "intro": "The day's {n} best posts by the tracked leaders, out of {candidates} original "
        "posts: score = distance from each author's own 90-day norm, plus the accounts who "
        "replied; at most 2 posts per leader, kept diverse.",
        "figures": "{engagement} engagements at {age} h · {repliers} repliers · score {score}",
        "original": "see the post",
        "feed": "Atom feed of the digest",
        "footer": "Made by veille.",
        "feed_title": "Leaders' digest: {name}",
        "feed_subtitle": "Every day, the best posts of the tracked leaders",
    },
}

FEED_NAME = "feed.atom"
_SAFE_URL = re.compile(r"^https?://[^\s\"'<>]+$", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+\.)")


def safe_url(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) address, else none (never a ``javascript:``)."""
    return url if url and _SAFE_URL.match(url) else None


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("veille.reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _labels(lang: str) -> dict[str, str]:
    return LABELS["fr" if lang == "fr" else "en"]


def _title(data: dict[str, Any], lang: str) -> str:
    labels = _labels(lang)
    if data.get("cohort"):
        return labels["title_cohort"].format(date=data["date"], cohort=data["cohort"])
    return labels["title"].format(date=data["date"])


def _view(data: dict[str, Any], lang: str) -> dict[str, Any]:
    labels = _labels(lang)
    posts = []
    for p in data["posts"]:
        posts.append(
            {
                **p,
                "url": safe_url(p.get("url")),
                "figures": labels["figures"].format(
                    engagement=f"{p['engagement']:,}",
                    age=f"{p['age_hours']:.0f}",
                    repliers=p["repliers"],
                    score=f"{p['score']:.2f}",
                ),
            }
        )
    return {
        "lang": "fr" if lang == "fr" else "en",
        "title": _title(data, lang),
        "intro": labels["intro"].format(n=len(posts), candidates=data["candidates"]),
        "posts": posts,
        "L": labels,
    }


def render_html(data: dict[str, Any], lang: str, *, feed: str | None = FEED_NAME) -> str:
    return _env().get_template("digest.html.j2").render(**_view(data, lang), feed=feed)


def render_email_html(data: dict[str, Any], lang: str) -> str:
    return _env().get_template("digest_email.html.j2").render(**_view(data, lang))


def md_escape(text: str) -> str:
    """Text safe in Markdown: HTML entities for ``& < >`` and backslashes before the
    characters Markdown reads as syntax."""
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MD_SPECIAL.sub(r"\\\1", html)
    return _MD_LINE_START.sub(_line_start, escaped)


def _line_start(match: re.Match[str]) -> str:
    mark = match.group(2)
    if mark.endswith("."):  # "12." would start a list: "12\."
        return f"{match.group(1)}{mark[:-1]}\\."
    return f"{match.group(1)}\\{mark}"


def render_markdown(data: dict[str, Any], lang: str) -> str:
    view = _view(data, lang)
    lines = [f"# {md_escape(view['title'])}", "", md_escape(view["intro"]), ""]
    for index, p in enumerate(view["posts"], start=1):
        who = md_escape(f"{p['leader_name']} (@{p['author']}, {p['network']})")
        lines.append(f"## {index}. {who}")
        lines.append("")
        lines += [f"> {md_escape(line)}" if line else ">" for line in p["text"].splitlines()]
        lines.append("")
        figures = md_escape(p["figures"])
        link = f" · [{view['L']['original']}](<{p['url']}>)" if p["url"] else ""
        lines.append(figures + link)
        lines.append("")
        lines += [f"- {md_escape(r)}" for r in p["reasons"]]
        lines.append("")
    lines.append(md_escape(view["L"]["footer"]))
    return "\n".join(lines) + "\n"


def render_feed(days: list[dict[str, Any]], lang: str, name: str) -> bytes:
    """The Atom feed: one entry per day with a digest (``days``: DATE.json contents)."""
    from feedgen.feed import FeedGenerator

    labels = _labels(lang)
    feed = FeedGenerator()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "veille"
    feed.id(f"urn:veille:digest:{slug}")
    feed.title(labels["feed_title"].format(name=name))
    feed.subtitle(labels["feed_subtitle"])
    feed.author({"name": "veille"})
    feed.language("fr" if lang == "fr" else "en")
    feed.link(href="index.html", rel="alternate")
    published = [d for d in days if d.get("posts")]
    published.sort(key=lambda d: d["date"])
    latest = datetime(1970, 1, 1, tzinfo=UTC)
    for data in published:
        day = date.fromisoformat(data["date"])
        when = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
        latest = max(latest, when)
        entry = feed.add_entry(order="prepend")
        entry.id(f"urn:veille:digest:{slug}:{data['date']}:{data.get('cohort') or 'all'}")
        entry.title(_title(data, lang))
        entry.updated(when)
        entry.published(when)
        entry.link(href=f"{data['date']}.html", rel="alternate", type="text/html")
        body = _env().get_template("digest_email.html.j2").render(**_view(data, lang))
        entry.content(body.split("<body", 1)[1].split(">", 1)[1].rsplit("</body>", 1)[0],
                      type="html")  # fmt: skip
    feed.updated(latest)
    return bytes(feed.atom_str(pretty=True))


def digest_stem(day: date, cohort: str | None) -> str:
    return day.isoformat() if not cohort else f"{day.isoformat()}.{cohort}"


def write_digest(digest: Digest, out_dir: Path, lang: str, name: str) -> dict[str, Path]:
    """Write the day's files (nothing but the JSON when the day has too few posts) and
    rebuild the feed. Returns the paths written, by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    data = digest.as_dict()
    stem = digest_stem(digest.day, digest.cohort)
    written: dict[str, Path] = {}
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    written["json"] = json_path
    if not digest.published:
        return written
    for kind, suffix, text in (
        ("html", "html", render_html(data, lang)),
        ("markdown", "md", render_markdown(data, lang)),
        ("email", "email.html", render_email_html(data, lang)),
    ):
        path = out_dir / f"{stem}.{suffix}"
        path.write_text(text, "utf-8")
        written[kind] = path
    feed = out_dir / FEED_NAME
    feed.write_bytes(render_feed(load_days(out_dir), lang, name))
    written["feed"] = feed
    return written


def load_days(out_dir: Path) -> list[dict[str, Any]]:
    """Every stored day (``DATE*.json``), skipping files that are not digests."""
    days = []
    for path in sorted(out_dir.glob("????-??-??*.json")):
        if path.name.endswith(".published.json"):
            continue
        try:
            value = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(value, dict) and "date" in value and "posts" in value:
            days.append(value)
    return days
