"""``veille eval``: measure the detectors on real, annotated data (no workspace needed).

``veille eval rumours --pheme DIR`` scores PHEME source tweets (``veille.signals.pheme``);
``veille eval signals --crisislex DIR`` replays the CrisisLex T26 volume curves through the
burst detector (``veille.signals.crisislex``). Each command lives in its own function."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from veille.cli.common import print_jsonl
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "eval.help": (
            "Mesure les détecteurs sur des données réelles annotées (sans espace de travail).",
            "Measure the detectors on real annotated data (no workspace needed).",
        ),
        "eval.rumours.help": (
            "Score de rumeur des tweets sources PHEME : une ligne JSON par événement "
            '{{"event", "auc", "rumours", "non_rumours"}}, puis une ligne de synthèse.',
            "Rumour score of PHEME source tweets: one JSON line per event "
            '{{"event", "auc", "rumours", "non_rumours"}}, then a summary line.',
        ),
        "eval.rumours.pheme": (
            "Dossier contenant des paires EVENT-all-rnr-threads.rumours.json / "
            "EVENT-all-rnr-threads.non-rumours.json (cherchées dans les sous-dossiers).",
            "Folder holding EVENT-all-rnr-threads.rumours.json / "
            "EVENT-all-rnr-threads.non-rumours.json pairs (searched in subfolders too).",
        ),
        "eval.rumours.model": (
            "Modèle JSON du score de rumeur (par défaut celui livré avec veille).",
            "Rumour score model JSON (default: the one veille ships with).",
        ),
        "eval.missing": ("dossier introuvable : {path}", "no such folder: {path}"),
        "eval.no_pairs": (
            "aucune paire *-all-rnr-threads.rumours.json / *.non-rumours.json sous {path}",
            "no *-all-rnr-threads.rumours.json / *.non-rumours.json pair under {path}",
        ),
        "eval.no_pairs.hint": (
            "Passez le dossier des sources PHEME, par exemple "
            "../shared/data/rumours/pheme_sources.",
            "Pass the PHEME sources folder, for instance ../shared/data/rumours/pheme_sources.",
        ),
        "eval.set_aside": ("mis de côté : {problem}", "set aside: {problem}"),
        "eval.bad_model": (
            "modèle de rumeur illisible {path} : {error}",
            "unreadable rumour model {path}: {error}",
        ),
        "eval.bad_model.hint": (
            "Réentraînez-le : PYTHONPATH=src python bench/rumour_train.py --write",
            "Retrain it: PYTHONPATH=src python bench/rumour_train.py --write",
        ),
        "eval.signals.help": (
            "Rejoue les horodatages des tweets de chaque événement CrisisLex T26 dans le "
            "détecteur de pics : une ligne JSON par événement (event, detected_at, alerts, "
            "onset, delay_minutes), puis une ligne de synthèse.",
            "Replay each CrisisLex T26 event's tweet timestamps through the burst detector: "
            "one JSON line per event (event, detected_at, alerts, onset, delay_minutes), then "
            "a summary line.",
        ),
        "eval.signals.crisislex": (
            "Dossier CrisisLex T26 : un sous-dossier par événement contenant "
            "EVENT-tweetids_entire_period.csv.",
            "CrisisLex T26 folder: one subfolder per event holding "
            "EVENT-tweetids_entire_period.csv.",
        ),
        "eval.signals.bucket_close": (
            "Date chaque alerte à la fin de son intervalle plutôt qu'au post qui l'a déclenchée.",
            "Date each alert at the end of its bucket instead of at the post that set it off.",
        ),
        "eval.signals.background": (
            "Ajoute un flux de Poisson (graine 0) de N mentions par heure sans rapport avec "
            "l'événement, sur toute la période du fichier.",
            "Add a Poisson stream (seed 0) of N unrelated matches an hour over the file's "
            "whole period.",
        ),
        "eval.crisislex.none": (
            "aucun fichier *-tweetids_entire_period.csv sous {path}",
            "no *-tweetids_entire_period.csv file under {path}",
        ),
        "eval.crisislex.none.hint": (
            "Passez le dossier CrisisLexT26 (un sous-dossier par événement), par exemple "
            "../shared/data/events/crisislex/CrisisLexT26.",
            "Pass the CrisisLexT26 folder (one subfolder per event), for instance "
            "../shared/data/events/crisislex/CrisisLexT26.",
        ),
        "eval.crisislex.no_file": (
            "{event} : pas de fichier *-tweetids_entire_period.csv, événement ignoré",
            "{event}: no *-tweetids_entire_period.csv file, event skipped",
        ),
    }
)

eval_app = typer.Typer(help=t("eval.help"), no_args_is_help=True)


@eval_app.command("rumours", help=t("eval.rumours.help"))
def rumours(
    pheme: Path = typer.Option(..., "--pheme", help=t("eval.rumours.pheme")),
    model_path: Path | None = typer.Option(
        None, "--model", help=t("eval.rumours.model"), dir_okay=False
    ),
) -> None:
    from veille.signals.pheme import evaluate, find_events, summary
    from veille.signals.rumour import RumourModel

    if not pheme.is_dir():
        raise UsageError(t("eval.missing", path=pheme))
    pairs, _ = find_events(pheme)
    if not pairs:
        raise UsageError(t("eval.no_pairs", path=pheme), hint=t("eval.no_pairs.hint"))
    model = None
    if model_path is not None:
        try:
            model = RumourModel.load(model_path)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(
                t("eval.bad_model", path=model_path, error=exc), hint=t("eval.bad_model.hint")
            ) from None
    results, problems = evaluate(pheme, model)
    for problem in problems:  # one line each, unwrapped: file and position stay greppable
        sys.stderr.write(t("eval.set_aside", problem=problem) + "\n")
    for result in results:
        print_jsonl(result.as_json())
    print_jsonl(summary(results, problems))


@eval_app.command("signals", help=t("eval.signals.help"))
def signals(
    crisislex: Path = typer.Option(
        ..., "--crisislex", help=t("eval.signals.crisislex"), file_okay=False
    ),
    bucket_close: bool = typer.Option(False, "--bucket-close", help=t("eval.signals.bucket_close")),
    background: float = typer.Option(
        0.0, "--background", min=0.0, max=100_000.0, help=t("eval.signals.background")
    ),
) -> None:
    from veille.signals.crisislex import evaluate, event_files, folders_without_file, summary

    if not crisislex.is_dir() or not event_files(crisislex):
        raise UsageError(
            t("eval.crisislex.none", path=crisislex), hint=t("eval.crisislex.none.hint")
        )
    for event in folders_without_file(crisislex):
        sys.stderr.write(t("eval.crisislex.no_file", event=event) + "\n")
    results, problems = evaluate(crisislex, live=not bucket_close, background=background)
    for problem in problems:  # one line each, unwrapped: file and line stay greppable
        sys.stderr.write(t("eval.set_aside", problem=problem) + "\n")
    for result in results:
        print_jsonl(result.as_json())
    print_jsonl(summary(results, problems, background=background))


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
