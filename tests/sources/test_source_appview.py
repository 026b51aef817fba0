"""Bluesky AppView responses (shapes of the app.bsky lexicons; no real sample is stored)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from source_helpers import english, map_all, of_type, read_all, write_jsonl  # noqa: F401

from veille.model import Account, AccountSnapshot, Follow, Post, PostMetrics
from veille.sources.base import MappingError
from veille.sources.bluesky.appview import BlueskyAppViewImporter, map_response
from veille.sources.bluesky.jetstream import map_event

OBSERVED = datetime(2026, 3, 1, 12, tzinfo=UTC)
ALICE = "did:plc:alice000000000000000000"
BOB = "did:plc:bob00000000000000000000"


def author(did: str, handle: str) -> dict[str, Any]:
    return {
        "did": did,
        "handle": handle,
        "displayName": handle.split(".")[0].title(),
        "avatar": "https://cdn.bsky.app/a.jpg",
        "createdAt": "2023-04-01T00:00:00.000Z",
        "viewer": {"muted": False},
        "labels": [],
    }


def post_view(did: str, handle: str, rkey: str, text: str, **record: Any) -> dict[str, Any]:
    return {
        "$type": "app.bsky.feed.defs#postView",
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": "bafyreia",
        "author": author(did, handle),
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": "2026-02-28T10:00:00.000Z",
            "langs": ["fr"],
            **record,
        },
        "replyCount": 2,
        "repostCount": 3,
        "likeCount": 10,
        "quoteCount": 1,
        "indexedAt": "2026-02-28T10:00:01.000Z",
        "viewer": {},
        "labels": [],
    }


def test_get_profile() -> None:
    profile = {
        **author(ALICE, "alice.bsky.social"),
        "description": "CEO d'Acme",
        "followersCount": 1200,
        "followsCount": 300,
        "postsCount": 450,
        "indexedAt": "2026-01-01T00:00:00.000Z",
    }
    account, snapshot = map_response(
        "app.bsky.actor.getProfile", {"actor": ALICE}, profile, OBSERVED
    )
    assert isinstance(account, Account) and isinstance(snapshot, AccountSnapshot)
    assert (account.account_id, account.handle, account.bio) == (
        ALICE,
        "alice.bsky.social",
        "CEO d'Acme",
    )
    assert account.url == "https://bsky.app/profile/alice.bsky.social"
    assert (snapshot.followers, snapshot.following, snapshot.posts) == (1200, 300, 450)
    assert snapshot.observed_at == OBSERVED


def test_author_feed_posts_replies_reposts_and_metrics() -> None:
    root = post_view(BOB, "bob.test", "3root", "Question ?")
    reply = post_view(
        ALICE,
        "alice.test",
        "3reply",
        "Réponse",
        reply={
            "root": {"uri": root["uri"], "cid": "c"},
            "parent": {"uri": root["uri"], "cid": "c"},
        },
    )
    boosted = post_view(BOB, "bob.test", "3boost", "À partager")
    feed = {
        "feed": [
            {"post": reply, "reply": {"root": root, "parent": root}},
            {
                "post": boosted,
                "reason": {
                    "$type": "app.bsky.feed.defs#reasonRepost",
                    "by": author(ALICE, "alice.test"),
                    "uri": f"at://{ALICE}/app.bsky.feed.repost/3rp",
                    "cid": "c",
                    "indexedAt": "2026-02-28T11:00:00.000Z",
                },
            },
            {
                "post": post_view(BOB, "bob.test", "3old", "Ancien repost"),
                "reason": {
                    "$type": "app.bsky.feed.defs#reasonRepost",
                    "by": author(ALICE, "alice.test"),
                    "indexedAt": "2026-02-28T11:00:00Z",
                },
            },
            {
                "post": {
                    "$type": "app.bsky.feed.defs#notFoundPost",
                    "uri": "at://x/y/z",
                    "notFound": True,
                }
            },
        ],
        "cursor": "abc",
    }
    records = map_response("app.bsky.feed.getAuthorFeed", {"actor": ALICE}, feed, OBSERVED)
    posts = {p.uri: p for p in of_type(records, Post)}
    assert set(posts) == {
        root["uri"],
        reply["uri"],
        boosted["uri"],
        f"at://{BOB}/app.bsky.feed.post/3old",
        f"at://{ALICE}/app.bsky.feed.repost/3rp",
    }
    assert posts[reply["uri"]].reply_to == root["uri"]
    assert posts[reply["uri"]].reply_root == root["uri"]
    repost = posts[f"at://{ALICE}/app.bsky.feed.repost/3rp"]
    assert repost.repost_of == boosted["uri"] and repost.author_id == ALICE
    assert repost.text is None
    assert all(p.collected_at == OBSERVED for p in posts.values())
    metrics = {m.uri: m for m in of_type(records, PostMetrics)}
    assert (
        metrics[reply["uri"]].likes,
        metrics[reply["uri"]].reposts,
        metrics[reply["uri"]].replies,
        metrics[reply["uri"]].quotes,
    ) == (10, 3, 2, 1)
    assert {a.account_id for a in of_type(records, Account)} == {ALICE, BOB}
    assert len(of_type(records, Account)) == 2  # each account once


def test_same_post_from_appview_and_jetstream() -> None:
    view = post_view(
        ALICE,
        "alice.test",
        "3same",
        "Bonjour #veille",
        facets=[
            {
                "index": {"byteStart": 8, "byteEnd": 15},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "veille"}],
            }
        ],
    )
    (from_appview,) = of_type(
        map_response("app.bsky.feed.getPosts", {}, {"posts": [view]}, OBSERVED), Post
    )
    event = {
        "did": ALICE,
        "time_us": 1_772_272_801_000_000,
        "kind": "commit",
        "commit": {
            "rev": "r",
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": "3same",
            "record": view["record"],
            "cid": "c",
        },
    }
    (from_jetstream,) = map_event(event)
    assert isinstance(from_jetstream, Post)
    for field in ("uri", "post_id", "author_id", "created_at", "text", "lang", "hashtags"):
        assert getattr(from_appview, field) == getattr(from_jetstream, field), field


def test_thread_parents_and_replies_and_deep_threads() -> None:
    parent = post_view(BOB, "bob.test", "3p", "parent")
    main = post_view(ALICE, "alice.test", "3m", "main")
    child = post_view(BOB, "bob.test", "3c", "child")
    thread = {
        "thread": {
            "$type": "app.bsky.feed.defs#threadViewPost",
            "post": main,
            "parent": {"$type": "app.bsky.feed.defs#threadViewPost", "post": parent},
            "replies": [
                {"$type": "app.bsky.feed.defs#threadViewPost", "post": child, "replies": []},
                {
                    "$type": "app.bsky.feed.defs#blockedPost",
                    "uri": "at://b/app.bsky.feed.post/x",
                    "blocked": True,
                },
            ],
        }
    }
    records = map_response("app.bsky.feed.getPostThread", {"uri": main["uri"]}, thread, OBSERVED)
    assert {p.text for p in of_type(records, Post)} == {"parent", "main", "child"}
    node: dict[str, Any] = {"post": post_view(ALICE, "a.test", "3d0", "d0")}
    top = node
    for i in range(1, 3000):
        nxt = {"post": post_view(ALICE, "a.test", f"3d{i}", f"d{i}")}
        node["replies"] = [nxt]
        node = nxt
    deep = map_response("app.bsky.feed.getPostThread", {}, {"thread": top}, OBSERVED)
    assert len(of_type(deep, Post)) == 1001  # bounded depth, no recursion error


def test_followers_and_follows_directions() -> None:
    subject = author(ALICE, "alice.test")
    followers = {
        "subject": subject,
        "followers": [author(BOB, "bob.test"), {"handle": "no-did.test"}],
    }
    records = map_response("app.bsky.graph.getFollowers", {"actor": ALICE}, followers, OBSERVED)
    (follow,) = of_type(records, Follow)
    assert (follow.follower_id, follow.followee_id) == (BOB, ALICE)
    assert follow.observed_at == OBSERVED and follow.uri is None
    follows = {"subject": subject, "follows": [author(BOB, "bob.test")]}
    (follow,) = of_type(
        map_response("app.bsky.graph.getFollows", {"actor": ALICE}, follows, OBSERVED), Follow
    )
    assert (follow.follower_id, follow.followee_id) == (ALICE, BOB)
    no_subject = {"followers": [author(BOB, "bob.test")]}
    (follow,) = of_type(
        map_response("app.bsky.graph.getFollowers", {"actor": ALICE}, no_subject, OBSERVED), Follow
    )
    assert follow.followee_id == ALICE


@pytest.mark.parametrize(
    ("endpoint", "response", "message"),
    [
        ("app.bsky.feed.searchActors", {}, "unknown AppView endpoint"),
        ("app.bsky.actor.getProfile", [], "the body is not a JSON object"),
        ("app.bsky.actor.getProfile", {"handle": "x"}, "no did"),
        ("app.bsky.feed.getAuthorFeed", {"feed": {}}, "no feed list"),
        ("app.bsky.feed.getPostThread", {"thread": None}, "no thread"),
        ("app.bsky.graph.getFollows", {"follows": []}, "no subject did"),
        (
            "app.bsky.feed.getPosts",
            {
                "posts": [
                    {
                        "uri": f"at://{ALICE}/app.bsky.feed.post/1",
                        "author": {"did": ALICE},
                        "record": {"text": ["not", "text"]},
                    }
                ]
            },
            "invalid app.bsky.feed.getPosts response",
        ),
    ],
)
def test_bad_responses(endpoint: str, response: Any, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        map_response(endpoint, {}, response, OBSERVED)


def test_importer_lines(tmp_path: Path) -> None:
    profile = {**author(ALICE, "alice.test"), "followersCount": 5}
    lines = [
        {
            "endpoint": "app.bsky.actor.getProfile",
            "params": {"actor": ALICE},
            "observed_at": "2026-03-01T12:00:00Z",
            "response": profile,
        },
        {"endpoint": "app.bsky.actor.getProfile", "observed_at": "x"},
        {
            "endpoint": "app.bsky.feed.getPosts",
            "params": {},
            "observed_at": "bad date",
            "response": {"posts": [post_view(BOB, "bob.test", "3x", "x")]},
        },
    ]
    path = write_jsonl(tmp_path / "appview.jsonl", lines)
    items, rejects = read_all(BlueskyAppViewImporter([path]))
    assert not rejects and len(items) == 3
    records, errors = map_all(BlueskyAppViewImporter, items)
    assert [e[0].origin for e in errors] == [f"{path}:2"]
    snapshot = of_type(records, AccountSnapshot)[0]
    assert snapshot.observed_at == OBSERVED and snapshot.followers == 5
    (post,) = of_type(records, Post)
    assert post.collected_at == items[2].received_at  # unreadable observed_at: when read
    json.loads(bytes(items[0].payload))
