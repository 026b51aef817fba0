"""The ``veille`` root command. Commands are added by plugins (``veille_commands`` hook),
built-in ones included (``veille.cli.builtin``)."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from veille import __version__
from veille.errors import VeilleError
from veille.plugins import register_commands

app = typer.Typer(
    name="veille",
    help="veille: social intelligence for leaders / veille sociale des dirigeants.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        print(f"veille {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """veille: rankings, listening, signals, ecosystem and digest for leaders."""


register_commands(app)


def main() -> None:
    try:
        app()
    except VeilleError as exc:
        err.print(f"[bold red]veille:[/] {exc.message}", highlight=False, markup=True)
        if exc.hint:
            err.print(f"  {exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
