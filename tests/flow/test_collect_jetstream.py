"""Jetstream live stream against a local replay server (real events, v2 framing)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from collect_helpers import expected_post_uris, jetstream_lines, make_workspace
from veille.flow.collect import listen
from veille.model import Post
from veille.simulate.replay import ReplayServer, vary_events
from veille.sources.bluesky.stream import OLDEST_RETAINED, BlueskyJetstream, StreamOptions
from veille.workspace import Workspace

START_US = 1_783_175_888_000_000  # 2026-07-04, as in the capture

TOML = """
[workspace]
name = "test"

[sources.bluesky]
appview_url = "{appview}"
jetstream_url = "{jetstream}"
listen_all_posts = {all_posts}
"""


def workspace(
    tmp_path: Path,
    server: ReplayServer,
    appview: str = "http://127.0.0.1:9",
    all_posts: bool = True,
    extra: str = "",
) -> Path:
    return make_workspace(
        tmp_path / "ws",
        TOML.format(appview=appview, jetstream=server.url, all_posts=str(all_posts).lower())
        + extra,
    )


def stream(server: ReplayServer, **kw: Any) -> BlueskyJetstream:
    options: dict[str, Any] = {
        "jetstream_url": server.url,
        "mode": "network",
        "silence_seconds": 5.0,
        "max_seconds": 20.0,
    }
    options.update(kw)
    return BlueskyJetstream(StreamOptions(**options))


def stored_posts(ws: Workspace) -> list[str]:
    return [r[0] for r in ws.store.con.execute("SELECT uri FROM posts").fetchall()]


def events(count: int = 240) -> list[Any]:
    return vary_events(jetstream_lines(), count, start_us=START_US, rate=50.0)


def post_frames(evs: list[Any]) -> list[bytes]:
    return [e.frame for e in evs if e.collection == "app.bsky.feed.post"]


def test_stream_stores_every_post_and_saves_the_cursor(tmp_path: Path) -> None:
    evs = events()
    posts = post_frames(evs)
    with ReplayServer(evs) as server:
        root = workspace(tmp_path, server)
        with Workspace.open(root) as ws:
            summary = listen(ws, "bluesky", connector=stream(server, max_events=len(posts)))
            assert set(stored_posts(ws)) == expected_post_uris(posts)
            assert summary.read == len(posts)
            cursor = json.loads(ws.store.get_cursor("bluesky-stream") or "{}")
            # deletes: tombstoned, and the deleted posts redacted from the raw log
            deleted = {
                r[0]
                for r in ws.store.con.execute(
                    "SELECT key FROM tombstones WHERE kind = 'post'"
                ).fetchall()
            }
            raw_uris = set()
            for item in ws.rawlog.items():
                raw_uris |= {
                    r.uri for r in BlueskyJetstream.to_records(item) if isinstance(r, Post)
                }
            assert deleted and raw_uris and not (deleted & raw_uris)
            assert raw_uris == set(stored_posts(ws))
        # network mode asks for posts only, in v2 parameter names
        assert server.connections[0]["collections"] == ["app.bsky.feed.post"]
        assert server.connections[0]["kinds"] == ["commit"]
    last = max(e.seq for e in evs if e.collection == "app.bsky.feed.post")
    assert cursor["seq"] == last and cursor["url"] == server.url
    assert cursor["time_us"] == next(e.time_us for e in evs if e.seq == last)


def test_silent_socket_reconnects_from_the_saved_cursor(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    evs = events()
    posts = [e for e in evs if e.collection == "app.bsky.feed.post"]
    with ReplayServer(evs, silent_after=20) as server:
        root = workspace(tmp_path, server)
        with Workspace.open(root) as ws:
            connector = stream(server, silence_seconds=1.5, max_events=len(posts))
            listen(ws, "bluesky", connector=connector)
            assert set(stored_posts(ws)) == expected_post_uris([e.frame for e in posts])
        assert len(server.connections) == 2
        assert server.connections[1]["cursor"] == [str(posts[19].seq + 1)]
    assert connector.reconnects == 1
    assert "no frame" in caplog.text


def test_malformed_frames_are_quarantined_and_the_stream_goes_on(tmp_path: Path) -> None:
    evs = events(120)
    posts = [e for e in evs if e.collection == "app.bsky.feed.post"]
    bad = {
        posts[5].seq: [
            b"{not json",
            b'{"$type":"message","payload":{"$type":'
            b'"network.bsky.jetstream.subscribeEvents#commit","did":"did:plc:x"}}',
        ],
        posts[9].seq: [b'{"$type":"surprise"}'],
    }
    with ReplayServer(evs, bad_frames=bad) as server:
        root = workspace(tmp_path, server)
        with Workspace.open(root) as ws:
            summary = listen(ws, "bluesky", connector=stream(server, max_events=len(posts)))
            assert set(stored_posts(ws)) == expected_post_uris([e.frame for e in posts])
        assert summary.rejected == 3
        rejects = "".join(p.read_text() for p in (root / "data" / "rejects").glob("*.jsonl"))
        assert "not json" in rejects and "surprise" in rejects and "frame" in rejects


def test_duplicates_and_out_of_order_events_store_each_post_once(tmp_path: Path) -> None:
    evs = events()
    posts = [e for e in evs if e.collection == "app.bsky.feed.post"]
    dups = len(posts[::3])
    with ReplayServer(evs, duplicate_every=3, shuffle_window=7) as server:
        root = workspace(tmp_path, server)
        with Workspace.open(root) as ws:
            summary = listen(ws, "bluesky", connector=stream(server, max_events=len(posts) + dups))
            uris = stored_posts(ws)
            assert len(uris) == len(set(uris))
            assert set(uris) == expected_post_uris([e.frame for e in posts])
            assert summary.posts_duplicate >= 1
            cursor = json.loads(ws.store.get_cursor("bluesky-stream") or "{}")
    assert cursor["seq"] == max(e.seq for e in posts)  # only forward, whatever the order


def appview_server(httpserver: HTTPServer, did: str) -> None:
    httpserver.expect_request("/xrpc/app.bsky.actor.getProfile").respond_with_json(
        {
            "did": did,
            "handle": "someone.test",
            "followersCount": 12,
            "followsCount": 3,
            "postsCount": 40,
        }
    )
    httpserver.expect_request("/xrpc/app.bsky.feed.getAuthorFeed").respond_with_json(
        {
            "feed": [
                {
                    "post": {
                        "uri": f"at://{did}/app.bsky.feed.post/3backfill",
                        "cid": "c",
                        "author": {"did": did, "handle": "someone.test"},
                        "record": {
                            "$type": "app.bsky.feed.post",
                            "text": "rattrapage",
                            "createdAt": "2026-07-04T10:00:00Z",
                        },
                        "replyCount": 0,
                        "repostCount": 0,
                        "likeCount": 1,
                        "indexedAt": "2026-07-04T10:00:01Z",
                    }
                }
            ]
        }
    )


def test_cursor_refused_as_too_old_backfills_tracked_accounts(
    tmp_path: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    evs = events(60)
    did = evs[0].did
    appview_server(httpserver, did)
    with ReplayServer(evs, floor_seq=30) as server:
        connector = stream(
            server,
            mode="tracked",
            actors=[did],
            appview_url=httpserver.url_for("/").rstrip("/"),
            max_seconds=1.5,
        )
        cursor = json.dumps({"seq": 3, "time_us": None, "url": server.url})
        items = list(connector.fetch(cursor))
        assert server.connections[-1]["cursor"] == [str(OLDEST_RETAINED)]
        assert server.connections[-1]["dids"] == [did]
    endpoints = [
        json.loads(bytes(i.payload)).get("endpoint")
        for i in items
        if b'"endpoint"' in bytes(i.payload)[:20]
    ]
    assert "app.bsky.feed.getAuthorFeed" in endpoints
    assert "oldest retained" in caplog.text or "plus ancien" in caplog.text
    assert connector.backfills == 1


def test_cursor_older_than_the_replay_window_warns_and_backfills(
    tmp_path: Path, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    evs = events(40)
    did = evs[0].did
    appview_server(httpserver, did)
    caplog.set_level(logging.WARNING)
    with ReplayServer(evs) as server:
        connector = stream(
            server,
            mode="tracked",
            actors=[did],
            appview_url=httpserver.url_for("/").rstrip("/"),
            max_seconds=1.0,
        )
        old = json.dumps({"seq": 12, "time_us": START_US - 48 * 3600 * 10**6, "url": server.url})
        list(connector.fetch(old))
        # the seq is from this server, but too old: resumed from the oldest retained event
        assert server.connections[0]["cursor"] == [str(OLDEST_RETAINED)]
    assert "replay window" in caplog.text or "fenêtre de rejeu" in caplog.text
    assert any("getAuthorFeed" in str(entry[0].path) for entry in httpserver.log)


def test_v1_url_speaks_v1_parameters() -> None:
    connector = BlueskyJetstream(
        StreamOptions(
            jetstream_url="wss://jetstream2.us-east.bsky.network/subscribe", mode="tracked"
        )
    )
    connector.dids = ["did:plc:a"]
    connector.load_cursor(json.dumps({"seq": None, "time_us": START_US, "url": "x"}))
    url = connector.url(connector.resume_param())
    assert connector.protocol == "v1"
    assert "wantedDids=did%3Aplc%3Aa" in url and "wantedCollections=app.bsky.feed.post" in url
    assert f"cursor={START_US - 2_000_000}" in url


def test_v2_cursor_from_another_host_resumes_by_time() -> None:
    connector = BlueskyJetstream(StreamOptions(jetstream_url="ws://a/xrpc/x", protocol="v2"))
    connector.load_cursor(json.dumps({"seq": 99, "time_us": START_US, "url": "ws://b"}))
    assert connector.resume_param() == START_US - 2_000_000


@given(st.binary(max_size=300))
def test_any_frame_is_an_event_a_reject_or_nothing(frame: bytes) -> None:
    connector = BlueskyJetstream(StreamOptions(protocol="v2"))
    result = connector._frame(frame)
    assert result is None or type(result).__name__ in ("RawItem", "Reject", "_Reconnect")


def test_listen_without_anything_to_follow_says_so(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from veille.cli.app import app

    root = make_workspace(tmp_path / "ws", "[workspace]\nname = 'vide'\n")
    result = CliRunner().invoke(
        app,
        [
            "listen",
            "--workspace",
            str(root),
            "--source",
            "bluesky",
            "--max-seconds",
            "2",
            "--quiet",
            "--no-enrich",
        ],
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception)
    message = getattr(result.exception, "message", str(result.exception))
    assert "listen_all_posts" in message


def test_listen_cli_stops_by_itself(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from veille.cli.app import app

    evs = events(60)
    with ReplayServer(evs) as server:
        root = workspace(tmp_path, server)
        result = CliRunner().invoke(
            app,
            [
                "listen",
                "--workspace",
                str(root),
                "--source",
                "bluesky",
                "--max-seconds",
                "1.5",
                "--quiet",
                "--no-enrich",
            ],
        )
        assert result.exit_code == 0, result.output
        with Workspace.open(root) as ws:
            assert len(stored_posts(ws)) == len(expected_post_uris(post_frames(evs)))


def test_a_streamed_delete_purges_the_post_from_store_and_raw_log(tmp_path: Path) -> None:
    from veille.simulate.replay import make_event

    evs = [
        e
        for e in events(120)
        if e.collection == "app.bsky.feed.post" and b'"operation":"create"' in e.frame
    ][:20]
    victim = json.loads(evs[3].frame)["payload"]
    gone = f"at://{victim['did']}/app.bsky.feed.post/{victim['rkey']}"
    delete = {k: victim[k] for k in ("$type", "did", "time", "collection", "rkey")}
    delete.update(seq=evs[-1].seq + 1, rev="3zzzzzzzzzzzz", operation="delete")
    evs.append(make_event(delete))
    with ReplayServer(evs) as server:
        root = workspace(tmp_path, server)
        with Workspace.open(root) as ws:
            listen(ws, "bluesky", connector=stream(server, max_events=len(evs)))
            assert gone not in stored_posts(ws) and len(stored_posts(ws)) == len(evs) - 2
            raw = [
                r.uri
                for item in ws.rawlog.items()
                for r in BlueskyJetstream.to_records(item)
                if isinstance(r, Post)
            ]
    assert gone not in raw and len(raw) == len(evs) - 2
