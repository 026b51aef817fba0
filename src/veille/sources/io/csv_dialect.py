"""How a CSV file is written, found from its first bytes: the encoding, the delimiter, the
quoting, and the line of its header.

Real exports differ: LinkedIn's 2018 ``Shares.csv`` is UTF-16 LE with a byte-order mark and
tab-separated; a French spreadsheet saves ``;``-separated windows-1252; LinkedIn's 2025
``Comments.csv`` escapes quotes with a backslash (``\\"``) instead of doubling them; exports
start with a few ``Notes:`` lines before the header; column names change spelling across
years (``ShareLink``, ``Share Link``). ``sniff`` reads the head of the file once and says
all of it; ``header_key`` compares column names whatever their case, spaces, ``_`` or ``-``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DELIMITERS = ",;\t|"
_KEY = re.compile(r"[\s_\-]+")
#: How much of the file is read to decide (the header is within the first lines).
HEAD_BYTES = 64 * 1024


def header_key(name: str) -> str:
    """A column name for comparison: ``Share Link``, ``ShareLink``, ``share_link`` agree."""
    return _KEY.sub("", name.strip().lstrip("\ufeff")).lower()


def encoding_of(head: bytes) -> str:
    """The encoding of a file that starts with ``head``: its byte-order mark, else UTF-8
    when the head is UTF-8 (a character cut at the end of the head is allowed) or mostly
    so, else what charset-normalizer finds (windows-1252 when it finds nothing)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if looks_utf16(head):
        return "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    # a UTF-8 file with a few damaged bytes stays UTF-8 (the rows that hold them are
    # rejected); a file in a legacy encoding has many non-UTF-8 bytes and no UTF-8 text
    text = head.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if c > "\x7f" and c != "\ufffd")
    if bad < 2 or good * 3 > bad:
        return "utf-8"
    return legacy_encoding(head)


def legacy_encoding(data: bytes) -> str:
    """The encoding of bytes that are not UTF-8: charset-normalizer's answer when it is sure
    (no chaos, coherent text), else windows-1252 when the bytes read as such (the
    spreadsheets of a French-first tool; a short sample fools detectors: "Élève" came out
    as Estonian mac_latin2), else charset-normalizer's best guess."""
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is not None and best.chaos == 0.0 and best.coherence >= 0.5:
        return str(best.encoding)
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return str(best.encoding) if best is not None else "latin-1"


def looks_utf16(head: bytes) -> bool:
    """UTF-16 without a byte-order mark: every other byte of ASCII text is zero."""
    sample = head[:200]
    if len(sample) < 8:
        return False
    evens, odds = sample[0::2], sample[1::2]
    return evens.count(0) > 0.4 * len(evens) or odds.count(0) > 0.4 * len(odds)


@dataclass(frozen=True)
class Dialect:
    encoding: str
    delimiter: str
    escapechar: str | None
    #: 1-based line of the header, and its cells (``None`` when no line has every
    #: required column: then ``best`` is the line that had the most of them)
    header_line: int | None
    header: list[str] | None
    best_line: int | None
    best: list[str] | None


def sniff(
    head: bytes,
    required: Sequence[str],
    *,
    delimiter: str | None = None,
    preamble_lines: int = 20,
) -> Dialect:
    """The dialect of a CSV file that starts with ``head`` (see the module docstring). The
    header is the first of the first ``preamble_lines`` non-blank lines that holds every
    ``required`` column, with the delimiter that makes it so (``delimiter`` forces one)."""
    encoding = encoding_of(head)
    text = head.decode(encoding, "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    escapechar = _escapechar(text, delimiter or _most_frequent(text.splitlines()[:preamble_lines]))
    wanted = [header_key(c) for c in required]
    candidates = delimiter or DELIMITERS
    lines = text.splitlines()[:preamble_lines]
    best: tuple[int, int, list[str]] | None = None  # (score, line, cells)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        for sep in candidates:
            cells = _cells(line, sep, escapechar)
            keys = {header_key(c) for c in cells}
            score = sum(1 for w in wanted if w in keys)
            if score == len(wanted) and (len(cells) > 1 or len(wanted) <= 1):
                return Dialect(encoding, sep, escapechar, number, cells, number, cells)
            if best is None or score > best[0]:
                best = (score, number, cells)
    fallback = delimiter or _most_frequent(lines)
    if best is not None and best[0] == 0:
        first = next(((n, ln) for n, ln in enumerate(lines, 1) if ln.strip()), None)
        best = (0, first[0], _cells(first[1], fallback, escapechar)) if first else None
    return Dialect(
        encoding,
        fallback,
        escapechar,
        None,
        None,
        best[1] if best else None,
        best[2] if best else None,
    )


def _escapechar(text: str, delimiter: str) -> str | None:
    """``\\`` when quotes are escaped with a backslash (``\\"``, LinkedIn 2025), not doubled:
    the head does not parse as standard CSV and parses with the backslash escape."""
    if '\\"' not in text:
        return None
    cut = text[: text.rfind("\n") + 1] or text  # the head may end inside a row
    if _parses(cut, delimiter, None) or not _parses(cut, delimiter, "\\"):
        return None
    return "\\"


def _parses(text: str, delimiter: str, escapechar: str | None) -> bool:
    try:
        for _row in csv.reader(
            io.StringIO(text), delimiter=delimiter, escapechar=escapechar, strict=True
        ):
            pass
    except csv.Error:
        return False
    return True


def _cells(line: str, delimiter: str, escapechar: str | None) -> list[str]:
    try:
        row = next(csv.reader([line], delimiter=delimiter, escapechar=escapechar), [])
    except csv.Error:
        row = line.split(delimiter)
    return [cell.strip().lstrip("\ufeff") for cell in row]


def _most_frequent(lines: Sequence[str]) -> str:
    first = next((ln for ln in lines if ln.strip()), "")
    best = max(DELIMITERS, key=first.count)
    return best if first.count(best) else ","
