"""``post_labels``: one row per post with its current label of each stage, kept by the one
writer in the same transaction as the ``enrichments`` rows it derives from.

The views need a post's current sentiment, stakeholder class, language and cue; finding
them in ``enrichments`` (five rows per post and more per stage version, joined by string
URI) made them read every enrichment row of the store. ``post_labels`` holds, per post that
has enrichment rows, what they computed:

- ``sentiment``, ``sentiment_score``, ``stakeholder``, ``language``,
  ``language_confidence``, ``cue``, ``cue_score``, ``cue_detail``: per stage, the label
  (score, confidence, detail) of its latest row, ``arg_max(x, enriched_at)``, exactly the
  expression the views used on ``enrichments`` (``arg_max`` leaves out rows where ``x`` is
  null, as before). Several versions of a stage are kept in ``enrichments``; the current one
  is the latest written. Two rows of one stage cannot share an ``enriched_at``: the writer
  gives all rows of one write the same time and writes one version per stage and post;
- ``network``, ``author_id``, ``created_at``: the post's own, so that a view restricts the
  table to its period by ``created_at`` (posts come in roughly in time order, so DuckDB's
  zone maps skip the rest) and joins it to the period's posts.

There is one definition of the rows, ``ROWS_SQL``: the migration's backfill and
``recompute_labels`` run it over the whole store, ``refresh_labels`` over some URIs (the
writer calls it wherever enrichments or the posts they belong to change),
``add_fresh_labels`` over the rows a write just added (the cheap path of imports and
collection), and the tests compare the table with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    import duckdb

#: The table (``store/schema.py`` migration 9 creates it with these columns).
CREATE_SQL = """CREATE TABLE post_labels (
    uri VARCHAR NOT NULL, network VARCHAR NOT NULL, author_id VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL, sentiment VARCHAR, sentiment_score DOUBLE,
    stakeholder VARCHAR, language VARCHAR, language_confidence DOUBLE, cue VARCHAR,
    cue_score DOUBLE, cue_detail VARCHAR)"""

COLUMNS = (
    "uri",
    "network",
    "author_id",
    "created_at",
    "sentiment",
    "sentiment_score",
    "stakeholder",
    "language",
    "language_confidence",
    "cue",
    "cue_score",
    "cue_detail",
)

#: The stages whose labels are kept.
STAGES = ("sentiment", "stakeholders", "language", "cues")


def _current(column: str, stage: str) -> str:
    return f"arg_max(e.{column}, e.enriched_at) FILTER (WHERE e.stage = '{stage}')"


#: The rows of ``post_labels``; ``{where}`` restricts the enrichments read (``TRUE``: all),
#: ``{enrichments}`` and ``{posts}`` name the tables (or a restriction of them) to read.
ROWS_SQL = f"""
SELECT e.uri, any_value(p.network) AS network, any_value(p.author_id) AS author_id,
       any_value(p.created_at) AS created_at,
       {_current("label", "sentiment")} AS sentiment,
       {_current("score", "sentiment")} AS sentiment_score,
       {_current("label", "stakeholders")} AS stakeholder,
       {_current("label", "language")} AS language,
       {_current("confidence", "language")} AS language_confidence,
       {_current("label", "cues")} AS cue,
       {_current("score", "cues")} AS cue_score,
       {_current("detail", "cues")} AS cue_detail
FROM {{enrichments}} e JOIN {{posts}} p ON p.uri = e.uri
WHERE e.stage IN ({", ".join(f"'{s}'" for s in STAGES)}) AND ({{where}})
GROUP BY e.uri
"""


def rows_sql(where: str = "TRUE", *, enrichments: str = "enrichments", posts: str = "posts") -> str:
    """``ROWS_SQL`` over the enrichments ``where`` keeps (on alias ``e``)."""
    return ROWS_SQL.format(where=where, enrichments=enrichments, posts=posts)


#: The migration's backfill, in time order so that the zone maps of ``created_at`` prune.
BACKFILL_SQL = f"INSERT INTO post_labels SELECT * FROM ({rows_sql()}) ORDER BY created_at, uri"


def recompute_labels(con: duckdb.DuckDBPyConnection) -> int:
    """Replace all of ``post_labels`` by a recompute from ``enrichments`` and ``posts``;
    returns its rows. For stores filled without the writer (``bench/analytics.py``)."""
    con.execute("DELETE FROM post_labels")
    con.execute(BACKFILL_SQL)
    return int(con.execute("SELECT count(*) FROM post_labels").fetchall()[0][0])


def refresh_labels(con: duckdb.DuckDBPyConnection, uris: str) -> None:
    """Recompute the rows of the posts that the query ``uris`` (one column ``uri``) names,
    inside the caller's transaction: a post without enrichment rows any more (deleted,
    forgotten, replaced by a later version) loses its row. Reads all of ``enrichments``
    and ``posts`` (by URI): for deletions and re-enrichments, which scan them anyway."""
    con.execute(f"DELETE FROM post_labels WHERE uri IN ({uris})")
    con.execute(
        f"INSERT INTO post_labels SELECT * FROM ({rows_sql(f'e.uri IN ({uris})')}) "
        "ORDER BY created_at, uri"
    )


def add_fresh_labels(
    con: duckdb.DuckDBPyConnection,
    uris: str,
    written_at: datetime,
    span: tuple[datetime, datetime] | None = None,
) -> None:
    """The rows of posts whose only enrichment rows are the ones just written at
    ``written_at`` (new posts, later versions of edited posts, posts enriched for the first
    time): ``ROWS_SQL`` over the enrichments of that time only, which DuckDB finds at the
    table's end (zone maps of ``enriched_at``, appended in time order), and, when ``span``
    (the posts' first and last ``created_at``) is known, over the posts of that span only.
    Such posts have no row yet; any row left of them (within ``span``) is replaced."""
    where = f"e.enriched_at = $written_at AND e.uri IN ({uris})"
    params: dict[str, object] = {"written_at": written_at}
    posts, within = "posts", ""
    if span is not None:
        params.update(lo=span[0], hi=span[1])
        posts = "(SELECT * FROM posts WHERE created_at >= $lo AND created_at <= $hi)"
        within = "created_at >= $lo AND created_at <= $hi AND "
    delete = f"DELETE FROM post_labels WHERE {within}uri IN ({uris})"
    con.execute(delete, {k: v for k, v in params.items() if k != "written_at"})
    con.execute(
        f"INSERT INTO post_labels SELECT * FROM ({rows_sql(where, posts=posts)}) "
        "ORDER BY created_at, uri",
        params,
    )


def labels_differ(con: duckdb.DuckDBPyConnection) -> int:
    """How many rows ``post_labels`` and a recompute do not share (0: equal); the tests'
    and ``veille check``-style consistency check."""
    columns = ", ".join(COLUMNS)
    sql = f"""SELECT count(*) FROM (
        (SELECT {columns} FROM post_labels EXCEPT ALL SELECT {columns} FROM ({rows_sql()}))
        UNION ALL
        (SELECT {columns} FROM ({rows_sql()}) EXCEPT ALL SELECT {columns} FROM post_labels))"""
    return int(con.execute(sql).fetchall()[0][0])
