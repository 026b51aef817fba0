"""Publishing a post or a thread (used by the digest): Bluesky with an app password,
Mastodon with a token.

Bluesky: ``com.atproto.server.createSession`` (handle + app password, never the account
password) on the account's PDS (``https://bsky.social`` by default), then one
``com.atproto.repo.createRecord`` per post with rich-text facets (links, @mentions resolved
to DIDs, #tags; offsets in UTF-8 bytes, as the lexicon wants) and, after the first post of a
thread, ``reply`` refs to the thread's root and to the previous post. Each post gets its
record key (a TID) before the first attempt, so a retry after a lost answer cannot post it
twice.

Mastodon: ``POST /api/v1/statuses`` with ``in_reply_to_id`` for the next posts of a thread
and an ``Idempotency-Key`` header derived from the thread and the post's position, so a
retry is never a second post.

Secrets (app password, session tokens, Mastodon token) are registered for redaction and
never appear in errors or logs.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from veille.errors import UsageError
from veille.i18n import register, t
from veille.model import utcnow
from veille.secrets import register_secret
from veille.sources.http import HttpError, PoliteClient, json_of

BSKY_MAX_GRAPHEMES = 300
MASTODON_MAX_CHARS = 500

register(
    {
        "publish.too_long": (
            "message {index} trop long pour {network} : {length} caractères (maximum {limit})",
            "post {index} too long for {network}: {length} characters (limit {limit})",
        ),
        "publish.empty": ("rien à publier", "nothing to publish"),
        "publish.failed": (
            "publication {network} : échec au message {index} ({error})",
            "publishing to {network}: failed at post {index} ({error})",
        ),
    }
)


@dataclass(frozen=True)
class Published:
    """One published post: its canonical URI (AT-URI or status URI), web URL and id."""

    network: str
    uri: str
    url: str | None
    id: str
    cid: str | None = None


# --- Bluesky rich text ---------------------------------------------------------------------

_URL_RE = re.compile(r"https?://[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?]")
_MENTION_RE = re.compile(r"(?<![\w@])@([a-zA-Z0-9][a-zA-Z0-9.-]*\.[a-zA-Z][a-zA-Z0-9-]*)")
_TAG_RE = re.compile(r"(?<![\w#&])#([^\s#\d\W][^\s#]*|\d+[^\s\d#][^\s#]*)")


def _byte_span(text: str, start: int, end: int) -> tuple[int, int]:
    return len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8"))


def facets(text: str, resolve: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Rich-text facets of ``text``: links, mentions (``resolve(handle) -> DID``; an
    unresolvable handle stays plain text) and hashtags, with UTF-8 byte offsets."""
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for match in _URL_RE.finditer(text):
        start, end = _byte_span(text, match.start(), match.end())
        taken.append((match.start(), match.end()))
        found.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group(0)}],
            }
        )

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for match in _MENTION_RE.finditer(text):
        if not free(match.start(), match.end()):
            continue
        did = resolve(match.group(1).rstrip("."))
        if not did:
            continue
        start, end = _byte_span(text, match.start(), match.end())
        found.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            }
        )
    for match in _TAG_RE.finditer(text):
        if not free(match.start(), match.end()):
            continue
        tag = match.group(1).rstrip(".,;:!?")
        if not tag or len(tag) > 64:
            continue
        start, end = _byte_span(text, match.start(), match.start() + 1 + len(tag))
        found.append(
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
    found.sort(key=lambda f: f["index"]["byteStart"])
    return found


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def new_tid(now_us: int | None = None, clock_id: int | None = None) -> str:
    """A record key in the atproto TID format: 53 bits of microseconds and 10 bits of
    clock id, base32-sortable, 13 characters."""
    micros = now_us if now_us is not None else time.time_ns() // 1000
    clock = clock_id if clock_id is not None else random.getrandbits(10)
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def _check_lengths(posts: Sequence[str], network: str, limit: int) -> None:
    if not posts or not any(p.strip() for p in posts):
        raise UsageError(t("publish.empty"))
    for index, text in enumerate(posts, start=1):
        if len(text) > limit:
            raise UsageError(
                t("publish.too_long", index=index, network=network, length=len(text), limit=limit)
            )


class BlueskyPublisher:
    """Posts to Bluesky as ``handle`` with an app password."""

    def __init__(
        self,
        handle: str,
        app_password: str,
        *,
        pds_url: str = "https://bsky.social",
        client: PoliteClient | None = None,
    ) -> None:
        register_secret(app_password)
        self.handle = handle.lstrip("@")
        self._password = app_password
        self.pds_url = pds_url.rstrip("/")
        self.client = client or PoliteClient(max_retries=3)
        self._session: dict[str, Any] | None = None

    def session(self) -> dict[str, Any]:
        if self._session is None:
            response = self.client.request(
                "POST",
                f"{self.pds_url}/xrpc/com.atproto.server.createSession",
                json={"identifier": self.handle, "password": self._password},
            )
            body = json_of(response)
            if not isinstance(body, dict) or "accessJwt" not in body or "did" not in body:
                raise HttpError("createSession: unexpected answer (no accessJwt/did)")
            register_secret(str(body["accessJwt"]))
            register_secret(str(body.get("refreshJwt", "")))
            self._session = body
        return self._session

    def resolve(self, handle: str) -> str | None:
        try:
            body = self.client.get_json(
                f"{self.pds_url}/xrpc/com.atproto.identity.resolveHandle", params={"handle": handle}
            )
        except HttpError:
            return None
        did = body.get("did") if isinstance(body, dict) else None
        return did if isinstance(did, str) else None

    def publish(
        self,
        posts: Sequence[str],
        *,
        langs: Sequence[str] = ("fr",),
        rkeys: Sequence[str] | None = None,
    ) -> list[Published]:
        """Publish ``posts`` as a thread (one post when there is one). ``rkeys`` gives each
        post its record key (default: a new TID each): a caller that derives them from what
        it publishes (the digest: its day) cannot post the same thread twice, since the PDS
        refuses a second record under a key it holds."""
        _check_lengths(posts, "Bluesky", BSKY_MAX_GRAPHEMES)
        if rkeys is not None and len(rkeys) != len(posts):
            raise ValueError("one record key per post")
        session = self.session()
        did = str(session["did"])
        headers = {"Authorization": f"Bearer {session['accessJwt']}"}
        done: list[Published] = []
        root: dict[str, str] | None = None
        parent: dict[str, str] | None = None
        for index, text in enumerate(posts, start=1):
            record: dict[str, Any] = {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": utcnow().isoformat().replace("+00:00", "Z"),
                "langs": list(langs),
            }
            rich = facets(text, self.resolve)
            if rich:
                record["facets"] = rich
            if root is not None and parent is not None:
                record["reply"] = {"root": root, "parent": parent}
            try:
                response = self.client.request(
                    "POST",
                    f"{self.pds_url}/xrpc/com.atproto.repo.createRecord",
                    headers=headers,
                    json={
                        "repo": did,
                        "collection": "app.bsky.feed.post",
                        "rkey": rkeys[index - 1] if rkeys is not None else new_tid(),
                        "record": record,
                    },
                )
                body = json_of(response)
            except HttpError as exc:
                raise HttpError(
                    t("publish.failed", network="Bluesky", index=index, error=exc.message),
                    status=exc.status,
                ) from None
            ref = {"uri": str(body["uri"]), "cid": str(body["cid"])}
            if root is None:
                root = ref
            parent = ref
            rkey = ref["uri"].rsplit("/", 1)[-1]
            done.append(
                Published(
                    "bluesky",
                    ref["uri"],
                    f"https://bsky.app/profile/{did}/post/{rkey}",
                    rkey,
                    ref["cid"],
                )
            )
        return done


class MastodonPublisher:
    """Posts to a Mastodon instance with an access token (scope ``write:statuses``)."""

    def __init__(
        self,
        instance_url: str,
        token: str,
        *,
        client: PoliteClient | None = None,
        visibility: str = "public",
    ) -> None:
        register_secret(token)
        self.base = instance_url.rstrip("/")
        self._token = token
        self.visibility = visibility
        self.client = client or PoliteClient(max_retries=3)

    def publish(
        self, posts: Sequence[str], *, language: str | None = "fr", thread_key: str | None = None
    ) -> list[Published]:
        """Publish ``posts`` as a thread. ``thread_key`` names the thread for idempotency
        (default: a hash of its texts), so publishing the same thread twice is one thread."""
        _check_lengths(posts, "Mastodon", MASTODON_MAX_CHARS)
        key = thread_key or hashlib.sha256("\x00".join(posts).encode()).hexdigest()[:24]
        done: list[Published] = []
        reply_to: str | None = None
        for index, text in enumerate(posts, start=1):
            form: dict[str, Any] = {"status": text, "visibility": self.visibility}
            if language:
                form["language"] = language
            if reply_to:
                form["in_reply_to_id"] = reply_to
            headers = {
                "Authorization": f"Bearer {self._token}",
                "Idempotency-Key": f"veille-{key}-{index}",
            }
            try:
                response = self.client.request(
                    "POST", f"{self.base}/api/v1/statuses", headers=headers, json=form
                )
                body = json_of(response)
            except HttpError as exc:
                raise HttpError(
                    t("publish.failed", network="Mastodon", index=index, error=exc.message),
                    status=exc.status,
                ) from None
            reply_to = str(body["id"])
            done.append(
                Published(
                    "mastodon", str(body.get("uri") or body.get("url")), body.get("url"), reply_to
                )
            )
        return done
