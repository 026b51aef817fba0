"""How an account written in ``veille.toml`` is recognised in the store.

A leader's or an organisation's account may be written as the network's stable id (a
Bluesky DID, a Mastodon ``user@instance``), as a handle (``@name.bsky.social``), or as a
profile URL. ``registry_idents`` gives every lowercase form under which the store may know
it (account id, handle or profile URL), so one join resolves all of them.
"""

from __future__ import annotations


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
