"""``veille export --parquet DIR``: the store's tables as a Parquet lake, for Spark.

Layout::

    DIR/posts/day=YYYY-MM-DD/data.parquet   posts, one partition per UTC day of created_at
    DIR/<table>/data.parquet                every other table, one file
    DIR/_veille_lake.json                   what was written: a fingerprint per partition

Incremental: each posts day and each other table has a fingerprint (row count and an XOR
of row hashes, computed by DuckDB); only what changed since the last export is rewritten
(a deletion or ``forget`` changes the fingerprint of the days it touches), and days that no
longer hold posts are removed. Each file is written beside its place and renamed into it,
so a reader never sees half a file.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

#: Tables exported whole (posts are exported by day).
TABLES: tuple[str, ...] = (
    "accounts",
    "account_snapshots",
    "post_metrics",
    "reactions",
    "follows",
    "enrichments",
    "post_labels",
    "matches",
    "tombstones",
    "post_links",
    "signals",
)
MANIFEST = "_veille_lake.json"
EMPTY_DAY = "1970-01-01"


@dataclass
class LakeExport:
    path: Path
    written: list[str] = field(default_factory=list)
    kept: int = 0
    removed: list[str] = field(default_factory=list)


def _fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> str:
    n, h = con.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {table} t").fetchall()[0]
    return f"{n}:{h or 0}"


def _day_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT strftime(created_at, '%Y-%m-%d') AS day, count(*), bit_xor(hash(p)) "
        "FROM posts p GROUP BY 1"
    ).fetchall()
    return {str(day): f"{n}:{h or 0}" for day, n, h in rows}


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)")
    tmp.replace(target)


def export_lake(con: duckdb.DuckDBPyConnection, out: Path) -> LakeExport:
    """Write (or bring up to date) the lake at ``out`` from the store on ``con``."""
    cur = con.cursor()
    cur.execute("SET TimeZone = 'UTC'")
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    try:
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    old_days: dict[str, str] = old.get("posts", {})
    old_tables: dict[str, str] = old.get("tables", {})
    result = LakeExport(out)
    days = _day_fingerprints(cur)
    if not days:  # Spark needs one file to know the schema
        days = {EMPTY_DAY: "0:0"}
    for day, fp in sorted(days.items()):
        target = out / "posts" / f"day={day}" / "data.parquet"
        if old_days.get(day) == fp and target.exists():
            result.kept += 1
            continue
        start = date.fromisoformat(day)
        end = start + timedelta(days=1)
        _copy(
            cur,
            f"SELECT * FROM posts WHERE created_at >= TIMESTAMPTZ '{start} 00:00:00+00' "
            f"AND created_at < TIMESTAMPTZ '{end} 00:00:00+00' ORDER BY created_at, uri",
            target,
        )
        result.written.append(f"posts/day={day}")
    for day in sorted(set(old_days) - set(days)):
        shutil.rmtree(out / "posts" / f"day={day}", ignore_errors=True)
        result.removed.append(f"posts/day={day}")
    tables: dict[str, str] = {}
    for table in TABLES:
        fp = _fingerprint(cur, table)
        tables[table] = fp
        target = out / table / "data.parquet"
        if old_tables.get(table) == fp and target.exists():
            result.kept += 1
            continue
        _copy(cur, f"SELECT * FROM {table}", target)
        result.written.append(table)
    tmp = manifest_path.with_name(MANIFEST + ".tmp")
    tmp.write_text(json.dumps({"posts": days, "tables": tables}, indent=1), encoding="utf-8")
    tmp.replace(manifest_path)
    cur.close()
    return result
