"""Plugin hooks. Built-in connectors, stages and commands register through the same hooks
as third-party packages (entry point group ``veille``), so a new network needs no change in
the core."""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer

    from veille.analytics.registry import Metric
    from veille.pipeline.base import Stage
    from veille.sources.base import Connector
    from veille.workspace.config import VeilleConfig

hookspec = pluggy.HookspecMarker("veille")
hookimpl = pluggy.HookimplMarker("veille")

#: Built-in plugin modules. Each defines ``@hookimpl`` functions.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "veille.sources.builtin",
    "veille.pipeline.builtin",
    "veille.cli.builtin",
    "veille.analytics.builtin",
)


class VeilleSpec:
    @hookspec
    def veille_connectors(self) -> list[type[Connector]]:  # type: ignore[empty-body]
        """Return connector classes to register."""

    @hookspec
    def veille_stages(self, config: VeilleConfig) -> list[Stage]:  # type: ignore[empty-body]
        """Return enrichment stages built for ``config``, in the order they must run.
        Built-in stages run first (language, sentiment, watches, stakeholders, cues)."""

    @hookspec
    def veille_commands(self, app: typer.Typer) -> None:
        """Add commands or command groups to the ``veille`` CLI."""

    @hookspec
    def veille_metrics(self) -> list[Metric]:  # type: ignore[empty-body]
        """Return analytics metrics (``veille.analytics.registry.Metric``) to register."""


@cache
def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("veille")
    pm.add_hookspecs(VeilleSpec)
    for name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints("veille")
    return pm


def connectors() -> dict[str, type[Connector]]:
    """All registered connectors by id."""
    found: dict[str, type[Connector]] = {}
    for group in manager().hook.veille_connectors():
        for cls in group:
            found[cls.id] = cls
    return found


def connector(connector_id: str) -> type[Connector]:
    table = connectors()
    if connector_id not in table:
        known = ", ".join(sorted(table))
        raise KeyError(f"unknown source '{connector_id}' (known: {known})")
    return table[connector_id]


def stages(config: VeilleConfig) -> list[Stage]:
    """All enrichment stages for ``config``: built-in ones first, in order."""
    found: list[Stage] = []
    for group in reversed(manager().hook.veille_stages(config=config)):
        found.extend(group)
    return found


def register_commands(app: Any) -> None:
    manager().hook.veille_commands(app=app)
