"""The webhook sink: an HTTP POST of a JSON body, signed with HMAC-SHA256.

Formats (``format = ...`` in ``[alerts.sinks.NAME]``):

- ``generic``: veille's own body (``generic_body``): the alert, its texts, the signal;
- ``slack``: ``text`` (the fallback) and Block Kit ``blocks`` (incoming webhooks);
- ``teams``: a message with one Adaptive Card attachment (Teams workflows webhooks);
- ``mattermost``: ``text`` and one ``attachments`` item (incoming webhooks).

Every request carries::

    Content-Type: application/json
    Idempotency-Key: <the alert's key>           same key on every re-send of the alert
    X-Veille-Timestamp: <unix seconds of this attempt>
    X-Veille-Signature: v1=<hex HMAC-SHA256>     when secret_env is set

The signed bytes are ``<Idempotency-Key> "." <X-Veille-Timestamp> "." <body bytes>`` (the body
exactly as sent: UTF-8 JSON), keyed with the secret's UTF-8 bytes. A receiver recomputes it
(``verify``), rejects a timestamp more than 5 minutes away from its clock (a replay), and
drops a key it has already processed (a re-send after a crash).
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import Field, model_validator

from veille import __version__
from veille.alerts import render
from veille.alerts.base import Alert, AlertSink, DeliveryError, SinkSettings, secret_from_env

SIGNATURE_HEADER = "X-Veille-Signature"
TIMESTAMP_HEADER = "X-Veille-Timestamp"
KEY_HEADER = "Idempotency-Key"
#: how far a receiver should accept a timestamp from its own clock (seconds)
TOLERANCE = 300


class WebhookSettings(SinkSettings):
    #: the URL, or the environment variable that holds it (Slack's and Mattermost's webhook
    #: URLs are secrets: prefer ``url_env``)
    url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    url_env: str | None = None
    format: Literal["generic", "slack", "teams", "mattermost"] = "generic"
    #: the environment variable holding the HMAC secret (no signature when unset)
    secret_env: str | None = None
    timeout: float = Field(default=10.0, gt=0, le=300)
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_url(self) -> WebhookSettings:
        if bool(self.url) == bool(self.url_env):
            raise ValueError("give either url or url_env (one of them)")
        return self


def signature(secret: str, key: str, timestamp: str, body: bytes) -> str:
    """The value of ``X-Veille-Signature`` for these bytes."""
    signed = key.encode() + b"." + timestamp.encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    headers: dict[str, str] | Any,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: float = TOLERANCE,
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    got = headers.get(SIGNATURE_HEADER) or ""
    stamp = headers.get(TIMESTAMP_HEADER) or ""
    key = headers.get(KEY_HEADER) or ""
    try:
        age = abs((time.time() if now is None else now) - int(stamp))
    except ValueError:
        return False
    expected = signature(secret, key, stamp, body)
    return age <= tolerance and hmac.compare_digest(expected, got)


# --- bodies ------------------------------------------------------------------------------


def generic_body(alert: Alert) -> dict[str, Any]:
    return {
        "type": "veille.alert",
        "version": 1,
        "key": alert.key,
        "rule": alert.rule,
        "level": alert.level,
        "escalation": alert.escalation,
        "previous": alert.previous or None,
        "created_at": alert.created_at.isoformat(),
        "workspace": alert.workspace,
        "test": alert.test,
        "title": render.title(alert),
        "text": render.text(alert),
        "url": alert.url,
        "signal": alert.signal,
    }


def _slack_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(alert: Alert) -> dict[str, Any]:
    e = _slack_escape
    lead = render.summary(alert)
    grew = render.escalation(alert)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": render.title(alert)[:150]}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": e(lead + (f"\n{grew}" if grew else ""))},
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{e(label)}*\n{e(value)}"}
                for label, value in render.facts(alert)
            ][:10],
        },
    ]
    if render.reasons(alert):
        bullets = "\n".join(f"• {e(r)}" for r in render.reasons(alert))
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{e(render.heading(alert, 'alerts.reasons'))}*\n{bullets}"[:3000],
                },
            }
        )
    for post in render.posts(alert):
        who = f"*{e(post.author)}* " if post.author else ""
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{who}{e(post.text)}"}]}
        )
    if alert.url:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": render.link_label(alert)},
                        "url": alert.url,
                    }
                ],
            }
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": e(render.footer(alert))}]}
    )
    return {"text": e(f"{render.title(alert)} — {lead}"), "blocks": blocks}


def teams_body(alert: Alert) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": render.title(alert),
            "size": "Medium",
            "weight": "Bolder",
            "wrap": True,
        },
        {"type": "TextBlock", "text": render.summary(alert), "wrap": True},
    ]
    grew = render.escalation(alert)
    if grew:
        body.append({"type": "TextBlock", "text": grew, "wrap": True, "color": "Attention"})
    body.append(
        {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in render.facts(alert)]}
    )
    if render.reasons(alert):
        body.append(
            {
                "type": "TextBlock",
                "text": render.heading(alert, "alerts.reasons"),
                "weight": "Bolder",
            }
        )
        body += [
            {"type": "TextBlock", "text": f"- {r}", "wrap": True} for r in render.reasons(alert)
        ]
    for post in render.posts(alert):
        who = f"{post.author}: " if post.author else ""
        body.append({"type": "TextBlock", "text": who + post.text, "wrap": True, "isSubtle": True})
    body.append(
        {
            "type": "TextBlock",
            "text": render.footer(alert),
            "size": "Small",
            "isSubtle": True,
            "wrap": True,
        }
    )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if alert.url:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": render.link_label(alert), "url": alert.url}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_~[]()<>#|"})

COLOURS = {
    "burst": "#1f77b4",
    "story": "#2ca02c",
    "rumour": "#ff7f0e",
    "bad_buzz": "#d62728",
    "campaign": "#9467bd",
}


def mattermost_body(alert: Alert) -> dict[str, Any]:
    def md(value: str) -> str:
        return value.translate(_MD_SPECIAL)

    lines = [md(render.summary(alert))]
    grew = render.escalation(alert)
    if grew:
        lines.append(md(grew))
    if render.reasons(alert):
        lines += ["", f"**{md(render.heading(alert, 'alerts.reasons'))}**"]
        lines += [f"- {md(r)}" for r in render.reasons(alert)]
    for post in render.posts(alert):
        who = f"**{md(post.author)}** " if post.author else ""
        lines.append(f"> {who}{md(post.text)}")
    attachment: dict[str, Any] = {
        "fallback": f"{render.title(alert)} — {render.summary(alert)}",
        "color": COLOURS.get(str(alert.signal.get("kind")), "#777777"),
        "title": render.title(alert),
        "text": "\n".join(lines),
        "fields": [{"short": True, "title": k, "value": md(v)} for k, v in render.facts(alert)],
        "footer": render.footer(alert),
    }
    if alert.url:
        attachment["title_link"] = alert.url
    return {"text": f"**{md(render.title(alert))}**", "attachments": [attachment]}


BODIES: dict[str, Callable[[Alert], dict[str, Any]]] = {
    "generic": generic_body,
    "slack": slack_body,
    "teams": teams_body,
    "mattermost": mattermost_body,
}


# --- sending -----------------------------------------------------------------------------


def retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, at.timestamp() - now)


class WebhookSink(AlertSink):
    type = "webhook"
    Settings = WebhookSettings
    settings: WebhookSettings

    def __init__(
        self,
        name: str,
        settings: WebhookSettings,
        *,
        clock: Callable[[], float] = time.time,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(name, settings)
        self.clock = clock
        self._client = client

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.settings.timeout,
                headers={"User-Agent": f"veille/{__version__} (alerts)"},
                follow_redirects=False,
            )
        return self._client

    def _url(self) -> str:
        s = self.settings
        if s.url:
            return s.url
        return secret_from_env(self.name, s.url_env or "", "the webhook URL")

    def _secret(self) -> str | None:
        s = self.settings
        if not s.secret_env:
            return None
        return secret_from_env(
            self.name, s.secret_env, "the shared HMAC secret", optional=", or remove secret_env"
        )

    def request(self, alert: Alert) -> tuple[str, dict[str, str], bytes]:
        """The URL, headers and body bytes of ``alert`` (signed now)."""
        url = self._url()
        body = json.dumps(
            BODIES[self.settings.format](alert), ensure_ascii=False, separators=(",", ":")
        ).encode()
        stamp = str(int(self.clock()))
        headers = {
            **self.settings.headers,
            "Content-Type": "application/json; charset=utf-8",
            KEY_HEADER: alert.key,
            TIMESTAMP_HEADER: stamp,
        }
        secret = self._secret()
        if secret:
            headers[SIGNATURE_HEADER] = signature(secret, alert.key, stamp, body)
        return url, headers, body

    def send(self, alert: Alert) -> None:
        url, headers, body = self.request(alert)
        where = urlsplit(url).netloc.rsplit("@", 1)[-1]  # the host only: paths hold tokens
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"sink {self.name}: {where}: {type(exc).__name__}") from None
        code = response.status_code
        if 200 <= code < 300:
            return
        wait = retry_after(response.headers.get("Retry-After"), self.clock())
        message = f"sink {self.name}: {where} answered HTTP {code}"
        permanent = 400 <= code < 500 and code not in (408, 425, 429)
        raise DeliveryError(message, permanent=permanent, retry_after=wait)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
