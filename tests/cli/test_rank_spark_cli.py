"""`veille rank --engine spark` through the CLI: it exports the workspace's Parquet lake,
runs the ranking on Spark (local mode) and prints what `--engine duckdb` prints. Skipped
when PySpark or Java is missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tests.cli_run import veille_cli

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("the Spark engine needs Java", allow_module_level=True)


def test_rank_on_spark_prints_what_duckdb_prints(demo_workspace: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace, ws)
    (ws / "data" / "owner.lock").unlink(missing_ok=True)
    duck = veille_cli("rank", "-w", str(ws), "--format", "json")
    assert duck.code == 0, duck.output
    spark = veille_cli("rank", "-w", str(ws), "--format", "json", "--engine", "spark")
    assert spark.code == 0, spark.output
    assert json.loads(spark.stdout) == json.loads(duck.stdout)
    assert (ws / "data" / "lake").is_dir()
    bad = veille_cli("rank", "-w", str(ws), "--engine", "hive")
    assert bad.code == 2 and "duckdb or spark" in str(bad.error)
