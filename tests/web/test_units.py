"""Small pieces: locale formats, the watch editor of veille.toml, the login limiter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from veille.errors import UsageError
from veille.query.parser import QuerySyntaxError
from veille.web import i18n
from veille.web.security import LoginLimiter
from veille.workspace.watch_edit import save_watch
from veille.workspace.workspace import init_workspace


def test_numbers_and_dates_per_locale() -> None:
    assert i18n.number("fr", 1234567.891, 2) == "1\u202f234\u202f567,89"
    assert i18n.number("en", 1234567.891, 2) == "1,234,567.89"
    assert i18n.number("fr", None) == "—" and i18n.number("en", float("nan")) == "—"
    assert i18n.percent("fr", 0.125) == "12,5\u202f%" and i18n.percent("en", 0.125) == "12.5%"
    assert i18n.day("fr", date(2026, 2, 1)) == "1 févr. 2026"
    assert i18n.day("en", date(2026, 2, 1)) == "Feb 1, 2026"
    moment = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    assert i18n.moment("fr", moment, "Europe/Paris") == "2 juil. 2026 00:30"
    assert i18n.duration("en", 90) == "90 s" and i18n.duration("fr", 3 * 86400) == "3,0 j"


def test_every_message_has_both_languages() -> None:
    for key, (fr, en) in i18n.MESSAGES.items():
        assert fr and en, key


CONFIG = """# my comment
[workspace]
name = "x"

[[watches]]
id = "one"
query = 'a OR b'  # first

# keep me
[[watches]]
id = "two"
name = "Two"
query = "c"
alert = true
"""


def test_watch_editor_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    config = init_workspace(tmp_path, CONFIG)
    save_watch(config, "three", 'd AND "e f"', name="Trois é", create=True)
    text = config.read_text(encoding="utf-8")
    assert text.startswith(CONFIG) and 'name = "Trois é"' in text
    cfg = save_watch(config, "two", "c OR d", name="Two", create=False)
    text = config.read_text(encoding="utf-8")
    assert "# my comment" in text and "query = 'a OR b'  # first" in text
    assert [w.id for w in cfg.watches] == ["one", "two", "three"]
    assert next(w for w in cfg.watches if w.id == "two").alert is True  # kept
    with pytest.raises(QuerySyntaxError) as bad:
        save_watch(config, "four", "x AND", create=True)
    assert bad.value.column == 6
    with pytest.raises(UsageError, match="id"):
        save_watch(config, "Bad Id", "x", create=True)
    with pytest.raises(UsageError, match="already exists"):
        save_watch(config, "one", "x", create=True)
    with pytest.raises(UsageError, match="no watch"):
        save_watch(config, "nine", "x", create=False)


def test_login_limiter() -> None:
    limiter = LoginLimiter(attempts=2, window=60)
    assert limiter.retry_after("ip:a") == 0
    limiter.failed("ip:a")
    limiter.failed("ip:a")
    assert 0 < limiter.retry_after("ip:a") <= 61
    assert limiter.retry_after("ip:b") == 0


def test_figures_are_kept_while_the_store_changes_then_recomputed(ws_root: Path) -> None:
    """A page's figures: computed once per data version; while writes go on, kept for
    ``refresh_seconds``, then served stale while one background run recomputes them; a
    change of veille.toml recomputes at once; concurrent first requests run one
    computation."""
    import threading
    import time

    from veille.model import Account
    from veille.store.store import prepare
    from veille.web.state import ServerState
    from veille.workspace import Workspace

    calls: list[int] = []

    def compute() -> int:
        time.sleep(0.05)
        calls.append(1)
        return len(calls)

    def settled(state: ServerState) -> None:
        deadline = time.monotonic() + 30
        while state.refreshing() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not state.refreshing()

    with Workspace.open(ws_root) as ws:
        state = ServerState(ws, refresh_seconds=3600)

        def write(n: int) -> None:  # a real write through the one writer
            account = Account(network="bluesky", account_id=f"did:plc:memo{n}", handle=f"m{n}")
            ws.store.write(prepare([account]))
            ws.store.checkpoint()

        results: list[int] = []
        threads = [
            threading.Thread(target=lambda: results.append(state.memo("k", compute)))
            for _ in range(8)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert results == [1] * 8 and len(calls) == 1  # one computation for eight requests
        write(1)
        assert state.memo("k", compute) == 1  # changed, but computed less than an hour ago
        assert not state.refreshing()
        state.refresh_seconds = 0
        assert state.memo("k", compute) == 1  # out of date: served, and recomputed behind
        settled(state)
        assert len(calls) == 2 and state.memo("k", compute) == 2
        assert state.memo("k", compute) == 2 and len(calls) == 2  # kept while nothing changes
        state.refresh_seconds = 3600
        config = ws_root / "veille.toml"
        config.write_text(config.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert state.memo("k", compute) == 3  # the config changed: at once
