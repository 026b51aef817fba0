"""RSS and Atom: blogs, comment feeds and news-search feeds, live (``rss``) and from local
files (``rss-file``).

Raw item: one fetched feed document, exactly as it arrived::

    {"feed_url": ..., "fetched_at": ISO time, "status": 200, "etag": ..., "last_modified": ...,
     "content_type": HTTP Content-Type or null, "body": "<?xml ..." | "body_base64": "..."}

``to_records`` parses it with feedparser and gives one ``Post`` (network ``web``) per entry,
plus one ``Account`` for the feed. Choices (documented in docs/sources.md):

- ``uri`` = feed URL + ``#`` + the entry's guid (``id``/``guid``), or its link when it has no
  guid, or a hash of title and date when it has neither. The guid is what the feed itself
  promises stable; the feed URL in front keeps two feeds' guids apart.
- ``author_id`` = the feed URL (it is what ``accounts.web`` lists in veille.toml), except in
  aggregator feeds (Google News...) where an entry names its ``<source>``: then the source
  site's URL, so that share of voice counts publishers, not the aggregator.
- ``text`` = title, a blank line, and the summary, each read by its declared content type:
  HTML (sanitised by feedparser: no script or style) through an HTML parser
  (``veille.sources.htmltext``), plain text as it is; ``urls`` = [link].
- the bytes go to feedparser untouched (``body`` when they are UTF-8, ``body_base64``
  otherwise), so that its encoding detection reads byte-order marks and declarations; bytes
  that declare nothing and are not UTF-8 get an encoding from charset-normalizer.
- ``created_at`` = the entry's date, else the feed's, else the time collected;
  ``dated_by`` says which (``entry``, ``feed``, ``collected``).

Conditional GET: the cursor is a JSON object ``{feed_url: {"etag", "last_modified"}}``; an
unchanged feed answers 304 and costs nothing. The store is idempotent on ``uri``, so a
feed that is fetched again (entries seen before) writes nothing twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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
    SourceFailure,
    SourceSettings,
    excerpt,
    fetch_failure,
)
from veille.sources.htmltext import html_to_text, plain_text
from veille.sources.http import HttpError, PoliteClient
from veille.sources.io.containers import walk_files

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


def strip_html(text: str) -> str:
    """Plain text of an HTML fragment (an HTML parser: ``veille.sources.htmltext``)."""
    return html_to_text(text)


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


def feed_bytes(raw: dict[str, Any], where: str) -> bytes:
    """The feed document's bytes, exactly as they arrived: ``body`` (text, when the bytes
    were valid UTF-8) or ``body_base64`` (any other bytes: UTF-16, legacy encodings...)."""
    encoded = raw.get("body_base64")
    if isinstance(encoded, str):
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MappingError(f"{where}: field 'body_base64' is not base64 ({exc})") from None
    body = raw.get("body")
    if not isinstance(body, str):
        raise MappingError(f"{where}: field 'body' missing or not a string")
    return body.encode("utf-8", "surrogatepass")


def body_fields(content: bytes) -> dict[str, str]:
    """How a raw item keeps ``content`` exactly: as text when it is valid UTF-8 (readable in
    the raw log), else base64. Nothing is decoded for feedparser: it gets the bytes back."""
    try:
        return {"body": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(content).decode("ascii")}


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*['"]([A-Za-z0-9._:-]+)['"]""")


def guessed_charset(content: bytes, content_type: str | None) -> str | None:
    """An encoding for bytes that say nothing of their own: no byte-order mark, no XML
    declaration, no HTTP charset, and not valid UTF-8. feedparser would then try
    windows-1252 blindly; charset-normalizer looks at the bytes. ``None`` otherwise."""
    if content.startswith(_BOMS) or (content_type and "charset=" in content_type.lower()):
        return None
    if _DECLARED.match(content[:512]):
        return None
    try:
        content.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(content[:200_000]).best()
    return best.encoding if best is not None else None


def _headers(content: bytes, content_type: str | None) -> dict[str, str]:
    guess = guessed_charset(content, content_type)
    if guess is not None:
        base = (content_type or "application/xml").split(";")[0].strip() or "application/xml"
        return {"content-type": f"{base}; charset={guess}"}
    return {"content-type": content_type} if content_type else {}


def _text(detail: Any, fallback: Any = "") -> str:
    """Plain text of a feedparser text construct, by its declared content type: HTML
    (sanitised by feedparser) through the HTML parser, plain text as it is."""
    if isinstance(detail, dict) and "value" in detail:
        value = str(detail.get("value") or "")
        kind = str(detail.get("type") or "text/html").lower()
        return html_to_text(value) if "html" in kind else plain_text(value)
    return html_to_text(str(fallback or ""))


def is_feed(parsed: Any) -> bool:
    """Whether feedparser recognised an RSS, Atom or CDF document (``version`` set): an
    empty file or an HTML page is not a feed, whatever feedparser salvaged from it."""
    return bool(parsed.get("version"))


def parse_feed(raw: dict[str, Any], where: str) -> list[Record]:
    """Canonical records of one fetched feed document (see the module docstring)."""
    if not isinstance(raw.get("feed_url"), str):
        raise MappingError(f"{where}: field 'feed_url' missing or not a string")
    feed_url: str = raw["feed_url"]
    fetched_at = parse_time(raw.get("fetched_at")) or utcnow()
    content = feed_bytes(raw, where)
    content_type = raw.get("content_type") if isinstance(raw.get("content_type"), str) else None
    parsed = feedparser.parse(
        io.BytesIO(content),
        response_headers=_headers(content, content_type),
        sanitize_html=True,
        resolve_relative_uris=False,
    )
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    if not is_feed(parsed):
        error = parsed.get("bozo_exception") or "no rss, feed or rdf element"
        if not content.strip():
            error = "empty document"
        raise MappingError(t("rss.not_feed", where=where, error=str(error)[:200]))
    if feed_url.startswith("file:"):
        feed_url = _self_link(feed) or feed_url
    feed_lang = _lang(feed.get("language"))
    feed_date = _time(feed.get("updated_parsed")) or _time(feed.get("published_parsed"))
    records: list[Record] = [
        Account(
            network="web",
            account_id=feed_url,
            handle=feed_url,
            display_name=_text(feed.get("title_detail"), feed.get("title")) or None,
            bio=_text(feed.get("subtitle_detail"), feed.get("subtitle")) or None,
            url=feed.get("link") or None,
            first_seen=fetched_at,
        )
    ]
    for entry in entries:
        link = entry.get("link") or None
        guid = entry.get("id") or None
        title = _text(entry.get("title_detail"), entry.get("title"))
        summary_text = _text(entry.get("summary_detail"), entry.get("summary"))
        if not summary_text and entry.get("content"):
            summary_text = _text(entry["content"][0])
        created, dated_by = entry_date(entry, feed_date, fetched_at)
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
                dated_by=dated_by,
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


def entry_date(
    entry: Any, feed_date: datetime | None, fetched_at: datetime
) -> tuple[datetime, str]:
    """When an entry was written, and what says so: its own ``published``/``updated``
    (``"entry"``), else the feed's ``lastBuildDate``/``updated``/``pubDate`` (``"feed"``),
    else the time it was collected (``"collected"``); never a file's modification time."""
    own = _time(entry.get("published_parsed")) or _time(entry.get("updated_parsed"))
    if own is not None:
        return own, "entry"
    if feed_date is not None:
        return feed_date, "feed"
    return fetched_at, "collected"


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
            yield fetch_failure(self.id, where, exc)
            return
        if response.status_code == 304:
            return
        if response.status_code != 200:
            # the feed could not be fetched: the source's failure, not bad data
            yield SourceFailure(
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
            "content_type": response.headers.get("content-type"),
            **body_fields(content),
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


class RssFileImporter(Importer):
    """``veille import rss-file FEED.xml...``: local RSS/Atom files, mapped like live ones."""

    id: ClassVar[str] = "rss-file"
    network: ClassVar[str] = "web"
    description: ClassVar[str] = "Local RSS/Atom files"

    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        files = [path]
        if path.is_dir():
            files, problems = walk_files(path, self.id)
            yield from problems
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
            if not content.strip():
                yield Reject(
                    source=self.id,
                    origin=where,
                    reason=t("rss.not_feed", where=where, error="empty file"),
                )
                continue
            fetched_at = utcnow()  # the time collected: a file's mtime dates nothing
            item = {
                "feed_url": file.resolve().as_uri(),
                "fetched_at": fetched_at.isoformat(),
                "status": 200,
                "etag": None,
                "last_modified": None,
                **body_fields(content),
            }
            yield RawItem.of(self.id, where, item, received_at=fetched_at)

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        return RssConnector.to_records(raw)


CONNECTORS: list[type[Connector]] = [RssConnector, RssFileImporter]
