"""``veille report``: a self-contained HTML (or PDF) report on a leader, an organisation or
a watch over a period (``veille.reports.report``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape

from veille.cli.common import WorkspaceOption, err
from veille.errors import UsageError
from veille.i18n import messages_in, t


def report(
    leader: str | None = typer.Option(None, "--leader", "-l", help="A leader id."),
    organisation: str | None = typer.Option(
        None, "--organisation", "-o", help="An organisation id."
    ),
    watch: str | None = typer.Option(None, "--watch", help="A watch id."),
    period: str = typer.Option("28d", "--period", "-p", help="How far back: 28d, 12w, 3m..."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="The report file (.html, or .pdf with WeasyPrint; default: "
        "data/reports/KIND-ID-DATE.html)",
        dir_okay=False,
    ),
    lang: str | None = typer.Option(None, "--lang", help="fr or en (default: the workspace's)."),
    workspace: Path = WorkspaceOption,
) -> None:
    """A report with the analytics' figures, charts and top posts, in French or English."""
    from veille.analytics.context import duckdb_context
    from veille.reports.report import build_report, write_report
    from veille.workspace import Workspace

    if lang is not None and lang not in ("fr", "en"):
        raise UsageError(t("report.bad_lang"))
    from veille.reports import report_messages  # noqa: F401 - registers messages

    if sum(x is not None for x in (leader, organisation, watch)) != 1:
        raise UsageError(t("report.one_subject"))
    with Workspace.open(workspace, read_only=True) as ws:
        language = lang or ws.config.workspace.language
        ctx = duckdb_context(ws.store.con, ws.config)
        with messages_in(language):
            span = ctx.period(period)
            result = build_report(ctx, span, leader=leader, organisation=organisation, watch=watch)
            stamp = datetime.now(UTC).strftime("%Y-%m-%d")
            target = out or ws.data_dir / "reports" / f"{result.kind}-{result.subject}-{stamp}.html"
            written = write_report(result, target, language)
    paths = ", ".join(str(p) for p in written)
    err.print(escape(t("report.written", paths=paths)), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
