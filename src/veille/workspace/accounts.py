"""How an account written in ``veille.toml`` is recognised in the store.

A leader's or an organisation's account may be written as the network's stable id (a
Bluesky DID, a Mastodon ``user@instance``), as a handle (``@name.bsky.social``), or as a
profile URL. ``registry_idents`` gives every lowercase form under which the store may know
it (account id, handle or profile URL), so one join resolves all of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from veille.workspace.config import VeilleConfig


def registry_ident(value: str) -> str:
    return value.strip().lower().lstrip("@").rstrip("/")


def registry_idents(network: str, account: str) -> list[str]:
    """The lowercase forms (id, handle, profile URLs) of a registry account."""
    ident = registry_ident(account)
    idents = [ident]
    if network == "mastodon" and "@" in ident:
        user, _, instance = ident.partition("@")
        idents += [f"https://{instance}/@{user}", f"https://{instance}/users/{user}"]
    elif network == "x":
        idents += [f"https://x.com/{ident}", f"https://twitter.com/{ident}"]
    elif network == "bluesky" and not ident.startswith("did:"):
        idents.append(f"https://bsky.app/profile/{ident}")
    elif network == "linkedin" and not ident.startswith("http"):
        idents.append(f"https://www.linkedin.com/in/{ident}")
    return idents


def entity_watch_id(kind: str, entity_id: str) -> str:
    """The id under which posts naming a registry entity are matched (``matches``)."""
    return f"{kind}:{entity_id}"


def entity_watch_queries(config: VeilleConfig) -> dict[str, str]:
    """An implicit watch per leader and organisation: its name or one of its aliases, as
    phrases (the watch language folds case and accents). The listening views join them
    with the structural mentions (a mention of an account, a reply, a quote), so that a
    post that names "Maison Verlaine" without tagging its account is heard too. Names
    holding a double quote, which the query language cannot put in a phrase, are left
    out."""
    out: dict[str, str] = {}
    entities: list[tuple[str, str, list[str]]] = [
        ("organisation", o.id, [o.name, *o.aliases]) for o in config.organisations
    ] + [("leader", x.id, [x.name, *x.aliases]) for x in config.leaders]
    for kind, entity_id, names in entities:
        phrases = [f'"{n.strip()}"' for n in dict.fromkeys(names) if n.strip() and '"' not in n]
        if phrases:
            out[entity_watch_id(kind, entity_id)] = " OR ".join(phrases)
    return out
