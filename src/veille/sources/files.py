"""Streaming file helpers shared by the importers.

Everything here streams: a file is never read whole into memory, and bad input becomes a
``Reject`` that names where it was (``path:line``, or ``path!member:line`` inside a zip)
instead of an exception that stops the import.

- ``open_stream`` opens a plain, gzip (``.gz``) or zstandard (``.zst``) file, recognised by
  its magic bytes rather than its name; a truncated compressed file raises ``EOFError`` at
  the point where the data ends, which the iterators below turn into a ``Reject``.
- ``iter_lines`` yields ``(line_number, bytes)`` for the non-blank lines of a stream, with a
  size limit per line and a UTF-8 check; ``iter_json_lines`` adds a JSON syntax check and
  builds the ``RawItem`` (the importers of JSONL formats are a few lines on top of it).
- ``iter_json_values`` streams the values of a JSON document that is one array, one object,
  or a sequence of values (JSONL, pretty-printed or not): the elements of a 200 MB array are
  yielded one by one, with the line each starts on. Values are yielded on one line (line
  breaks between tokens become spaces, see ``one_line``) because the raw log is JSONL.
- ``Container`` opens a zip archive or a folder uniformly (a plain file is a container of
  one member). A zip with a damaged central directory (a truncated download) is salvaged by
  walking its local headers: the members that can be read are read, and a ``Reject`` names
  the archive.
- ``iter_csv_rows`` reads a CSV file with a header, finds the header after a preamble (the
  ``Notes:`` lines of a LinkedIn export), checks the required columns (one ``Reject`` naming
  the file and the missing columns, and the file's rows are skipped), and reports each bad
  row as ``file:line``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

import msgspec
import zstandard
from pydantic import BaseModel, ConfigDict, Field

from veille.i18n import register, t
from veille.model import utcnow
from veille.sources.base import (
    DECODE_ERRORS,
    MAX_ITEM_BYTES,
    Importer,
    RawItem,
    Reject,
    decode_problem,
    excerpt,
)
from veille.sources.csvdialect import HEAD_BYTES, header_key, sniff

register(
    {
        "files.too_big": (
            "ligne {line} : élément de {size} octets, au-delà de la limite de {limit}",
            "line {line}: item of {size} bytes exceeds the limit of {limit}",
        ),
        "files.value_too_big": (
            "ligne {line} : valeur JSON de plus de {limit} octets, ignorée",
            "line {line}: JSON value larger than the limit of {limit} bytes, skipped",
        ),
        "files.bad_utf8": (
            "ligne {line} : UTF-8 invalide à l'octet {position}",
            "line {line}: invalid UTF-8 at byte {position}",
        ),
        "files.bad_json": (
            "ligne {line} : JSON invalide : {error}",
            "line {line}: invalid JSON: {error}",
        ),
        "files.bad_json_range": (
            "lignes {line}-{end} : JSON invalide : {error}",
            "lines {line}-{end}: invalid JSON: {error}",
        ),
        "files.unreadable": (
            "{where} : données illisibles après la ligne {line} ({error}) ; la suite est ignorée",
            "{where}: unreadable data after line {line} ({error}); the rest is skipped",
        ),
        "files.unreadable_file": (
            "{where} : fichier illisible ({error})",
            "{where}: cannot read the file ({error})",
        ),
        "files.unreadable_folder": (
            "{where} : dossier illisible ({error}) ; ses fichiers ne sont pas importés",
            "{where}: cannot read the folder ({error}); its files are not imported",
        ),
        "files.missing": (
            "{where} : fichier ou dossier introuvable",
            "{where}: no such file or folder",
        ),
        "files.bad_zip": (
            "{where} : archive zip tronquée ou corrompue ({error}) ;"
            " {count} fichier(s) récupéré(s)",
            "{where}: truncated or corrupt zip archive ({error}); {count} member(s) recovered",
        ),
        "files.unterminated": (
            "ligne {line} : le document JSON s'arrête au milieu d'une valeur",
            "line {line}: the JSON document ends in the middle of a value",
        ),
        "files.csv_missing_columns": (
            "{where} : colonnes obligatoires absentes : {columns} (en-tête lu ligne {line} :"
            " {header}) ; les lignes de ce fichier sont ignorées",
            "{where}: missing required columns: {columns} (header read on line {line}:"
            " {header}); the rows of this file are skipped",
        ),
        "files.csv_empty": (
            "{where} : fichier CSV vide (pas d'en-tête)",
            "{where}: empty CSV file (no header)",
        ),
        "files.csv_row": (
            "ligne {line} : ligne CSV illisible : {error}",
            "line {line}: unreadable CSV row: {error}",
        ),
        "files.csv_width": (
            "ligne {line} : {found} champs au lieu de {expected}",
            "line {line}: {found} fields instead of {expected}",
        ),
    }
)

#: Errors that reading a damaged file or archive raises (truncated gzip/zstd/deflate,
#: CRC mismatch, I/O error). The iterators turn them into a ``Reject``.
READ_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
    zstandard.ZstdError,
    ValueError,
)

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 20


# --------------------------------------------------------------------------- streams


class _ZstdReader(io.RawIOBase):
    """Decompress a (multi-frame) zstandard stream; raise ``EOFError`` when the input ends
    inside a frame, which ``zstandard``'s own stream reader silently accepts."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._in_frame = False
        self._pending = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._pending and not self._eof:
            data = self._raw.read(_CHUNK)
            if not data:
                self._eof = True
                if self._in_frame:
                    raise EOFError("compressed file ended before the end of a zstd frame")
                break
            self._feed(data)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _feed(self, data: bytes) -> None:
        out: list[bytes] = []
        while data:
            self._in_frame = True
            out.append(self._obj.decompress(data))
            if self._obj.eof:
                data = self._obj.unused_data
                self._obj = self._dctx.decompressobj()
                self._in_frame = False
            else:
                data = b""
        self._pending += b"".join(out)

    def close(self) -> None:
        self._raw.close()
        super().close()


def decompressing(stream: BinaryIO) -> BinaryIO:
    """Wrap a buffered binary stream so that gzip or zstandard data (recognised by its magic
    bytes) is decompressed on the fly. Other data is returned as is."""
    peek = getattr(stream, "peek", None)
    head = peek(4)[:4] if peek is not None else b""
    if head.startswith(_GZIP_MAGIC):
        import gzip

        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    if head.startswith(_ZSTD_MAGIC):
        return io.BufferedReader(_ZstdReader(stream), _CHUNK)  # type: ignore[return-value]
    return stream


def open_stream(path: Path) -> BinaryIO:
    """Open a plain, ``.gz`` or ``.zst`` file for streaming reads (binary, buffered)."""
    return decompressing(open(path, "rb", buffering=_CHUNK))


def is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == _ZIP_MAGIC
    except OSError:
        return False


# --------------------------------------------------------------------------- lines


def _utf8_error(data: bytes) -> int | None:
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
                reason=t("files.unreadable", where=where, line=lineno, error=_describe(exc)),
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
                    chunk = readline(_CHUNK)
                    size += len(chunk)
                    if not chunk or chunk[-1:] == b"\n":
                        size -= len(chunk) - len(chunk.rstrip(b"\r\n"))
                        break
            except READ_ERRORS as exc:
                yield Reject(
                    source=source,
                    origin=f"{where}:{lineno}",
                    reason=t("files.unreadable", where=where, line=lineno, error=_describe(exc)),
                )
                return
            yield _too_big(source, where, lineno, size, max_bytes, head)
            continue
        line = line.rstrip(b"\r\n")
        if not line or line.isspace():
            continue
        if len(line) > max_bytes:
            yield _too_big(source, where, lineno, len(line), max_bytes, line[:2000])
            continue
        bad = _utf8_error(line)
        if bad is not None:
            yield Reject(
                source=source,
                origin=f"{where}:{lineno}",
                reason=t("files.bad_utf8", line=lineno, position=bad),
                item=excerpt(line),
            )
            continue
        yield lineno, line


def _too_big(source: str, where: str, line: int, size: int, limit: int, head: bytes) -> Reject:
    return Reject(
        source=source,
        origin=f"{where}:{line}",
        reason=t("files.too_big", line=line, size=size, limit=limit),
        item=excerpt(head, 500),
    )


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "…"


def _unreadable_file(source: str, where: str, exc: BaseException) -> Reject:
    return Reject(
        source=source,
        origin=where,
        reason=t("files.unreadable_file", where=where, error=_describe(exc)),
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
            data = stream.read(_CHUNK)
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
            bad = _utf8_error(value) if error is None else None
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
            reason=t("files.unreadable", where=where, line=line, error=_describe(exc.cause)),
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


# --------------------------------------------------------------------------- containers


@dataclass(frozen=True)
class Member:
    """One file of a container. ``name`` is its path inside the container (POSIX, relative),
    ``where`` names it in rejects (``archive.zip!data/tweets.js`` or the file's path)."""

    name: str
    where: str
    size: int | None
    opener: Callable[[], BinaryIO]

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name).name

    def open(self) -> BinaryIO:
        """The member's bytes, decompressed if it is itself a .gz or .zst file."""
        return decompressing(self.opener())


@dataclass
class Container:
    """A zip archive, a folder, or a single file seen as a list of members."""

    path: Path
    members: list[Member] = field(default_factory=list)
    problems: list[Reject] = field(default_factory=list)

    def find(self, *names: str) -> Member | None:
        """The first member whose base name matches one of ``names`` (case-insensitive),
        preferring the shortest path (``data/tweets.js`` over ``old/data/tweets.js``)."""
        wanted = [n.lower() for n in names]
        for name in wanted:
            hits = [m for m in self.members if m.basename.lower() == name]
            if hits:
                return min(hits, key=lambda m: (m.name.count("/"), m.name))
        return None

    def matching(self, pattern: str) -> list[Member]:
        """Members whose base name matches a regular expression (case-insensitive), in
        natural order (``part2`` before ``part10``)."""
        regex = re.compile(pattern, re.IGNORECASE)
        hits = [m for m in self.members if regex.fullmatch(m.basename)]
        return sorted(hits, key=lambda m: _natural_key(m.name))


def _natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def walk_files(folder: Path, source: str) -> tuple[list[Path], list[Reject]]:
    """Every file under ``folder`` (sorted), and a ``Reject`` for each subfolder that
    cannot be read (permissions, a folder removed while walking): never skipped silently."""
    files: list[Path] = []
    problems: list[Reject] = []

    def unreadable(exc: OSError) -> None:
        where = exc.filename or str(folder)
        problems.append(
            Reject(
                source=source,
                origin=str(where),
                reason=t("files.unreadable_folder", where=where, error=exc.strerror or exc),
            )
        )

    for top, _dirs, names in os.walk(folder, onerror=unreadable):
        files.extend(Path(top) / name for name in names if (Path(top) / name).is_file())
    return sorted(files), problems


def open_container(path: Path, source: str) -> Container:
    """Open ``path`` (a zip archive, a folder, or a plain file) as a container. A damaged zip
    is salvaged: ``problems`` holds a ``Reject`` naming it, ``members`` what could be read.
    A missing path gives a container with no member and one problem."""
    container = Container(path=path)
    if path.is_dir():
        files, problems = walk_files(path, source)
        container.problems.extend(problems)
        for file in files:
            rel = file.relative_to(path).as_posix()
            container.members.append(
                Member(
                    name=rel,
                    where=str(file),
                    size=file.stat().st_size,
                    opener=_file_opener(file),
                )
            )
        return container
    if not path.exists():
        container.problems.append(
            Reject(source=source, origin=str(path), reason=t("files.missing", where=path))
        )
        return container
    if not is_zip(path):
        container.members.append(
            Member(
                name=path.name,
                where=str(path),
                size=path.stat().st_size,
                opener=_file_opener(path),
            )
        )
        return container
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        salvaged = salvage_zip(path)
        container.members.extend(salvaged)
        container.problems.append(
            Reject(
                source=source,
                origin=str(path),
                reason=t("files.bad_zip", where=path, error=_describe(exc), count=len(salvaged)),
            )
        )
        return container
    for info in archive.infolist():
        if info.is_dir():
            continue
        container.members.append(
            Member(
                name=info.filename,
                where=f"{path}!{info.filename}",
                size=info.file_size,
                opener=_zip_opener(path, info),
            )
        )
    archive.close()
    return container


def _file_opener(path: Path) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        return open(path, "rb", buffering=_CHUNK)

    return opener


def _zip_opener(path: Path, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        archive = zipfile.ZipFile(path)
        member = archive.open(info)
        return _Closing(member, archive)  # type: ignore[return-value]

    return opener


class _Closing(io.BufferedReader):
    """A zip member stream that also closes its archive."""

    def __init__(self, member: IO[bytes], archive: zipfile.ZipFile) -> None:
        super().__init__(member, _CHUNK)  # type: ignore[arg-type]
        self._archive = archive

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._archive.close()


_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


class _InflateReader(io.RawIOBase):
    """Reads one member of a damaged zip from its local header: stored or deflated data,
    with a known compressed size or (deflate only) up to the end of the deflate stream."""

    def __init__(self, path: Path, offset: int, size: int | None, method: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115
        self._file.seek(offset)
        self._left = size
        self._method = method
        self._inflate = zlib.decompressobj(-15) if method == 8 else None
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        while not self._pending and not self._done:
            want = _CHUNK if self._left is None else min(_CHUNK, self._left)
            data = self._file.read(want) if want else b""
            if self._left is not None:
                self._left -= len(data)
            if not data:
                self._done = True
                if self._inflate is not None and not self._inflate.eof:
                    raise EOFError("zip member is truncated")
                if self._left:
                    raise EOFError("zip member is truncated")
                break
            if self._inflate is None:
                self._pending = data
            else:
                self._pending = self._inflate.decompress(data)
                if self._inflate.eof:
                    self._done = True
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._file.close()
        super().close()


def salvage_zip(path: Path) -> list[Member]:
    """The members of a zip whose central directory is missing or damaged, found by walking
    the local file headers from the start. Stops at the first header it cannot follow."""
    members: list[Member] = []
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except OSError:
        return members
    with handle:
        offset = 0
        while True:
            handle.seek(offset)
            head = handle.read(_LOCAL_HEADER.size)
            if len(head) < _LOCAL_HEADER.size:
                break
            (sig, _v, flags, method, _t, _d, _crc, csize, _usize, nlen, xlen) = (
                _LOCAL_HEADER.unpack(head)
            )
            if sig != _ZIP_MAGIC or method not in (0, 8):
                break
            raw_name = handle.read(nlen)
            extra = handle.read(xlen)
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
            data_start = offset + _LOCAL_HEADER.size + nlen + xlen
            if csize == 0xFFFFFFFF:
                csize = _zip64_size(extra) or 0
            known = not (flags & 0x08) or csize > 0
            if not known and method != 8:
                break
            size: int | None = csize if known else None
            if not name.endswith("/"):
                members.append(
                    Member(
                        name=name,
                        where=f"{path}!{name}",
                        size=None,
                        opener=_salvage_opener(path, data_start, size, method),
                    )
                )
            if known:
                offset = data_start + csize
            else:
                end = _deflate_end(handle, data_start)
                if end is None:
                    break
                offset = end
            if flags & 0x08:
                handle.seek(offset)
                if handle.read(4) == b"PK\x07\x08":
                    offset += 4
                offset += 12
                handle.seek(offset)
                if handle.read(4) != _ZIP_MAGIC:  # zip64 descriptor: 8-byte sizes
                    offset += 8
    return members


def _zip64_size(extra: bytes) -> int | None:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 1 and length >= 16:
            return int(struct.unpack_from("<Q", extra, pos + 12)[0])
        pos += 4 + length
    return None


def _deflate_end(handle: BinaryIO, start: int) -> int | None:
    """Offset just past a deflate stream that starts at ``start`` (``None`` if truncated)."""
    handle.seek(start)
    inflate = zlib.decompressobj(-15)
    consumed = 0
    while True:
        data = handle.read(_CHUNK)
        if not data:
            return None
        try:
            inflate.decompress(data)
        except zlib.error:
            return None
        if inflate.eof:
            return start + consumed + len(data) - len(inflate.unused_data)
        consumed += len(data)


def _salvage_opener(
    path: Path, start: int, size: int | None, method: int
) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        return io.BufferedReader(_InflateReader(path, start, size, method), _CHUNK)  # type: ignore[return-value]

    return opener


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
    encoding found by ``csvdialect``) are decoded on the way."""

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
    written is found from its head (``csvdialect.sniff``): the encoding (byte-order mark,
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
        yield _unreadable_file(source, where, exc)
        return
    if not head.strip():
        yield Reject(source=source, origin=where, reason=t("files.csv_empty", where=where))
        return
    dialect = sniff(head, required, delimiter=delimiter, preamble_lines=preamble_lines)
    counter = _Counting(
        io.BufferedReader(_Prefixed(head, stream), _CHUNK),  # type: ignore[arg-type]
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
        yield _unreadable_file(source, where, exc)
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
                reason=t("files.unreadable", where=where, line=start - 1, error=_describe(exc)),
            )
            return
        if not row or not any(cell.strip() for cell in row):
            continue
        joined = "\x1f".join(row)
        if len(joined) > max_bytes and len(joined.encode("utf-8", "surrogateescape")) > max_bytes:
            size = len(joined.encode("utf-8", "surrogateescape"))
            yield _too_big(source, where, start, size, max_bytes, joined[:2000].encode())
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


# --------------------------------------------------------------------------- JSONL sources


def jsonl_members(path: Path, source: str) -> Iterator[Member | Reject]:
    """The files to read for a JSONL importer: the file itself (plain, .gz, .zst), every
    file of a folder (recursively, sorted, hidden files skipped), or every member of a zip."""
    container = open_container(path, source)
    yield from container.problems
    for member in container.members:
        if any(part.startswith(".") for part in PurePosixPath(member.name).parts):
            continue
        yield member


def read_jsonl(
    path: Path,
    source: str,
    *,
    max_bytes: int = MAX_ITEM_BYTES,
) -> Iterator[RawItem | Reject]:
    """Stream a JSONL file, folder or zip as raw items, one per line."""
    received = utcnow()
    for member in jsonl_members(path, source):
        if isinstance(member, Reject):
            yield member
            continue
        yield from member_json_lines(member, source, max_bytes=max_bytes, received_at=received)


class JsonLinesImporter(Importer):
    """An importer of JSONL files, folders or zips: one raw item per line, the line's bytes
    untouched. Subclasses may change the default of ``max_line_bytes`` in their ``Options``
    (a subclass of this ``Options``)."""

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

        max_line_bytes: int = Field(
            default=MAX_ITEM_BYTES, gt=0, description="Lines longer than this are rejected."
        )

    def read(self, path: Path) -> Iterator[RawItem | Reject]:
        options = self.Options.model_validate(self.options.model_dump())
        yield from read_jsonl(path, self.id, max_bytes=options.max_line_bytes)


def open_member(member: Member, source: str) -> BinaryIO | Reject:
    """The member opened for reading, or a ``Reject`` naming it when it cannot be."""
    try:
        return member.open()
    except READ_ERRORS as exc:
        return _unreadable_file(source, member.where, exc)


def member_json_lines(
    member: Member,
    source: str,
    *,
    max_bytes: int = MAX_ITEM_BYTES,
    received_at: datetime | None = None,
) -> Iterator[RawItem | Reject]:
    """``iter_json_lines`` over one member, opened here (a ``Reject`` if it cannot be)."""
    stream = open_member(member, source)
    if isinstance(stream, Reject):
        yield stream
        return
    with stream:
        yield from iter_json_lines(
            stream, source, member.where, max_bytes=max_bytes, received_at=received_at
        )


def member_csv_rows(
    member: Member,
    source: str,
    required: Sequence[str],
    *,
    optional: Sequence[str] = (),
    max_bytes: int = MAX_ITEM_BYTES,
    delimiter: str | None = None,
) -> Iterator[tuple[int, dict[str, str]] | Reject]:
    """``iter_csv_rows`` over one member, opened here (a ``Reject`` if it cannot be)."""
    stream = open_member(member, source)
    if isinstance(stream, Reject):
        yield stream
        return
    with stream:
        yield from iter_csv_rows(
            stream,
            source,
            member.where,
            required,
            optional=optional,
            max_bytes=max_bytes,
            delimiter=delimiter,
        )


def json_layout(member: Member, max_bytes: int = MAX_ITEM_BYTES) -> str:
    """How a JSON file is laid out: ``"array"`` (first non-blank byte is ``[``), ``"lines"``
    (the first non-blank line is one whole JSON value: JSONL) or ``"values"`` (one or more
    pretty-printed values). Reads at most one line."""
    try:
        with member.open() as stream:
            while True:
                line = stream.readline(max_bytes + 2)
                if not line:
                    return "lines"
                stripped = line.strip()
                if stripped:
                    break
    except READ_ERRORS:
        return "lines"
    if stripped.startswith(b"["):
        return "array"
    return "lines" if json_error(stripped) is None else "values"


def iter_json_items(
    member: Member, source: str, *, max_bytes: int = MAX_ITEM_BYTES
) -> Iterator[tuple[int, bytes] | Reject]:
    """``(line, value)`` for each item of a JSON or JSONL file: the elements of a top-level
    array, the lines of a JSONL file (a bad line does not hide the next ones), or the values
    of a file of pretty-printed objects."""
    layout = json_layout(member, max_bytes)
    stream = open_member(member, source)
    if isinstance(stream, Reject):
        yield stream
        return
    with stream:
        if layout != "lines":
            yield from iter_json_values(stream, source, member.where, max_bytes=max_bytes)
            return
        for entry in iter_lines(stream, source, member.where, max_bytes=max_bytes):
            if isinstance(entry, Reject):
                yield entry
                continue
            lineno, value = entry
            error = json_error(value)
            if error is not None:
                yield Reject(
                    source=source,
                    origin=f"{member.where}:{lineno}",
                    reason=t("files.bad_json", line=lineno, error=error),
                    item=excerpt(value),
                )
                continue
            yield lineno, one_line(value)


def sniff_delimiter(member: Member, candidates: str = ",;\t|") -> str:
    """The most frequent of ``candidates`` on the first non-blank line (``,`` if none):
    a French spreadsheet saves CSV with ``;``."""
    try:
        with member.open() as stream:
            for _ in range(50):
                line = stream.readline(1 << 16)
                if not line:
                    break
                if line.strip():
                    text = line.decode("utf-8", "replace")
                    best = max(candidates, key=text.count)
                    return best if text.count(best) else ","
    except READ_ERRORS:
        return ","
    return ","
