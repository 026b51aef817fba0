"""``veille alerts``: the delivery log (``list``), a sample alert to one sink (``test``), and
the dead-letter log sent again (``retry``). Rules and sinks live in ``[alerts]`` of
``veille.toml`` (docs/alerts.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from veille.cli.common import WorkspaceOption, say, warn
from veille.cli.output import TableFormat, emit
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "alerts.cli.none": ("Aucune alerte enregistrée.", "No alert recorded."),
        "alerts.cli.title": ("Alertes", "Alerts"),
        "alerts.cli.bad_status": (
            "--status : {status} inconnu (attendu : {known})",
            "--status: unknown {status} (expected: {known})",
        ),
        "alerts.cli.sent": ("Envoyée : {keys}", "Sent: {keys}"),
        "alerts.cli.dead": ("Échec : {keys}", "Failed: {keys}"),
        "alerts.cli.deferred": (
            "Reportées au prochain passage (destination injoignable) : {keys}",
            "Deferred to the next pass (sink unreachable): {keys}",
        ),
        "alerts.cli.nothing": (
            "Rien à renvoyer : aucune alerte en échec ni en attente.",
            "Nothing to send again: no failed or pending alert.",
        ),
        "alerts.cli.failed": (
            "{n} alerte(s) en échec, gardée(s) dans le journal (veille alerts list --status dead)",
            "{n} alert(s) failed, kept in the log (veille alerts list --status dead)",
        ),
        "col.alert": ("alerte", "alert"),
        "col.signal": ("signal", "signal"),
        "col.sink": ("destination", "sink"),
        "col.rule": ("règle", "rule"),
        "col.level": ("niveau", "level"),
        "col.kind": ("type", "kind"),
        "col.score": ("score", "score"),
        "col.authors": ("auteurs", "authors"),
        "col.attempts": ("essais", "attempts"),
        "col.created": ("créée", "created"),
        "col.sent": ("envoyée", "sent"),
        "col.detail": ("détail", "detail"),
    }
)

COLUMNS = (
    ("id", "col.alert"),
    ("status", "col.status"),
    ("sink", "col.sink"),
    ("rule", "col.rule"),
    ("signal_id", "col.signal"),
    ("kind", "col.kind"),
    ("level", "col.level"),
    ("score", "col.score"),
    ("authors", "col.authors"),
    ("attempts", "col.attempts"),
    ("created_at", "col.created"),
    ("sent_at", "col.sent"),
    ("detail", "col.detail"),
)
#: the table on a terminal: what fits in 100 columns
TABLE_COLUMNS = ("id", "status", "sink", "rule", "kind", "level", "created_at", "detail")


def list_alerts(
    status: list[str] = typer.Option(
        [], "--status", "-s", help="Only these statuses: pending, sent, dead (repeatable)."
    ),
    limit: int = typer.Option(100, "--limit", "-n", min=1, help="At most this many, newest first."),
    fmt: TableFormat = typer.Option(
        TableFormat.table, "--format", "-f", help="table, json, csv or md."
    ),
    workspace: Path = WorkspaceOption,
) -> None:
    """The alerts recorded in the delivery log, newest first."""
    from veille.store.alerts import STATUSES, alert_rows
    from veille.workspace import Workspace

    for value in status:
        if value not in STATUSES:
            raise UsageError(t("alerts.cli.bad_status", status=value, known=", ".join(STATUSES)))
    with Workspace.open(workspace, read_only=True) as ws:
        rows = alert_rows(ws.store.con, statuses=status, limit=limit)
    items: list[dict[str, Any]] = [
        {
            "id": r.id, "status": r.status, "sink": r.sink, "rule": r.rule,
            "signal_id": r.signal_id, "episode": r.episode, "kind": r.kind, "level": r.level,
            "score": r.score, "authors": r.authors, "attempts": r.attempts,
            "created_at": r.created_at, "sent_at": r.sent_at, "detail": r.detail,
        }
        for r in rows
    ]  # fmt: skip
    if not items and fmt is TableFormat.table:
        warn(t("alerts.cli.none"))
        return
    columns = [(k, t(h)) for k, h in COLUMNS if fmt is not TableFormat.table or k in TABLE_COLUMNS]
    emit(items, columns, fmt, title=t("alerts.cli.title"))


def _outcome(report: Any, fmt: TableFormat) -> None:
    from veille.cli.common import print_json

    if fmt is TableFormat.json:
        print_json(report.as_json())
    else:
        if report.sent:
            say(t("alerts.cli.sent", keys=", ".join(report.sent)))
        if report.dead:
            say(t("alerts.cli.dead", keys=", ".join(report.dead)))
        if report.deferred:
            say(t("alerts.cli.deferred", keys=", ".join(report.deferred)))
        for error in report.errors:
            warn(error)
    if report.dead:
        raise typer.Exit(1)


def test_sink(
    sink: str = typer.Argument(..., help="The sink's name ([alerts.sinks.NAME])."),
    fmt: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table or json."),
    workspace: Path = WorkspaceOption,
) -> None:
    """Send a sample alert to one sink (recorded in the log as rule "(test)")."""
    from veille.alerts import send_test
    from veille.workspace import Workspace

    with Workspace.open(workspace) as ws:
        report = send_test(ws, sink)
    _outcome(report, fmt)


def retry_alerts(
    keys: list[str] = typer.Argument(None, help="Only these alerts (default: every failed one)."),
    fmt: TableFormat = typer.Option(TableFormat.table, "--format", "-f", help="table or json."),
    workspace: Path = WorkspaceOption,
) -> None:
    """Send again the failed (dead) alerts and the pending ones a crash left, with their
    idempotency keys."""
    from veille.alerts import retry
    from veille.workspace import Workspace

    with Workspace.open(workspace) as ws:
        report = retry(ws, keys or ())
    if not report.sent and not report.dead and fmt is not TableFormat.json:
        say(t("alerts.cli.nothing"))
        return
    if report.dead and fmt is not TableFormat.json:
        warn(t("alerts.cli.failed", n=len(report.dead)))
    _outcome(report, fmt)


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Alerts: the delivery log, a test to a sink, failed alerts sent again.",
        no_args_is_help=True,
    )
    group.command("list")(list_alerts)
    group.command("test")(test_sink)
    group.command("retry")(retry_alerts)
    app.add_typer(group, name="alerts")
