"""Identifiers and timestamps in the shapes the networks use, derived deterministically.

- atproto TIDs (record keys, commit revs): 13 characters of base32-sortable over a 64-bit
  integer (53 bits of microseconds since the epoch, 10 bits of clock id);
- ``did:plc:`` identifiers: 24 characters of lower-case RFC 4648 base32;
- CIDs: CIDv1, dag-cbor, sha2-256, multibase base32 (``bafyrei...``, 59 characters). The
  digest is of a stand-in for the record, not of its DAG-CBOR bytes: well-formed, not
  verifiable (nothing in veille verifies CIDs);
- Mastodon ids: snowflakes, milliseconds shifted left 16 bits plus a sequence number;
- ISO 8601 UTC timestamps with millisecond or microsecond precision, and RFC 822 dates.
"""

from __future__ import annotations

import base64
import hashlib
import time

import numpy as np

#: The atproto base32-sortable alphabet.
S32 = "234567abcdefghijklmnopqrstuvwxyz"
_PAIRS = [S32[i >> 5] + S32[i & 31] for i in range(1024)]
_CID_PREFIX = b"\x01\x71\x12\x20"  # CIDv1, dag-cbor, sha2-256, 32 bytes

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


_TID_CACHE: list[int | str] = [-1, ""]


def tid(micros: int, clock_id: int = 0) -> str:
    """The TID for ``micros`` (microseconds since the epoch) and a 10-bit clock id.

    TIDs sort like the integers they encode, so later records get larger keys."""
    if micros < 0 or micros >= 1 << 53:
        raise ValueError(f"TID timestamp out of range: {micros}")
    value = (micros << 10) | (clock_id & 0x3FF)
    # 65 bits = 1 leading char (top 5 bits) + 6 pairs of 10 bits. The first 7 characters
    # change about once a second: cache them.
    high = value >> 30
    p = _PAIRS
    if _TID_CACHE[0] != high:
        _TID_CACHE[0] = high
        _TID_CACHE[1] = (
            S32[(value >> 60) & 31]
            + p[(value >> 50) & 1023]
            + p[(value >> 40) & 1023]
            + p[(value >> 30) & 1023]
        )
    return f"{_TID_CACHE[1]}{p[(value >> 20) & 1023]}{p[(value >> 10) & 1023]}{p[value & 1023]}"


def tid_value(text: str) -> int:
    """Decode a TID back to its integer (for tests and checks)."""
    if len(text) != 13 or any(ch not in S32 for ch in text):
        raise ValueError(f"not a TID: {text!r}")
    value = 0
    for ch in text:
        value = (value << 5) | S32.index(ch)
    return value


def did_plc(seed: int, index: int) -> str:
    """A stable ``did:plc:`` for simulated account ``index`` under ``seed``."""
    digest = hashlib.blake2b(f"did:{seed}:{index}".encode(), digest_size=15).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()


class CidPool:
    """Well-formed CIDv1 strings (multibase ``b``, dag-cbor, sha2-256), drawn in batches
    from a seeded generator: deterministic, unique in practice (250 random bits each), and
    about ten times cheaper than hashing every record in Python. They are not the hash of
    anything, which nothing in veille checks."""

    _ALPHABET = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)

    def __init__(self, seed: int, batch: int = 8192) -> None:
        self._rng = np.random.default_rng([seed, 0xC1D])
        self._batch = batch
        self._items: list[str] = []

    def next(self) -> str:
        if not self._items:
            self._fill()
        return self._items.pop()

    def _fill(self) -> None:
        n = self._batch
        digits = self._rng.integers(0, 32, size=(n, 52), dtype=np.uint8)
        digits[:, 0] &= 7  # two zero bits end the multicodec prefix
        digits[:, 51] &= 0b11100  # two zero padding bits at the end
        text = self._ALPHABET[digits].tobytes().decode()
        items = ["bafyrei" + text[i * 52 : (i + 1) * 52] for i in range(n)]
        items.reverse()
        self._items = items


def cid_for(data: str) -> str:
    """The CID of ``data`` as if it were a raw block: sha2-256 in a CIDv1 (dag-cbor)."""
    digest = hashlib.sha256(data.encode()).digest()
    return "b" + base64.b32encode(_CID_PREFIX + digest).decode().lower().rstrip("=")


def snowflake(millis: int, sequence: int) -> str:
    """A Mastodon-style id: milliseconds << 16 plus a 16-bit sequence."""
    return str((millis << 16) | (sequence & 0xFFFF))


_DAY_PREFIX: dict[int, str] = {}
_HMS: list[str] = []
_MS = [f".{i:03d}Z" for i in range(1000)]


def iso_ms(micros: int) -> str:
    """``2026-09-01T08:00:00.123Z`` (millisecond precision, UTC)."""
    seconds, rest = divmod(micros, 1_000_000)
    day, second = divmod(seconds, 86_400)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        t = time.gmtime(day * 86_400)
        prefix = _DAY_PREFIX[day] = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
    if not _HMS:
        _HMS.extend(
            f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
        )
    return prefix + _HMS[second] + _MS[rest // 1000]


def iso_us(micros: int) -> str:
    """``2026-09-01T08:00:00.123456Z`` (microsecond precision, UTC: Jetstream v2 ``time``)."""
    return iso_ms(micros)[:-1] + f"{micros % 1000:03d}Z"


def iso_s(micros: int) -> str:
    """``2026-09-01T08:00:00Z`` (second precision, UTC)."""
    t = time.gmtime(micros // 1_000_000)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}Z"
    )


def rfc822(micros: int) -> str:
    """``Tue, 01 Sep 2026 08:00:00 +0000`` (RSS 2.0 ``pubDate``)."""
    t = time.gmtime(micros // 1_000_000)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def day_of(micros: int) -> str:
    """``2026-09-01``: the UTC date of ``micros``."""
    t = time.gmtime(micros // 1_000_000)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
