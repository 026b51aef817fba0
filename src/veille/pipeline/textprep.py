"""Text preparation shared by the enrichment stages: null-safe, bounded, always encodable.

Every stage sees the same cleaned text: nulls become ``""``, text is cut to
``MAX_CHARS`` characters *before* any identification or scoring (a 1 MB post costs the
same as a long one), and lone surrogates (which cannot be encoded to UTF-8) become U+FFFD.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa

#: Characters looked at per post. Tweets are 280, Bluesky 300, Mastodon 500 by default,
#: LinkedIn 3,000; the first 2,000 characters settle both language and sentiment.
MAX_CHARS = 2000

_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def clean_texts(values: Iterable[str | None], max_chars: int = MAX_CHARS) -> list[str]:
    """Nulls as ``""``, cut to ``max_chars``, lone surrogates replaced by U+FFFD."""
    out = [v[:max_chars] if v else "" for v in values]
    joined = "\n".join(out)
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        out = [_encodable(v) for v in out]
    return out


def text_column(batch: pa.RecordBatch, column: str = "text") -> list[str]:
    """The ``text`` column of ``batch`` as cleaned Python strings (see ``clean_texts``)."""
    if column not in batch.schema.names:
        raise KeyError(f"input batch has no {column!r} column (columns: {batch.schema.names})")
    values = batch.column(column)
    try:
        return clean_texts(values.to_pylist())
    except UnicodeDecodeError:
        # bytes that are not UTF-8 (a column built without validation): U+FFFD for them
        raw = values.view(pa.binary()) if pa.types.is_string(values.type) else values
        return clean_texts(
            [None if b is None else b.decode("utf-8", "replace") for b in raw.to_pylist()]
        )
