"""``veille collect``, ``veille listen`` and ``veille run``: live collection."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

import typer
from rich.progress import Progress, TaskID

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
from veille.errors import SourcesUnreachable, UsageError
from veille.flow.ingest import IngestSummary
from veille.flow.retention import apply_retention
from veille.i18n import register as register_messages
from veille.i18n import t
from veille.model import parse_time
from veille.workspace import Workspace

register_messages(
    {
        "collect.all_failed": (
            "aucune source n'a pu être collectée ({n}) : {causes}",
            "no source could be collected ({n}): {causes}",
        ),
        "collect.all_failed_hint": (
            "vérifiez la connexion réseau et les adresses de veille.toml ; veille status"
            " montre la dernière erreur de chaque source",
            "check the network connection and the addresses in veille.toml; veille status"
            " shows each source's last error",
        ),
    }
)


def _redact_logs() -> None:
    from veille.secrets import install_log_redaction

    install_log_redaction()


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    when = parse_time(value if "T" in value or " " in value else value + "T00:00:00+00:00")
    if when is None:
        raise UsageError(f"--since {value!r}: expected a date (2026-01-31) or an ISO time")
    return when.astimezone(UTC)


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set ``stop``: the current batch is committed, then the command ends."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():  # second signal: leave now
            raise KeyboardInterrupt
        err.print("[yellow]stopping: committing what was received...[/]")
        stop.set()

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _enrich(ws: Workspace, progress: Progress | None = None, *, retention: bool = False) -> None:
    from veille.flow.enrich import enrich_pending

    if retention:
        apply_retention(ws)
    enrich_pending(ws, progress=progress)


def _summaries_table(results: dict[str, IngestSummary]) -> DataTable:
    table = DataTable(
        "source",
        "read",
        "new",
        "duplicates",
        "deleted",
        "rejected",
        "not fetched",
        title="collect",
    )
    for key, s in results.items():
        table.add_row(
            key,
            f"{s.read:,}",
            f"{s.posts_new:,}",
            f"{s.posts_duplicate:,}",
            f"{s.posts_deleted:,}",
            f"{s.rejected:,}",
            "failed" if s.error else f"{s.failed:,}",
        )
    return table


def _detail(s: IngestSummary) -> str:
    text = f"{s.read:,} read, {s.posts_new:,} new, {s.rejected:,} rejected"
    if s.failed:
        text += f", {s.failed:,} not fetched"
    return text + (", failed" if s.error else "")


def _fail_if_nothing_reached(results: dict[str, IngestSummary]) -> None:
    """Exit 1, with the causes, when every source failed."""
    if not results or not all(s.unreachable for s in results.values()):
        return
    causes = "; ".join(f"{k}: {s.failure_text()}" for k, s in results.items())
    raise SourcesUnreachable(
        t("collect.all_failed", n=len(results), causes=causes), hint=t("collect.all_failed_hint")
    )


def collect(
    source: list[str] = typer.Option(
        [],
        "--source",
        "-s",
        help="bluesky, mastodon, rss (or a connector id); default: all configured.",
    ),
    since: str | None = typer.Option(None, "--since", help="Backfill back to this date."),
    workspace: Path = WorkspaceOption,
    output: Format = typer.Option(Format.table, "--format", "-f", help="Summary as table or json."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    enrich: bool = typer.Option(
        True,
        "--enrich/--no-enrich",
        help="Enrich the new posts in each batch (and any pending ones at the end).",
    ),
    max_seconds: float | None = typer.Option(
        None, "--max-seconds", min=0, help="Stop collecting after N seconds (all sources)."
    ),
) -> None:
    """Poll the configured sources once (resuming from their saved cursors). Exits 1 when
    no source could be reached."""
    from veille.flow.collect import collect_once, states

    _redact_logs()
    with Workspace.open(workspace) as ws, progress_bar(not quiet) as progress:
        tasks: dict[str, TaskID] = {}

        def show(key: str, s: IngestSummary) -> None:
            if key not in tasks:
                tasks[key] = progress.add_task(f"collect {key}", total=None, detail="")
            progress.update(tasks[key], detail=_detail(s))

        results = collect_once(
            ws,
            source or None,
            since=_since(since),
            on_progress=show,
            enrich=enrich,
            max_seconds=max_seconds,
        )
        for key, s in results.items():
            show(key, s)
        apply_retention(ws)
        if enrich:
            _enrich(ws, progress)
            from veille.signals.detect import detect_quietly

            detect_quietly(ws)
        state = {row["source"]: row for row in states(ws)}
    if output is Format.json:
        print_json({k: {**v.as_dict(), "state": state.get(k)} for k, v in results.items()})
        _fail_if_nothing_reached(results)
        return
    console.print(_summaries_table(results))
    _fail_if_nothing_reached(results)
    for key, summary in results.items():
        row = state.get(key) or {}
        cause = summary.failure_text() or row.get("last_error")
        if cause:
            err.print(markup("[yellow]{k}[/]: {e}", k=key, e=cause), highlight=False)
        for host, limits in (row.get("rate_limits") or {}).items():
            if limits.get("remaining") is not None:
                warn(
                    f"{key} {host}: {limits['remaining']}/{limits.get('limit')} calls left, "
                    f"reset {limits.get('reset_at')}"
                )


def listen(
    source: str = typer.Option(..., "--source", "-s", help="bluesky or mastodon."),
    max_seconds: float | None = typer.Option(None, "--max-seconds", help="Stop after N seconds."),
    workspace: Path = WorkspaceOption,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    enrich: bool = typer.Option(
        True,
        "--enrich/--no-enrich",
        help="Enrich the new posts in each batch (and any pending ones at the end).",
    ),
) -> None:
    """Stream a live source into the store until stopped (Ctrl-C) or for --max-seconds."""
    from veille.flow.collect import listen as run_listen

    _redact_logs()
    stop = threading.Event()
    with (
        Workspace.open(workspace) as ws,
        _stop_on_signals(stop),
        progress_bar(not quiet) as progress,
    ):
        task = progress.add_task(f"listen {source}", total=None, detail="")

        def show(key: str, s: IngestSummary) -> None:
            progress.update(
                task,
                detail=f"{s.read:,} events, {s.posts_new:,} new posts, {s.rejected:,} rejected",
            )

        from veille.signals.detect import detect_quietly

        summary = run_listen(
            ws,
            source,
            max_seconds=max_seconds,
            stop=stop,
            on_progress=show,
            enrich=enrich,
            tick=(lambda: detect_quietly(ws)) if enrich else None,
        )
        show(source, summary)
        apply_retention(ws)
        if enrich:
            _enrich(ws, progress)
    if not quiet:
        console.print(_summaries_table({source: summary}))
    _fail_if_nothing_reached({source: summary})


def run_cmd(
    interval: float = typer.Option(15.0, "--interval", help="Minutes between two polls."),
    max_seconds: float | None = typer.Option(None, "--max-seconds", help="Stop after N seconds."),
    workspace: Path = WorkspaceOption,
) -> None:
    """Run the schedule: poll sources every --interval minutes, live sources continuously;
    after each cycle, enrich, detect signals as buckets close (and alert), and make
    yesterday's digest once [digest] run_at has passed."""
    from veille.flow.collect import run
    from veille.reports.digest_run import DigestJob
    from veille.signals.detect import detect_quietly

    _redact_logs()
    stop = threading.Event()
    with Workspace.open(workspace) as ws, _stop_on_signals(stop):
        err.print(f"veille run: polling every {interval:g} min; Ctrl-C to stop")
        digest_job = DigestJob(ws)

        def after_cycle() -> None:
            _enrich(ws, retention=True)
            digest_job()

        run(
            ws,
            interval=interval * 60.0,
            max_seconds=max_seconds,
            stop=stop,
            enrich=after_cycle,
            tick=lambda: detect_quietly(ws),
        )


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)
    app.command("listen")(listen)
    app.command("run")(run_cmd)
