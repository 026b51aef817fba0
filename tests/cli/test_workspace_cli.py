"""The workspace commands through the real ``veille`` entry point."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

VEILLE = [sys.executable, "-m", "veille"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VEILLE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "120"},
    )


def test_init_then_status_json(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    done = run("init", str(ws))
    assert done.returncode == 0, done.stderr
    assert (ws / "veille.toml").exists() and (ws / "data").is_dir()
    again = run("init", str(ws))
    assert again.returncode == 2 and "already exists" in again.stderr
    status = run("status", "--workspace", str(ws), "--format", "json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["posts"]["total"] == 0 and data["schema_version"] >= 1


def test_not_a_workspace_is_one_clear_line(tmp_path: Path) -> None:
    done = run("status", "--workspace", str(tmp_path))
    assert done.returncode == 2
    assert "is not a veille workspace" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_config_names_line(tmp_path: Path) -> None:
    run("init", str(tmp_path))
    (tmp_path / "veille.toml").write_text('[[leaders]]\nid = "Bad Id"\nname = "x"\n')
    done = run("status", "-w", str(tmp_path))
    assert done.returncode == 2
    assert "veille.toml:2: leaders[0].id" in done.stderr


def test_second_process_is_told_who_owns_the_workspace(tmp_path: Path) -> None:
    run("init", str(tmp_path))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from veille.workspace import Workspace\n"
            f"ws = Workspace.open({str(tmp_path)!r}); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        done = run("status", "-w", str(tmp_path))
        assert done.returncode == 3
        assert f"process {holder.pid}" in done.stderr and "in use by" in done.stderr
        assert "Traceback" not in done.stderr and "IOException" not in done.stderr
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert run("status", "-w", str(tmp_path)).returncode == 0  # the kernel released the lock


def test_version() -> None:
    done = run("--version")
    assert done.returncode == 0 and done.stdout.startswith("veille ")
