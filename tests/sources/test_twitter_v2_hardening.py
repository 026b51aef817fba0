"""Twitter API v2 files (issue 9, items 11-12): an edited tweet is one post, the latest
version; a page of objects that are not tweets says so. Fixtures: tests/fixtures/twitter_v2."""

from __future__ import annotations

from pathlib import Path

import pytest
from source_helpers import english, map_all, of_type, read_all  # noqa: F401

from cli_run import veille_cli
from veille.model import Post
from veille.sources.x.api_v2 import TwitterV2Importer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "twitter_v2"


def test_an_edited_tweet_is_one_post_the_latest_version() -> None:
    items, rejects = read_all(TwitterV2Importer([FIXTURES / "edited_tweet.jsonl"]))
    records, errors = map_all(TwitterV2Importer, items)
    assert rejects == [] and errors == []
    posts = sorted(of_type(records, Post), key=lambda p: p.uri)
    assert [p.uri for p in posts] == [
        "https://x.com/i/status/1700000000000000001",
        "https://x.com/i/status/1700000000000000002",
    ]
    edited = posts[0]
    assert edited.text == "Nous rachetons Acme (corrigé : en 2027)"
    assert edited.post_id == "1700000000000000009"  # the version mapped
    assert edited.edit_history[-1] == "1700000000000000009" and len(edited.edit_history) > 1
    assert posts[1].edit_history == []  # never edited


def test_a_lists_page_is_rejected_with_what_it_holds(tmp_path: Path) -> None:
    items, _ = read_all(TwitterV2Importer([FIXTURES / "lists_page.jsonl"]))
    records, errors = map_all(TwitterV2Importer, items)
    assert records == [] and len(errors) == 2
    assert "neither tweets nor users (keys: id, name, private)" in str(errors[0][1])
    root = tmp_path / "ws"
    assert veille_cli("init", str(root)).code == 0
    ran = veille_cli("import", "twitter-v2", str(FIXTURES / "lists_page.jsonl"), "-w", str(root))
    assert ran.code == 2
    assert "neither tweets nor users" in ran.stderr


# --- item 11 across lines, files and imports: the store keeps the latest version ----------

LATEST = "Acme rachète Nuvio (en 2027)"
ORIGINAL_URI = "https://x.com/i/status/1700000000000000101"


def edited_workspace(root: Path) -> Path:
    from collect_helpers import make_workspace

    return make_workspace(root, '[[watches]]\nid = "annee"\nquery = "2027"\n')


#: the ids of the three versions, oldest first: the post keeps its edit history
HISTORY = ["1700000000000000101", "1700000000000000105", "1700000000000000109"]


def stored_versions(root: Path) -> list[tuple[str, str, str, list[str]]]:
    from veille.workspace import Workspace

    with Workspace.open(root) as ws:
        rows = ws.store.con.execute(
            "SELECT uri, post_id, text, edit_history FROM posts WHERE network = 'x' ORDER BY uri"
        ).fetchall()
    return [(str(u), str(i), str(t), list(h or [])) for u, i, t, h in rows]


def test_versions_on_several_lines_are_one_post_the_latest(tmp_path: Path) -> None:
    root = edited_workspace(tmp_path / "ws")
    ran = veille_cli(
        "import", "twitter-v2", str(FIXTURES / "edited_across_lines.jsonl"), "-w", str(root)
    )
    assert ran.code == 0, ran.output
    assert stored_versions(root) == [(ORIGINAL_URI, "1700000000000000109", LATEST, HISTORY)]


@pytest.mark.parametrize(
    "order",
    [
        ("edited_part_first.jsonl", "edited_part_latest.jsonl"),
        ("edited_part_latest.jsonl", "edited_part_first.jsonl"),
    ],
)
def test_versions_in_several_files_are_one_post_the_latest(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    from veille.workspace import Workspace

    # in one import (two files), then again in two imports, in either order
    root = edited_workspace(tmp_path / "one")
    paths = [str(FIXTURES / name) for name in order]
    assert veille_cli("import", "twitter-v2", *paths, "-w", str(root)).code == 0
    assert stored_versions(root) == [(ORIGINAL_URI, "1700000000000000109", LATEST, HISTORY)]
    root = edited_workspace(tmp_path / "two")
    for path in paths:
        assert veille_cli("import", "twitter-v2", path, "-w", str(root)).code == 0
    assert stored_versions(root) == [(ORIGINAL_URI, "1700000000000000109", LATEST, HISTORY)]
    # the post is enriched and matched as its latest text says ("2027")
    with Workspace.open(root) as ws:
        matched = ws.store.con.execute(
            "SELECT count(*) FROM matches WHERE watch_id = 'annee' AND uri = ?", [ORIGINAL_URI]
        ).fetchall()[0][0]
        marked = ws.store.con.execute(
            "SELECT count(*) FROM enriched WHERE uri = ?", [ORIGINAL_URI]
        ).fetchall()[0][0]
    assert matched == 1 and marked == 1
