"""Watch matching stage: which watches (boolean queries, ``docs/query-language.md``) each
post matches.

Input: the columns of ``INPUT_SCHEMA``; ``lang_id`` when the language stage ran before
(``lang:`` uses it, falling back to the declared ``lang``); and, when present, the list
columns ``urls``, ``mentions`` and ``hashtags`` of ``posts`` (``has:link`` also finds links in
the text, ``has:mention``/``has:hashtag`` also find ``@``/``#`` tokens in it).

Output: ``watch_ids``, the sorted list of the ids of the matching watches (empty list when
none). The enrichment driver writes ``matches(watch_id, uri, matched_at)`` rows from this
column (``veille.pipeline.enrich.WATCH_COLUMN``).

All watches are evaluated at once (``veille.query.matcher.WatchSet``): one Aho-Corasick pass
per post over the terms of every watch, then only the triggered watches are evaluated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import ClassVar, overload

import numpy as np
import pyarrow as pa

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


class _Languages(Sequence[str | None]):
    """The language of each post, ``language_code(detected, declared)``, computed when read
    (the matcher only reads it for the posts where some watch term occurs)."""

    def __init__(self, detected: list[str | None], declared: list[str | None]) -> None:
        self._detected = detected
        self._declared = declared

    def __len__(self) -> int:
        return len(self._detected)

    @overload
    def __getitem__(self, i: int) -> str | None: ...

    @overload
    def __getitem__(self, i: slice) -> list[str | None]: ...

    def __getitem__(self, i: int | slice) -> str | list[str | None] | None:
        if isinstance(i, slice):
            pairs = zip(self._detected[i], self._declared[i], strict=True)
            return [language_code(d, g) for d, g in pairs]
        return language_code(self._detected[i], self._declared[i])


class WatchMatcher:
    """Enrichment stage over ``watches`` (watch id -> query text).

    Watches whose query does not parse are skipped and listed in ``errors`` (id ->
    ``QuerySyntaxError``, whose message shows the query with a caret), unless ``strict``,
    where the first one raises. ``digest`` identifies the watch set (ids and normalised
    queries), for callers that version matches by watch set."""

    name: ClassVar[str] = "watches"
    #: The matcher's own version; ``version`` adds the watch set's digest, so that adding
    #: or changing a watch makes stored posts pending again (``pipeline/enrich.py``).
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

        langs: _Languages | None = None
        if "lang" in fields:
            none: list[str | None] = [None] * batch.num_rows
            langs = _Languages(col("lang_id") or none, col("lang") or none)
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
