"""``veille simulate OUT_DIR``: write a simulated ecosystem (registry, Bluesky Jetstream and
AppView captures, Mastodon statuses, web feeds, ground truth) to a folder."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from veille.cli.common import DataTable, console
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "simulate.help": (
            "Écrit un écosystème simulé (registre, Bluesky, Mastodon, flux web, vérité terrain) "
            "dans OUT_DIR. Données inventées : pour la démo et les tests, pas pour mesurer.",
            "Write a simulated ecosystem (registry, Bluesky, Mastodon, web feeds, ground truth) "
            "to OUT_DIR. Invented data: for demos and tests, not for measuring accuracy.",
        ),
        "simulate.out_dir": (
            "Dossier de sortie (créé au besoin).",
            "Output folder (created if needed).",
        ),
        "simulate.seed": (
            "Graine : même graine et mêmes options, mêmes octets.",
            "Seed: same seed and options give the same bytes.",
        ),
        "simulate.posts": (
            "Nombre approximatif de publications (toutes formes, deux réseaux).",
            "Approximate number of social posts (all types, both networks).",
        ),
        "simulate.weeks": ("Durée simulée, en semaines.", "Simulated period, in weeks."),
        "simulate.start": (
            "Premier jour (AAAA-MM-JJ, par défaut 2026-09-01).",
            "First day (YYYY-MM-DD, default 2026-09-01).",
        ),
        "simulate.jetstream": (
            "Forme des lignes Jetstream : v1 (/subscribe, comme les captures) ou v2.",
            "Shape of the Jetstream lines: v1 (/subscribe, like captures) or v2.",
        ),
        "simulate.quiet": ("Sans barre de progression ni tableau.", "No progress bar or table."),
        "simulate.bad_start": (
            "--start : date invalide {value!r} (attendu AAAA-MM-JJ).",
            "--start: invalid date {value!r} (expected YYYY-MM-DD).",
        ),
        "simulate.title": ("Simulation écrite dans {path}", "Simulation written to {path}"),
        "simulate.col.output": ("Sortie", "Output"),
        "simulate.col.files": ("Fichiers", "Files"),
        "simulate.col.records": ("Enregistrements", "Records"),
        "simulate.row.jetstream": ("Bluesky Jetstream (lignes)", "Bluesky Jetstream (lines)"),
        "simulate.row.appview": ("Bluesky AppView (réponses)", "Bluesky AppView (responses)"),
        "simulate.row.mastodon": ("Mastodon (statuts)", "Mastodon (statuses)"),
        "simulate.row.web": ("Flux web (articles)", "Web feeds (items)"),
        "simulate.row.posts": ("Publications (Bluesky + Mastodon)", "Posts (Bluesky + Mastodon)"),
        "simulate.row.likes": ("J'aime", "Likes"),
        "simulate.footer": (
            "{posts} publications en {seconds:.1f} s ({rate:,.0f}/s). Vérité "
            "terrain : {truth}. Registre : {registry}.",
            "{posts} posts in {seconds:.1f} s ({rate:,.0f}/s). Ground truth: "
            "{truth}. Registry: {registry}.",
        ),
    }
)


def _parse_start(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(t("simulate.bad_start", value=value)) from None


def register(app: typer.Typer) -> None:
    @app.command("simulate", help=t("simulate.help"))
    def simulate_command(
        out_dir: Path = typer.Argument(..., help=t("simulate.out_dir")),
        seed: int = typer.Option(42, "--seed", help=t("simulate.seed")),
        posts: int = typer.Option(20_000, "--posts", help=t("simulate.posts")),
        weeks: int = typer.Option(6, "--weeks", help=t("simulate.weeks")),
        start: str | None = typer.Option(None, "--start", help=t("simulate.start")),
        jetstream: str = typer.Option("v1", "--jetstream", help=t("simulate.jetstream")),
        quiet: bool = typer.Option(False, "--quiet", "-q", help=t("simulate.quiet")),
    ) -> None:
        from veille.simulate import simulate

        summary = simulate(
            out_dir,
            seed=seed,
            posts=posts,
            weeks=weeks,
            start=_parse_start(start),
            progress=not quiet,
            jetstream=jetstream,
        )
        if quiet:
            return
        files = summary.files
        jet = {k: v for k, v in files.items() if k.startswith("bluesky/jetstream-")}
        web = {k: v for k, v in files.items() if k.startswith("web/")}
        table = DataTable(title=t("simulate.title", path=str(out_dir)))
        table.add_column(t("simulate.col.output"))
        table.add_column(t("simulate.col.files"), justify="right")
        table.add_column(t("simulate.col.records"), justify="right")
        table.add_row(t("simulate.row.jetstream"), str(len(jet)), f"{sum(jet.values()):,}")
        table.add_row(t("simulate.row.appview"), "1", f"{files.get('bluesky/appview.jsonl', 0):,}")
        table.add_row(
            t("simulate.row.mastodon"), "1", f"{files.get('mastodon/statuses.jsonl', 0):,}"
        )
        table.add_row(t("simulate.row.web"), str(len(web)), f"{sum(web.values()):,}")
        table.add_row(t("simulate.row.posts"), "", f"{summary.posts:,}")
        likes = summary.counts["bluesky_likes"] + summary.counts["mastodon_favourites"]
        table.add_row(t("simulate.row.likes"), "", f"{likes:,}")
        console.print(table)
        console.print(
            t(
                "simulate.footer",
                posts=f"{summary.posts:,}",
                seconds=summary.seconds,
                rate=summary.posts / max(summary.seconds, 1e-9),
                truth=str(summary.ground_truth),
                registry=str(summary.registry),
            ),
            highlight=False,
            markup=False,
        )
