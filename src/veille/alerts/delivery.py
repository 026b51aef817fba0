"""Sending one alert: retries with exponential backoff, bounded, honouring what the receiver
asks (``Retry-After``, 429), then the dead-letter log. The sleep is injected (tests pass one
that records the waits), and the sinks are built from ``[alerts.sinks.NAME]`` through the
registered sink classes.

The log (``store/alerts.py``) is written around each send: ``pending`` before (committed),
``sent`` or ``dead`` after. Delivery is therefore at least once: a crash after the receiver
got the alert but before ``sent`` was committed sends it again on restart, with the same
idempotency key, so a receiver that drops repeated keys counts it once. Nothing is lost: a
crash before ``pending`` was committed sent nothing, and the next pass decides the same
alert (same key) again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from veille.alerts.base import Alert, AlertSink, DeliveryError
from veille.errors import ConfigError
from veille.plugins import alert_sinks
from veille.secrets import redact
from veille.store.writer import fault_point
from veille.workspace.alerts_config import AlertsSection

log = logging.getLogger("veille.alerts")

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 60.0

    @classmethod
    def of(cls, section: AlertsSection) -> Policy:
        return cls(section.max_attempts, section.backoff_seconds, section.max_backoff_seconds)

    def wait(self, attempt: int, retry_after: float | None) -> float | None:
        """The wait before attempt ``attempt + 1`` (None: give up now: the receiver asked
        for a longer wait than ``max_backoff_seconds``)."""
        wait = min(self.backoff_seconds * 2.0 ** (attempt - 1), self.max_backoff_seconds)
        if retry_after is not None:
            if retry_after > self.max_backoff_seconds:
                return None
            wait = max(wait, retry_after)
        return wait


@dataclass(frozen=True)
class Outcome:
    status: str  # "sent" or "dead"
    attempts: int
    error: str | None = None
    #: the sink refused for good (not "unreachable for now")
    permanent: bool = False


def deliver(sink: AlertSink, alert: Alert, policy: Policy, sleep: Sleep) -> Outcome:
    """Send ``alert`` on ``sink``, retrying what may pass later."""
    attempt = 0
    while True:
        attempt += 1
        try:
            sink.send(alert)
        except DeliveryError as exc:
            error = redact(exc.message)
            if exc.permanent or attempt >= policy.max_attempts:
                log.warning("alert %s to %s given up: %s", alert.key, sink.name, error)
                return Outcome("dead", attempt, error, exc.permanent)
            wait = policy.wait(attempt, exc.retry_after)
            if wait is None:
                error += f" (asked to wait {exc.retry_after:.0f} s)"
                return Outcome("dead", attempt, error)
            log.info("alert %s to %s: %s; retry in %.1f s", alert.key, sink.name, error, wait)
            sleep(wait)
            continue
        except Exception as exc:  # a third-party sink's bug must not stop the others
            error = redact(f"sink {sink.name}: {type(exc).__name__}: {exc}")
            return Outcome("dead", attempt, error, True)
        fault_point("alert-delivered")
        return Outcome("sent", attempt)


def build_sink(section: AlertsSection, name: str) -> AlertSink:
    """The sink ``[alerts.sinks.NAME]``, built by its registered class."""
    table = section.sinks.get(name)
    if table is None:
        known = ", ".join(sorted(section.sinks)) or "none"
        raise ConfigError(
            f"no sink {name!r} in [alerts.sinks] (declared: {known})",
            hint="Declare it in veille.toml: [alerts.sinks.NAME] with a type.",
        )
    types = alert_sinks()
    cls = types.get(str(table.get("type")))
    if cls is None:
        raise ConfigError(
            f"alerts.sinks.{name}: unknown sink type {table.get('type')!r} "
            f"(known: {', '.join(sorted(types))})"
        )
    settings = cls.Settings.model_validate({k: v for k, v in table.items() if k != "type"})
    return cls(name, settings)


class Sinks:
    """The sinks of one pass, built on first use and closed together."""

    def __init__(self, section: AlertsSection) -> None:
        self.section = section
        self._built: dict[str, AlertSink] = {}
        #: sinks that stayed unreachable through every retry in this pass: their other
        #: alerts are deferred (left pending) to the next pass instead of each retrying
        self.down: dict[str, str] = {}

    def get(self, name: str) -> AlertSink:
        if name not in self._built:
            self._built[name] = build_sink(self.section, name)
        return self._built[name]

    def close(self) -> None:
        for sink in self._built.values():
            try:
                sink.close()
            except Exception:  # closing must not hide what the pass did
                log.debug("closing sink %s failed", sink.name, exc_info=True)
        self._built.clear()
