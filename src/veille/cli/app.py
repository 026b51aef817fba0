"""The ``veille`` root command. Commands are added by plugins (``veille_commands`` hook),
built-in ones included (``veille.cli.builtin``)."""

from __future__ import annotations

import os
import sys
import traceback

import typer
from rich.console import Console
from rich.markup import escape

from veille import __version__
from veille.errors import VeilleError
from veille.i18n import t
from veille.plugins import register_commands

app = typer.Typer(
    name="veille",
    help="veille: social intelligence for leaders / veille sociale des dirigeants.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
err = Console(stderr=True, emoji=False)


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
        err.print(f"[bold red]veille:[/] {escape(exc.message)}", highlight=False)
        if exc.hint:
            err.print(f"  {escape(exc.hint)}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print(t("cli.interrupted"))
        sys.exit(130)
    except Exception as exc:  # a bug: one clear line, the traceback on request
        if os.environ.get("VEILLE_DEBUG"):
            raise
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = t("cli.unexpected", error=f"{type(exc).__name__}: {exc}")
        err.print(f"[bold red]veille:[/] {escape(message)}", highlight=False)
        err.print(
            f"  {escape(t('cli.unexpected.hint', file=where.filename, line=where.lineno))}",
            highlight=False,
        )
        sys.exit(1)
