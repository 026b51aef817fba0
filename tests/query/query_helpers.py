"""Fixtures of the query-language tests: an in-memory DuckDB with the store's columns."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from veille.query.sql import install

POSTS_DDL = """
CREATE TABLE posts(uri VARCHAR PRIMARY KEY, network VARCHAR, author_id VARCHAR, text VARCHAR,
                   lang VARCHAR, mentions VARCHAR[], hashtags VARCHAR[], urls VARCHAR[],
                   created_at TIMESTAMP);
CREATE TABLE accounts(network VARCHAR, account_id VARCHAR, handle VARCHAR);
CREATE TABLE enrichments(uri VARCHAR, stage VARCHAR, version VARCHAR, label VARCHAR);
"""


def make_db(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(POSTS_DDL)
    install(con)


def load(con: duckdb.DuckDBPyConnection, posts: Sequence[dict[str, Any]]) -> None:
    """Replace the rows of ``posts``/``accounts``/``enrichments`` with ``posts``: dicts with
    the posts columns plus ``handle`` and ``lang_id`` (detected language, or None)."""
    con.execute("DELETE FROM posts; DELETE FROM accounts; DELETE FROM enrichments;")
    if not posts:
        return
    table = pa.Table.from_pylist(
        [
            {k: p.get(k) for k in ("uri", "network", "author_id", "text", "lang")}
            | {k: p.get(k) or [] for k in ("mentions", "hashtags", "urls")}
            for p in posts
        ],
        schema=pa.schema(
            [("uri", pa.string()), ("network", pa.string()), ("author_id", pa.string()),
             ("text", pa.string()), ("lang", pa.string())]
            + [(k, pa.list_(pa.string())) for k in ("mentions", "hashtags", "urls")]
        ),
    )  # fmt: skip
    con.register("new_posts", table)
    con.execute("INSERT INTO posts SELECT *, TIMESTAMP '2025-01-01' FROM new_posts")
    con.unregister("new_posts")
    accounts = {(p["network"], p["author_id"]): p.get("handle") for p in posts}
    for (network, author), handle in accounts.items():
        con.execute("INSERT INTO accounts VALUES (?, ?, ?)", [network, author, handle])
    for p in posts:
        if p.get("lang_id") is not None:
            con.execute(
                "INSERT INTO enrichments VALUES (?, 'language', '1', ?)", [p["uri"], p["lang_id"]]
            )


@pytest.fixture
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    make_db(con)
    yield con
    con.close()


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Messages in English, whatever the machine's locale."""
    from veille.i18n import language

    monkeypatch.setenv("VEILLE_LANG", "en")
    language.cache_clear()
    yield
    language.cache_clear()
