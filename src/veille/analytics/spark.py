"""The Spark engine: the same metrics, in the same DuckDB-dialect SQL, on PySpark over the
Parquet lake that ``veille export --parquet`` writes (``analytics/lake.py``).

- The SQL is transpiled by sqlglot (DuckDB -> Spark). Named parameters (``$since``) are
  replaced in the parsed tree by typed literals: timestamps as ``CAST('...' AS TIMESTAMP)``
  in UTC (the session's time zone is UTC), floats as ``CAST('...' AS DOUBLE)`` (a bare
  ``0.5`` is a DECIMAL in Spark), strings as quoted literals (sqlglot escapes them). No
  value is pasted into SQL text by hand.
- Every table of the lake is a temporary view; ``register`` hands Spark an Arrow table
  (never pandas) and makes it a view too.
- Results come back as Arrow (``DataFrame.toArrow``).

Local mode by default (``local[2]``); any cluster with ``master=`` (``--spark-master`` or
``VEILLE_SPARK_MASTER``): the lake's path must then be readable by the executors (a shared
file system, HDFS or an object store).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from veille.analytics.lake import MANIFEST, TABLES
from veille.errors import UsageError

DEFAULT_MASTER = "local[2]"


def _literal(name: str, value: Any) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        text = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return exp.cast(exp.Literal.string(text), exp.DataType.build("TIMESTAMP"))
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        return exp.cast(exp.Literal.string(repr(value)), exp.DataType.build("DOUBLE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"parameter ${name}: unsupported type {type(value).__name__}")


def to_spark_sql(sql: str, params: Mapping[str, Any] | None = None) -> str:
    """``sql`` (DuckDB dialect, ``$name`` parameters) as Spark SQL with the values bound."""
    values = dict(params or {})
    tree = sqlglot.parse_one(sql, read="duckdb")

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder | exp.Parameter):
            key = str(node.name or node.this)
            if key not in values:
                raise ValueError(f"missing parameter ${key}")
            return _literal(key, values[key])
        return node

    return tree.transform(bind).sql(dialect="spark")


class SparkEngine:
    """Runs metrics on PySpark over a Parquet lake."""

    name = "spark"

    def __init__(self, session: Any, lake: Path | None = None, *, owned: bool = False) -> None:
        self.spark = session
        self._owned = owned
        if lake is not None:
            self.attach(lake)

    @classmethod
    def open(cls, lake: Path, *, master: str | None = None) -> SparkEngine:
        return cls(session(master), lake, owned=True)

    def attach(self, lake: Path) -> None:
        """Make every table of the lake at ``lake`` a temporary view."""
        if not (lake / MANIFEST).exists():
            raise UsageError(
                f"{lake} is not a veille Parquet lake (no {MANIFEST})",
                hint="Write it with `veille export --parquet DIR`.",
            )
        for table in ("posts", *TABLES):
            frame = self.spark.read.parquet(str(lake / table))
            frame.createOrReplaceTempView(table)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        table = self.spark.sql(to_spark_sql(sql, params)).toArrow()
        return _utc(table)

    def register(self, name: str, table: pa.Table) -> None:
        frame = self.spark.createDataFrame(table) if table.num_rows else self._empty(table)
        frame.createOrReplaceTempView(name)

    def _empty(self, table: pa.Table) -> Any:
        from pyspark.sql.pandas.types import from_arrow_schema

        return self.spark.createDataFrame([], from_arrow_schema(table.schema))

    def close(self) -> None:
        if self._owned:
            self.spark.stop()


def _utc(table: pa.Table) -> pa.Table:
    """Timestamps as DuckDB gives them: microseconds, UTC."""
    fields = []
    changed = False
    for f in table.schema:
        if pa.types.is_timestamp(f.type):
            fields.append(pa.field(f.name, pa.timestamp("us", tz="UTC"), f.nullable))
            changed = True
        else:
            fields.append(f)
    return table.cast(pa.schema(fields)) if changed else table


def session(master: str | None = None) -> Any:
    """A Spark session for veille: UTC, Arrow on, no UI, few shuffle partitions."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(
            "the Spark engine needs PySpark", hint="Install it: pip install 'veille[spark]'"
        ) from None
    url = master or os.environ.get("VEILLE_SPARK_MASTER") or DEFAULT_MASTER
    builder = (
        SparkSession.builder.master(url)
        .appName("veille")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
