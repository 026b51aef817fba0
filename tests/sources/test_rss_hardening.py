"""Feeds as they are found in the wild (issue 9, items 1-3 and 18): encodings, content types
and HTML, undated entries, files that are not feeds. Fixtures: ``tests/fixtures/feeds``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import veille_cli
from veille.model import Account, Post, Record
from veille.sources.base import MappingError, RawItem, Reject
from veille.sources.htmltext import html_to_text
from veille.sources.rss import RssFileImporter, body_fields, feed_bytes, parse_feed

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
ACCENTED = "La criminalité liée à la fraude"


def records_of(name: str) -> list[Record]:
    items = list(RssFileImporter([FEEDS / name]).fetch())
    assert len(items) == 1 and isinstance(items[0], RawItem), items
    return RssFileImporter.to_records(items[0])


def posts_of(name: str) -> list[Post]:
    return [r for r in records_of(name) if isinstance(r, Post)]


@pytest.mark.parametrize(
    "name", ["utf16le_bom.xml", "utf32_bom.xml", "latin1_undeclared.xml", "cp1252_undeclared.xml"]
)
def test_feed_encodings_are_read_from_the_bytes(name: str) -> None:
    records = records_of(name)
    account = records[0]
    assert isinstance(account, Account) and account.display_name == "Blog d'Acmé"
    (post,) = [r for r in records if isinstance(r, Post)]
    assert post.text is not None and post.text.startswith(ACCENTED + "\n\nÉlève, garçon, ")
    assert "\ufffd" not in post.text


def test_raw_item_keeps_the_exact_bytes() -> None:
    for name in ("utf16le_bom.xml", "latin1_undeclared.xml", "html_content_types.xml"):
        content = (FEEDS / name).read_bytes()
        assert feed_bytes(body_fields(content), name) == content
    assert "body" in body_fields(b"<rss/>") and "body_base64" in body_fields(b"\xff\xfe<\x00")


def test_html_by_content_type_with_a_parser() -> None:
    first, second = posts_of("html_content_types.xml")
    # text/plain title: kept as written; text/html content: sanitised, then read as HTML
    assert first.text == "History of the <blink> tag\n\nBefore\nif a < b then\nAfter"
    assert "alert" not in first.text and "color" not in first.text and "-->" not in first.text
    assert second.text == "Bold move\n\nOne\nTwo & three"


def test_html_to_text() -> None:
    assert html_to_text("<p>a &lt; b</p><script>var x = '<p>';</script>c") == "a < b\nc"
    assert html_to_text("x < y and y > z") == "x < y and y > z"
    assert html_to_text("a<!-- x > y -->b") == "ab"
    assert html_to_text("<style>p{}</style><ul><li>un</li><li>deux</li></ul>") == "un\ndeux"
    assert html_to_text("A &amp;lt; B") == "A &lt; B"
    assert html_to_text("<p>broken <b>markup") == "broken markup"


def test_undated_entries_take_the_feed_date_or_the_time_collected() -> None:
    undated, dated = posts_of("undated_items.xml")
    assert undated.dated_by == "feed"
    assert undated.created_at.isoformat() == "2026-11-17T12:00:00+00:00"  # lastBuildDate
    assert dated.dated_by == "entry" and dated.created_at.isoformat().startswith("2026-11-16")
    collected, _ = posts_of("undated_channel.xml")
    assert collected.dated_by == "collected"
    assert collected.created_at == collected.collected_at  # never the file's mtime


def test_dated_by_reaches_the_store(tmp_path: Path) -> None:
    from veille.flow.ingest import ingest
    from veille.workspace import Workspace
    from veille.workspace.workspace import init_workspace

    init_workspace(tmp_path / "ws", "")
    with Workspace.open(tmp_path / "ws") as ws:
        ingest(ws, RssFileImporter([FEEDS / "undated_items.xml"]))
        rows = ws.store.con.execute(
            "SELECT post_id, dated_by FROM posts ORDER BY post_id"
        ).fetchall()
    assert rows == [("u1", "feed"), ("u2", "entry")]


@pytest.mark.parametrize("name", ["empty.xml", "not_a_feed.html"])
def test_files_that_are_not_feeds(name: str) -> None:
    items = list(RssFileImporter([FEEDS / name]).fetch())
    if isinstance(items[0], Reject):
        assert "not a readable RSS/Atom feed" in items[0].reason
        return
    with pytest.raises(MappingError, match="not a readable RSS/Atom feed"):
        RssFileImporter.to_records(items[0])


@pytest.mark.parametrize("name", ["empty.xml", "not_a_feed.html"])
def test_import_of_a_non_feed_exits_2_without_a_phantom_account(tmp_path: Path, name: str) -> None:
    from veille.workspace import Workspace

    root = tmp_path / "ws"
    assert veille_cli("init", str(root)).code == 0
    result = veille_cli("import", "rss-file", str(FEEDS / name), "-w", str(root), "-q")
    assert result.code == 2, result.output
    with Workspace.open(root) as ws:
        assert ws.store.scalar("SELECT count(*) FROM accounts") == 0


def test_old_raw_items_with_decoded_bodies_still_map() -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>é</title>'
    body += "<item><guid>1</guid><title>ça</title></item></channel></rss>"
    raw = {"feed_url": "https://x.example/f", "fetched_at": "2026-11-01T00:00:00Z", "body": body}
    posts = [r for r in parse_feed(raw, "x") if isinstance(r, Post)]
    assert [p.text for p in posts] == ["ça"]
    assert json.loads(json.dumps(body_fields(body.encode())))["body"] == body
