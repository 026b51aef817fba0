"""Registers the built-in connectors through the plugin hook, like any third party."""

from __future__ import annotations

import importlib

from veille.plugins import hookimpl
from veille.sources.base import Connector

#: Modules that define ``CONNECTORS: list[type[Connector]]``.
MODULES: tuple[str, ...] = (
    "veille.sources.bluesky",
    "veille.sources.mastodon_live",
    "veille.sources.rss",
    "veille.sources.jetstream",
    "veille.sources.twitter_v2",
    "veille.sources.bluesky_appview",
    "veille.sources.mastodon",
    "veille.sources.x_archive",
    "veille.sources.linkedin",
    "veille.sources.tabular",
)


@hookimpl
def veille_connectors() -> list[type[Connector]]:
    found: list[type[Connector]] = []
    for name in MODULES:
        found.extend(importlib.import_module(name).CONNECTORS)
    return found
