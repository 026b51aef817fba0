"""The rejects file: input set aside, one JSON line each, with where and why
(``data/rejects/YYYY-MM-DD.jsonl``)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import msgspec

from veille.model import Reject, utcnow


def printable(text: str) -> str:
    """``text`` as valid UTF-8: lone surrogates (bytes that were not UTF-8, decoded with
    ``surrogateescape``) become ``\\udcXX`` escapes, so no input can stop the rejects file
    from being written."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class RejectLine(msgspec.Struct):
    at: str
    source: str
    origin: str
    reason: str
    item: str


class RejectLog:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for_today(self) -> Path:
        return self.root / f"{utcnow():%Y-%m-%d}.jsonl"

    def write(self, rejects: Sequence[Reject]) -> Path | None:
        if not rejects:
            return None
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.path_for_today()
        at = utcnow().isoformat(timespec="seconds")
        with open(path, "ab") as out:
            for reject in rejects:
                line = RejectLine(
                    at=at,
                    source=printable(reject.source),
                    origin=printable(reject.origin),
                    reason=printable(reject.reason),
                    item=printable(reject.item),
                )
                out.write(msgspec.json.encode(line) + b"\n")
            out.flush()
            os.fsync(out.fileno())
        return path

    def lines(self) -> Iterator[RejectLine]:
        if not self.root.exists():
            return
        decoder = msgspec.json.Decoder(RejectLine)
        for path in sorted(self.root.glob("*.jsonl")):
            with open(path, "rb") as handle:
                for line in handle:
                    yield decoder.decode(line)

    def count(self) -> int:
        return sum(1 for _ in self.lines())
