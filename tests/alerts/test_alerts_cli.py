"""``veille alerts list|test|retry`` through the real CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from alert_helpers import T0, make_workspace, open_ws, rule, signal, webhook_sink
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from cli_run import veille_cli
from veille.alerts import dispatch

ENV = {"VEILLE_LANG": "en"}


def receiver(httpserver: HTTPServer, statuses: list[int]) -> list[Request]:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return Response("x", statuses.pop(0) if statuses else 200)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    return seen


def test_list_test_and_retry(tmp_path: Path, httpserver: HTTPServer) -> None:
    seen = receiver(httpserver, [500])
    text = "[alerts]\nmax_attempts = 1\n" + webhook_sink("hook", httpserver.url_for("/hook"))
    root = make_workspace(tmp_path / "ws", text + rule("r", ["hook"]))
    w = ["-w", str(root)]
    empty = veille_cli("alerts", "list", *w, env=ENV)
    assert empty.code == 0 and "No alert recorded" in empty.output
    with open_ws(root) as ws:
        (dead,) = dispatch(ws, [signal()], T0).dead
    listed = veille_cli("alerts", "list", "--status", "dead", "--format", "json", *w, env=ENV)
    assert listed.code == 0
    (item,) = json.loads(listed.stdout)
    assert item["id"] == dead and item["status"] == "dead" and "HTTP 500" in item["detail"]
    as_csv = veille_cli("alerts", "list", "--format", "csv", *w, env=ENV)
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert rows[0][:3] == ["alert", "status", "sink"] and rows[1][0] == dead
    md = veille_cli("alerts", "list", "--format", "md", *w, env=ENV)
    assert "| alert | status |" in md.stdout
    table = veille_cli("alerts", "list", *w, env=ENV)
    assert table.code == 0 and "dead" in table.stdout and "HTTP 500" in table.stdout

    retried = veille_cli("alerts", "retry", "--format", "json", *w, env=ENV)
    assert retried.code == 0 and json.loads(retried.stdout)["sent"] == [dead]
    nothing = veille_cli("alerts", "retry", *w, env=ENV)
    assert nothing.code == 0 and "Nothing to send again" in nothing.output
    assert [r.headers["Idempotency-Key"] for r in seen] == [dead, dead]

    sample = veille_cli("alerts", "test", "hook", *w, env=ENV)
    assert sample.code == 0 and "Sent: t-" in sample.stdout
    body = json.loads(seen[-1].get_data())
    # in the workspace's language
    assert body["test"] is True and body["title"] == "[essai] Rumeur : #exemple"
    after = json.loads(veille_cli("alerts", "list", "--format", "json", *w, env=ENV).stdout)
    assert [i["rule"] for i in after] == ["(test)", "r"]


def test_usage_errors(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", "")
    bad = veille_cli("alerts", "list", "--status", "lost", "-w", str(root), env=ENV)
    assert bad.code == 2 and "unknown lost" in bad.output
    unknown = veille_cli("alerts", "test", "nowhere", "-w", str(root), env=ENV)
    assert unknown.code == 2 and "no sink 'nowhere'" in unknown.output


def test_a_failed_test_exits_1(tmp_path: Path, httpserver: HTTPServer) -> None:
    receiver(httpserver, [404])
    root = make_workspace(tmp_path / "ws", webhook_sink("hook", httpserver.url_for("/hook")))
    ran = veille_cli("alerts", "test", "hook", "-w", str(root), env=ENV)
    assert ran.code == 1 and "HTTP 404" in ran.output
