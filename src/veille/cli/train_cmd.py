"""``veille train sentiment``: retrain the French/English sentiment model reproducibly."""

from __future__ import annotations

from pathlib import Path

import typer

from veille.cli.common import DataTable, console, say, warn
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "train.saved": ("Modèle écrit dans {path}", "Model written to {path}"),
        "train.lexicon_problems": (
            "{count} lignes du lexique ignorées (première : {first})",
            "{count} lexicon lines skipped (first: {first})",
        ),
    }
)

train_app = typer.Typer(
    help="Train the compact models that ship with veille.", no_args_is_help=True
)


@train_app.command("sentiment")
def sentiment(
    data: Path = typer.Option(
        Path("../shared/data/sentiment"),
        "--data",
        help="Sentiment data folder (holding xlm_t/ and optionally tweeteval/).",
        file_okay=False,
    ),
    out: Path = typer.Option(
        Path("sentiment_fr_en.npz"),
        "--out",
        help="Where to write the model (default: sentiment_fr_en.npz in the current folder).",
        dir_okay=False,
    ),
    replace_packaged: bool = typer.Option(
        False,
        "--replace-packaged",
        help="Write over the model that veille ships with (its developers only).",
    ),
    lexicon: Path | None = typer.Option(
        None, "--lexicon", help="VADER-FR fr_lexicon.txt (default: DATA/../lexicons/vader_fr)."
    ),
) -> None:
    """Train the sentiment model on XLM-T French + English train; report val macro-F1."""
    from veille.pipeline.sentiment import MODEL_PATH
    from veille.pipeline.sentiment_train import TrainConfig, train_from_dir

    config = TrainConfig()
    model, scores, report = train_from_dir(data, config, lexicon)
    target = MODEL_PATH if replace_packaged else out
    model.save(target)
    if report.problems:
        warn(t("train.lexicon_problems", count=len(report.problems), first=report.problems[0]))
    table = DataTable("split", "macro-F1", "macro-recall", title=f"sentiment {model.version}")
    names = {
        "val_fr": "XLM-T French val",
        "val_en": "XLM-T English val",
        "tweeteval": "tweeteval val (not in train)",
    }
    for key, label in names.items():
        if f"{key}_f1" in scores:
            recall = scores.get(f"{key}_recall")
            table.add_row(label, f"{scores[f'{key}_f1']:.1f}", f"{recall:.1f}" if recall else "")
    console.print(table)
    say(t("train.saved", path=target))


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")
