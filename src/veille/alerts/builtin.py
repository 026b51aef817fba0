"""Registers the built-in alert sinks through the plugin hook, like any third party."""

from __future__ import annotations

from veille.alerts.base import AlertSink
from veille.hookspecs import hookimpl


@hookimpl
def veille_alert_sinks() -> list[type[AlertSink]]:
    from veille.alerts.mail import EmailSink
    from veille.alerts.webhook import WebhookSink

    return [WebhookSink, EmailSink]
