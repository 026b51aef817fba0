"""``veille forget ACCOUNT``: erase an account's posts, text and enrichments, keep a
tombstone, redact the raw log, and write an audit line.

The account's post rows keep their URI, network, author and dates (so aggregates such as
counts per day survive) but lose their text, mentions, hashtags, links, enrichments and
matches; the account loses its handle, name, bio and URL; its likes and follows go. The
tombstone stops any later import, collection or rebuild from bringing them back.
"""

from __future__ import annotations

from dataclasses import dataclass

from veille.errors import UsageError
from veille.flow.erase import redact_raw_log
from veille.model import NETWORKS, Tombstone, account_key, utcnow
from veille.store.read import accounts_named, posts_with_text
from veille.workspace import Workspace


@dataclass
class ForgetSummary:
    network: str
    account_id: str
    posts_purged: int
    raw_items_removed: int


def resolve_account(ws: Workspace, spec: str) -> tuple[str, str]:
    """``network:account_id``, or a handle (with or without @) found in the store."""
    network, sep, rest = spec.partition(":")
    if sep and network in NETWORKS and rest:
        return network, rest
    handle = spec.lstrip("@")
    rows = accounts_named(ws.store, handle)
    if not rows:
        raise UsageError(
            f"no account {spec!r} in the store",
            hint="Give it as NETWORK:ACCOUNT_ID, e.g. bluesky:did:plc:abc...",
        )
    if len(rows) > 1:
        listed = ", ".join(f"{n}:{a}" for n, a in rows)
        raise UsageError(f"{spec!r} is ambiguous: {listed}", hint="Give NETWORK:ACCOUNT_ID.")
    return str(rows[0][0]), str(rows[0][1])


def forget(ws: Workspace, spec: str, *, reason: str = "forgotten on request") -> ForgetSummary:
    network, account_id = resolve_account(ws, spec)
    posts = posts_with_text(ws.store, network, account_id)
    ws.store.write(
        [
            Tombstone(
                key=account_key(network, account_id),
                kind="account",
                network=network,
                deleted_at=utcnow(),
                reason=reason,
            )
        ]
    )
    removed = redact_raw_log(ws, networks={network})
    ws.store.audit(
        "forget",
        account_key(network, account_id),
        f"{posts} posts purged, {removed} raw items redacted; reason: {reason}",
    )
    return ForgetSummary(network, account_id, posts, removed)
