"""Shared by the alerts tests: a workspace with a registry and ``[alerts]``, signals, and a
sleep that records its waits instead of waiting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from veille.signals.model import Kind, Signal
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

REGISTRY = """\
[workspace]
name = "essai"
language = "fr"
public_url = "https://veille.example.org/"

[[organisations]]
id = "acme"
name = "Acme"
kind = "own"

[[leaders]]
id = "marie"
name = "Marie Durand"
organisation = "acme"

[[leaders]]
id = "paul"
name = "Paul Martin"

[[watches]]
id = "greve"
name = "Grève chez Acme"
query = "grève AND acme"
"""

T0 = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def make_workspace(root: Path, alerts: str, registry: str = REGISTRY) -> Path:
    init_workspace(root, registry + "\n" + alerts)
    return root


def open_ws(root: Path) -> Workspace:
    return Workspace.open(root)


def webhook_sink(name: str, url: str, fmt: str = "generic", extra: str = "") -> str:
    return f'[alerts.sinks.{name}]\ntype = "webhook"\nformat = "{fmt}"\nurl = "{url}"\n{extra}\n'


def rule(rule_id: str, sinks: Sequence[str], **options: Any) -> str:
    lines = ["[[alerts.rules]]", f'id = "{rule_id}"', f"sinks = {list(sinks)!r}".replace("'", '"')]
    for key, value in options.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, list):
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        else:
            lines.append(f"{key} = {str(value).lower() if isinstance(value, bool) else value}")
    return "\n".join(lines) + "\n"


def signal(
    sid: str = "r-1",
    *,
    kind: Kind = "rumour",
    term: str | None = "#greve",
    score: float = 4.0,
    authors: int = 10,
    posts: int = 20,
    story_id: str | None = None,
    leaders: tuple[str, ...] = ("marie",),
    watches: tuple[str, ...] = ("greve",),
    organisations: tuple[str, ...] = (),
    at: datetime = T0,
    reasons: tuple[str, ...] = ("12 auteurs distincts en 15 minutes, contre 2 d'habitude.",),
    detail: dict[str, Any] | None = None,
) -> Signal:
    return Signal(
        id=sid, kind=kind, term=term, first_seen=at - timedelta(minutes=15), detected_at=at,
        score=score, authors=authors, posts=posts, reasons=reasons, watches=watches,
        leaders=leaders, organisations=organisations, story_id=story_id, detail=detail or {},
    )  # fmt: skip


class Sleeps:
    """A sleep that records what it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
