"""The webhook sink against a local HTTP server: the HMAC signature over the documented
bytes, the Slack, Teams and Mattermost bodies, escaping, and what each answer means."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from alert_helpers import T0, signal
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from veille.alerts.base import Alert, DeliveryError
from veille.alerts.webhook import (
    KEY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSettings,
    WebhookSink,
    verify,
)

SECRET = "s3cret-partagé"
NOW = 1_790_000_000.0

XSS = "<script>alert(1)</script> & <b>gras</b>"


def alert(**changes: Any) -> Alert:
    sig = signal(
        detail={"top_posts": [{"text": XSS, "author": "@troll", "uri": "at://x/1"}]},
        reasons=("Raison <i>une</i>", "Raison deux"),
    ).as_json()
    sig["subject"] = "#greve"
    values: dict[str, Any] = {
        "key": "a-123",
        "sink": "hook",
        "rule": "r",
        "level": 0,
        "created_at": T0,
        "lang": "fr",
        "signal": sig,
        "workspace": "essai",
        "url": "https://veille.example.org/signals/r-1",
    }
    values.update(changes)
    return Alert(**values)


def sink(url: str, fmt: str = "generic", secret: bool = True) -> WebhookSink:
    settings = WebhookSettings(
        url=url, format=fmt, secret_env="VEILLE_T_SECRET" if secret else None
    )  # type: ignore[arg-type]
    return WebhookSink("hook", settings, clock=lambda: NOW)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEILLE_T_SECRET", SECRET)


def capture(httpserver: HTTPServer, status: int = 200) -> list[Request]:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response("ok", status)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    return seen


def test_generic_body_is_signed_over_key_timestamp_and_body(httpserver: HTTPServer) -> None:
    seen = capture(httpserver)
    sink(httpserver.url_for("/hook")).send(alert())
    (request,) = seen
    body = request.get_data()
    stamp = request.headers[TIMESTAMP_HEADER]
    assert stamp == str(int(NOW)) and request.headers[KEY_HEADER] == "a-123"
    # recomputed here from the documented recipe, not with veille's own function
    signed = b"a-123." + stamp.encode() + b"." + body
    expected = "v1=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == expected
    assert verify(SECRET, request.headers, body, now=NOW + 10)
    assert not verify(SECRET, request.headers, body, now=NOW + 301)  # a replay, too late
    assert not verify("other", request.headers, body, now=NOW)
    assert not verify(SECRET, request.headers, body + b" ", now=NOW)
    data = json.loads(body)
    assert data["type"] == "veille.alert" and data["key"] == "a-123" and data["level"] == 0
    assert data["signal"]["id"] == "r-1" and data["signal"]["kind"] == "rumour"
    assert data["title"] == "Rumeur : #greve"
    assert data["url"] == "https://veille.example.org/signals/r-1"
    assert "Raison <i>une</i>" in data["text"]  # JSON carries text as is: receivers escape


def test_no_secret_no_signature_header(httpserver: HTTPServer) -> None:
    seen = capture(httpserver)
    sink(httpserver.url_for("/hook"), secret=False).send(alert())
    assert SIGNATURE_HEADER not in seen[0].headers and KEY_HEADER in seen[0].headers


def test_slack_blocks(httpserver: HTTPServer) -> None:
    seen = capture(httpserver)
    sink(httpserver.url_for("/hook"), "slack").send(alert(lang="en"))
    data = json.loads(seen[0].get_data())
    assert set(data) == {"text", "blocks"} and data["text"].startswith("Rumour: #greve")
    types = [b["type"] for b in data["blocks"]]
    assert types[0] == "header" and "section" in types and "actions" in types
    assert data["blocks"][0]["text"] == {"type": "plain_text", "text": "Rumour: #greve"}
    for block in data["blocks"]:
        assert block["type"] in {"header", "section", "context", "actions", "divider"}
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            for item in [block.get("text"), *block.get("fields", [])]:
                if item:
                    assert item["type"] in {"mrkdwn", "plain_text"} and len(item["text"]) <= 3000
    raw = json.dumps(data)
    assert "<script>" not in raw and "&lt;script&gt;" in raw  # Slack's mrkdwn escapes
    button = next(b for b in data["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["url"] == "https://veille.example.org/signals/r-1"


def test_teams_adaptive_card(httpserver: HTTPServer) -> None:
    seen = capture(httpserver)
    sink(httpserver.url_for("/hook"), "teams").send(alert())
    data = json.loads(seen[0].get_data())
    assert data["type"] == "message"
    (attachment,) = data["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["type"] == "TextBlock" and card["body"][0]["text"] == "Rumeur : #greve"
    facts = next(b for b in card["body"] if b["type"] == "FactSet")["facts"]
    assert {"title": "Auteurs distincts", "value": "10"} in facts
    assert card["actions"][0]["type"] == "Action.OpenUrl"


def test_mattermost_attachments(httpserver: HTTPServer) -> None:
    seen = capture(httpserver)
    sink(httpserver.url_for("/hook"), "mattermost").send(
        alert(level=1, escalation="authors", previous={"authors": 4})
    )
    data = json.loads(seen[0].get_data())
    assert data["text"].startswith("**Escalade")
    (attachment,) = data["attachments"]
    assert {"fallback", "color", "title", "text", "fields", "title_link"} <= set(attachment)
    assert attachment["title_link"].endswith("/signals/r-1")
    assert "passés de 4 à 10" in attachment["text"]
    assert all({"short", "title", "value"} == set(f) for f in attachment["fields"])
    assert "\\<script\\>" in attachment["text"]  # markdown neutralised


def test_answers_say_what_to_do(httpserver: HTTPServer) -> None:
    url = httpserver.url_for("/hook")
    httpserver.expect_oneshot_request("/hook").respond_with_response(
        Response("slow down", 429, headers={"Retry-After": "7"})
    )
    with pytest.raises(DeliveryError) as caught:
        sink(url).send(alert())
    assert not caught.value.permanent and caught.value.retry_after == 7
    httpserver.expect_oneshot_request("/hook").respond_with_data("no", 404)
    with pytest.raises(DeliveryError) as caught:
        sink(url).send(alert())
    assert caught.value.permanent
    httpserver.expect_oneshot_request("/hook").respond_with_data("down", 503)
    with pytest.raises(DeliveryError) as caught:
        sink(url).send(alert())
    assert not caught.value.permanent and caught.value.retry_after is None


def test_url_from_the_environment_never_in_errors(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = httpserver.url_for("/hook") + "?token=T0KEN-SECRET"
    monkeypatch.setenv("VEILLE_T_URL", url)
    httpserver.expect_request("/hook").respond_with_data("no", 500)
    hook = WebhookSink("hook", WebhookSettings(url_env="VEILLE_T_URL"), clock=lambda: NOW)
    with pytest.raises(DeliveryError) as caught:
        hook.send(alert())
    assert "T0KEN" not in str(caught.value) and "HTTP 500" in str(caught.value)
    monkeypatch.delenv("VEILLE_T_URL")
    with pytest.raises(DeliveryError) as caught:
        hook.send(alert())
    assert caught.value.permanent and "VEILLE_T_URL" in str(caught.value)


def test_settings_need_one_url() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="either url or url_env"):
        WebhookSettings()
