"""The engine interface every metric runs on: ``query(sql, params) -> pyarrow.Table``.

SQL is written once, in DuckDB's dialect, with named parameters (``$since``, ``$until``...).
Registry-derived inputs that are not store tables (which account belongs to which leader)
are handed to the engine as Arrow tables with ``register`` and joined like tables.

``DuckDBEngine`` runs on a store connection (its own cursor, so that it never blocks the
writer). The Spark engine (``analytics/spark.py``) runs the same SQL transpiled by sqlglot
over the Parquet lake.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import duckdb
import pyarrow as pa


class Engine(Protocol):
    """What a metric needs from an engine."""

    name: str

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run ``sql`` (DuckDB dialect, ``$name`` parameters) and return its rows."""
        ...

    def register(self, name: str, table: pa.Table) -> None:
        """Make ``table`` visible to later queries as ``name`` (replacing any former one)."""
        ...


class DuckDBEngine:
    """The default engine: DuckDB on the workspace's store."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con.cursor()
        self._con.execute("SET TimeZone = 'UTC'")
        self._registered: dict[str, pa.Table] = {}

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        used = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
        relation = self._con.sql(sql, params=used) if used else self._con.sql(sql)
        if relation is None:  # a statement without a result
            return pa.table({})
        return relation.to_arrow_table()

    def register(self, name: str, table: pa.Table) -> None:
        if name in self._registered:
            self._con.unregister(name)
        self._con.register(name, table)
        self._registered[name] = table

    def close(self) -> None:
        self._con.close()
