"""The words of an alert, in French or English: a title, facts, the signal's reasons, a few
sample posts and the dashboard link, as plain text and as HTML (every value from the data is
escaped: a post's text or a term may hold markup). The webhook formats build on these."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from veille.alerts.base import Alert
from veille.i18n import messages_in, t
from veille.i18n import register as register_messages

register_messages(
    {
        "alerts.kind.burst": ("Pic d'activité", "Burst"),
        "alerts.kind.story": ("Histoire émergente", "Emerging story"),
        "alerts.kind.rumour": ("Rumeur", "Rumour"),
        "alerts.kind.bad_buzz": ("Bad buzz", "Bad buzz"),
        "alerts.kind.campaign": ("Campagne coordonnée", "Coordinated campaign"),
        "alerts.title": ("{kind} : {subject}", "{kind}: {subject}"),
        "alerts.title.escalated": (
            "Escalade · {kind} : {subject}",
            "Escalation · {kind}: {subject}",
        ),
        "alerts.title.test": ("[essai] {title}", "[test] {title}"),
        "alerts.no_subject": ("sans terme", "no term"),
        "alerts.summary": (
            "{authors} auteurs distincts, {posts} posts, score {score}",
            "{authors} distinct authors, {posts} posts, score {score}",
        ),
        "alerts.since": ("Vu pour la première fois le {first_seen}", "First seen {first_seen}"),
        "alerts.escalation.score": (
            "Le score est passé de {before} à {after}.",
            "The score went from {before} to {after}.",
        ),
        "alerts.escalation.authors": (
            "Les auteurs distincts sont passés de {before} à {after}.",
            "Distinct authors went from {before} to {after}.",
        ),
        "alerts.escalation.kind": (
            "Le signal est devenu : {after} (c'était : {before}).",
            "The signal is now: {after} (it was: {before}).",
        ),
        "alerts.reasons": ("Pourquoi", "Why"),
        "alerts.concerns": ("Concerne : {items}", "Concerns: {items}"),
        "alerts.posts": ("Posts", "Posts"),
        "alerts.link": ("Voir dans le tableau de bord", "Open in the dashboard"),
        "alerts.footer": (
            "Alerte {alert} · règle {rule} · espace {workspace}",
            "Alert {alert} · rule {rule} · workspace {workspace}",
        ),
        "alerts.fact.kind": ("Type", "Kind"),
        "alerts.fact.authors": ("Auteurs distincts", "Distinct authors"),
        "alerts.fact.posts": ("Posts", "Posts"),
        "alerts.fact.score": ("Score", "Score"),
        "alerts.fact.first_seen": ("Premier signe", "First seen"),
    }
)

#: at most this many sample posts, each cut to this many characters
MAX_POSTS = 3
MAX_POST_CHARS = 280


@dataclass(frozen=True)
class Post:
    text: str
    author: str | None
    url: str | None


def number(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "fr" else text


def when(value: Any) -> str:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return at.strftime("%Y-%m-%d %H:%M UTC") if at.utcoffset() is not None else str(value)


def kind_label(kind: str) -> str:
    key = f"alerts.kind.{kind}"
    try:
        return t(key)
    except KeyError:
        return kind


def subject(alert: Alert) -> str:
    term = alert.signal.get("subject") or alert.signal.get("term")
    return str(term) if term else t("alerts.no_subject")


def title(alert: Alert) -> str:
    with messages_in(alert.lang):
        kind = kind_label(str(alert.signal.get("kind")))
        key = "alerts.title.escalated" if alert.level > 0 else "alerts.title"
        text = t(key, kind=kind, subject=subject(alert))
        return t("alerts.title.test", title=text) if alert.test else text


def summary(alert: Alert) -> str:
    s = alert.signal
    with messages_in(alert.lang):
        return t(
            "alerts.summary",
            authors=int(s.get("authors") or 0),
            posts=int(s.get("posts") or 0),
            score=number(float(s.get("score") or 0.0), alert.lang),
        )


def escalation(alert: Alert) -> str | None:
    """One sentence on what grew, for an escalation."""
    if alert.level == 0 or not alert.escalation:
        return None
    before = alert.previous.get(alert.escalation)
    after = alert.signal.get(alert.escalation)
    with messages_in(alert.lang):
        if alert.escalation == "score":
            before = number(float(before or 0), alert.lang)
            after = number(float(after or 0), alert.lang)
        elif alert.escalation == "kind":
            before, after = kind_label(str(before)), kind_label(str(after))
        return t(f"alerts.escalation.{alert.escalation}", before=before, after=after)


def facts(alert: Alert) -> list[tuple[str, str]]:
    s = alert.signal
    with messages_in(alert.lang):
        return [
            (t("alerts.fact.kind"), kind_label(str(s.get("kind")))),
            (t("alerts.fact.authors"), str(int(s.get("authors") or 0))),
            (t("alerts.fact.posts"), str(int(s.get("posts") or 0))),
            (t("alerts.fact.score"), number(float(s.get("score") or 0.0), alert.lang)),
            (t("alerts.fact.first_seen"), when(s.get("first_seen"))),
        ]


def concerns(alert: Alert) -> list[str]:
    s = alert.signal
    names = s.get("names") or {}
    return [
        str(names.get(item, item))
        for group in ("leaders", "organisations", "watches")
        for item in s.get(group) or ()
    ]


def reasons(alert: Alert) -> list[str]:
    return [str(r) for r in alert.signal.get("reasons") or ()]


def posts(alert: Alert) -> list[Post]:
    """Sample posts of the signal's ``detail`` (``top_posts``, ``sample_posts`` or
    ``posts``: texts, or objects with ``text`` and optionally ``author``/``handle`` and
    ``url``/``uri``)."""
    detail = alert.signal.get("detail") or {}
    items: Any = None
    for key in ("top_posts", "sample_posts", "posts"):
        if isinstance(detail.get(key), list):
            items = detail[key]
            break
    out: list[Post] = []
    for item in items or ():
        if isinstance(item, str):
            text, author, url = item, None, None
        elif isinstance(item, dict) and isinstance(item.get("text"), str):
            text = item["text"]
            author = item.get("handle") or item.get("author")
            url = item.get("url") or item.get("uri")
        else:
            continue
        text = " ".join(text.split())
        if len(text) > MAX_POST_CHARS:
            text = text[: MAX_POST_CHARS - 1] + "…"
        out.append(Post(text, str(author) if author else None, str(url) if url else None))
        if len(out) == MAX_POSTS:
            break
    return out


def footer(alert: Alert) -> str:
    with messages_in(alert.lang):
        return t("alerts.footer", alert=alert.key, rule=alert.rule, workspace=alert.workspace)


def link_label(alert: Alert) -> str:
    with messages_in(alert.lang):
        return t("alerts.link")


def heading(alert: Alert, key: str) -> str:
    with messages_in(alert.lang):
        return t(key)


def colon(alert: Alert, label: str) -> str:
    """``label`` followed by a colon as each language writes it ("Pourquoi :", "Why:")."""
    return f"{label} :" if alert.lang == "fr" else f"{label}:"


def text(alert: Alert) -> str:
    """The alert as plain text (email text part, chat fallbacks)."""
    lines = [title(alert), "", summary(alert)]
    with messages_in(alert.lang):
        lines.append(t("alerts.since", first_seen=when(alert.signal.get("first_seen"))))
    grew = escalation(alert)
    if grew:
        lines.append(grew)
    if concerns(alert):
        with messages_in(alert.lang):
            lines += ["", t("alerts.concerns", items=", ".join(concerns(alert)))]
    if reasons(alert):
        lines += ["", colon(alert, heading(alert, "alerts.reasons"))]
        lines += [f"- {r}" for r in reasons(alert)]
    if posts(alert):
        lines += ["", colon(alert, heading(alert, "alerts.posts"))]
        for post in posts(alert):
            who = f"{colon(alert, post.author)} " if post.author else ""
            lines.append(f"- {who}{post.text}" + (f" ({post.url})" if post.url else ""))
    if alert.url:
        lines += ["", f"{colon(alert, link_label(alert))} {alert.url}"]
    lines += ["", "-- ", footer(alert)]
    return "\n".join(lines) + "\n"


def html_body(alert: Alert) -> str:
    """The alert as a small HTML document (email HTML part); every value is escaped."""

    def e(value: object) -> str:
        return html.escape(str(value), quote=True)

    parts = [
        "<!doctype html>",
        f'<html lang="{e(alert.lang)}"><head><meta charset="utf-8"><title>{e(title(alert))}'
        '</title></head><body style="font-family:sans-serif">',
        f"<h2>{e(title(alert))}</h2>",
        f"<p><strong>{e(summary(alert))}</strong></p>",
    ]
    grew = escalation(alert)
    if grew:
        parts.append(f"<p>{e(grew)}</p>")
    parts.append("<table>")
    for label, value in facts(alert):
        parts.append(f'<tr><th align="left">{e(label)}</th><td>{e(value)}</td></tr>')
    parts.append("</table>")
    if concerns(alert):
        with messages_in(alert.lang):
            parts.append(f"<p>{e(t('alerts.concerns', items=', '.join(concerns(alert))))}</p>")
    if reasons(alert):
        parts.append(f"<h3>{e(heading(alert, 'alerts.reasons'))}</h3><ul>")
        parts += [f"<li>{e(r)}</li>" for r in reasons(alert)]
        parts.append("</ul>")
    if posts(alert):
        parts.append(f"<h3>{e(heading(alert, 'alerts.posts'))}</h3>")
        for post in posts(alert):
            who = f"<strong>{e(post.author)}</strong> " if post.author else ""
            link = f' <a href="{e(post.url)}">↗</a>' if post.url and _web(post.url) else ""
            parts.append(f"<blockquote>{who}{e(post.text)}{link}</blockquote>")
    if alert.url:
        parts.append(f'<p><a href="{e(alert.url)}">{e(link_label(alert))}</a></p>')
    parts.append(f'<p style="color:#777;font-size:small">{e(footer(alert))}</p></body></html>')
    return "\n".join(parts) + "\n"


def _web(url: str) -> bool:
    return url.startswith(("https://", "http://"))
