"""The JSON API: tokens, pagination, validation, the same figures as the pages."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from tests.web import fixture_ws
from typer.testing import CliRunner

from veille.cli.app import app
from veille.web.app import create_app
from veille.web.state import ServerState
from veille.workspace import Workspace


def _api(root: Path) -> tuple[TestClient, Workspace]:
    ws = Workspace.open(root)
    client = TestClient(create_app(ServerState(ws)), base_url="https://127.0.0.1")
    return client, ws


def test_api_needs_a_valid_token(ws_root: Path) -> None:
    token = fixture_ws.add_token(ws_root, "ci")
    other = fixture_ws.add_token(ws_root, "old")
    revoked = CliRunner().invoke(app, ["token", "revoke", other.split("_")[1], "-w", str(ws_root)])
    assert revoked.exit_code == 0, revoked.output
    client, ws = _api(ws_root)
    try:
        assert client.get("/api/v1/leaders").status_code == 401
        bad = client.get("/api/v1/leaders", headers={"authorization": "Bearer vt_x_y"})
        assert bad.status_code == 401
        gone = client.get("/api/v1/leaders", headers={"authorization": f"Bearer {other}"})
        assert gone.status_code == 401
        ok = client.get("/api/v1/leaders", headers={"authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert client.get("/openapi.json").status_code == 200  # the spec is public
    finally:
        ws.close()
    # the store holds a hash, never the token
    with Workspace.open(ws_root, read_only=True) as ws2:
        assert token not in str(ws2.store.con.execute("SELECT * FROM api_tokens").fetchall())


def test_leaders_paginate_with_a_cursor(demo: TestClient) -> None:
    first = demo.get("/api/v1/leaders?limit=2&sort=name").json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    assert (
        set(first["index"]["weights"])
        <= {
            "reach",
            "growth",
            "engagement",
            "amplification",
            "conversation",
            "centrality",
            "sentiment",
        }
        and first["index"]["weights"]
    )
    second = demo.get(f"/api/v1/leaders?limit=2&cursor={first['next_cursor']}").json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    ids = [x["leader"] for x in first["items"] + second["items"]]
    assert sorted(ids) == ["alice-martin", "bob-durand", "evil"]
    bad = demo.get("/api/v1/leaders?cursor=!!!")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "cursor"


def test_api_validation_names_the_field(demo: TestClient) -> None:
    response = demo.get("/api/v1/leaders?period=abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "period"
    response = demo.get("/api/v1/leaders?limit=100000")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "limit"
    missing = demo.get("/api/v1/leaders/alice")
    assert missing.status_code == 404 and "alice-martin" in missing.json()["closest"]


def test_watch_posts_pages_match_the_page(demo: TestClient) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        url = "/api/v1/watches/lancement/posts?limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = demo.get(url).json()
        seen += [p["uri"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    watches = demo.get("/api/v1/watches").json()["items"]
    count = next(w["matches"] for w in watches if w["id"] == "lancement")
    assert len(seen) == len(set(seen)) == count > 0
    html = demo.get("/listening/lancement").text
    assert f"{count}" in html


def test_query_check(demo: TestClient) -> None:
    assert demo.post("/api/v1/query/check", json={"query": "a AND b"}).json() == {
        "ok": True,
        "column": None,
        "position": None,
        "reason": None,
    }
    bad = demo.post("/api/v1/query/check", json={"query": "a AND"}).json()
    assert bad["ok"] is False and bad["column"] == 6


def test_status_says_the_server_does_not_collect(demo: TestClient) -> None:
    data = demo.get("/api/v1/status").json()
    assert data["collecting"] is False and data["store"]["posts"] == 60


def test_api_leaders_is_the_ranking_of_veille_rank(ws_root: Path) -> None:
    import json

    cli = CliRunner().invoke(app, ["rank", "-w", str(ws_root), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    ranked = json.loads(cli.stdout)
    with Workspace.open(ws_root, read_only=True) as ro:
        demo = TestClient(create_app(ServerState(ro, demo=True)), base_url="https://127.0.0.1")
        items = demo.get("/api/v1/leaders?limit=500").json()["items"]
    assert [{k: item[k] for k in ranked[0]} for item in items] == ranked


def test_check_a_draft_through_the_api(demo: TestClient) -> None:
    ok = demo.post(
        "/api/v1/check",
        json={"draft": "Bonjour à tous", "network": "mastodon", "leader": "alice-martin"},
    )
    assert ok.status_code == 200 and ok.json()["verdict"] in ("pass", "warn", "fail")
    assert {r["rule"] for r in ok.json()["rules"]} >= {"length"}
    bad = demo.post("/api/v1/check", json={"draft": "x", "network": "myspace"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "network"
    assert (
        demo.post("/api/v1/check", json={"draft": "x", "network": "x", "leader": "bob"}).status_code
        == 404
    )
