"""``veille rank`` (the Leader Index ranking, ``--explain ID``) and ``veille leader ID`` (the
leader profile). Figures come from ``veille.analytics``; this module only renders them."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from veille.analytics.context import AnalyticsContext
from veille.cli.common import console, print_json
from veille.errors import UsageError
from veille.i18n import register as register_messages
from veille.i18n import t
from veille.workspace.config import INDEX_COMPONENTS

FORMATS = ("table", "json", "csv", "md")
ENGINES = ("duckdb", "spark")

register_messages(
    {
        "rank.title": (
            "Indice des dirigeants, du {since} au {until}",
            "Leader Index, {since} to {until}",
        ),
        "rank.not_ranked": ("non classé", "not ranked"),
        "rank.bad_format": (
            "format inconnu « {fmt} » (table, json, csv ou md)",
            "unknown format '{fmt}' (table, json, csv or md)",
        ),
        "rank.bad_engine": (
            "moteur inconnu « {engine} » (duckdb ou spark)",
            "unknown engine '{engine}' (duckdb or spark)",
        ),
        "rank.explain": (
            "Pourquoi ce rang : {name}, indice {index}, rang {rank} sur {n}",
            "Why this rank: {name}, index {index}, rank {rank} of {n}",
        ),
        "rank.lifts": ("tire vers le haut", "lifts"),
        "rank.sinks": ("tire vers le bas", "sinks"),
    }
)

COMPONENT_LABELS = {
    "reach": "reach",
    "growth": "growth",
    "engagement": "engagement",
    "amplification": "amplif.",
    "conversation": "conversation",
    "centrality": "centrality",
    "sentiment": "sentiment",
}


def fmt_value(name: str, value: Any) -> str:
    """A component value for people (JSON keeps the raw number)."""
    if value is None:
        return "—"
    if name == "reach":
        return f"{int(value):,}"
    if name == "growth":
        return f"{int(value):+,}"
    if name == "engagement":
        return f"{100 * float(value):.3f}%"
    if name == "centrality":
        return f"{float(value):.4f}"
    if name == "sentiment":
        return f"{float(value):+.2f}"
    return f"{float(value):.2f}"


def _scalar(value: Any) -> Any:
    return None if isinstance(value, dict) else value


@contextmanager
def analytics_context(
    workspace: Path, engine: str = "duckdb", spark_master: str | None = None
) -> Iterator[AnalyticsContext]:
    """An analytics context on the workspace (read-only), on DuckDB or Spark."""
    if engine not in ENGINES:
        raise UsageError(t("rank.bad_engine", engine=engine))
    from veille.analytics.context import build_context
    from veille.analytics.engine import DuckDBEngine
    from veille.workspace import Workspace

    with Workspace.open(workspace, read_only=True) as ws:
        if engine == "duckdb":
            yield build_context(DuckDBEngine(ws.store.con), ws.config)
            return
        from veille.analytics.lake import export_lake
        from veille.analytics.spark import SparkEngine

        lake = ws.data_dir / "lake"
        export_lake(ws.store.con, lake)  # incremental: only what changed is rewritten
        spark = SparkEngine.open(lake, master=spark_master)
        try:
            yield build_context(spark, ws.config)
        finally:
            spark.close()


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(t("rank.bad_format", fmt=fmt))


def ranking_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat rows (CSV, Markdown): one column per component value, percentile and rank."""
    rows = []
    for item in items:
        row: dict[str, Any] = {
            "rank": _scalar(item["rank"]),
            "rank_change": _scalar(item["rank_change"]),
            "leader": item["leader"],
            "name": item["name"],
            "index": _scalar(item["index"]),
        }
        for name in INDEX_COMPONENTS:
            comp = item["components"][name]
            row[name] = comp["value"]
            row[f"{name}_percentile"] = comp["percentile"]
            row[f"{name}_rank"] = comp["rank"]
        reason = item["index"].get("reason") if isinstance(item["index"], dict) else None
        row["reason"] = reason or ""
        rows.append(row)
    return rows


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def _md(items: list[dict[str, Any]]) -> str:
    head = ["rank", "Δ", "leader", "index", *[COMPONENT_LABELS[c] for c in INDEX_COMPONENTS]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for item in items:
        cells = [
            str(_scalar(item["rank"]) or "—"),
            _delta(_scalar(item["rank_change"])),
            item["name"].replace("|", "\\|"),
            _index(item),
        ]
        for name in INDEX_COMPONENTS:
            comp = item["components"][name]
            pct = comp["percentile"]
            cells.append(
                fmt_value(name, comp["value"]) + (f" ({pct:.0f})" if pct is not None else "")
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _delta(change: Any) -> str:
    if change is None:
        return "—"
    return f"+{change}" if change > 0 else ("=" if change == 0 else str(change))


def _index(item: dict[str, Any]) -> str:
    value = _scalar(item["index"])
    return "—" if value is None else f"{value:.1f}"


def _table(items: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=escape(title), show_lines=False)
    for col in ("#", "Δ", "leader", "index"):
        table.add_column(col, justify="right" if col != "leader" else "left")
    for name in INDEX_COMPONENTS:
        table.add_column(f"{COMPONENT_LABELS[name]}\n(pct)", justify="right")
    table.add_column("note")
    for item in items:
        cells = [
            str(_scalar(item["rank"]) or "—"),
            _delta(_scalar(item["rank_change"])),
            escape(item["name"]),
            _index(item),
        ]
        for name in INDEX_COMPONENTS:
            comp = item["components"][name]
            pct = comp["percentile"]
            cells.append(
                escape(fmt_value(name, comp["value"]))
                + (f"\n[dim]{pct:.0f}[/]" if pct is not None else "")
            )
        reason = item["index"].get("reason") if isinstance(item["index"], dict) else ""
        cells.append(escape(reason or ""))
        table.add_row(*cells)
    return table


def _print_explain(data: dict[str, Any]) -> None:
    if not isinstance(data["index"], float | int):
        console.print(
            f"[bold]{escape(data['name'])}[/]: {t('rank.not_ranked')} "
            f"({escape(str(data['index'].get('reason')))})"
        )
        return
    console.print(
        "[bold]"
        + escape(
            t(
                "rank.explain",
                name=data["name"],
                index=f"{data['index']:.1f}",
                rank=data["rank"],
                n=data["ranked_among"],
            )
        )
        + "[/]"
    )
    table = Table("component", "effect (points)", "value", "cohort median", "percentile")
    for e in data["effects"]:
        colour = "green" if e["effect"] > 0 else "red" if e["effect"] < 0 else "white"
        table.add_row(
            e["component"],
            f"[{colour}]{e['effect']:+.1f}[/]",
            escape(fmt_value(e["component"], e["value"])),
            escape(fmt_value(e["component"], e["cohort_median"])),
            f"{e['percentile']:.0f}",
        )
    console.print(table)
    if data["lifts"]:
        console.print(f"{t('rank.lifts')}: {', '.join(data['lifts'])}")
    if data["sinks"]:
        console.print(f"{t('rank.sinks')}: {', '.join(data['sinks'])}")


def run_rank(
    workspace: Path,
    *,
    cohort: str | None,
    sector: str | None,
    country: str | None,
    period: str | None,
    since: str | None,
    until: str | None,
    top: int,
    fmt: str,
    explain_id: str | None,
    engine: str,
    spark_master: str | None,
) -> None:
    _check_format(fmt)
    from veille.analytics.cohort import leader as find_leader
    from veille.analytics.explain import explain
    from veille.analytics.index import rank

    with analytics_context(workspace, engine, spark_master) as ctx:
        if explain_id is not None:
            find_leader(ctx.config, explain_id)
        chosen = ctx.period(period or (None if since else ctx.config.index.period), since, until)
        ranking = rank(ctx, chosen, cohort=cohort, sector=sector, country=country)
    if explain_id is not None:
        data = explain(ranking, explain_id)
        if fmt == "json":
            print_json(data)
        else:
            _print_explain(data)
        return
    items = ranking.as_json()
    ranked = [i for i in items if _scalar(i["rank"]) is not None][:top]
    items = ranked + [i for i in items if _scalar(i["rank"]) is None]
    if fmt == "json":
        print_json(items)
    elif fmt == "csv":
        sys.stdout.write(_csv(ranking_rows(items)))
    elif fmt == "md":
        sys.stdout.write(_md(items))
    else:
        title = t(
            "rank.title",
            since=f"{chosen.since:%Y-%m-%d %H:%M}",
            until=f"{chosen.until:%Y-%m-%d %H:%M}",
        )
        console.print(_table(items, title))


def register(app: typer.Typer) -> None:
    from veille.cli.common import WorkspaceOption

    @app.command("rank")
    def rank_cmd(
        workspace: Path = WorkspaceOption,
        cohort: str | None = typer.Option(None, "--cohort", help="A cohort of the registry."),
        sector: str | None = typer.Option(None, "--sector", help="A sector of the registry."),
        country: str | None = typer.Option(None, "--country", help="A country code, e.g. FR."),
        period: str | None = typer.Option(
            None, "--period", help="Period length ending now: 28d (default), 12w, 24h, 3m."
        ),
        since: str | None = typer.Option(None, "--since", help="Start (YYYY-MM-DD or ISO)."),
        until: str | None = typer.Option(None, "--until", help="End, excluded (default: now)."),
        top: int = typer.Option(50, "--top", min=1, help="Show the first N ranked leaders."),
        fmt: str = typer.Option("table", "--format", "-f", help="table, json, csv or md."),
        explain_id: str | None = typer.Option(
            None, "--explain", help="Say which components lift or sink this leader."
        ),
        engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
        spark_master: str | None = typer.Option(
            None,
            "--spark-master",
            envvar="VEILLE_SPARK_MASTER",
            help="Spark master URL for --engine spark (default: local mode).",
        ),
    ) -> None:
        """The Leader Index ranking: every component with its value, percentile and rank."""
        run_rank(
            workspace,
            cohort=cohort,
            sector=sector,
            country=country,
            period=period,
            since=since,
            until=until,
            top=top,
            fmt=fmt,
            explain_id=explain_id,
            engine=engine,
            spark_master=spark_master,
        )
