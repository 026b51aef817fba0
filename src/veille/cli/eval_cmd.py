"""``veille eval``: measure the detectors on real, annotated data (no workspace needed)."""

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


def register(app: typer.Typer) -> None:
    app.add_typer(eval_app, name="eval")
