"""``veille signals`` lists the signals and stories with their reasons; ``veille story ID``
shows one (issue 12). Both bring the signals up to date first (an incremental pass: only
the buckets closed since the last one), unless ``--no-refresh``."""

from __future__ import annotations

import difflib
from datetime import UTC
from pathlib import Path
from typing import Any

import typer

from veille.cli.common import console, say
from veille.cli.output import TableFormat, cell, emit
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t
from veille.signals.model import KINDS, Signal
from veille.store.read import newest_post_time

register_messages(
    {
        "sigcli.none": (
            "aucun signal (pas de pic, d'histoire, de rumeur, de bad buzz ni de campagne)",
            "no signal (no burst, story, rumour, bad buzz or campaign)",
        ),
        "sigcli.kind": (
            "--kind : {kind!r} n'est pas un type de signal (types : {kinds})",
            "--kind: {kind!r} is not a kind of signal (kinds: {kinds})",
        ),
        "sigcli.unknown": ("signal inconnu {id!r}", "unknown signal {id!r}"),
        "sigcli.pass": (
            "Passe : {buckets} tranches closes, {posts} messages lus, {n} signaux mis à jour "
            "en {seconds} s",
            "Pass: {buckets} buckets closed, {posts} posts read, {n} signals updated in "
            "{seconds} s",
        ),
        "sigcli.title": ("Signaux", "Signals"),
        "sigcli.card": (
            "{authors} auteurs · {posts} messages",
            "{authors} authors · {posts} posts",
        ),
        "sigcli.when": (
            "vu le {first} UTC, détecté le {detected} UTC",
            "first seen {first} UTC, detected {detected} UTC",
        ),
        "sigcli.reasons": ("Pourquoi", "Why"),
        "sigcli.growth": ("Croissance", "Growth"),
        "sigcli.top": ("Messages marquants", "Top posts"),
    }
)

WorkspaceOpt = typer.Option(Path("."), "--workspace", "-w", help="Workspace folder.")
FormatOpt = typer.Option(TableFormat.table, "--format", "-f", help="table, json, csv or md.")

COLUMNS = [
    ("id", "id"),
    ("kind", "kind"),
    ("term", "term"),
    ("first_seen", "first seen"),
    ("detected_at", "detected"),
    ("score", "score"),
    ("authors", "authors"),
    ("posts", "posts"),
    ("reason", "why"),
]


def _row(s: Signal) -> dict[str, Any]:
    return {
        "id": s.id,
        "kind": s.kind,
        "term": s.term,
        "first_seen": s.first_seen,
        "detected_at": s.detected_at,
        "score": s.score,
        "authors": s.authors,
        "posts": s.posts,
        "reason": s.reasons[0] if s.reasons else "",
    }


def _public(s: Signal) -> dict[str, Any]:
    item = s.as_json()
    detail = dict(item.get("detail") or {})
    detail.pop("uris", None)
    if detail:
        item["detail"] = detail
    else:
        item.pop("detail", None)
    return item


def register(app: typer.Typer) -> None:
    @app.command("signals")
    def signals_cmd(
        since: str | None = typer.Option(
            None, "--since", help="Only signals updated since (YYYY-MM-DD, or 24h, 7d...)."
        ),
        watch: str | None = typer.Option(None, "--watch", help="Only about this watch."),
        kind: list[str] = typer.Option(
            [], "--kind", help="burst, story, rumour, bad_buzz or campaign (repeatable)."
        ),
        rescan: bool = typer.Option(
            False, "--rescan", help="Recompute everything over the whole history."
        ),
        refresh: bool = typer.Option(
            True, "--refresh/--no-refresh", help="Run the incremental pass first."
        ),
        workspace: Path = WorkspaceOpt,
        fmt: TableFormat = FormatOpt,
    ) -> None:
        """Bursts, stories, rumours, bad buzz and campaigns, with their reasons."""
        from veille.signals.workspace import list_signals, since_time
        from veille.signals.workspace import refresh as run_pass
        from veille.workspace import Workspace
        from veille.workspace.workspace import writable

        for k in kind:
            if k not in KINDS:
                raise UsageError(t("sigcli.kind", kind=k, kinds=", ".join(KINDS)))
        with Workspace.open(workspace, read_only=not writable(workspace)) as ws:
            if watch is not None and watch not in {w.id for w in ws.config.watches}:
                ids = [w.id for w in ws.config.watches]
                close = difflib.get_close_matches(watch, ids, n=3)
                raise UsageError(
                    f"unknown watch {watch!r}",
                    hint=f"Did you mean: {', '.join(close)}?"
                    if close
                    else f"Known watches: {', '.join(ids) or 'none'}",
                )
            fresh: list[Signal] = []
            if refresh or rescan:
                fresh = run_pass(ws, rescan=rescan)
            anchor = newest_post_time(ws.store)
            from veille.model import utcnow

            items = list_signals(
                ws,
                since=since_time(since, anchor or utcnow()),
                kinds=kind or None,
                watch=watch,
                fresh=fresh if ws.store.read_only else (),
            )
        if fmt is TableFormat.json:
            emit([], [], fmt, json_value=[_public(s) for s in items])
            return
        if not items and fmt is TableFormat.table:
            say(t("sigcli.none"))
            return
        if fmt is TableFormat.table:
            _cards(items)
            return
        emit([_row(s) for s in items], COLUMNS, fmt, title=t("sigcli.title"))

    @app.command("story")
    def story_cmd(
        signal_id: str = typer.Argument(..., help="A signal id (from `veille signals`)."),
        workspace: Path = WorkspaceOpt,
        fmt: TableFormat = FormatOpt,
    ) -> None:
        """One story (or any signal): its figures, reasons, growth and top posts."""
        from veille.signals.workspace import known_ids, one_signal
        from veille.workspace import Workspace
        from veille.workspace.workspace import writable

        with Workspace.open(workspace, read_only=not writable(workspace)) as ws:
            found = one_signal(ws, signal_id)
            if found is None:
                close = difflib.get_close_matches(signal_id, known_ids(ws), n=3)
                raise UsageError(
                    t("sigcli.unknown", id=signal_id),
                    hint=f"Did you mean: {', '.join(close)}?"
                    if close
                    else "`veille signals` lists the signals.",
                )
        if fmt is TableFormat.json:
            item = found.as_json()
            emit([], [], fmt, json_value=item)
            return
        _show(found, fmt)


def _at(value: Any) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else ""


def _cards(items: list[Signal]) -> None:
    """The terminal form of the list: one short block per signal (a table of nine columns
    is unreadable at 80 columns), its first reason in full, its id for `veille story`."""
    say(t("sigcli.title") + f" ({len(items)})")
    for s in items:
        say("")
        say(
            f"{s.kind:<9} {s.term or '-'}  ·  score {s.score:.1f}  ·  "
            + t("sigcli.card", authors=s.authors, posts=s.posts)
        )
        say("  " + t("sigcli.when", first=_at(s.first_seen), detected=_at(s.detected_at)))
        for reason in s.reasons[:2]:
            say(f"  {reason}")
        say(f"  veille story {s.id}")


def _show(s: Signal, fmt: TableFormat) -> None:
    summary = [{"field": k, "value": cell(v, k)} for k, v in _row(s).items() if k != "reason"]
    if s.story_id:
        summary.append({"field": "story", "value": s.story_id})
    emit(summary, [("field", ""), ("value", "")], fmt, title=f"{s.kind} {s.id}")
    emit(
        [{"reason": r} for r in s.reasons], [("reason", t("sigcli.reasons"))], fmt,
        title=t("sigcli.reasons"),
    )  # fmt: skip
    growth = s.detail.get("growth") or []
    if growth:
        emit(
            growth,
            [("bucket_start", "bucket"), ("posts", "posts"), ("new_authors", "new authors")],
            fmt,
            title=t("sigcli.growth"),
        )
    top = s.detail.get("top_posts") or []
    if top:
        emit(
            top,
            [("created_at", "at"), ("author", "author"), ("stakeholder", "class"),
             ("text", "text")],
            fmt,
            title=t("sigcli.top"),
        )  # fmt: skip
    if fmt is TableFormat.table:
        console.print()
