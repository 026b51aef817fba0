"""Publishing client against a local PDS / Mastodon (pytest-httpserver)."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from collect_helpers import FakeClock
from veille.errors import UsageError
from veille.sources.http import HttpError, PoliteClient
from veille.sources.publish import BlueskyPublisher, MastodonPublisher, facets, new_tid

APP_PASSWORD = "abcd-efgh-ijkl-mnop"
ACCESS = "eyJhbGciOiJIUzI1NiJ9.access.sig"


def client() -> PoliteClient:
    clock = FakeClock()
    return PoliteClient(sleep=clock.sleep, clock=clock, max_retries=2)


def test_bluesky_thread_with_facets_and_reply_refs(httpserver: HTTPServer) -> None:
    created: list[dict[str, object]] = []

    def session(request: Request) -> Response:
        assert request.json == {"identifier": "me.bsky.social", "password": APP_PASSWORD}
        return Response(
            json.dumps(
                {
                    "did": "did:plc:me",
                    "handle": "me.bsky.social",
                    "accessJwt": ACCESS,
                    "refreshJwt": "refresh-xyz-123",
                }
            ),
            content_type="application/json",
        )

    def create(request: Request) -> Response:
        assert request.headers["Authorization"] == f"Bearer {ACCESS}"
        body = request.json
        assert isinstance(body, dict)
        created.append(body)
        n = len(created)
        return Response(
            json.dumps(
                {"uri": f"at://did:plc:me/app.bsky.feed.post/{body['rkey']}", "cid": f"cid{n}"}
            ),
            content_type="application/json",
        )

    httpserver.expect_request(
        "/xrpc/com.atproto.server.createSession", method="POST"
    ).respond_with_handler(session)
    httpserver.expect_request(
        "/xrpc/com.atproto.identity.resolveHandle", query_string="handle=alice.bsky.social"
    ).respond_with_json({"did": "did:plc:alice"})
    httpserver.expect_request(
        "/xrpc/com.atproto.repo.createRecord", method="POST"
    ).respond_with_handler(create)
    pub = BlueskyPublisher(
        "me.bsky.social", APP_PASSWORD, pds_url=httpserver.url_for("/"), client=client()
    )
    done = pub.publish(["Été 🌞 avec @alice.bsky.social : https://exemple.fr/a #veille", "suite"])
    assert len(done) == 2 and done[0].uri.startswith("at://did:plc:me/")
    first, second = (c["record"] for c in created)
    assert isinstance(first, dict) and isinstance(second, dict)
    text = first["text"]
    assert isinstance(text, str)
    raw = text.encode()
    spans = {
        f["features"][0]["$type"].rsplit("#")[1]: raw[
            f["index"]["byteStart"] : f["index"]["byteEnd"]
        ].decode()
        for f in first["facets"]
    }
    assert spans == {
        "mention": "@alice.bsky.social",
        "link": "https://exemple.fr/a",
        "tag": "#veille",
    }
    assert "reply" not in first
    assert second["reply"] == {
        "root": {"uri": done[0].uri, "cid": "cid1"},
        "parent": {"uri": done[0].uri, "cid": "cid1"},
    }
    assert created[0]["rkey"] != created[1]["rkey"]


def test_bluesky_errors_do_not_leak_the_app_password(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_data(
        json.dumps({"error": "AuthenticationRequired", "message": f"bad password {APP_PASSWORD}"}),
        status=401,
    )
    pub = BlueskyPublisher(
        "me.bsky.social", APP_PASSWORD, pds_url=httpserver.url_for("/"), client=client()
    )
    with pytest.raises(HttpError) as info:
        pub.publish(["bonjour"])
    assert APP_PASSWORD not in str(info.value) and APP_PASSWORD not in info.value.body
    assert APP_PASSWORD not in caplog.text


def test_mastodon_thread_uses_in_reply_to_and_idempotency_keys(httpserver: HTTPServer) -> None:
    token = "mastodon-token-0123456789"
    seen: list[tuple[dict[str, object], str]] = []

    def post(request: Request) -> Response:
        assert request.headers["Authorization"] == f"Bearer {token}"
        body = request.json
        assert isinstance(body, dict)
        seen.append((body, request.headers["Idempotency-Key"]))
        if len(seen) == 2:  # first try of the 2nd post fails: retried with the same key
            return Response("oops", status=503)
        n = len(seen)
        return Response(
            json.dumps(
                {
                    "id": str(100 + n),
                    "uri": f"https://m.example/s/{n}",
                    "url": f"https://m.example/@me/{n}",
                }
            ),
            content_type="application/json",
        )

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(post)
    pub = MastodonPublisher(httpserver.url_for("/"), token, client=client())
    done = pub.publish(["un", "deux"], thread_key="digest-2026-11-23")
    assert [d.id for d in done] == ["101", "103"]
    assert "in_reply_to_id" not in seen[0][0]
    assert seen[1][0]["in_reply_to_id"] == "101" and seen[2][0]["in_reply_to_id"] == "101"
    assert seen[1][1] == seen[2][1] != seen[0][1]


def test_too_long_and_empty_posts_are_refused() -> None:
    pub = MastodonPublisher("https://m.example", "token-abcdef", client=client())
    with pytest.raises(UsageError):
        pub.publish(["x" * 501])
    with pytest.raises(UsageError):
        pub.publish([])


def test_tid_is_13_sortable_chars() -> None:
    a, b = new_tid(1_700_000_000_000_000, 1), new_tid(1_700_000_000_000_001, 0)
    assert len(a) == 13 and a < b


@given(st.text(max_size=200))
def test_facets_offsets_are_valid_utf8_spans(text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    for facet in facets(text, lambda handle: "did:plc:x"):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert 0 <= start < end <= len(raw)
        raw[start:end].decode("utf-8", "surrogatepass")
