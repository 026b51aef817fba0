"""``veille eval``: measure the detectors on real, labelled data, with no workspace.

``veille eval signals --crisislex DIR`` replays the CrisisLex T26 volume curves through the
burst detector (``veille.signals.crisislex``). Each command of the group lives in its own
function."""

from __future__ import annotations

from pathlib import Path

import typer

from veille.cli.common import print_jsonl, warn
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "eval.crisislex.none": (
            "Aucun fichier *-tweetids_entire_period.csv sous {path}",
            "No *-tweetids_entire_period.csv file under {path}",
        ),
        "eval.crisislex.none.hint": (
            "Donnez le dossier CrisisLexT26 (un sous-dossier par événement).",
            "Give the CrisisLexT26 folder (one subfolder per event).",
        ),
        "eval.crisislex.no_file": (
            "{event} : pas de fichier *-tweetids_entire_period.csv, événement ignoré",
            "{event}: no *-tweetids_entire_period.csv file, event skipped",
        ),
        "eval.problem": ("mis de côté : {problem}", "set aside: {problem}"),
    }
)

eval_app = typer.Typer(
    help="Measure the detectors on real labelled data (no workspace needed).",
    no_args_is_help=True,
)


@eval_app.command("signals")
def signals(
    crisislex: Path = typer.Option(
        ...,
        "--crisislex",
        help="CrisisLex T26 folder: one subfolder per event holding "
        "EVENT-tweetids_entire_period.csv.",
        file_okay=False,
    ),
    bucket_close: bool = typer.Option(
        False,
        "--bucket-close",
        help="Date each alert at the end of its bucket instead of at the post that set it off.",
    ),
) -> None:
    """Replay each event's tweet timestamps through the burst detector: one JSON line per
    event (event, detected_at, alerts, onset, delay), then a summary line."""
    from veille.signals.crisislex import evaluate, event_files, folders_without_file, summary

    if not crisislex.is_dir() or not event_files(crisislex):
        raise UsageError(
            t("eval.crisislex.none", path=crisislex), hint=t("eval.crisislex.none.hint")
        )
    for event in folders_without_file(crisislex):
        warn(t("eval.crisislex.no_file", event=event))
    results, problems = evaluate(crisislex, live=not bucket_close)
    for problem in problems:
        # one unwrapped line each, so that the file and line stay whole for grep and editors
        typer.echo(t("eval.problem", problem=problem), err=True)
    for result in results:
        print_jsonl(result.as_json())
    print_jsonl(summary(results, problems))


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
