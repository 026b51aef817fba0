"""The enrichment driver: runs the stages over stored posts that lack their current
versions, and writes ``enrichments`` (and ``matches`` for the watch stage) through the
store's one writer. New posts are enriched before they are written, inside the ingest job
(``ingest.BatchCommitter``, with ``build_enrichment`` and ``input_batch`` below): this
driver is for new model versions, new watches, rebuilds and posts written without stages.

It is resumable and idempotent: a post counts as enriched once the ``enriched`` table marks
it with the current pipeline key (the set of stage versions), written in the same
transaction as its enrichments. A crash, a new stage version or a new watch simply leaves
posts pending for the next run (import, collect, ``veille enrich``, ``veille rebuild``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
from rich.progress import Progress

from veille.pipeline.base import ENRICHMENT_SCHEMA, INPUT_SCHEMA, Stage
from veille.plugins import stages as registered_stages
from veille.store.read import pending_enrichment, pending_enrichment_count
from veille.store.writes import EnrichJob, Enrichment

if TYPE_CHECKING:
    from veille.workspace import Workspace

#: The stage whose label column lists watch ids; its rows also go to ``matches``.
WATCH_COLUMN = "watch_ids"


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


def match_table(batch: pa.RecordBatch) -> pa.Table:
    """The ``matches`` rows (watch_id, uri) of an enriched batch."""
    if WATCH_COLUMN not in batch.schema.names:
        return pa.table({"watch_id": pa.array([], pa.string()), "uri": pa.array([], pa.string())})
    ids = batch.column(WATCH_COLUMN)
    parents = pc.list_parent_indices(ids)
    return pa.table(
        {
            "watch_id": pc.list_flatten(ids).cast(pa.string()),
            "uri": pc.take(batch.column("uri"), parents).cast(pa.string()),
        }
    )


def match_rows(batch: pa.RecordBatch) -> list[tuple[str, str]]:
    table = match_table(batch)
    return list(
        zip(table.column("watch_id").to_pylist(), table.column("uri").to_pylist(), strict=True)
    )


def build_enrichment(
    stages: Sequence[Stage],
    batch: pa.RecordBatch,
    pipeline: str | None = None,
    seen_before: list[str] | None = None,
) -> Enrichment:
    """Run ``stages`` on ``batch`` (``INPUT_SCHEMA``) and shape what they computed as the
    rows to write. Pure: runs in the producer's thread, before the write."""
    enriched = run_stages(stages, batch)
    return Enrichment(
        pipeline=pipeline or pipeline_key(stages),
        uris=enriched.column("uri"),
        rows=enrichment_rows(stages, enriched),
        matches=match_table(enriched),
        current=[f"{s.name}={s.version}" for s in stages],
        seen_before=list(seen_before or []),
    )


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values


def input_batch(posts: pa.Table, accounts: pa.Table | None) -> pa.RecordBatch:
    """The stages' input (``INPUT_SCHEMA``) for the posts of a batch about to be written:
    those with text and not deleted, each with its author's profile from ``accounts``
    (network, account_id, handle, display_name, bio, url; one row per account), as
    ``enrich_pending`` joins them from the store."""
    keep = pc.and_(pc.is_valid(posts.column("text")), pc.is_null(posts.column("deleted_at")))
    posts = posts.filter(keep)
    n = posts.num_rows
    profile: dict[str, pa.Array | pa.ChunkedArray] = {
        c: pa.nulls(n, pa.string()) for c in ("handle", "display_name", "bio", "url")
    }
    if accounts is not None and accounts.num_rows and n:
        sep = "\x1f"
        post_keys = pc.binary_join_element_wise(
            posts.column("network"), posts.column("author_id"), sep
        )
        account_keys = pc.binary_join_element_wise(
            accounts.column("network"), accounts.column("account_id"), sep
        )
        at = pc.index_in(post_keys, value_set=_array(account_keys))
        for c in profile:
            profile[c] = pc.take(_array(accounts.column(c)), at)
    columns = {
        "uri": posts.column("uri"),
        "network": posts.column("network"),
        "author_id": posts.column("author_id"),
        "text": posts.column("text"),
        "lang": posts.column("lang"),
        **profile,
        "mentions": posts.column("mentions"),
        "hashtags": posts.column("hashtags"),
        "urls": posts.column("urls"),
    }
    return pa.RecordBatch.from_arrays(
        [_array(columns[name]).cast(INPUT_SCHEMA.field(name).type) for name in INPUT_SCHEMA.names],
        schema=INPUT_SCHEMA,
    )


def enrich_pending(
    ws: Workspace, *, progress: Progress | None = None, batch_size: int = 20_000
) -> int:
    """Enrich every stored post that lacks a current stage version. Returns the count.
    The stages of a batch run while the writer commits the previous one."""
    stages = registered_stages(ws.config)
    if not stages:
        return 0
    pipeline = pipeline_key(stages)
    writer = ws.store.writer
    reader_con = ws.store.new_cursor()
    done = 0
    pending: Future[int] | None = None
    try:
        total = pending_enrichment_count(reader_con, pipeline)
        if total == 0:
            return 0
        task = progress.add_task("enrich", total=total, detail="") if progress else None
        # read every pending post first: the writer's commits must not move under the scan
        reader = pending_enrichment(reader_con, pipeline, batch_size)
        for raw in reader:
            batch = pa.RecordBatch.from_arrays(
                [
                    raw.column(name).cast(INPUT_SCHEMA.field(name).type)
                    for name in INPUT_SCHEMA.names
                ],
                schema=INPUT_SCHEMA,
            )
            seen = pc.filter(raw.column("uri"), raw.column("seen_before")).to_pylist()
            job = EnrichJob(build_enrichment(stages, batch, pipeline, seen))
            if pending is not None:
                pending.result()
            pending = writer.submit_job(job)
            done += batch.num_rows
            if progress is not None and task is not None:
                progress.update(task, completed=done, detail=f"{done:,}/{total:,} posts")
        if pending is not None:
            pending.result()
    finally:
        reader_con.close()
    return done
