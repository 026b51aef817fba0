"""The plugin manager. Built-in connectors, stages and commands register through the hooks
of ``veille.hookspecs``, as third-party packages do (entry point group ``veille``), so a new
network needs no change in the core."""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

import pluggy

from veille.hookspecs import PROJECT, VeilleSpec, hookimpl, hookspec

if TYPE_CHECKING:
    from pydantic import BaseModel

    from veille.alerts.base import AlertSink
    from veille.pipeline.base import Stage
    from veille.sources.base import Connector
    from veille.workspace.config import VeilleConfig

#: ``veille.plugins.hookimpl`` stays importable (third-party plugins use it).
__all__ = [
    "BUILTIN_PLUGINS",
    "VeilleSpec",
    "alert_sinks",
    "connector",
    "connectors",
    "hookimpl",
    "hookspec",
    "manager",
    "register_commands",
    "source_sections",
    "stages",
]

#: Built-in plugin modules. Each defines ``@hookimpl`` functions.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "veille.sources.builtin",
    "veille.pipeline.builtin",
    "veille.cli.builtin",
    "veille.analytics.builtin",
    "veille.alerts.builtin",
)


@cache
def manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
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


def source_sections() -> dict[str, list[type[BaseModel]]]:
    """The settings models of the live connectors, by the ``[sources.<section>]`` they
    read (connectors sharing a section normally share one model)."""
    found: dict[str, list[type[BaseModel]]] = {}
    for cls in connectors().values():
        if cls.section is not None:
            models = found.setdefault(cls.section, [])
            if cls.Settings not in models:
                models.append(cls.Settings)
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


def alert_sinks() -> dict[str, type[AlertSink]]:
    """All registered alert sink classes by ``type`` (a later plugin's wins)."""
    found: dict[str, type[AlertSink]] = {}
    for group in reversed(manager().hook.veille_alert_sinks()):
        for cls in group:
            found[cls.type] = cls
    return found


def register_commands(app: Any) -> None:
    manager().hook.veille_commands(app=app)
