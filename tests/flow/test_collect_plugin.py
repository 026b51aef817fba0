"""Collection goes through the plugin registry only: a third-party connector, registered
here as a plugin, with its own ``[sources.myconn]`` section, is validated (errors name the
line) and collected by ``veille collect`` like a built-in one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar, cast

import pytest
from pydantic import Field
from typer.testing import CliRunner

from veille.cli.app import app
from veille.errors import ConfigError
from veille.flow.collect import collect_once, configured_sources, resolve_sources
from veille.hookspecs import hookimpl
from veille.model import Post, Record
from veille.plugins import manager
from veille.sources.base import Connector, RawItem, Reject, SourceContext, SourceSettings
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace


class MySettings(SourceSettings):
    notes: list[str] = Field(default=[], description="Texts to post.")
    prefix: str = "note"


class MyConnector(Connector):
    id: ClassVar[str] = "myconn"
    kind = "poll"
    network: ClassVar[str] = "web"
    description: ClassVar[str] = "A third-party test connector"
    section: ClassVar[str | None] = "myconn"
    Settings = MySettings

    def __init__(self, notes: list[str], prefix: str) -> None:
        super().__init__()
        self.notes, self.prefix = notes, prefix

    @classmethod
    def wanted(cls, context: SourceContext) -> bool:
        return context.settings.enabled and bool(cast(MySettings, context.settings).notes)

    @classmethod
    def from_config(cls, context: SourceContext) -> MyConnector:
        settings = cast(MySettings, context.settings)
        return cls(list(settings.notes), settings.prefix)

    def fetch(self, cursor: str | None = None) -> Iterator[RawItem | Reject]:
        for i, text in enumerate(self.notes):
            yield RawItem.of(self.id, f"{self.prefix}:{i}", {"n": i, "text": text})

    @classmethod
    def to_records(cls, raw: RawItem) -> list[Record]:
        value: dict[str, Any] = raw.value()
        when = datetime(2026, 10, 1, tzinfo=UTC)
        return [
            Post(
                uri=f"myconn:{raw.origin}",
                network="web",
                post_id=str(value["n"]),
                author_id="myconn",
                created_at=when,
                collected_at=when,
                text=value["text"],
                source=cls.id,
            )
        ]


@pytest.fixture
def plugin() -> Iterator[None]:
    module = SimpleNamespace(veille_connectors=hookimpl(lambda: [MyConnector]))
    manager().register(module, name="test-myconn")
    try:
        yield
    finally:
        manager().unregister(name="test-myconn")


TOML = """[workspace]
name = "t"

[sources.myconn]
notes = ["first note", "second note"]
prefix = "n"
"""


def test_a_third_party_connector_is_configured_and_collected(tmp_path: Path, plugin: None) -> None:
    init_workspace(tmp_path, TOML)
    with Workspace.open(tmp_path) as ws:
        assert configured_sources(ws, "poll") == ["myconn"]
        assert resolve_sources(["myconn"], "poll") == ["myconn"]
        results = collect_once(ws)
        assert list(results) == ["myconn"] and results["myconn"].posts_new == 2
        texts = ws.store.con.execute("SELECT text FROM posts ORDER BY uri").fetchall()
        assert texts == [("first note",), ("second note",)]
    # and through the real command
    (tmp_path / "veille.toml").write_text(
        TOML.replace('"second note"]', '"second note", "third note"]'), encoding="utf-8"
    )
    done = CliRunner().invoke(
        app, ["collect", "-s", "myconn", "-w", str(tmp_path), "-q", "--no-enrich"]
    )
    assert done.exit_code == 0, done.output
    with Workspace.open(tmp_path, read_only=True) as ws:
        assert ws.store.scalar("SELECT count(*) FROM posts") == 3


def test_its_section_is_validated_by_its_model_with_the_line(tmp_path: Path, plugin: None) -> None:
    with pytest.raises(ConfigError) as error:
        init_workspace(tmp_path, TOML.replace('prefix = "n"', "prefix = 3"))
    assert "veille.toml:6: sources.myconn.prefix" in error.value.message
    with pytest.raises(ConfigError) as error:
        init_workspace(tmp_path, TOML.replace("prefix =", "prefx ="))
    assert "veille.toml:6: sources.myconn.prefx: unknown field" in error.value.message


def test_an_unknown_section_names_its_line_and_the_closest(tmp_path: Path, plugin: None) -> None:
    with pytest.raises(ConfigError) as error:
        init_workspace(tmp_path, TOML.replace("[sources.myconn]", "[sources.myconm]"))
    assert "veille.toml:4: sources.myconm: unknown source" in error.value.message
    assert error.value.hint == "Did you mean [sources.myconn]?"


def test_without_the_plugin_its_section_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        init_workspace(tmp_path, TOML)
    assert "sources.myconn: unknown source" in error.value.message
