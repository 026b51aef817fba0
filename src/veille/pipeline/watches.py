"""Watch matching stage: which watches (boolean queries, ``docs/query-language.md``) each
post matches.

Input: the columns of ``INPUT_SCHEMA``; ``lang_id`` when the language stage ran before
(``lang:`` uses it, falling back to the declared ``lang``); and, when present, the list
columns ``urls``, ``mentions`` and ``hashtags`` of ``posts`` (``has:link`` also finds links in
the text, ``has:mention``/``has:hashtag`` also find ``@``/``#`` tokens in it).

Output: ``watch_ids``, the sorted list of the ids of the matching watches (empty list when
none). The enrichment driver writes ``matches(watch_id, uri, matched_at)`` rows from this
column (``veille.flow.enrich.WATCH_COLUMN``).

All watches are evaluated at once on the whole batch (``veille.query.matcher.WatchSet``):
one compiled pass tokenises every post and finds the terms of every watch
(``veille.query.scan``), then only the posts where some term occurs have their triggered
watches evaluated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veille.pipeline.base import append_columns
from veille.query.ast import to_query
from veille.query.matcher import WatchSet
from veille.query.normalize import language_code
from veille.query.parser import QuerySyntaxError

__all__ = ["WatchMatcher"]


def _non_empty(batch: pa.RecordBatch, name: str) -> list[bool] | None:
    if name not in batch.schema.names:
        return None
    column = batch.column(name)
    if not (pa.types.is_list(column.type) or pa.types.is_large_list(column.type)):
        return None
    lengths = column.value_lengths().fill_null(0).to_pylist()
    return [n > 0 for n in lengths]


def _languages(batch: pa.RecordBatch) -> list[str | None]:
    """``language_code(lang_id, lang)`` of each post, computed once per distinct pair."""
    n = batch.num_rows
    pairs = np.zeros(n, dtype=np.int64)
    values: list[list[str | None]] = []
    for name in ("lang_id", "lang"):
        if name in batch.schema.names and n:
            column = batch.column(name)
            if not pa.types.is_dictionary(column.type):
                column = pc.dictionary_encode(column)
            encoded = column
            index = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
            known: list[str | None] = encoded.dictionary.to_pylist()
        else:
            index, known = np.full(n, -1, dtype=np.int64), []
        values.append([*known, None])  # index -1: none
        pairs = pairs * (len(known) + 1) + np.where(index < 0, len(known), index)
    distinct, inverse = np.unique(pairs, return_inverse=True)
    width = len(values[1])
    codes = [language_code(values[0][k // width], values[1][k % width]) for k in distinct.tolist()]
    result: list[str | None] = np.array(codes, dtype=object)[inverse].tolist()
    return result


class WatchMatcher:
    """Enrichment stage over ``watches`` (watch id -> query text).

    Watches whose query does not parse are skipped and listed in ``errors`` (id ->
    ``QuerySyntaxError``, whose message shows the query with a caret), unless ``strict``,
    where the first one raises. ``digest`` identifies the watch set (ids and normalised
    queries), for callers that version matches by watch set."""

    name: ClassVar[str] = "watches"
    #: The matcher's own version; ``version`` adds the watch set's digest, so that adding
    #: or changing a watch makes stored posts pending again (``flow/enrich.py``).
    matcher_version: ClassVar[str] = "1.0.0"
    label_column: ClassVar[str] = "watch_ids"
    confidence_column: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = None
    detail_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(self, watches: Mapping[str, str], *, strict: bool = False) -> None:
        self.watch_set = WatchSet(watches, strict=strict)
        self.errors: dict[str, QuerySyntaxError] = self.watch_set.errors
        h = hashlib.sha256()
        for wid in sorted(self.watch_set.queries):
            h.update(f"{wid}\x00{to_query(self.watch_set.queries[wid])}\x00".encode())
        self.digest = h.hexdigest()[:16]
        self.version = f"{self.matcher_version}+{self.digest}"

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        names = batch.schema.names
        fields = self.watch_set.fields

        def col(name: str) -> list[str | None] | None:
            return batch.column(name).to_pylist() if name in names else None

        langs = _languages(batch) if "lang" in fields else None
        author = "author" in fields
        found = self.watch_set.matching(
            batch.column("text").to_pylist(),
            networks=col("network") if "network" in fields else None,
            langs=langs,
            handles=col("handle") if author else None,
            author_ids=col("author_id") if author else None,
            has_urls=_non_empty(batch, "urls") if "has" in fields else None,
            has_mentions=_non_empty(batch, "mentions") if "has" in fields else None,
            has_hashtags=_non_empty(batch, "hashtags") if "has" in fields else None,
        )
        # the list column from the matching posts only (most posts match nothing)
        counts = np.zeros(batch.num_rows, dtype=np.int32)
        counts[list(found)] = [len(ids) for ids in found.values()]
        offsets = np.zeros(batch.num_rows + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        values = pa.array([w for ids in found.values() for w in ids], pa.string())
        column = pa.ListArray.from_arrays(pa.array(offsets), values)
        return append_columns(batch, {"watch_ids": column})
