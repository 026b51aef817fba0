"""Users and API tokens of ``veille serve``: the store's read and write functions.

Passwords arrive already hashed (argon2, ``veille.web.passwords``) and tokens as the
SHA-256 of their secret: the store never sees a secret. Writes take the store's write lock
and run in one transaction, like every other write of the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import duckdb

from veille.model import utcnow
from veille.store.store import Store

ROLES = ("viewer", "admin")


@dataclass(frozen=True)
class User:
    name: str
    password_hash: str
    role: str
    created_at: datetime
    disabled: bool


@dataclass(frozen=True)
class ApiToken:
    id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


@contextmanager
def _transaction(store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    with store._lock:
        con = store.con
        con.execute("BEGIN")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def put_user(store: Store, name: str, password_hash: str, role: str) -> bool:
    """Create or replace the user ``name``; True when it is new."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with _transaction(store) as con:
        existed = con.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchall()
        con.execute(
            """INSERT INTO users VALUES (?, ?, ?, ?, false)
               ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash,
                   role = excluded.role, disabled = false""",
            [name, password_hash, role, utcnow()],
        )
    return not existed[0][0]


def delete_user(store: Store, name: str) -> bool:
    with _transaction(store) as con:
        rows = con.execute("DELETE FROM users WHERE name = ? RETURNING name", [name]).fetchall()
    return bool(rows)


def get_user(con: duckdb.DuckDBPyConnection, name: str) -> User | None:
    rows = con.execute(
        "SELECT name, password_hash, role, created_at, disabled FROM users WHERE name = ?",
        [name],
    ).fetchall()
    return User(*rows[0]) if rows else None


def list_users(con: duckdb.DuckDBPyConnection) -> list[User]:
    rows = con.execute(
        "SELECT name, password_hash, role, created_at, disabled FROM users ORDER BY name"
    ).fetchall()
    return [User(*row) for row in rows]


def add_token(store: Store, token_id: str, name: str, token_hash: str, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    with _transaction(store) as con:
        con.execute(
            "INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, NULL)",
            [token_id, name, token_hash, role, utcnow()],
        )


def revoke_token(store: Store, token_id: str) -> bool:
    with _transaction(store) as con:
        rows = con.execute(
            """UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL
               RETURNING id""",
            [utcnow(), token_id],
        ).fetchall()
    return bool(rows)


def token_by_hash(con: duckdb.DuckDBPyConnection, token_hash: str) -> ApiToken | None:
    rows = con.execute(
        """SELECT id, name, role, created_at, revoked_at FROM api_tokens
           WHERE token_hash = ? AND revoked_at IS NULL""",
        [token_hash],
    ).fetchall()
    return ApiToken(*rows[0]) if rows else None


def list_tokens(con: duckdb.DuckDBPyConnection) -> list[ApiToken]:
    rows = con.execute(
        "SELECT id, name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at"
    ).fetchall()
    return [ApiToken(*row) for row in rows]
