"""``iter_json_values`` streams the values of a JSON document that is one array, one object,
or a sequence of values (JSONL, pretty-printed or not): the elements of a 200 MB array are
yielded one by one, with the line each starts on. Values are yielded on one line (line
breaks between tokens become spaces, see ``one_line``) because the raw log is JSONL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from veille.i18n import t
from veille.sources.base import MAX_ITEM_BYTES, Reject, excerpt
from veille.sources.io.lines import describe_error, json_error, one_line, utf8_error
from veille.sources.io.streams import CHUNK, READ_ERRORS

# --------------------------------------------------------------------------- JSON values

_STRUCTURAL = re.compile(rb'["{}\[\]]')
_STRING_END = re.compile(rb'["\\]')
_SCALAR_END = re.compile(rb"[,\]}\s]")
_SPACE = b" \t\r\n"


class _Scanner:
    """Finds where one JSON value ends in a growing buffer, without parsing it (strings and
    nesting only): the value is then checked by msgspec. State survives across reads, so a
    long value is scanned once."""

    __slots__ = ("depth", "in_string", "pos", "scalar", "started")

    def __init__(self, pos: int) -> None:
        self.depth = 0
        self.in_string = False
        self.pos = pos
        self.scalar = False
        self.started = False

    def end(self, buf: bytes, final: bool) -> int | None:
        """Index just past the value that starts at the scanner's first position, or
        ``None`` when more data is needed. Scalars end at a delimiter or at the end."""
        pos = self.pos
        if not self.started:
            self.started = True
            first = buf[pos : pos + 1]
            if first == b'"':
                self.in_string = True
                pos += 1
            elif first not in (b"{", b"["):
                self.scalar = True
        if self.scalar:
            match = _SCALAR_END.search(buf, pos)
            if match is None:
                self.pos = len(buf)
                return len(buf) if final else None
            return match.start()
        while True:
            if self.in_string:
                match = _STRING_END.search(buf, pos)
                if match is None:
                    self.pos = len(buf)
                    return None
                if match.group() == b"\\":
                    if match.end() >= len(buf):
                        self.pos = match.start()
                        return None
                    pos = match.end() + 1
                    continue
                self.in_string = False
                pos = match.end()
                if self.depth == 0:
                    return pos
                continue
            match = _STRUCTURAL.search(buf, pos)
            if match is None:
                self.pos = len(buf)
                return None
            char = match.group()
            pos = match.end()
            if char == b'"':
                self.in_string = True
            elif char in (b"{", b"["):
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth <= 0:
                    return pos


def iter_json_values(
    stream: IO[bytes],
    source: str,
    where: str,
    *,
    max_bytes: int = MAX_ITEM_BYTES,
    unwrap_arrays: bool = True,
) -> Iterator[tuple[int, bytes] | Reject]:
    """Yield ``(line, value_bytes)`` for each JSON value of the stream: the elements of a
    top-level array (when ``unwrap_arrays``), or each top-level value (one object, JSONL,
    pretty-printed objects one after another). Each value is checked (syntax and UTF-8);
    a bad one becomes a ``Reject`` naming its line(s) and the reading goes on with the
    next value. Values over ``max_bytes`` are skipped without being held in memory."""
    buf = b""
    pos = 0
    line = 1  # line number at ``pos``
    depth = 0  # inside how many unwrapped top-level arrays (0 or 1)
    eof = False

    shifted = False  # whether the buffer no longer starts at the start of the stream

    def fill() -> int | None:
        """Read more; returns how far the buffer shifted left, or ``None`` at the end."""
        nonlocal buf, pos, eof, shifted
        if eof:
            return None
        try:
            data = stream.read(CHUNK)
        except READ_ERRORS as exc:
            eof = True
            raise _Unreadable(exc) from exc
        if not data:
            eof = True
            return None
        shift = pos
        buf = buf[pos:] + data
        pos = 0
        shifted = shifted or shift > 0
        return shift

    try:
        while True:
            # skip whitespace, and commas and closing brackets of an unwrapped array
            while True:
                while pos < len(buf) and buf[pos] in _SPACE:
                    if buf[pos] == 10:
                        line += 1
                    pos += 1
                if pos < len(buf):
                    break
                if fill() is None:
                    if depth:
                        yield Reject(
                            source=source,
                            origin=f"{where}:{line}",
                            reason=t("files.unterminated", line=line),
                        )
                    return
            char = buf[pos]
            if depth and char == 44:  # ","
                pos += 1
                continue
            if depth and char == 93:  # "]"
                depth -= 1
                pos += 1
                continue
            if unwrap_arrays and not depth and char == 91:  # "["
                depth += 1
                pos += 1
                continue
            # one value starts at ``pos``
            start_line = line
            scanner = _Scanner(pos)
            skipped = 0
            while True:
                end = scanner.end(buf, eof)
                if end is not None:
                    break
                if eof:
                    yield Reject(
                        source=source,
                        origin=f"{where}:{start_line}",
                        reason=t("files.unterminated", line=start_line),
                        item=excerpt(buf[pos : pos + 2000]),
                    )
                    return
                if scanner.pos - pos > max_bytes:
                    # too big to keep: drop what was scanned, keep the scanner's state
                    line += buf.count(b"\n", pos, scanner.pos)
                    skipped += scanner.pos - pos
                    buf = buf[scanner.pos :]
                    pos = 0
                    scanner.pos = 0
                shift = fill()
                if shift is not None:
                    scanner.pos -= shift
            if end <= pos:  # a stray delimiter (``]`` or ``}`` outside any value)
                end = pos + 1
            line_start = buf.rfind(b"\n", 0, pos) + 1
            column = pos - line_start + 1 if line_start or not shifted else None
            if scanner.scalar and json_error(buf[pos:end]) is not None:
                # text that is no JSON value (a random file): one reject for the rest of
                # the line, not one per word
                eol = buf.find(b"\n", end)
                end = eol if eol >= 0 else len(buf)
            value = buf[pos:end]
            line_end = line + value.count(b"\n")
            size = skipped + len(value)
            pos = end
            if size > max_bytes:
                yield Reject(
                    source=source,
                    origin=f"{where}:{start_line}",
                    reason=t("files.too_big", line=start_line, size=size, limit=max_bytes),
                    item=excerpt(value[:500], 500),
                )
                line = line_end
                continue
            error = json_error(value)
            bad = utf8_error(value) if error is None else None
            if error is None and bad is None:
                line = line_end
                yield start_line, one_line(value)
                continue
            if bad is not None:
                bad_line = line + value.count(b"\n", 0, bad - 1)
                reason = t("files.bad_utf8", line=bad_line, position=bad)
            elif line_end > start_line:
                reason = t("files.bad_json_range", line=start_line, end=line_end, error=error)
            else:
                reason = t("files.bad_json", line=start_line, error=at_column(error or "", column))
            line = line_end
            yield Reject(
                source=source,
                origin=f"{where}:{start_line}",
                reason=reason,
                item=excerpt(value),
            )
    except _Unreadable as exc:
        yield Reject(
            source=source,
            origin=f"{where}:{line}",
            reason=t("files.unreadable", where=where, line=line, error=describe_error(exc.cause)),
        )


_BYTE_AT = re.compile(r"\(byte (\d+)\)")


def at_column(error: str, column: int | None) -> str:
    """msgspec's ``(byte N)``, counted from the start of the value, as the 1-based column of
    the line the value is on (when known)."""
    if column is None:
        return error
    return _BYTE_AT.sub(lambda m: f"(column {column + int(m.group(1))})", error)


class _Unreadable(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause
