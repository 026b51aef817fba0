"""Speed of the leader's daily tools: the pre-publication check of one draft (no
workspace, and with the demo workspace and a leader), and the digest of one demo day.

    python bench/reports.py --workspace DEMO_COPY [--repeat 20]

Each figure is the median of ``--repeat`` runs after one warm-up run (stage models,
numba kernels and the TF-IDF vectoriser loaded). The baseline for the check is the
enrichment stages alone on the same one draft (what ``veille enrich --text`` does): what
the check adds on top of them is its rules and the workspace look-ups.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

DRAFT = (
    "Fiers de nos équipes @kestrel.example : la nouvelle plateforme est en ligne, "
    "garantie sans interruption ! #data https://exemple.fr/annonce 👍🏽"
)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--leader", default="camille-haddad")
    parser.add_argument("--day", default="2026-10-06")
    args = parser.parse_args()

    from veille.analytics.context import duckdb_context
    from veille.cli.enrich_cmd import enrich_lines
    from veille.reports.check import check_draft
    from veille.reports.check_context import build_check_context
    from veille.reports.digest import build_digest
    from veille.workspace import Workspace

    stages = median_ms(lambda: enrich_lines([DRAFT]), args.repeat)
    alone = median_ms(lambda: check_draft(DRAFT, "x"), args.repeat)
    with Workspace.open(args.workspace, read_only=True) as ws:
        ctx = duckdb_context(ws.store.con, ws.config)
        now = datetime.now(UTC)

        def full() -> None:
            context = build_check_context(ctx, DRAFT, args.leader, now)
            check_draft(DRAFT, "bluesky", args.leader, context)

        with_ws = median_ms(full, args.repeat)
        day = date.fromisoformat(args.day)
        digest = median_ms(lambda: build_digest(ctx, day), max(3, args.repeat // 4))
    print(f"enrichment stages on the draft (baseline): {stages:.1f} ms")
    print(f"check, no workspace:                       {alone:.1f} ms")
    print(f"check, demo workspace + leader:            {with_ws:.1f} ms")
    print(f"digest of {day} on the demo:             {digest:.1f} ms")


if __name__ == "__main__":
    main()
