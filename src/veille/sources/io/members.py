"""The members of a container read as items: JSONL members (``JsonLinesImporter``), JSON or
JSONL files laid out as arrays or lines (``iter_json_items``), CSV members, each opened
here so that a member that cannot be opened becomes a ``Reject`` naming it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from veille.i18n import t
from veille.model import utcnow
from veille.sources.base import MAX_ITEM_BYTES, Importer, RawItem, Reject, excerpt
from veille.sources.io.containers import Member, open_container
from veille.sources.io.csv_rows import iter_csv_rows
from veille.sources.io.json_values import iter_json_values
from veille.sources.io.lines import (
    iter_json_lines,
    iter_lines,
    json_error,
    one_line,
    unreadable_file,
)
from veille.sources.io.streams import READ_ERRORS

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
        return unreadable_file(source, member.where, exc)


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
