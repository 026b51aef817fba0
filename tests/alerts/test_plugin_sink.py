"""A third-party sink registers through ``veille_alert_sinks`` like the built-ins: its
settings are validated with the file (errors naming the line), and dispatch uses it."""

from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from alert_helpers import REGISTRY, T0, make_workspace, open_ws, rule, signal

from veille.alerts import dispatch
from veille.alerts.base import Alert, AlertSink, DeliveryError, SinkSettings
from veille.errors import ConfigError
from veille.hookspecs import hookimpl
from veille.plugins import alert_sinks, manager
from veille.workspace.config import parse_config


class PagerSettings(SinkSettings):
    team: str
    fail_first: int = 0


class PagerSink(AlertSink):
    type = "pager"
    Settings = PagerSettings
    settings: PagerSettings
    paged: ClassVar[list[tuple[str, str]]] = []
    failures: ClassVar[dict[str, int]] = {}

    def send(self, alert: Alert) -> None:
        seen = PagerSink.failures.get(alert.key, 0)
        if seen < self.settings.fail_first:
            PagerSink.failures[alert.key] = seen + 1
            raise DeliveryError("pager busy")
        PagerSink.paged.append((self.settings.team, alert.key))


@pytest.fixture
def pager_plugin() -> Iterator[None]:
    plugin = types.ModuleType("veille_pager")

    @hookimpl
    def veille_alert_sinks() -> list[type[AlertSink]]:
        return [PagerSink]

    plugin.veille_alert_sinks = veille_alert_sinks  # type: ignore[attr-defined]
    manager().register(plugin, name="veille_pager")
    PagerSink.paged.clear()
    PagerSink.failures.clear()
    try:
        yield
    finally:
        manager().unregister(name="veille_pager")


SECTION = '[alerts.sinks.astreinte]\ntype = "pager"\nteam = "comms"\nfail_first = 1\n' + rule(
    "tout", ["astreinte"]
)


def test_builtins_come_through_the_hook() -> None:
    assert {"webhook", "email"} <= set(alert_sinks())


def test_third_party_sink(pager_plugin: None, tmp_path: Path) -> None:
    assert "pager" in alert_sinks()
    root = make_workspace(tmp_path / "ws", SECTION)
    waits: list[float] = []
    with open_ws(root) as ws:
        report = dispatch(ws, [signal()], T0, sleep=waits.append)
    assert PagerSink.paged == [("comms", report.sent[0])] and waits == [2.0]


def test_its_settings_are_checked_with_the_line(pager_plugin: None) -> None:
    text = REGISTRY + SECTION.replace('team = "comms"\n', 'teem = "comms"\n')
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("veille.toml"))
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("teem"))
    assert f"veille.toml:{line}: alerts.sinks.astreinte.teem: unknown field" in caught.value.message


def test_unknown_without_the_plugin() -> None:
    with pytest.raises(ConfigError, match="unknown sink type 'pager'"):
        parse_config(REGISTRY + SECTION, Path("veille.toml"))
