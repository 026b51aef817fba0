"""The email sink against a local SMTP server (aiosmtpd): multipart/alternative with text
and HTML, post text escaped, the alert's key as Message-ID, escalations threaded, STARTTLS
and SSL with a private CA and a login."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from alert_helpers import T0, make_workspace, open_ws, rule, signal

from veille.alerts import dispatch
from veille.alerts.base import Alert, DeliveryError
from veille.alerts.mail import EmailSettings, EmailSink

XSS = "<script>alert(1)</script> & <b>gras</b>"


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd cannot take port 0
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def alert(**changes: Any) -> Alert:
    sig = signal(detail={"top_posts": [{"text": XSS, "author": "@troll"}]}).as_json()
    values: dict[str, Any] = {
        "key": "a-42",
        "sink": "mail",
        "rule": "r",
        "level": 0,
        "created_at": T0,
        "lang": "fr",
        "signal": sig,
        "url": "https://veille.example.org/signals/r-1",
    }
    values.update(changes)
    return Alert(**values)


def settings(port: int, **changes: Any) -> EmailSettings:
    values: dict[str, Any] = {
        "to": ["dircom@exemple.fr"],
        "sender": "veille@exemple.fr",
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
    }
    values.update(changes)
    return EmailSettings(**values)


def test_multipart_text_and_escaped_html(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    EmailSink("mail", settings(port)).send(alert())
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["dircom@exemple.fr"]
    (message,) = inbox.messages()
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"] == "<a-42@exemple.fr>"
    assert message["Subject"] == "[veille] Rumeur : #greve"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    plain, page = text.get_content(), html.get_content()
    assert XSS in plain  # text is text
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page
    assert 'href="https://veille.example.org/signals/r-1"' in page


def test_escalation_answers_the_first_alert(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    sink = EmailSink("mail", settings(port))
    sink.send(
        alert(level=1, key="a-43", first_key="a-42", escalation="score", previous={"score": 2.0})
    )
    (message,) = inbox.messages()
    assert (
        message["In-Reply-To"] == "<a-42@exemple.fr>"
        and message["Message-ID"] == "<a-43@exemple.fr>"
    )
    assert "Escalade" in message["Subject"]


def test_missing_password_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILLE_T_SMTP", raising=False)
    sink = EmailSink("mail", settings(25, username="u", password_env="VEILLE_T_SMTP"))
    with pytest.raises(DeliveryError) as caught:
        sink.send(alert())
    assert caught.value.permanent and "VEILLE_T_SMTP" in str(caught.value)


def test_unreachable_server_is_retryable() -> None:
    sink = EmailSink("mail", settings(free_port(), timeout=2))
    with pytest.raises(DeliveryError) as caught:
        sink.send(alert())
    assert not caught.value.permanent


def test_dispatch_by_email(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    text = (
        f'[alerts.sinks.mail]\ntype = "email"\nto = ["a@exemple.fr", "b@exemple.fr"]\n'
        f'sender = "veille@exemple.fr"\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        + rule("r", ["mail"], language="en")
    )
    root = make_workspace(tmp_path / "ws", text)
    with open_ws(root) as ws:
        report = dispatch(ws, [signal()], T0)
    (message,) = inbox.messages()
    assert message["Message-ID"] == f"<{report.sent[0]}@exemple.fr>"
    assert message["Subject"] == "[veille] Rumour: #greve"
    assert inbox.envelopes[0].rcpt_tos == ["a@exemple.fr", "b@exemple.fr"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(
    certificate: tuple[Path, Path], security: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"mot-de-passe-smtp")

    inbox, port = Inbox(), free_port()
    options: dict[str, Any] = {"authenticator": authenticator, "auth_require_tls": True}
    if security == "starttls":
        options.update(tls_context=context, require_starttls=True)
    else:
        # implicit TLS: aiosmtpd does not see it as TLS for auth_require_tls
        options.update(ssl_context=context, auth_require_tls=False)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    monkeypatch.setenv("VEILLE_T_SMTP", "mot-de-passe-smtp")
    try:
        sink = EmailSink(
            "mail",
            settings(
                port,
                security=security,
                ca_file=str(cert),
                username="veille",
                password_env="VEILLE_T_SMTP",
            ),
        )
        sink.send(alert())
    finally:
        controller.stop()
    assert len(inbox.envelopes) == 1 and logins[0] == (b"veille", b"mot-de-passe-smtp")
