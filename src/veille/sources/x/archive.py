"""The X (Twitter) "Download your data" archive, as a zip or an unpacked folder.

Files read (in ``data/``, names matched case-insensitively anywhere in the archive):

- ``manifest.js`` (``window.__THAR_CONFIG = {...}``): the archive's generation date (the
  moment the counts were observed) and the owner, as a fallback for ``account.js``;
- ``account.js`` (``window.YTD.account.part0 = [{"account": {"accountId", "username",
  "accountDisplayName", "createdAt", ...}}]``): the owner of the archive, author of every
  tweet; ``profile.js``: the owner's bio;
- ``tweets.js`` (older archives: ``tweet.js``; large ones add ``tweets-part1.js``...):
  ``window.YTD.tweets.part0 = [{"tweet": {...}}, ...]``, v1.1-like tweet objects
  (``id_str``, ``full_text``, ``created_at`` like ``Wed Oct 10 20:19:24 +0000 2018``,
  ``in_reply_to_status_id_str``, ``entities``, ``favorite_count`` and ``retweet_count`` as
  strings);
- ``deleted-tweets.js``: tweets deleted by the owner, mapped to tombstones only;
- ``follower.js`` / ``following.js``: ``{"follower": {"accountId", "userLink"}}``.

These files are JavaScript assignments of one big JSON array; they are streamed (the prefix
is skipped and the array's elements are parsed one at a time), never loaded whole. Each
element becomes one raw item ``{"kind", "owner": {"id", "username"}, "observed_at",
"item": <the element, untouched>}`` so that ``to_records`` depends on nothing else; e-mail
addresses and other private fields of ``account.js`` are not kept.

Mapping: tweet URIs are ``https://x.com/i/status/{id}`` as in the twitter-v2 importer.
Archives do not say which tweet a retweet repeats: a retweet (``RT @user: ...``) gets
``repost_of = "x-archive:retweet-of:@user"``, which marks it as a repost without naming a
post (``retweeted_status`` is used when present). A quote's target is the
``quoted_status_id_str`` when present, else a trailing link to a tweet. Archives carry no
thread root (``reply_root`` is empty). Counts are observed at the generation date (else when
the file was read). Likes (``like.js``) carry no date and are not imported; long tweets keep
the text of ``tweets.js`` (``note-tweet.js`` is not joined).

Fixtures under ``tests/fixtures/x_archive`` are built from the documented format; no real
archive was available.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any, ClassVar

import msgspec
from pydantic import BaseModel, ConfigDict, Field

from veille.i18n import register, t
from veille.model import (
    Account,
    Follow,
    Post,
    PostMetrics,
    Record,
    Tombstone,
    utcnow,
)
from veille.sources.base import MAX_ITEM_BYTES, Importer, MappingError, RawItem, Reject
from veille.sources.io.containers import Container, Member, open_container
from veille.sources.io.json_values import iter_json_values
from veille.sources.io.streams import READ_ERRORS
from veille.sources.values import (
    as_dict,
    as_list,
    decode_json,
    embed_json,
    int_or_digits,
    nonempty_str,
    numeric_id,
    time_of,
)
from veille.sources.x.api_v2 import clean_lang, profile_url, tweet_uri, unescape_text

register(
    {
        "xa.no_owner": (
            "{where} : propriétaire de l'archive inconnu (ni data/account.js ni manifest.js"
            " lisibles) ; indiquez --option account_id=ID --option username=NOM",
            "{where}: the owner of the archive is unknown (no readable data/account.js or"
            " manifest.js); pass --option account_id=ID --option username=NAME",
        ),
        "xa.no_tweets": (
            "{where} : aucun fichier tweets.js / tweet.js dans l'archive",
            "{where}: no tweets.js / tweet.js file in the archive",
        ),
        "xa.not_js": (
            "{where} : pas un fichier de données X (attendu : window.YTD.<nom>.part0 = [...])",
            "{where}: not an X data file (expected window.YTD.<name>.part0 = [...])",
        ),
        "xa.bad_item": (
            "élément {kind} invalide : {error}",
            "invalid {kind} item: {error}",
        ),
    }
)

NETWORK = "x"
SOURCE = "x-archive"
_PREFIX = re.compile(rb"^\s*window\.[A-Za-z_$][\w$.]*\s*=\s*")
_STATUS_URL = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/[^/]+/status(?:es)?/(\d+)"
)
_RT = re.compile(r"^RT @(\w{1,50}):")

_TWEETS = r"tweets?(?:-part\d+)?\.js"
_DELETED = r"deleted-tweets?(?:-part\d+)?\.js"
_FOLLOWERS = r"follower(?:-part\d+)?\.js"
_FOLLOWING = r"following(?:-part\d+)?\.js"


def _part(member: Member) -> tuple[int, str]:
    """``tweets.js`` first, then ``tweets-part1.js``, ``tweets-part2.js``..."""
    found = re.search(r"-part(\d+)\.js$", member.basename, re.IGNORECASE)
    return (int(found.group(1)) if found else 0, member.name)


class _Unprefixed(io.RawIOBase):
    """A data file with its ``window.YTD... =`` prefix blanked out (same byte offsets, so
    line numbers stay those of the file)."""

    def __init__(self, stream: IO[bytes], head: bytes) -> None:
        self._stream = stream
        self._head = head

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def open_data_file(member: Member) -> IO[bytes] | None:
    """The JSON part of an X data file (``None`` when it does not start with the
    ``window.<name> =`` assignment)."""
    stream = member.open()
    head = stream.read(4096)
    match = _PREFIX.match(head)
    if match is None:
        stream.close()
        return None
    blank = bytes(c if c in b"\r\n" else 32 for c in head[: match.end()])
    return io.BufferedReader(_Unprefixed(stream, blank + head[match.end() :]), 1 << 20)


def map_tweet(tweet: dict[str, Any], owner_id: str, observed_at: datetime) -> list[Record]:
    """Records of one archive tweet of ``owner_id``: the ``Post``, its ``PostMetrics``,
    and ``Account`` records for the users it mentions or replies to."""
    tweet_id = numeric_id(tweet.get("id_str")) or numeric_id(tweet.get("id"))
    if tweet_id is None:
        raise MappingError(t("xa.bad_item", kind="tweet", error="no id_str"))
    created_at = time_of(tweet.get("created_at"))
    if created_at is None:
        raise MappingError(
            t("xa.bad_item", kind="tweet", error=f"{tweet_id}: no readable created_at")
        )
    text = unescape_text(
        nonempty_str(tweet.get("full_text")) or nonempty_str(tweet.get("text")) or ""
    )
    entities = as_dict(tweet.get("entities"))
    records: list[Record] = []
    mentions: list[str] = []
    for mention in as_list(entities.get("user_mentions")):
        mention = as_dict(mention)
        user_id = numeric_id(mention.get("id_str")) or numeric_id(mention.get("id"))
        name = nonempty_str(mention.get("screen_name"))
        who = user_id or (name.lower() if name else None)
        if who and who not in mentions:
            mentions.append(who)
            if user_id and name:
                records.append(
                    Account(
                        network=NETWORK,
                        account_id=user_id,
                        handle=name,
                        display_name=nonempty_str(mention.get("name")),
                        url=profile_url(name),
                    )
                )
    hashtags: list[str] = []
    for tag in as_list(entities.get("hashtags")):
        name = nonempty_str(as_dict(tag).get("text"))
        if name and name not in hashtags:
            hashtags.append(name)
    urls: list[str] = []
    for link in as_list(entities.get("urls")):
        url = nonempty_str(as_dict(link).get("expanded_url")) or nonempty_str(
            as_dict(link).get("url")
        )
        if url and url not in urls:
            urls.append(url)
    reply_parent = numeric_id(tweet.get("in_reply_to_status_id_str")) or numeric_id(
        tweet.get("in_reply_to_status_id")
    )
    replied_user = numeric_id(tweet.get("in_reply_to_user_id_str"))
    replied_name = nonempty_str(tweet.get("in_reply_to_screen_name"))
    known = {r.account_id for r in records if isinstance(r, Account)}
    if replied_user and replied_name and replied_user != owner_id and replied_user not in known:
        records.append(
            Account(
                network=NETWORK,
                account_id=replied_user,
                handle=replied_name,
                url=profile_url(replied_name),
            )
        )
    repost_of: str | None = None
    retweeted = as_dict(tweet.get("retweeted_status"))
    retweeted_id = numeric_id(retweeted.get("id_str")) or numeric_id(retweeted.get("id"))
    if retweeted_id:
        repost_of = tweet_uri(retweeted_id)
    else:
        match = _RT.match(text)
        if match:
            repost_of = f"x-archive:retweet-of:@{match.group(1)}"
    quote_of: str | None = None
    quoted = numeric_id(tweet.get("quoted_status_id_str"))
    if quoted:
        quote_of = tweet_uri(quoted)
    elif urls and not repost_of:
        match = _STATUS_URL.match(urls[-1])
        if match and match.group(1) != tweet_id:
            quote_of = tweet_uri(match.group(1))
    uri = tweet_uri(tweet_id)
    records.append(
        Post(
            uri=uri,
            network=NETWORK,
            post_id=tweet_id,
            author_id=owner_id,
            created_at=created_at,
            collected_at=observed_at,
            text=None if repost_of else text,
            lang=clean_lang(tweet.get("lang")),
            reply_to=tweet_uri(reply_parent) if reply_parent else None,
            quote_of=quote_of,
            repost_of=repost_of,
            mentions=mentions,
            hashtags=hashtags,
            urls=urls,
            source=SOURCE,
        )
    )
    if not repost_of and ("favorite_count" in tweet or "retweet_count" in tweet):
        records.append(
            PostMetrics(
                uri=uri,
                observed_at=observed_at,
                likes=int_or_digits(tweet.get("favorite_count")),
                reposts=int_or_digits(tweet.get("retweet_count")),
            )
        )
    return records


def map_item(value: Any, received_at: datetime) -> list[Record]:
    """Records of one raw item of this importer (see the module docstring)."""
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        raise MappingError(t("xa.bad_item", kind="?", error="not an x-archive item"))
    kind: str = value["kind"]
    owner = as_dict(value.get("owner"))
    owner_id = numeric_id(owner.get("id"))
    if owner_id is None:
        raise MappingError(t("xa.bad_item", kind=kind, error="no owner id"))
    observed = value.get("observed_at")
    observed_at = time_of(observed) or received_at
    item = as_dict(value.get("item"))
    if kind == "tweet":
        tweet = as_dict(item.get("tweet")) or item
        return map_tweet(tweet, owner_id, observed_at)
    if kind == "deleted_tweet":
        tweet = as_dict(item.get("tweet")) or item
        tweet_id = numeric_id(tweet.get("id_str")) or numeric_id(tweet.get("id"))
        if tweet_id is None:
            raise MappingError(t("xa.bad_item", kind=kind, error="no id_str"))
        deleted = time_of(tweet.get("deleted_at")) or observed_at
        return [
            Tombstone(
                key=tweet_uri(tweet_id),
                kind="post",
                network=NETWORK,
                deleted_at=deleted,
                reason="deleted by the owner (X archive)",
            )
        ]
    if kind in ("follower", "following"):
        entry = as_dict(item.get(kind))
        other = numeric_id(entry.get("accountId"))
        if other is None:
            raise MappingError(t("xa.bad_item", kind=kind, error="no accountId"))
        return [
            Follow(
                network=NETWORK,
                follower_id=other if kind == "follower" else owner_id,
                followee_id=owner_id if kind == "follower" else other,
                observed_at=observed_at,
            )
        ]
    if kind == "account":
        username = nonempty_str(owner.get("username"))
        return [
            Account(
                network=NETWORK,
                account_id=owner_id,
                handle=username,
                display_name=nonempty_str(item.get("displayName")),
                bio=nonempty_str(item.get("bio")),
                url=profile_url(username) if username else None,
                created_at=time_of(item.get("createdAt")),
                first_seen=observed_at,
            )
        ]
    raise MappingError(t("xa.bad_item", kind=kind, error="unknown kind"))


class XArchiveImporter(Importer):
    """Import an X "Download your data" archive (zip or folder)."""

    id: ClassVar[str] = SOURCE
    network: ClassVar[str] = NETWORK
    description: ClassVar[str] = (
        'X "Download your data" archive (zip or folder): the owner\'s tweets, replies, '
        "retweets, deletions, followers and following"
    )

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

        account_id: str | None = Field(
            default=None,
            pattern=r"^\d+$",
            description="Owner's numeric id, when the archive has no account.js.",
        )
        username: str | None = Field(default=None, description="Owner's username.")
        max_item_bytes: int = Field(default=MAX_ITEM_BYTES, gt=0)

    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        options = self.Options.model_validate(self.options.model_dump())
        container = open_container(path, self.id)
        yield from container.problems
        if not container.members:
            return
        received = utcnow()
        meta = self._manifest(container)
        account = self._first(container, "account.js", "account")
        profile = self._first(container, "profile.js", "profile")
        owner_id = options.account_id or numeric_id(account.get("accountId")) or meta.get("id")
        username = options.username or nonempty_str(account.get("username")) or meta.get("username")
        if owner_id is None:
            yield Reject(source=self.id, origin=str(path), reason=t("xa.no_owner", where=path))
            return
        owner = {"id": owner_id, "username": username}
        observed = meta.get("generated")
        description = as_dict(profile.get("description"))
        summary = {
            "displayName": nonempty_str(account.get("accountDisplayName"))
            or meta.get("display_name"),
            "createdAt": nonempty_str(account.get("createdAt")),
            "bio": nonempty_str(description.get("bio")),
        }
        source_file = container.find("account.js") or container.find("manifest.js")
        origin = source_file.where if source_file is not None else str(path)
        yield self._item("account", owner, observed, msgspec.json.encode(summary), origin, received)
        tweets = sorted(container.matching(_TWEETS), key=_part)
        if not tweets:
            yield Reject(source=self.id, origin=str(path), reason=t("xa.no_tweets", where=path))
        for kind, members in (
            ("tweet", tweets),
            ("deleted_tweet", sorted(container.matching(_DELETED), key=_part)),
            ("follower", sorted(container.matching(_FOLLOWERS), key=_part)),
            ("following", sorted(container.matching(_FOLLOWING), key=_part)),
        ):
            for member in members:
                yield from self._read_member(member, kind, owner, observed, received, options)

    def _read_member(
        self,
        member: Member,
        kind: str,
        owner: dict[str, str | None],
        observed: str | None,
        received: datetime,
        options: XArchiveImporter.Options,
    ) -> Iterator[RawItem | Reject]:
        try:
            stream = open_data_file(member)
        except READ_ERRORS as exc:
            yield Reject(
                source=self.id,
                origin=member.where,
                reason=t("xa.bad_item", kind=kind, error=f"{member.where}: {exc}"),
            )
            return
        if stream is None:
            yield Reject(
                source=self.id, origin=member.where, reason=t("xa.not_js", where=member.where)
            )
            return
        with stream:
            for entry in iter_json_values(
                stream, self.id, member.where, max_bytes=options.max_item_bytes
            ):
                if isinstance(entry, Reject):
                    yield entry
                    continue
                line, value = entry
                yield self._item(kind, owner, observed, value, f"{member.where}:{line}", received)

    def _item(
        self,
        kind: str,
        owner: dict[str, str | None],
        observed: str | None,
        value: bytes,
        origin: str,
        received: datetime,
    ) -> RawItem:
        payload = embed_json({"kind": kind, "owner": owner, "observed_at": observed}, "item", value)
        return RawItem(source=self.id, origin=origin, received_at=received, payload=payload)

    def _small_file(
        self, container: Container, name: str, *, unwrap_arrays: bool = True
    ) -> Iterator[Any]:
        """The decoded values of a small data file (a ``Reject`` for a bad one); nothing
        when the file is absent, not a ``.js`` data file, or unreadable."""
        member = container.find(name)
        if member is None:
            return
        try:
            stream = open_data_file(member)
            if stream is None:
                return
            with stream:
                for entry in iter_json_values(
                    stream, self.id, member.where, unwrap_arrays=unwrap_arrays
                ):
                    yield entry if isinstance(entry, Reject) else msgspec.json.decode(entry[1])
        except READ_ERRORS:
            return

    def _first(self, container: Container, name: str, key: str) -> dict[str, Any]:
        """The ``key`` object of the first readable element of a small data file (``{}`` if
        none)."""
        for value in self._small_file(container, name):
            if not isinstance(value, Reject):
                return as_dict(as_dict(value).get(key))
        return {}

    def _manifest(self, container: Container) -> dict[str, str]:
        """Owner and generation date from ``manifest.js`` (empty when absent/unreadable)."""
        for value in self._small_file(container, "manifest.js", unwrap_arrays=False):
            if isinstance(value, Reject):
                return {}
            user = as_dict(as_dict(value).get("userInfo"))
            info = as_dict(as_dict(value).get("archiveInfo"))
            found = {
                "id": numeric_id(user.get("accountId")),
                "username": nonempty_str(user.get("userName")),
                "display_name": nonempty_str(user.get("displayName")),
                "generated": nonempty_str(info.get("generationDate")),
            }
            return {k: v for k, v in found.items() if v}
        return {}

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        return map_item(decode_json(raw.payload), raw.received_at)


CONNECTORS = [XArchiveImporter]
