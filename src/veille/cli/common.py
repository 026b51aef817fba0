"""What every command shares: the --workspace option, consoles, progress bars, output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

console = Console()
err = Console(stderr=True)

WorkspaceOption = typer.Option(
    Path("."),
    "--workspace",
    "-w",
    help="Workspace folder (default: the current folder).",
    file_okay=False,
    resolve_path=True,
)


class Format(StrEnum):
    table = "table"
    json = "json"


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def progress_bar(enabled: bool = True, total: bool = False) -> Iterator[Progress]:
    """A Rich progress display on stderr (silent when ``enabled`` is false)."""
    columns: list[Any] = [SpinnerColumn(), TextColumn("[bold]{task.description}")]
    if total:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns += [TextColumn("{task.fields[detail]}"), TimeElapsedColumn()]
    with Progress(*columns, console=err, disable=not enabled, transient=False) as progress:
        yield progress
