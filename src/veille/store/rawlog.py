"""The raw log: every raw item, appended before it is mapped, compressed, per source and
per day (``raw/SOURCE/YYYY-MM-DD.jsonl.zst``).

Each append is one independent zstd frame of JSON lines, fsynced, and then its end offset
is recorded in the segment's ``.idx`` sidecar (also fsynced). Readers stop at the last
recorded offset, and the next append truncates whatever a crash left after it, so a
kill -9 mid-write never corrupts a segment and an item is in the log only once it is
recorded. ``redact`` rewrites segments (to a temporary file, then an atomic rename) to drop
items that tombstones name.

The store indexes the raw log (``store/schema.py``: ``raw_items``, ``raw_keys``,
``raw_segments``, written by the one writer with each batch): which items it holds (a
source and a hash of the payload, ``item_hash``), so a re-import or a redelivery appends
nothing twice; where each content key lies (a post, reaction or follow URI, an account),
so a redaction rewrites only the segments that hold a redacted key; and how far each
segment is indexed, so what a crash left appended but not indexed is indexed on the next
run (``read_bytes(start=...)``).
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import msgspec
import zstandard

from veille.model import RawItem

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(RawItem)


def _line(item: RawItem) -> bytes:
    """The item as one JSON line (a pretty-printed payload is re-encoded on one line)."""
    line = _ENCODER.encode(item)
    if b"\n" in line or b"\r" in line:
        item = msgspec.structs.replace(
            item, payload=msgspec.Raw(_ENCODER.encode(msgspec.json.decode(item.payload)))
        )
        line = _ENCODER.encode(item)
    return line


def item_hash(item: RawItem) -> int:
    """The key of a raw item in the raw log's index: 63 bits of a hash of its source and
    payload (as the raw log stores it). The same item delivered twice (a re-import, a
    stream's redelivery) is kept once; a changed one (new counts, an edit) is new
    information and kept too."""
    payload = bytes(item.payload)
    if b"\n" in payload or b"\r" in payload:
        payload = _ENCODER.encode(msgspec.json.decode(payload))
    digest = hashlib.blake2b(payload, digest_size=8, key=item.source.encode()[:64])
    return int.from_bytes(digest.digest(), "big") >> 1


def segment_name(source: str, day: str) -> str:
    """``SOURCE/YYYY-MM-DD.jsonl.zst``, relative to the raw log's root (later parts of a
    day are ``YYYY-MM-DD_001.jsonl.zst``...: they sort after it, and before the next day)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in source)
    return f"{safe}/{day}.jsonl.zst"


class Segment:
    """One ``.jsonl.zst`` file and its ``.idx`` of committed end offsets."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index_path = path.with_name(path.name + ".idx")

    @property
    def name(self) -> str:
        """``SOURCE/DAY.jsonl.zst``, as the store's raw-log index names it."""
        return f"{self.path.parent.name}/{self.path.name}"

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

    def append(self, frame: bytes) -> int:
        """Append one frame durably; returns the new committed size."""
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
        return end

    def read_bytes(self, start: int = 0) -> Iterator[bytes]:
        """The committed JSON lines of this segment (from the frame at ``start``, a
        committed end offset)."""
        size = self.committed_size() - start
        if size <= 0:
            return
        with open(self.path, "rb") as handle:
            handle.seek(start)
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


@dataclass
class Appended:
    """Where an append put each item (``segments[i]`` for ``items[i]``) and the new
    committed size of each segment written."""

    segments: list[str]
    sizes: dict[str, int]


class RawLog:
    #: a day's segment rolls over to ``DAY_001``, ``DAY_002``... past this size, so that a
    #: redaction rewrites a bounded amount around each redacted item
    max_segment_bytes = 8 << 20

    def __init__(self, root: Path, level: int = 3) -> None:
        self.root = root
        self._compressor = zstandard.ZstdCompressor(level=level)
        self._current: dict[tuple[str, str], Segment] = {}
        # one append at a time: a zstd compressor is not thread-safe, and two producers
        # (an import and a collector) may append to the same segment
        self._lock = threading.Lock()

    def segment_for(self, source: str, day: str) -> Segment:
        """The segment that takes a day's next items of ``source``."""
        current = self._current.get((source, day))
        if current is None:
            first = Segment(self.root / segment_name(source, day))
            parts = sorted(first.path.parent.glob(f"{day}_*.jsonl.zst"))
            current = Segment(parts[-1]) if parts else first
        if current.committed_size() >= self.max_segment_bytes:
            part = 1 if current.path.name[10] == "." else int(current.path.name[11:14]) + 1
            current = Segment(current.path.with_name(f"{day}_{part:03d}.jsonl.zst"))
        self._current[(source, day)] = current
        return current

    def segment(self, name: str) -> Segment:
        return Segment(self.root / name)

    def append(self, items: Sequence[RawItem]) -> Appended:
        """Append items durably (fsync) before they are mapped and stored."""
        groups: dict[tuple[str, str], list[bytes]] = defaultdict(list)
        keys: list[tuple[str, str]] = []
        for item in items:
            day = item.received_at.strftime("%Y-%m-%d")
            line = _line(item)
            groups[(item.source, day)].append(line)
            keys.append((item.source, day))
        sizes: dict[str, int] = {}
        names: dict[tuple[str, str], str] = {}
        with self._lock:
            for (source, day), lines in groups.items():
                frame = self._compressor.compress(b"\n".join(lines) + b"\n")
                segment = self.segment_for(source, day)
                sizes[segment.name] = segment.append(frame)
                names[(source, day)] = segment.name
        return Appended([names[k] for k in keys], sizes)

    def segments(self) -> list[Segment]:
        if not self.root.exists():
            return []
        return [Segment(p) for p in sorted(self.root.glob("*/*.jsonl.zst"))]

    def items_from(self, segment: Segment, start: int) -> Iterator[RawItem]:
        """The items of ``segment`` after the committed offset ``start``."""
        for line in segment.read_bytes(start):
            yield _DECODER.decode(line)

    def items(self, segments: Iterable[Segment] | None = None) -> Iterator[RawItem]:
        for segment in segments if segments is not None else self.segments():
            for line in segment.read_bytes():
                yield _DECODER.decode(line)

    def count_bytes(self) -> int:
        return sum(s.committed_size() for s in self.segments())

    def redact(
        self, drop: Callable[[RawItem], bool], segments: Iterable[Segment] | None = None
    ) -> int:
        """Rewrite each of ``segments`` (default: all) that holds an item for which
        ``drop`` is true, without those items. Returns how many items were removed."""
        return sum(hit for hit, _ in self.rewrite(drop, segments).values())

    def rewrite(
        self, drop: Callable[[RawItem], bool], segments: Iterable[Segment] | None = None
    ) -> dict[str, tuple[int, int]]:
        """Rewrite each of ``segments`` (default: all) that holds an item for which
        ``drop`` is true, without those items. Returns, for each segment rewritten, how
        many items were removed and its new committed size."""
        done: dict[str, tuple[int, int]] = {}
        for segment in self.segments() if segments is None else segments:
            with self._lock:  # no append may land between the read and the swap
                result = self._rewrite(segment, drop)
            if result is not None:
                done[segment.name] = result
        return done

    def _rewrite(self, segment: Segment, drop: Callable[[RawItem], bool]) -> tuple[int, int] | None:
        kept: list[bytes] = []
        hit = 0
        for line in segment.read_bytes():
            if drop(_DECODER.decode(line)):
                hit += 1
            else:
                kept.append(line.rstrip(b"\n"))
        if not hit:
            return None
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
        return hit, len(frame)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
