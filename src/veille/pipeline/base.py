"""The stage contract.

A stage is a pure function from an Arrow record batch to the same batch with its own
columns added. Stages run in order (language before the watch matcher, which filters on
``lang:``), in the import and collection path, in ``veille enrich``/``veille rebuild``, and
inside Spark (``mapInArrow``). Each carries a ``version``; re-enrichment writes new rows for a
new version, it never edits old ones.

Input columns (``INPUT_SCHEMA``) come from ``posts`` joined to the author's ``accounts`` row.
Each stage declares how its output columns become rows of the ``enrichments`` table:
``label_column`` (required), ``confidence_column`` and ``score_column`` (optional) and
``detail_columns`` (stored as one JSON object).
"""

from __future__ import annotations

from typing import ClassVar, Protocol, runtime_checkable

import pyarrow as pa

INPUT_SCHEMA = pa.schema(
    [
        ("uri", pa.string()),
        ("network", pa.string()),
        ("author_id", pa.string()),
        ("text", pa.string()),
        ("lang", pa.string()),  # declared by the network, may be null
        ("handle", pa.string()),
        ("display_name", pa.string()),
        ("bio", pa.string()),
        ("url", pa.string()),
        ("mentions", pa.list_(pa.string())),
        ("hashtags", pa.list_(pa.string())),
        ("urls", pa.list_(pa.string())),
    ]
)

ENRICHMENT_SCHEMA = pa.schema(
    [
        ("uri", pa.string()),
        ("stage", pa.string()),
        ("version", pa.string()),
        ("label", pa.string()),
        ("confidence", pa.float64()),
        ("score", pa.float64()),
        ("detail", pa.string()),  # JSON object or null
    ]
)


@runtime_checkable
class Stage(Protocol):
    name: ClassVar[str]
    label_column: ClassVar[str]
    confidence_column: ClassVar[str | None]
    score_column: ClassVar[str | None]
    detail_columns: ClassVar[tuple[str, ...]]

    @property
    def version(self) -> str:
        """The model/rules version (a class constant, or per instance when it depends on
        configuration, e.g. the watch set)."""
        ...

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Return ``batch`` with this stage's output columns appended."""
        ...


def append_columns(batch: pa.RecordBatch, columns: dict[str, pa.Array]) -> pa.RecordBatch:
    """``batch`` with ``columns`` added (replacing columns of the same name)."""
    names = [n for n in batch.schema.names if n not in columns]
    arrays = [batch.column(n) for n in names] + list(columns.values())
    return pa.RecordBatch.from_arrays(arrays, names=names + list(columns))
