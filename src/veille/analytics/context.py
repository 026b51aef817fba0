"""What a view needs to run its metrics on one workspace: an engine with the registry's
entities registered, the validated registry, and the anchor that ends default periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from veille.analytics.engine import DuckDBEngine, Engine
from veille.analytics.entities import register_entities
from veille.analytics.period import Period, default_anchor, resolve_period
from veille.workspace.config import VeilleConfig

# the newest post (not audience snapshots: importers without an observation time stamp
# theirs at import time, which would move every default period to today)
LATEST_POST_SQL = "SELECT max(created_at) AS latest FROM posts WHERE deleted_at IS NULL"


@dataclass
class AnalyticsContext:
    engine: Engine
    config: VeilleConfig
    anchor: datetime
    #: derived inputs computed once per context (e.g. ``author_classes``)
    cache: dict[str, Any] = field(default_factory=dict)

    def period(
        self,
        period: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
    ) -> Period:
        return resolve_period(period, since, until, anchor=self.anchor)


def latest_post(engine: Engine) -> datetime | None:
    value = engine.query(LATEST_POST_SQL).column("latest")[0].as_py()
    return value if isinstance(value, datetime) else None


def build_context(
    engine: Engine, config: VeilleConfig, *, now: datetime | None = None
) -> AnalyticsContext:
    """Register the registry's entities on ``engine`` and fix the default anchor."""
    register_entities(engine, config)
    return AnalyticsContext(engine, config, default_anchor(latest_post(engine), now))


def duckdb_context(con: object, config: VeilleConfig) -> AnalyticsContext:
    """The default: DuckDB on a store connection (``Workspace.store.con``)."""
    import duckdb

    assert isinstance(con, duckdb.DuckDBPyConnection)
    return build_context(DuckDBEngine(con), config)
