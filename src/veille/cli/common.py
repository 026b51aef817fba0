"""What every command shares: the --workspace option, consoles, progress bars, output.

Data is never markup: the consoles do not turn ``:x:`` into emoji, ``DataTable`` shows its
cells as plain text (a post holding ``[/]`` or ``[link=...]`` is printed as written), and
``say``/``warn`` print messages that embed data without reading them as markup. Markup of
our own goes through ``markup()``, which escapes every value it is given. JSON goes through
``print_json`` (``veille.jsonable``: numbers as numbers, ISO 8601 times with the offset)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table
from rich.text import Text

from veille.jsonable import dumps

console = Console(emoji=False)
err = Console(stderr=True, emoji=False)


class DataTable(Table):
    """A Rich table whose string cells, headers and title are plain text, never markup."""

    def __init__(self, *headers: Any, title: str | Text | None = None, **options: Any) -> None:
        super().__init__(
            *(Column(header=Text(h)) if isinstance(h, str) else h for h in headers),
            title=Text(title) if isinstance(title, str) else title,
            **options,
        )

    def add_row(self, *renderables: RenderableType | None, **options: Any) -> None:
        super().add_row(*(Text(r) if isinstance(r, str) else r for r in renderables), **options)


def markup(template: str, **values: Any) -> str:
    """``template`` (Rich markup of ours) with ``values`` escaped: ``markup("[b]{x}[/]",
    x=data)``."""
    return template.format(**{k: escape(str(v)) for k, v in values.items()})


def say(message: str, *, stderr: bool = False) -> None:
    """Print a message that may hold data (names, paths, texts) as plain text."""
    (err if stderr else console).print(message, markup=False, emoji=False, highlight=False)


def warn(message: str) -> None:
    """A plain-text message on stderr."""
    say(message, stderr=True)


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
    """Every JSON output of the CLI: one encoder (``veille.jsonable.dumps``)."""
    sys.stdout.write(dumps(value) + "\n")


def print_jsonl(value: Any) -> None:
    sys.stdout.write(dumps(value, indent=None) + "\n")


@contextmanager
def progress_bar(enabled: bool = True, total: bool = False) -> Iterator[Progress]:
    """A Rich progress display on stderr (silent when ``enabled`` is false)."""
    columns: list[Any] = [SpinnerColumn(), TextColumn("[bold]{task.description}")]
    if total:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns += [TextColumn("{task.fields[detail]}"), TimeElapsedColumn()]
    # sys.stdout and sys.stderr stay what they are: a process that owns a workspace routes
    # what the commands it runs for others print (veille.cli.owner), which a Live display
    # that swapped the streams would take for its own
    with Progress(
        *columns,
        console=err,
        disable=not enabled,
        transient=False,
        redirect_stdout=False,
        redirect_stderr=False,
    ) as progress:
        yield progress
