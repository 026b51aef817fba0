"""``veille query check`` and ``veille search`` (search runs against a real DuckDB)."""

from __future__ import annotations

import duckdb
from query_helpers import english, load, make_db  # noqa: F401
from typer.testing import CliRunner

from veille.cli.app import app
from veille.query import QuerySyntaxError
from veille.query.sql import compile_sql
from veille.store.read import search_posts

runner = CliRunner()


def test_check_valid_and_invalid() -> None:
    ok = runner.invoke(app, ["query", "check", "Acme NEAR/3 rachat lang:fr"])
    assert ok.exit_code == 0 and "acme NEAR/3 rachat" in ok.output
    bad = runner.invoke(app, ["query", "check", "acme AND"])
    # veille.cli.app.main turns the error into the caret message on stderr and exit code 2
    assert isinstance(bad.exception, QuerySyntaxError) and bad.exception.exit_code == 2
    assert "^" in bad.exception.message


def test_explain_prints_sql() -> None:
    out = runner.invoke(app, ["query", "explain", "acme"])
    assert out.exit_code == 0 and "veille_stream" in out.output


def test_search_posts_newest_first() -> None:
    con = duckdb.connect()
    make_db(con)
    base = {"network": "bluesky", "lang": "fr", "lang_id": None, "author_id": "did:x",
            "handle": "alice.bsky.social", "urls": [], "mentions": [], "hashtags": []}  # fmt: skip
    load(con, [base | {"uri": "a", "text": "Acme rachète"}, base | {"uri": "b", "text": "d'Acme"},
               base | {"uri": "c", "text": "rien"}])  # fmt: skip
    con.execute("UPDATE posts SET created_at = TIMESTAMP '2025-02-01' WHERE uri = 'b'")
    rows = search_posts(con, compile_sql("acme"), 10)
    assert [r["uri"] for r in rows] == ["b", "a"]
    assert rows[0]["author"] == "alice.bsky.social"
    assert [r["uri"] for r in search_posts(con, compile_sql("acme"), 1)] == ["b"]
