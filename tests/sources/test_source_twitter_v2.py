"""twarc JSONL (Twitter API v2): real pages, flattened tweets, bad lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from source_helpers import english, map_all, of_type, read_all, write_jsonl  # noqa: F401

from conftest import shared_path
from veille.model import Account, AccountSnapshot, Post, PostMetrics
from veille.sources.base import MappingError, RawItem
from veille.sources.x.api_v2 import TwitterV2Importer, map_line, tweet_uri
from veille.store import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    line = shared_path("fixtures", "twitter_v2", name).read_text().splitlines()[0]
    value = json.loads(line)
    assert isinstance(value, dict)
    return value


def test_brexit_page_maps_every_tweet_and_user() -> None:
    page = fixture("brexit.jsonl")
    records = map_line(page, NOW)
    posts = of_type(records, Post)
    ids = {t["id"] for t in page["data"]} | {t["id"] for t in page["includes"]["tweets"]}
    assert {p.post_id for p in posts} == ids
    assert len(posts) == len(ids)
    users = of_type(records, Account)
    assert {u.account_id for u in users} == {u["id"] for u in page["includes"]["users"]}
    retrieved = datetime(2021, 9, 22, 16, 38, 9, tzinfo=UTC)
    assert all(p.collected_at == retrieved for p in posts)
    assert all(s.observed_at == retrieved for s in of_type(records, AccountSnapshot))
    by_id = {p.post_id: p for p in posts}
    for tweet in page["data"]:
        post = by_id[tweet["id"]]
        assert post.uri == f"https://x.com/i/status/{tweet['id']}"
        assert post.author_id == tweet["author_id"]
        kinds = {r["type"]: r["id"] for r in tweet.get("referenced_tweets", [])}
        assert post.reply_to == (tweet_uri(kinds["replied_to"]) if "replied_to" in kinds else None)
        assert post.quote_of == (tweet_uri(kinds["quoted"]) if "quoted" in kinds else None)
        assert post.repost_of == (tweet_uri(kinds["retweeted"]) if "retweeted" in kinds else None)
        if "retweeted" in kinds:
            assert post.text is None
        else:
            assert post.text and "&amp;" not in post.text
        tags = [h["tag"] for h in tweet.get("entities", {}).get("hashtags", [])]
        assert post.hashtags == list(dict.fromkeys(tags))
        assert all(m.isdigit() for m in post.mentions)
        if tweet["conversation_id"] != tweet["id"]:
            assert post.reply_root == tweet_uri(tweet["conversation_id"])
    metrics = {m.uri: m for m in of_type(records, PostMetrics)}
    original = next(t for t in page["data"] if "referenced_tweets" not in t)
    m = metrics[tweet_uri(original["id"])]
    assert (m.likes, m.reposts, m.replies, m.quotes) == (
        original["public_metrics"]["like_count"],
        original["public_metrics"]["retweet_count"],
        original["public_metrics"]["reply_count"],
        original["public_metrics"]["quote_count"],
    )


def test_users_page_gives_accounts_with_counts() -> None:
    page = fixture("users.jsonl")
    records = map_line(page, NOW)
    snapshots = {s.account_id: s for s in of_type(records, AccountSnapshot)}
    for user in page["data"]:
        snap = snapshots[user["id"]]
        assert snap.followers == user["public_metrics"]["followers_count"]
        assert snap.following == user["public_metrics"]["following_count"]
        assert snap.posts == user["public_metrics"]["tweet_count"]
    accounts = {a.account_id: a for a in of_type(records, Account)}
    first = page["data"][0]
    assert accounts[first["id"]].handle == first["username"]
    assert accounts[first["id"]].url == f"https://x.com/{first['username']}"


def test_counts_page_is_rejected_with_a_reason() -> None:
    with pytest.raises(MappingError, match="tweet counts"):
        map_line(fixture("counts.jsonl"), NOW)


def test_media_links_are_not_urls_and_retweets_have_no_metrics() -> None:
    (media,) = of_type(map_line(fixture("media_tweet.jsonl"), NOW), Post)
    assert media.urls == []
    records = map_line(fixture("mentions_tweet.jsonl"), NOW)
    retweet = next(p for p in of_type(records, Post) if p.repost_of)
    assert retweet.mentions == ["1221317221714157569"]
    assert all(m.uri != retweet.uri for m in of_type(records, PostMetrics))


def flattened(page: dict[str, Any]) -> list[dict[str, Any]]:
    """The page as ``twarc2 flatten`` writes it: one tweet a line, expansions inline."""
    users = {u["id"]: u for u in page["includes"].get("users", [])}
    tweets = {t["id"]: t for t in page["includes"].get("tweets", [])}
    out = []
    for tweet in page["data"]:
        flat = dict(tweet)
        flat["author"] = users[tweet["author_id"]]
        refs = []
        for ref in tweet.get("referenced_tweets", []):
            full = dict(tweets.get(ref["id"], {}))
            if full:
                full["author"] = users.get(full.get("author_id", ""), {})
            refs.append({**ref, **full})
        if refs:
            flat["referenced_tweets"] = refs
        flat["__twarc"] = page["__twarc"]
        out.append(flat)
    return out


def test_flattened_lines_map_like_pages() -> None:
    page = fixture("mentions_tweet.jsonl")
    from_page = {p.uri: p for p in of_type(map_line(page, NOW), Post)}
    from_flat: dict[str, Post] = {}
    for line in flattened(page):
        for post in of_type(map_line(line, NOW), Post):
            from_flat[post.uri] = post
    assert from_flat == from_page


def test_long_tweets_language_codes_and_unescaping() -> None:
    tweet = {
        "id": "123",
        "author_id": "9",
        "created_at": "2023-01-01T00:00:00.000Z",
        "text": "short…",
        "lang": "qme",
        "note_tweet": {
            "text": "A &lt;long&gt; tweet &amp; more",
            "entities": {"hashtags": [{"start": 0, "end": 3, "tag": "x"}]},
        },
        "public_metrics": {"like_count": 1},
    }
    (post, metrics) = map_line({"data": [tweet]}, NOW)
    assert isinstance(post, Post) and isinstance(metrics, PostMetrics)
    assert post.text == "A <long> tweet & more" and post.hashtags == ["x"] and post.lang is None
    assert post.collected_at == NOW and metrics.likes == 1 and metrics.reposts is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ([1, 2], "must be a JSON object"),
        ({"meta": {}}, "neither an API v2 page"),
        (
            {"data": [{"id": "5", "text": "x", "created_at": "2023-01-01T00:00:00Z"}]},
            "invalid tweet 5: no author_id",
        ),
        ({"data": [{"id": "5", "text": "x", "author_id": "1"}]}, "no readable created_at"),
        ({"data": [{"id": "abc", "text": "x"}]}, "no numeric id"),
    ],
)
def test_bad_lines(line: Any, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        map_line(line, NOW)


def test_incomplete_expansions_do_not_spoil_the_page() -> None:
    page = {
        "data": [
            {
                "id": "1",
                "text": "hi",
                "author_id": "2",
                "created_at": "2023-01-01T00:00:00Z",
                "referenced_tweets": [{"type": "quoted", "id": "3"}],
            }
        ],
        "includes": {"tweets": [{"id": "3", "text": "withheld"}]},
        "errors": [{"resource_id": "4", "title": "Not Found Error"}],
    }
    (post,) = of_type(map_line(page, NOW), Post)
    assert post.quote_of == tweet_uri("3")
    assert map_line({"errors": [{"title": "Not Found"}]}, NOW) == []


def test_importer_on_real_files_and_store_idempotency(tmp_path: Path) -> None:
    files = sorted(shared_path("fixtures", "twitter_v2").glob("*.jsonl"))
    items, rejects = read_all(TwitterV2Importer(files))
    assert not rejects
    assert all(isinstance(i, RawItem) and ":" in i.origin for i in items)
    records, errors = map_all(TwitterV2Importer, items)
    assert [e[0].origin for e in errors] == [f"{files[2]}:1"]  # counts.jsonl
    store = Store(tmp_path / "s.duckdb")
    first = store.write(records)
    assert first.posts_new == len({p.uri for p in of_type(records, Post)})
    again, _ = map_all(TwitterV2Importer, read_all(TwitterV2Importer(files))[0])
    assert store.write(again).posts_new == 0


def test_big_pages_pass_and_the_limit_is_an_option(tmp_path: Path) -> None:
    tweets = [
        {"id": str(i), "text": "x" * 3000, "author_id": "1", "created_at": "2023-01-01T00:00:00Z"}
        for i in range(400)
    ]
    path = write_jsonl(tmp_path / "big.jsonl", [{"data": tweets}])
    items, rejects = read_all(TwitterV2Importer([path]))
    assert len(items) == 1 and not rejects
    assert len(of_type(TwitterV2Importer.to_records(items[0]), Post)) == 400
    small = TwitterV2Importer([path], TwitterV2Importer.Options(max_line_bytes=100_000))
    items, rejects = read_all(small)
    assert not items and "exceeds the limit of 100000" in rejects[0].reason


def test_to_records_is_pure() -> None:
    raw = RawItem.of("twitter-v2", "f:1", fixture("two_tweets.jsonl"), received_at=NOW)
    assert TwitterV2Importer.to_records(raw) == TwitterV2Importer.to_records(
        msgspec.json.decode(msgspec.json.encode(raw), type=RawItem)
    )
