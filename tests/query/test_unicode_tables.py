"""``query/_unicode_tables.py`` is generated (``python -m veille.query.tables``) from this
Python's ``unicodedata`` and DuckDB's bundled utf8proc. Regenerated here in memory, its
tables must equal the committed ones: when either library changes them, this fails and says
what to run (a new version that changes nothing, as DuckDB 2.0.0 -> 2.0.1, passes)."""

from __future__ import annotations

import itertools
import unicodedata
from typing import Any

import duckdb

from veille.query import _unicode_tables as committed
from veille.query import tables

REGENERATE = (
    f"generated with unicodedata {committed.UNIDATA_VERSION}"
    f" and DuckDB {committed.DUCKDB_VERSION}, "
    f"running {unicodedata.unidata_version} and {duckdb.__version__}: "
    "regenerate with `python -m veille.query.tables`"
)


def test_regenerated_tables_equal_the_committed_ones() -> None:
    word, mark, fold = tables.compute()
    fresh: dict[str, Any] = {}
    exec(compile(tables.render(word, mark, fold), "<regenerated>", "exec"), fresh)
    assert fresh["WORD_RANGES"] == committed.WORD_RANGES, REGENERATE
    assert fresh["MARK_RANGES"] == committed.MARK_RANGES, REGENERATE
    assert fresh["SQL_FOLD"] == committed.SQL_FOLD, REGENERATE
    # and the rendering holds what was computed
    assert list(fresh["WORD_RANGES"]) == word
    assert fresh["SQL_FOLD"] == {ord(k): v for k, v in fold.items()}


def test_tables_are_sorted_disjoint_ranges() -> None:
    for table in (committed.WORD_RANGES, committed.MARK_RANGES):
        assert all(a <= b for a, b in table)
        assert all(b < c for (_, b), (c, _) in itertools.pairwise(table))
