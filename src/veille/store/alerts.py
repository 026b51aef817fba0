"""The alerts' delivery log, ``alerts_sent`` (schema V5): its SQL, for ``veille.alerts``.

One row per alert: its ``id`` is the idempotency key (episode, sink, escalation level). The
writes are jobs on the one writer; the reads run on the caller's connection and see what is
committed. Statuses: ``pending`` (recorded, not yet known delivered), ``sent``, ``dead``
(given up after the retries: the dead-letter log, sent again by ``veille alerts retry``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from veille.store.writer import Job

if TYPE_CHECKING:
    import duckdb

    from veille.store.store import Store

STATUSES: tuple[str, ...] = ("pending", "sent", "dead")

_COLUMNS = (
    "id, signal_id, sink, sent_at, status, detail, episode, rule, level, kind, score, "
    "authors, attempts, created_at, payload"
)


@dataclass(frozen=True)
class AlertRow:
    """One row of ``alerts_sent``."""

    id: str
    signal_id: str
    sink: str
    sent_at: datetime | None
    status: str
    detail: str | None
    episode: str
    rule: str
    level: int
    kind: str
    score: float
    authors: int
    attempts: int
    created_at: datetime
    payload: str

    @classmethod
    def from_tuple(cls, row: Sequence[Any]) -> AlertRow:
        values = list(row)
        values[8] = int(values[8] or 0)
        values[10] = float(values[10] or 0.0)
        values[11] = int(values[11] or 0)
        values[12] = int(values[12] or 0)
        values[7] = values[7] or ""
        values[6] = values[6] or values[1] or ""
        values[14] = values[14] or "{}"
        return cls(*values)


@dataclass
class RecordPendingJob(Job[list[str]]):
    """Insert ``rows`` as ``pending`` unless their key is already logged; returns the keys
    inserted (a key logged before, by an earlier pass or a dead process, is not doubled)."""

    rows_in: list[AlertRow]

    @property
    def rows(self) -> int:  # type: ignore[override]
        return max(1, len(self.rows_in))

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> list[str]:
        inserted: list[str] = []
        for r in self.rows_in:
            got = con.execute(
                f"INSERT INTO alerts_sent ({_COLUMNS}) VALUES "
                "(?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING RETURNING id",
                [
                    r.id, r.signal_id, r.sink, None, r.detail, r.episode, r.rule, r.level,
                    r.kind, r.score, r.authors, r.attempts, r.created_at, r.payload,
                ],
            ).fetchall()  # fmt: skip
            inserted.extend(str(g[0]) for g in got)
        return inserted


@dataclass
class MarkAlertJob(Job[None]):
    """Set the outcome of one delivery: ``sent`` (with ``sent_at``) or ``dead``, the number
    of attempts and the last error (``detail``), or ``pending`` again before a re-send."""

    key: str
    status: str
    attempts: int
    sent_at: datetime | None = None
    detail: str | None = None

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown alert status {self.status!r}")
        con.execute(
            "UPDATE alerts_sent SET status = ?, attempts = ?, sent_at = ?, detail = ? WHERE id = ?",
            [self.status, self.attempts, self.sent_at, self.detail, self.key],
        )


def alert_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    statuses: Sequence[str] = (),
    keys: Sequence[str] = (),
    limit: int | None = None,
) -> list[AlertRow]:
    """Logged alerts, newest first; only ``statuses`` / ``keys`` when given."""
    where, params = [], []
    if statuses:
        where.append("status IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(statuses))
    if keys:
        where.append("id IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(keys))
    sql = f"SELECT {_COLUMNS} FROM alerts_sent"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY coalesce(created_at, sent_at) DESC, id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [AlertRow.from_tuple(r) for r in con.execute(sql, params).fetchall()]


def episode_history(con: duckdb.DuckDBPyConnection, episodes: Sequence[str]) -> list[AlertRow]:
    """Every logged alert about ``episodes`` (all sinks, all rules), oldest first."""
    if not episodes:
        return []
    rows = con.execute(
        f"SELECT {_COLUMNS} FROM alerts_sent WHERE episode IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY created_at, level",
        [list(episodes)],
    ).fetchall()
    return [AlertRow.from_tuple(r) for r in rows]


def last_by_rule(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], datetime]:
    """When each (rule, sink) last recorded an alert (for the quiet periods)."""
    rows = con.execute(
        "SELECT rule, sink, max(created_at) FROM alerts_sent WHERE rule IS NOT NULL "
        "AND created_at IS NOT NULL GROUP BY rule, sink"
    ).fetchall()
    return {(str(r), str(s)): at for r, s, at in rows}


def status_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute("SELECT status, count(*) FROM alerts_sent GROUP BY status").fetchall()
    return {str(s): int(n) for s, n in rows}


@dataclass(frozen=True)
class Ack:
    """An episode acknowledged on the dashboard."""

    episode: str
    by_user: str
    acked_at: datetime
    note: str | None


@dataclass
class AckJob(Job[None]):
    """Acknowledge ``episode`` (again: the newest acknowledgement replaces the last), or
    withdraw its acknowledgement (``withdraw``)."""

    episode: str
    by_user: str
    acked_at: datetime
    note: str | None = None
    withdraw: bool = False

    def run(self, store: Store, con: duckdb.DuckDBPyConnection) -> None:
        if self.withdraw:
            con.execute("DELETE FROM alert_acks WHERE episode = ?", [self.episode])
            return
        con.execute(
            "INSERT OR REPLACE INTO alert_acks VALUES (?, ?, ?, ?)",
            [self.episode, self.by_user, self.acked_at, self.note],
        )


def acks(con: duckdb.DuckDBPyConnection, episodes: Sequence[str] = ()) -> dict[str, Ack]:
    """The acknowledgements, by episode (of ``episodes`` only when given)."""
    sql = "SELECT episode, by_user, acked_at, note FROM alert_acks"
    params: list[Any] = []
    if episodes:
        sql += " WHERE episode IN (SELECT unnest(?::VARCHAR[]))"
        params.append(list(episodes))
    return {str(r[0]): Ack(str(r[0]), str(r[1]), r[2], r[3]) for r in con.execute(sql, params)
            .fetchall()}  # fmt: skip
