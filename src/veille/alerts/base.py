"""What a sink is given and what it promises: an ``Alert`` (one signal, for one sink, at one
escalation level, with its idempotency key) and the ``AlertSink`` base class that the
built-in webhook and email sinks, and third-party ones, subclass.

A third-party sink::

    from veille.alerts.base import Alert, AlertSink, DeliveryError
    from veille.hookspecs import hookimpl

    class PagerSink(AlertSink):
        type = "pager"
        Settings = PagerSettings          # a pydantic model: the rest of [alerts.sinks.X]

        def send(self, alert: Alert) -> None:
            ...                           # raise DeliveryError(..., retry_after=30) to retry

    @hookimpl
    def veille_alert_sinks() -> list[type[AlertSink]]:
        return [PagerSink]

``send`` must pass ``alert.key`` to the receiver where it can (a header, a message id): a
crash between the send and its record makes veille send the same alert again, with the same
key, so a receiver that drops repeated keys sees each alert once.
"""

from __future__ import annotations

import builtins
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from veille.errors import VeilleError
from veille.secrets import register_secret


class SinkSettings(BaseModel):
    """Base of the sinks' settings models: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DeliveryError(VeilleError):
    """A send that failed. ``permanent``: retrying cannot help (a 4xx other than 408 and
    429, a refused recipient); ``retry_after``: the seconds the receiver asked us to wait."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.permanent = permanent
        self.retry_after = retry_after


def secret_from_env(sink: str, variable: str, what: str, *, optional: str = "") -> str:
    """The value of the environment variable ``variable`` that holds a sink's ``what`` (a
    URL, a password, a key), registered as a secret so that no log shows it. Unset, it is
    a permanent ``DeliveryError`` saying what to set (``optional``: how to do without)."""
    value = os.environ.get(variable)
    if not value:
        raise DeliveryError(
            f"sink {sink}: the environment variable {variable} is not set",
            permanent=True,
            hint=f"Set {variable} to {what}{optional}.",
        )
    register_secret(value)
    return value


@dataclass(frozen=True)
class Alert:
    """One alert as delivered. ``signal`` is the signal's JSON (``Signal.as_json()``) at the
    time of the alert; ``previous`` what the last alert of the same episode on the same sink
    said (kind, score, authors), for an escalation; ``first_key`` the key of the episode's
    first alert on this sink (email threads)."""

    key: str
    sink: str
    rule: str
    level: int
    created_at: datetime
    lang: str
    signal: dict[str, Any]
    workspace: str = "veille"
    url: str | None = None
    escalation: str | None = None
    previous: dict[str, Any] = field(default_factory=dict)
    first_key: str | None = None
    test: bool = False

    def to_json(self) -> str:
        value = asdict(self)
        value["created_at"] = self.created_at.isoformat()
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str) -> Alert:
        value = json.loads(text)
        value["created_at"] = datetime.fromisoformat(value["created_at"])
        return cls(**value)


class AlertSink:
    """A destination of alerts. Subclasses set ``type`` and ``Settings`` and implement
    ``send``; one instance serves one ``[alerts.sinks.NAME]`` for one dispatch pass."""

    type: ClassVar[str]
    Settings: ClassVar[builtins.type[BaseModel]] = SinkSettings

    def __init__(self, name: str, settings: Any) -> None:
        self.name = name
        self.settings = settings

    def send(self, alert: Alert) -> None:
        """Deliver ``alert`` or raise ``DeliveryError``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections (called once the pass is over)."""
