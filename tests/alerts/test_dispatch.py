"""``veille.alerts.dispatch`` on a real workspace and a local HTTP server: rules, dedupe by
episode, escalation, quiet periods, retries with backoff (the sleep is injected), the
dead-letter log and ``retry``."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from alert_helpers import T0, Sleeps, make_workspace, open_ws, rule, signal, webhook_sink
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from veille.alerts import dispatch, retry
from veille.store.alerts import alert_rows
from veille.workspace import Workspace


class Receiver:
    """A webhook receiver that answers from a script (then 200), and keeps what it got."""

    def __init__(self, httpserver: HTTPServer, script: list[tuple[int, dict[str, str]]] = []):  # noqa: B006
        self.requests: list[Request] = []
        self.script = list(script)
        httpserver.expect_request("/hook", method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for("/hook")

    def handle(self, request: Request) -> Response:
        self.requests.append(request)
        status, headers = self.script.pop(0) if self.script else (200, {})
        return Response("x", status, headers=headers)

    @property
    def keys(self) -> list[str]:
        return [r.headers["Idempotency-Key"] for r in self.requests]

    def bodies(self) -> list[dict[str, object]]:
        return [json.loads(r.get_data()) for r in self.requests]


def workspace(tmp_path: Path, url: str, *rules: str, options: str = "") -> Path:
    text = "[alerts]\n" + options + "\n" + webhook_sink("hook", url) + "".join(rules)
    return make_workspace(tmp_path / "ws", text)


def test_no_rule_returns_at_once_even_read_only(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", "")
    with Workspace.open(root, read_only=True) as ws:
        report = dispatch(ws, [signal()])
    assert report.sent == [] and report.skipped is None


def test_matching_signal_sent_once_and_recorded(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver)
    root = workspace(tmp_path, hook.url, rule("r", ["hook"], kinds=["rumour"], min_score=3))
    with open_ws(root) as ws:
        first = dispatch(ws, [signal(), signal("b-9", kind="burst")], T0)
        again = dispatch(ws, [signal()], T0 + timedelta(minutes=15))
        rows = alert_rows(ws.store.con)
    assert len(first.sent) == 1 and first.dead == [] and again.sent == []
    assert again.duplicates == 1
    assert hook.keys == first.sent
    (row,) = rows
    assert (row.id, row.status, row.signal_id, row.level, row.attempts) == (
        first.sent[0], "sent", "r-1", 0, 1,
    )  # fmt: skip
    assert row.sent_at is not None and row.rule == "r" and row.sink == "hook"
    body = hook.bodies()[0]
    assert body["url"] == "https://veille.example.org/signals/r-1"
    assert body["title"] == "Rumeur : #greve"
    assert "Marie Durand" in str(body["text"])  # leaders named from the registry


def test_filters(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver)
    root = workspace(
        tmp_path, hook.url,
        rule("score", ["hook"], min_score=5),
        rule("paul", ["hook"], leaders=["paul"], organisations=["acme"]),
        rule("off", ["hook"], enabled=False),
    )  # fmt: skip
    with open_ws(root) as ws:
        report = dispatch(ws, [
            signal("low", score=2, leaders=("marie",)),           # neither rule
            signal("high", score=9, leaders=("marie",)),          # score
            signal("acme", score=1, leaders=(), organisations=("acme",)),  # paul: an org
            signal("p", score=1, leaders=("paul",), story_id=None),
        ], T0)  # fmt: skip
        rows = {r.signal_id: r.rule for r in alert_rows(ws.store.con)}
    assert len(report.sent) == 3
    assert rows == {"high": "score", "acme": "paul", "p": "paul"}


def test_two_rules_one_sink_one_alert(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver)
    root = workspace(tmp_path, hook.url, rule("a", ["hook"]), rule("b", ["hook"]))
    with open_ws(root) as ws:
        report = dispatch(ws, [signal()], T0)
    assert len(report.sent) == 1 and len(hook.requests) == 1


def test_story_alerts_once_then_escalates(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver)
    root = workspace(tmp_path, hook.url, rule("r", ["hook"]))
    with open_ws(root) as ws:
        steps = [
            signal("s-1", kind="story", score=3, authors=10),  # level 0
            signal("s-1", kind="story", score=5, authors=15),  # grew, not 2x: nothing
            signal("s-1", kind="story", score=6.1, authors=15),  # score 2x of 3: level 1
            signal("s-1", kind="story", score=7, authors=30),  # authors 2x of 15: level 2
            signal("r-1", kind="rumour", score=7, authors=30, story_id="s-1"),  # kind: level 3
            signal("s-1", kind="story", score=7, authors=31),  # back to story: nothing
        ]
        counts = []
        for n, step in enumerate(steps):
            counts.append(len(dispatch(ws, [step], T0 + timedelta(minutes=15 * n)).sent))
        rows = sorted(alert_rows(ws.store.con), key=lambda r: r.level)
    assert counts == [1, 0, 1, 1, 1, 0]
    assert [r.level for r in rows] == [0, 1, 2, 3]
    assert {r.episode for r in rows} == {"s-1"}
    bodies = hook.bodies()
    assert [b["escalation"] for b in bodies] == [None, "score", "authors", "kind"]
    assert bodies[1]["previous"] == {"kind": "story", "score": 3.0, "authors": 10}
    assert "Escalade" in str(bodies[3]["title"]) and len(set(hook.keys)) == 4


def test_quiet_period_holds_escalations(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver)
    root = workspace(tmp_path, hook.url, rule("r", ["hook"], quiet_minutes=60))
    with open_ws(root) as ws:
        dispatch(ws, [signal(score=3)], T0)
        held = dispatch(ws, [signal(score=9)], T0 + timedelta(minutes=30))
        other = dispatch(ws, [signal("x-2", leaders=("paul",))], T0 + timedelta(minutes=31))
        later = dispatch(ws, [signal(score=9)], T0 + timedelta(minutes=61))
    assert held.sent == [] and held.held == 1
    assert len(other.sent) == 1  # another episode is not held (quiet_scope = episode)
    assert len(later.sent) == 1 and len(hook.requests) == 3


def test_quiet_period_of_a_rule(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver)
    root = workspace(tmp_path, hook.url, rule("r", ["hook"], quiet_minutes=30, quiet_scope="rule"))
    with open_ws(root) as ws:
        dispatch(ws, [signal("a")], T0)
        held = dispatch(ws, [signal("b")], T0 + timedelta(minutes=10))
        later = dispatch(ws, [signal("b")], T0 + timedelta(minutes=31))
    assert held.held == 1 and held.sent == [] and len(later.sent) == 1


def test_retries_with_backoff_then_sent(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver, [(503, {}), (429, {"Retry-After": "9"}), (500, {})])
    root = workspace(tmp_path, hook.url, rule("r", ["hook"]))
    sleeps = Sleeps()
    with open_ws(root) as ws:
        report = dispatch(ws, [signal()], T0, sleep=sleeps)
        (row,) = alert_rows(ws.store.con)
    assert sleeps.waits == [2.0, 9.0, 8.0]  # 2, then Retry-After over 4, then 8
    assert len(report.sent) == 1 and row.status == "sent" and row.attempts == 4
    assert len(set(hook.keys)) == 1 and len(hook.keys) == 4


def test_dead_letter_then_retry_with_the_same_key(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver, [(500, {})] * 3)
    options = "max_attempts = 3\nbackoff_seconds = 1\nmax_backoff_seconds = 3\n"
    root = workspace(tmp_path, hook.url, rule("r", ["hook"]), options=options)
    sleeps = Sleeps()
    with open_ws(root) as ws:
        report = dispatch(ws, [signal()], T0, sleep=sleeps)
        (dead,) = alert_rows(ws.store.con, statuses=["dead"])
        again = dispatch(ws, [signal()], T0 + timedelta(minutes=5), sleep=sleeps)
        resent = retry(ws, sleep=sleeps)
        (row,) = alert_rows(ws.store.con)
    assert sleeps.waits == [1.0, 2.0] and report.dead == [dead.id]
    assert dead.attempts == 3 and "HTTP 500" in (dead.detail or "")
    assert again.sent == [] and again.duplicates == 1  # a dead alert is not decided again
    assert resent.sent == [dead.id] and row.status == "sent" and row.attempts == 4
    assert hook.keys == [dead.id] * 4


def test_permanent_refusal_is_not_retried(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver, [(410, {})])
    root = workspace(tmp_path, hook.url, rule("r", ["hook"]))
    sleeps = Sleeps()
    with open_ws(root) as ws:
        report = dispatch(ws, [signal()], T0, sleep=sleeps)
    assert len(report.dead) == 1 and sleeps.waits == [] and len(hook.requests) == 1


def test_retry_after_beyond_the_bound_gives_up_the_pass(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    hook = Receiver(httpserver, [(429, {"Retry-After": "3600"})])
    root = workspace(tmp_path, hook.url, rule("r", ["hook"]))
    sleeps = Sleeps()
    with open_ws(root) as ws:
        report = dispatch(ws, [signal()], T0, sleep=sleeps)
        (row,) = alert_rows(ws.store.con)
    assert sleeps.waits == [] and report.dead and "3600" in (row.detail or "")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rule_language(tmp_path: Path, httpserver: HTTPServer, lang: str) -> None:
    hook = Receiver(httpserver)
    root = workspace(tmp_path, hook.url, rule("r", ["hook"], language=lang))
    with open_ws(root) as ws:
        dispatch(ws, [signal()], T0)
    title = hook.bodies()[0]["title"]
    assert title == ("Rumeur : #greve" if lang == "fr" else "Rumour: #greve")


def test_old_signals_do_not_alert(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver)
    root = workspace(tmp_path, hook.url, rule("r", ["hook"]), options="max_age_hours = 6\n")
    with open_ws(root) as ws:
        report = dispatch(ws, [signal(), signal("old", at=T0 - timedelta(hours=7))], T0)
    assert len(report.sent) == 1 and report.stale == 1 and len(hook.requests) == 1


def test_a_sink_down_costs_one_retry_cycle_per_pass(tmp_path: Path, httpserver: HTTPServer) -> None:
    hook = Receiver(httpserver, [(500, {})] * 2)
    options = "max_attempts = 2\n"
    root = workspace(tmp_path, hook.url, rule("r", ["hook"]), options=options)
    sleeps = Sleeps()
    with open_ws(root) as ws:
        down = dispatch(ws, [signal("a"), signal("b"), signal("c")], T0, sleep=sleeps)
        statuses = sorted(r.status for r in alert_rows(ws.store.con))
        tried = len(hook.requests)
        later = dispatch(ws, [], T0 + timedelta(minutes=15), sleep=sleeps)
        after = sorted(r.status for r in alert_rows(ws.store.con))
    assert len(down.dead) == 1 and len(down.deferred) == 2 and sleeps.waits == [2.0]
    assert statuses == ["dead", "pending", "pending"] and tried == 2
    assert sorted(later.recovered) == sorted(down.deferred) and after == ["dead", "sent", "sent"]


def test_a_rumour_and_its_story_found_together_alert_once(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    hook = Receiver(httpserver)
    root = workspace(tmp_path, hook.url, rule("r", ["hook"]))
    story = signal("s-7", kind="story", score=3, authors=10)
    rumour = signal("r-7", kind="rumour", score=3, authors=10, story_id="s-7")
    with open_ws(root) as ws:
        first = dispatch(ws, [story, rumour], T0)
        later = dispatch(ws, [signal("c-7", kind="campaign", story_id="s-7")], T0)
    assert len(first.sent) == 1 and first.duplicates == 1
    assert [b["signal"]["kind"] for b in hook.bodies()] == ["rumour", "campaign"]
    assert len(later.sent) == 1 and hook.bodies()[1]["escalation"] == "kind"
    with open_ws(root) as ws:  # a story's score does not compare with the rumour's
        again = dispatch(ws, [signal("s-7", kind="story", score=30, authors=12)], T0)
    assert again.sent == [] and again.duplicates == 1
