"""The polite HTTP client: rate limits, backoff, redaction."""

from __future__ import annotations

import email.utils
import logging
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from collect_helpers import FakeClock
from veille.secrets import redact, redact_url, register_secret
from veille.sources.http import USER_AGENT, HttpError, PoliteClient, parse_reset, parse_retry_after


def client(clock: FakeClock, **kw: object) -> PoliteClient:
    return PoliteClient(sleep=clock.sleep, clock=clock, rng=lambda: 0.5, **kw)  # type: ignore[arg-type]


def test_429_retry_after_seconds_is_honoured(httpserver: HTTPServer) -> None:
    calls: list[float] = []
    clock = FakeClock()

    def handler(request: Request) -> Response:
        calls.append(clock.now)
        if len(calls) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "17"})
        return Response('{"ok": true}', content_type="application/json")

    httpserver.expect_request("/x").respond_with_handler(handler)
    with client(clock) as http:
        assert http.get_json(httpserver.url_for("/x")) == {"ok": True}
        assert calls[1] - calls[0] >= 17
        assert http.state(f"localhost:{httpserver.port}").throttled == 1


def test_429_retry_after_http_date(httpserver: HTTPServer) -> None:
    clock = FakeClock()
    calls: list[float] = []
    when = email.utils.formatdate(clock.now + 42, usegmt=True)

    def handler(request: Request) -> Response:
        calls.append(clock.now)
        if len(calls) == 1:
            return Response("", status=429, headers={"Retry-After": when})
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/d").respond_with_handler(handler)
    with client(clock) as http:
        http.get_json(httpserver.url_for("/d"))
    assert calls[1] - calls[0] >= 41


def test_bluesky_ratelimit_headers_make_the_next_call_wait(httpserver: HTTPServer) -> None:
    clock = FakeClock()
    reset = int(clock.now) + 120
    calls: list[float] = []

    def handler(request: Request) -> Response:
        calls.append(clock.now)
        return Response(
            "{}",
            content_type="application/json",
            headers={
                "ratelimit-limit": "3000",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(reset),
                "ratelimit-policy": "3000;w=300",
            },
        )

    httpserver.expect_request("/b").respond_with_handler(handler)
    with client(clock) as http:
        http.get_json(httpserver.url_for("/b"))
        state = http.state(f"localhost:{httpserver.port}")
        assert (state.limit, state.remaining, state.reset_at) == (3000, 0, reset)
        http.get_json(httpserver.url_for("/b"))
        snap = http.snapshot()[f"localhost:{httpserver.port}"]
    assert calls[1] >= reset
    assert snap["limit"] == 3000 and snap["next_allowed_at"]


def test_mastodon_ratelimit_headers_spread_the_last_calls(httpserver: HTTPServer) -> None:
    clock = FakeClock(start=1_785_596_400.0)  # 2026-08-01T15:00:00Z
    calls: list[float] = []

    def handler(request: Request) -> Response:
        calls.append(clock.now)
        return Response(
            "{}",
            content_type="application/json",
            headers={
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "10",
                "X-RateLimit-Reset": "2026-08-01T15:05:00.000000Z",
            },
        )

    httpserver.expect_request("/m").respond_with_handler(handler)
    with client(clock) as http:
        for _ in range(3):
            http.get_json(httpserver.url_for("/m"))
    # 10 calls left for 300 s: at least 30 s between calls
    assert calls[1] - calls[0] >= 29 and calls[2] - calls[1] >= 26  # (300 - 30) / 10


def test_backoff_with_jitter_on_5xx_then_success(httpserver: HTTPServer) -> None:
    clock = FakeClock()
    statuses = [503, 502, 500, 200]

    def handler(request: Request) -> Response:
        return Response("{}", status=statuses.pop(0), content_type="application/json")

    httpserver.expect_request("/f").respond_with_handler(handler)
    rng = iter([0.0, 1.0, 0.3])
    http = PoliteClient(sleep=clock.sleep, clock=clock, rng=lambda: next(rng), base_delay=2.0)
    assert http.get_json(httpserver.url_for("/f")) == {}
    # caps 2, 4, 8 with jitter factors 0.5, 1.0, 0.65
    assert clock.sleeps == pytest.approx([1.0, 4.0, 5.2])
    assert http.state(f"localhost:{httpserver.port}").retries == 3


def test_retries_are_bounded(httpserver: HTTPServer) -> None:
    clock = FakeClock()
    httpserver.expect_request("/down").respond_with_data("boom", status=500)
    http = client(clock, max_retries=2)
    with pytest.raises(HttpError) as info:
        http.get(httpserver.url_for("/down"))
    assert "3" in info.value.message and info.value.status == 500
    assert len(clock.sleeps) == 2


def test_network_errors_are_retried_then_reported() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nobody listens there now
    clock = FakeClock()
    http = client(clock, max_retries=3, connect_retries=3)
    with pytest.raises(HttpError, match=r"gave up|abandon"):
        http.get(f"http://127.0.0.1:{port}/x?access_token=SECRETVALUE123")
    assert len(clock.sleeps) == 3


def test_user_agent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ua", headers={"User-Agent": USER_AGENT}).respond_with_json({})
    assert client(FakeClock()).get_json(httpserver.url_for("/ua")) == {}
    assert USER_AGENT.startswith("veille/")


def test_secrets_never_reach_errors_or_logs(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    token = "tok-Zq8rV3xW9pL2mN7s"
    register_secret(token)
    httpserver.expect_request("/secret").respond_with_data(f"denied for Bearer {token}", status=401)
    httpserver.expect_request("/flaky").respond_with_data("x", status=503)
    caplog.set_level(logging.DEBUG)
    http = client(FakeClock(), max_retries=1)
    url = httpserver.url_for("/secret") + f"?access_token={token}&q=ok"
    response = http.get(url, headers={"Authorization": f"Bearer {token}"})
    with pytest.raises(HttpError) as info:
        from veille.sources.http import raise_for_status

        raise_for_status(response)
    with pytest.raises(HttpError) as info2:
        http.get(
            httpserver.url_for("/flaky") + f"?token={token}",
            headers={"Authorization": f"Bearer {token}"},
        )
    texts = [
        info.value.message,
        str(info.value),
        info.value.url,
        info.value.body,
        info2.value.message,
        str(info2.value),
        caplog.text,
    ]
    assert all(token not in text for text in texts)
    assert "***" in info.value.message
    assert "q=ok" in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abcdefghijkl",
        "GET https://h/x?access_token=abcd1234&x=1",
        '{"password": "hunter22", "identifier": "me"}',
        "headers={'authorization': 'Bearer abcdefghij'}",
    ],
)
def test_redact_patterns(text: str) -> None:
    out = redact(text)
    for secret in ("abcdefghijkl", "abcd1234", "hunter22", "abcdefghij"):
        assert secret not in out


def test_redact_url_masks_userinfo_and_tokens() -> None:
    out = redact_url("https://user:pw@host/p?password=pw123456&a=b")
    assert "pw123456" not in out and "user:pw" not in out and "a=b" in out


@given(st.text(max_size=60))
def test_parse_retry_after_never_crashes(value: str) -> None:
    result = parse_retry_after(value, 1_780_000_000.0)
    assert result is None or result >= 0


@given(st.text(max_size=60))
def test_parse_reset_never_crashes(value: str) -> None:
    result = parse_reset(value, 1_780_000_000.0)
    assert result is None or isinstance(result, float | int)


@given(
    st.text(min_size=8, max_size=40, alphabet=st.characters(min_codepoint=33, max_codepoint=126)),
    st.text(max_size=80),
)
def test_redact_removes_registered_secrets(secret: str, around: str) -> None:
    register_secret(secret)
    assert secret not in redact(around + secret + around)


def test_a_wait_beyond_max_wait_is_an_error_not_a_hang(httpserver: HTTPServer) -> None:
    clock = FakeClock()
    httpserver.expect_request("/far").respond_with_data(
        "", status=429, headers={"Retry-After": "86400"}
    )
    http = client(clock, max_wait=600.0)
    with pytest.raises(HttpError, match=r"rate limited until|limite de requêtes"):
        http.get(httpserver.url_for("/far"))
    assert all(s <= 600 for s in clock.sleeps)


@pytest.mark.parametrize("name", ["httpcore.http11", "websockets.client", "veille.collect"])
def test_library_loggers_are_redacted(name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger(name).debug(
        "> GET /x?access_token=%s HTTP/1.1 Authorization: Bearer %s", "tok12345678", "tok87654321"
    )
    assert "tok12345678" not in caplog.text and "tok87654321" not in caplog.text
    assert "access_token=***" in caplog.text
