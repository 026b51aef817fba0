"""Workspace commands: init, status, rebuild, forget."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from veille.cli.common import (
    DataTable,
    Format,
    WorkspaceOption,
    console,
    err,
    markup,
    print_json,
    progress_bar,
    say,
)
from veille.flow.collect import states as source_states
from veille.i18n import t
from veille.store.read import status_counts
from veille.workspace import Workspace
from veille.workspace.workspace import CONFIG_NAME, init_workspace, writable


def init(
    directory: Path = typer.Argument(Path("."), help="Folder of the new workspace."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing veille.toml."),
) -> None:
    """Create a workspace: a commented veille.toml and a data folder."""
    config = init_workspace(directory.resolve(), force=force)
    say(t("init.done", config=config, data=config.parent / "data"))
    say(t("init.next", name=CONFIG_NAME, dir=directory))


def workspace_status(ws: Workspace) -> dict[str, Any]:
    """Counts of the workspace, for `veille status` and the demo."""
    counts = status_counts(ws.store)
    return {
        "workspace": str(ws.root),
        "schema_version": ws.store.schema_version(),
        "store_bytes": ws.store.path.stat().st_size if ws.store.path.exists() else 0,
        "raw_log_bytes": ws.rawlog.count_bytes(),
        "posts": counts["posts"],
        "time_span": counts["time_span"],
        "records": counts["records"],
        "rejects": ws.rejects.count(),
        "last_imports": counts["last_imports"],
        "cursors": counts["cursors"],
        "sources": [
            {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
            for row in source_states(ws)
        ],
    }


def _render_status(status: dict[str, Any]) -> None:
    console.print(markup("[bold]veille[/] workspace {w}", w=status["workspace"]))
    posts = status["posts"]
    span = status["time_span"]
    say(
        t(
            "status.posts",
            total=f"{posts['total']:,}",
            deleted=f"{posts['deleted']:,}",
            first=span["first"] or "-",
            last=span["last"] or "-",
        )
    )
    say(
        t(
            "status.sizes",
            store=status["store_bytes"] / 1e6,
            raw=status["raw_log_bytes"] / 1e6,
            rejects=f"{status['rejects']:,}",
        )
    )
    table = DataTable(t("col.network"), "posts", title=t("status.by_network"))
    for network, count in posts["by_network"].items():
        table.add_row(network, f"{count:,}")
    console.print(table)
    table = DataTable("source", "posts", title=t("status.by_source"))
    for source, count in posts["by_source"].items():
        table.add_row(source, f"{count:,}")
    console.print(table)
    table = DataTable("table", t("col.rows"), title=t("status.records"))
    for name, count in status["records"].items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    if status["last_imports"]:
        table = DataTable(
            "source",
            t("col.when"),
            t("col.read"),
            t("col.new"),
            t("col.duplicates"),
            t("col.rejected"),
            t("col.status"),
            title=t("status.imports"),
        )
        for row in status["last_imports"]:
            table.add_row(
                *(
                    f"{row[k]:,}" if isinstance(row[k], int) else str(row[k] or "")
                    for k in ("source", "finished_at", "read", "new", "duplicates", "rejected")
                ),
                str(row["status"] or ""),
            )
        console.print(table)
    if status["cursors"]:
        table = DataTable("source", t("col.cursor"), t("col.updated"), title=t("status.cursors"))
        for key, value in status["cursors"].items():
            table.add_row(key, str(value["cursor"])[:40], value["updated_at"])
        console.print(table)
    if status["sources"]:
        table = DataTable(
            "source",
            t("col.last_success"),
            t("col.lag"),
            t("col.per_minute"),
            t("col.rate_limit"),
            t("col.next_call"),
            t("col.last_error"),
            title="Sources",
        )
        for row in status["sources"]:
            lag = row["lag_seconds"]
            limits = "; ".join(
                f"{host}: {state.get('remaining', '?')}/{state.get('limit', '?')}"
                for host, state in (row["rate_limits"] or {}).items()
                if isinstance(state, dict)
            )
            table.add_row(
                row["source"],
                row["last_success"] or "-",
                "-" if lag is None else f"{lag:,.0f} s",
                "-" if row["items_per_minute"] is None else f"{row['items_per_minute']:,.0f}",
                limits or "-",
                row["next_allowed_at"] or "-",
                (row["last_error"] or "-")[:60],
            )
        console.print(table)


def status(
    workspace: Path = WorkspaceOption,
    format: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
) -> None:
    """Report the workspace: counts per network and source, time span, sizes, imports,
    cursors and sources."""
    # a read-only copy (a backup, a shared folder) is reported as it is: no migration
    with Workspace.open(workspace, read_only=not writable(workspace)) as ws:
        data = workspace_status(ws)
    if format is Format.json:
        print_json(data)
    else:
        _render_status(data)


def rebuild(
    workspace: Path = WorkspaceOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Re-derive the store from the raw log (tombstones stay applied)."""
    from veille.flow.enrich import enrich_pending
    from veille.flow.rebuild import rebuild as run_rebuild

    with Workspace.open(workspace) as ws, progress_bar(not quiet) as progress:
        task = progress.add_task("rebuild", total=None, detail="")
        summary = run_rebuild(
            ws,
            on_progress=lambda s: progress.update(
                task, detail=f"{s.items:,} raw items, {s.records:,} records"
            ),
        )
        enriched = enrich_pending(ws, progress=progress)
        from veille.flow.rebuild import rederive_signals

        rederive_signals(ws)
    say(
        t(
            "rebuild.done",
            items=f"{summary.items:,}",
            records=f"{summary.records:,}",
            posts=f"{summary.posts:,}",
            rejected=f"{summary.rejected:,}",
            enriched=f"{enriched:,}",
        )
    )
    for source, count in summary.unknown_sources.items():
        err.print(
            markup(
                "[yellow]warning:[/] {n} raw items of source {s} skipped: no connector"
                " registered with that id (is its plugin installed?)",
                n=f"{count:,}",
                s=repr(source),
            )
        )


def forget(
    account: str = typer.Argument(..., help="NETWORK:ACCOUNT_ID, or a handle."),
    workspace: Path = WorkspaceOption,
    reason: str = typer.Option("forgotten on request", help="Recorded in the audit log."),
) -> None:
    """Erase an account's posts, text and enrichments; keep a tombstone; audit it."""
    from veille.flow.forget import forget as run_forget

    with Workspace.open(workspace) as ws:
        done = run_forget(ws, account, reason=reason)
    say(
        t(
            "forget.done",
            account=f"{done.network}:{done.account_id}",
            posts=f"{done.posts_purged:,}",
            raw=f"{done.raw_items_removed:,}",
        )
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(status)
    app.command()(rebuild)
    app.command()(forget)
