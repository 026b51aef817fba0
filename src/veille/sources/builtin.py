"""Registers the built-in connectors through the plugin hook, like any third party."""

from __future__ import annotations

import importlib

from veille.hookspecs import hookimpl
from veille.sources.base import Connector

#: Modules that define ``CONNECTORS: list[type[Connector]]``.
MODULES: tuple[str, ...] = (
    "veille.sources.bluesky.poller",
    "veille.sources.bluesky.stream",
    "veille.sources.mastodon.poller",
    "veille.sources.mastodon.stream",
    "veille.sources.rss",
    "veille.sources.bluesky.jetstream",
    "veille.sources.x.api_v2",
    "veille.sources.bluesky.appview",
    "veille.sources.mastodon.statuses",
    "veille.sources.x.archive",
    "veille.sources.linkedin",
    "veille.sources.tabular",
)


@hookimpl
def veille_connectors() -> list[type[Connector]]:
    found: list[type[Connector]] = []
    for name in MODULES:
        found.extend(importlib.import_module(name).CONNECTORS)
    return found
