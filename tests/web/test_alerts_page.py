"""The alerts page and API: the delivery log as `veille alerts list` has it, and the
acknowledgement of an episode (admins only, with the CSRF token, audited, kept on rebuild)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web import fixture_ws
from tests.web.conftest import _client, login

from veille.store.alerts import AlertRow, MarkAlertJob, RecordPendingJob
from veille.store.schema import KEPT_ON_REBUILD
from veille.workspace import Workspace

AT = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)


def _row(key: str, episode: str, status_level: int) -> AlertRow:
    return AlertRow(
        id=key, signal_id=episode, sink="hook", sent_at=None, status="pending",
        detail=None, episode=episode, rule="crise", level=status_level, kind="bad_buzz",
        score=7.5, authors=42, attempts=0, created_at=AT, payload="{}",
    )  # fmt: skip


@pytest.fixture
def alerted(built_ws: Path, tmp_path: Path) -> Iterator[TestClient]:
    root = tmp_path / "ws"
    shutil.copytree(built_ws, root)
    (root / "data" / "owner.lock").unlink(missing_ok=True)
    with Workspace.open(root) as ws:
        rows = [_row("k1", "bb-1", 0), _row("k2", "bb-1", 1), _row("k3", "s-2", 0)]
        ws.writer.run(RecordPendingJob(rows))
        ws.writer.run(MarkAlertJob("k1", "sent", 1, sent_at=AT))
        ws.writer.run(MarkAlertJob("k3", "dead", 5, detail="hook.example: HTTP 500"))
    token = fixture_ws.add_token(root, "ci")
    for client in _client(root, demo=False):
        client.headers["authorization"] = f"Bearer {token}"
        yield client


def test_the_log_with_counts_and_filters(alerted: TestClient) -> None:
    login(alerted)
    page = alerted.get("/alerts?lang=en").text
    assert "1 sent, 1 pending, 1 given up after the retries." in page
    assert page.count('href="/signals/bb-1"') == 2 and "HTTP 500" in page
    dead = alerted.get("/alerts?status=dead&lang=en").text
    assert 'href="/signals/s-2"' in dead and 'href="/signals/bb-1"' not in dead
    assert alerted.get("/alerts?status=lost").status_code == 422
    fr = alerted.get("/alerts?lang=fr").text
    assert "abandonnée" in fr
    api = alerted.get("/api/v1/alerts?status=pending").json()
    assert [a["id"] for a in api["items"]] == ["k2"]


def test_acknowledge_an_episode(alerted: TestClient) -> None:
    csrf = login(alerted)
    assert alerted.post("/alerts/bb-1/ack", data={"note": "vu"}).status_code == 403
    done = alerted.post("/alerts/bb-1/ack", data={"note": "vu <b>", "csrf": csrf})
    assert done.status_code == 303 and done.headers["location"] == "/alerts?acked=bb-1"
    page = alerted.get("/alerts?lang=en").text
    assert page.count("by admin") == 2 and "vu &lt;b&gt;" in page
    api = alerted.get("/api/v1/alerts").json()["items"]
    assert {a["id"]: a["ack"] is not None for a in api} == {"k1": True, "k2": True, "k3": False}
    assert alerted.post("/alerts/nope/ack", data={"csrf": csrf}).status_code == 404
    undone = alerted.post("/alerts/bb-1/ack", data={"withdraw": "1", "csrf": csrf})
    assert undone.status_code == 303
    assert "by admin" not in alerted.get("/alerts?lang=en").text


def test_viewers_cannot_acknowledge(alerted: TestClient) -> None:
    csrf = login(alerted, "viewer")
    assert alerted.post("/alerts/bb-1/ack", data={"csrf": csrf}).status_code == 403
    assert '<button type="submit">Acknowledge</button>' not in alerted.get("/alerts?lang=en").text


def test_acknowledgements_survive_a_rebuild() -> None:
    assert "alert_acks" in KEPT_ON_REBUILD


def test_the_read_only_demo_cannot_acknowledge(demo: TestClient) -> None:
    assert demo.get("/alerts").status_code == 200
    assert demo.post("/alerts/bb-1/ack", data={"note": "x"}).status_code == 403
