"""A seeded, deterministic simulator of a leaders' social ecosystem, written to a folder in
the wire formats veille's importers read.

**The data is simulated.** People, organisations, handles and domains are invented (domains
and handles end in the reserved ``.example``); post text is templated French and English
with ordinary sentiment-bearing words. It exercises the whole pipeline and makes a demo
look alive; it is not realistic enough to measure accuracy (sentiment, language,
stakeholder classification) on: use the real data in ``../shared/data`` for that.

``simulate(out_dir)`` writes:

- ``registry.toml``: organisations (own, competitors, media) in five sectors and six
  countries, their leaders, watches and objectives, in the ``veille.toml`` format;
- ``bluesky/jetstream-YYYY-MM-DD.jsonl``: Jetstream events (commits creating and deleting
  posts, reposts, likes, follows; profile updates; identity and account events), one day
  per file, in ``time_us`` order;
- ``bluesky/appview.jsonl``: daily ``app.bsky.actor.getProfile`` responses for tracked
  accounts and ``app.bsky.feed.getAuthorFeed`` pages for leaders, with counts;
- ``mastodon/statuses.jsonl``: Mastodon ``Status`` entities as the REST API returns them,
  observed three hours after creation (counts as seen then);
- ``web/*.xml``: RSS 2.0 (news sites, company newsrooms) and Atom (leaders' blogs) feeds;
- ``ground_truth.json``: the planted episodes (bursts, a rumour and its news lead time, a
  bad buzz, a troll campaign), each leader's conversation behaviour, and the kind and
  stakeholder class of every simulated account.

Same seed and options give byte-identical output. Generation streams to disk with bounded
memory, so ``posts=10_000_000`` works (see ``bench/bench_simulate.py``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from veille.errors import UsageError
from veille.i18n import register, t

register(
    {
        "simulate.err.posts": (
            "posts doit valoir au moins 100 (reçu {posts}).",
            "posts must be at least 100 (got {posts}).",
        ),
        "simulate.err.weeks": (
            "weeks doit être entre 1 et 52 (reçu {weeks}).",
            "weeks must be between 1 and 52 (got {weeks}).",
        ),
        "simulate.err.jetstream": (
            "jetstream doit valoir v1 ou v2 (reçu {value!r}).",
            "jetstream must be v1 or v2 (got {value!r}).",
        ),
        "simulate.err.not_dir": (
            "{path} existe et n'est pas un dossier.",
            "{path} exists and is not a directory.",
        ),
    }
)

__all__ = ["DEFAULT_START", "SimulationSummary", "simulate"]

#: Fixed default start date, so that default output is deterministic.
DEFAULT_START = date(2026, 9, 1)


@dataclass(frozen=True, slots=True)
class SimulationSummary:
    """What a run wrote. ``posts`` counts social posts of every type (posts, replies,
    quotes, reposts on Bluesky; statuses including reblogs on Mastodon); web feed items,
    likes, follows and deletions are counted separately in ``counts``."""

    out_dir: Path
    seed: int
    posts: int
    counts: dict[str, int]
    files: dict[str, int]  # path relative to out_dir -> lines (JSONL) or items (feeds)
    ground_truth: Path
    registry: Path
    seconds: float
    paths: list[Path] = field(default_factory=list)

    @property
    def networks(self) -> dict[str, int]:
        """Posts per network (Bluesky, Mastodon) and items on the web."""
        c = self.counts
        return {
            "bluesky": c["bluesky_posts"]
            + c["bluesky_replies"]
            + c["bluesky_quotes"]
            + c["bluesky_reposts"],
            "mastodon": c["mastodon_statuses"]
            + c["mastodon_replies"]
            + c["mastodon_quotes"]
            + c["mastodon_reblogs"],
            "web": c["web_items"],
        }


def simulate(
    out_dir: Path,
    *,
    seed: int = 42,
    posts: int = 20_000,
    weeks: int = 6,
    start: date | None = None,
    progress: bool = False,
    jetstream: str = "v1",
) -> SimulationSummary:
    """Simulate ``weeks`` weeks and about ``posts`` social posts into ``out_dir``.

    ``progress=True`` shows a Rich progress bar on stderr. ``jetstream`` is the shape of
    the Jetstream lines: ``"v1"`` (``{"did", "time_us", "kind", "commit"}``, as the public
    ``/subscribe`` endpoint sends them and as the captures in ``shared/fixtures`` are) or
    ``"v2"`` (the payloads of ``network.bsky.jetstream.subscribeEvents``)."""
    from veille.simulate.scenario import Simulation

    if jetstream not in ("v1", "v2"):
        raise UsageError(t("simulate.err.jetstream", value=jetstream))
    if posts < 100:
        raise UsageError(t("simulate.err.posts", posts=posts))
    if not 1 <= weeks <= 52:
        raise UsageError(t("simulate.err.weeks", weeks=weeks))
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(t("simulate.err.not_dir", path=out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if progress:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        with Progress(
            TextColumn("[bold]simulate[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("posts"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        ) as bar:
            task = bar.add_task("posts", total=posts)

            def advance(done: int) -> None:
                bar.update(task, completed=min(done, posts))

            sim = Simulation(
                out_dir,
                seed=seed,
                posts=posts,
                weeks=weeks,
                start=start or DEFAULT_START,
                on_progress=advance,
                jetstream=jetstream,
            )
            sim.run()
            bar.update(task, completed=posts)
    else:
        sim = Simulation(
            out_dir,
            seed=seed,
            posts=posts,
            weeks=weeks,
            start=start or DEFAULT_START,
            jetstream=jetstream,
        )
        sim.run()
    files = dict(sorted(sim.files.items()))
    return SimulationSummary(
        out_dir=out_dir,
        seed=seed,
        posts=sim.n_posts,
        counts=dict(sim.c),
        files=files,
        ground_truth=out_dir / "ground_truth.json",
        registry=out_dir / "registry.toml",
        seconds=time.perf_counter() - started,
        paths=[out_dir / name for name in files]
        + [out_dir / "registry.toml", out_dir / "ground_truth.json"],
    )
