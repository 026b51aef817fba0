"""Mastodon statuses and accounts: the real API bodies, boosts, replies, HTML, files."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from source_helpers import english, map_all, of_type, read_all, write_jsonl  # noqa: F401

from conftest import shared_path
from veille.model import Account, AccountSnapshot, Post, PostMetrics
from veille.sources.mastodon.statuses import (
    MastodonImporter,
    account_id,
    host_of,
    html_to_text,
    map_account,
    map_status,
)

NOW = datetime(2026, 8, 2, tzinfo=UTC)
EXTRACTED = ("fixtures", "mastodon", "extracted")


def body(name: str) -> Any:
    return json.loads(shared_path(*EXTRACTED, name).read_text())


def status() -> dict[str, Any]:
    value = body("test_status_card__01__GET_v1_statuses_117020609135389699.json")
    assert isinstance(value, dict)
    return value


def test_every_real_file_maps_or_is_rejected_cleanly() -> None:
    files = sorted(shared_path(*EXTRACTED).glob("*.json"))
    items, rejects = read_all(MastodonImporter(files))
    assert not rejects
    records, errors = map_all(MastodonImporter, items)
    rejected = sorted(Path(e[0].origin.rsplit(":", 1)[0]).name for e in errors)
    assert rejected == sorted(
        [
            "test_account_search__01__POST_v1_accounts_117020457624302809_follow.json",
            "test_account_search__03__POST_v1_accounts_117020457624302809_unfollow.json",
            "test_hashtag_tl__01__GET_v2_instance_.json",
            "test_notifications__03__GET_v1_notifications_unread_count.json",
        ]
    )
    assert all("neither a Mastodon status" in str(e[1]) for e in errors)
    posts = of_type(records, Post)
    assert posts and all(p.uri.startswith("http://localhost:3000/ap/users/") for p in posts)
    assert all("@" in p.author_id and p.author_id.endswith("@localhost:3000") for p in posts)


def test_status_with_card() -> None:
    records = map_status(status(), None, NOW)
    (post,) = of_type(records, Post)
    assert (
        post.uri == "http://localhost:3000/ap/users/117020565966271181/statuses/117020609135389699"
    )
    assert post.author_id == "mastodonpy_test@localhost:3000"
    assert post.text == "http://example.org/" and post.lang == "en"
    assert post.urls == ["http://example.org/"]
    assert post.created_at == datetime(2026, 8, 1, 13, 59, 50, 763000, tzinfo=UTC)
    (metrics,) = of_type(records, PostMetrics)
    assert (metrics.likes, metrics.reposts, metrics.replies, metrics.quotes) == (0, 0, 0, 0)
    (account,) = of_type(records, Account)
    assert account.display_name == "John Lennon" and account.bio == "I walk funny"
    (snap,) = of_type(records, AccountSnapshot)
    assert snap.posts == 11 and snap.observed_at == NOW


def test_mentions_hashtags_from_real_bodies() -> None:
    notification = body("test_notifications__01__GET_v1_notifications.json")[0]
    (post,) = of_type(map_status(notification["status"], None, NOW), Post)
    assert post.text == "@mastodonpy_test hello!"
    assert post.mentions == ["mastodonpy_test@localhost:3000"]
    tagged = body("test_hashtag_tl__02__GET_v1_timelines_tag_hoot.json")[0]
    (post,) = of_type(map_status(tagged, None, NOW), Post)
    assert post.hashtags == ["hoot"] and post.lang == "ja" and post.urls == []
    assert post.text == "#hoot (hashtag toot)"


def test_instance_argument_names_local_accounts() -> None:
    for instance in ("mastodon.social", "https://mastodon.social", "https://Mastodon.Social/"):
        (post,) = of_type(map_status(status(), instance, NOW), Post)
        assert post.author_id == "mastodonpy_test@mastodon.social"
    remote = copy.deepcopy(status())
    remote["account"]["acct"] = "Marie@Social.Example"
    (post,) = of_type(map_status(remote, "mastodon.social", NOW), Post)
    assert post.author_id == "marie@social.example"
    (account, _snap) = map_account(remote["account"], "mastodon.social", NOW)
    assert isinstance(account, Account) and account.handle == "mastodonpy_test@social.example"


def test_reply_to_rules() -> None:
    own = copy.deepcopy(status())
    own["in_reply_to_id"] = "117020600000000000"
    own["in_reply_to_account_id"] = own["account"]["id"]
    (post,) = of_type(map_status(own, None, NOW), Post)
    assert post.reply_to == (
        "http://localhost:3000/ap/users/117020565966271181/statuses/117020600000000000"
    )
    other = copy.deepcopy(own)
    other["in_reply_to_account_id"] = "999"
    (post,) = of_type(map_status(other, "https://mastodon.social", NOW), Post)
    assert post.reply_to == "https://mastodon.social/api/v1/statuses/117020600000000000"
    (post,) = of_type(map_status(other, None, NOW), Post)
    # the instance's own scheme (issue 9): http for a local development instance
    assert post.reply_to == "http://localhost:3000/api/v1/statuses/117020600000000000"
    remote = copy.deepcopy(other)
    remote["account"]["acct"] = "bob@remote.example"
    remote["uri"] = "https://remote.example/users/bob/statuses/1"
    (post,) = of_type(map_status(remote, None, NOW), Post)
    assert post.reply_to is None  # the id space of in_reply_to_id is unknown
    assert post.reply_root is None


def test_boosts_and_quotes() -> None:
    original = status()
    boost = copy.deepcopy(original)
    boost["uri"] = "http://localhost:3000/ap/users/1/statuses/555/activity"
    boost["id"] = "555"
    boost["content"] = ""
    boost["account"] = {
        **boost["account"],
        "id": "1",
        "username": "fan",
        "acct": "fan",
        "url": "http://localhost:3000/@fan",
    }
    boost["reblog"] = original
    records = map_status(boost, None, NOW)
    posts = {p.uri: p for p in of_type(records, Post)}
    assert set(posts) == {boost["uri"], original["uri"]}
    assert posts[boost["uri"]].repost_of == original["uri"]
    assert (
        posts[boost["uri"]].text is None and posts[boost["uri"]].author_id == "fan@localhost:3000"
    )
    assert [m.uri for m in of_type(records, PostMetrics)] == [original["uri"]]
    quote = copy.deepcopy(original)
    quote["uri"] = "http://localhost:3000/ap/users/1/statuses/777"
    quote["quote"] = {"state": "accepted", "quoted_status": original}
    posts = {p.uri: p for p in of_type(map_status(quote, None, NOW), Post)}
    assert posts[quote["uri"]].quote_of == original["uri"] and original["uri"] in posts


def test_html_to_text() -> None:
    html = (
        "<p>Bonjour &amp; bienvenue<br>ligne 2<br/>ligne 3</p><p>"
        '<a href="https://mastodon.social/tags/ia" class="mention hashtag" rel="tag">#<span>IA'
        '</span></a> <span class="h-card"><a href="https://ex.org/@bob" class="u-url mention">@'
        '<span>bob</span></a></span> <a href="https://news.example/a/very/long/path" '
        'rel="nofollow noopener" target="_blank"><span class="invisible">https://</span>'
        '<span class="ellipsis">news.example/a/very</span><span class="invisible">/long/path'
        "</span></a></p><p>&lt;script&gt;&#233;</p>"
    )
    text, links = html_to_text(html)
    assert text == (
        "Bonjour & bienvenue\nligne 2\nligne 3\n\n#IA @bob https://news.example/a/very/long/path"
        "\n\n<script>é"
    )
    assert links == ["https://news.example/a/very/long/path"]
    assert html_to_text("plain") == ("plain", [])
    assert html_to_text("<p>unclosed <b>bold") == ("unclosed bold", [])


def test_spoiler_comes_first() -> None:
    cw = copy.deepcopy(status())
    cw["spoiler_text"] = "Politique"
    cw["content"] = "<p>Mon avis</p>"
    (post,) = of_type(map_status(cw, None, NOW), Post)
    assert post.text == "Politique\n\nMon avis"


def test_ids_and_hosts() -> None:
    assert host_of("https://Mastodon.Social/@x") == "mastodon.social"
    assert host_of("mastodon.social") == "mastodon.social"
    assert host_of("") is None and host_of(None) is None
    assert account_id("@Bob@Ex.Org", None) == "bob@ex.org"
    assert account_id("bob", "ex.org") == "bob@ex.org"
    assert account_id("bob", None) is None and account_id("", "x") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"uri": "x", "content": "", "account": {}}, "no account"),
        ({"content": "", "account": {"acct": "a", "username": "a"}}, "neither a Mastodon status"),
        (
            {"uri": "u", "content": "", "account": {"acct": "a", "username": "a"}},
            "account without acct",
        ),
        (
            {"uri": "u", "content": "", "account": {"acct": "a@b", "username": "a"}},
            "no readable created_at",
        ),
        ({"count": 3}, "neither a Mastodon status"),
        ("text", "neither a Mastodon status"),
    ],
)
def test_bad_entities(value: Any, message: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [value])
    items, _ = read_all(MastodonImporter([path]))
    records, errors = map_all(MastodonImporter, items)
    assert not records and message in str(errors[0][1])


def test_files_arrays_jsonl_and_instance_option(tmp_path: Path) -> None:
    one = status()
    array = tmp_path / "timeline.json"
    array.write_text(json.dumps([one, one["account"]], indent=2))
    lines = tmp_path / "dump.jsonl"
    lines.write_text(json.dumps(one) + "\n{broken\n" + json.dumps(one["account"]) + "\n")
    items, rejects = read_all(MastodonImporter([array, lines]))
    starts = [n for n, line in enumerate(array.read_text().splitlines(), 1) if line == "  {"]
    assert len(starts) == 2
    assert [i.origin for i in items] == [
        *(f"{array}:{n}" for n in starts),
        f"{lines}:1",
        f"{lines}:3",
    ]
    assert [r.origin for r in rejects] == [f"{lines}:2"]
    records, errors = map_all(MastodonImporter, items)
    assert not errors
    assert {a.account_id for a in of_type(records, Account)} == {"mastodonpy_test@localhost:3000"}
    with_instance = MastodonImporter(
        [lines], MastodonImporter.Options(instance="https://m.example/")
    )
    items, _ = read_all(with_instance)
    records, _ = map_all(MastodonImporter, items)
    assert {a.account_id for a in of_type(records, Account)} == {"mastodonpy_test@m.example"}
    with pytest.raises(ValueError, match="not an instance host"):
        MastodonImporter.Options(instance="not a host")


def test_same_input_same_uris(tmp_path: Path) -> None:
    files = sorted(shared_path(*EXTRACTED).glob("*.json"))
    first, _ = map_all(MastodonImporter, read_all(MastodonImporter(files))[0])
    second, _ = map_all(MastodonImporter, read_all(MastodonImporter(files))[0])
    assert [p.uri for p in of_type(first, Post)] == [p.uri for p in of_type(second, Post)]
