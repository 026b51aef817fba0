from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from veille.model import (
    Account,
    AccountSnapshot,
    Follow,
    Post,
    PostMetrics,
    Reaction,
    Tombstone,
)
from veille.store import Store
from veille.store.schema import SCHEMA_VERSION
from veille.store.writer import Writer

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def post(i: int, author: str = "did:a", text: str = "bonjour") -> Post:
    return Post(
        uri=f"at://{author}/app.bsky.feed.post/{i}",
        network="bluesky",
        post_id=str(i),
        author_id=author,
        created_at=T0 + timedelta(minutes=i),
        collected_at=T0,
        text=text,
        mentions=["did:b"],
        hashtags=["veille"],
        source="test",
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.duckdb")


def test_schema_version_and_reopen(tmp_path: Path) -> None:
    Store(tmp_path / "s.duckdb").close()
    reopened = Store(tmp_path / "s.duckdb")
    assert reopened.schema_version() == SCHEMA_VERSION


def test_posts_idempotent_on_uri(store: Store) -> None:
    first = store.write([post(1), post(2), post(1)])
    assert (first.posts_new, first.posts_duplicate) == (2, 1)
    again = store.write([post(1), post(2), post(3)])
    assert (again.posts_new, again.posts_duplicate) == (1, 2)
    assert store.scalar("SELECT count(*) FROM posts") == 3


def test_accounts_upsert_keeps_known_fields(store: Store) -> None:
    store.write(
        [Account(network="bluesky", account_id="did:a", handle="a.bsky", bio="Journaliste")]
    )
    store.write([Account(network="bluesky", account_id="did:a", handle="a2.bsky")])
    rows = store.con.execute("SELECT handle, bio FROM accounts").fetchall()
    assert rows == [("a2.bsky", "Journaliste")]


def test_snapshots_append_only_and_idempotent(store: Store) -> None:
    snap = AccountSnapshot(network="bluesky", account_id="did:a", observed_at=T0, followers=10)
    later = AccountSnapshot(
        network="bluesky", account_id="did:a", observed_at=T0 + timedelta(days=1), followers=12
    )
    store.write([snap, PostMetrics(uri="u", observed_at=T0, likes=1)])
    store.write([snap, later, PostMetrics(uri="u", observed_at=T0, likes=1)])
    assert store.scalar("SELECT count(*) FROM account_snapshots") == 2
    assert store.scalar("SELECT count(*) FROM post_metrics") == 1


def test_post_tombstone_purges_and_blocks_rewrite(store: Store) -> None:
    store.write([post(1), post(2)])
    store.con.execute(
        "INSERT INTO enrichments VALUES (?, 'x', '1', 'l', 1, 1, NULL, now())", [post(1).uri]
    )
    store.write([Tombstone(key=post(1).uri, kind="post", network="bluesky", deleted_at=T0)])
    row = store.con.execute(
        "SELECT text, mentions, deleted_at FROM posts WHERE uri = ?", [post(1).uri]
    ).fetchall()[0]
    assert row[0] is None and row[1] == [] and row[2] is not None
    assert store.scalar("SELECT count(*) FROM enrichments") == 0
    result = store.write([post(1)])  # at-least-once redelivery after the delete
    assert result.posts_skipped_deleted == 1
    assert store.scalar("SELECT text FROM posts WHERE uri = ?", [post(1).uri]) is None


def test_tombstone_before_post_keeps_it_out(store: Store) -> None:
    store.write([Tombstone(key=post(7).uri, kind="post", network="bluesky", deleted_at=T0)])
    assert store.write([post(7)]).posts_new == 0
    assert store.scalar("SELECT count(*) FROM posts") == 0


def test_account_tombstone(store: Store) -> None:
    store.write(
        [
            post(1),
            post(2, author="did:b"),
            Account(network="bluesky", account_id="did:a", handle="a", bio="b"),
            Reaction(
                uri="at://did:a/like/1",
                network="bluesky",
                author_id="did:a",
                subject_uri=post(2, author="did:b").uri,
                kind="like",
                created_at=T0,
            ),
            Follow(network="bluesky", follower_id="did:a", followee_id="did:b", observed_at=T0),
        ]
    )
    store.write([Tombstone(key="bluesky:did:a", kind="account", network="bluesky", deleted_at=T0)])
    texts = dict(store.con.execute("SELECT author_id, text FROM posts").fetchall())
    assert texts == {"did:a": None, "did:b": "bonjour"}
    assert store.scalar("SELECT count(*) FROM reactions") == 0
    assert store.scalar("SELECT count(*) FROM follows") == 0
    assert store.con.execute("SELECT handle, bio FROM accounts").fetchall() == [(None, None)]
    assert store.write([post(3)]).posts_skipped_deleted == 1


def test_follow_delete_and_refollow(store: Store) -> None:
    follow = Follow(network="bluesky", follower_id="a", followee_id="b", observed_at=T0, uri="f1")
    store.write([follow])
    store.write([Tombstone(key="f1", kind="follow", network="bluesky", deleted_at=T0)])
    assert store.scalar("SELECT deleted_at IS NOT NULL FROM follows") is True
    store.write(
        [
            Follow(
                network="bluesky",
                follower_id="a",
                followee_id="b",
                observed_at=T0 + timedelta(days=1),
                uri="f2",
            )
        ]
    )
    assert store.scalar("SELECT deleted_at IS NULL FROM follows") is True


def test_cursor_committed_with_batch(store: Store) -> None:
    store.write([post(1)], cursors={"jetstream": "100"})
    assert store.get_cursor("jetstream") == "100"
    with pytest.raises(duckdb.ConstraintException):
        store.write(
            [
                post(2),
                Post(
                    uri=None,
                    network="x",
                    post_id="1",
                    author_id="a",  # type: ignore[arg-type]
                    created_at=T0,
                    collected_at=T0,
                ),
            ],
            cursors={"jetstream": "200"},
        )
    assert store.get_cursor("jetstream") == "100"
    assert store.scalar("SELECT count(*) FROM posts") == 1


def test_writer_batches_and_reports_per_job(store: Store) -> None:
    commits = []
    with Writer(store, max_rows=1000, max_delay=0.2, on_commit=commits.append) as writer:
        futures = [writer.submit([post(i), post(i)], {"k": str(i)}) for i in range(20)]
        results = [f.result(timeout=10) for f in futures]
    assert all(r.posts_new == 1 and r.posts_duplicate == 1 for r in results)
    assert store.get_cursor("k") == "19"
    assert store.scalar("SELECT count(*) FROM posts") == 20
