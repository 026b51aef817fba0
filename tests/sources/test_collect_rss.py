"""RSS/Atom: mapping, conditional GET, local files, and ``veille collect --source rss``."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from collect_helpers import FakeClock, make_workspace
from veille.model import Account, Post
from veille.sources.base import MappingError, RawItem, Reject
from veille.sources.http import PoliteClient
from veille.sources.rss import (
    RssConnector,
    RssFileImporter,
    RssOptions,
    news_search_url,
    parse_feed,
    strip_html,
)

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Le blog d'Acme</title><link>https://acme.example/</link><language>fr-FR</language>
<description>Nouvelles</description>
<item><title>Rachat : Acme dément</title><link>https://acme.example/rachat</link>
<guid isPermaLink="false">acme-42</guid><pubDate>Mon, 23 Nov 2026 08:00:00 +0100</pubDate>
<description>&lt;p&gt;Acme &lt;b&gt;dément&lt;/b&gt; toute
&amp;quot;rumeur&amp;quot;.&lt;/p&gt;</description></item>
<item><title>Sans guid</title><link>https://acme.example/sans-guid</link></item>
</channel></rss>"""

ATOM_NEWS = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>"Marie Dupont" - Google Actualités</title>
<link rel="self" href="https://news.example/rss/search?q=marie"/>
<id>urn:x</id><updated>2026-11-23T07:00:00Z</updated>
<entry><title>Marie Dupont nommée</title><id>tag:news,2026:1</id>
<link href="https://journal.example/article"/><updated>2026-11-23T06:00:00Z</updated>
<source><title>Le Journal</title><link href="https://journal.example"/><id>https://journal.example</id></source>
<summary type="html">&lt;a href="x"&gt;Marie Dupont&lt;/a&gt; prend la tête</summary></entry>
</feed>"""


def raw(feed_url: str, body: str) -> RawItem:
    return RawItem.of(
        "rss",
        feed_url,
        {
            "feed_url": feed_url,
            "fetched_at": "2026-11-23T09:00:00Z",
            "status": 200,
            "etag": None,
            "last_modified": None,
            "body": body,
        },
    )


def test_rss_items_become_web_posts() -> None:
    records = RssConnector.to_records(raw("https://acme.example/feed.xml", RSS))
    account = records[0]
    assert isinstance(account, Account) and account.display_name == "Le blog d'Acme"
    posts = [r for r in records if isinstance(r, Post)]
    assert [p.uri for p in posts] == [
        "https://acme.example/feed.xml#acme-42",
        "https://acme.example/feed.xml#https://acme.example/sans-guid",
    ]
    first = posts[0]
    assert first.network == "web" and first.author_id == "https://acme.example/feed.xml"
    assert first.text == 'Rachat : Acme dément\n\nAcme dément toute "rumeur".'
    assert first.urls == ["https://acme.example/rachat"] and first.lang == "fr"
    assert first.created_at.isoformat() == "2026-11-23T07:00:00+00:00"
    assert posts[1].created_at.isoformat() == "2026-11-23T09:00:00+00:00"  # fetched_at


def test_news_feed_entries_are_authored_by_their_source() -> None:
    posts = [
        r
        for r in RssConnector.to_records(raw(news_search_url('"Marie Dupont"'), ATOM_NEWS))
        if isinstance(r, Post)
    ]
    assert posts[0].author_id == "https://journal.example"
    assert posts[0].text == "Marie Dupont nommée\n\nMarie Dupont prend la tête"


def test_news_search_url() -> None:
    assert news_search_url('"Marie Dupont"') == (
        "https://news.google.com/rss/search?q=%22Marie+Dupont%22&hl=fr&gl=FR&ceid=FR%3Afr"
    )


def test_not_a_feed_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="not a readable"):
        RssConnector.to_records(raw("https://x.example/feed", "<html><body>404</body>"))


def test_conditional_get_saves_and_sends_validators(httpserver: HTTPServer) -> None:
    seen: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        seen.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(
            RSS,
            content_type="application/rss+xml",
            headers={"ETag": '"v1"', "Last-Modified": "Mon, 23 Nov 2026 07:00:00 GMT"},
        )

    httpserver.expect_request("/feed.xml").respond_with_handler(handler)
    url = httpserver.url_for("/feed.xml")
    clock = FakeClock()
    http = PoliteClient(sleep=clock.sleep, clock=clock)
    first = RssConnector(RssOptions(feeds=[url]), client=http)
    items = list(first.fetch(None))
    assert len(items) == 1 and isinstance(items[0], RawItem)
    body = msgspec.json.decode(items[0].payload)
    assert body["etag"] == '"v1"' and body["status"] == 200 and "<rss" in body["body"]
    cursor = first.cursor
    assert cursor is not None and json.loads(cursor)[url]["etag"] == '"v1"'
    second = RssConnector(RssOptions(feeds=[url]), client=http)
    assert list(second.fetch(cursor)) == []
    assert seen[1]["If-None-Match"] == '"v1"'
    assert seen[1]["If-Modified-Since"] == "Mon, 23 Nov 2026 07:00:00 GMT"


def test_http_errors_are_rejects_and_other_feeds_go_on(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone").respond_with_data("gone", status=410)
    httpserver.expect_request("/ok").respond_with_data(RSS)
    clock = FakeClock()
    connector = RssConnector(
        RssOptions(feeds=[httpserver.url_for("/gone"), httpserver.url_for("/ok")]),
        client=PoliteClient(sleep=clock.sleep, clock=clock),
    )
    items = list(connector.fetch(None))
    assert isinstance(items[0], Reject) and "410" in items[0].reason
    assert isinstance(items[1], RawItem)


def test_local_feed_files(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_text(ATOM_NEWS, encoding="utf-8")
    (tmp_path / "b.xml").write_bytes(
        RSS.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    )
    items = list(RssFileImporter([tmp_path]).fetch())
    assert len(items) == 2 and all(isinstance(i, RawItem) for i in items)
    posts = [
        r
        for i in items
        if isinstance(i, RawItem)
        for r in RssFileImporter.to_records(i)
        if isinstance(r, Post)
    ]
    # the Atom file names its own URL (rel=self): its posts are keyed by it
    assert posts[0].uri == "https://news.example/rss/search?q=marie#tag:news,2026:1"
    assert any(p.text and "dément" in p.text for p in posts)  # latin-1 decoded


def test_strip_html() -> None:
    assert strip_html("<p>a&amp;b<br/>c</p><script>x</script>") == "a&b\nc"


@settings(max_examples=60)
@given(st.text(max_size=400))
def test_any_body_maps_or_is_a_mapping_error(body: str) -> None:
    try:
        records = parse_feed({"feed_url": "https://f.example/x", "body": body}, "fuzz")
    except MappingError:
        return
    assert all(isinstance(r, Post | Account) for r in records)


@settings(max_examples=40)
@given(st.lists(st.tuples(st.text(max_size=40), st.text(max_size=80)), max_size=5))
def test_generated_feeds_map_every_item(entries: list[tuple[str, str]]) -> None:
    from xml.sax.saxutils import escape

    items = "".join(
        f"<item><title>{escape(t)}</title><guid>g{i}</guid>"
        f"<description>{escape(d)}</description></item>"
        for i, (t, d) in enumerate(entries)
    )
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    )
    posts = [
        r
        for r in parse_feed({"feed_url": "https://f.example/x", "body": body}, "fuzz")
        if isinstance(r, Post)
    ]
    assert [p.post_id for p in posts] == [f"g{i}" for i in range(len(entries))]


def test_veille_collect_source_rss(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        RSS, content_type="application/rss+xml", headers={"ETag": '"abc"'}
    )
    root = make_workspace(
        tmp_path / "ws",
        f"""
[sources.rss]
feeds = ["{httpserver.url_for("/feed.xml")}"]
""",
    )
    from veille.cli.app import app

    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "collect",
            "--workspace",
            str(root),
            "--source",
            "rss",
            "--format",
            "json",
            "--quiet",
            "--no-enrich",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rss"]["new"] == 2
    assert summary["rss"]["state"]["last_success"] is not None
    assert summary["rss"]["state"]["rate_limits"]
    again = runner.invoke(
        app,
        [
            "collect",
            "--workspace",
            str(root),
            "--source",
            "rss",
            "--format",
            "json",
            "--quiet",
            "--no-enrich",
        ],
    )
    assert json.loads(again.stdout)["rss"]["new"] == 0


def test_run_polls_on_schedule_and_stops(tmp_path: Path, httpserver: HTTPServer) -> None:
    from veille.flow.collect import run, states
    from veille.workspace import Workspace

    httpserver.expect_request("/feed.xml").respond_with_data(RSS)
    root = make_workspace(
        tmp_path / "ws",
        f"""
[sources.rss]
feeds = ["{httpserver.url_for("/feed.xml")}"]
""",
    )
    enriched: list[int] = []
    stop = threading.Event()

    def after_cycle() -> None:
        enriched.append(1)
        if len(enriched) >= 2:
            stop.set()

    with Workspace.open(root) as ws:
        # stopped after two cycles; --max-seconds bounds it if that never comes
        run(ws, interval=0.2, max_seconds=120.0, stop=stop, enrich=after_cycle)
        rows = {r["source"]: r for r in states(ws)}
        assert ws.store.scalar("SELECT count(*) FROM posts") == 2
    assert len(httpserver.log) >= 2 and len(enriched) >= 2
    assert rows["rss"]["items_total"] >= 2 and rows["rss"]["last_error"] is None
