"""``veille demo``: the main job on a fresh machine. Simulates an ecosystem, builds a
workspace from it, imports everything, enriches it, and says what to look at next. No
network needed."""

from __future__ import annotations

import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import typer

from veille.cli.common import DataTable, console, err, markup, say, warn
from veille.cli.import_cmd import run_import
from veille.cli.workspace_cmd import workspace_status
from veille.errors import UsageError
from veille.flow.ingest import IngestSummary
from veille.i18n import register as register_messages
from veille.i18n import t
from veille.workspace import Workspace
from veille.workspace.workspace import CONFIG_NAME, DATA_NAME, init_workspace

SIMULATED = "simulated"

#: (import format, glob under the simulator's output folder), in import order.
DEMO_IMPORTS: tuple[tuple[str, str], ...] = (
    ("bluesky-appview", "bluesky/appview*.jsonl"),
    ("jetstream", "bluesky/jetstream-*.jsonl"),
    ("mastodon", "mastodon/*.jsonl"),
    ("rss-file", "web/*.xml"),
)


#: The file that marks a workspace as made by the demo (only those are ever replaced).
DEMO_MARKER = ".veille-demo"

register_messages(
    {
        "demo.not_demo": (
            "{root} contient un espace de travail que la démo n'a pas créé : il n'est pas"
            " remplacé, même avec --force",
            "{root} holds a workspace the demo did not make: it is not replaced, even with --force",
        ),
        "demo.not_demo.hint": (
            "Choisissez un autre dossier avec --dir.",
            "Choose another folder with --dir.",
        ),
        "demo.exists": (
            "{root} contient déjà la démo",
            "{root} already holds the demo",
        ),
        "demo.exists.hint": (
            "--force la reconstruit, ou choisissez un autre --dir.",
            "Use --force to rebuild it there, or another --dir.",
        ),
    }
)


def made_by_demo(root: Path) -> bool:
    """Whether the workspace in ``root`` was made by the demo: its marker file, or (demos
    made before the marker) a veille.toml that is still the simulator's registry."""
    if (root / DEMO_MARKER).exists():
        return True
    registry = root / SIMULATED / "registry.toml"
    try:
        return registry.read_bytes() == (root / CONFIG_NAME).read_bytes()
    except OSError:
        return False


@dataclass
class DemoResult:
    root: Path
    imports: list[IngestSummary] = field(default_factory=list)


def build_demo(
    root: Path,
    *,
    posts: int = 20_000,
    seed: int = 42,
    weeks: int = 6,
    force: bool = False,
    quiet: bool = False,
) -> DemoResult:
    """Build the demo workspace in ``root``."""
    from veille.simulate import simulate

    if (root / CONFIG_NAME).exists():
        if not made_by_demo(root):
            # --force or not: a workspace the demo did not make may hold real data
            raise UsageError(t("demo.not_demo", root=root), hint=t("demo.not_demo.hint"))
        if not force:
            raise UsageError(t("demo.exists", root=root), hint=t("demo.exists.hint"))
        for sub in (SIMULATED, DATA_NAME):
            shutil.rmtree(root / sub, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    sim_dir = root / SIMULATED
    simulate(sim_dir, seed=seed, posts=posts, weeks=weeks, progress=not quiet)
    registry = (sim_dir / "registry.toml").read_text(encoding="utf-8")
    init_workspace(root, registry, force=True)
    (root / DEMO_MARKER).write_text(
        "This workspace was made by `veille demo`; `veille demo --force` may replace it.\n",
        encoding="utf-8",
    )
    result = DemoResult(root)
    with Workspace.open(root) as ws:
        for fmt, pattern in DEMO_IMPORTS:
            files = sorted(sim_dir.glob(pattern))
            if files:
                result.imports.append(run_import(ws, fmt, files, quiet=quiet))
    return result


def demo(
    directory: Path | None = typer.Option(
        None,
        "--dir",
        "-d",
        file_okay=False,
        help="Folder of the demo workspace (default: a new temporary folder).",
    ),
    posts: int = typer.Option(20_000, "--posts", min=100, help="Simulated posts."),
    seed: int = typer.Option(42, "--seed", help="Simulator seed (same seed, same data)."),
    weeks: int = typer.Option(6, "--weeks", min=1, max=104, help="Weeks of activity."),
    force: bool = typer.Option(False, "--force", help="Rebuild the demo in an existing folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Build a demo workspace from the simulator (no network needed), and show it."""
    root = (directory or Path(tempfile.mkdtemp(prefix="veille-demo-"))).resolve()
    result = build_demo(root, posts=posts, seed=seed, weeks=weeks, force=force, quiet=quiet)
    table = DataTable(
        "format",
        t("col.read"),
        t("col.new"),
        t("col.duplicates"),
        t("col.rejected"),
        title="Imports",
    )
    for s in result.imports:
        table.add_row(
            s.source, f"{s.read:,}", f"{s.posts_new:,}", f"{s.posts_duplicate:,}", f"{s.rejected:,}"
        )
    console.print(table)
    with Workspace.open(root) as ws:
        status = workspace_status(ws)
        watches = [w.query for w in ws.config.watches][:1]
        leaders = len(ws.config.leaders)
    span = status["time_span"]
    console.print(markup("[bold green]{ready}[/] {root}", ready=t("demo.ready"), root=root))
    say(
        f"{status['posts']['total']:,} posts on {len(status['posts']['by_network'])} networks, "
        f"{leaders} leaders, from {span['first']} to {span['last']}; "
        f"{status['records']['enrichments']:,} enrichments, {status['records']['matches']:,} "
        f"watch matches."
    )
    command = veille_command()
    err.print(markup("\n[bold]{next}[/]", next=t("demo.next")))
    at = shlex.quote(str(root))
    warn(f"  {command} status -w {at}")
    warn(f"  {command} rank -w {at}            (the Leader Index)")
    warn(f"  {command} signals -w {at}         (bursts, stories, rumours, bad buzz, campaigns)")
    warn(f"  {command} digest -w {at}          (the day's best leaders' posts)")
    warn(f"  {command} serve --demo --demo-dir {at}   (the dashboard, http://127.0.0.1:8470/)")
    if watches:
        warn(f"  {command} search {shlex.quote(watches[0])} -w {at}")
    warn(f"  {root / CONFIG_NAME}  (the registry: leaders, organisations, watches)")
    warn(f"  {root / SIMULATED / 'ground_truth.json'}  (what the simulator planted)")


def veille_command() -> str:
    """How to run veille from the user's shell: ``veille`` when that is the one on the PATH,
    else the script next to this Python (a virtual environment that is not activated), else
    ``python -m veille``."""
    here = Path(sys.executable).parent / "veille"
    found = shutil.which("veille")
    if found and (not here.exists() or Path(found).resolve() == here.resolve()):
        return "veille"
    if here.exists():
        return shlex.quote(str(here))
    return f"{shlex.quote(sys.executable)} -m veille"


def register(app: typer.Typer) -> None:
    app.command()(demo)
