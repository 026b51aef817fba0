"""Twitter API v2 files (issue 9, items 11-12): an edited tweet is one post, the latest
version; a page of objects that are not tweets says so. Fixtures: tests/fixtures/twitter_v2."""

from __future__ import annotations

from pathlib import Path

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
