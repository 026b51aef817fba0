"""``veille import FORMAT PATH...``: load data that people already have."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from veille.cli.common import (
    DataTable,
    Format,
    WorkspaceOption,
    console,
    err,
    markup,
    print_json,
    progress_bar,
    warn,
)
from veille.errors import UsageError
from veille.flow.ingest import IngestSummary, ingest
from veille.flow.retention import apply_retention
from veille.i18n import t
from veille.plugins import connectors
from veille.sources.base import Importer
from veille.workspace import Workspace


def importers() -> dict[str, type[Importer]]:
    return {k: v for k, v in connectors().items() if issubclass(v, Importer)}


def parse_options(cls: type[Importer], pairs: list[str]) -> Any:
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--option {pair!r}: expected KEY=VALUE")
        values[key.strip().replace("-", "_")] = value
    try:
        return cls.Options(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        fields = ", ".join(cls.Options.model_fields) or "none"
        raise UsageError(
            f"bad --option for {cls.id}: {problems}", hint=f"Options of {cls.id}: {fields}"
        ) from None


def run_import(
    ws: Workspace,
    fmt: str,
    paths: list[Path],
    options: list[str] | None = None,
    *,
    quiet: bool = False,
) -> IngestSummary:
    """Import ``paths`` as ``fmt`` into ``ws``, then enrich the new posts."""
    from veille.flow.enrich import enrich_pending

    table = importers()
    if fmt not in table:
        raise UsageError(
            t("import.unknown_format", fmt=fmt),
            hint=t("import.formats", formats=", ".join(sorted(table))),
        )
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError(t("import.missing", path=missing[0]))
    cls = table[fmt]
    connector = cls(paths, parse_options(cls, options or []))
    connector.configure(ws.config)
    with progress_bar(not quiet) as progress:
        task = progress.add_task(f"import {fmt}", total=None, detail="")

        def show(s: IngestSummary) -> None:
            progress.update(
                task,
                detail=t(
                    "progress.detail",
                    read=f"{s.read:,}",
                    new=f"{s.posts_new:,}",
                    dup=f"{s.posts_duplicate:,}",
                    rej=f"{s.rejected:,}",
                ),
            )

        summary = ingest(ws, connector, on_progress=show, record_import=True)
        show(summary)
        apply_retention(ws)
        enrich_pending(ws, progress=progress)
    return summary


def render_summary(summary: IngestSummary) -> None:
    table = DataTable(
        t("col.read"),
        t("col.new"),
        t("col.duplicates"),
        t("col.rejected"),
        title=f"import {summary.source}",
    )
    table.add_row(
        f"{summary.read:,}",
        f"{summary.posts_new:,}",
        f"{summary.posts_duplicate:,}",
        f"{summary.rejected:,}",
    )
    console.print(table)


def report_rejects(summary: IngestSummary) -> None:
    """The first rejected items, with where and why, on stderr."""
    for reject in summary.reject_samples[:10]:
        err.print(
            markup(
                "[yellow]{label}[/] {origin}: {reason}",
                label=t("import.rejected"),
                origin=reject.origin,
                reason=reject.reason,
            ),
            highlight=False,
        )
    if summary.rejected > 10:
        warn(t("import.more", n=f"{summary.rejected - 10:,}"))
    if summary.rejects_path:
        warn(t("import.kept", path=summary.rejects_path))


def import_(
    format: str = typer.Argument(
        ...,
        metavar="FORMAT",
        help="x-archive, linkedin, twitter-v2, jetstream, mastodon, csv, jsonl...",
    ),
    paths: list[Path] = typer.Argument(..., metavar="PATH...", help="Files, folders or zips."),
    workspace: Path = WorkspaceOption,
    option: list[str] = typer.Option([], "--option", "-o", help="KEY=VALUE option of the format."),
    output: Format = typer.Option(Format.table, "--format", "-f", help="Summary as table or json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Import files (streamed; bad items are set aside with where and why)."""
    with Workspace.open(workspace) as ws:
        summary = run_import(ws, format, paths, option, quiet=quiet)
    if output is Format.json:
        print_json(summary.as_dict())
    else:
        render_summary(summary)
    report_rejects(summary)
    if summary.read == 0 and summary.rejected == 0:
        raise UsageError(t("import.empty", paths=", ".join(map(str, paths))))
    if (
        summary.rejected
        and summary.posts_new + summary.posts_duplicate == 0
        and not summary.records
    ):
        raise UsageError(
            t(
                "import.nothing",
                paths=", ".join(map(str, paths)),
                fmt=format,
                n=f"{summary.rejected:,}",
            ),
            hint=t("import.nothing.hint"),
        )


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
