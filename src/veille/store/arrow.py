"""Canonical records to Arrow tables, column by column (DuckDB takes Arrow in bulk)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from veille.model import Account, AccountSnapshot, Follow, Post, PostMetrics, Reaction, Tombstone

TS = pa.timestamp("us", tz="UTC")
STR = pa.string()
INT = pa.int64()
LIST = pa.list_(pa.string())

SCHEMAS: dict[type[Any], pa.Schema] = {
    Post: pa.schema(
        [
            ("uri", STR),
            ("network", STR),
            ("post_id", STR),
            ("author_id", STR),
            ("created_at", TS),
            ("collected_at", TS),
            ("text", STR),
            ("lang", STR),
            ("reply_to", STR),
            ("reply_root", STR),
            ("quote_of", STR),
            ("repost_of", STR),
            ("mentions", LIST),
            ("hashtags", LIST),
            ("urls", LIST),
            ("source", STR),
            ("deleted_at", TS),
            ("dated_by", STR),
            ("edit_history", LIST),
        ]
    ),
    Account: pa.schema(
        [
            ("network", STR),
            ("account_id", STR),
            ("handle", STR),
            ("display_name", STR),
            ("bio", STR),
            ("url", STR),
            ("created_at", TS),
            ("first_seen", TS),
        ]
    ),
    AccountSnapshot: pa.schema(
        [
            ("network", STR),
            ("account_id", STR),
            ("observed_at", TS),
            ("followers", INT),
            ("following", INT),
            ("posts", INT),
        ]
    ),
    PostMetrics: pa.schema(
        [
            ("uri", STR),
            ("observed_at", TS),
            ("likes", INT),
            ("reposts", INT),
            ("replies", INT),
            ("quotes", INT),
        ]
    ),
    Reaction: pa.schema(
        [
            ("uri", STR),
            ("network", STR),
            ("author_id", STR),
            ("subject_uri", STR),
            ("kind", STR),
            ("created_at", TS),
        ]
    ),
    Follow: pa.schema(
        [
            ("network", STR),
            ("follower_id", STR),
            ("followee_id", STR),
            ("observed_at", TS),
            ("uri", STR),
            ("created_at", TS),
        ]
    ),
    Tombstone: pa.schema(
        [
            ("key", STR),
            ("kind", STR),
            ("network", STR),
            ("deleted_at", TS),
            ("reason", STR),
        ]
    ),
}


def to_table(kind: type[Any], records: Sequence[Any]) -> pa.Table:
    """An Arrow table of ``records`` (all of type ``kind``) with the store's column types."""
    schema = SCHEMAS[kind]
    columns = [
        pa.array([getattr(r, name) for r in records], type=schema.field(name).type)
        for name in schema.names
    ]
    return pa.Table.from_arrays(columns, schema=schema)
