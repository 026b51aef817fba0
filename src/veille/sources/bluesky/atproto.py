"""AT Protocol record shapes shared by the Bluesky connectors (Jetstream, AppView).

Records are decoded with msgspec into the typed structs below (the lexicons of
``app.bsky.feed.post``, ``app.bsky.feed.like``, ``app.bsky.feed.repost``,
``app.bsky.graph.follow``, ``app.bsky.actor.profile``); fields that veille does not use are
skipped by the decoder, so extra fields never fail a record, while a field of the wrong type
(``text`` a number) does, with msgspec's message naming the field.

Canonical keys: a record's key is its AT-URI ``at://{did}/{collection}/{rkey}``; a Bluesky
account's id is its DID (handles change, DIDs do not).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from veille.model import Account, Post, parse_time
from veille.sources.values import nonempty_str, time_of

NETWORK = "bluesky"
POST = "app.bsky.feed.post"
LIKE = "app.bsky.feed.like"
REPOST = "app.bsky.feed.repost"
FOLLOW = "app.bsky.graph.follow"
PROFILE = "app.bsky.actor.profile"

_fromtimestamp = datetime.fromtimestamp
_fromisoformat = datetime.fromisoformat
#: A client may claim any ``createdAt``; one more than this ahead of the time the network saw
#: the record is not believed (the AppView does the same with its ``sortAt``).
_MAX_CLOCK_SKEW = timedelta(minutes=5)


class StrongRef(msgspec.Struct):
    uri: str = ""
    cid: str = ""


class ReplyRef(msgspec.Struct):
    parent: StrongRef | None = None
    root: StrongRef | None = None


class FacetFeature(msgspec.Struct, rename={"type": "$type"}):
    type: str = ""
    did: str | None = None
    uri: str | None = None
    tag: str | None = None


class Facet(msgspec.Struct):
    features: list[FacetFeature] = []


class EmbedRecordRef(msgspec.Struct):
    """``embed.record``: a strong ref (``app.bsky.embed.record``) or, inside
    ``app.bsky.embed.recordWithMedia``, an object whose ``record`` is the strong ref."""

    uri: str | None = None
    record: StrongRef | None = None


class External(msgspec.Struct):
    uri: str = ""


class Embed(msgspec.Struct, rename={"type": "$type"}):
    type: str = ""
    record: EmbedRecordRef | None = None
    external: External | None = None


class PostRecord(msgspec.Struct):
    text: str = ""
    createdAt: str | None = None
    langs: list[str] | None = None
    reply: ReplyRef | None = None
    embed: Embed | None = None
    facets: list[Facet] | None = None
    tags: list[str] | None = None


class SubjectRecord(msgspec.Struct):
    """A like or a repost: ``subject`` is a strong ref to a post."""

    subject: StrongRef
    createdAt: str | None = None


class FollowRecord(msgspec.Struct):
    subject: str
    createdAt: str | None = None


class ProfileRecord(msgspec.Struct):
    displayName: str | None = None
    description: str | None = None
    createdAt: str | None = None


post_decoder = msgspec.json.Decoder(PostRecord)
subject_decoder = msgspec.json.Decoder(SubjectRecord)
follow_decoder = msgspec.json.Decoder(FollowRecord)
profile_decoder = msgspec.json.Decoder(ProfileRecord)


def at_uri(did: str, collection: str, rkey: str) -> str:
    return f"at://{did}/{collection}/{rkey}"


def collection_of(uri: str) -> str:
    """``app.bsky.feed.post`` for ``at://did/app.bsky.feed.post/rkey`` (``""`` if not one)."""
    if not uri.startswith("at://"):
        return ""
    parts = uri[5:].split("/")
    return parts[1] if len(parts) >= 3 else ""


def micros_to_datetime(micros: int) -> datetime:
    """Unix microseconds to an aware UTC datetime (``ValueError`` if out of range)."""
    try:
        return _fromtimestamp(micros / 1e6, UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"timestamp out of range: {micros}") from exc


def fast_time(value: str) -> datetime | None:
    """``parse_time`` with a fast path for the RFC 3339 UTC times the network sends."""
    try:
        parsed = _fromisoformat(value)
    except ValueError:
        return parse_time(value)
    if parsed.tzinfo is UTC:
        return parsed
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def created_time(claimed: str | None, seen: datetime) -> datetime:
    """The record's ``createdAt`` when it is readable and not in the future of the moment
    the network saw it, else that moment."""
    parsed = fast_time(claimed) if claimed else None
    if parsed is None or parsed - seen > _MAX_CLOCK_SKEW:
        return seen
    return parsed


def profile_url(handle_or_did: str) -> str:
    return f"https://bsky.app/profile/{handle_or_did}"


def post_from_record(
    record: PostRecord,
    *,
    did: str,
    rkey: str,
    seen: datetime,
    source: str,
) -> Post:
    """A ``Post`` from an ``app.bsky.feed.post`` record of ``did`` with key ``rkey``."""
    mentions: list[str] = []
    hashtags: list[str] = []
    urls: list[str] = []
    if record.facets:
        for facet in record.facets:
            for feature in facet.features:
                kind = feature.type
                if kind.endswith("#mention") and feature.did:
                    if feature.did not in mentions:
                        mentions.append(feature.did)
                elif kind.endswith("#tag") and feature.tag:
                    if feature.tag not in hashtags:
                        hashtags.append(feature.tag)
                elif kind.endswith("#link") and feature.uri and feature.uri not in urls:
                    urls.append(feature.uri)
    if record.tags:
        for tag in record.tags:
            if isinstance(tag, str) and tag and tag not in hashtags:
                hashtags.append(tag)
    quote_of: str | None = None
    embed = record.embed
    if embed is not None:
        ref = embed.record
        if ref is not None:
            target = ref.uri if ref.uri else (ref.record.uri if ref.record else None)
            if target and collection_of(target) == POST:
                quote_of = target
        if embed.external is not None and embed.external.uri and embed.external.uri not in urls:
            urls.append(embed.external.uri)
    reply = record.reply
    return Post(
        uri=at_uri(did, POST, rkey),
        network=NETWORK,
        post_id=rkey,
        author_id=did,
        created_at=created_time(record.createdAt, seen),
        collected_at=seen,
        text=record.text,
        lang=record.langs[0] if record.langs else None,
        reply_to=(reply.parent.uri or None) if reply and reply.parent else None,
        reply_root=(reply.root.uri or None) if reply and reply.root else None,
        quote_of=quote_of,
        mentions=mentions,
        hashtags=hashtags,
        urls=urls,
        source=source,
    )


def rkey_of(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def did_of(uri: str) -> str:
    return uri[5:].split("/", 1)[0] if uri.startswith("at://") else ""


def account_from_profile(view: dict[str, Any], *, seen: datetime) -> Account | None:
    """An ``Account`` from an AppView ``profileView*`` object (``None`` without a DID)."""
    did = view.get("did")
    if not isinstance(did, str) or not did:
        return None
    handle = nonempty_str(view.get("handle"))
    if handle == "handle.invalid":
        handle = None
    return Account(
        network=NETWORK,
        account_id=did,
        handle=handle,
        display_name=nonempty_str(view.get("displayName")),
        bio=nonempty_str(view.get("description")),
        url=profile_url(handle or did),
        created_at=time_of(view.get("createdAt")),
        first_seen=seen,
    )
