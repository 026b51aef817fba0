"""``veille forget ACCOUNT``: erase an account's posts, text and enrichments, keep a
tombstone, redact the raw log, and write an audit line.

The account's post rows keep their URI, network, author and dates (so aggregates such as
counts per day survive) but lose their text, mentions, hashtags, links, enrichments and
matches; the account loses its handle, name, bio and URL; its likes and follows go. The
tombstone stops any later import, collection or rebuild from bringing them back.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from veille.errors import UsageError
from veille.flow.erase import redact_raw_log
from veille.i18n import register, t
from veille.model import NETWORKS, Tombstone, account_key, utcnow
from veille.store.read import account_known, account_names, accounts_named, posts_with_text
from veille.workspace import Workspace

register(
    {
        "forget.unknown": (
            "aucun compte « {spec} » dans la base : rien n'est oublié",
            "no account '{spec}' in the store: nothing forgotten",
        ),
        "forget.ambiguous": (
            "« {spec} » est ambigu : {listed}",
            "'{spec}' is ambiguous: {listed}",
        ),
        "forget.hint": (
            "Indiquez RÉSEAU:IDENTIFIANT, par ex. bluesky:did:plc:abc...",
            "Give it as NETWORK:ACCOUNT_ID, e.g. bluesky:did:plc:abc...",
        ),
        "forget.closest": ("Les plus proches : {names}", "Closest: {names}"),
    }
)


@dataclass
class ForgetSummary:
    network: str
    account_id: str
    posts_purged: int
    raw_items_removed: int


def resolve_account(ws: Workspace, spec: str) -> tuple[str, str]:
    """``network:account_id`` or a handle (with or without @) of an account the store knows
    (as an account, or as the author of posts); ``UsageError`` with the closest names
    otherwise: forgetting a misspelt id would write a tombstone for nobody."""
    network, sep, rest = spec.partition(":")
    if sep and network in NETWORKS and rest:
        if _known(ws, network, rest):
            return network, rest
        raise UsageError(
            t("forget.unknown", spec=spec), hint=_closest(ws, spec) or t("forget.hint")
        )
    handle = spec.lstrip("@")
    rows = accounts_named(ws.store, handle)
    if not rows:
        raise UsageError(
            t("forget.unknown", spec=spec), hint=_closest(ws, spec) or t("forget.hint")
        )
    if len(rows) > 1:
        listed = ", ".join(f"{n}:{a}" for n, a in rows)
        raise UsageError(t("forget.ambiguous", spec=spec, listed=listed), hint=t("forget.hint"))
    return str(rows[0][0]), str(rows[0][1])


def _known(ws: Workspace, network: str, account_id: str) -> bool:
    return account_known(ws.store, network, account_id)


def _closest(ws: Workspace, spec: str) -> str | None:
    rows = account_names(ws.store)
    names = [r[0] for r in rows] + [r[1] for r in rows if r[1]]
    close = difflib.get_close_matches(spec, names, n=3, cutoff=0.6)
    return t("forget.closest", names=", ".join(close)) if close else None


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
