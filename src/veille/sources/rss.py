"""RSS and Atom: blogs, comment feeds and news-search feeds, live (``rss``) and from local
files (``rss-file``).

Raw item: one fetched feed document, exactly as it arrived::

    {"feed_url": ..., "fetched_at": ISO time, "status": 200, "etag": ..., "last_modified": ...,
     "body": "<?xml ...>"}

``to_records`` parses it with feedparser and gives one ``Post`` (network ``web``) per entry,
plus one ``Account`` for the feed. Choices (documented in docs/sources.md):

- ``uri`` = feed URL + ``#`` + the entry's guid (``id``/``guid``), or its link when it has no
  guid, or a hash of title and date when it has neither. The guid is what the feed itself
  promises stable; the feed URL in front keeps two feeds' guids apart.
- ``author_id`` = the feed URL (it is what ``accounts.web`` lists in veille.toml), except in
  aggregator feeds (Google News...) where an entry names its ``<source>``: then the source
  site's URL, so that share of voice counts publishers, not the aggregator.
- ``text`` = title, a blank line, and the summary stripped of HTML; ``urls`` = [link].

Conditional GET: the cursor is a JSON object ``{feed_url: {"etag", "last_modified"}}``; an
unchanged feed answers 304 and costs nothing. The store is idempotent on ``uri``, so a
feed that is fetched again (entries seen before) writes nothing twice.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, cast
from urllib.parse import quote_plus

import feedparser
from pydantic import BaseModel, Field

from veille.i18n import register, t
from veille.model import Account, Post, Record, parse_time, utcnow
from veille.secrets import redact, redact_url
from veille.sources.base import (
    Connector,
    Importer,
    MappingError,
    RawItem,
    Reject,
    SourceContext,
    SourceSettings,
    excerpt,
)
from veille.sources.http import HttpError, PoliteClient

#: Largest feed document accepted (a feed is many posts, so above ``MAX_ITEM_BYTES``).
MAX_FEED_BYTES = 8 * 1024 * 1024

register(
    {
        "rss.not_feed": (
            "{where} : ce n'est pas un flux RSS/Atom lisible ({error})",
            "{where}: not a readable RSS/Atom feed ({error})",
        ),
        "rss.too_big": (
            "{where} : flux trop gros ({size} octets, maximum {limit})",
            "{where}: feed too large ({size} bytes, limit {limit})",
        ),
        "rss.http": ("{where} : HTTP {status}", "{where}: HTTP {status}"),
    }
)


def news_search_url(query: str, *, hl: str = "fr", gl: str = "FR", ceid: str = "FR:fr") -> str:
    """The Google News RSS search feed of ``query`` (French edition by default):
    ``https://news.google.com/rss/search?q=<query>&hl=fr&gl=FR&ceid=FR:fr``. Quote a name
    (``'"Marie Dupont"'``) to search the exact phrase."""
    return (
        f"https://news.google.com/rss/search?q={quote_plus(query)}"
        f"&hl={quote_plus(hl)}&gl={quote_plus(gl)}&ceid={quote_plus(ceid)}"
    )


_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"[ \t\r\f\v]+")
_BLOCK_RE = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6])\b[^>]*>")


def strip_html(text: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, spaces folded."""
    if not text:
        return ""
    text = re.sub(r"\s+", " ", text)  # in HTML a line break in the source is a space
    text = _BLOCK_RE.sub("\n", text)
    text = _TAG_RE.sub("", text)
    text = html.unescape(text)
    lines = [_SPACE_RE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().split("-")[0].split("_")[0].lower()
    return code if 2 <= len(code) <= 3 and code.isalpha() else None


def _time(struct: Any) -> datetime | None:
    if not struct:
        return None
    try:
        y, mo, d, h, mi, se = (int(x) for x in struct[:6])
        return datetime(y, mo, d, h, mi, min(se, 59), tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _self_link(feed: Any) -> str | None:
    for link in feed.get("links", []) or []:
        if link.get("rel") == "self" and link.get("href"):
            return str(link["href"])
    return None


def parse_feed(raw: dict[str, Any], where: str) -> list[Record]:
    """Canonical records of one fetched feed document (see the module docstring)."""
    for key in ("feed_url", "body"):
        if not isinstance(raw.get(key), str):
            raise MappingError(f"{where}: field '{key}' missing or not a string")
    feed_url: str = raw["feed_url"]
    fetched_at = parse_time(raw.get("fetched_at")) or utcnow()
    body: str = raw["body"]
    parsed = feedparser.parse(
        io.BytesIO(body.encode("utf-8", "surrogatepass")),
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    if parsed.get("bozo") and not entries and not feed.get("title"):
        error = parsed.get("bozo_exception", "no feed element")
        raise MappingError(t("rss.not_feed", where=where, error=str(error)[:200]))
    if feed_url.startswith("file:"):
        feed_url = _self_link(feed) or feed_url
    feed_lang = _lang(feed.get("language"))
    records: list[Record] = [
        Account(
            network="web",
            account_id=feed_url,
            handle=feed_url,
            display_name=strip_html(feed.get("title", "")) or None,
            bio=strip_html(feed.get("subtitle", "")) or None,
            url=feed.get("link") or None,
            first_seen=fetched_at,
        )
    ]
    for entry in entries:
        link = entry.get("link") or None
        guid = entry.get("id") or None
        title = strip_html(entry.get("title", ""))
        summary = str(entry.get("summary") or "")
        if not summary and entry.get("content"):
            summary = str(entry["content"][0].get("value") or "")
        summary_text = strip_html(summary)
        created = (
            _time(entry.get("published_parsed")) or _time(entry.get("updated_parsed")) or fetched_at
        )
        key = str(guid or link) if (guid or link) else ""
        if not key:
            if not title and not summary_text:
                continue  # an empty entry says nothing
            digest = hashlib.sha256(f"{title}\x00{created.isoformat()}".encode()).hexdigest()
            key = "sha256:" + digest[:32]
        source = entry.get("source") or {}
        author_id = source.get("href") or source.get("link") or feed_url
        text = title if not summary_text or summary_text == title else f"{title}\n\n{summary_text}"
        records.append(
            Post(
                uri=f"{feed_url}#{key}",
                network="web",
                post_id=str(key),
                author_id=str(author_id),
                created_at=created,
                collected_at=fetched_at,
                text=text.strip() or None,
                lang=_lang(entry.get("language")) or feed_lang,
                urls=[link] if link else [],
                source="rss",
            )
        )
    return records


class RssSettings(SourceSettings):
    """``[sources.rss]`` in ``veille.toml``."""

    feeds: list[str] = Field(default=[], description="Feed URLs (RSS or Atom).")
    news_queries: list[str] = Field(
        default=[], description="Names, each searched in a Google News RSS feed."
    )
    news_language: str = Field(default="fr", description="Language of the news search.")
    news_country: str = Field(default="FR", description="Country edition of the news search.")


class RssOptions(BaseModel):
    feeds: list[str] = Field(default_factory=list, description="Feed URLs (RSS or Atom).")
    news_queries: list[str] = Field(
        default_factory=list,
        description="Names searched in Google News RSS (news_search_url), French edition.",
    )
    news_hl: str = "fr"
    news_gl: str = "FR"
    news_ceid: str = "FR:fr"
    timeout: float = 30.0


class RssConnector(Connector):
    """Polls RSS/Atom feeds with conditional GET."""

    id: ClassVar[str] = "rss"
    kind = "poll"
    network: ClassVar[str] = "web"
    description: ClassVar[str] = "RSS/Atom feeds: blogs, comment feeds, news search feeds"
    Options = RssOptions  # type: ignore[assignment]
    section: ClassVar[str | None] = "rss"
    Settings = RssSettings

    @classmethod
    def wanted(cls, context: SourceContext) -> bool:
        settings = cast(RssSettings, context.settings)
        return settings.enabled and bool(
            settings.feeds or settings.news_queries or context.tracked.get("web")
        )

    @classmethod
    def from_config(cls, context: SourceContext) -> RssConnector:
        settings = cast(RssSettings, context.settings)
        lang, country = settings.news_language, settings.news_country
        feeds = [*settings.feeds, *sorted(context.tracked.get("web", set()))]
        return cls(
            RssOptions(
                feeds=list(dict.fromkeys(feeds)),
                news_queries=list(settings.news_queries),
                news_hl=lang,
                news_gl=country,
                news_ceid=f"{country}:{lang}",
                **context.extra,
            )
        )

    def __init__(
        self, options: BaseModel | None = None, *, client: PoliteClient | None = None
    ) -> None:
        super().__init__(options)
        self.opts: RssOptions = RssOptions.model_validate(self.options.model_dump())
        self.client = client or PoliteClient(timeout=self.opts.timeout)
        self.cursor: str | None = None
        self.validators: dict[str, dict[str, str | None]] = {}

    def urls(self) -> list[str]:
        found = list(self.opts.feeds)
        found += [
            news_search_url(q, hl=self.opts.news_hl, gl=self.opts.news_gl, ceid=self.opts.news_ceid)
            for q in self.opts.news_queries
        ]
        return list(dict.fromkeys(found))

    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        if cursor:
            try:
                loaded = json.loads(cursor)
                if isinstance(loaded, dict):
                    self.validators = {
                        str(k): dict(v) for k, v in loaded.items() if isinstance(v, dict)
                    }
            except ValueError:
                self.validators = {}
        self.cursor = json.dumps(self.validators, sort_keys=True)
        for url in self.urls():
            yield from self.fetch_one(url)

    def fetch_one(self, url: str) -> Iterator[RawItem | Reject]:
        where = redact_url(url)
        headers: dict[str, str] = {}
        known = self.validators.get(url, {})
        if known.get("etag"):
            headers["If-None-Match"] = str(known["etag"])
        if known.get("last_modified"):
            headers["If-Modified-Since"] = str(known["last_modified"])
        try:
            response = self.client.get(url, headers=headers)
        except HttpError as exc:
            yield Reject(source=self.id, origin=where, reason=exc.message)
            return
        if response.status_code == 304:
            return
        if response.status_code != 200:
            yield Reject(
                source=self.id,
                origin=where,
                reason=t("rss.http", where=where, status=response.status_code),
                item=excerpt(redact(response.text), 500),
            )
            return
        content = response.content
        if len(content) > MAX_FEED_BYTES:
            yield Reject(
                source=self.id,
                origin=where,
                reason=t("rss.too_big", where=where, size=len(content), limit=MAX_FEED_BYTES),
            )
            return
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        fetched_at = utcnow()
        item = {
            "feed_url": url,
            "fetched_at": fetched_at.isoformat(),
            "status": response.status_code,
            "etag": etag,
            "last_modified": last_modified,
            "body": _decode(content, response.encoding),
        }
        self.validators[url] = {"etag": etag, "last_modified": last_modified}
        self.cursor = json.dumps(self.validators, sort_keys=True)
        yield RawItem.of(self.id, where, item, received_at=fetched_at)

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        value = raw.value()
        if not isinstance(value, dict):
            raise MappingError(f"{raw.origin}: a feed document must be a JSON object")
        return parse_feed(value, raw.origin)


def _decode(content: bytes, encoding: str | None) -> str:
    """Feed bytes as text. The XML prolog's encoding wins over a missing HTTP charset."""
    head = content[:200]
    match = re.search(rb"encoding=['\"]([A-Za-z0-9._-]+)['\"]", head)
    for candidate in ([match.group(1).decode("ascii")] if match else []) + [encoding or "utf-8"]:
        try:
            text = content.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
        if match:  # the text is decoded now: drop the declaration so nobody decodes twice
            text = re.sub(r"encoding=['\"][A-Za-z0-9._-]+['\"]", 'encoding="utf-8"', text, count=1)
        return text
    return content.decode("utf-8", "replace")


class RssFileImporter(Importer):
    """``veille import rss-file FEED.xml...``: local RSS/Atom files, mapped like live ones."""

    id: ClassVar[str] = "rss-file"
    network: ClassVar[str] = "web"
    description: ClassVar[str] = "Local RSS/Atom files"

    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            where = str(file)
            try:
                size = file.stat().st_size
                if size > MAX_FEED_BYTES:
                    yield Reject(
                        source=self.id,
                        origin=where,
                        reason=t("rss.too_big", where=where, size=size, limit=MAX_FEED_BYTES),
                    )
                    continue
                content = file.read_bytes()
            except OSError as exc:
                yield Reject(source=self.id, origin=where, reason=f"{where}: {exc.strerror}")
                continue
            fetched_at = datetime.fromtimestamp(file.stat().st_mtime, UTC)
            item = {
                "feed_url": file.resolve().as_uri(),
                "fetched_at": fetched_at.isoformat(),
                "status": 200,
                "etag": None,
                "last_modified": None,
                "body": _decode(content, None),
            }
            yield RawItem.of(self.id, where, item, received_at=utcnow())

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        return RssConnector.to_records(raw)


CONNECTORS: list[type[Connector]] = [RssConnector, RssFileImporter]
