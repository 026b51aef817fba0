"""Sending the digest by email: one function over ``smtplib`` (plain SMTP, optional
STARTTLS and login). The alert sinks of ``veille.alerts`` are the signals issue's; this is
the digest's own small sender until one shared SMTP sink lands."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from veille.errors import VeilleError
from veille.secrets import register_secret
from veille.workspace.config import DigestEmail


def build_message(settings: DigestEmail, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.to)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[-1] or "veille")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send_email(
    settings: DigestEmail, subject: str, text: str, html: str, *, timeout: float = 30.0
) -> None:
    """Send a text + HTML message to ``settings.to``. The password is read from the
    environment variable ``settings.password_env`` and never appears in an error."""
    password = os.environ.get(settings.password_env) if settings.password_env else None
    if settings.username and settings.password_env and not password:
        raise VeilleError(
            f"digest email: the environment variable {settings.password_env} is not set",
            hint="Set it to the SMTP password, or remove username from [digest.email].",
        )
    if password:
        register_secret(password)
    message = build_message(settings, subject, text, html)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username and password:
                smtp.login(settings.username, password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        reason = str(exc).replace(password, "***") if password else str(exc)
        raise VeilleError(
            f"digest email: {settings.smtp_host}:{settings.smtp_port}: {reason}"
        ) from None
