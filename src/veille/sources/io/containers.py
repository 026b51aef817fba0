"""``Container`` opens a zip archive or a folder uniformly (a plain file is a container of
one member). A zip with a damaged central directory (a truncated download) is salvaged by
walking its local headers: the members that can be read are read, and a ``Reject`` names
the archive.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from veille.i18n import t
from veille.sources.base import Reject
from veille.sources.io.lines import describe_error
from veille.sources.io.streams import CHUNK, ZIP_MAGIC, decompressing, is_zip

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
                reason=t(
                    "files.bad_zip", where=path, error=describe_error(exc), count=len(salvaged)
                ),
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
        return open(path, "rb", buffering=CHUNK)

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
        super().__init__(member, CHUNK)  # type: ignore[arg-type]
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
            want = CHUNK if self._left is None else min(CHUNK, self._left)
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
            if sig != ZIP_MAGIC or method not in (0, 8):
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
                if handle.read(4) != ZIP_MAGIC:  # zip64 descriptor: 8-byte sizes
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
        data = handle.read(CHUNK)
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
        return io.BufferedReader(_InflateReader(path, start, size, method), CHUNK)  # type: ignore[return-value]

    return opener
