"""Shared test fixtures. The real data of ``../shared`` is optional: tests that need it
skip with a clear reason where it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()


def shared_path(*parts: str) -> Path:
    """Path into ``../shared``; skips the calling test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} (see ../shared/data/PROVENANCE.md)")
    return path


@pytest.fixture
def shared() -> Path:
    if not SHARED.exists():
        pytest.skip(f"real data not available: {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace (simulated ecosystem, seed 42, imported and enriched), built once
    per test session and shared: open it read-only, or copy it (``shutil.copytree``) to
    write. Its ``simulated/ground_truth.json`` says what was planted."""
    from veille.cli.demo_cmd import build_demo

    root = tmp_path_factory.mktemp("demo") / "ws"
    build_demo(root, quiet=True)
    return root
