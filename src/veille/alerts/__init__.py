"""Alerts: rules and sinks (webhooks signed with HMAC, SMTP email), the delivery log.

``dispatch(ws, signals, now)`` is called after each detection pass: it matches the rules of
``[alerts]``, deduplicates by episode (a story alerts once, then escalates as it grows),
records each alert ``pending`` in ``alerts_sent``, sends it with its idempotency key
(retries with backoff, then the dead-letter log) and records the outcome. See
``docs/alerts.md``."""

from veille.alerts.dispatch import DispatchReport, dispatch, retry, send_test

__all__ = ["DispatchReport", "dispatch", "retry", "send_test"]
