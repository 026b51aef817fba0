"""Tombstones redact the raw log: the segments that hold items of a deleted post or a
forgotten account are rewritten without them (``RawLog.redact``), so that neither a
rebuild nor anyone reading the files gets the content back.

Run by ``veille forget`` at once, and at the end of an ingest that recorded new tombstones
or met content that tombstones keep out (a re-import, a late redelivery)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from veille.model import (
    Account,
    AccountSnapshot,
    Follow,
    Post,
    Reaction,
    Record,
    account_key,
)
from veille.plugins import connectors
from veille.sources.base import Connector, RawItem
from veille.store.rawindex import RawRewrittenJob
from veille.store.rawlog import Segment
from veille.store.read import tombstone_keys

if TYPE_CHECKING:
    from veille.workspace import Workspace


def author_of(record: Record) -> str | None:
    """The account a record belongs to (its author, owner or follower)."""
    if isinstance(record, Post | Reaction):
        return record.author_id
    if isinstance(record, Account | AccountSnapshot):
        return record.account_id
    if isinstance(record, Follow):
        return record.follower_id
    return None


def content_keys(records: Iterable[Record]) -> set[str]:
    """The keys a tombstone may name in these records: their accounts (author, owner,
    follower) and the URIs of posts, reactions and follows. The raw-log index keeps, for
    each, the segments where it lies."""
    keys: set[str] = set()
    for record in records:
        author = author_of(record)
        network = getattr(record, "network", None)
        if author is not None and network:
            keys.add(account_key(network, author))
        if isinstance(record, Post | Reaction | Follow) and record.uri:
            keys.add(record.uri)
    return keys


def redact_raw_log(ws: Workspace, *, networks: set[str] | None = None) -> int:
    """Remove from the raw log every item that maps to content a tombstone names: a post,
    reaction or follow URI, or anything of a forgotten account. Returns the count.

    Only the segments that the raw-log index says hold a tombstoned key are read and
    rewritten (and those not indexed yet), so a redaction costs what it redacts, not the
    size of the raw log."""
    rows = tombstone_keys(ws.store.con)
    if not rows:
        return 0
    accounts = {key for key, kind in rows if kind == "account"}
    uris = {key for key, kind in rows if kind != "account"}
    known = connectors()

    def drop(item: RawItem) -> bool:
        cls = known.get(item.source)
        if cls is None or (networks is not None and cls.network not in networks):
            return False
        try:
            records = cls.to_records(item)
        except Exception:  # a rejected item holds nothing that was stored
            return False
        for record in records:
            author = author_of(record)
            network = getattr(record, "network", None)
            if author is not None and network and account_key(network, author) in accounts:
                return True
            if isinstance(record, Post | Reaction | Follow) and record.uri in uris:
                return True
        return False

    indexed = ws.store.raw_segments()
    wanted = ws.store.segments_holding([key for key, _ in rows])
    segments = [
        s
        for s in ws.rawlog.segments()
        if (s.name in wanted or s.name not in indexed)
        and (networks is None or _network_of(known, s) in networks | {None})
    ]
    done = ws.rawlog.rewrite(drop, segments)
    ws.store.writer.run(
        RawRewrittenJob(
            sizes={name: size for name, (_, size) in done.items()},
            keys=[key for key, _ in rows],
            scanned=[s.name for s in segments],
            removed=[],
        )
    )
    return sum(hit for hit, _ in done.values())


def _network_of(known: dict[str, type[Connector]], segment: Segment) -> str | None:
    """The network of the connector whose items a segment holds (its folder's name)."""
    cls = known.get(segment.path.parent.name)
    return cls.network if cls is not None else None
