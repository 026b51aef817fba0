"""Every registered metric gives the same rows on DuckDB and on Spark (local mode, over the
Parquet lake of the same simulated workspace), and so does the whole ranking.

One Spark session for the module. Skipped when PySpark or Java is missing."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from veille.analytics.context import AnalyticsContext, build_context
from veille.analytics.engine import DuckDBEngine
from veille.analytics.index import rank
from veille.analytics.lake import export_lake
from veille.analytics.registry import Metric, metrics, run_metric
from veille.workspace import Workspace

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("the Spark engine needs Java", allow_module_level=True)


def _author_classes(ctx: AnalyticsContext) -> None:
    from veille.analytics.authors import register_author_classes

    register_author_classes(ctx)


def _period_edges(ctx: AnalyticsContext) -> None:
    from veille.analytics.channels import PERIOD_EDGES

    edges = run_metric(ctx.engine, "interaction_edges", **ctx.period("7d").params())
    ctx.engine.register(PERIOD_EDGES, edges)


def _listening_posts(ctx: AnalyticsContext) -> None:
    from veille.analytics.listening import Scope, heard_posts

    heard_posts(ctx, Scope("organisation", ctx.config.organisations[0].id), ctx.period("7d"))


def _objective_weeks(ctx: AnalyticsContext) -> None:
    from datetime import timedelta

    from veille.analytics.objective_series import register_weeks

    register_weeks(ctx, [ctx.anchor - timedelta(weeks=k) for k in (3, 2, 1, 0)])


def _objective_heard_posts(ctx: AnalyticsContext) -> None:
    from veille.analytics.objective_series import HEARD

    period = ctx.period("28d")
    posts = run_metric(ctx.engine, "listening_entity_posts", kind="leader", **period.params())
    ctx.engine.register(HEARD, posts)


def _objective_leader_posts(ctx: AnalyticsContext) -> None:
    from veille.analytics.objective_series import LEADER_RATES

    posts = run_metric(ctx.engine, "leader_posts", **ctx.period("28d").params())
    ctx.engine.register(LEADER_RATES, posts.select(["entity_id", "network", "created_at", "rate"]))


#: How to hand each engine the registered inputs a metric needs besides entity_accounts.
INPUTS: dict[str, Callable[[AnalyticsContext], None]] = {
    "author_classes": _author_classes,
    "period_edges": _period_edges,
    "listening_posts": _listening_posts,
    "objective_weeks": _objective_weeks,
    "objective_heard_posts": _objective_heard_posts,
    "objective_leader_posts": _objective_leader_posts,
}
#: Inputs a metric reads without declaring them in ``Metric.inputs`` (channels reads the
#: period's edges that its view registers first).
UNDECLARED: dict[str, tuple[str, ...]] = {}


@pytest.fixture(scope="module")
def engines(
    demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[AnalyticsContext, AnalyticsContext]]:
    from veille.analytics.spark import SparkEngine, session

    lake = tmp_path_factory.mktemp("lake")
    with Workspace.open(demo_workspace, read_only=True) as ws:
        export_lake(ws.store.con, lake)
        duck = build_context(DuckDBEngine(ws.store.con), ws.config)
        spark = session()
        try:
            yield duck, build_context(SparkEngine(spark, lake), ws.config)
        finally:
            spark.stop()


def _params(ctx: AnalyticsContext, m: Metric) -> dict[str, Any]:
    """Values for every parameter name the registered metrics use (a new name makes the
    test fail with "missing parameter", so it gets a value here)."""
    period = ctx.period("7d")
    config = ctx.config
    org = config.organisations[0].id if config.organisations else ""
    leader = config.leaders[0].id if config.leaders else ""
    watch = config.watches[0].id if config.watches else ""
    return {
        **period.params(),
        "at": period.until,
        "active_since": period.since,
        "organisation": org,
        "leader": leader,
        "entity": leader,
        "kind": "leader",
        "leader_watch": watch,
        "organisation_watch": watch,
        "watch": watch,
        "bucket": "day",
    }


def _rows(table: pa.Table, order: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = table.to_pylist()
    keys = order or tuple(table.column_names)
    return sorted(rows, key=lambda r: tuple((r[k] is None, str(r[k])) for k in keys))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("metric_id", sorted(metrics()))
def test_metric_parity(engines: tuple[AnalyticsContext, AnalyticsContext], metric_id: str) -> None:
    duck, spark = engines
    m = metrics()[metric_id]
    for name in (*m.inputs, *UNDECLARED.get(metric_id, ())):
        if name == "entity_accounts":
            continue
        assert name in INPUTS, f"{metric_id}: no way to prepare input {name!r} for both"
        INPUTS[name](duck)
        INPUTS[name](spark)
    params = _params(duck, m)
    a = run_metric(duck.engine, m, **params)
    b = run_metric(spark.engine, m, **params)
    assert a.column_names == b.column_names
    left, right = _rows(a, m.order), _rows(b, m.order)
    assert len(left) == len(right), metric_id
    for x, y in zip(left, right, strict=True):
        diff = {k: (x[k], y[k]) for k in x if not _same(x[k], y[k])}
        assert not diff, f"{metric_id}: {diff}"


def test_ranking_parity(engines: tuple[AnalyticsContext, AnalyticsContext]) -> None:
    duck, spark = engines
    period = duck.period("14d")
    a = rank(duck, period).as_json()
    b = rank(spark, period).as_json()
    assert [i["leader"] for i in a] == [i["leader"] for i in b]
    for x, y in zip(a, b, strict=True):
        assert x["rank"] == y["rank"] and x["rank_change"] == y["rank_change"]
        if isinstance(x["index"], float):
            assert x["index"] == pytest.approx(y["index"], abs=1e-6)
        for name, comp in x["components"].items():
            other = y["components"][name]
            assert comp["rank"] == other["rank"], (x["leader"], name)
            if comp["value"] is None:
                assert other["value"] is None
            else:
                assert comp["value"] == pytest.approx(other["value"], rel=1e-9)
