"""Mastodon REST and streaming against a local server replaying real API payloads."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import zstandard
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from collect_helpers import FakeClock, make_workspace, mastodon_json
from veille.flow.collect import collect_once, listen
from veille.model import Post, Tombstone
from veille.sources.base import RawItem, Reject
from veille.sources.http import PoliteClient
from veille.sources.mastodon.poller import Instance, MastodonOptions, MastodonRest, token_env_for
from veille.sources.mastodon.stream import MastodonStream, MastodonStreamOptions, _sse_events
from veille.workspace import Workspace

TOKEN = "masto-Secret-Token-0123456789abcdef"


def client() -> PoliteClient:
    clock = FakeClock()
    return PoliteClient(sleep=clock.sleep, clock=clock, max_retries=1)


def statuses() -> list[dict[str, Any]]:
    """Three real statuses of one account, newest first, with distinct ids."""
    base = mastodon_json("test_status__01__GET_v1_statuses_117020583223442465.json")
    card = mastodon_json("test_status_card__01__GET_v1_statuses_117020609135389699.json")
    ctx = mastodon_json("test_status_context__00__POST_v1_statuses.json")
    out = [card, base, ctx]
    out[0]["replies_count"] = 1
    return out


def serve_account(
    httpserver: HTTPServer,
    pages: list[list[dict[str, Any]]],
    reply: dict[str, Any] | None = None,
    token: str | None = None,
) -> None:
    account = mastodon_json("test_account__01__GET_v1_accounts_117020457910412882.json")
    account_id = statuses()[0]["account"]["id"]
    account["id"] = account_id

    def check(request: Request) -> Response | None:
        if token and request.headers.get("Authorization") != f"Bearer {token}":
            return Response('{"error":"This API requires an authenticated user"}', status=401)
        return None

    def lookup(request: Request) -> Response:
        return check(request) or Response(
            json.dumps(account),
            content_type="application/json",
            headers={
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "299",
                "X-RateLimit-Reset": "2026-11-23T10:05:00Z",
            },
        )

    def feed(request: Request) -> Response:
        denied = check(request)
        if denied:
            return denied
        page = int(request.args.get("page", "0"))
        headers = {}
        if page + 1 < len(pages):
            headers["Link"] = (
                f"<{httpserver.url_for(f'/api/v1/accounts/{account_id}/statuses')}"
                f'?max_id=1&page={page + 1}>; rel="next"'
            )
        return Response(json.dumps(pages[page]), content_type="application/json", headers=headers)

    httpserver.expect_request("/api/v1/accounts/lookup").respond_with_handler(lookup)
    httpserver.expect_request(f"/api/v1/accounts/{account_id}/statuses").respond_with_handler(feed)
    context = {"ancestors": [], "descendants": [reply] if reply else []}
    httpserver.expect_request(f"/api/v1/statuses/{statuses()[0]['id']}/context").respond_with_json(
        context
    )


def test_account_statuses_are_paged_by_link_and_threads_fetched(httpserver: HTTPServer) -> None:
    page1, page2 = statuses()[:2], statuses()[2:]
    reply = copy.deepcopy(statuses()[1])
    reply.update(
        id="999", uri="http://localhost:3000/ap/users/2/statuses/999", in_reply_to_id=page1[0]["id"]
    )
    serve_account(httpserver, [page1, page2], reply)
    host = httpserver.url_for("/").rstrip("/")
    domain = host.split("://")[1]
    rest = MastodonRest(
        MastodonOptions(
            instances=[Instance(url=host)],
            accounts=[f"mastodonpy_test@{domain}"],
            since=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        client=client(),
    )
    items = list(rest.fetch(None))
    endpoints = [json.loads(bytes(i.payload))["endpoint"] for i in items if isinstance(i, RawItem)]
    assert endpoints == [
        "accounts/lookup",
        "accounts/statuses",
        "accounts/statuses",
        "statuses/context",
    ]
    records = [r for i in items if isinstance(i, RawItem) for r in MastodonRest.to_records(i)]
    uris = {r.uri for r in records if isinstance(r, Post)}
    assert {s["uri"] for s in statuses()} | {reply["uri"]} <= uris
    state = json.loads(rest.cursor or "{}")[f"mastodonpy_test@{domain}".lower()]
    assert state["newest"].startswith("2026-08-01")
    assert rest.client.state(domain).limit == 300


def test_instance_requiring_a_token_says_which_variable(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_account(httpserver, [statuses()], token=TOKEN)
    host = httpserver.url_for("/").rstrip("/")
    domain = host.split("://")[1]
    env = token_env_for(host)
    monkeypatch.delenv(env, raising=False)
    rest = MastodonRest(
        MastodonOptions(instances=[Instance(url=host)], accounts=[f"mastodonpy_test@{domain}"]),
        client=client(),
    )
    items = list(rest.fetch(None))
    assert len(items) == 1 and isinstance(items[0], Reject)
    assert "requires an access token" in items[0].reason or "exige un jeton" in items[0].reason
    assert env in items[0].reason and env.startswith("VEILLE_")


def sse(events: list[tuple[str, str]]) -> str:
    return "".join(f"event: {e}\ndata: {d}\n\n" if e else f":{d}\n\n" for e, d in events)


def test_streaming_updates_deletes_and_bad_events(httpserver: HTTPServer) -> None:
    status = statuses()[1]
    events = [
        ("", "thump"),
        ("update", json.dumps(status)),
        ("update", "{broken"),
        ("notification", "{}"),
        ("status.update", json.dumps(status)),
        ("delete", status["id"]),
    ]
    httpserver.expect_request("/api/v1/streaming/hashtag").respond_with_data(
        sse(events), content_type="text/event-stream"
    )
    stream = MastodonStream(
        MastodonStreamOptions(
            instances=[Instance(url=httpserver.url_for("/").rstrip("/"))],
            hashtags=["hoot"],
            max_events=3,
            max_seconds=10,
        ),
        client=client(),
    )
    items = list(stream.fetch(None))
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["RawItem", "Reject", "RawItem", "RawItem"]
    records = [r for i in items if isinstance(i, RawItem) for r in MastodonStream.to_records(i)]
    assert any(isinstance(r, Post) and r.uri == status["uri"] for r in records)
    tombs = [r for r in records if isinstance(r, Tombstone)]
    assert [t.key for t in tombs] == [status["uri"]]
    assert json.loads(stream.cursor or "{}")  # newest status id per stream


def test_sse_parser() -> None:
    lines = ["event: update", 'data: {"a":', "data: 1}", "", ": hb", "data: x", ""]
    assert list(_sse_events(iter(lines))) == [("update", '{"a":\n1}'), ("", ""), ("message", "x")]


def test_tokens_never_reach_logs_errors_or_the_raw_log(
    tmp_path: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    status = statuses()[1]
    serve_account(httpserver, [statuses()], token=TOKEN)

    def stream_handler(request: Request) -> Iterator[bytes] | Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response("unauthorized", status=401)
        return Response(
            sse([("update", json.dumps(status)), ("delete", status["id"])]),
            content_type="text/event-stream",
        )

    httpserver.expect_request("/api/v1/streaming/hashtag").respond_with_handler(stream_handler)
    httpserver.expect_request("/api/v1/timelines/tag/hoot").respond_with_data(
        f"forbidden, token was {TOKEN}", status=403
    )
    host = httpserver.url_for("/").rstrip("/")
    domain = host.split("://")[1]
    monkeypatch.setenv("VEILLE_TEST_MASTO_TOKEN", TOKEN)
    root = make_workspace(
        tmp_path / "ws",
        f"""
[[leaders]]
id = "m"
name = "M"
accounts = {{ mastodon = ["mastodonpy_test@{domain}"] }}

[sources.mastodon]
instances = [{{ url = "{host}", token_env = "VEILLE_TEST_MASTO_TOKEN" }}]
hashtags = ["hoot"]
""",
    )
    with Workspace.open(root) as ws:
        results = collect_once(ws, ["mastodon"])
        assert results["mastodon-live"].posts_new >= 3
        summary = listen(ws, "mastodon", max_seconds=2.0)
        assert summary.read >= 2
        deleted = ws.store.con.execute(
            "SELECT count(*) FROM tombstones WHERE key = ?", [status["uri"]]
        ).fetchone()
        assert deleted == (1,)
        text = ws.store.con.execute(
            "SELECT text FROM posts WHERE uri = ?", [status["uri"]]
        ).fetchone()
        assert text is None or text[0] is None  # purged
        state = ws.store.con.execute("SELECT last_error, rate_limit FROM source_state").fetchall()
    blobs = [caplog.text, json.dumps(state, default=str)]
    for path in (root / "data").rglob("*"):
        if path.is_file() and path.suffix != ".duckdb" and not path.name.endswith(".wal"):
            data = path.read_bytes()
            if path.name.endswith(".zst"):
                data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
            blobs.append(data.decode("utf-8", "replace"))
    assert any("statuses" in b for b in blobs)  # the raw log was read
    assert all(TOKEN not in blob for blob in blobs)


@given(st.lists(st.text(max_size=40), max_size=30))
def test_sse_parser_never_crashes(lines: list[str]) -> None:
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    for event, data in _sse_events(iter(lines)):
        assert isinstance(event, str) and isinstance(data, str)


_STREAM = MastodonStream(MastodonStreamOptions())


@given(st.text(max_size=200), st.sampled_from(["update", "status.update", "delete", "x"]))
def test_any_stream_event_is_an_item_a_reject_or_nothing(data: str, event: str) -> None:
    stream = _STREAM
    inst = Instance(url="https://m.example")
    from veille.sources.mastodon.stream import StreamSpec

    result = stream._event(inst, StreamSpec(stream="public"), "k", event, data)
    assert result is None or isinstance(result, RawItem | Reject)
    if isinstance(result, RawItem):
        try:
            MastodonStream.to_records(result)
        except Exception as exc:  # mapping errors are allowed, crashes of other kinds are not
            from veille.sources.base import MappingError

            assert isinstance(exc, MappingError), exc


def test_streaming_host_is_discovered_from_the_instance(httpserver: HTTPServer) -> None:
    instance = mastodon_json("test_hashtag_tl__01__GET_v2_instance_.json")
    assert instance["configuration"]["urls"]["streaming"] == "ws://localhost:4000"  # real shape
    elsewhere = httpserver.url_for("/streaming-host").replace("http://", "ws://")
    instance["configuration"]["urls"]["streaming"] = elsewhere
    httpserver.expect_request("/api/v2/instance").respond_with_json(instance)
    status = statuses()[1]
    httpserver.expect_request("/streaming-host/api/v1/streaming/hashtag").respond_with_data(
        sse([("update", json.dumps(status))]), content_type="text/event-stream"
    )
    stream = MastodonStream(
        MastodonStreamOptions(
            instances=[Instance(url=httpserver.url_for("/").rstrip("/"))],
            hashtags=["hoot"],
            max_events=1,
            max_seconds=10,
        ),
        client=client(),
    )
    items = list(stream.fetch(None))
    assert len(items) == 1 and isinstance(items[0], RawItem)


def test_several_streams_are_merged_with_one_cursor_each(httpserver: HTTPServer) -> None:
    one, two = statuses()[0], statuses()[1]

    served: set[str] = set()

    def handler(request: Request) -> Response:
        tag = str(request.args.get("tag"))
        if tag in served:  # each stream sends its status once, then only heartbeats
            return Response(":thump\n\n", content_type="text/event-stream")
        served.add(tag)
        status = one if tag == "un" else two
        return Response(sse([("update", json.dumps(status))]), content_type="text/event-stream")

    httpserver.expect_request("/api/v1/streaming/hashtag").respond_with_handler(handler)
    stream = MastodonStream(
        MastodonStreamOptions(
            instances=[Instance(url=httpserver.url_for("/").rstrip("/"))],
            hashtags=["un", "deux"],
            max_events=2,
            max_seconds=10,
            gap_pages=0,
        ),
        client=client(),
    )
    items = list(stream.fetch(None))
    assert len(items) >= 2 and all(isinstance(i, RawItem) for i in items)
    cursor = json.loads(stream.cursor or "{}")
    assert {k.rsplit(":", 1)[1] for k in cursor} == {"un", "deux"}
    assert set(cursor.values()) == {one["id"], two["id"]}
