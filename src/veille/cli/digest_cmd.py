"""``veille digest``: the daily digest of the tracked leaders' best posts
(``veille.reports.digest``), written under ``data/digests/DATE.*``; ``--email`` mails it,
``--publish`` posts it as a thread (``[digest.email]``, ``[digest.publish]``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from veille.analytics.period import parse_time
from veille.cli.common import Format, WorkspaceOption, console, err, print_json
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "digest.cli.written": ("Écrit : {paths}", "Written: {paths}"),
        "digest.cli.emailed": ("Envoyé par courriel à {to}", "Emailed to {to}"),
        "digest.cli.published": (
            "Publié sur {network} : {n} posts ({url})",
            "Published on {network}: {n} posts ({url})",
        ),
        "digest.cli.already": (
            "Déjà publié sur {network} ({url}) : rien de plus",
            "Already published on {network} ({url}): nothing more",
        ),
        "digest.cli.bad_lang": ("--lang : fr ou en", "--lang: fr or en"),
        "digest.col.leader": ("dirigeant", "leader"),
        "digest.col.score": ("score", "score"),
        "digest.col.reasons": ("raisons", "reasons"),
    }
)


def digest(
    day: str | None = typer.Option(
        None,
        "--date",
        "-d",
        help="The day (YYYY-MM-DD; default: yesterday, or the last day of data).",
        show_default=False,
    ),
    cohort: str | None = typer.Option(
        None, "--cohort", "-c", help="Only the leaders of this cohort (default: [digest] cohort)."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table or json."),
    lang: str | None = typer.Option(
        None, "--lang", help="fr or en (default: the workspace language)."
    ),
    email: bool = typer.Option(False, "--email", help="Mail it ([digest.email])."),
    publish: bool = typer.Option(
        False, "--publish", help="Post it as a thread ([digest.publish])."
    ),
    workspace: Path = WorkspaceOption,
) -> None:
    """The day's best posts by the tracked leaders: a page, a feed, an email, a thread."""
    from veille.reports.digest_run import run_digest
    from veille.workspace import Workspace

    if lang is not None and lang not in ("fr", "en"):
        raise UsageError(t("digest.cli.bad_lang"))
    target: date | None = parse_time(day, field="--date").date() if day else None
    with Workspace.open(workspace, read_only=True) as ws:
        run = run_digest(ws, target, cohort=cohort, lang=lang, email=email, publish=publish)
        to = ", ".join(ws.config.digest.email.to) if ws.config.digest.email else ""
    result = run.digest
    if fmt is Format.json:
        print_json(result.interface())
    elif result.message:
        err.print(escape(result.message), highlight=False)
    else:
        table = Table(
            "#", t("digest.col.leader"), t("digest.col.score"), t("digest.col.reasons"), "uri",
            show_lines=True,
        )  # fmt: skip
        for index, pick in enumerate(result.picks, start=1):
            table.add_row(
                str(index), escape(pick.leader_name), f"{pick.score:.2f}",
                escape("\n".join(pick.reasons)), escape(pick.uri),
            )  # fmt: skip
        console.print(table)
    if fmt is Format.json and result.message:
        err.print(escape(result.message), highlight=False)
    if result.published:
        paths = ", ".join(str(p) for p in run.written.values())
        err.print(escape(t("digest.cli.written", paths=paths)), highlight=False)
    if run.emailed:
        err.print(escape(t("digest.cli.emailed", to=to)), highlight=False)
    if run.published:
        first = run.published[0]
        key = "digest.cli.already" if run.already_published else "digest.cli.published"
        network = str(first.get("network"))
        url = str(first.get("url") or first.get("uri"))
        err.print(escape(t(key, network=network, n=len(run.published), url=url)), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("digest")(digest)
