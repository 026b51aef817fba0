"""Mastodon files as the API gives them (issue 9, items 9-10 and the error locations of 21):
conversations and notification requests hold their status in ``last_status``; replies name
their parent's URI when the parent is in the same file; locators keep the instance's scheme.
Fixtures: ``tests/fixtures/mastodon``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


# --- item 10 from the store: the parent stored before or after its reply -------------------


def replies_of(root: Path) -> dict[str, str | None]:
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        rows = ws.store.con.execute(
            "SELECT post_id, reply_to FROM posts WHERE network = 'mastodon'"
        ).fetchall()
    return {str(pid): reply for pid, reply in rows}


@pytest.mark.parametrize(
    "order",
    [
        ("replies_without_parents.json", "parents_of_replies.json"),
        ("parents_of_replies.json", "replies_without_parents.json"),
    ],
)
def test_replies_name_their_parent_stored_in_another_import(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    from cli_run import veille_cli

    root = tmp_path / "ws"
    assert veille_cli("init", str(root)).code == 0
    for name in order:
        ran = veille_cli("import", "mastodon", str(FIXTURES / name), "-w", str(root))
        assert ran.code == 0, ran.output
    replies = replies_of(root)
    # bob (remote) answers alice's local status
    assert replies["3103"] == "https://social.example/users/alice/statuses/3101"
    # alice answers bob's status, known on her instance as 3102: its URI is on bob's
    assert replies["3104"] == "https://other.example/users/bob/statuses/879"
    assert replies["3101"] is None and replies["3102"] is None


def test_a_parent_id_held_by_two_instances_stays_a_locator(tmp_path: Path) -> None:
    """Two stored statuses with the reply's parent id, neither on the reply's instance:
    the parent cannot be told, the locator stays."""
    from cli_run import veille_cli

    root = tmp_path / "ws"
    assert veille_cli("init", str(root)).code == 0
    parents = json.loads((FIXTURES / "parents_of_replies.json").read_text(encoding="utf-8"))
    twins = []
    for host in ("one.example", "two.example"):
        twin = dict(parents[1], uri=f"https://{host}/users/bob/statuses/1")
        twin["account"] = dict(twin["account"], acct=f"bob@{host}")
        twins.append(twin)
    (tmp_path / "twins.json").write_text(json.dumps(twins), encoding="utf-8")
    for path in (tmp_path / "twins.json", FIXTURES / "replies_without_parents.json"):
        assert veille_cli("import", "mastodon", str(path), "-w", str(root)).code == 0
    assert replies_of(root)["3104"] == "https://social.example/api/v1/statuses/3102"


def test_errors_of_a_file_are_located_at_their_own_line(tmp_path: Path) -> None:
    """Not every error at "line 1 (byte 0)" (issue 9, item 21): the line that is bad."""
    good = json.loads((FIXTURES / "parents_of_replies.json").read_text(encoding="utf-8"))
    path = tmp_path / "statuses.jsonl"
    lines = [json.dumps(good[0]), json.dumps(good[1]), "{not json", json.dumps(good[0])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items, rejects = read_all(MastodonImporter([path]))
    assert [i.origin for i in items] == [f"{path}:1", f"{path}:2", f"{path}:4"]
    assert [r.origin for r in rejects] == [f"{path}:3"]
    assert "line 3" in rejects[0].reason
