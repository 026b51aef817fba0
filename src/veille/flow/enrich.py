"""The enrichment driver: runs the stages over stored posts that lack their current
versions, and writes ``enrichments`` (and ``matches`` for the watch stage).

It is resumable and idempotent: a post counts as enriched once the ``enriched`` table marks
it with the current pipeline key (the set of stage versions), written in the same
transaction as its enrichments. A crash, a new stage version or a new watch simply leaves
posts pending for the next run (import, collect, ``veille enrich``, ``veille rebuild``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
from rich.progress import Progress

from veille.model import utcnow
from veille.pipeline.base import ENRICHMENT_SCHEMA, INPUT_SCHEMA, Stage
from veille.plugins import stages as registered_stages
from veille.store.store import registered

if TYPE_CHECKING:
    import duckdb

    from veille.workspace import Workspace

#: The stage whose label column lists watch ids; its rows also go to ``matches``.
WATCH_COLUMN = "watch_ids"

_INPUT_SQL = """
SELECT p.uri, p.network, p.author_id, p.text, p.lang, a.handle, a.display_name, a.bio, a.url,
       p.mentions, p.hashtags, p.urls,
       EXISTS (SELECT 1 FROM enriched x WHERE x.uri = p.uri) AS seen_before
FROM posts p
LEFT JOIN accounts a ON a.network = p.network AND a.account_id = p.author_id
WHERE p.text IS NOT NULL AND p.deleted_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM enriched e WHERE e.uri = p.uri AND e.pipeline = $pipeline)
"""


def pipeline_key(stages: Sequence[Stage]) -> str:
    """Names the set of current stage versions: a post enriched under another key is
    pending again."""
    spec = "|".join(f"{s.name}={s.version}" for s in stages)
    return hashlib.sha1(spec.encode()).hexdigest()[:16]


def run_stages(stages: Sequence[Stage], batch: pa.RecordBatch) -> pa.RecordBatch:
    for stage in stages:
        batch = stage(batch)
    return batch


def enrichment_rows(stages: Sequence[Stage], batch: pa.RecordBatch) -> pa.Table:
    """The ``enrichments`` rows of an enriched batch: one per post and stage."""
    n = batch.num_rows
    parts = []
    uris = batch.column("uri")
    for stage in stages:
        label = batch.column(stage.label_column)
        if pa.types.is_list(label.type):
            label = pa.array([",".join(v) if v else None for v in label.to_pylist()], pa.string())
        conf = (
            batch.column(stage.confidence_column).cast(pa.float64())
            if stage.confidence_column
            else pa.nulls(n, pa.float64())
        )
        score = (
            batch.column(stage.score_column).cast(pa.float64())
            if stage.score_column
            else pa.nulls(n, pa.float64())
        )
        if stage.detail_columns:
            cols = {c: batch.column(c).to_pylist() for c in stage.detail_columns}
            detail = pa.array(
                [json.dumps({c: cols[c][i] for c in cols}, ensure_ascii=False) for i in range(n)],
                pa.string(),
            )
        else:
            detail = pa.nulls(n, pa.string())
        parts.append(
            pa.Table.from_arrays(
                [
                    uris,
                    pa.array([stage.name] * n, pa.string()),
                    pa.array([stage.version] * n, pa.string()),
                    label.cast(pa.string()),
                    conf,
                    score,
                    detail,
                ],
                schema=ENRICHMENT_SCHEMA,
            )
        )
    return pa.concat_tables(parts)


def match_rows(batch: pa.RecordBatch) -> list[tuple[str, str]]:
    if WATCH_COLUMN not in batch.schema.names:
        return []
    out: list[tuple[str, str]] = []
    for uri, ids in zip(
        batch.column("uri").to_pylist(), batch.column(WATCH_COLUMN).to_pylist(), strict=True
    ):
        out.extend((watch, uri) for watch in ids or ())
    return out


def write_enrichments(
    con: duckdb.DuckDBPyConnection,
    stages: Sequence[Stage],
    batch: pa.RecordBatch,
    pipeline: str,
    seen_before: list[str],
) -> None:
    """Write the enrichments, matches and pipeline markers of one enriched batch, in one
    transaction. Posts enriched before under another pipeline first lose the rows that
    this run recomputes (same stage and version), their matches and their old marker."""
    rows = enrichment_rows(stages, batch)
    matches = match_rows(batch)
    now = utcnow()
    markers = pa.table({"uri": batch.column("uri"), "pipeline": [pipeline] * batch.num_rows})
    current = [f"{s.name}={s.version}" for s in stages]
    con.execute("BEGIN")
    try:
        if seen_before:
            again = pa.table({"uri": seen_before})
            with registered(con, "veille_again", again):
                con.execute(
                    "DELETE FROM enrichments WHERE uri IN (SELECT uri FROM veille_again) "
                    "AND stage || '=' || version IN (SELECT unnest(?::VARCHAR[]))",
                    [current],
                )
                con.execute("DELETE FROM matches WHERE uri IN (SELECT uri FROM veille_again)")
                con.execute("DELETE FROM enriched WHERE uri IN (SELECT uri FROM veille_again)")
        with registered(con, "veille_enriched", rows):
            con.execute("INSERT INTO enrichments SELECT *, ? FROM veille_enriched", [now])
        with registered(con, "veille_markers", markers):
            con.execute("INSERT INTO enriched SELECT uri, pipeline, ? FROM veille_markers", [now])
        if matches:
            table = pa.table({"watch_id": [m[0] for m in matches], "uri": [m[1] for m in matches]})
            with registered(con, "veille_matches", table):
                con.execute(
                    "INSERT OR IGNORE INTO matches SELECT watch_id, uri, ? FROM veille_matches",
                    [now],
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def enrich_pending(
    ws: Workspace, *, progress: Progress | None = None, batch_size: int = 20_000
) -> int:
    """Enrich every stored post that lacks a current stage version. Returns the count."""
    stages = registered_stages(ws.config)
    if not stages:
        return 0
    con = ws.store.con
    pipeline = pipeline_key(stages)
    reader_con = con.cursor()
    writer_con = con.cursor()
    done = 0
    try:
        params = {"pipeline": pipeline}
        total = int(
            reader_con.execute(f"SELECT count(*) FROM ({_INPUT_SQL})", params).fetchall()[0][0]
        )
        if total == 0:
            return 0
        task = progress.add_task("enrich", total=total, detail="") if progress else None
        reader = reader_con.sql(_INPUT_SQL, params=params).to_arrow_reader(batch_size)
        for raw in reader:
            batch = pa.RecordBatch.from_arrays(
                [
                    raw.column(name).cast(INPUT_SCHEMA.field(name).type)
                    for name in INPUT_SCHEMA.names
                ],
                schema=INPUT_SCHEMA,
            )
            seen = pc.filter(raw.column("uri"), raw.column("seen_before")).to_pylist()
            enriched = run_stages(stages, batch)
            write_enrichments(writer_con, stages, enriched, pipeline, seen)
            done += batch.num_rows
            if progress is not None and task is not None:
                progress.update(task, completed=done, detail=f"{done:,}/{total:,} posts")
    finally:
        reader_con.close()
        writer_con.close()
    return done
