"""The DuckDB store: one file in the workspace, written through one writer.

Every write is idempotent: posts on their URI, accounts on (network, account_id),
snapshots on their observation time, reactions on their URI, follows on the pair. A batch
and the cursors that it advances are committed in one transaction, so a crash either keeps
both or neither. Tombstones are applied on every write: deleted content is purged and never
written again.

All writes go through the store's one writer (``Store.writer``, ``store/writer.py``): the
methods here that write (``write``, ``set_cursor``, ``audit``, ``record_import``) submit a
job and wait for its commit. ``Store.con`` is a connection per thread (the writer has its
own), so readers in any thread never block the writer nor each other.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import msgspec
import pyarrow as pa
import pyarrow.compute as pc

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
from veille.store.links import KEY_COLUMNS, add_links, refresh_links
from veille.store.post_updates import (
    later_version,
    replace_later_versions,
    resolve_reply_locators,
)
from veille.store.rawindex import (
    RawIndex,
    indexed_sizes,
    known_items,
    segments_holding,
    write_raw_index,
)
from veille.store.schema import MIGRATIONS, SCHEMA_VERSION, TABLE_KEYS
from veille.store.writer import Job, fault_point
from veille.store.writes import AuditJob, Enrichment, ImportJob, write_enrichment

if TYPE_CHECKING:
    from veille.store.writer import Writer


def _span(posts: pa.Table) -> tuple[datetime, datetime] | None:
    """The first and last ``created_at`` of a batch's posts (None: none dated)."""
    import pyarrow.compute as pc

    bounds = pc.min_max(posts.column("created_at"))
    lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
    return (lo, hi) if isinstance(lo, datetime) and isinstance(hi, datetime) else None


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


@dataclass
class RecordsJob(Job[WriteResult]):
    """A batch of records with the cursors it advances and, when the stages ran on it
    before the write, the enrichments of its posts: all committed in one transaction."""

    batch: Prepared
    cursors: dict[str, str]
    enrichment: Enrichment | None = None
    #: the raw-log index rows of the batch's items that were just appended
    raw: RawIndex | None = None

    @property
    def rows(self) -> int:  # type: ignore[override]
        return len(self.batch)

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> WriteResult:
        result = store.write_records(con, self.batch, self.cursors, self.enrichment)
        if self.raw is not None:
            write_raw_index(con, self.raw)
        return result


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
            old = posts.get(post.uri)
            if old is None or later_version(
                post.post_id, post.created_at, old.post_id, old.created_at
            ):  # an edited post's later version wins (``post_updates``)
                posts[post.uri] = post
        out.posts = to_table(Post, list(posts.values()))
    if groups[Account]:
        out.accounts = to_table(Account, _merge_accounts(groups[Account]))
    if groups[AccountSnapshot]:
        snapshots = _changes(
            groups[AccountSnapshot],
            lambda s: (s.network, s.account_id),
            lambda s: (s.followers, s.following, s.posts),
        )
        out.snapshots = to_table(AccountSnapshot, snapshots)
    if groups[PostMetrics]:
        metrics = _changes(
            groups[PostMetrics],
            lambda m: (m.uri,),
            lambda m: (m.likes, m.reposts, m.replies, m.quotes),
        )
        out.metrics = to_table(PostMetrics, metrics)
    if groups[Reaction]:
        out.reactions = to_table(Reaction, list({r.uri: r for r in groups[Reaction]}.values()))
    if groups[Follow]:
        follows = {(f.network, f.follower_id, f.followee_id): f for f in groups[Follow]}
        out.follows = to_table(Follow, list(follows.values()))
    if groups[Tombstone]:
        out.tombstones = to_table(Tombstone, list({t.key: t for t in groups[Tombstone]}.values()))
    return out


def _changes(
    observations: list[Any],
    key: Callable[[Any], tuple[Any, ...]],
    values: Callable[[Any], tuple[Any, ...]],
) -> list[Any]:
    """Snapshots keyed by what they observed: of the observations of one subject (one
    time each: the first wins), those whose values differ from the one just before. An
    importer whose data has no observation time takes the import time, so a re-import
    would otherwise add the same counts again at each run; a series of counts keeps every
    change, and its growth stays measurable (the writer compares with the stored ones
    the same way: ``Store._insert_changes``)."""
    ordered = sorted(observations, key=lambda o: (key(o), o.observed_at))
    out: list[Any] = []
    last: tuple[Any, ...] | None = None
    last_key: tuple[Any, ...] | None = None
    for obs in ordered:
        k = key(obs)
        if k == last_key and out and out[-1].observed_at == obs.observed_at:
            continue  # the same subject at the same time: the first one wins
        v = values(obs)
        if k != last_key or v != last:
            out.append(obs)
        last, last_key = v, k
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
            self._root = duckdb.connect(str(path), read_only=self.read_only)
        except duckdb.IOException as exc:
            raise VeilleError(
                f"cannot open the store {path}: {exc}", hint="Another program may hold it open."
            ) from None
        self._root.execute("SET TimeZone = 'UTC'")
        self._owner = threading.get_ident()
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._cursors_lock = threading.Lock()
        self._writer: Writer | None = None
        self._writer_lock = threading.Lock()
        self._migrate()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """A connection for the calling thread (the opening thread's is the root one):
        DuckDB connections must not be shared between threads, and each reader sees the
        committed state without blocking the writer."""
        if threading.get_ident() == self._owner:
            return self._root
        con: duckdb.DuckDBPyConnection | None = getattr(self._local, "con", None)
        if con is None:
            con = self._local.con = self.new_cursor()
        return con

    def release_cursor(self) -> None:
        """Close the calling thread's connection (a thread that served one request and
        ends must not leave its connection open until the store closes)."""
        con: duckdb.DuckDBPyConnection | None = getattr(self._local, "con", None)
        if con is None or threading.get_ident() == self._owner:
            return
        self._local.con = None
        with self._cursors_lock:
            if con in self._cursors:
                self._cursors.remove(con)
        con.close()

    def new_cursor(self) -> duckdb.DuckDBPyConnection:
        """A new connection to the same database (closed with the store)."""
        con = self._root.cursor()
        con.execute("SET TimeZone = 'UTC'")
        with self._cursors_lock:
            self._cursors.append(con)
        return con

    @property
    def writer(self) -> Writer:
        """The store's one writer, started on first use and closed with the store."""
        if self.read_only:
            raise VeilleError(
                f"the store {self.path} is open read-only", hint="Run a command that writes."
            )
        with self._writer_lock:
            if self._writer is None or not self._writer.alive:
                from veille.store.writer import Writer

                self._writer = Writer(self)
            return self._writer

    def _writes(self) -> Writer | None:
        """The writer if the caller is its thread (then jobs run inline), else None."""
        writer = self._writer
        return writer if writer is not None and writer.in_writer_thread else None

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
        """Commit what the writer has queued, stop it, close every connection."""
        try:
            if self._writer is not None:
                self._writer.close()
        finally:
            with self._cursors_lock:
                for con in self._cursors:
                    with suppress(duckdb.Error):
                        con.close()
                self._cursors.clear()
            self._root.close()

    # --- writes -----------------------------------------------------------------------
    def write(
        self,
        records: Sequence[Record] | Prepared,
        *,
        cursors: dict[str, str] | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> WriteResult:
        """Write ``records`` and ``cursors`` in one transaction (a job on the writer, or
        on ``con`` when given: the writer's own jobs and tests)."""
        if con is not None:
            return self.write_many([(records, cursors or {})], con=con)[0]
        batch = records if isinstance(records, Prepared) else prepare(records)
        return self.writer.run(RecordsJob(batch, dict(cursors or {})))

    def write_many(
        self,
        jobs: Sequence[tuple[Sequence[Record] | Prepared, dict[str, str]]],
        *,
        con: duckdb.DuckDBPyConnection,
    ) -> list[WriteResult]:
        """Write several (records, cursors) jobs in one transaction on ``con``; one result
        each (outside the writer: tests and tools that hold the store alone)."""
        con.execute("BEGIN")
        try:
            results = [
                self.write_records(con, r if isinstance(r, Prepared) else prepare(r), c)
                for r, c in jobs
            ]
            con.execute("COMMIT")
        except BaseException:
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        return results

    def write_records(
        self,
        con: duckdb.DuckDBPyConnection,
        batch: Prepared,
        cursors: dict[str, str],
        enrichment: Enrichment | None = None,
    ) -> WriteResult:
        """One batch, inside the caller's transaction: its records, the enrichments of the
        posts it adds (``enrichment``, computed before the write), its cursors."""
        result = WriteResult(posts_seen=batch.posts_seen)
        if batch.tombstones is not None:
            self._write_tombstones(con, batch.tombstones, result)
        if batch.accounts is not None:
            self._write_accounts(con, batch.accounts, result)
        if batch.posts is not None:
            new = self._write_posts(con, batch.posts, result, returning=True)
            revised = replace_later_versions(con, batch.posts, _NOT_TOMBSTONED_POST)
            if revised:
                result.counts["post_versions"] = len(revised)
            relinked = resolve_reply_locators(con, batch.posts)
            self._write_links(con, batch.posts, new, revised, relinked)
            fault_point("after-posts")
            if enrichment is not None and (new or revised):
                write_enrichment(con, enrichment, only=[*new, *revised], span=_span(batch.posts))
        if batch.snapshots is not None:
            self._insert_changes(con, "account_snapshots", batch.snapshots, result)
        if batch.metrics is not None:
            self._insert_changes(con, "post_metrics", batch.metrics, result)
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

    def _write_links(
        self,
        con: duckdb.DuckDBPyConnection,
        posts: pa.Table,
        new: list[str],
        revised: list[str],
        relinked: pa.Table | None,
    ) -> None:
        """Keep ``post_links`` (``store/links.py``) for what the batch ``posts`` did: the
        rows ``new`` inserted, the posts ``revised`` (a later version), the replies whose
        parent's locator became a URI (``relinked``)."""
        if new:
            added = posts if len(new) == posts.num_rows else _rows_of(posts, new)
            add_links(con, added)
        if revised:
            refresh_links(con, _rows_of(posts, revised).select(list(KEY_COLUMNS)), edited=True)
        if relinked is not None and relinked.num_rows:
            refresh_links(con, relinked)

    def _insert_ignore(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        batch: pa.Table,
        result: WriteResult,
        where: str = "TRUE",
        *,
        returning: bool = False,
    ) -> list[str]:
        """Insert the rows of ``batch`` whose key is not in ``table`` yet (the batch itself
        holds each key once). Counts them in ``result``; with ``returning``, gives back the
        URIs inserted."""
        columns = ", ".join(batch.schema.names)
        same = " AND ".join(f"t.{k} = b.{k}" for k in _KEYS[table])
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM veille_batch b "
            f"WHERE ({where}) AND NOT EXISTS (SELECT 1 FROM {table} t WHERE {same})"
        )
        with registered(con, "veille_batch", batch):
            if returning:
                uris = [str(r[0]) for r in con.execute(sql + " RETURNING uri").fetchall()]
                inserted = len(uris)
            else:
                uris = []
                inserted = int(con.execute(sql).fetchall()[0][0])
        result.counts[table] = result.counts.get(table, 0) + inserted
        return uris

    def _insert_changes(
        self, con: duckdb.DuckDBPyConnection, table: str, batch: pa.Table, result: WriteResult
    ) -> None:
        """Insert the observations of ``batch`` that are new: not at a time already held
        for their subject, and not the same values as the latest stored one before them
        (an ASOF join finds it)."""
        subject = _KEYS[table][:-1]
        values = _OBSERVED[table]
        columns = ", ".join(batch.schema.names)
        on = " AND ".join(f"b.{k} = t.{k}" for k in subject)
        same = " AND ".join(f"b.{v} IS NOT DISTINCT FROM t.{v}" for v in values)
        with registered(con, "veille_batch", batch):
            inserted = int(
                con.execute(
                    f"""INSERT INTO {table} ({columns})
                        SELECT {", ".join(f"b.{c}" for c in batch.schema.names)}
                        FROM veille_batch b ASOF LEFT JOIN {table} t
                            ON {on} AND b.observed_at >= t.observed_at
                        WHERE t.observed_at IS NULL
                            OR (t.observed_at <> b.observed_at AND NOT ({same}))"""
                ).fetchall()[0][0]
            )
        result.counts[table] = result.counts.get(table, 0) + inserted

    def _write_posts(
        self,
        con: duckdb.DuckDBPyConnection,
        batch: pa.Table,
        result: WriteResult,
        *,
        returning: bool = False,
    ) -> list[str]:
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
        before = result.counts.get("posts", 0)
        uris = self._insert_ignore(con, "posts", batch, result, where, returning=returning)
        result.posts_new += result.counts["posts"] - before
        return uris

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
            SELECT p.uri, p.created_at, p.author_id, t.deleted_at FROM posts p
                JOIN tombstones t ON t.key = p.uri
                WHERE t.key IN (SELECT key FROM veille_keys)
            UNION ALL
            SELECT p.uri, p.created_at, p.author_id, t.deleted_at FROM posts p
                JOIN tombstones t ON t.key = p.network || ':' || p.author_id
                WHERE t.kind = 'account' AND t.key IN (SELECT key FROM veille_keys)""")
        con.execute("""UPDATE posts SET text = NULL, mentions = [], hashtags = [], urls = [],
                           deleted_at = coalesce(posts.deleted_at, veille_purge.deleted_at)
                       FROM veille_purge WHERE posts.uri = veille_purge.uri""")
        refresh_links(
            con,
            con.sql(
                "SELECT DISTINCT uri, created_at, author_id FROM veille_purge"
            ).to_arrow_table(),
        )
        con.execute("DELETE FROM enrichments WHERE uri IN (SELECT uri FROM veille_purge)")
        con.execute("DELETE FROM post_labels WHERE uri IN (SELECT uri FROM veille_purge)")
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
        self.writer.run(AuditJob(action, target, detail, actor))

    def record_import(self, row: dict[str, Any]) -> None:
        self.writer.run(ImportJob(row))

    def profiles(self, keys: Sequence[tuple[str, str]]) -> list[tuple[Any, ...]]:
        """(network, account_id, handle, display_name, bio, url) of the stored accounts
        among ``keys`` (read on the calling thread's connection)."""
        table = pa.table(
            {
                "network": pa.array([k[0] for k in keys], pa.string()),
                "account_id": pa.array([k[1] for k in keys], pa.string()),
            }
        )
        con = self.con
        with registered(con, "veille_keys_wanted", table):
            return con.execute(
                """SELECT a.network, a.account_id, a.handle, a.display_name, a.bio, a.url
                   FROM accounts a SEMI JOIN veille_keys_wanted k
                   ON a.network = k.network AND a.account_id = k.account_id"""
            ).fetchall()

    # --- the raw log's index (store/rawindex.py), read on the caller's connection ---------
    def known_raw_items(self, items: list[int]) -> set[int]:
        return known_items(self.con, items)

    def raw_segments(self) -> dict[str, int]:
        """How far each raw-log segment is indexed (bytes)."""
        return indexed_sizes(self.con)

    def segments_holding(self, keys: list[str]) -> set[str]:
        return segments_holding(self.con, keys)

    def duplicate_keys(self) -> dict[str, int]:
        """For every table, how many keys (``schema.TABLE_KEYS``) it holds more than once:
        all zeros when the one-writer discipline held."""
        out = {}
        for table, key in TABLE_KEYS.items():
            cols = ", ".join(key)
            out[table] = int(
                self.scalar(
                    f"SELECT count(*) FROM (SELECT {cols} FROM {table} GROUP BY ALL "
                    "HAVING count(*) > 1)"
                )
                or 0
            )
        return out

    def utc_cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the calling thread's connection, in UTC, for one reader to close
        (not kept by the store: a server opens one per request)."""
        cur = self.con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    def checkpoint(self) -> None:
        """Write the WAL into the database file (before the file is moved or copied)."""
        self.con.execute("CHECKPOINT")

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.con.execute(sql, list(params)).fetchall()
        return rows[0][0] if rows else None


def _rows_of(table: pa.Table, uris: list[str]) -> pa.Table:
    """The rows of ``table`` whose ``uri`` is in ``uris``."""
    return table.filter(pc.is_in(table.column("uri"), value_set=pa.array(uris, pa.string())))


#: The observed values of the snapshot tables (a snapshot equal to the one before is not new).
_OBSERVED: dict[str, tuple[str, ...]] = {
    "account_snapshots": ("followers", "following", "posts"),
    "post_metrics": ("likes", "reposts", "replies", "quotes"),
}

#: The key of each table written by anti-join (see schema.py).
_KEYS: dict[str, tuple[str, ...]] = {
    "posts": ("uri",),
    "post_metrics": ("uri", "observed_at"),
    "account_snapshots": ("network", "account_id", "observed_at"),
    "reactions": ("uri",),
}
