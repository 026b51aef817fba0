"""Jetstream captures: real v1 events, the same events in the v2 shapes, bad input."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from source_helpers import english, map_all, of_type, read_all, write_jsonl  # noqa: F401

from conftest import shared_path
from veille.model import Account, Follow, Post, Reaction, Tombstone
from veille.sources.base import MappingError, RawItem
from veille.sources.bluesky.jetstream import V2_PREFIX, JetstreamImporter, map_event, map_event_json
from veille.store import Store

CORPUS = ("fixtures", "bluesky_jetstream", "internal_corpus_testdata_expected_v1.jsonl")
GOLDEN = ("fixtures", "bluesky_jetstream", "internal_subscribe_testdata_golden_v1.jsonl")
DID = "did:plc:abcdefghijklmnopqrstuvwx"
TIME_US = 1_779_719_009_132_431


def events(*parts: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in shared_path(*parts).read_text().splitlines()]


def commit(
    collection: str, record: dict[str, Any] | None, operation: str = "create", rkey: str = "3abc"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "rev": "3r",
        "operation": operation,
        "collection": collection,
        "rkey": rkey,
    }
    if record is not None:
        body["record"] = {"$type": collection, **record}
        body["cid"] = "bafy"
    return {"did": DID, "time_us": TIME_US, "kind": "commit", "commit": body}


def to_v2(event: dict[str, Any], seq: int, envelope: bool) -> dict[str, Any]:
    """A v1 event in the v2 ``subscribeEvents`` shape."""
    when = datetime.fromtimestamp(event["time_us"] / 1e6, UTC).isoformat().replace("+00:00", "Z")
    kind = event["kind"]
    payload: dict[str, Any] = {
        "$type": V2_PREFIX + kind,
        "seq": seq,
        "did": event["did"],
        "time": when,
    }
    if kind == "commit":
        payload.update(event["commit"])
    else:
        payload[kind] = event[kind]
    return {"$type": "message", "payload": payload} if envelope else payload


def test_real_corpus_maps_every_event_by_kind() -> None:
    corpus = events(*CORPUS)
    expected: Counter[str] = Counter()
    for e in corpus:
        c = e.get("commit", {})
        key = (c.get("operation"), c.get("collection"))
        if key == ("create", "app.bsky.feed.like"):
            expected["Reaction"] += 1
        elif key in (("create", "app.bsky.feed.post"), ("create", "app.bsky.feed.repost")):
            expected["Post"] += 1
        elif key == ("create", "app.bsky.graph.follow"):
            expected["Follow"] += 1
        elif c.get("operation") == "delete" and c["collection"] in (
            "app.bsky.feed.post",
            "app.bsky.graph.follow",
        ):
            expected["Tombstone"] += 1
    records = [r for e in corpus for r in map_event(e)]
    got = Counter(type(r).__name__ for r in records)
    assert got == expected
    manifest = json.loads(
        shared_path(
            "fixtures", "bluesky_jetstream", "internal_corpus_testdata_manifest.json"
        ).read_text()
    )
    assert len(corpus) == manifest["v1_events"]
    likes = of_type(records, Reaction)
    assert all(r.subject_uri.startswith("at://") and r.kind == "like" for r in likes)
    posts = of_type(records, Post)
    assert all(p.uri.startswith(f"at://{p.author_id}/app.bsky.feed.") for p in posts)
    assert any(p.reply_to and p.reply_root for p in posts)
    assert any(p.repost_of for p in posts)
    assert any(p.hashtags for p in posts) and any(p.urls for p in posts)


def test_golden_events_one_by_one() -> None:
    golden = events(*GOLDEN)
    like, post, repost, follow, profile, other_delete, other_update, identity, account, block = (
        map_event(e) for e in golden
    )
    (reaction,) = like
    assert isinstance(reaction, Reaction)
    assert reaction.uri == "at://did:plc:mcc5yghbk7tixqryac2yxku7/app.bsky.feed.like/3mmoojp7etg2g"
    assert reaction.subject_uri == (
        "at://did:plc:vfnmgxg2yscfliemmcxzyfyh/app.bsky.feed.post/3mmoodizfwc2j"
    )
    assert reaction.created_at == datetime(2026, 5, 25, 14, 23, 28, 778000, tzinfo=UTC)
    (reply,) = post
    assert isinstance(reply, Post)
    assert reply.text == "Try RSV for a good time !!" and reply.lang == "en"
    parent = "at://did:plc:j76trmiofvaxxpvx2vnb2vwf/app.bsky.feed.post/3mmojbrjwbs26"
    assert reply.reply_to == parent and reply.reply_root == parent
    assert reply.collected_at == datetime(2026, 5, 25, 14, 23, 29, 157119, tzinfo=UTC)
    (boost,) = repost
    assert isinstance(boost, Post) and boost.text is None
    assert (
        boost.repost_of == "at://did:plc:hjloomm2tkve3pmfgbxegl3v/app.bsky.feed.post/3mmood3a6hc25"
    )
    (edge,) = follow
    assert isinstance(edge, Follow)
    assert (edge.follower_id, edge.followee_id) == (
        "did:plc:mxwlsvdgs6tn75lq6jrr2vp7",
        "did:plc:anc6s2kher6ltrhhglxrzxsa",
    )
    (who,) = profile
    assert isinstance(who, Account) and who.display_name == "Multiversal Lokis Unit🔞"
    assert who.bio and who.bio.startswith("Damian Lokison") and who.handle is None
    assert other_delete == [] and other_update == [] and block == []
    assert identity == []  # no handle in this identity event: nothing to update
    assert account == []  # active account


def test_v2_shapes_map_like_v1() -> None:
    golden = events(*GOLDEN)
    for seq, event in enumerate(golden, start=1):
        expected = map_event(event)
        assert map_event(to_v2(event, seq, envelope=True)) == expected
        assert map_event(to_v2(event, seq, envelope=False)) == expected
    assert map_event({"$type": "error", "error": "ConsumerTooSlow", "message": "x"}) == []
    info = {"$type": "message", "payload": {"$type": V2_PREFIX + "info", "name": "OutdatedCursor"}}
    assert map_event(info) == []
    sync = {
        "$type": V2_PREFIX + "sync",
        "seq": 3,
        "did": DID,
        "time": "2026-01-01T00:00:00Z",
        "sync": {},
    }
    assert map_event(sync) == []


def test_identity_and_account_deletions() -> None:
    identity = {
        "did": DID,
        "time_us": TIME_US,
        "kind": "identity",
        "identity": {"did": DID, "handle": "marie.bsky.social", "seq": 1, "time": "x"},
    }
    (acc,) = map_event(identity)
    assert isinstance(acc, Account) and acc.handle == "marie.bsky.social" and acc.account_id == DID
    for status, expected in (
        ("deleted", True),
        ("takendown", True),
        ("deactivated", False),
        ("suspended", False),
    ):
        event = {
            "did": DID,
            "time_us": TIME_US,
            "kind": "account",
            "account": {"active": False, "did": DID, "seq": 2, "status": status},
        }
        got = map_event(event)
        if expected:
            (tomb,) = got
            assert isinstance(tomb, Tombstone) and tomb.kind == "account"
            assert tomb.key == f"bluesky:{DID}" and status in tomb.reason
        else:
            assert got == []


def test_deletes_become_tombstones() -> None:
    for collection, kind in (
        ("app.bsky.feed.post", "post"),
        ("app.bsky.feed.like", "post"),
        ("app.bsky.feed.repost", "post"),
        ("app.bsky.graph.follow", "follow"),
    ):
        (tomb,) = map_event(commit(collection, None, "delete", rkey="3del"))
        assert isinstance(tomb, Tombstone)
        assert tomb.key == f"at://{DID}/{collection}/3del" and tomb.kind == kind
    assert map_event(commit("app.bsky.graph.block", None, "delete")) == []


def test_post_fields_quotes_facets_and_future_dates() -> None:
    quoted = f"at://{DID}/app.bsky.feed.post/3quoted"
    record = {
        "text": "Bonjour @ami #veille https://ex.org",
        "createdAt": "2099-01-01T00:00:00Z",
        "langs": ["fr", "en"],
        "tags": ["extra", "veille"],
        "facets": [
            {
                "index": {"byteStart": 8, "byteEnd": 12},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:ami"}],
            },
            {
                "index": {"byteStart": 13, "byteEnd": 20},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "veille"}],
            },
            {
                "index": {"byteStart": 21, "byteEnd": 35},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://ex.org"}],
            },
        ],
        "embed": {
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {"$type": "app.bsky.embed.record", "record": {"uri": quoted, "cid": "bafy"}},
            "media": {"$type": "app.bsky.embed.images", "images": []},
        },
    }
    (post,) = map_event(commit("app.bsky.feed.post", record))
    assert isinstance(post, Post)
    assert post.lang == "fr" and post.quote_of == quoted
    assert post.mentions == ["did:plc:ami"]
    assert post.hashtags == ["veille", "extra"] and post.urls == ["https://ex.org"]
    assert post.created_at == post.collected_at  # a createdAt in the future is not believed
    simple = {
        "text": "x",
        "createdAt": "2026-05-25T14:23:28.000Z",
        "embed": {
            "$type": "app.bsky.embed.record",
            "record": {"uri": f"at://{DID}/app.bsky.feed.generator/g", "cid": "b"},
        },
    }
    (feedgen,) = map_event(commit("app.bsky.feed.post", simple))
    assert isinstance(feedgen, Post) and feedgen.quote_of is None  # a feed, not a post
    link = {
        "text": "",
        "createdAt": "garbage",
        "embed": {
            "$type": "app.bsky.embed.external",
            "external": {"uri": "https://news.ex/a", "title": "t", "description": ""},
        },
    }
    (card,) = map_event(commit("app.bsky.feed.post", link))
    assert isinstance(card, Post) and card.urls == ["https://news.ex/a"]
    assert card.created_at == card.collected_at


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"did": DID, "time_us": TIME_US, "kind": "labels"}, "unknown event type: kind='labels'"),
        ({"$type": "network.bsky.other#x", "did": DID}, "unknown event type: $type="),
        ({"did": DID, "time_us": TIME_US}, "unknown event type: kind=None"),
        (commit("app.bsky.feed.post", {"text": 42}), "invalid app.bsky.feed.post record"),
        (commit("app.bsky.feed.like", {"createdAt": "x"}), "invalid app.bsky.feed.like record"),
        (commit("app.bsky.feed.post", {"text": "x"}, "upsert"), "unknown operation 'upsert'"),
        ({"kind": "commit", "time_us": TIME_US, "commit": {}}, "event without did"),
        ({"did": DID, "kind": "commit", "commit": {}}, "event without time_us/time"),
        (
            {"did": DID, "time_us": TIME_US, "kind": "commit", "commit": {"operation": "create"}},
            "event without collection/rkey",
        ),
        ({"did": DID, "time_us": 10**30, "kind": "identity"}, "invalid Jetstream event"),
        ({"did": 5, "kind": "commit"}, "invalid Jetstream event"),
        ({"$type": "message"}, "event without payload"),
    ],
)
def test_bad_events_raise_mapping_error(event: dict[str, Any], message: str) -> None:
    with pytest.raises(MappingError) as info:
        map_event(event)
    assert message in str(info.value)


def test_bytes_and_dict_paths_agree_and_reject_non_objects() -> None:
    for event in events(*GOLDEN):
        assert map_event_json(json.dumps(event).encode()) == map_event(event)
    for bad in (b"[]", b'"x"', b"{", b"null"):
        with pytest.raises(MappingError):
            map_event_json(bad)


def test_importer_reads_files_and_reports_bad_lines(tmp_path: Path) -> None:
    golden = shared_path(*GOLDEN).read_bytes().splitlines()
    body = (
        b"\n".join(
            [
                golden[0],
                b'{"did": ',
                golden[1],
                b'{"a":"\xff"}',
                golden[2],
                b'{"t":"' + b"x" * (1 << 20) + b'"}',
                b"",
                golden[3],
            ]
        )
        + b"\n"
    )
    path = tmp_path / "capture.jsonl"
    path.write_bytes(body)
    importer = JetstreamImporter([path])
    items, rejects = read_all(importer)
    assert [i.origin for i in items] == [f"{path}:{n}" for n in (1, 3, 5, 8)]
    assert [r.origin for r in rejects] == [f"{path}:{n}" for n in (2, 4, 6)]
    assert "invalid JSON" in rejects[0].reason
    assert rejects[1].reason == "line 4: invalid UTF-8 at byte 7"
    assert "exceeds the limit of 524288" in rejects[2].reason
    assert all(bytes(i.payload) == golden[k] for i, k in zip(items, (0, 1, 2, 3), strict=True))
    records, errors = map_all(JetstreamImporter, items)
    assert not errors and len(records) == 4


def test_unknown_kind_through_the_importer_is_a_mapping_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"did": DID, "time_us": TIME_US, "kind": "nope"}])
    items, rejects = read_all(JetstreamImporter([path]))
    assert not rejects
    records, errors = map_all(JetstreamImporter, items)
    assert not records and "unknown event type" in str(errors[0][1])


def test_duplicates_same_uri_and_idempotent_store(tmp_path: Path) -> None:
    corpus = shared_path(*CORPUS)
    store = Store(tmp_path / "s.duckdb")
    first_items, _ = read_all(JetstreamImporter([corpus]))
    second_items, _ = read_all(JetstreamImporter([corpus]))
    first, _ = map_all(JetstreamImporter, first_items)
    second, _ = map_all(JetstreamImporter, second_items)
    assert [getattr(r, "uri", None) for r in first] == [getattr(r, "uri", None) for r in second]
    result = store.write(first)
    assert result.posts_new == len(of_type(first, Post))
    again = store.write(second)
    assert again.posts_new == 0
    assert store.scalar("SELECT count(*) FROM posts") == len(of_type(first, Post))


def test_delete_after_create_purges_the_post(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    created = map_event(
        commit("app.bsky.feed.post", {"text": "oups", "createdAt": "2026-01-01T00:00:00Z"})
    )
    store.write(created)
    store.write(map_event(commit("app.bsky.feed.post", None, "delete")))
    rows = store.con.execute("SELECT text, deleted_at FROM posts").fetchall()
    assert rows and rows[0][0] is None and rows[0][1] is not None


def test_raw_items_are_valid_json_for_the_raw_log(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", events(*GOLDEN))
    items, _ = read_all(JetstreamImporter([path]))
    for item in items:
        assert isinstance(item, RawItem) and item.source == "jetstream"
        json.loads(bytes(item.payload))
