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
from veille.errors import VeilleError, WorkspaceBusy
from veille.i18n import t
from veille.plugins import register_commands
from veille.store.writer import store_error
from veille.workspace.workspace import set_owner_service

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


def run_cli(argv: list[str], *, delegate: bool = True) -> int:
    """Run the command line ``argv`` (without the program name) and return its exit code,
    printing errors as users see them. A command that finds its workspace owned by another
    process is run by that process when it can be (``veille.cli.owner``), when ``delegate``
    is true."""
    from veille.cli import owner

    if delegate:
        owner.keep_stdin(argv)
    try:
        app(args=argv, prog_name="veille")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except WorkspaceBusy as exc:
        if delegate:
            code = owner.ask_owner(exc, argv)
            if code is not None:
                return code
            if owner.interactive():
                owner.wait_for(exc)
                return run_cli(argv, delegate=False)
            if exc.owner.get("service") and argv:
                exc.hint = t("ws.busy.not_sent", command=argv[0])
        return _error(exc)
    except VeilleError as exc:
        return _error(exc)
    except KeyboardInterrupt:
        err.print(t("cli.interrupted"))
        return 130
    except Exception as exc:  # a bug: one clear line, the traceback on request
        if os.environ.get("VEILLE_DEBUG"):
            raise
        known = store_error(exc)  # a full disk, wherever it was met: the cause, what to do
        if isinstance(known, VeilleError):
            return _error(known)
        where = traceback.extract_tb(exc.__traceback__)[-1]
        message = t("cli.unexpected", error=f"{type(exc).__name__}: {exc}")
        err.print(f"[bold red]veille:[/] {escape(message)}", highlight=False)
        err.print(
            f"  {escape(t('cli.unexpected.hint', file=where.filename, line=where.lineno))}",
            highlight=False,
        )
        return 1
    return 0


def _error(exc: VeilleError) -> int:
    err.print(f"[bold red]veille:[/] {escape(exc.message)}", highlight=False)
    if exc.hint:
        err.print(f"  {escape(exc.hint)}", highlight=False)
    return exc.exit_code


def main() -> None:
    """The ``veille`` program. While it owns a workspace it answers the commands of other
    processes that find it busy (``veille.cli.owner``)."""
    from veille.cli.owner import start_service

    set_owner_service(lambda ws: start_service(ws, lambda argv: run_cli(argv, delegate=False)))
    sys.exit(run_cli(sys.argv[1:]))
