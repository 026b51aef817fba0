"""The DuckDB store: one file in the workspace, written through one writer.

Every write is idempotent: posts on their URI, accounts on (network, account_id),
snapshots on their observation time, reactions on their URI, follows on the pair. A batch
and the cursors that it advances are committed in one transaction, so a crash either keeps
both or neither. Tombstones are applied on every write: deleted content is purged and never
written again.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import msgspec
import pyarrow as pa

from veille.errors import VeilleError
from veille.model import (
    Account,
    AccountSnapshot,
    Follow,
    Post,
    PostMetrics,
    Reaction,
    Record,
    Tombstone,
    utcnow,
)
from veille.store.arrow import to_table
from veille.store.schema import MIGRATIONS, SCHEMA_VERSION


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """``table`` visible as ``name`` in SQL for the block. After a failed statement the
    transaction is aborted and ``unregister`` fails too: the original error is kept."""
    con.register(name, table)
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):
            con.unregister(name)
        raise
    con.unregister(name)


_NOT_TOMBSTONED_POST = """
    b.uri NOT IN (SELECT key FROM tombstones WHERE kind = 'post')
    AND (b.network || ':' || b.author_id) NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
"""


@dataclass
class WriteResult:
    """What one write did (enrichment finds new posts by itself: ``flow/enrich.py``)."""

    posts_seen: int = 0
    posts_new: int = 0
    posts_skipped_deleted: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def posts_duplicate(self) -> int:
        return self.posts_seen - self.posts_new - self.posts_skipped_deleted


@dataclass
class Prepared:
    """Records grouped by table, deduplicated on their keys and turned into Arrow tables:
    all the work of a write that needs no database (``prepare``)."""

    posts_seen: int = 0
    posts: pa.Table | None = None
    accounts: pa.Table | None = None
    snapshots: pa.Table | None = None
    metrics: pa.Table | None = None
    reactions: pa.Table | None = None
    follows: pa.Table | None = None
    tombstones: pa.Table | None = None

    def __len__(self) -> int:
        tables = (
            self.posts,
            self.accounts,
            self.snapshots,
            self.metrics,
            self.reactions,
            self.follows,
            self.tombstones,
        )
        return sum(t.num_rows for t in tables if t is not None)


def prepare(records: Sequence[Record]) -> Prepared:
    """Group, deduplicate (first post wins; later non-empty account fields win) and convert
    ``records`` for ``Store.write``. Pure: safe to run in any thread."""
    groups: dict[type[Any], list[Any]] = defaultdict(list)
    for record in records:
        groups[type(record)].append(record)
    out = Prepared(posts_seen=len(groups[Post]))
    if groups[Post]:
        posts: dict[str, Post] = {}
        for post in groups[Post]:
            posts.setdefault(post.uri, post)
        out.posts = to_table(Post, list(posts.values()))
    if groups[Account]:
        out.accounts = to_table(Account, _merge_accounts(groups[Account]))
    if groups[AccountSnapshot]:
        snapshots = {(s.network, s.account_id, s.observed_at): s for s in groups[AccountSnapshot]}
        out.snapshots = to_table(AccountSnapshot, list(snapshots.values()))
    if groups[PostMetrics]:
        metrics = {(m.uri, m.observed_at): m for m in groups[PostMetrics]}
        out.metrics = to_table(PostMetrics, list(metrics.values()))
    if groups[Reaction]:
        out.reactions = to_table(Reaction, list({r.uri: r for r in groups[Reaction]}.values()))
    if groups[Follow]:
        follows = {(f.network, f.follower_id, f.followee_id): f for f in groups[Follow]}
        out.follows = to_table(Follow, list(follows.values()))
    if groups[Tombstone]:
        out.tombstones = to_table(Tombstone, list({t.key: t for t in groups[Tombstone]}.values()))
    return out


def _merge_accounts(accounts: list[Account]) -> list[Account]:
    merged: dict[tuple[str, str], Account] = {}
    for account in accounts:
        key = (account.network, account.account_id)
        old = merged.get(key)
        if old is None:
            merged[key] = msgspec.structs.replace(account)
        else:  # later non-empty fields win
            for name in ("handle", "display_name", "bio", "url", "created_at"):
                if getattr(account, name) is not None:
                    setattr(old, name, getattr(account, name))
    now = utcnow()
    for account in merged.values():
        if account.first_seen is None:
            account.first_seen = now
    return list(merged.values())


class Store:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only and path.exists()
        try:
            self.con = duckdb.connect(str(path), read_only=self.read_only)
        except duckdb.IOException as exc:
            raise VeilleError(
                f"cannot open the store {path}: {exc}", hint="Another program may hold it open."
            ) from None
        self.con.execute("SET TimeZone = 'UTC'")
        self._lock = threading.Lock()
        self._migrate()

    # --- schema -----------------------------------------------------------------------
    def schema_version(self) -> int:
        if not self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ):
            return 0
        value = self.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(value) if value is not None else 0

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise VeilleError(
                f"the store {self.path} has schema {version}, newer than this veille "
                f"({SCHEMA_VERSION})",
                hint="Upgrade veille.",
            )
        if version == SCHEMA_VERSION:
            return
        if self.read_only:
            raise VeilleError(
                f"the store {self.path} needs an upgrade (schema {version} -> {SCHEMA_VERSION})",
                hint="Run a command that writes, e.g. `veille status`.",
            )
        for target in range(version, SCHEMA_VERSION):
            self.con.execute("BEGIN")
            for statement in MIGRATIONS[target]:
                self.con.execute(statement)
            self.con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(target + 1)]
            )
            self.con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()

    # --- writes -----------------------------------------------------------------------
    def write(
        self,
        records: Sequence[Record] | Prepared,
        *,
        cursors: dict[str, str] | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> WriteResult:
        """Write ``records`` and ``cursors`` in one transaction."""
        return self.write_many([(records, cursors or {})], con=con)[0]

    def write_many(
        self,
        jobs: Sequence[tuple[Sequence[Record] | Prepared, dict[str, str]]],
        *,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> list[WriteResult]:
        """Write several (records, cursors) jobs in one transaction; one result each.
        Records may come already ``prepare``d (the writer's producers do it in their own
        thread, so that Arrow conversion overlaps with DuckDB's work)."""
        con = con or self.con
        results = []
        with self._lock:
            con.execute("BEGIN")
            try:
                for records, cursors in jobs:
                    batch = records if isinstance(records, Prepared) else prepare(records)
                    results.append(self._write_job(con, batch, cursors))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return results

    def _write_job(
        self, con: duckdb.DuckDBPyConnection, batch: Prepared, cursors: dict[str, str]
    ) -> WriteResult:
        result = WriteResult(posts_seen=batch.posts_seen)
        if batch.tombstones is not None:
            self._write_tombstones(con, batch.tombstones, result)
        if batch.accounts is not None:
            self._write_accounts(con, batch.accounts, result)
        if batch.posts is not None:
            self._write_posts(con, batch.posts, result)
        if batch.snapshots is not None:
            self._insert_ignore(con, "account_snapshots", batch.snapshots, result)
        if batch.metrics is not None:
            self._insert_ignore(con, "post_metrics", batch.metrics, result)
        if batch.reactions is not None:
            self._insert_ignore(
                con,
                "reactions",
                batch.reactions,
                result,
                "b.uri NOT IN (SELECT key FROM tombstones WHERE kind = 'post') AND "
                "(b.network || ':' || b.author_id) NOT IN "
                "(SELECT key FROM tombstones WHERE kind = 'account')",
            )
        if batch.follows is not None:
            self._write_follows(con, batch.follows, result)
        if batch.tombstones is not None:
            self._apply_tombstones(con, batch.tombstones.column("key").to_pylist())
        for key, value in cursors.items():
            con.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?, ?)", [key, value, utcnow()])
        return result

    def _insert_ignore(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        batch: pa.Table,
        result: WriteResult,
        where: str = "TRUE",
    ) -> int:
        """Insert the rows of ``batch`` whose key is not in ``table`` yet (the batch itself
        holds each key once). Returns how many were inserted."""
        columns = ", ".join(batch.schema.names)
        same = " AND ".join(f"t.{k} = b.{k}" for k in _KEYS[table])
        with registered(con, "veille_batch", batch):
            inserted = int(
                con.execute(
                    f"INSERT INTO {table} ({columns}) SELECT {columns} FROM veille_batch b "
                    f"WHERE ({where}) AND NOT EXISTS (SELECT 1 FROM {table} t WHERE {same})"
                ).fetchall()[0][0]
            )
        result.counts[table] = result.counts.get(table, 0) + inserted
        return inserted

    def _write_posts(
        self, con: duckdb.DuckDBPyConnection, batch: pa.Table, result: WriteResult
    ) -> None:
        skipped = 0
        where = "TRUE"
        if con.execute("SELECT count(*) FROM tombstones").fetchall()[0][0]:
            where = _NOT_TOMBSTONED_POST
            with registered(con, "veille_batch", batch):
                skipped = int(
                    con.execute(
                        f"SELECT count(*) FROM veille_batch b WHERE NOT ({where})"
                    ).fetchall()[0][0]
                )
        result.posts_skipped_deleted += skipped
        result.posts_new += self._insert_ignore(con, "posts", batch, result, where)

    def _write_accounts(
        self, con: duckdb.DuckDBPyConnection, batch: pa.Table, result: WriteResult
    ) -> None:
        with registered(con, "veille_batch", batch):
            con.execute(
                """INSERT INTO accounts (network, account_id, handle, display_name, bio, url,
                       created_at, first_seen, updated_at)
                   SELECT network, account_id, handle, display_name, bio, url, created_at,
                       first_seen, first_seen FROM veille_batch b
                   WHERE (b.network || ':' || b.account_id)
                       NOT IN (SELECT key FROM tombstones WHERE kind = 'account')
                   ON CONFLICT (network, account_id) DO UPDATE SET
                       handle = coalesce(excluded.handle, handle),
                       display_name = coalesce(excluded.display_name, display_name),
                       bio = coalesce(excluded.bio, bio),
                       url = coalesce(excluded.url, url),
                       created_at = coalesce(created_at, excluded.created_at),
                       first_seen = least(first_seen, excluded.first_seen),
                       updated_at = excluded.updated_at"""
            )
        result.counts["accounts"] = result.counts.get("accounts", 0) + batch.num_rows

    def _write_follows(
        self, con: duckdb.DuckDBPyConnection, batch: pa.Table, result: WriteResult
    ) -> None:
        with registered(con, "veille_batch", batch):
            con.execute(
                """INSERT INTO follows (network, follower_id, followee_id, observed_at, uri,
                       created_at)
                   SELECT network, follower_id, followee_id, observed_at, uri, created_at
                   FROM veille_batch b
                   WHERE coalesce(b.uri, '') NOT IN
                       (SELECT key FROM tombstones WHERE kind = 'follow')
                   ON CONFLICT (network, follower_id, followee_id) DO UPDATE SET
                       observed_at = greatest(observed_at, excluded.observed_at),
                       uri = coalesce(excluded.uri, uri),
                       created_at = coalesce(created_at, excluded.created_at),
                       deleted_at = CASE WHEN excluded.uri IS DISTINCT FROM uri
                                         THEN NULL ELSE deleted_at END"""
            )
        result.counts["follows"] = result.counts.get("follows", 0) + batch.num_rows

    def _write_tombstones(
        self, con: duckdb.DuckDBPyConnection, batch: pa.Table, result: WriteResult
    ) -> None:
        with registered(con, "veille_batch", batch):
            rows = con.execute(
                """INSERT OR IGNORE INTO tombstones
                   SELECT key, kind, network, deleted_at, reason, now() FROM veille_batch
                   RETURNING key"""
            ).fetchall()
        result.counts["tombstones"] = result.counts.get("tombstones", 0) + len(rows)

    def _apply_tombstones(self, con: duckdb.DuckDBPyConnection, keys: Iterable[str]) -> None:
        """Purge what the tombstones ``keys`` name (text, entities, enrichments, matches)."""
        con.execute(
            "CREATE OR REPLACE TEMP TABLE veille_keys AS SELECT unnest(?::VARCHAR[]) AS key",
            [list(keys)],
        )
        con.execute("""CREATE OR REPLACE TEMP TABLE veille_purge AS
            SELECT p.uri, t.deleted_at FROM posts p JOIN tombstones t ON t.key = p.uri
                WHERE t.key IN (SELECT key FROM veille_keys)
            UNION ALL
            SELECT p.uri, t.deleted_at FROM posts p
                JOIN tombstones t ON t.key = p.network || ':' || p.author_id
                WHERE t.kind = 'account' AND t.key IN (SELECT key FROM veille_keys)""")
        con.execute("""UPDATE posts SET text = NULL, mentions = [], hashtags = [], urls = [],
                           deleted_at = coalesce(posts.deleted_at, veille_purge.deleted_at)
                       FROM veille_purge WHERE posts.uri = veille_purge.uri""")
        con.execute("DELETE FROM enrichments WHERE uri IN (SELECT uri FROM veille_purge)")
        con.execute("DELETE FROM enriched WHERE uri IN (SELECT uri FROM veille_purge)")
        con.execute("DELETE FROM matches WHERE uri IN (SELECT uri FROM veille_purge)")
        con.execute("DELETE FROM reactions WHERE uri IN (SELECT key FROM veille_keys)")
        con.execute("""DELETE FROM reactions WHERE (network || ':' || author_id) IN
                       (SELECT key FROM veille_keys)""")
        con.execute("""UPDATE follows SET deleted_at = t.deleted_at FROM tombstones t
                       WHERE t.key = follows.uri AND t.key IN (SELECT key FROM veille_keys)""")
        con.execute("""DELETE FROM follows WHERE (network || ':' || follower_id) IN
                       (SELECT key FROM veille_keys)""")
        con.execute("""UPDATE accounts SET handle = NULL, display_name = NULL, bio = NULL,
                       url = NULL WHERE (network || ':' || account_id) IN
                       (SELECT key FROM veille_keys)""")
        con.execute("DROP TABLE veille_purge")
        con.execute("DROP TABLE veille_keys")

    # --- cursors, audit, imports ----------------------------------------------------------
    def get_cursor(self, key: str) -> str | None:
        value = self.scalar("SELECT cursor FROM cursors WHERE source_key = ?", [key])
        return None if value is None else str(value)

    def set_cursor(self, key: str, value: str) -> None:
        self.write([], cursors={key: value})

    def audit(self, action: str, target: str, detail: str = "", actor: str = "cli") -> None:
        self.con.execute(
            "INSERT INTO audit VALUES (?, ?, ?, ?, ?)", [utcnow(), actor, action, target, detail]
        )

    def record_import(self, row: dict[str, Any]) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                row["id"],
                row["source"],
                row["paths"],
                row["started_at"],
                row.get("finished_at"),
                row.get("read", 0),
                row.get("new", 0),
                row.get("duplicates", 0),
                row.get("rejected", 0),
                row.get("status", "running"),
            ],
        )

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.con.execute(sql, list(params)).fetchall()
        return rows[0][0] if rows else None


#: The key of each table written by anti-join (see schema.py).
_KEYS: dict[str, tuple[str, ...]] = {
    "posts": ("uri",),
    "post_metrics": ("uri", "observed_at"),
    "account_snapshots": ("network", "account_id", "observed_at"),
    "reactions": ("uri",),
}
