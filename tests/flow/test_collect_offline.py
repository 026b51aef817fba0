"""Offline and unreachable sources (issue 9, item 17): bounded retries that give up fast
when nothing can be reached, network failures reported per source with their cause (not as
rejects of data), exit 1 when every source failed, and ``--max-seconds`` honoured.

The hosts that cannot be reached are closed ports of 127.0.0.1 (connection refused: what a
machine without network gives at once, like a DNS failure); the others are local servers.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cli_run import veille_cli
from collect_helpers import FakeClock, make_workspace
from veille.sources.bluesky.stream import BlueskyJetstream, StreamOptions
from veille.sources.http import HttpError, PoliteClient

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Acme</title><link>https://acme.example/</link>
<item><title>Rachat</title><link>https://acme.example/rachat</link><guid>a-1</guid>
<pubDate>Mon, 23 Nov 2026 08:00:00 +0100</pubDate></item>
</channel></rss>"""


def closed_ports(n: int) -> list[int]:
    """``n`` ports of 127.0.0.1 where nobody listens (each a distinct host for the client)."""
    socks = []
    for _ in range(n):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        socks.append(sock)
    ports = [s.getsockname()[1] for s in socks]
    for sock in socks:
        sock.close()
    return ports


def client(clock: FakeClock, **kw: object) -> PoliteClient:
    return PoliteClient(sleep=clock.sleep, clock=clock, rng=lambda: 0.5, **kw)  # type: ignore[arg-type]


# --- the client ---------------------------------------------------------------------------


def test_a_refused_connection_is_retried_once_then_its_host_is_down() -> None:
    (port,) = closed_ports(1)
    clock = FakeClock()
    http = client(clock)
    with pytest.raises(HttpError, match="gave up after 2 attempts") as info:
        http.get(f"http://127.0.0.1:{port}/feed.xml")
    assert info.value.unreachable and len(clock.sleeps) == 1  # not 5 retries
    # the same host again: fails at once, without a call or a wait, saying why
    with pytest.raises(HttpError, match="unreachable") as again:
        http.get(f"http://127.0.0.1:{port}/other.xml")
    assert "Connection refused" in again.value.message
    assert len(clock.sleeps) == 1 and http.states[f"127.0.0.1:{port}"].calls == 2


def test_after_three_hosts_without_answer_the_network_is_unreachable(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/up").respond_with_data("ok")
    clock = FakeClock()
    http = client(clock)
    for port in closed_ports(3):
        with pytest.raises(HttpError):
            http.get(f"http://127.0.0.1:{port}/x")
    # a host that would answer is not even tried: the network is taken as down
    with pytest.raises(HttpError, match="network unreachable"):
        http.get(httpserver.url_for("/up"))
    assert len(httpserver.log) == 0
    # after down_for seconds it is tried again, and an answer ends the verdict
    clock.now += http.down_for + 1
    assert http.get(httpserver.url_for("/up")).status_code == 200
    assert http.get(httpserver.url_for("/up")).status_code == 200


def test_retries_stop_at_the_deadline(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("boom", status=503)
    clock = FakeClock()
    http = client(clock, max_retries=10, base_delay=4.0)
    http.limit_to(10.0)
    with pytest.raises(HttpError, match="gave up"):
        http.get(httpserver.url_for("/down"))
    assert sum(clock.sleeps) <= 10.0 and len(httpserver.log) < 11
    clock.now += 10
    calls = len(httpserver.log)
    with pytest.raises(HttpError, match="time limit") as info:
        http.get(httpserver.url_for("/down"))
    assert info.value.unreachable and len(httpserver.log) == calls  # no call made


# --- veille collect ---------------------------------------------------------------------


def rss_workspace(root: Path, feeds: list[str]) -> Path:
    listed = ", ".join(json.dumps(f) for f in feeds)
    return make_workspace(root, f"[sources.rss]\nfeeds = [{listed}]\n")


def test_collect_with_every_feed_unreachable_exits_1_with_the_cause(tmp_path: Path) -> None:
    feeds = [f"http://127.0.0.1:{p}/feed.xml" for p in closed_ports(6)]
    root = rss_workspace(tmp_path / "ws", feeds)
    ran = veille_cli("collect", "--source", "rss", "--no-enrich", "-q", "-w", str(root))
    assert ran.code == 1, ran.output
    assert "no source could be collected" in ran.output
    assert "Connection refused" in ran.output
    status = veille_cli("status", "--format", "json", "-w", str(root))
    assert status.code == 0, status.output
    sources = {s["source"]: s for s in json.loads(status.stdout)["sources"]}
    assert "6 not fetched" in sources["rss"]["last_error"]
    assert "Connection refused" in sources["rss"]["last_error"]


def test_collect_json_counts_failures_apart_from_rejects(tmp_path: Path) -> None:
    feeds = [f"http://127.0.0.1:{p}/feed.xml" for p in closed_ports(2)]
    root = rss_workspace(tmp_path / "ws", feeds)
    ran = veille_cli("collect", "-s", "rss", "--no-enrich", "-f", "json", "-w", str(root))
    assert ran.code == 1
    summary = json.loads(ran.stdout)["rss"]
    assert summary["failed"] == 2 and summary["rejected"] == 0 and summary["read"] == 0
    assert "Connection refused" in summary["error"]


def test_collect_with_some_feeds_unreachable_succeeds_and_names_them(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(RSS)
    (port,) = closed_ports(1)
    feeds = [f"http://127.0.0.1:{port}/gone.xml", httpserver.url_for("/feed.xml")]
    root = rss_workspace(tmp_path / "ws", feeds)
    ran = veille_cli("collect", "-s", "rss", "--no-enrich", "-f", "json", "-w", str(root))
    assert ran.code == 0, ran.output
    summary = json.loads(ran.stdout)["rss"]
    assert summary["read"] == 1 and summary["new"] == 1
    assert summary["failed"] == 1 and summary["rejected"] == 0
    assert f"127.0.0.1:{port}/gone.xml" in summary["error"]


def test_collect_max_seconds_makes_no_call_past_the_limit(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(3)
        return Response(RSS, content_type="application/rss+xml")

    httpserver.expect_request("/slow.xml").respond_with_handler(slow)
    feeds = [httpserver.url_for("/slow.xml") + f"?n={i}" for i in range(5)]
    root = rss_workspace(tmp_path / "ws", feeds)
    ran = veille_cli(
        "collect", "-s", "rss", "--no-enrich", "--max-seconds", "1", "-f", "json", "-w", str(root)
    )
    summary = json.loads(ran.stdout)["rss"]
    assert len(httpserver.log) <= 1  # the call cut by the limit; none started after it
    assert summary["read"] == 0
    if httpserver.log:  # the one call started was cut, and said so
        assert summary["failed"] >= 1
    else:  # a loaded machine: the limit passed before the first call (start-up took it)
        assert "time" in summary["error"]
    assert ran.code == 1


def test_collect_out_of_time_before_the_first_call(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        RSS, content_type="application/rss+xml"
    )
    root = rss_workspace(tmp_path / "ws", [httpserver.url_for("/feed.xml")])
    ran = veille_cli(
        "collect", "-s", "rss", "--no-enrich", "--max-seconds", "0.000001", "-f", "json", "-w",
        str(root),
    )  # fmt: skip
    summary = json.loads(ran.stdout)["rss"]
    assert not httpserver.log and summary["read"] == 0 and "time" in summary["error"]
    assert ran.code == 1


def test_listen_says_no_account_could_be_resolved(tmp_path: Path) -> None:
    """Not "no account to follow" when there are accounts: the cause, at once."""
    (port,) = closed_ports(1)
    connector = BlueskyJetstream(
        StreamOptions(
            actors=["acme.bsky.social", "ceo.bsky.social"],
            appview_url=f"http://127.0.0.1:{port}",
            jetstream_url=f"ws://127.0.0.1:{port}/subscribe",
            backfill=False,
        )
    )
    connector.client = PoliteClient(sleep=lambda s: None)
    items = []
    with pytest.raises(HttpError, match="none of the 2 tracked Bluesky accounts") as info:
        items.extend(connector.fetch(None))
    assert "Connection refused" in info.value.message and info.value.unreachable


def test_listen_that_never_connects_exits_1_with_the_cause(tmp_path: Path) -> None:
    (port,) = closed_ports(1)
    root = make_workspace(
        tmp_path / "ws",
        "[sources.bluesky]\nlisten_all_posts = true\n"
        f'jetstream_url = "ws://127.0.0.1:{port}/subscribe"\n',
    )
    ran = veille_cli(
        "listen", "-s", "bluesky", "--max-seconds", "2", "--no-enrich", "-q", "-w", str(root)
    )
    assert ran.code == 1, ran.output
    assert "no source could be collected" in ran.output
    assert "not fetched" in ran.output and f"127.0.0.1:{port}" in ran.output
