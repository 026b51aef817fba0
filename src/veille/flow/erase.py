"""Tombstones redact the raw log: the segments that hold items of a deleted post or a
forgotten account are rewritten without them (``RawLog.redact``), so that neither a
rebuild nor anyone reading the files gets the content back.

Run by ``veille forget`` at once, and at the end of an ingest that recorded new tombstones
or met content that tombstones keep out (a re-import, a late redelivery)."""

from __future__ import annotations

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
from veille.sources.base import RawItem
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


def redact_raw_log(ws: Workspace, *, networks: set[str] | None = None) -> int:
    """Remove from the raw log every item that maps to content a tombstone names: a post,
    reaction or follow URI, or anything of a forgotten account. Returns the count."""
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

    return ws.rawlog.redact(drop)
