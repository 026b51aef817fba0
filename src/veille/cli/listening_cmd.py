"""``veille listening --watch ID | --organisation ID | --leader ID``: what others say and
who says it (C6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from veille.analytics.cohort import leader as leader_of
from veille.analytics.cohort import organisation as organisation_of
from veille.analytics.listening import Scope, listening
from veille.cli.cohort_cmd import FormatOpt, WorkspaceOpt, analytics_context
from veille.cli.output import TableFormat, cell, emit
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "listen.one_scope": (
            "donnez exactement un de --watch, --organisation ou --leader",
            "give exactly one of --watch, --organisation or --leader",
        ),
        "listen.unknown_watch": ("veille inconnue {id!r}", "unknown watch {id!r}"),
        "listen.title": ("Écoute : {what} ({period})", "Listening: {what} ({period})"),
        "listen.summary": (
            "{posts} messages de {authors} auteurs ; sentiment net {raw} (brut), {rep} "
            "(représentatif, {cap} messages au plus par auteur) ; auteurs effectifs {eff}",
            "{posts} posts by {authors} authors; net sentiment {raw} (raw), {rep} "
            "(representative, at most {cap} posts per author); effective authors {eff}",
        ),
        "listen.loud": (
            "Minorité bruyante : {n} auteurs écrivent plus de 30 % des messages négatifs.",
            "Loud minority: {n} authors write over 30% of the negative posts.",
        ),
        "listen.sov": ("Part de voix", "Share of voice"),
    }
)

BY = ("stakeholder", "language", "country", "day", "hour")


def register(app: typer.Typer) -> None:
    @app.command("listening")
    def listening_cmd(
        watch: str | None = typer.Option(None, "--watch", help="A watch id of veille.toml."),
        organisation: str | None = typer.Option(None, "--organisation", help="An organisation."),
        leader: str | None = typer.Option(None, "--leader", help="A leader."),
        period: str | None = typer.Option(None, "--period", help="e.g. 28d (the default)."),
        since: str | None = typer.Option(None, "--since", help="Start date (YYYY-MM-DD)."),
        until: str | None = typer.Option(None, "--until", help="End date, excluded."),
        by: str = typer.Option(
            "stakeholder", "--by", help="Table to show: stakeholder, language, country, day, hour."
        ),
        workspace: Path = WorkspaceOpt,
        fmt: TableFormat = FormatOpt,
    ) -> None:
        """Volume, net sentiment (raw and representative), stakeholder groups, languages,
        countries, share of voice, top posts and authors of what others say."""
        given = [(k, v) for k, v in (("watch", watch), ("organisation", organisation),
                                      ("leader", leader)) if v]  # fmt: skip
        if len(given) != 1:
            raise UsageError(t("listen.one_scope"))
        if by not in BY:
            raise UsageError(f"--by: {by!r} is not one of {', '.join(BY)}")
        kind, ident = given[0]
        with analytics_context(workspace) as ctx:
            if kind == "watch":
                ids = [w.id for w in ctx.config.watches]
                if ident not in ids:
                    import difflib

                    close = difflib.get_close_matches(ident, ids, n=3)
                    raise UsageError(
                        t("listen.unknown_watch", id=ident),
                        hint=f"Did you mean: {', '.join(close)}?" if close else
                        f"Known watches: {', '.join(ids) or 'none'}",
                    )  # fmt: skip
                name = next(w.name or w.id for w in ctx.config.watches if w.id == ident)
            elif kind == "organisation":
                name = organisation_of(ctx.config, ident).name
            else:
                name = leader_of(ctx.config, ident).name
            window = ctx.period(period, since, until)
            bucket = "hour" if by == "hour" else "day"
            view = listening(ctx, Scope(kind, ident), window, bucket=bucket)
        if fmt is TableFormat.json:
            emit([], [], fmt, json_value=view)
            return
        _print(view, name, window.label(), by, fmt)


def _print(view: dict[str, Any], name: str, period: str, by: str, fmt: TableFormat) -> None:
    console = Console()
    ns = view["net_sentiment"]
    if fmt is TableFormat.table:
        console.print(f"[bold]{escape(t('listen.title', what=name, period=period))}[/]")
        console.print(
            escape(
                t(
                    "listen.summary",
                    posts=view["volume"]["posts"],
                    authors=view["volume"]["authors"],
                    raw=cell(ns["raw"]),
                    rep=cell(ns["representative"]),
                    cap=ns["cap_per_author"],
                    eff=cell(ns["effective_authors"]),
                )
            )
        )
        if ns["loud_minority"]:
            console.print(f"[yellow]{escape(t('listen.loud', n=ns['loud_authors']))}[/]")
        if view.get("reason"):
            console.print(escape(view["reason"]))
    if by in ("day", "hour"):
        emit(view["series"], [("bucket", by), ("posts", "posts"), ("authors", "authors")], fmt)
    else:
        key = f"by_{by}"
        rows = [{**r, "ns": r["net_sentiment"]["value"]} for r in view[key]]
        emit(
            rows,
            [(by, by), ("posts", "posts"), ("authors", "authors"),
             ("negative_share", "negative share"), ("ns", "net sentiment")],
            fmt,
        )  # fmt: skip
    if view["share_of_voice"]:
        emit(
            view["share_of_voice"],
            [("organisation", "organisation"), ("posts", "posts"), ("posts_share", "posts share"),
             ("authors", "authors"), ("authors_share", "authors share")],
            fmt, title=t("listen.sov"),
        )  # fmt: skip
