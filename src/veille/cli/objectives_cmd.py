"""``veille objectives [--leader ID] [--roi]``: objectives with their trend and forecast,
and the ROI view by dimension (C9)."""

from __future__ import annotations

from pathlib import Path

import typer

from veille.analytics.cohort import leader as leader_of
from veille.analytics.objectives import objectives, roi
from veille.cli.cohort_cmd import FormatOpt, WorkspaceOpt, analytics_context
from veille.cli.output import TableFormat, emit
from veille.i18n import register as register_messages
from veille.i18n import t

register_messages(
    {
        "obj.title": ("Objectifs (données jusqu'au {day})", "Objectives (data up to {day})"),
        "obj.roi": ("Retour sur investissement, par dimension", "Return, by dimension"),
        "obj.yes": ("oui", "yes"),
        "obj.no": ("non", "no"),
    }
)


def register(app: typer.Typer) -> None:
    @app.command("objectives")
    def objectives_cmd(
        leader: str | None = typer.Option(None, "--leader", help="Only this leader's."),
        show_roi: bool = typer.Option(False, "--roi", help="Group by the five ROI dimensions."),
        workspace: Path = WorkspaceOpt,
        fmt: TableFormat = FormatOpt,
    ) -> None:
        """Objectives of veille.toml: current value, Theil-Sen weekly trend, projection at
        the deadline, on or off track, and the weekly change still needed."""
        with analytics_context(workspace) as ctx:
            if leader is not None:
                leader_of(ctx.config, leader)
            evaluated = objectives(ctx, leader)
            day = ctx.anchor.date().isoformat()
        if show_roi:
            rows = roi(evaluated)
            emit(
                [{**r, "measures": ", ".join(r["measures"]),
                  "objectives": ", ".join(r["objectives"])} for r in rows],
                [("dimension", "dimension"), ("objectives", "objectives"),
                 ("on_track", "on track"), ("off_track", "off track"),
                 ("measures", "veille measures"), ("cannot_measure", "cannot measure")],
                fmt, title=t("obj.roi"), json_value=rows,
            )  # fmt: skip
            return
        rows = [
            {**o, "who": o["leader"] or o["organisation"],
             "on_track": None if o["on_track"] is None else o["on_track"],
             "note": o.get("reason", "")}
            for o in evaluated
        ]  # fmt: skip
        emit(
            rows,
            [("objective", "objective"), ("who", "who"), ("metric", "metric"),
             ("current", "current"), ("target", "target"), ("by", "by"),
             ("trend_per_week", "trend/week"), ("projected", "projected"),
             ("on_track", "on track"), ("needed_per_week", "needed/week"), ("note", "note")],
            fmt, title=t("obj.title", day=day), json_value=evaluated,
        )  # fmt: skip
