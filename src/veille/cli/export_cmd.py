"""``veille export --parquet DIR``: the store's tables as a Parquet lake for Spark
(``veille.analytics.lake``)."""

from __future__ import annotations

from pathlib import Path

import typer

from veille.cli.common import WorkspaceOption, console
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "export.done": (
            "Lac Parquet {path} : {written} partitions écrites, {kept} inchangées, {removed} "
            "supprimées",
            "Parquet lake {path}: {written} partitions written, {kept} unchanged, {removed} "
            "removed",
        ),
        "export.what": (
            "précisez ce qu'il faut exporter : --parquet DOSSIER",
            "say what to export: --parquet DIR",
        ),
    }
)


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        workspace: Path = WorkspaceOption,
        parquet: Path | None = typer.Option(
            None,
            "--parquet",
            file_okay=False,
            help="Write the store's tables as a Parquet lake there (posts by day), "
            "incrementally: only what changed since the last export is rewritten.",
        ),
    ) -> None:
        """Export the store for other engines (a Parquet lake for Spark)."""
        if parquet is None:
            raise UsageError(t("export.what"))
        from veille.analytics.lake import export_lake
        from veille.workspace import Workspace

        with Workspace.open(workspace, read_only=True) as ws:
            result = export_lake(ws.store.con, parquet.resolve())
        console.print(
            t(
                "export.done",
                path=result.path,
                written=len(result.written),
                kept=result.kept,
                removed=len(result.removed),
            )
        )
