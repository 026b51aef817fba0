"""The digest: the right picks on a tiny hand-built workspace (figures computed by hand),
the demo's picks, the page, Markdown, email and Atom outputs (escaped, valid), the email
over SMTP, and the thread published twice against a local server: one thread."""

from __future__ import annotations

import json
import math
import shutil
import statistics
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from digest_helpers import BASELINE, DAY_POSTS, REGISTRY, XSS, make_workspace, uri
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from veille.analytics.context import duckdb_context
from veille.errors import UsageError
from veille.reports.digest import build_digest, post_url
from veille.reports.digest_publish import thread_posts
from veille.reports.digest_render import md_escape, safe_url
from veille.reports.digest_run import DigestJob, run_digest
from veille.reports.textlength import post_length
from veille.sources.http import HttpError
from veille.workspace import Workspace

DAY = date(2026, 10, 1)


@pytest.fixture
def ws_root(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


def _z(author: str, engagement: int) -> float:
    logs = [math.log(1 + v) for v in BASELINE[author]]
    return (math.log(1 + engagement) - statistics.mean(logs)) / statistics.stdev(logs)


def test_tiny_workspace_picks_by_hand(ws_root: Path) -> None:
    with Workspace.open(ws_root, read_only=True) as ws:
        digest = build_digest(duckdb_context(ws.store.con, ws.config), DAY)
    picks = [p.uri for p in digest.picks]
    # a1 first (highest score); a2 repeats a1 (MMR skips it), a3 is alice's second and
    # last; then bob's b1 and carol's c1; c2 is below carol's norm; the deleted post, the
    # reply and the untracked account never come in
    assert picks == [uri("did:a", "a1"), uri("did:a", "a3"), uri("did:b", "b1"), uri("did:c", "c1")]
    by_uri = {p.uri: p for p in digest.picks}
    a1 = by_uri[uri("did:a", "a1")]
    assert a1.engagement == 50 and a1.age_hours == pytest.approx(23.0)  # the 23 h snapshot
    assert a1.z == pytest.approx(_z("did:a", 50)) and a1.score == pytest.approx(a1.z)
    b1 = by_uri[uri("did:b", "b1")]
    assert b1.repliers == 2  # x (twice) and y; not bob himself, not w after 24 h
    assert b1.score == pytest.approx(_z("did:b", 20) + math.log(3))
    # the day's original posts of tracked leaders: not the deleted post, the reply, z1
    assert digest.candidates == len(DAY_POSTS)
    assert set(digest.skipped) == {uri("did:c", "c2")}
    assert all(p.reasons for p in digest.picks)
    assert any("répondu" in r or "replied" in r for r in b1.reasons)
    counts: dict[str, int] = {}
    for p in digest.picks:
        counts[p.leader] = counts.get(p.leader, 0) + 1
    assert max(counts.values()) <= 2


def test_cohort_and_too_few_posts(ws_root: Path) -> None:
    with Workspace.open(ws_root, read_only=True) as ws:
        tech = run_digest(ws, DAY, cohort="tech")
        finance = run_digest(ws, DAY, cohort="finance")
    assert [p.leader for p in tech.digest.picks] == ["alice", "alice", "bob"]
    assert not finance.digest.published and finance.digest.message
    assert "3" in finance.digest.message  # how many were needed
    assert set(finance.written) == {"json"}  # no page, no feed entry, nothing to publish
    with Workspace.open(ws_root, read_only=True) as ws, pytest.raises(UsageError) as info:
        run_digest(ws, DAY, cohort="fintech")
    assert info.value.hint is not None and "finance" in info.value.hint  # the closest cohort


def test_outputs_are_escaped_and_the_feed_parses(ws_root: Path) -> None:
    with Workspace.open(ws_root, read_only=True) as ws:
        run = run_digest(ws, DAY)
        run_digest(ws, date(2026, 9, 28))  # another day: no digest, no feed entry
    out = ws_root / "data" / "digests"
    html = (out / "2026-10-01.html").read_text("utf-8")
    email = (out / "2026-10-01.email.html").read_text("utf-8")
    md = (out / "2026-10-01.md").read_text("utf-8")
    for page in (html, email):
        assert "<script>" not in page and "<b>gras</b>" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
        assert 'href="javascript:' not in page
        assert 'href="https://bsky.app/profile/did:a/post/a1"' in page
        assert "Alice Martin" in page
    assert '<html lang="fr">' in html and "Le digest des dirigeants du 2026-10-01" in html
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "(<https://bsky.app/profile/did:a/post/a1>)" in md
    feed = feedparser.parse((out / "feed.atom").read_bytes())
    assert not feed.bozo and feed.version == "atom10"
    assert len(feed.entries) == 1 and feed.entries[0].link.endswith("2026-10-01.html")
    body = feed.entries[0].content[0].value
    assert "<script>" not in body and "Alice Martin" in body
    stored = json.loads((out / "2026-10-01.json").read_text("utf-8"))
    assert [p["uri"] for p in stored["posts"]] == [p.uri for p in run.digest.picks]


def test_safe_links_and_markdown_escape() -> None:
    assert safe_url("javascript:alert(1)") is None and safe_url('https://a.b/"x') is None
    assert safe_url("https://exemple.fr/a?b=1") == "https://exemple.fr/a?b=1"
    assert post_url("at://did:a/app.bsky.feed.post/k", "bluesky") == (
        "https://bsky.app/profile/did:a/post/k"
    )
    assert post_url("javascript:alert(1)", "web") is None
    assert md_escape("[x](javascript:y) <i>") == "\\[x\\]\\(javascript:y\\) &lt;i&gt;"


def test_cli_json_interface(ws_root: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "veille", "digest", "--workspace", str(ws_root), "--date",
         "2026-10-01", "--format", "json"],
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "VEILLE_LANG": "en"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"date", "posts"} and out["date"] == "2026-10-01"
    assert all(set(p) == {"uri", "leader", "score", "reasons"} for p in out["posts"])
    assert out["posts"][0]["uri"] == uri("did:a", "a1") and out["posts"][0]["reasons"]


def test_email_over_smtp(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port (aiosmtpd cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        registry = REGISTRY + (
            f'\n[digest.email]\nto = ["dircom@exemple.fr"]\nsender = "veille@exemple.fr"\n'
            f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
        )
        root = make_workspace(tmp_path / "ws", registry)
        with Workspace.open(root, read_only=True) as ws:
            run = run_digest(ws, DAY, email=True)
    finally:
        controller.stop()
    assert run.emailed and len(received) == 1
    envelope = received[0]
    assert envelope.rcpt_tos == ["dircom@exemple.fr"]
    raw = envelope.content.decode("utf-8", "replace")
    assert "Subject: Le digest des dirigeants du 2026-10-01" in raw
    assert "text/html" in raw and "text/plain" in raw
    assert "<script>alert" not in raw


def _local_pds(httpserver: HTTPServer) -> dict[str, dict[str, Any]]:
    """A small PDS: sessions, and records kept by key; a second record under a key it
    holds is refused, as a real PDS does."""
    records: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()

    def session(request: Request) -> Response:
        return Response(
            json.dumps({"did": "did:plc:digest", "handle": "digest.example", "accessJwt": "jwt-a",
                        "refreshJwt": "jwt-r"}),
            content_type="application/json",
        )  # fmt: skip

    def create(request: Request) -> Response:
        body = request.json
        assert isinstance(body, dict)
        with lock:
            if body["rkey"] in records:
                return Response(json.dumps({"error": "InvalidSwap", "message": "exists"}), 400)
            records[body["rkey"]] = body["record"]
        at = f"at://did:plc:digest/app.bsky.feed.post/{body['rkey']}"
        return Response(json.dumps({"uri": at, "cid": f"cid-{body['rkey']}"}),
                        content_type="application/json")  # fmt: skip

    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_handler(
        session
    )
    httpserver.expect_request("/xrpc/com.atproto.identity.resolveHandle").respond_with_json(
        {"did": "did:plc:someone"}
    )
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(create)
    return records


def test_publish_twice_gives_one_thread(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _local_pds(httpserver)
    monkeypatch.setenv("VEILLE_TEST_APP_PASSWORD", "app-pass-1234")
    registry = REGISTRY + (
        '\n[digest.publish]\nnetwork = "bluesky"\nhandle = "digest.example"\n'
        f'password_env = "VEILLE_TEST_APP_PASSWORD"\npds_url = "{httpserver.url_for("/")}"\n'
    )
    root = make_workspace(tmp_path / "ws", registry)
    with Workspace.open(root, read_only=True) as ws:
        first = run_digest(ws, DAY, publish=True)
        second = run_digest(ws, DAY, publish=True)
    assert not first.already_published and second.already_published
    assert len(records) == 1 + len(first.digest.picks)  # one thread: head + one per pick
    assert [p["uri"] for p in second.published] == [p["uri"] for p in first.published]
    texts = [r["text"] for r in records.values()]
    assert all(post_length(x, "bluesky").valid for x in texts)
    replies = [r for r in records.values() if "reply" in r]
    assert len(replies) == len(first.digest.picks)
    # even without the ledger, the same day's record keys are refused: no second thread
    (root / "data" / "digests" / "2026-10-01.published.json").unlink()
    with Workspace.open(root, read_only=True) as ws, pytest.raises(HttpError):
        run_digest(ws, DAY, publish=True)
    assert len(records) == 1 + len(first.digest.picks)


@pytest.mark.parametrize("network", ["bluesky", "mastodon"])
def test_thread_posts_fit_the_limits(network: str) -> None:
    long = "Un texte très long avec des émojis 👩🏽‍💻 et des accents " * 40
    data = {
        "date": "2026-10-01",
        "posts": [
            {"leader_name": "Alice Martin", "text": long, "url": "https://bsky.app/profile/x/post/1"},
            {"leader_name": "Bob", "text": XSS, "url": None},
        ],
    }  # fmt: skip
    posts = thread_posts(data, network, "Le digest du 2026-10-01")
    assert len(posts) == 3
    for text in posts:
        assert post_length(text, network).valid and len(text) <= post_length(text, network).limit
    assert posts[1].endswith("https://bsky.app/profile/x/post/1") and "…" in posts[1]


def test_scheduled_job_runs_once_after_run_at(ws_root: Path) -> None:
    clock = [datetime(2026, 10, 2, 5, 0, tzinfo=UTC)]  # 07:00 in Paris, before 08:00
    with Workspace.open(ws_root, read_only=True) as ws:
        job = DigestJob(ws, now=lambda: clock[0])
        assert job() is None
        clock[0] = datetime(2026, 10, 2, 6, 30, tzinfo=UTC)  # 08:30 in Paris
        run = job()
        assert run is not None and run.digest.day == DAY and run.digest.published
        assert job() is None  # done for the day


def test_demo_digest(demo_workspace: Path, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(demo_workspace, root)
    with Workspace.open(root, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        tracked = {x.id for x in ws.config.leaders}
        deleted = {
            r[0] for r in ws.store.con.execute(
                "SELECT uri FROM posts WHERE deleted_at IS NOT NULL").fetchall()
        }  # fmt: skip
        published = 0
        for day in (date(2026, 9, 20), date(2026, 10, 5), date(2026, 10, 6)):
            digest = build_digest(ctx, day)
            if not digest.published:
                assert digest.message
                continue
            published += 1
            counts: dict[str, int] = {}
            for pick in digest.picks:
                assert pick.leader in tracked and pick.uri not in deleted
                assert pick.reasons and pick.score > 0
                counts[pick.leader] = counts.get(pick.leader, 0) + 1
            assert max(counts.values()) <= 2 and len(digest.picks) <= 10
    assert published >= 2


def test_dashboard_feed_entries(ws_root: Path) -> None:
    from types import SimpleNamespace

    from veille.reports.digest import digest_entries

    with Workspace.open(ws_root, read_only=True) as ws:
        run = run_digest(ws, DAY)
        items = digest_entries(SimpleNamespace(workspace=ws))
    assert [i["uri"] for i in items] == [p.uri for p in run.digest.picks]
    assert items[0]["title"] == "2026-10-01 · Alice Martin" and items[0]["created_at"].tzinfo


def test_mastodon_thread_idempotent(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses: dict[str, dict[str, Any]] = {}  # Idempotency-Key -> status, as Mastodon keeps

    def post(request: Request) -> Response:
        key = request.headers["Idempotency-Key"]
        if key not in statuses:
            n = len(statuses) + 1
            body = request.json
            assert isinstance(body, dict)
            statuses[key] = {"id": str(n), "uri": f"https://m.example/s/{n}",
                             "url": f"https://m.example/@d/{n}", "body": body}  # fmt: skip
        status = statuses[key]
        return Response(json.dumps({k: status[k] for k in ("id", "uri", "url")}),
                        content_type="application/json")  # fmt: skip

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(post)
    monkeypatch.setenv("VEILLE_TEST_TOKEN", "mastodon-token-42")
    registry = REGISTRY + (
        f'\n[digest.publish]\nnetwork = "mastodon"\ninstance_url = "{httpserver.url_for("/")}"\n'
        'token_env = "VEILLE_TEST_TOKEN"\n'
    )
    root = make_workspace(tmp_path / "ws", registry)
    with Workspace.open(root, read_only=True) as ws:
        first = run_digest(ws, DAY, publish=True)
        (root / "data" / "digests" / "2026-10-01.published.json").unlink()  # lost ledger
        again = run_digest(ws, DAY, publish=True)
    assert len(statuses) == 1 + len(first.digest.picks)  # the same keys: one thread
    assert [p["uri"] for p in again.published] == [p["uri"] for p in first.published]
    bodies = [s["body"] for s in statuses.values()]
    assert "in_reply_to_id" not in bodies[0]
    assert all(b["in_reply_to_id"] for b in bodies[1:])
    assert all(post_length(b["status"], "mastodon").valid for b in bodies)


def test_publish_settings_missing_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VEILLE_ABSENT_TOKEN", raising=False)
    registry = REGISTRY + (
        '\n[digest.publish]\nnetwork = "mastodon"\ninstance_url = "https://m.example"\n'
        'token_env = "VEILLE_ABSENT_TOKEN"\n'
    )
    root = make_workspace(tmp_path / "ws", registry)
    with Workspace.open(root, read_only=True) as ws, pytest.raises(UsageError) as info:
        run_digest(ws, DAY, publish=True)
    assert "VEILLE_ABSENT_TOKEN" in info.value.message
    with Workspace.open(make_workspace(tmp_path / "plain"), read_only=True) as ws:
        with pytest.raises(UsageError):
            run_digest(ws, DAY, publish=True)  # no [digest.publish]
        with pytest.raises(UsageError):
            run_digest(ws, DAY, email=True)  # no [digest.email]
