from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web import fixture_ws

from veille.web.app import create_app
from veille.web.state import ServerState
from veille.workspace import Workspace

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def built_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = fixture_ws.build(tmp_path_factory.mktemp("web") / "ws")
    fixture_ws.add_user(root, "admin", PASSWORD, "admin")
    fixture_ws.add_user(root, "viewer", PASSWORD, "viewer")
    return root


@pytest.fixture
def ws_root(built_ws: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(built_ws, root)
    (root / "data" / "owner.lock").unlink(missing_ok=True)
    return root


def _client(root: Path, demo: bool) -> Iterator[TestClient]:
    ws = Workspace.open(root, read_only=demo)
    try:
        app = create_app(ServerState(ws, demo=demo))
        with TestClient(app, base_url="https://127.0.0.1", follow_redirects=False) as client:
            yield client
    finally:
        ws.close()


@pytest.fixture
def anon(ws_root: Path) -> Iterator[TestClient]:
    yield from _client(ws_root, demo=False)


@pytest.fixture
def demo(ws_root: Path) -> Iterator[TestClient]:
    yield from _client(ws_root, demo=True)


def login(client: TestClient, user: str = "admin", password: str = PASSWORD) -> str:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login",
        data={"username": user, "password": password, "csrf": token.group(1), "next": "/"},
    )
    assert response.status_code == 303, response.text
    home = client.get("/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', home.text)
    assert csrf
    return csrf.group(1)


@pytest.fixture
def admin(anon: TestClient) -> TestClient:
    anon.headers["x-test-csrf"] = login(anon)
    return anon
