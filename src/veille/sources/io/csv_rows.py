"""``iter_csv_rows`` reads a CSV file with a header, in the dialect its head shows
(``veille.sources.io.csv_dialect``: encoding, delimiter, backslash-escaped quotes), finds the
header after a preamble (the ``Notes:`` lines of a LinkedIn export), checks the required
columns (one ``Reject`` naming the file, the missing columns and the line that came
closest, and the file's rows are skipped), and reports each bad row as ``file:line``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import IO

from veille.i18n import t
from veille.sources.base import MAX_ITEM_BYTES, Reject, excerpt
from veille.sources.io.csv_dialect import HEAD_BYTES, header_key, sniff
from veille.sources.io.lines import describe_error, too_big, unreadable_file
from veille.sources.io.streams import CHUNK, READ_ERRORS

# --------------------------------------------------------------------------- CSV

_SURROGATE = re.compile("[\udc80-\udcff]")


class _Prefixed(io.RawIOBase):
    """A binary stream whose first bytes (``head``, already read to sniff the dialect) are
    given back before the rest of ``stream``."""

    def __init__(self, head: bytes, stream: IO[bytes]) -> None:
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Counting:
    """Lines of a CSV file as text, counted. UTF-8 files are read as bytes (BOM dropped):
    invalid bytes survive as surrogate escapes so that only the row they are in is
    rejected; ``bad`` maps a line number to the 1-based byte position of its first invalid
    sequence. Files in another encoding (UTF-16 and UTF-32 with a byte-order mark, a legacy
    encoding found by ``io.csv_dialect``) are decoded on the way."""

    def __init__(self, stream: IO[bytes], encoding: str = "utf-8") -> None:
        self._text = encoding not in ("utf-8", "utf-8-sig")
        if self._text:
            wrapper = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
            self._lines: Iterator[bytes | str] = iter(wrapper)
        else:
            self._lines = iter(stream)
        self.count = 0
        self.bad: dict[int, int] = {}

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.count += 1
        if isinstance(raw, str):
            return raw.lstrip("\ufeff") if self.count == 1 else raw
        if self.count == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if not raw.isascii():
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.bad[self.count] = exc.start + 1
        return raw.decode("utf-8", "surrogateescape")


def iter_csv_rows(
    stream: IO[bytes],
    source: str,
    where: str,
    required: Sequence[str],
    *,
    optional: Sequence[str] = (),
    preamble_lines: int = 20,
    max_bytes: int = MAX_ITEM_BYTES,
    delimiter: str | None = None,
) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    """Yield ``(line, row)`` for each row of a CSV file with a header. How the file is
    written is found from its head (``csv_dialect.sniff``): the encoding (byte-order mark,
    UTF-8, else detected), the delimiter (the one that makes a line hold every required
    column; ``delimiter`` forces one), backslash-escaped quotes. The header is the first
    line, among the first ``preamble_lines``, that holds every required column, compared
    whatever their case, spaces or ``_`` (``Share Link`` is ``ShareLink``): exports that
    start with notes are read from their real header. Without one, a single ``Reject`` names
    the file, the missing columns and the line that came closest, and nothing else is read.
    Bad rows (invalid UTF-8, a broken quote, an item over the size limit, unreadable data)
    become ``Reject``s named ``where:line``; rows with fewer fields than the header are
    padded with empty strings. Row keys are the spelling of ``required``/``optional``."""
    try:
        head = stream.read(HEAD_BYTES)
    except READ_ERRORS as exc:
        yield unreadable_file(source, where, exc)
        return
    if not head.strip():
        yield Reject(source=source, origin=where, reason=t("files.csv_empty", where=where))
        return
    dialect = sniff(head, required, delimiter=delimiter, preamble_lines=preamble_lines)
    counter = _Counting(
        io.BufferedReader(_Prefixed(head, stream), CHUNK),  # type: ignore[arg-type]
        dialect.encoding,
    )
    reader = csv.reader(
        counter, delimiter=dialect.delimiter, escapechar=dialect.escapechar, strict=True
    )
    wanted = [header_key(c) for c in required]
    header: list[str] | None = None
    try:
        for _ in range(preamble_lines):
            try:
                row = next(reader)
            except StopIteration:
                break
            if not row or not any(cell.strip() for cell in row):
                continue
            cells = [cell.strip().lstrip("\ufeff") for cell in row]
            keys = [header_key(c) for c in cells]
            if all(w in keys for w in wanted):
                header = cells
                break
    except READ_ERRORS as exc:
        yield unreadable_file(source, where, exc)
        return
    except csv.Error as exc:
        yield Reject(
            source=source,
            origin=f"{where}:{counter.count}",
            reason=t("files.csv_row", line=counter.count, error=str(exc)),
        )
        return
    if header is None:
        closest = dialect.best or []
        keys = [header_key(c) for c in closest]
        missing = [c for c, w in zip(required, wanted, strict=True) if w not in keys]
        yield Reject(
            source=source,
            origin=where,
            reason=t(
                "files.csv_missing_columns",
                where=where,
                columns=", ".join(missing),
                line=dialect.best_line or 1,
                header=", ".join(closest)[:300],
            ),
        )
        return
    # canonical names: the spelling of ``required``/``optional`` when they match
    canonical = {header_key(c): c for c in (*required, *optional)}
    names = [canonical.get(header_key(c), c) for c in header]
    width = len(names)
    while True:
        start = counter.count + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Reject(
                source=source,
                origin=f"{where}:{start}",
                reason=t("files.csv_row", line=start, error=str(exc)),
            )
            continue
        except READ_ERRORS as exc:
            yield Reject(
                source=source,
                origin=f"{where}:{start}",
                reason=t(
                    "files.unreadable", where=where, line=start - 1, error=describe_error(exc)
                ),
            )
            return
        if not row or not any(cell.strip() for cell in row):
            continue
        joined = "\x1f".join(row)
        if len(joined) > max_bytes and len(joined.encode("utf-8", "surrogateescape")) > max_bytes:
            size = len(joined.encode("utf-8", "surrogateescape"))
            yield too_big(source, where, start, size, max_bytes, joined[:2000].encode())
            continue
        bad_line = next((n for n in range(start, counter.count + 1) if n in counter.bad), None)
        if bad_line is not None or _SURROGATE.search(joined):
            line_no = bad_line if bad_line is not None else start
            yield Reject(
                source=source,
                origin=f"{where}:{start}",
                reason=t("files.bad_utf8", line=line_no, position=counter.bad.get(line_no, 0)),
                item=excerpt(joined.encode("utf-8", "surrogateescape")),
            )
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            yield Reject(
                source=source,
                origin=f"{where}:{start}",
                reason=t("files.csv_width", line=start, found=len(row), expected=width),
                item=excerpt(",".join(row)),
            )
            continue
        if len(row) < width:
            row = row + [""] * (width - len(row))
        yield start, dict(zip(names, row, strict=False))
