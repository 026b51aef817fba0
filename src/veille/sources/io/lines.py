"""Lines of a stream: ``iter_lines`` yields ``(line_number, bytes)`` for the non-blank lines,
with a size limit per line and a UTF-8 check; ``iter_json_lines`` adds a JSON syntax check
and builds the ``RawItem`` (the importers of JSONL formats are a few lines on top of it).
Bad input becomes a ``Reject`` that names where it was (``path:line``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO

import msgspec

from veille.i18n import t
from veille.model import utcnow
from veille.sources.base import (
    DECODE_ERRORS,
    MAX_ITEM_BYTES,
    RawItem,
    Reject,
    decode_problem,
    excerpt,
)
from veille.sources.io.streams import CHUNK, READ_ERRORS

# --------------------------------------------------------------------------- lines


def utf8_error(data: bytes) -> int | None:
    """1-based byte position of the first invalid UTF-8 sequence, or ``None``."""
    if data.isascii():
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start + 1
    return None


def iter_lines(
    stream: IO[bytes],
    source: str,
    where: str,
    *,
    max_bytes: int = MAX_ITEM_BYTES,
) -> Iterator[tuple[int, bytes] | Reject]:
    """Yield ``(line_number, line)`` for the non-blank lines of ``stream`` (line ending
    removed), or a ``Reject`` for a line over ``max_bytes``, a line that is not UTF-8, or data
    that cannot be read (then the rest of the stream is skipped). ``where`` names the stream
    in rejects (``path`` or ``path!member``); line numbers count every physical line."""
    readline = stream.readline
    limit = max_bytes + 2
    lineno = 0
    while True:
        try:
            line = readline(limit)
        except READ_ERRORS as exc:
            yield Reject(
                source=source,
                origin=f"{where}:{lineno + 1}",
                reason=t("files.unreadable", where=where, line=lineno, error=describe_error(exc)),
            )
            return
        if not line:
            return
        lineno += 1
        if line[-1:] != b"\n" and len(line) >= limit:
            size = len(line)
            head = line[:2000]
            try:
                while True:
                    chunk = readline(CHUNK)
                    size += len(chunk)
                    if not chunk or chunk[-1:] == b"\n":
                        size -= len(chunk) - len(chunk.rstrip(b"\r\n"))
                        break
            except READ_ERRORS as exc:
                yield Reject(
                    source=source,
                    origin=f"{where}:{lineno}",
                    reason=t(
                        "files.unreadable", where=where, line=lineno, error=describe_error(exc)
                    ),
                )
                return
            yield too_big(source, where, lineno, size, max_bytes, head)
            continue
        line = line.rstrip(b"\r\n")
        if not line or line.isspace():
            continue
        if len(line) > max_bytes:
            yield too_big(source, where, lineno, len(line), max_bytes, line[:2000])
            continue
        bad = utf8_error(line)
        if bad is not None:
            yield Reject(
                source=source,
                origin=f"{where}:{lineno}",
                reason=t("files.bad_utf8", line=lineno, position=bad),
                item=excerpt(line),
            )
            continue
        yield lineno, line


def too_big(source: str, where: str, line: int, size: int, limit: int, head: bytes) -> Reject:
    return Reject(
        source=source,
        origin=f"{where}:{line}",
        reason=t("files.too_big", line=line, size=size, limit=limit),
        item=excerpt(head, 500),
    )


def describe_error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "…"


def unreadable_file(source: str, where: str, exc: BaseException) -> Reject:
    return Reject(
        source=source,
        origin=where,
        reason=t("files.unreadable_file", where=where, error=describe_error(exc)),
    )


_decode_raw = msgspec.json.Decoder(msgspec.Raw).decode


def one_line(value: bytes) -> bytes:
    """A JSON value on one line: the raw log is JSONL, so a payload holds no line break.
    In valid JSON, CR and LF can only be whitespace between tokens (inside strings they
    are escaped), so turning them into spaces changes nothing else, not even offsets."""
    if b"\n" in value or b"\r" in value:
        return value.replace(b"\n", b" ").replace(b"\r", b" ")
    return value


def json_error(data: bytes) -> str | None:
    """Why ``data`` is not exactly one JSON value, or ``None`` when it is one."""
    try:
        _decode_raw(data)
    except DECODE_ERRORS as exc:  # RecursionError too: a 2 KB line can nest 1,000 deep
        return decode_problem(exc)
    return None


def iter_json_lines(
    stream: IO[bytes],
    source: str,
    where: str,
    *,
    max_bytes: int = MAX_ITEM_BYTES,
    received_at: datetime | None = None,
) -> Iterator[RawItem | Reject]:
    """One ``RawItem`` per JSONL line (payload = the line's bytes, untouched), origin
    ``where:line``; malformed lines become rejects naming the line."""
    received = received_at or utcnow()
    for entry in iter_lines(stream, source, where, max_bytes=max_bytes):
        if isinstance(entry, Reject):
            yield entry
            continue
        lineno, line = entry
        line = one_line(line)
        error = json_error(line)
        if error is not None:
            yield Reject(
                source=source,
                origin=f"{where}:{lineno}",
                reason=t("files.bad_json", line=lineno, error=error),
                item=excerpt(line),
            )
            continue
        yield RawItem(
            source=source,
            origin=f"{where}:{lineno}",
            received_at=received,
            payload=msgspec.Raw(line),
        )
