"""The plugin hooks: pluggy's markers and the hook specifications. Ground floor: it imports
nothing of veille at run time (the types below are for the type checker only), so that any
module can mark its ``@hookimpl`` functions without pulling in the registry
(``veille.plugins`` holds the manager)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import typer

    from veille.alerts.base import AlertSink
    from veille.analytics.registry import Metric
    from veille.pipeline.base import Stage
    from veille.sources.base import Connector
    from veille.workspace.config import VeilleConfig

PROJECT = "veille"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


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

    @hookspec
    def veille_alert_sinks(self) -> list[type[AlertSink]]:  # type: ignore[empty-body]
        """Return alert sink classes (``veille.alerts.base.AlertSink``) to register; each
        has a ``type`` (the ``type = "..."`` of ``[alerts.sinks.NAME]``) and a ``Settings``
        model for the rest of that table."""
