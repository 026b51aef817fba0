"""Mastodon files as the API gives them (issue 9, items 9-10 and the error locations of 21):
conversations and notification requests hold their status in ``last_status``; replies name
their parent's URI when the parent is in the same file; locators keep the instance's scheme.
Fixtures: ``tests/fixtures/mastodon``."""

from __future__ import annotations

from pathlib import Path

from source_helpers import english, map_all, of_type, read_all  # noqa: F401

from veille.model import Account, Post
from veille.sources.mastodon.statuses import MastodonImporter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon"


def posts_of(name: str, **options: str) -> list[Post]:
    importer = MastodonImporter(
        [FIXTURES / name], MastodonImporter.Options(**options) if options else None
    )
    items, rejects = read_all(importer)
    assert rejects == []
    records, errors = map_all(MastodonImporter, items)
    assert errors == []
    return of_type(records, Post)


def test_conversations_import_their_last_status() -> None:
    importer = MastodonImporter([FIXTURES / "conversations.json"])
    items, rejects = read_all(importer)
    records, errors = map_all(MastodonImporter, items)
    posts = of_type(records, Post)
    assert sorted(p.text or "" for p in posts) == [f"Message privé {i}" for i in range(3)]
    assert {a.account_id for a in of_type(records, Account)} == {
        "alice@social.example",
        "bob@other.example",
    }
    assert rejects == [] and errors == []  # the conversation without a status: its accounts


def test_notification_requests_import_their_last_status() -> None:
    (post,) = posts_of("notification_requests.json")
    assert post.uri == "https://other.example/users/bob/statuses/990"
    assert post.author_id == "bob@other.example"


def test_replies_name_their_parent_from_the_same_file() -> None:
    posts = {p.post_id: p for p in posts_of("timeline_replies.json")}
    # bob (remote) answers alice: the parent comes later in the file, still resolved
    assert posts["3003"].reply_to == "https://social.example/users/alice/statuses/3001"
    # alice answers bob's remote status: its URI is on bob's instance, not a locator
    assert posts["3004"].reply_to == "https://other.example/users/bob/statuses/777"
    # a parent that is not in the file: the locator, as a fallback
    assert posts["3005"].reply_to == "https://social.example/api/v1/statuses/2999"


def test_locators_keep_the_instance_scheme() -> None:
    (post,) = posts_of("localhost_http.json", instance="http://localhost:3000")
    assert post.reply_to == "http://localhost:3000/api/v1/statuses/4001"
    (post,) = posts_of("localhost_http.json")  # from the account's own URL
    assert post.reply_to == "http://localhost:3000/api/v1/statuses/4001"
    assert post.author_id == "carol@localhost:3000"
