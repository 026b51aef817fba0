"""Bluesky Jetstream captures (JSONL), v1 and v2 event shapes.

One raw item per line, the event exactly as captured. Shapes accepted on a line:

- v1 (``/subscribe``): ``{"did", "time_us", "kind": "commit"|"identity"|"account",
  "commit": {"rev", "operation", "collection", "rkey", "record", "cid"}, "identity": {...},
  "account": {...}}``;
- v2 (``network.bsky.jetstream.subscribeEvents``), either the whole frame
  ``{"$type": "message", "payload": {...}}`` or the payload alone
  ``{"$type": "network.bsky.jetstream.subscribeEvents#commit", "seq", "did", "time",
  "operation", "collection", "rkey", "record", "cid"}`` (``#identity``, ``#account`` wrap
  the upstream event under ``identity``/``account``; ``#sync`` and ``#info`` carry nothing
  for veille; ``{"$type": "error"}`` frames are skipped).

Mapping (``map_event``; also used by the live Jetstream connector):

============================  =========================================================
create/update ``feed.post``    ``Post`` (text, ``langs[0]``, reply parent/root, quote from
                               ``embed.record``, mentions (DIDs), tags, links)
create ``feed.repost``         ``Post`` with ``repost_of`` (no text)
create ``feed.like``           ``Reaction(kind="like")``
create ``graph.follow``        ``Follow``
create/update ``actor.profile`` ``Account`` (display name, bio)
delete of post/repost/like     ``Tombstone(kind="post", key=AT-URI)``
delete of follow               ``Tombstone(kind="follow", key=AT-URI)``
identity with a handle         ``Account`` (handle)
account inactive, status       ``Tombstone(kind="account", key="bluesky:DID")``
``deleted`` or ``takendown``
============================  =========================================================

Collections veille does not track (blocks, lists, third-party lexicons...) map to nothing,
on purpose. An event ``kind`` (or v2 ``$type``) that is none of the above, an unknown
``operation``, or a tracked record of the wrong shape raises ``MappingError``: the ingest
driver sets it aside with its line.

Times: ``collected_at`` is when Jetstream saw the event (``time_us``, or v2 ``time``);
``created_at`` is the record's ``createdAt`` unless it is unreadable or in the future of
that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import msgspec

from veille.i18n import register, t
from veille.model import (
    Account,
    Follow,
    Post,
    Reaction,
    Record,
    Tombstone,
    account_key,
)
from veille.sources.base import DECODE_ERRORS, MappingError, RawItem, decode_problem
from veille.sources.bluesky import atproto
from veille.sources.bluesky.atproto import (
    FOLLOW,
    LIKE,
    NETWORK,
    POST,
    PROFILE,
    REPOST,
    at_uri,
    created_time,
    fast_time,
    micros_to_datetime,
    post_from_record,
)
from veille.sources.io.members import JsonLinesImporter

register(
    {
        "jetstream.unknown_kind": (
            "type d'événement inconnu : kind={kind!r} (attendu : commit, identity, account)",
            "unknown event type: kind={kind!r} (expected commit, identity or account)",
        ),
        "jetstream.unknown_type": (
            "type d'événement inconnu : $type={kind!r}",
            "unknown event type: $type={kind!r}",
        ),
        "jetstream.unknown_operation": (
            "opération inconnue {operation!r} sur {collection}",
            "unknown operation {operation!r} on {collection}",
        ),
        "jetstream.missing": (
            "événement sans champ {field}",
            "event without {field}",
        ),
        "jetstream.bad_record": (
            "enregistrement {collection} invalide : {error}",
            "invalid {collection} record: {error}",
        ),
        "jetstream.bad_event": (
            "événement Jetstream invalide : {error}",
            "invalid Jetstream event: {error}",
        ),
    }
)

V2_PREFIX = "network.bsky.jetstream.subscribeEvents#"
_EMPTY = msgspec.Raw()
#: Account statuses that delete the account's content (``deactivated``, ``suspended`` are
#: reversible and delete nothing).
DELETING_STATUSES = frozenset({"deleted", "takendown"})
TRACKED = frozenset({POST, REPOST, LIKE, FOLLOW, PROFILE})


class _Commit(msgspec.Struct):
    operation: str = ""
    collection: str = ""
    rkey: str = ""
    record: msgspec.Raw = _EMPTY


class _Identity(msgspec.Struct):
    handle: str | None = None


class _AccountStatus(msgspec.Struct):
    active: bool = True
    status: str | None = None


class _Event(msgspec.Struct, rename={"type": "$type"}):
    """Both shapes in one struct: v1 nests ``commit``; v2 has the commit fields flat."""

    did: str = ""
    time_us: int | None = None
    kind: str | None = None
    commit: _Commit | None = None
    identity: _Identity | None = None
    account: _AccountStatus | None = None
    type: str | None = None
    payload: msgspec.Raw = _EMPTY
    time: str | None = None
    operation: str | None = None
    collection: str | None = None
    rkey: str | None = None
    record: msgspec.Raw = _EMPTY


_decode_event = msgspec.json.Decoder(_Event).decode


def map_event_json(data: bytes | msgspec.Raw, *, source: str = "jetstream") -> list[Record]:
    """Map one Jetstream event given as JSON bytes (the fast path)."""
    try:
        event = _decode_event(data)
    except DECODE_ERRORS as exc:
        raise MappingError(t("jetstream.bad_event", error=decode_problem(exc))) from None
    if event.type == "message":
        if not len(event.payload):
            raise MappingError(t("jetstream.missing", field="payload"))
        try:
            event = _decode_event(event.payload)
        except DECODE_ERRORS as exc:
            raise MappingError(t("jetstream.bad_event", error=decode_problem(exc))) from None
        if event.type == "message":
            raise MappingError(t("jetstream.unknown_type", kind="message (nested)"))
    return _map(event, source)


def map_event(event: dict[str, Any], *, source: str = "jetstream") -> list[Record]:
    """Map one Jetstream event (v1 or v2, decoded JSON) to canonical records."""
    if not isinstance(event, dict):
        raise MappingError(t("jetstream.bad_event", error=f"not an object: {type(event).__name__}"))
    return map_event_json(msgspec.json.encode(event), source=source)


def _map(event: _Event, source: str) -> list[Record]:
    kind = event.kind
    if event.type is not None:
        if event.type.startswith(V2_PREFIX):
            kind = event.type[len(V2_PREFIX) :]
            if kind == "info":
                return []
        elif event.type == "error":
            return []
        else:
            raise MappingError(t("jetstream.unknown_type", kind=event.type))
    did = event.did
    if not did:
        raise MappingError(t("jetstream.missing", field="did"))
    if event.time_us is not None:
        try:
            seen = micros_to_datetime(event.time_us)
        except ValueError as exc:
            raise MappingError(t("jetstream.bad_event", error=exc)) from exc
    else:
        parsed = fast_time(event.time) if event.time else None
        if parsed is None:
            raise MappingError(t("jetstream.missing", field="time_us/time"))
        seen = parsed
    if kind == "commit":
        commit = event.commit
        if commit is None:
            if event.operation is None:
                raise MappingError(t("jetstream.missing", field="commit"))
            commit = _Commit(
                operation=event.operation,
                collection=event.collection or "",
                rkey=event.rkey or "",
                record=event.record,
            )
        return _map_commit(did, seen, commit, source)
    if kind == "identity":
        handle = event.identity.handle if event.identity else None
        if not handle:
            return []
        return [
            Account(
                network=NETWORK,
                account_id=did,
                handle=handle,
                url=atproto.profile_url(handle),
                first_seen=seen,
            )
        ]
    if kind == "account":
        status = event.account
        if status is None:
            raise MappingError(t("jetstream.missing", field="account"))
        if not status.active and status.status in DELETING_STATUSES:
            return [
                Tombstone(
                    key=account_key(NETWORK, did),
                    kind="account",
                    network=NETWORK,
                    deleted_at=seen,
                    reason=f"account {status.status}",
                )
            ]
        return []
    if kind == "sync":
        return []
    raise MappingError(t("jetstream.unknown_kind", kind=kind))


def _map_commit(did: str, seen: datetime, commit: _Commit, source: str) -> list[Record]:
    collection = commit.collection
    rkey = commit.rkey
    if not collection or not rkey:
        raise MappingError(t("jetstream.missing", field="collection/rkey"))
    operation = commit.operation
    if operation == "delete":
        if collection in (POST, REPOST, LIKE):
            return [
                Tombstone(
                    key=at_uri(did, collection, rkey),
                    kind="post",
                    network=NETWORK,
                    deleted_at=seen,
                )
            ]
        if collection == FOLLOW:
            return [
                Tombstone(
                    key=at_uri(did, collection, rkey),
                    kind="follow",
                    network=NETWORK,
                    deleted_at=seen,
                )
            ]
        return []
    if operation not in ("create", "update"):
        raise MappingError(
            t("jetstream.unknown_operation", operation=operation, collection=collection)
        )
    if collection not in TRACKED:
        return []
    record = commit.record
    if not len(record) or bytes(record) == b"null":
        raise MappingError(t("jetstream.missing", field="record"))
    try:
        if collection == LIKE:
            like = atproto.subject_decoder.decode(record)
            return [
                Reaction(
                    uri=at_uri(did, collection, rkey),
                    network=NETWORK,
                    author_id=did,
                    subject_uri=like.subject.uri,
                    kind="like",
                    created_at=created_time(like.createdAt, seen),
                )
            ]
        if collection == POST:
            post = atproto.post_decoder.decode(record)
            return [post_from_record(post, did=did, rkey=rkey, seen=seen, source=source)]
        if collection == REPOST:
            repost = atproto.subject_decoder.decode(record)
            return [
                Post(
                    uri=at_uri(did, collection, rkey),
                    network=NETWORK,
                    post_id=rkey,
                    author_id=did,
                    created_at=created_time(repost.createdAt, seen),
                    collected_at=seen,
                    repost_of=repost.subject.uri or None,
                    source=source,
                )
            ]
        if collection == FOLLOW:
            follow = atproto.follow_decoder.decode(record)
            return [
                Follow(
                    network=NETWORK,
                    follower_id=did,
                    followee_id=follow.subject,
                    observed_at=seen,
                    uri=at_uri(did, collection, rkey),
                    created_at=created_time(follow.createdAt, seen),
                )
            ]
        profile = atproto.profile_decoder.decode(record)
        return [
            Account(
                network=NETWORK,
                account_id=did,
                display_name=profile.displayName or None,
                bio=profile.description or None,
                first_seen=seen,
            )
        ]
    except DECODE_ERRORS as exc:
        raise MappingError(
            t("jetstream.bad_record", collection=collection, error=decode_problem(exc))
        ) from None


class JetstreamImporter(JsonLinesImporter):
    """Import Jetstream captures: JSONL files (plain, .gz, .zst), folders or zips of them."""

    id: ClassVar[str] = "jetstream"
    network: ClassVar[str] = NETWORK
    description: ClassVar[str] = (
        "Bluesky Jetstream captures (JSONL, v1 or v2 events): posts, reposts, likes, "
        "follows, profiles, deletions"
    )

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        return map_event_json(raw.payload, source=cls.id)


CONNECTORS = [JetstreamImporter]
