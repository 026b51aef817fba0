"""The metric registry. Built-in metrics register through the ``veille_metrics`` plugin
hook, exactly as a third party's would, so a new metric needs no change in the core.

A ``Metric`` is one SQL query in DuckDB's dialect over the store's tables (and the tables
an engine was handed with ``register``), with named parameters. It is run by ``run_metric``
on any engine; the parity suite runs every registered metric on DuckDB and on Spark.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from veille.analytics.engine import Engine
from veille.errors import UsageError


@dataclass(frozen=True)
class Metric:
    """One registered query.

    ``id`` is stable (used in objectives, the API and the parity tests); ``params`` lists
    the named parameters the SQL reads (``$name``), with their defaults where they have
    one; ``inputs`` names the registered (non-store) tables it needs, so a runner knows what
    to hand the engine; ``order`` lists the columns that make its result deterministic (the
    parity test sorts on them).
    """

    id: str
    sql: str
    description: str
    params: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    order: tuple[str, ...] = ()


def metrics() -> dict[str, Metric]:
    """Every registered metric by id (built-ins and plugins)."""
    from veille.plugins import manager

    found: dict[str, Metric] = {}
    for group in manager().hook.veille_metrics():
        for item in group:
            if item.id in found and found[item.id] != item:
                raise ValueError(f"metric {item.id!r} registered twice")
            found[item.id] = item
    return found


def metric(metric_id: str) -> Metric:
    table = metrics()
    if metric_id not in table:
        close = difflib.get_close_matches(metric_id, list(table), n=3)
        hint = f"Did you mean {', '.join(close)}?" if close else f"Known: {', '.join(table)}"
        raise UsageError(f"unknown metric {metric_id!r}", hint=hint)
    return table[metric_id]


def run_metric(engine: Engine, item: Metric | str, **params: Any) -> pa.Table:
    """Run a metric with its defaults overridden by ``params``."""
    m = metric(item) if isinstance(item, str) else item
    values = {**m.params, **params}
    missing = [p for p in _parameters(m.sql) if p not in values]
    if missing:
        raise ValueError(f"metric {m.id!r}: missing parameter(s) {', '.join(missing)}")
    return engine.query(m.sql, values)


def _parameters(sql: str) -> list[str]:
    import re

    return sorted(set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", sql)))
