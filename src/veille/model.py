"""Canonical records: what every connector maps raw items to, and what the store holds.

One record type per store table. Connectors build these in ``to_records``; the store turns
lists of them into Arrow batches. Field names match the columns of ``store/schema.py``.

Keys (every write is idempotent on them):

- ``Post.uri``: the network's own URI (AT-URI, Mastodon status URI, tweet URL, feed guid
  joined to the feed URL);
- ``Account``: ``(network, account_id)``;
- ``AccountSnapshot``: ``(network, account_id, observed_at)``;
- ``PostMetrics``: ``(uri, observed_at)``;
- ``Reaction.uri`` and ``Follow``: ``(network, follower_id, followee_id)``;
- ``Tombstone.key``: a post/reaction URI, or ``network:account_id`` for an account.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, get_args

import msgspec

Network = Literal["bluesky", "mastodon", "web", "x", "linkedin"]
NETWORKS: tuple[str, ...] = get_args(Network)
#: Networks that plugin connectors add (``veille.sources.base.Connector`` registers each
#: connector's ``network`` here when its class is defined).
PLUGIN_NETWORKS: set[str] = set()


def known_networks() -> list[str]:
    """Every network name a post can have: the built-in ones and those of plugins."""
    return sorted({*NETWORKS, *PLUGIN_NETWORKS})


#: Classes whose built-in lexicon users may extend in ``[stakeholders]``, plus the two
#: modifier lists ``ignore`` and ``former``.
EXTENSIBLE_STAKEHOLDER_CLASSES: tuple[str, ...] = (
    "journalist",
    "public_sector",
    "investor",
    "peer_leader",
    "bot",
    "customer",
    "ignore",
    "former",
)


class Account(msgspec.Struct, kw_only=True):
    network: str
    account_id: str
    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    url: str | None = None
    created_at: datetime | None = None
    first_seen: datetime | None = None


class AccountSnapshot(msgspec.Struct, kw_only=True):
    """Append-only counts of an account at one moment (growth is measurable)."""

    network: str
    account_id: str
    observed_at: datetime
    followers: int | None = None
    following: int | None = None
    posts: int | None = None


class Post(msgspec.Struct, kw_only=True):
    """A post, reply, quote or repost. A repost has ``repost_of`` set and usually no text."""

    uri: str
    network: str
    post_id: str
    author_id: str
    created_at: datetime
    collected_at: datetime
    text: str | None = None
    lang: str | None = None
    reply_to: str | None = None
    reply_root: str | None = None
    quote_of: str | None = None
    repost_of: str | None = None
    mentions: list[str] = msgspec.field(default_factory=list)
    hashtags: list[str] = msgspec.field(default_factory=list)
    urls: list[str] = msgspec.field(default_factory=list)
    source: str = ""
    deleted_at: datetime | None = None
    #: What ``created_at`` comes from when the source may not say: ``"entry"`` (the post's
    #: own date), ``"feed"`` (a feed's channel date), ``"collected"`` (the time it was
    #: collected); ``None`` where the network always dates its posts.
    dated_by: str | None = None
    #: The ids of every version of an edited post, oldest first (X's
    #: ``edit_history_tweet_ids``); empty for a post never edited. ``post_id`` is the
    #: version stored, the latest one seen.
    edit_history: list[str] = msgspec.field(default_factory=list)


class PostMetrics(msgspec.Struct, kw_only=True):
    """Append-only engagement counts of a post at one moment."""

    uri: str
    observed_at: datetime
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None


class Reaction(msgspec.Struct, kw_only=True):
    """A like (or LinkedIn reaction) by an account on a post."""

    uri: str
    network: str
    author_id: str
    subject_uri: str
    kind: str
    created_at: datetime


class Follow(msgspec.Struct, kw_only=True):
    """``follower_id`` follows ``followee_id`` on ``network``."""

    network: str
    follower_id: str
    followee_id: str
    observed_at: datetime
    uri: str | None = None
    created_at: datetime | None = None


class Tombstone(msgspec.Struct, kw_only=True):
    """A deletion: of a post or reaction (``kind='post'``, key = its URI), or of a whole
    account (``kind='account'``, key = ``network:account_id``). Tombstones outlive
    everything: the store purges what they name, and a rebuild never brings it back."""

    key: str
    kind: Literal["post", "account", "follow"]
    network: str
    deleted_at: datetime
    reason: str = "deleted at source"


Record = Account | AccountSnapshot | Post | PostMetrics | Reaction | Follow | Tombstone


def account_key(network: str, account_id: str) -> str:
    """The tombstone key of an account."""
    return f"{network}:{account_id}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(value: str | int | float | None) -> datetime | None:
    """Parse the timestamps the networks send: ISO 8601 (with ``Z`` or an offset, with or
    without fractions), Twitter's ``Wed Oct 10 20:19:24 +0000 2018``, or epoch seconds.
    Returns an aware UTC datetime, or ``None`` when the value is empty or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = value.strip()
    try:
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


class RawItem(msgspec.Struct, kw_only=True):
    """One item as the network or file gave it. ``payload`` holds JSON bytes untouched
    (``msgspec.Raw``), so the raw log stores exactly what arrived without re-encoding."""

    source: str
    origin: str
    received_at: datetime
    payload: msgspec.Raw

    @classmethod
    def of(
        cls, source: str, origin: str, value: Any, received_at: datetime | None = None
    ) -> RawItem:
        """Build a raw item from a JSON-compatible Python value."""
        return cls(
            source=source,
            origin=origin,
            received_at=received_at or utcnow(),
            payload=msgspec.Raw(msgspec.json.encode(value)),
        )

    @classmethod
    def of_json(
        cls, source: str, origin: str, data: bytes, received_at: datetime | None = None
    ) -> RawItem:
        """Build a raw item from bytes already known to be one JSON value."""
        return cls(
            source=source,
            origin=origin,
            received_at=received_at or utcnow(),
            payload=msgspec.Raw(data),
        )

    def value(self) -> Any:
        """The payload decoded. JSON nested deeper than the decoder recurses (about 1,000
        levels) is a ``msgspec.DecodeError`` too, not a ``RecursionError``."""
        try:
            return msgspec.json.decode(self.payload)
        except RecursionError:
            raise msgspec.DecodeError(
                f"{self.origin}: JSON nested too deeply (about 1,000 levels or more)"
            ) from None


class Reject(msgspec.Struct, kw_only=True):
    """Input set aside: where it was (file:line, URL, frame number), why, and the item."""

    source: str
    origin: str
    reason: str
    item: str = ""
