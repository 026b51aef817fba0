"""``veille enrich``: run the enrichment stages.

``veille enrich --text FILE`` (``-`` for stdin) needs no workspace: one text per line in,
one JSON object per line out (language, its confidence, sentiment and its
probabilities), a chunk of lines at a time through the same Arrow stages as the store.
Without ``--text`` it enriches the workspace's stored posts that lack the current stage
versions (``veille.flow.enrich.enrich_pending``).
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyarrow as pa
import typer

from veille.cli.common import WorkspaceOption, err, progress_bar
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t
from veille.jsonable import dumps

#: Lines read and scored together.
CHUNK = 4096

register_messages(
    {
        "enrich.no_file": (
            "{path} : fichier introuvable",
            "{path}: no such file",
        ),
        "enrich.not_utf8": (
            "{path} : ligne {line} : pas de l'UTF-8 (octet {byte})",
            "{path}: line {line}: not UTF-8 (byte {byte})",
        ),
        "enrich.done": (
            "{count} publications enrichies",
            "{count} posts enriched",
        ),
    }
)


def _chunks(stream: IO[bytes], name: str) -> Iterator[list[str]]:
    """Lines of ``stream`` (without their newline), ``CHUNK`` at a time. A line that is not
    UTF-8 is reported on stderr (file, line, byte) and read with U+FFFD for the bad bytes:
    it still gets its output line, so output lines match input lines."""
    chunk: list[str] = []
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            err.print(t("enrich.not_utf8", path=name, line=number, byte=exc.start), markup=False)
            line = raw.decode("utf-8", errors="replace")
        chunk.append(line.rstrip("\r\n"))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prob(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 4)


def enrich_lines(lines: list[str]) -> list[dict[str, object]]:
    """Language and sentiment of each line, as the JSON objects ``--text`` prints."""
    from veille.pipeline.language import LanguageStage
    from veille.pipeline.sentiment import SentimentStage

    batch = pa.RecordBatch.from_arrays([pa.array(lines, type=pa.string())], names=["text"])
    for stage in (LanguageStage(), SentimentStage()):
        batch = stage(batch)
    cols = {
        name: batch.column(name).to_pylist()
        for name in ("lang_id", "lang_conf", "sentiment", "p_negative", "p_neutral", "p_positive")
    }
    out: list[dict[str, object]] = []
    for i in range(batch.num_rows):
        out.append(
            {
                "lang": cols["lang_id"][i],
                "lang_conf": round(cols["lang_conf"][i], 4),
                "sentiment": cols["sentiment"][i],
                "probabilities": {
                    "negative": _prob(cols["p_negative"][i]),
                    "neutral": _prob(cols["p_neutral"][i]),
                    "positive": _prob(cols["p_positive"][i]),
                },
            }
        )
    return out


def enrich_text(source: Path, out: IO[str]) -> int:
    """Enrich the lines of ``source`` (``-``: stdin) into ``out`` as JSON lines."""
    name = "<stdin>" if str(source) == "-" else str(source)
    if str(source) == "-":
        stream: IO[bytes] = sys.stdin.buffer
    else:
        try:
            stream = source.open("rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise UsageError(t("enrich.no_file", path=source)) from exc
    count = 0
    try:
        for lines in _chunks(stream, name):
            buf = io.StringIO()
            for obj in enrich_lines(lines):
                buf.write(dumps(obj, indent=None))
                buf.write("\n")
            out.write(buf.getvalue())
            count += len(lines)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    out.flush()
    return count


def enrich(
    text: Path | None = typer.Option(
        None,
        "--text",
        help="Enrich the lines of this file ('-' for stdin) and print JSON lines; "
        "no workspace needed.",
        allow_dash=True,
    ),
    workspace: Path = WorkspaceOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Language and sentiment (and the other stages) of posts or of lines of text."""
    if text is not None:
        enrich_text(text, sys.stdout)
        return
    from veille.flow.enrich import enrich_pending
    from veille.workspace import Workspace

    with Workspace.open(workspace) as ws, progress_bar(not quiet) as progress:
        count = enrich_pending(ws, progress=progress)
    err.print(t("enrich.done", count=f"{count:,}"))


def register(app: typer.Typer) -> None:
    app.command("enrich")(enrich)
