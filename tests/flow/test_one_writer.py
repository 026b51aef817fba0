"""The one writer of a workspace: an import, two collectors against local replay servers
and retention passes all write at once, and no table ends with a key twice; a post that
``listen`` commits is committed enriched and matched (the stages run inside the batch)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from veille.flow.collect import collect_once, listen
from veille.flow.ingest import ingest
from veille.plugins import connectors, stages
from veille.query.parser import parse
from veille.query.sql import compile_sql
from veille.simulate.replay import ReplayServer, vary_events
from veille.workspace import Workspace
from veille.workspace.workspace import init_workspace

START_US = int((time.time() - 600) * 1e6)  # recent: within Jetstream's replay window


def jetstream_v1(n: int, authors: int = 7) -> list[str]:
    """Jetstream v1 post events written here (the real captures are optional data)."""
    lines = []
    for i in range(n):
        lines.append(
            json.dumps(
                {
                    "did": f"did:plc:author{i % authors}",
                    "time_us": START_US + i,
                    "kind": "commit",
                    "commit": {
                        "rev": f"3l{i:010d}",
                        "operation": "create",
                        "collection": "app.bsky.feed.post",
                        "rkey": f"3k{i:08d}",
                        "cid": f"bafyrei{i:020d}",
                        "record": {
                            "$type": "app.bsky.feed.post",
                            "text": f"Acme annonce un rachat, numéro {i}. Bonne nouvelle !",
                            "createdAt": "2026-11-20T10:00:00.000Z",
                            "langs": ["fr"],
                        },
                    },
                }
            )
        )
    return lines


def rss_feed(items: int) -> str:
    entries = "".join(
        f"<item><title>Acme, billet {i}</title><link>https://blog.example/{i}</link>"
        f"<guid>blog-{i}</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0100</pubDate>"
        f"<description>Le rachat d'Acme, épisode {i}</description></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>Blog</title><link>https://blog.example/</link><language>fr-FR</language>"
        f"{entries}</channel></rss>"
    )


def write_tweets(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            tweet = {
                "id": str(10**15 + i),
                "text": f"Acme recrute, tweet {i} #veille",
                "author_id": str(1000 + i % 50),
                "created_at": "2020-10-01T10:00:00.000Z" if i % 3 == 0 else "2026-11-20T10:00:00Z",
                "lang": "fr",
                "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": i % 7},
            }
            users = [{"id": str(1000 + i % 50), "username": f"user{i % 50}", "name": "U"}]
            out.write(json.dumps({"data": [tweet], "includes": {"users": users}}) + "\n")


TOML = """
[workspace]
name = "t"
retention_days = 365

[sources.bluesky]
appview_url = "http://127.0.0.1:9"
jetstream_url = "{jetstream}"
listen_all_posts = true

[sources.rss]
feeds = ["{feed}"]

[[watches]]
id = "rachat"
query = "rachat"
"""


def test_import_two_collectors_and_retention_at_once_leave_no_duplicate_key(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    served = {"n": 5}

    def feed(request: Request) -> Response:
        served["n"] += 7  # every poll finds new entries
        return Response(rss_feed(served["n"]), content_type="application/rss+xml")

    httpserver.expect_request("/feed.xml").respond_with_handler(feed)
    events = vary_events(jetstream_v1(40), 3_000, start_us=START_US, rate=500.0)
    tweets = tmp_path / "tweets.jsonl"
    write_tweets(tweets, 12_000)
    with ReplayServer(events, rate=3000.0, duplicate_every=5) as server:
        root = tmp_path / "ws"
        init_workspace(
            root, TOML.format(jetstream=server.url, feed=httpserver.url_for("/feed.xml"))
        )
        with Workspace.open(root) as ws:
            stop = threading.Event()
            errors: list[BaseException] = []

            def guarded(fn: object) -> threading.Thread:
                def body() -> None:
                    try:
                        fn()  # type: ignore[operator]
                    except BaseException as exc:
                        errors.append(exc)

                thread = threading.Thread(target=body)
                thread.start()
                return thread

            def stream() -> None:
                listen(ws, "bluesky", max_seconds=30, stop=stop, flush_seconds=0.2)

            def poll() -> None:
                while not stop.is_set():
                    collect_once(ws, ["rss"])

            def retain() -> None:
                from veille.flow.retention import apply_retention

                while not stop.is_set():
                    apply_retention(ws)
                    time.sleep(0.05)

            cls = connectors()["twitter-v2"]
            threads = [guarded(stream), guarded(poll), guarded(retain)]
            summary = ingest(ws, cls([tweets], cls.Options()), batch_size=1_000)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(server.sent_seqs) < len(events):
                time.sleep(0.2)
            time.sleep(1.0)  # the last stream batch is committed within its flush interval
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            assert not errors, errors
            assert summary.posts_new == 12_000
            store = ws.store
            assert store.duplicate_keys() == dict.fromkeys(store.duplicate_keys(), 0)
            assert store.scalar("SELECT count(*) FROM posts WHERE source = 'twitter-v2'") == 12_000
            assert store.scalar("SELECT count(*) FROM posts WHERE network = 'bluesky'") > 0
            assert store.scalar("SELECT count(*) FROM posts WHERE network = 'web'") > 5
            # retention ran: the old tweets lost their text, the recent ones kept it
            assert (
                store.scalar(
                    "SELECT count(*) FROM posts "
                    "WHERE created_at < '2021-01-01' AND text IS NOT NULL"
                )
                == 0
            )
            assert store.scalar("SELECT count(*) FROM source_state") >= 2
            # every post that still has its text was committed with its enrichments
            n_stages = len(stages(ws.config))
            assert (
                store.scalar(
                    "SELECT count(*) FROM posts p WHERE p.created_at >= '2021-01-01' AND "
                    "(SELECT count(*) FROM enrichments e WHERE e.uri = p.uri) <> ?",
                    [n_stages],
                )
                == 0
            )


def test_a_post_that_listen_commits_is_enriched_matched_and_searchable(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(rss_feed(1))
    events = vary_events(jetstream_v1(10), 200, start_us=START_US, rate=100.0)
    with ReplayServer(events, rate=40.0) as server:
        root = tmp_path / "ws"
        init_workspace(
            root, TOML.format(jetstream=server.url, feed=httpserver.url_for("/feed.xml"))
        )
        with Workspace.open(root) as ws:
            n_stages = len(stages(ws.config))
            stop = threading.Event()
            thread = threading.Thread(
                target=listen,
                args=(ws, "bluesky"),
                kwargs={"max_seconds": 60, "stop": stop, "flush_seconds": 0.25},
            )
            thread.start()
            reader = ws.store.new_cursor()
            search = compile_sql(parse("rachat"))
            observed: list[int] = []
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    # one read transaction: what is visible is a committed state
                    reader.execute("BEGIN")
                    posts = reader.execute("SELECT count(*) FROM posts").fetchall()[0][0]
                    lacking = reader.execute(
                        """SELECT count(*) FROM posts p WHERE
                           (SELECT count(*) FROM enrichments e WHERE e.uri = p.uri) <> ?
                           OR NOT EXISTS (SELECT 1 FROM enriched x WHERE x.uri = p.uri)
                           OR NOT EXISTS (SELECT 1 FROM matches m
                                          WHERE m.uri = p.uri AND m.watch_id = 'rachat')""",
                        [n_stages],
                    ).fetchall()[0][0]
                    found = len(search.execute(reader)) if posts else 0
                    reader.execute("COMMIT")
                    assert lacking == 0, f"{lacking} of {posts} committed posts lack enrichments"
                    assert found == posts  # searchable as soon as committed
                    observed.append(int(posts))
                    if posts >= len(events):
                        break
                    time.sleep(0.05)
            finally:
                stop.set()
                thread.join(timeout=30)
                reader.close()
            assert observed[-1] == len(events)
            # it was seen growing batch by batch while the stream ran, not only at the end
            assert len({n for n in observed if 0 < n < len(events)}) >= 2
            assert datetime.now(UTC) > datetime.fromtimestamp(START_US / 1e6, UTC)
