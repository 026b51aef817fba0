"""Bluesky AppView XRPC responses, as veille's live collector saves them (JSONL).

A line is ``{"endpoint": NSID, "params": {...}, "observed_at": ISO, "response": <body>}``.
``map_response`` (also used by the live ``bluesky`` connector) maps the bodies of:

- ``app.bsky.actor.getProfile`` (``profileViewDetailed``) and ``getProfiles``
  (``{"profiles": [...]}``): ``Account`` and ``AccountSnapshot`` (``followersCount``,
  ``followsCount``, ``postsCount``);
- ``app.bsky.feed.getAuthorFeed``, ``getTimeline``, ``getFeed``, ``getListFeed``
  (``{"feed": [feedViewPost]}``): each ``postView`` (and the ``reply.parent``/``root``
  views) as ``Post`` + ``PostMetrics`` (``likeCount``, ``repostCount``, ``replyCount``,
  ``quoteCount``) + its author's ``Account``; a ``reasonRepost`` that carries the repost
  record's ``uri`` as a repost ``Post`` (without it the repost has no canonical key and only
  the reposted post is kept);
- ``app.bsky.feed.getPostThread`` (``{"thread": threadViewPost}``): every post of the
  thread, parents and replies (``notFoundPost``/``blockedPost`` are skipped);
- ``app.bsky.feed.getPosts``, ``searchPosts`` (``{"posts": [postView]}``);
- ``app.bsky.graph.getFollowers`` (``{"subject", "followers"}``) and ``getFollows``
  (``{"subject", "follows"}``): ``Follow`` at ``observed_at`` and the ``Account`` of each
  profile. The AppView does not give the follow record's URI, so ``Follow.uri`` is empty.

Post fields come from the post's ``record`` (the same mapping as Jetstream), so a post seen
through both sources is the same row; ``collected_at`` is ``observed_at``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import msgspec
from pydantic import Field

from veille.i18n import register, t
from veille.model import (
    AccountSnapshot,
    Follow,
    Post,
    PostMetrics,
    Record,
)
from veille.sources.base import MAX_ITEM_BYTES, MappingError, RawItem
from veille.sources.bluesky.atproto import (
    NETWORK,
    POST,
    REPOST,
    PostRecord,
    account_from_profile,
    collection_of,
    created_time,
    did_of,
    post_from_record,
    rkey_of,
)
from veille.sources.io.members import JsonLinesImporter
from veille.sources.values import as_dict, as_list, decode_json, exact_int, time_of

register(
    {
        "appview.unknown_endpoint": (
            "point d'accès AppView inconnu : {endpoint!r}",
            "unknown AppView endpoint: {endpoint!r}",
        ),
        "appview.bad_body": (
            "réponse {endpoint} invalide : {error}",
            "invalid {endpoint} response: {error}",
        ),
        "appview.bad_line": (
            "une ligne AppView doit être un objet avec endpoint, observed_at et response",
            "an AppView line must be an object with endpoint, observed_at and response",
        ),
    }
)

FEED_ENDPOINTS = frozenset(
    {
        "app.bsky.feed.getAuthorFeed",
        "app.bsky.feed.getTimeline",
        "app.bsky.feed.getFeed",
        "app.bsky.feed.getListFeed",
        "app.bsky.feed.getActorLikes",
    }
)
POSTS_ENDPOINTS = frozenset({"app.bsky.feed.getPosts", "app.bsky.feed.searchPosts"})
#: Nesting of a thread the mapper follows (the AppView returns at most about 80 levels).
MAX_THREAD_DEPTH = 1000


class _Mapper:
    """Collects the records of one response, each post and account once."""

    def __init__(self, endpoint: str, observed_at: datetime, source: str) -> None:
        self.endpoint = endpoint
        self.observed_at = observed_at
        self.source = source
        self.records: list[Record] = []
        self.posts: set[str] = set()
        self.accounts: set[str] = set()

    def account(self, view: object, *, counts: bool = False) -> str | None:
        view = as_dict(view)
        account = account_from_profile(view, seen=self.observed_at)
        if account is None:
            return None
        if account.account_id not in self.accounts:
            self.accounts.add(account.account_id)
            self.records.append(account)
        if counts and any(k in view for k in ("followersCount", "followsCount", "postsCount")):
            self.records.append(
                AccountSnapshot(
                    network=NETWORK,
                    account_id=account.account_id,
                    observed_at=self.observed_at,
                    followers=exact_int(view.get("followersCount")),
                    following=exact_int(view.get("followsCount")),
                    posts=exact_int(view.get("postsCount")),
                )
            )
        return account.account_id

    def post(self, view: object) -> None:
        """A ``postView`` (anything else, such as ``notFoundPost``, is skipped)."""
        view = as_dict(view)
        uri = view.get("uri")
        if not isinstance(uri, str) or collection_of(uri) != POST or uri in self.posts:
            return
        author = as_dict(view.get("author"))
        did = author.get("did") if isinstance(author.get("did"), str) else did_of(uri)
        if not did or "record" not in view:
            return  # a blocked or not-found post has no record
        try:
            record = msgspec.convert(view["record"], PostRecord)
        except msgspec.ValidationError as exc:
            raise MappingError(
                t("appview.bad_body", endpoint=self.endpoint, error=f"{uri}: {exc}")
            ) from exc
        self.posts.add(uri)
        self.account(author)
        seen = self.observed_at
        indexed = time_of(view.get("indexedAt"))
        post = post_from_record(
            record,
            did=did_of(uri) or did,
            rkey=rkey_of(uri),
            seen=indexed or seen,
            source=self.source,
        )
        post.collected_at = seen
        self.records.append(post)
        self.records.append(
            PostMetrics(
                uri=uri,
                observed_at=seen,
                likes=exact_int(view.get("likeCount")),
                reposts=exact_int(view.get("repostCount")),
                replies=exact_int(view.get("replyCount")),
                quotes=exact_int(view.get("quoteCount")),
            )
        )

    def feed_item(self, item: object) -> None:
        item = as_dict(item)
        post = as_dict(item.get("post"))
        self.post(post)
        reply = as_dict(item.get("reply"))
        for key in ("parent", "root"):
            self.post(reply.get(key))
        reason = as_dict(item.get("reason"))
        if str(reason.get("$type", "")).endswith("#reasonRepost"):
            self.repost(reason, post)

    def repost(self, reason: dict[str, Any], post: dict[str, Any]) -> None:
        uri = reason.get("uri")
        subject = post.get("uri")
        if not isinstance(uri, str) or collection_of(uri) != REPOST or uri in self.posts:
            return
        if not isinstance(subject, str):
            return
        by = self.account(reason.get("by")) or did_of(uri)
        when = time_of(reason.get("indexedAt"))
        self.posts.add(uri)
        self.records.append(
            Post(
                uri=uri,
                network=NETWORK,
                post_id=rkey_of(uri),
                author_id=by,
                created_at=created_time(None, when or self.observed_at),
                collected_at=self.observed_at,
                repost_of=subject,
                source=self.source,
            )
        )

    def thread(self, node: object) -> None:
        stack: list[tuple[object, int]] = [(node, 0)]
        while stack:
            current, depth = stack.pop()
            current = as_dict(current)
            if depth > MAX_THREAD_DEPTH or "post" not in current:
                continue
            self.post(current["post"])
            if "parent" in current:
                stack.append((current["parent"], depth + 1))
            for reply in as_list(current.get("replies")):
                stack.append((reply, depth + 1))


def map_response(
    endpoint: str,
    params: Mapping[str, Any],
    response: Any,
    observed_at: datetime,
    *,
    source: str = "bluesky-appview",
) -> list[Record]:
    """Map one AppView XRPC response body to canonical records."""
    mapper = _Mapper(endpoint, observed_at, source)
    if not isinstance(response, dict):
        raise MappingError(
            t("appview.bad_body", endpoint=endpoint, error="the body is not a JSON object")
        )
    if endpoint == "app.bsky.actor.getProfile":
        if not mapper.account(response, counts=True):
            raise MappingError(t("appview.bad_body", endpoint=endpoint, error="no did"))
    elif endpoint == "app.bsky.actor.getProfiles":
        for profile in as_list(response.get("profiles")):
            mapper.account(profile, counts=True)
    elif endpoint in FEED_ENDPOINTS:
        if not isinstance(response.get("feed"), list):
            raise MappingError(t("appview.bad_body", endpoint=endpoint, error="no feed list"))
        for item in response["feed"]:
            mapper.feed_item(item)
    elif endpoint == "app.bsky.feed.getPostThread":
        if not isinstance(response.get("thread"), dict):
            raise MappingError(t("appview.bad_body", endpoint=endpoint, error="no thread"))
        mapper.thread(response["thread"])
    elif endpoint in POSTS_ENDPOINTS:
        for view in as_list(response.get("posts")):
            mapper.post(view)
    elif endpoint in ("app.bsky.graph.getFollowers", "app.bsky.graph.getFollows"):
        followers = endpoint.endswith("getFollowers")
        key = "followers" if followers else "follows"
        if not isinstance(response.get(key), list):
            raise MappingError(t("appview.bad_body", endpoint=endpoint, error=f"no {key} list"))
        subject = mapper.account(response.get("subject"))
        if subject is None:
            actor = params.get("actor")
            subject = actor if isinstance(actor, str) and actor.startswith("did:") else None
        if subject is None:
            raise MappingError(t("appview.bad_body", endpoint=endpoint, error="no subject did"))
        for profile in response[key]:
            other = mapper.account(profile)
            if other is None:
                continue
            mapper.records.append(
                Follow(
                    network=NETWORK,
                    follower_id=other if followers else subject,
                    followee_id=subject if followers else other,
                    observed_at=observed_at,
                )
            )
    else:
        raise MappingError(t("appview.unknown_endpoint", endpoint=endpoint))
    return mapper.records


class BlueskyAppViewImporter(JsonLinesImporter):
    """Import saved AppView responses (JSONL: endpoint, params, observed_at, response)."""

    id: ClassVar[str] = "bluesky-appview"
    network: ClassVar[str] = NETWORK
    description: ClassVar[str] = (
        "Bluesky AppView responses saved as JSONL (profiles, author feeds, threads, "
        "followers, follows)"
    )

    class Options(JsonLinesImporter.Options):
        max_line_bytes: int = Field(
            default=16 * MAX_ITEM_BYTES,
            gt=0,
            description="A line longer than this is rejected (a feed page of 100 posts "
            "is a few hundred KB).",
        )

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        value = decode_json(raw.payload)
        if not isinstance(value, dict) or not isinstance(value.get("endpoint"), str):
            raise MappingError(t("appview.bad_line"))
        if "response" not in value:
            raise MappingError(t("appview.bad_line"))
        observed = value.get("observed_at")
        observed_at = time_of(observed) or raw.received_at
        params = value.get("params")
        return map_response(
            value["endpoint"],
            params if isinstance(params, dict) else {},
            value["response"],
            observed_at,
            source=cls.id,
        )


CONNECTORS = [BlueskyAppViewImporter]
