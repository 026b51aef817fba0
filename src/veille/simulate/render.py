"""Rendering of simulated content into wire formats: Bluesky post text with facets (UTF-8
byte offsets), Mastodon status HTML, RSS 2.0 and Atom documents, TOML values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from veille.simulate.ids import iso_s, rfc822

# Kinds of text parts: plain text, a mention of a person (index), a hashtag, a link.
TEXT, MENTION, TAG, LINK = 0, 1, 2, 3

Part = tuple[int, Any]


def esc_html(text: str) -> str:
    """Escape like Mastodon does (apostrophes as ``&#39;``)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def esc_xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def bsky_text(
    parts: Sequence[Part], handles: Sequence[str], dids: Sequence[str], names: Sequence[str]
) -> tuple[str, list[dict[str, Any]]]:
    """The post text and its facets. A mention of someone without a Bluesky account
    becomes their name in plain text."""
    chunks: list[str] = []
    facets: list[dict[str, Any]] = []
    pos = 0
    for kind, value in parts:
        feature: dict[str, Any] | None = None
        if kind == TEXT:
            chunk = value
        elif kind == MENTION:
            handle = handles[value]
            if handle:
                chunk = "@" + handle
                feature = {"$type": "app.bsky.richtext.facet#mention", "did": dids[value]}
            else:
                chunk = names[value]
        elif kind == TAG:
            chunk = "#" + value
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": value}
        else:
            chunk = value
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": value}
        size = len(chunk.encode())
        if feature is not None:
            facets.append(
                {"features": [feature], "index": {"byteEnd": pos + size, "byteStart": pos}}
            )
        chunks.append(chunk)
        pos += size
    return "".join(chunks), facets


@dataclass(slots=True)
class MastoAccountRef:
    """What a Mastodon mention needs to know about the person mentioned."""

    id: str
    username: str
    acct: str
    url: str


def masto_content(
    parts: Sequence[Part],
    accounts: Sequence[MastoAccountRef | None],
    names: Sequence[str],
    view_instance: str,
) -> tuple[str, list[dict[str, str]], list[dict[str, str]]]:
    """Status HTML (``<p>...</p>``), its ``mentions`` and ``tags`` lists."""
    html: list[str] = ["<p>"]
    mentions: list[dict[str, str]] = []
    tags: list[dict[str, str]] = []
    seen_tags: set[str] = set()
    for kind, value in parts:
        if kind == TEXT:
            html.append(esc_html(value))
        elif kind == MENTION:
            acc = accounts[value]
            if acc is None:
                html.append(esc_html(names[value]))
                continue
            html.append(
                f'<span class="h-card" translate="no"><a href="{acc.url}" class="u-url '
                f'mention">@<span>{esc_html(acc.username)}</span></a></span>'
            )
            if all(m["id"] != acc.id for m in mentions):
                mentions.append(
                    {"id": acc.id, "username": acc.username, "url": acc.url, "acct": acc.acct}
                )
        elif kind == TAG:
            name = value.lower()
            url = f"https://{view_instance}/tags/{name}"
            html.append(
                f'<a href="{url}" class="mention hashtag" rel="tag">#<span>'
                f"{esc_html(value)}</span></a>"
            )
            if name not in seen_tags:
                seen_tags.add(name)
                tags.append({"name": name, "url": url})
        else:
            scheme, _, rest = value.partition("://")
            html.append(
                f'<a href="{esc_html(value)}" target="_blank" rel="nofollow noopener" '
                f'translate="no"><span class="invisible">{scheme}://</span><span class="">'
                f'{esc_html(rest)}</span><span class="invisible"></span></a>'
            )
    html.append("</p>")
    return "".join(html), mentions, tags


# ----------------------------------------------------------------------------- feeds


@dataclass(slots=True)
class FeedItem:
    title: str
    link: str
    guid: str
    published_us: int
    summary: str
    author: str
    categories: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Feed:
    """One web feed (a news site, a leader's blog, a company newsroom)."""

    id: str
    format: str  # "rss" | "atom"
    title: str
    site: str
    self_url: str
    lang: str
    description: str
    author: str
    owner: str  # organisation or leader id in the registry
    items: list[FeedItem] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{self.id}.xml"


def render_feed(feed: Feed) -> str:
    """The whole feed document, newest item first. Deterministic: no wall-clock dates."""
    items = sorted(feed.items, key=lambda it: (it.published_us, it.guid), reverse=True)
    if feed.format == "atom":
        return _render_atom(feed, items)
    return _render_rss(feed, items)


def _render_rss(feed: Feed, items: list[FeedItem]) -> str:
    last = rfc822(items[0].published_us) if items else None
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{esc_xml(feed.title)}</title>",
        f"<link>{esc_xml(feed.site)}</link>",
        f"<description>{esc_xml(feed.description)}</description>",
        f"<language>{feed.lang}</language>",
        f'<atom:link href="{esc_xml(feed.self_url)}" rel="self" type="application/rss+xml"/>',
        "<generator>veille simulator</generator>",
    ]
    if last:
        out.append(f"<lastBuildDate>{last}</lastBuildDate>")
    for it in items:
        out.append("<item>")
        out.append(f"<title>{esc_xml(it.title)}</title>")
        out.append(f"<link>{esc_xml(it.link)}</link>")
        out.append(f'<guid isPermaLink="false">{esc_xml(it.guid)}</guid>')
        out.append(f"<pubDate>{rfc822(it.published_us)}</pubDate>")
        if it.author:
            out.append(f"<dc:creator>{esc_xml(it.author)}</dc:creator>")
        for cat in it.categories:
            out.append(f"<category>{esc_xml(cat)}</category>")
        out.append(f"<description>{esc_xml(it.summary)}</description>")
        out.append("</item>")
    out.append("</channel>")
    out.append("</rss>")
    return "\n".join(out) + "\n"


def _render_atom(feed: Feed, items: list[FeedItem]) -> str:
    updated = iso_s(items[0].published_us) if items else "2026-01-01T00:00:00Z"
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{feed.lang}">',
        f"<title>{esc_xml(feed.title)}</title>",
        f"<subtitle>{esc_xml(feed.description)}</subtitle>",
        f"<id>{esc_xml(feed.self_url)}</id>",
        f'<link rel="alternate" type="text/html" href="{esc_xml(feed.site)}"/>',
        f'<link rel="self" type="application/atom+xml" href="{esc_xml(feed.self_url)}"/>',
        f"<updated>{updated}</updated>",
        f"<author><name>{esc_xml(feed.author)}</name></author>",
        "<generator>veille simulator</generator>",
    ]
    for it in items:
        out.append("<entry>")
        out.append(f"<title>{esc_xml(it.title)}</title>")
        out.append(f"<id>{esc_xml(it.guid)}</id>")
        out.append(f'<link rel="alternate" type="text/html" href="{esc_xml(it.link)}"/>')
        out.append(f"<published>{iso_s(it.published_us)}</published>")
        out.append(f"<updated>{iso_s(it.published_us)}</updated>")
        if it.author:
            out.append(f"<author><name>{esc_xml(it.author)}</name></author>")
        for cat in it.categories:
            out.append(f'<category term="{esc_xml(cat)}"/>')
        out.append(f"<summary>{esc_xml(it.summary)}</summary>")
        out.append("</entry>")
    out.append("</feed>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- TOML


def toml_str(value: str) -> str:
    """A TOML string: literal (``'...'``) when that reads better (double quotes inside, no
    apostrophe or control character), else basic with escapes."""
    if (
        '"' in value
        and "'" not in value
        and all(ord(ch) >= 0x20 and ord(ch) != 0x7F for ch in value)
    ):
        return f"'{value}'"
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(value: object) -> str:
    """TOML for a string, bool, int, float, date-like (``isoformat``), list or dict
    (inline table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return str(isoformat())
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_key(key: str) -> str:
    if key and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in key):
        return key
    return toml_str(key)


def toml_table(
    header: str, fields: dict[str, object], comments: dict[str, str] | None = None
) -> str:
    """``[[header]]`` (array of tables) or ``[header]`` with its ``key = value`` lines; an
    optional trailing comment per key."""
    lines = [header]
    for key, value in fields.items():
        if value is None:
            continue
        line = f"{_toml_key(key)} = {toml_value(value)}"
        if comments and key in comments:
            line += f"  # {comments[key]}"
        lines.append(line)
    return "\n".join(lines)
