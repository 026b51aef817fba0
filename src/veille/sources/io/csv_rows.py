"""``iter_csv_rows`` reads a CSV file with a header, finds the header after a preamble (the
``Notes:`` lines of a LinkedIn export), checks the required columns (one ``Reject`` naming
the file and the missing columns, and the file's rows are skipped), and reports each bad
row as ``file:line``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from typing import IO

from veille.i18n import t
from veille.sources.base import MAX_ITEM_BYTES, Reject, excerpt
from veille.sources.io.lines import describe_error, too_big, unreadable_file
from veille.sources.io.streams import READ_ERRORS

# --------------------------------------------------------------------------- CSV

_SURROGATE = re.compile("[\udc80-\udcff]")


class _Counting:
    """Lines of a binary stream as text (UTF-8, BOM dropped), counted. Invalid bytes survive
    as surrogate escapes so that only the row they are in is rejected; ``bad`` maps a line
    number to the 1-based byte position of its first invalid sequence."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines = iter(stream)
        self.count = 0
        self.bad: dict[int, int] = {}

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.count += 1
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
    delimiter: str = ",",
) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    """Yield ``(line, row)`` for each row of a CSV file with a header. The header is the first
    line, among the first ``preamble_lines``, that holds every required column (exports that
    start with notes are read from their real header). Without one, a single ``Reject`` names
    the file and the missing columns, and nothing else is read. Bad rows (invalid UTF-8, a
    broken quote, an item over the size limit, unreadable data) become ``Reject``s named
    ``where:line``; rows with fewer fields than the header are padded with empty strings.
    ``delimiter`` is one character (``sniff_delimiter`` guesses it)."""
    counter = _Counting(stream)
    reader = csv.reader(counter, delimiter=delimiter, strict=True)
    wanted = [c.strip().lower() for c in required]
    header: list[str] | None = None
    first_header: list[str] | None = None
    try:
        for _ in range(preamble_lines):
            try:
                row = next(reader)
            except StopIteration:
                break
            if not row or not any(cell.strip() for cell in row):
                continue
            cells = [cell.strip().lstrip("\ufeff") for cell in row]
            if first_header is None:
                first_header = cells
            lowered = [c.lower() for c in cells]
            if all(w in lowered for w in wanted):
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
        if first_header is None:
            yield Reject(source=source, origin=where, reason=t("files.csv_empty", where=where))
            return
        lowered = [c.lower() for c in first_header]
        missing = [c for c, w in zip(required, wanted, strict=True) if w not in lowered]
        yield Reject(
            source=source,
            origin=where,
            reason=t(
                "files.csv_missing_columns",
                where=where,
                columns=", ".join(missing),
                header=", ".join(first_header)[:300],
            ),
        )
        return
    # canonical names: the spelling of ``required``/``optional`` when they match
    canonical = {c.strip().lower(): c for c in (*required, *optional)}
    names = [canonical.get(c.lower(), c) for c in header]
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
