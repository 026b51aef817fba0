"""Opening files for streaming reads: plain, gzip (``.gz``) or zstandard (``.zst``),
recognised by their magic bytes rather than their name. A truncated compressed file raises
``EOFError`` at the point where the data ends, which the readers turn into a ``Reject``.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import IO, BinaryIO

import zstandard

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
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 1 << 20


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
            data = self._raw.read(CHUNK)
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
        return io.BufferedReader(_ZstdReader(stream), CHUNK)  # type: ignore[return-value]
    return stream


def open_stream(path: Path) -> BinaryIO:
    """Open a plain, ``.gz`` or ``.zst`` file for streaming reads (binary, buffered)."""
    return decompressing(open(path, "rb", buffering=CHUNK))


def is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == ZIP_MAGIC
    except OSError:
        return False
