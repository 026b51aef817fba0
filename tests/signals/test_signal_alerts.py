"""A detection pass hands its signals to the alerts (``veille.alerts.dispatch``): a burst
matching a rule is delivered to the webhook once, and a later pass does not send it again."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from pytest_httpserver import HTTPServer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_signal_pass import BURST, REGISTRY, make, quiet_then_burst

from veille.signals.detect import detect
from veille.workspace import Workspace


def test_a_burst_is_alerted_once(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    alerts = f"""
[alerts.sinks.hook]
type = "webhook"
format = "generic"
url = "{httpserver.url_for("/hook")}"

[[alerts.rules]]
id = "bursts"
kinds = ["burst"]
sinks = ["hook"]
"""
    root = make(tmp_path / "ws", quiet_then_burst(), REGISTRY + alerts)
    with Workspace.open(root) as ws:
        summary = detect(ws, now=BURST + timedelta(hours=1))
        bursts = {s.id for s in summary.signals if s.kind == "burst"}
        assert bursts
        sent = ws.store.con.execute("SELECT DISTINCT signal_id FROM alerts_sent").fetchall()
        assert {r[0] for r in sent} == bursts
        calls = len(httpserver.log)
        assert calls >= len(bursts)
        detect(ws, now=BURST + timedelta(hours=2))  # the same bursts: no second alert
        assert len(httpserver.log) == calls
