"""``[alerts]`` of ``veille.toml``: the rules (what to alert about, where, how often) and the
sinks (where alerts go). A sink's own settings are validated by the model of its type, found
through the plugins (``veille.alerts.registry``), with errors that name the line.

Example::

    [alerts.sinks.equipe]
    type = "webhook"
    format = "slack"
    url_env = "VEILLE_SLACK_WEBHOOK"

    [[alerts.rules]]
    id = "rumeurs"
    kinds = ["rumour", "bad_buzz"]
    leaders = ["marie-durand"]
    min_score = 3
    sinks = ["equipe"]
    quiet_minutes = 60
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from veille.signals.model import KINDS

SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlertRule(_Model):
    """``[[alerts.rules]]``: a signal matches when its kind is one of ``kinds`` (all kinds
    when empty), its score and distinct authors reach the minimums, and it concerns one of
    the ``watches``, ``leaders`` or ``organisations`` listed (anything when all three are
    empty)."""

    id: str = Field(pattern=SLUG)
    kinds: list[str] = []
    watches: list[str] = []
    leaders: list[str] = []
    organisations: list[str] = []
    min_score: float = Field(default=0.0, ge=0)
    min_authors: int = Field(default=0, ge=0)
    sinks: list[str] = Field(min_length=1)
    #: after an alert, wait this long before the next one: about the same episode
    #: (``quiet_scope = "episode"``, its escalations wait) or about anything (``"rule"``)
    quiet_minutes: float = Field(default=0.0, ge=0, le=7 * 24 * 60)
    quiet_scope: Literal["episode", "rule"] = "episode"
    #: the language of the alert text (default: ``[workspace] language``)
    language: Literal["fr", "en"] | None = None
    enabled: bool = True

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: list[str]) -> list[str]:
        for kind in value:
            if kind not in KINDS:
                raise ValueError(
                    f"unknown signal kind {kind!r} (expected one of {', '.join(KINDS)})"
                )
        return value


class AlertsSection(_Model):
    """``[alerts]``: rules, sinks, and how hard delivery tries."""

    rules: list[AlertRule] = []
    #: ``[alerts.sinks.NAME]`` tables as written; each needs ``type`` and is validated by
    #: the settings model of that sink type (registered through ``veille_alert_sinks``)
    sinks: dict[str, dict[str, Any]] = {}
    #: a story alerts again (an escalation) when its score or its distinct authors reach
    #: this multiple of the last alerted, or when its kind changes
    escalation_factor: float = Field(default=2.0, gt=1, le=100)
    #: a signal last updated longer ago than this is not alerted (a rescan of history must
    #: not page anyone about last year's buzz); 0: no limit
    max_age_hours: float = Field(default=24.0, ge=0)
    #: attempts per alert before it goes to the dead-letter log
    max_attempts: int = Field(default=5, ge=1, le=20)
    #: the wait before the n-th retry is backoff_seconds * 2^(n-1), at most
    #: max_backoff_seconds (a Retry-After longer than that gives up the pass)
    backoff_seconds: float = Field(default=2.0, ge=0, le=3600)
    max_backoff_seconds: float = Field(default=60.0, ge=0, le=3600)

    @field_validator("sinks")
    @classmethod
    def _sink_names(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        import re

        for name, table in value.items():
            if not re.match(SLUG, name):
                raise ValueError(f"{name!r}: a sink name is lower case letters, digits, - or _")
            if not isinstance(table, dict):
                raise ValueError(f"{name}: expected a table [alerts.sinks.{name}]")
        return value


def alert_references(
    section: AlertsSection, watches: Sequence[str], leaders: Sequence[str], orgs: Sequence[str]
) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems of references in ``[alerts]``: (key path, message) pairs."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: set[str] = set()
    known = {"watches": watches, "leaders": leaders, "organisations": orgs}
    for index, rule in enumerate(section.rules):
        where: tuple[str | int, ...] = ("alerts", "rules", index)
        if rule.id in seen:
            problems.append(((*where, "id"), f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)
        for sink in rule.sinks:
            if sink not in section.sinks:
                declared = ", ".join(sorted(section.sinks)) or "none"
                problems.append(
                    ((*where, "sinks"), f"unknown sink {sink!r} (declared: {declared})")
                )
        for field, ids in known.items():
            for value in getattr(rule, field):
                if value not in ids:
                    problems.append(
                        (
                            (*where, field),
                            f"unknown {field[:-1] if field != 'watches' else 'watch'} "
                            f"{value!r} (declared: {', '.join(ids) or 'none'})",
                        )
                    )
    for name, table in section.sinks.items():
        if "type" not in table:
            problems.append(
                (("alerts", "sinks", name), 'the sink needs a type (e.g. type = "webhook")')
            )
    return problems
