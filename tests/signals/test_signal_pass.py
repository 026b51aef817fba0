"""The detection pass on tiny hand-built workspaces: term counts, distinct authors, author
weights, bursts into signals, the stored state (resume, rescan), bad time stamps, and the
CLI. Every figure is worked out by hand."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analytics"))

from tiny_workspace import post

from cli_run import veille_cli
from veille.analytics import signal_sql
from veille.analytics.engine import DuckDBEngine
from veille.model import Account
from veille.signals.detect import detect
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

REGISTRY = """
[workspace]
language = "en"

[[leaders]]
id = "lea"
name = "Léa Martin"
accounts = { bluesky = ["did:lea"] }

[[watches]]
id = "forum"
query = '#Forum26 OR "Forum Demain"'

[signals]
windows = [1]
grace_minutes = 0
"""

#: a quiet background: one author a day on #Forum26, then eight authors in one bucket
T0 = datetime(2026, 9, 1, tzinfo=UTC)
BURST = T0 + timedelta(days=3, hours=9)  # bucket 09:00-09:15 of day 3


def quiet_then_burst() -> list:
    recs: list = [
        Account(network="bluesky", account_id="did:lea", handle="lea.example", bio="CEO"),
    ]
    n = 0
    for day in range(3):
        n += 1
        recs.append(post(f"did:bg{day}", n, T0 + timedelta(days=day, hours=12),
                         text="Vu au #Forum26 hier", hashtags=["Forum26"]))  # fmt: skip
    for i in range(8):
        n += 1
        who = "did:lea" if i == 0 else f"did:u{i}"
        recs.append(post(who, n, BURST + timedelta(minutes=i), text=f"Le Forum Demain {i} #Forum26",
                         hashtags=["Forum26"]))  # fmt: skip
    # a second post by the same author in the bucket: one author, two posts
    n += 1
    recs.append(post("did:u1", n, BURST + timedelta(minutes=9), text="Encore #forum26",
                     hashtags=["forum26"]))  # fmt: skip
    return recs


def make(root: Path, records: list, registry: str = REGISTRY) -> Path:
    init_workspace(root, registry)
    with Workspace.open(root) as ws:
        ws.store.write(records)
        from veille.flow.enrich import enrich_pending

        enrich_pending(ws)
    return root


def test_distinct_authors_posts_and_weights_per_bucket_and_term(tmp_path: Path) -> None:
    root = make(tmp_path / "ws", quiet_then_burst())
    with Workspace.open(root) as ws:
        engine = DuckDBEngine(ws.store.con)
        weights = {"self": 2.0, "unknown": 1.0}
        signal_sql.register_inputs(engine, weights, [], ws.config)
        posts = signal_sql.posts_between(
            engine, BURST, BURST + timedelta(minutes=15), bucket_minutes=15
        )
        assert posts.num_rows == 9
        classes = dict(zip(posts.column("author").to_pylist(),
                           posts.column("stakeholder").to_pylist(), strict=False))  # fmt: skip
        # the leader's own account, counted as the leader (one person on all networks)
        assert classes["leader:lea"] == "self"
        # every other class weighs what [signals.weights] says, or 1 when it says nothing
        expected_weight = sum(weights.get(c or "unknown", 1.0) for c in
                              {a: classes[a] for a in classes}.values())  # fmt: skip
        uris = posts.column("uri").to_pylist()
        terms = pa.table({"uri": uris, "term": ["#forum26"] * len(uris)})
        counts = signal_sql.term_counts(engine, posts, terms, window=1, first=0, last=10**9)
        row = counts.to_pylist()[0]
        assert row["bucket"] == int(BURST.timestamp() // 900)
        assert row["authors"] == 8  # nine posts, eight distinct authors
        assert row["posts"] == 9
        assert row["weighted"] == expected_weight == 2.0 + 7 * 1.0
        # a window of 4 buckets counts the same authors in the three buckets after
        wide = signal_sql.term_counts(engine, posts, terms, window=4, first=0, last=10**9)
        assert [r["authors"] for r in wide.to_pylist()] == [8, 8, 8, 8]


def test_a_burst_becomes_a_signal_with_reasons_and_the_state_resumes(tmp_path: Path) -> None:
    root = make(tmp_path / "ws", quiet_then_burst())
    now = BURST + timedelta(hours=2)
    with Workspace.open(root) as ws:
        summary = detect(ws, now=now)
        bursts = [s for s in summary.signals if s.kind == "burst"]
        terms = {s.term for s in bursts}
        assert {"#forum26", "watch:forum", "ngram:forum demain"} <= terms
        tag = next(s for s in bursts if s.term == "#forum26")
        assert tag.authors == 8 and tag.posts == 9
        # eight authors over a floor of 0.5: the 5th one passes 10^-3.5
        # (P(X >= 5 | 0.5) = 1.7e-4, P(X >= 4 | 0.5) = 1.8e-3), at minute 4
        assert tag.detected_at == BURST + timedelta(minutes=4)
        assert tag.first_seen == BURST
        assert any("8 distinct authors" in r for r in tag.reasons)
        assert tag.leaders == () and tag.watches == ()
        watch = next(s for s in bursts if s.term == "watch:forum")
        assert watch.watches == ("forum",)
        last = ws.store.scalar("SELECT last_bucket FROM signal_detectors WHERE detector = 'w1'")
        # closed up to the newest post held (a clock ahead of the data closes no more)
        assert last == int(BURST.timestamp() // 900)
        stored = ws.store.scalar("SELECT count(*) FROM signals WHERE kind = 'burst'")
        assert stored == len(bursts)
    from veille.signals import detect as detect_module

    detect_module._CACHE.clear()  # a restart
    with Workspace.open(root) as ws:
        ws.store.write([post("did:late", 99, now - timedelta(minutes=1), text="bonjour")])
        again = detect(ws, now=now + timedelta(minutes=30))
        assert again.buckets == 7 and again.posts == 1  # 09:15 to 10:45, one post
        ids = {r[0] for r in ws.store.con.execute("SELECT id FROM signals").fetchall()}
        assert {s.id for s in bursts} <= ids
        # a rescan finds the same signals again, with the same ids
        rescan = detect(ws, now=now, rescan=True)
        assert {s.id for s in rescan.signals if s.kind == "burst"} == {s.id for s in bursts}
        assert ws.store.duplicate_keys()["signals"] == 0


def test_future_far_past_and_flooding_posts_raise_no_storm(tmp_path: Path) -> None:
    recs: list = []
    n = 0
    now = datetime(2026, 9, 10, tzinfo=UTC)
    # one author flooding a hashtag: 200 posts in a bucket
    for i in range(200):
        n += 1
        recs.append(post("did:flood", n, now - timedelta(hours=3, seconds=-i), text="#spam spam",
                         hashtags=["spam"]))  # fmt: skip
    # posts dated in the future (by 20 distinct authors) and in 1971
    for i in range(20):
        n += 1
        recs.append(post(f"did:f{i}", n, now + timedelta(days=400), text="#future",
                         hashtags=["future"]))  # fmt: skip
        n += 1
        recs.append(post(f"did:p{i}", n, datetime(1971, 1, 1, tzinfo=UTC), text="#past",
                         hashtags=["past"]))  # fmt: skip
    root = make(tmp_path / "ws", recs)
    with Workspace.open(root) as ws:
        summary = detect(ws, now=now)
        terms = {s.term for s in summary.signals}
        assert "#spam" not in terms  # one author is never a burst
        assert "#future" not in terms  # not read before its time
        # the far past is one bucket like any other: twenty authors out of nowhere do burst
        # there, once, and the silence of 55 years after it costs nothing
        assert summary.buckets > 10**6
        # a clock that jumps back: nothing is counted twice, nothing breaks
        back = detect(ws, now=now - timedelta(days=30))
        assert back.buckets == 0 and back.signals == []


def test_cli_lists_signals_as_json_and_shows_one(tmp_path: Path) -> None:
    root = make(tmp_path / "ws", quiet_then_burst())
    ran = veille_cli("signals", "--workspace", str(root), "--format", "json")
    assert ran.code == 0, ran.output
    items = json.loads(ran.stdout)
    assert items and {"id", "kind", "term", "first_seen", "detected_at", "score", "authors",
                      "posts", "reasons"} <= set(items[0])  # fmt: skip
    tag = next(i for i in items if i["term"] == "#forum26" and i["kind"] == "burst")
    assert tag["authors"] == 8
    shown = veille_cli("story", tag["id"], "--workspace", str(root), "--format", "json")
    assert shown.code == 0 and json.loads(shown.stdout)["id"] == tag["id"]
    # the terminal form: one block per signal, its reason whole, the command to see it
    table = veille_cli("signals", "--workspace", str(root), env={"COLUMNS": "80"})
    assert table.code == 0, table.output
    assert f"veille story {tag['id']}" in table.stdout
    assert "#forum26" in table.stdout and tag["reasons"][0][:40] in table.stdout.replace("\n", " ")
    md = veille_cli("signals", "--workspace", str(root), "--format", "md", "--kind", "burst")
    assert md.code == 0 and "| id |" in md.stdout
    bad = veille_cli("story", "b-nope", "--workspace", str(root))
    assert bad.code == 2
    wrong = veille_cli("signals", "--workspace", str(root), "--kind", "nope")
    assert wrong.code == 2


def test_a_wave_of_copies_is_one_story_group() -> None:
    from veille.signals.stories import cluster

    # templated posts that differ only by a number are copies (digits are not words): one
    # group, found through one MinHash, whatever their count; other texts stay apart
    texts = [f"Tweet simulé numéro {i} #veille @acme" for i in range(20_000)]
    texts += ["Un tout autre sujet, sans rapport", None]
    groups = cluster(texts, 0.5)
    assert sorted(len(g) for g in groups) == [1, 1, 20_000]
