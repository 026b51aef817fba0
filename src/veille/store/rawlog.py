"""The raw log: every raw item, appended before it is mapped, compressed, per source and
per day (``raw/SOURCE/YYYY-MM-DD.jsonl.zst``).

Each append is one independent zstd frame of JSON lines, fsynced, and then its end offset
is recorded in the segment's ``.idx`` sidecar (also fsynced). Readers stop at the last
recorded offset, and the next append truncates whatever a crash left after it, so a
kill -9 mid-write never corrupts a segment and an item is in the log only once it is
recorded. ``redact`` rewrites segments (to a temporary file, then an atomic rename) to drop
items that tombstones name.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, cast

import msgspec
import zstandard

from veille.model import RawItem

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(RawItem)


class Segment:
    """One ``.jsonl.zst`` file and its ``.idx`` of committed end offsets."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index_path = path.with_name(path.name + ".idx")

    def committed_size(self) -> int:
        """The last recorded end offset, capped by the file's size (after a redaction
        swapped the data file but crashed before swapping the index, the whole new file
        is valid and the old, larger offset must not be trusted)."""
        if not self.index_path.exists() or not self.path.exists():
            return 0
        last = 0
        with open(self.index_path, "rb") as handle:
            for line in handle:
                line = line.strip()
                if line.isdigit():
                    last = int(line)
        return min(last, self.path.stat().st_size)

    def append(self, frame: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        committed = self.committed_size()
        with open(self.path, "ab") as out:
            if os.fstat(out.fileno()).st_size != committed:
                out.truncate(committed)  # drop a torn frame left by a crash
            out.write(frame)
            out.flush()
            os.fsync(out.fileno())
        end = committed + len(frame)
        with open(self.index_path, "ab") as index:
            index.write(b"%d\n" % end)
            index.flush()
            os.fsync(index.fileno())

    def read_bytes(self) -> Iterator[bytes]:
        """The committed JSON lines of this segment."""
        size = self.committed_size()
        if size == 0:
            return
        with open(self.path, "rb") as handle:
            limited = io.BytesIO(handle.read(size)) if size < (64 << 20) else _Limited(handle, size)
            reader = zstandard.ZstdDecompressor().stream_reader(
                cast(IO[bytes], limited), read_across_frames=True
            )
            for line in io.BufferedReader(reader, buffer_size=1 << 20):  # type: ignore[arg-type]
                if line.strip():
                    yield line


class _Limited(io.RawIOBase):
    """A reader that stops after ``limit`` bytes (the committed part of a segment)."""

    def __init__(self, handle: IO[bytes], limit: int) -> None:
        self.handle = handle
        self.left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self.left)]
        count = self.handle.readinto(view)  # type: ignore[attr-defined]
        self.left -= count or 0
        return count or 0


class RawLog:
    def __init__(self, root: Path, level: int = 3) -> None:
        self.root = root
        self._compressor = zstandard.ZstdCompressor(level=level)

    def segment_for(self, source: str, day: str) -> Segment:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in source)
        return Segment(self.root / safe / f"{day}.jsonl.zst")

    def append(self, items: Sequence[RawItem]) -> None:
        """Append items durably (fsync) before they are mapped and stored."""
        groups: dict[tuple[str, str], list[bytes]] = defaultdict(list)
        for item in items:
            day = item.received_at.strftime("%Y-%m-%d")
            line = _ENCODER.encode(item)
            if b"\n" in line or b"\r" in line:  # pretty-printed JSON: one line per item
                item = msgspec.structs.replace(
                    item, payload=msgspec.Raw(_ENCODER.encode(msgspec.json.decode(item.payload)))
                )
                line = _ENCODER.encode(item)
            groups[(item.source, day)].append(line)
        for (source, day), lines in groups.items():
            frame = self._compressor.compress(b"\n".join(lines) + b"\n")
            self.segment_for(source, day).append(frame)

    def segments(self) -> list[Segment]:
        if not self.root.exists():
            return []
        return [Segment(p) for p in sorted(self.root.glob("*/*.jsonl.zst"))]

    def items(self, segments: Iterable[Segment] | None = None) -> Iterator[RawItem]:
        for segment in segments if segments is not None else self.segments():
            for line in segment.read_bytes():
                yield _DECODER.decode(line)

    def count_bytes(self) -> int:
        return sum(s.committed_size() for s in self.segments())

    def redact(self, drop: Callable[[RawItem], bool]) -> int:
        """Rewrite every segment that holds an item for which ``drop`` is true, without
        those items. Returns how many items were removed."""
        removed = 0
        for segment in self.segments():
            kept: list[bytes] = []
            hit = 0
            for line in segment.read_bytes():
                if drop(_DECODER.decode(line)):
                    hit += 1
                else:
                    kept.append(line.rstrip(b"\n"))
            if not hit:
                continue
            removed += hit
            tmp = segment.path.with_name(segment.path.name + ".tmp")
            tmp_index = segment.index_path.with_name(segment.index_path.name + ".tmp")
            frame = self._compressor.compress(b"\n".join(kept) + b"\n") if kept else b""
            with open(tmp, "wb") as out:
                out.write(frame)
                out.flush()
                os.fsync(out.fileno())
            with open(tmp_index, "wb") as index:
                index.write(b"%d\n" % len(frame))
                index.flush()
                os.fsync(index.fileno())
            # Data first, then index: in between, committed_size() caps the old offset by
            # the new file's size, which is exactly the new, valid content.
            os.replace(tmp, segment.path)
            os.replace(tmp_index, segment.index_path)
            _fsync_dir(segment.path.parent)
        return removed


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
