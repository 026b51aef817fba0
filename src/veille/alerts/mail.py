"""The email sink: SMTP, one ``multipart/alternative`` message (text, then HTML, with every
value from the data escaped), over plain SMTP, STARTTLS or SSL, with an optional login whose
password is read from an environment variable (as the digest's email does).

The alert's key is the message's ``Message-ID`` (``<KEY@sender-domain>``), so a re-send after
a crash carries the same id (mail clients and archives that dedupe on it show it once), and
an escalation answers the episode's first alert (``In-Reply-To``/``References``): one
thread per story."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from pydantic import Field

from veille.alerts import render
from veille.alerts.base import Alert, AlertSink, DeliveryError, SinkSettings, secret_from_env

DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class EmailSettings(SinkSettings):
    to: list[str] = Field(min_length=1)
    sender: str = "veille@localhost"
    host: str = "localhost"
    #: default: 25 (none), 587 (starttls), 465 (ssl)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    #: a CA bundle to trust (a private CA); default: the system's
    ca_file: str | None = None
    timeout: float = Field(default=30.0, gt=0, le=300)
    subject_prefix: str = "[veille]"


def message_id(key: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "veille"
    return f"<{key}@{domain or 'veille'}>"


def build_message(settings: EmailSettings, alert: Alert) -> EmailMessage:
    message = EmailMessage()
    subject = render.title(alert)
    message["Subject"] = (
        f"{settings.subject_prefix} {subject}" if settings.subject_prefix else subject
    )
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = format_datetime(alert.created_at)
    message["Message-ID"] = message_id(alert.key, settings.sender)
    message["X-Veille-Alert"] = alert.key
    if alert.level > 0 and alert.first_key:
        first = message_id(alert.first_key, settings.sender)
        message["In-Reply-To"] = first
        message["References"] = first
    message.set_content(render.text(alert))
    message.add_alternative(render.html_body(alert), subtype="html")
    return message


class EmailSink(AlertSink):
    type = "email"
    Settings = EmailSettings
    settings: EmailSettings

    def _password(self) -> str | None:
        s = self.settings
        if not s.password_env:
            return None
        return secret_from_env(
            self.name, s.password_env, "the SMTP password", optional=", or remove password_env"
        )

    def send(self, alert: Alert) -> None:
        s = self.settings
        password = self._password()
        port = s.port or DEFAULT_PORTS[s.security]
        context = ssl.create_default_context(cafile=s.ca_file) if s.security != "none" else None
        message = build_message(s, alert)
        where = f"{s.host}:{port}"
        try:
            smtp: smtplib.SMTP
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, port, timeout=s.timeout, context=context)
            else:
                smtp = smtplib.SMTP(s.host, port, timeout=s.timeout)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=context)
                if s.username and password:
                    smtp.login(s.username, password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"sink {self.name}: {where} refused {', '.join(exc.recipients)}", permanent=True
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"sink {self.name}: {where}: login refused ({exc.smtp_code})", permanent=True
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"sink {self.name}: {where} answered {exc.smtp_code}",
                permanent=500 <= exc.smtp_code < 600,
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            reason = str(exc) or type(exc).__name__
            if password:
                reason = reason.replace(password, "***")
            raise DeliveryError(f"sink {self.name}: {where}: {reason}") from None
