"""Mastodon Status and Account entities (API JSON), from files.

Input: JSON files (an array of statuses or accounts as the API returns them, one entity, a
notification list, a search result ``{"accounts", "statuses"}``, a thread context
``{"ancestors", "descendants"}``) or JSONL (one such value per line). Each value (array
element, line) is one raw item. ``map_status`` and ``map_account`` are also used by the live
Mastodon connectors.

Keys and the instance question:

- Post URI: the status ``uri`` (its ActivityPub id, the same on every instance).
- Account id: ``username@domain``, lowercased. ``acct`` has the domain for remote accounts;
  a local account's ``acct`` is a bare username, and its domain is the instance the data
  came from: the ``instance`` argument (the live connector knows it; for files, the
  ``instance`` option), else the host of the account's profile ``url``. On instances whose
  handle domain differs from their web domain (``LOCAL_DOMAIN`` != ``WEB_DOMAIN``) this
  gives the web domain; veille does not call WebFinger to find out.
- ``in_reply_to_id`` is the parent's id *on the instance the data came from*, not its URI.
  When the status replies to its own author and its URI ends with its id (a local status,
  the common case of a thread), the parent's URI is exact: the same URI with the parent's
  id. Otherwise ``reply_to`` is ``https://{instance}/api/v1/statuses/{in_reply_to_id}``, a
  locator that resolves to the parent (whose ``uri`` is the key) but is not itself a post
  key: once the parent is stored, before or after the reply, the store replaces the
  locator by the parent's URI (``store/post_updates.py``). A file imported without the
  ``instance`` option takes the instance of its local accounts (``acct`` without a domain)
  when they agree; without any (a file of remote statuses only) the parent cannot be named
  and ``reply_to`` stays empty. Mastodon gives no thread root: ``reply_root`` stays empty.
- A boost (``reblog``) is a repost ``Post`` (its own ``uri``, ``repost_of`` = the boosted
  status's ``uri``, no text) plus the boosted status itself. A quote (Mastodon 4.4
  ``quote.quoted_status``) sets ``quote_of`` and maps the quoted status too.

Text: the HTML ``content`` as plain text (paragraphs separated by a blank line, ``<br>`` as
a line break, entities unescaped, the hidden parts of shortened links kept so URLs are
whole); a content warning (``spoiler_text``) comes first, followed by a blank line.
Mentions are account ids as above, hashtags the tag names, URLs the links of the content
(not mentions or hashtags) and the preview card's URL. Counts (favourites, boosts, replies,
quotes) give a ``PostMetrics``; the account's counts an ``AccountSnapshot``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import msgspec
from pydantic import BaseModel, ConfigDict, Field, field_validator

from veille.i18n import register, t
from veille.model import Account, AccountSnapshot, Post, PostMetrics, Record, utcnow
from veille.sources.base import MAX_ITEM_BYTES, Importer, MappingError, RawItem, Reject
from veille.sources.io.members import iter_json_items, jsonl_members
from veille.sources.values import (
    as_dict,
    as_list,
    decode_json,
    embed_json,
    exact_int,
    nonempty_str,
    time_of,
)

register(
    {
        "mastodon_file.not_entity": (
            "ni un statut, ni un compte, ni une notification, ni un résultat de recherche,"
            " ni un contexte Mastodon (clés : {keys})",
            "neither a Mastodon status, account, notification, search result nor context"
            " (keys: {keys})",
        ),
        "mastodon_file.bad_status": (
            "statut Mastodon invalide : {error}",
            "invalid Mastodon status: {error}",
        ),
        "mastodon_file.bad_account": (
            "compte Mastodon invalide : {error}",
            "invalid Mastodon account: {error}",
        ),
    }
)

NETWORK = "mastodon"
#: How deep boosts/quotes of quotes are followed.
MAX_NESTING = 8


# --------------------------------------------------------------------------- HTML


class _TextParser(HTMLParser):
    """Plain text of Mastodon's status HTML, and the links that are not mentions/tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            if self.paragraphs:
                self.parts.append("\n\n")
            self.paragraphs += 1
        elif tag in ("li", "blockquote", "pre") and self.parts:
            self.parts.append("\n")
        elif tag == "a":
            values = dict(attrs)
            href = values.get("href")
            classes = (values.get("class") or "").split()
            if (
                href
                and "mention" not in classes
                and "hashtag" not in classes
                and values.get("rel") != "tag"
                and href.startswith(("http://", "https://"))
                and href not in self.links
            ):
                self.links.append(href)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


_TAGLESS = re.compile(r"[<&]")


def html_to_text(html: str) -> tuple[str, list[str]]:
    """Plain text of a Mastodon HTML fragment, and its links (not mentions or hashtags)."""
    if not _TAGLESS.search(html):
        return html, []
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip(), parser.links


# --------------------------------------------------------------------------- ids


def host_of(value: str | None) -> str | None:
    """``mastodon.social`` for ``https://mastodon.social/@x``, ``mastodon.social`` or
    ``https://mastodon.social``; ``None`` when there is no host."""
    if not value:
        return None
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        host = urlsplit(text).netloc.lower()
    except ValueError:
        return None
    host = host.rsplit("@", 1)[-1]
    return host or None


def account_id(acct: str, domain: str | None) -> str | None:
    """``user@domain`` (lowercase) from an ``acct`` (``user`` or ``user@domain``)."""
    acct = acct.strip().lstrip("@")
    if not acct:
        return None
    if "@" in acct:
        user, _, host = acct.partition("@")
        return f"{user}@{host}".lower() if user and host else None
    return f"{acct}@{domain}".lower() if domain else None


def _account_key(account: dict[str, Any], instance: str | None) -> str | None:
    acct = nonempty_str(account.get("acct")) or nonempty_str(account.get("username"))
    if acct is None:
        return None
    domain = (
        instance
        or host_of(nonempty_str(account.get("url")))
        or host_of(nonempty_str(account.get("uri")))
    )
    return account_id(acct, domain)


# --------------------------------------------------------------------------- mapping


def map_account(
    account: dict[str, Any], instance: str | None, observed_at: datetime
) -> list[Record]:
    """``Account`` and ``AccountSnapshot`` of a Mastodon Account entity. ``instance`` is the
    instance the entity came from (host or base URL; ``None`` when unknown)."""
    if not isinstance(account, dict):
        raise MappingError(t("mastodon_file.bad_account", error="not an object"))
    key = _account_key(account, host_of(instance))
    if key is None:
        raise MappingError(t("mastodon_file.bad_account", error="no acct/username with a domain"))
    user, _, domain = key.partition("@")
    username = nonempty_str(account.get("username")) or user
    bio, _links = html_to_text(nonempty_str(account.get("note")) or "")
    records: list[Record] = [
        Account(
            network=NETWORK,
            account_id=key,
            handle=f"{username}@{domain}",
            display_name=nonempty_str(account.get("display_name")),
            bio=bio or None,
            url=nonempty_str(account.get("url")),
            created_at=time_of(account.get("created_at")),
            first_seen=observed_at,
        )
    ]
    if any(k in account for k in ("followers_count", "following_count", "statuses_count")):
        records.append(
            AccountSnapshot(
                network=NETWORK,
                account_id=key,
                observed_at=observed_at,
                followers=exact_int(account.get("followers_count")),
                following=exact_int(account.get("following_count")),
                posts=exact_int(account.get("statuses_count")),
            )
        )
    return records


def base_of(value: str | None) -> str | None:
    """``scheme://host`` of an instance given as a host (``https`` then) or a base URL
    (``http://localhost:3000`` keeps its scheme and port)."""
    host = host_of(value)
    if host is None:
        return None
    scheme = "https"
    text = (value or "").strip()
    if "://" in text:
        scheme = text.split("://", 1)[0].lower() or "https"
    return f"{scheme}://{host}"


def _id_of(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else None


def _reply_to(
    status: dict[str, Any],
    author: dict[str, Any],
    base: str | None,
    parents: Mapping[str, str],
) -> str | None:
    """The parent's URI: from statuses of the same response (``parents``: id -> uri), else
    exact for a self-reply to a local status, else the API locator on the instance the data
    came from (in its own scheme), else nothing."""
    parent = _id_of(status.get("in_reply_to_id"))
    if parent is None:
        return None
    if parent in parents:
        return parents[parent]
    own_id = str(status.get("id") or "")
    uri = str(status.get("uri") or "")
    if (
        own_id
        and status.get("in_reply_to_account_id") == author.get("id")
        and uri.endswith("/" + own_id)
    ):
        return uri[: -len(own_id)] + parent
    if base is None:
        return None
    return f"{base}/api/v1/statuses/{parent}"


def status_uris(value: Any, into: dict[str, str] | None = None, _depth: int = 0) -> dict[str, str]:
    """``{id: uri}`` of every status held in a Mastodon value (statuses, boosts, quotes,
    notifications, conversations, contexts, lists of them): replies to one of them get
    its URI rather than a locator."""
    found: dict[str, str] = {} if into is None else into
    if _depth > MAX_NESTING * 4:
        return found
    if isinstance(value, list):
        for item in value:
            status_uris(item, found, _depth + 1)
        return found
    if not isinstance(value, dict):
        return found
    if _is_status(value):
        sid, uri = _id_of(value.get("id")), nonempty_str(value.get("uri"))
        if sid and uri:
            found.setdefault(sid, uri)
        for key in ("reblog",):
            status_uris(value.get(key), found, _depth + 1)
        status_uris(as_dict(as_dict(value.get("quote")).get("quoted_status")), found, _depth + 1)
        return found
    for key in (*STATUS_KEYS, *STATUS_LISTS):
        status_uris(value.get(key), found, _depth + 1)
    return found


def map_status(
    status: dict[str, Any],
    instance: str | None,
    observed_at: datetime,
    *,
    source: str = "mastodon",
    parents: Mapping[str, str] | None = None,
    _depth: int = 0,
) -> list[Record]:
    """Records of a Mastodon Status entity: the ``Post``, its ``PostMetrics``, its author's
    ``Account`` (and snapshot), and the same for a boosted or quoted status. ``parents``
    (status id -> URI, on the instance the data came from) names reply parents exactly."""
    known: Mapping[str, str] = parents if parents is not None else status_uris(status)
    if not isinstance(status, dict):
        raise MappingError(t("mastodon_file.bad_status", error="not an object"))
    uri = nonempty_str(status.get("uri"))
    if uri is None:
        raise MappingError(t("mastodon_file.bad_status", error="no uri"))
    author = as_dict(status.get("account"))
    if not author:
        raise MappingError(t("mastodon_file.bad_status", error=f"{uri}: no account"))
    host = host_of(instance)
    author_key = _account_key(author, host)
    if author_key is None:
        raise MappingError(t("mastodon_file.bad_status", error=f"{uri}: account without acct"))
    records = map_account(author, host, observed_at)
    created_at = time_of(status.get("created_at"))
    if created_at is None:
        raise MappingError(t("mastodon_file.bad_status", error=f"{uri}: no readable created_at"))
    post_id = str(status.get("id") or uri.rstrip("/").rsplit("/", 1)[-1])
    # the instance the data came from, for bare accts and reply locators
    local_base = base_of(instance) or (
        base_of(nonempty_str(author.get("url")))
        if "@" not in str(author.get("acct", "@"))
        else None
    )
    reblog = status.get("reblog")
    if isinstance(reblog, dict) and _depth < MAX_NESTING:
        inner = map_status(
            reblog, instance, observed_at, source=source, parents=known, _depth=_depth + 1
        )
        boosted = nonempty_str(reblog.get("uri"))
        records.append(
            Post(
                uri=uri,
                network=NETWORK,
                post_id=post_id,
                author_id=author_key,
                created_at=created_at,
                collected_at=observed_at,
                repost_of=boosted,
                source=source,
            )
        )
        records.extend(inner)
        return records
    quote_of: str | None = None
    quote = as_dict(status.get("quote"))
    quoted = as_dict(quote.get("quoted_status"))
    if quoted and _depth < MAX_NESTING:
        quote_of = nonempty_str(quoted.get("uri"))
        # a quote of a removed or partial status still names it
        with contextlib.suppress(MappingError):
            records.extend(
                map_status(
                    quoted, instance, observed_at, source=source, parents=known, _depth=_depth + 1
                )
            )
    text, links = html_to_text(nonempty_str(status.get("content")) or "")
    spoiler = nonempty_str(status.get("spoiler_text"))
    if spoiler:
        text = f"{spoiler.strip()}\n\n{text}" if text else spoiler.strip()
    mentions: list[str] = []
    for mention in as_list(status.get("mentions")):
        mention = as_dict(mention)
        acct = nonempty_str(mention.get("acct"))
        if acct is None:
            continue
        domain = host or host_of(nonempty_str(mention.get("url")))
        key = account_id(acct, domain)
        if key and key not in mentions:
            mentions.append(key)
    hashtags: list[str] = []
    for tag in as_list(status.get("tags")):
        name = nonempty_str(as_dict(tag).get("name"))
        if name and name not in hashtags:
            hashtags.append(name)
    urls = list(links)
    card_url = nonempty_str(as_dict(status.get("card")).get("url"))
    if card_url and card_url not in urls:
        urls.append(card_url)
    language = nonempty_str(status.get("language"))
    records.append(
        Post(
            uri=uri,
            network=NETWORK,
            post_id=post_id,
            author_id=author_key,
            created_at=created_at,
            collected_at=observed_at,
            text=text,
            lang=language,
            reply_to=_reply_to(status, author, local_base, known),
            quote_of=quote_of,
            mentions=mentions,
            hashtags=hashtags,
            urls=urls,
            source=source,
        )
    )
    if any(k in status for k in ("favourites_count", "reblogs_count", "replies_count")):
        records.append(
            PostMetrics(
                uri=uri,
                observed_at=observed_at,
                likes=exact_int(status.get("favourites_count")),
                reposts=exact_int(status.get("reblogs_count")),
                replies=exact_int(status.get("replies_count")),
                quotes=exact_int(status.get("quotes_count")),
            )
        )
    return records


def _is_status(value: dict[str, Any]) -> bool:
    return "uri" in value and "account" in value and ("content" in value or "reblog" in value)


def _is_account(value: dict[str, Any]) -> bool:
    return "acct" in value and "username" in value and "content" not in value


#: Keys of non-status entities that hold one status (notification, notification request,
#: conversation), a list of statuses (context, search result, grouped notifications), one
#: account or a list of accounts.
STATUS_KEYS = ("status", "last_status")
STATUS_LISTS = ("ancestors", "descendants", "statuses")
ACCOUNT_KEYS = ("account",)
ACCOUNT_LISTS = ("accounts",)


def map_entity(
    value: Any,
    instance: str | None,
    observed_at: datetime,
    *,
    source: str = "mastodon",
    parents: Mapping[str, str] | None = None,
) -> list[Record]:
    """Records of any Mastodon value veille reads from files: a status, an account, or any
    entity that holds statuses or accounts (a notification, a notification request, a
    conversation, a search result, a thread context, grouped notifications), or a list of
    those. Replies to a status of the same value get its URI. A value holding neither a
    status nor an account is a ``MappingError`` naming its keys."""
    known = dict(parents or {})
    status_uris(value, known)
    return _map_entity(value, instance, observed_at, source, known)


def _map_entity(
    value: Any, instance: str | None, observed_at: datetime, source: str, known: dict[str, str]
) -> list[Record]:
    if isinstance(value, list):
        records: list[Record] = []
        for item in value:
            records.extend(_map_entity(item, instance, observed_at, source, known))
        return records
    if not isinstance(value, dict):
        raise MappingError(t("mastodon_file.not_entity", keys=type(value).__name__))
    if _is_status(value):
        return map_status(value, instance, observed_at, source=source, parents=known)
    if _is_account(value):
        return map_account(value, instance, observed_at)
    if "content" in value or "reblog" in value:  # a status without its uri or account
        keys = ", ".join(sorted(str(k) for k in value)[:12])
        raise MappingError(t("mastodon_file.not_entity", keys=keys))
    records = []
    held = 0
    for key in ACCOUNT_KEYS:
        if isinstance(value.get(key), dict):
            held += 1
            records.extend(map_account(value[key], instance, observed_at))
    for key in ACCOUNT_LISTS:
        for item in as_list(value.get(key)):
            if isinstance(item, dict):
                held += 1
                records.extend(map_account(item, instance, observed_at))
    for key in STATUS_KEYS:
        if isinstance(value.get(key), dict):
            held += 1
            records.extend(
                map_status(value[key], instance, observed_at, source=source, parents=known)
            )
    for key in STATUS_LISTS:
        for item in as_list(value.get(key)):
            if isinstance(item, dict):
                held += 1
                records.extend(_map_entity(item, instance, observed_at, source, known))
    if held or any(isinstance(value.get(k), list) for k in (*STATUS_LISTS, *ACCOUNT_LISTS)):
        return records
    keys = ", ".join(sorted(str(k) for k in value)[:12]) or "none"
    raise MappingError(t("mastodon_file.not_entity", keys=keys))


class MastodonImporter(Importer):
    """Import Mastodon API JSON (statuses, accounts) from JSON or JSONL files."""

    id: ClassVar[str] = "mastodon"
    network: ClassVar[str] = NETWORK
    description: ClassVar[str] = (
        "Mastodon statuses and accounts as the API returns them (JSON arrays or JSONL)"
    )

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

        instance: str | None = Field(
            default=None,
            description="The instance the files were fetched from (e.g. mastodon.social): "
            "the domain of local accounts and of reply ids. Default: each account's host.",
        )
        max_item_bytes: int = Field(default=MAX_ITEM_BYTES, gt=0)

        @field_validator("instance")
        @classmethod
        def _host(cls, value: str | None) -> str | None:
            if value is None or not value.strip():
                return None
            host = host_of(value)
            if host is None or "/" in host or " " in host:
                raise ValueError(f"not an instance host: {value!r}")
            # a base URL keeps its scheme (``http://localhost:3000``): locators use it
            return base_of(value) if "://" in value else host

    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        options = self.Options.model_validate(self.options.model_dump())
        received = utcnow()
        for member in jsonl_members(path, self.id):
            if isinstance(member, Reject):
                yield member
                continue
            # first pass: the statuses of the whole file (a timeline lists replies before
            # their parents), so that a reply names its parent's URI, not a locator
            index: dict[str, str] = {}
            hosts: set[str] = set()
            for entry in iter_json_items(member, self.id, max_bytes=options.max_item_bytes):
                if not isinstance(entry, Reject):
                    with contextlib.suppress(MappingError):
                        decoded = decode_json(entry[1])
                        status_uris(decoded, index)
                        local_bases(decoded, hosts)
            # without the option, the instance is that of the file's local accounts (when
            # they agree): replies to statuses not in the file get a locator on it
            instance = options.instance or (hosts.pop() if len(hosts) == 1 else None)
            for entry in iter_json_items(member, self.id, max_bytes=options.max_item_bytes):
                if isinstance(entry, Reject):
                    yield entry
                    continue
                line, value = entry
                origin = f"{member.where}:{line}"
                meta: dict[str, Any] = {"instance": instance} if instance else {}
                with contextlib.suppress(MappingError):
                    decoded = decode_json(value)
                    own = status_uris(decoded)
                    parents = {
                        pid: index[pid]
                        for pid in reply_ids(decoded)
                        if pid in index and pid not in own
                    }
                    if parents:
                        meta["parents"] = parents
                # what ``to_records`` needs travels with the item: it depends on nothing else
                payload = embed_json(meta, "item", value) if meta else msgspec.Raw(value)
                yield RawItem(source=self.id, origin=origin, received_at=received, payload=payload)

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        value = decode_json(raw.payload)
        instance: str | None = None
        parents: dict[str, str] = {}
        if isinstance(value, dict) and "item" in value and set(value) <= _WRAPPER:
            instance = value.get("instance") if isinstance(value.get("instance"), str) else None
            parents = {
                str(k): v for k, v in as_dict(value.get("parents")).items() if isinstance(v, str)
            }
            value = value["item"]
        return map_entity(value, instance, raw.received_at, source=cls.id, parents=parents)


_WRAPPER = frozenset({"instance", "parents", "item"})


def local_bases(value: Any, into: set[str], _depth: int = 0) -> set[str]:
    """The instances (``scheme://host``) of the local accounts (``acct`` without a domain)
    held in a Mastodon value: the instance the value came from."""
    if _depth > MAX_NESTING * 4:
        return into
    if isinstance(value, list):
        for item in value:
            local_bases(item, into, _depth + 1)
    elif isinstance(value, dict):
        acct = value.get("acct")
        if isinstance(acct, str) and acct and "@" not in acct:
            base = base_of(nonempty_str(value.get("url")))
            if base:
                into.add(base)
        for item in value.values():
            if isinstance(item, dict | list):
                local_bases(item, into, _depth + 1)
    return into


def reply_ids(value: Any, _depth: int = 0) -> set[str]:
    """The ``in_reply_to_id`` of every status held in a Mastodon value."""
    found: set[str] = set()
    if _depth > MAX_NESTING * 4:
        return found
    if isinstance(value, list):
        for item in value:
            found |= reply_ids(item, _depth + 1)
    elif isinstance(value, dict):
        parent = _id_of(value.get("in_reply_to_id")) if _is_status(value) else None
        if parent:
            found.add(parent)
        for key in ("reblog", "quote", "quoted_status", *STATUS_KEYS, *STATUS_LISTS):
            found |= reply_ids(value.get(key), _depth + 1)
    return found


CONNECTORS = [MastodonImporter]
