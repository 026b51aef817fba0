"""``post_links`` (``store/links.py``) is kept by the writer equal to a recompute from
``posts``: through imports (a child before its parent, in two batches, and within one
batch), a deletion, a forgotten account, an edit that replaces a post's version, a
Mastodon parent named by a locator and resolved later, and the migration's backfill.
The rebuild is checked by ``tests/flow/test_rebuild_parity.py`` (``post_links`` is in
``TABLE_KEYS``, and that test compares it with the recompute too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from veille.model import Post, Tombstone
from veille.store import Store
from veille.store.links import expected_links, recompute_links
from veille.store.schema import MIGRATIONS, V10_POST_LINKS

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def mk(uri: str, author: str, minute: int, network: str = "x", **links: str) -> Post:
    return Post(
        uri=uri,
        network=network,
        post_id=uri.rsplit("/", 1)[-1],
        author_id=author,
        created_at=T0 + timedelta(minutes=minute),
        collected_at=T0,
        text=f"post {uri}",
        source="test",
        **links,  # type: ignore[arg-type]
    )


def stored(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute("SELECT * FROM post_links ORDER BY created_at, uri, kind").fetchall()


def target(con: duckdb.DuckDBPyConnection, uri: str, kind: str) -> object:
    rows = con.execute(
        "SELECT target_author FROM post_links WHERE uri = ? AND kind = ?", [uri, kind]
    ).fetchall()
    return rows[0][0] if rows else "no row"


def check(store: Store) -> None:
    assert stored(store.con) == expected_links(store.con)
    assert store.duplicate_keys()["post_links"] == 0


def test_links_follow_every_write(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    con = store.con
    bsky_parent = "at://did:plc:p/app.bsky.feed.post/1"
    # batch 1: children of parents not stored yet; within the batch, a parent and its child
    store.write(
        [
            mk("https://x.com/b/status/2", "b", 2, reply_to="https://x.com/a/status/1"),
            mk("https://x.com/c/status/3", "c", 3, quote_of="https://x.com/a/status/1"),
            mk("https://x.com/d/status/4", "d", 4, repost_of="https://x.com/a/status/1"),
            mk(
                "at://did:plc:q/app.bsky.feed.post/5",
                "did:plc:q",
                5,
                "bluesky",
                reply_to=bsky_parent,
            ),
            mk("https://x.com/e/status/6", "e", 6, reply_to="https://x.com/f/status/7"),
            mk("https://x.com/f/status/7", "f", 1),
            mk("https://x.com/g/status/8", "g", 8),
        ]
    )
    check(store)
    assert target(con, "https://x.com/b/status/2", "reply") is None
    assert target(con, "at://did:plc:q/app.bsky.feed.post/5", "reply") == "did:plc:p"
    assert target(con, "https://x.com/e/status/6", "reply") == "f"  # parent in the batch
    assert target(con, "https://x.com/g/status/8", "reply") == "no row"
    # batch 2: the parents arrive after their children
    store.write(
        [
            mk("https://x.com/a/status/1", "a", 1),
            mk(bsky_parent, "did:plc:p", 1, "bluesky"),
            mk("https://x.com/h/status/9", "h", 9, reply_to="https://x.com/b/status/2"),
        ]
    )
    check(store)
    for uri, kind in (
        ("https://x.com/b/status/2", "reply"),
        ("https://x.com/c/status/3", "quote"),
        ("https://x.com/d/status/4", "repost"),
    ):
        assert target(con, uri, kind) == "a"
    assert target(con, "https://x.com/h/status/9", "reply") == "b"
    # a deletion: the deleted post has no links any more; links to it keep its author
    store.write(
        [Tombstone(key="https://x.com/b/status/2", kind="post", network="x", deleted_at=T0)]
    )
    check(store)
    assert target(con, "https://x.com/b/status/2", "reply") == "no row"
    assert target(con, "https://x.com/h/status/9", "reply") == "b"
    # a forgotten account
    store.write([Tombstone(key="x:c", kind="account", network="x", deleted_at=T0)])
    check(store)
    assert target(con, "https://x.com/c/status/3", "quote") == "no row"
    # an edit: a later version (another id, later) of the post e/6, now replying to g/8
    edited = mk("https://x.com/e/status/6", "e", 30, reply_to="https://x.com/g/status/8")
    edited.post_id = "60"
    store.write([edited])
    check(store)
    assert target(con, "https://x.com/e/status/6", "reply") == "g"
    # a Mastodon reply naming its parent by a locator; the parent comes later
    store.write(
        [
            mk(
                "https://m.example/@r/11",
                "r",
                11,
                "mastodon",
                reply_to="https://m.example/api/v1/statuses/10",
            ),
        ]
    )
    check(store)
    assert target(con, "https://m.example/@r/11", "reply") is None
    store.write([mk("https://m.example/@s/10", "s", 10, "mastodon")])
    check(store)
    assert target(con, "https://m.example/@r/11", "reply") == "s"
    # a rebuild carries deleted posts over as rows (writes.CopyRowsJob): same as a write
    rows = stored(con)
    recompute_links(con)
    assert stored(con) == rows
    store.close()


def test_migration_backfills_links(tmp_path: Path) -> None:
    assert V10_POST_LINKS in MIGRATIONS
    store = Store(tmp_path / "s.duckdb")
    store.write(
        [
            mk("https://x.com/a/status/1", "a", 1),
            mk("https://x.com/b/status/2", "b", 2, reply_to="https://x.com/a/status/1"),
        ]
    )
    rows = stored(store.con)
    assert len(rows) == 1
    store.con.execute("DROP TABLE post_links")
    for statement in V10_POST_LINKS:  # the migration again: the table, backfilled
        store.con.execute(statement)
    assert stored(store.con) == rows
    store.close()


def test_a_link_to_a_stored_post_whose_at_uri_names_another_author(tmp_path: Path) -> None:
    """Bluesky targets are resolved from their URI without reading ``posts`` while no
    stored post's AT-URI names someone else; once one is stored, the look-up is done."""
    from veille.store.links import ODD_KEY

    store = Store(tmp_path / "s.duckdb")
    con = store.con
    store.write([mk("at://did:plc:a/app.bsky.feed.post/1", "did:plc:a", 1, "bluesky")])
    store.write(
        [
            mk(
                "at://did:plc:b/app.bsky.feed.post/2", "did:plc:b", 2, "bluesky",
                reply_to="at://did:plc:a/app.bsky.feed.post/1",
            )
        ]
    )  # fmt: skip
    check(store)
    assert con.execute("SELECT value FROM meta WHERE key = ?", [ODD_KEY]).fetchall() == [("0",)]
    assert target(con, "at://did:plc:b/app.bsky.feed.post/2", "reply") == "did:plc:a"
    # a post stored under an AT-URI that names did:plc:x, written by did:plc:y
    odd = "at://did:plc:x/app.bsky.feed.post/3"
    store.write([mk(odd, "did:plc:y", 3, "bluesky")])
    assert con.execute("SELECT value FROM meta WHERE key = ?", [ODD_KEY]).fetchall() == [("1",)]
    store.write(
        [mk("at://did:plc:b/app.bsky.feed.post/4", "did:plc:b", 4, "bluesky", reply_to=odd)]
    )
    check(store)
    assert target(con, "at://did:plc:b/app.bsky.feed.post/4", "reply") == "did:plc:y"
    store.close()
