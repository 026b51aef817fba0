"""Bluesky AppView poller against a local AppView (paging, --since, threads, graph, cache,
429)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from collect_helpers import FakeClock
from veille.model import AccountSnapshot, Post
from veille.sources.base import RawItem
from veille.sources.bluesky.poller import AppViewOptions, BlueskyAppView
from veille.sources.http import PoliteClient

DID = "did:plc:leaderleaderleader"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def item(n: int, when: datetime, replies: int = 0) -> dict[str, Any]:
    iso = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "post": {
            "uri": f"at://{DID}/app.bsky.feed.post/3k{n:05d}",
            "cid": f"c{n}",
            "author": {"did": DID, "handle": "leader.test"},
            "record": {"$type": "app.bsky.feed.post", "text": f"post {n}", "createdAt": iso},
            "replyCount": replies,
            "repostCount": 1,
            "likeCount": 2,
            "quoteCount": 0,
            "indexedAt": iso,
        }
    }


def serve(httpserver: HTTPServer, calls: list[str], throttle_once: bool = False) -> None:
    pages = {
        None: (
            [item(1, NOW - timedelta(hours=1), replies=2), item(2, NOW - timedelta(days=2))],
            "p2",
        ),
        "p2": ([item(3, NOW - timedelta(days=10)), item(4, NOW - timedelta(days=20))], "p3"),
        "p3": ([item(5, NOW - timedelta(days=40))], None),
    }
    throttled: list[bool] = []

    def feed(request: Request) -> Response:
        calls.append("feed:" + str(request.args.get("cursor")))
        if throttle_once and not throttled:
            throttled.append(True)
            return Response(
                '{"error":"RateLimitExceeded"}',
                status=429,
                headers={
                    "ratelimit-limit": "3000",
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(int(FakeClock().now) + 60),
                },
            )
        assert request.args["actor"] == DID and request.args["filter"] == "posts_with_replies"
        feed, cursor = pages[request.args.get("cursor")]
        body: dict[str, Any] = {"feed": feed}
        if cursor:
            body["cursor"] = cursor
        return Response(
            json.dumps(body),
            content_type="application/json",
            headers={
                "ratelimit-limit": "3000",
                "ratelimit-remaining": "2990",
                "ratelimit-reset": str(int(FakeClock().now) + 300),
            },
        )

    def resolve(request: Request) -> Response:
        calls.append("resolve")
        return Response(json.dumps({"did": DID}), content_type="application/json")

    def profile(request: Request) -> Response:
        calls.append("profile")
        return Response(
            json.dumps(
                {
                    "did": DID,
                    "handle": "leader.test",
                    "followersCount": 1200,
                    "followsCount": 80,
                    "postsCount": 5,
                }
            ),
            content_type="application/json",
        )

    def thread(request: Request) -> Response:
        calls.append("thread:" + request.args["uri"])
        return Response(
            json.dumps(
                {
                    "thread": {
                        "$type": "app.bsky.feed.defs#threadViewPost",
                        "post": item(1, NOW)["post"],
                        "replies": [],
                    }
                }
            ),
            content_type="application/json",
        )

    def graph(request: Request) -> Response:
        calls.append("graph:" + request.path.rsplit(".", 1)[-1])
        key = "followers" if "Followers" in request.path else "follows"
        return Response(
            json.dumps(
                {
                    "subject": {"did": DID, "handle": "leader.test"},
                    key: [{"did": "did:plc:fan", "handle": "fan.test"}],
                }
            ),
            content_type="application/json",
        )

    httpserver.expect_request("/xrpc/com.atproto.identity.resolveHandle").respond_with_handler(
        resolve
    )
    httpserver.expect_request("/xrpc/app.bsky.actor.getProfile").respond_with_handler(profile)
    httpserver.expect_request("/xrpc/app.bsky.feed.getAuthorFeed").respond_with_handler(feed)
    httpserver.expect_request("/xrpc/app.bsky.feed.getPostThread").respond_with_handler(thread)
    httpserver.expect_request("/xrpc/app.bsky.graph.getFollowers").respond_with_handler(graph)
    httpserver.expect_request("/xrpc/app.bsky.graph.getFollows").respond_with_handler(graph)


def poller(httpserver: HTTPServer, tmp_path: Path, clock: FakeClock, **kw: Any) -> BlueskyAppView:
    options = AppViewOptions(
        appview_url=httpserver.url_for("/").rstrip("/"),
        actors=["leader.test"],
        cache_path=str(tmp_path / "handles.json"),
        **kw,
    )
    return BlueskyAppView(
        options, client=PoliteClient(sleep=clock.sleep, clock=clock), now=lambda: NOW
    )


def test_first_run_pages_back_to_since_and_fetches_threads_and_graph(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    calls: list[str] = []
    serve(httpserver, calls)
    clock = FakeClock()
    bsky = poller(httpserver, tmp_path, clock, since=NOW - timedelta(days=15), graph=True)
    items = [i for i in bsky.fetch(None) if isinstance(i, RawItem)]
    assert calls == [
        "resolve",
        "profile",
        "feed:None",
        "feed:p2",
        f"thread:at://{DID}/app.bsky.feed.post/3k00001",
        "graph:getFollowers",
        "graph:getFollows",
    ]
    raw = json.loads(bytes(items[2].payload))
    assert raw["endpoint"] == "app.bsky.feed.getAuthorFeed" and raw["params"]["actor"] == DID
    assert set(raw) == {"endpoint", "params", "observed_at", "response"}
    records = [r for i in items for r in BlueskyAppView.to_records(i)]
    posts = {r.uri for r in records if isinstance(r, Post)}
    assert f"at://{DID}/app.bsky.feed.post/3k00004" in posts
    assert any(isinstance(r, AccountSnapshot) and r.followers == 1200 for r in records)
    state = json.loads(bsky.cursor or "{}")["actors"][DID]
    assert state["newest"].startswith("2026-11-23T11:00")
    assert json.loads((tmp_path / "handles.json").read_text())["leader.test"]["did"] == DID


def test_next_run_uses_the_cache_and_stops_at_the_refresh_window(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    calls: list[str] = []
    serve(httpserver, calls)
    clock = FakeClock()
    first = poller(httpserver, tmp_path, clock, since=NOW - timedelta(days=15), threads=False)
    list(first.fetch(None))
    calls.clear()
    second = poller(httpserver, tmp_path, clock, threads=False, refresh_days=1.0)
    list(second.fetch(first.cursor))
    # no resolution (cached), no profile (snapshot not due), one page (1 day of refresh)
    assert calls == ["feed:None"]


def test_429_on_the_appview_is_waited_out(httpserver: HTTPServer, tmp_path: Path) -> None:
    calls: list[str] = []
    serve(httpserver, calls, throttle_once=True)
    clock = FakeClock()
    bsky = poller(httpserver, tmp_path, clock, since=NOW - timedelta(days=1), threads=False)
    items = [i for i in bsky.fetch(None) if isinstance(i, RawItem)]
    assert calls.count("feed:None") == 2 and len(items) == 2
    assert any(s >= 59 for s in clock.sleeps)
