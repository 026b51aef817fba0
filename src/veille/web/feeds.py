"""``/digest.atom``: the daily digest as an Atom feed (feedgen). Its entries are the picks
of the latest stored digests (``veille.reports.digest.digest_entries``)."""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from veille.reports.digest import digest_entries
from veille.web.state import ServerState


def digest_atom(state: ServerState, base_url: str) -> bytes:
    feed = FeedGenerator()
    feed.id(f"{base_url}/digest.atom")
    feed.title(f"{state.config.workspace.name}: digest")
    feed.link(href=f"{base_url}/digest", rel="alternate")
    feed.link(href=f"{base_url}/digest.atom", rel="self")
    feed.language(state.config.workspace.language)
    feed.updated(datetime.now(UTC))
    feed.subtitle("The best posts of the tracked leaders")
    for item in digest_entries(state):
        entry = feed.add_entry(order="append")
        entry.id(item["uri"])
        entry.title(item["title"])
        entry.link(href=item.get("url") or item["uri"])
        entry.content(item.get("text") or "", type="text")
        entry.updated(item["created_at"])
    body: bytes = feed.atom_str(pretty=True)
    return body
