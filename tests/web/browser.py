"""Set-up of the browser tests: Debian's chromium (installed with apt-get where missing,
as the test set-up of a fresh machine; the tests skip cleanly when that fails), and a real
``veille serve`` subprocess on a copy of the demo workspace."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"


def ensure_chromium() -> Path:
    """``/usr/bin/chromium``, installed with apt-get when missing (root only)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("chromium is missing and cannot be installed here (apt-get as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "install", "-y", "chromium"],):
        done = subprocess.run(step, env=env, capture_output=True, check=False, timeout=900)
        if done.returncode != 0:
            subprocess.run(
                ["apt-get", "update"], env=env, capture_output=True, check=False, timeout=600
            )
            subprocess.run(step, env=env, capture_output=True, check=False, timeout=900)
    if not CHROMIUM.exists():
        pytest.skip("chromium could not be installed with apt-get")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def veille_serve(args: list[str], log: Path) -> Iterator[str]:
    """Run ``veille serve ARGS --port P`` until the block ends; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "veille", "serve", *args, "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"veille serve exited: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"veille serve did not start: {log.read_text()[-2000:]}")
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
