"""``veille check``: the pre-publication check of a draft (``veille.reports.check``).

The draft is the argument, ``--file FILE``, or ``-`` (stdin). With a workspace
(``--workspace``, or the current folder when it is one) the rules that need the store run
(mentions, hashtags, and with ``--leader`` the editorial fit and the best hour); without,
they are skipped. Exit 0 when no rule fails, 1 when one does, 2 on bad usage.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from veille.cli.common import Format, console, print_json
from veille.errors import UsageError
from veille.i18n import t
from veille.reports.check import MAX_DRAFT_BYTES, CheckContext, check_draft, validate_network

_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skipped": "dim"}


def decode_draft(raw: bytes, name: str) -> str:
    """UTF-8 text of a draft read from ``name``, or a usage error naming the byte."""
    if len(raw) > MAX_DRAFT_BYTES:
        raise UsageError(t("check.too_big", size=f"{len(raw):,}", limit=f"{MAX_DRAFT_BYTES:,}"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(t("check.not_utf8", path=name, byte=exc.start, line=line)) from None


def read_draft(draft: str | None, file: Path | None) -> str:
    if (draft is None) == (file is None):
        raise UsageError(t("check.one_source"))
    if file is not None:
        if str(file) == "-":
            return decode_draft(sys.stdin.buffer.read(MAX_DRAFT_BYTES + 1), "<stdin>")
        try:
            with file.open("rb") as handle:
                raw = handle.read(MAX_DRAFT_BYTES + 1)
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            raise UsageError(t("check.no_file", path=file)) from None
        return decode_draft(raw, str(file))
    assert draft is not None
    if draft == "-":
        return decode_draft(sys.stdin.buffer.read(MAX_DRAFT_BYTES + 1), "<stdin>")
    return draft


def _context(workspace: Path | None, draft: str, leader: str | None) -> CheckContext | None:
    from veille.workspace.workspace import CONFIG_NAME

    root = workspace if workspace is not None else Path.cwd()
    if workspace is None and not (root / CONFIG_NAME).exists():
        if leader is not None:
            raise UsageError(t("check.leader_needs_workspace"))
        return None
    from veille.analytics.context import duckdb_context
    from veille.reports.check_context import build_check_context
    from veille.workspace import Workspace

    with Workspace.open(root, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        return build_check_context(ctx, draft, leader, datetime.now(UTC))


def check(
    draft: str | None = typer.Argument(
        None, help="The draft ('-' reads it from stdin).", show_default=False
    ),
    network: str = typer.Option(
        ..., "--network", "-n", help="Where it will be posted: bluesky, mastodon, x or linkedin."
    ),
    leader: str | None = typer.Option(
        None, "--leader", "-l", help="The leader who will post it (editorial fit, best hour)."
    ),
    file: Path | None = typer.Option(
        None,
        "--file",
        "-f",
        help="Read the draft from this file ('-' for stdin).",
        allow_dash=True,
        dir_okay=False,
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json."),
    workspace: Path | None = typer.Option(
        None,
        "--workspace",
        "-w",
        help="Workspace folder (default: the current folder, if it "
        "is one; without a workspace the rules that need one are skipped).",
        file_okay=False,
        resolve_path=True,
    ),
) -> None:
    """Check a draft before posting it: length, language, tone, risk terms, shouting,
    mentions, hashtags, editorial fit, best hour. Exit 1 when a rule fails."""
    network = validate_network(network)
    text = read_draft(draft, file)
    result = check_draft(text, network, leader, _context(workspace, text, leader))
    if fmt is Format.json:
        print_json(result.as_dict())
    else:
        table = Table(t("check.col.rule"), t("check.col.status"), t("check.col.reason"))
        for rule in result.rules:
            style = _STYLE[rule.status]
            table.add_row(rule.rule, f"[{style}]{rule.status}[/]", escape(rule.reason))
        out = console
        out.print(table)
        style = _STYLE[result.verdict]
        out.print(f"[{style}]{escape(t('check.verdict', verdict=result.verdict))}[/]")
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
