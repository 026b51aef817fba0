"""A/B of the cues and stakeholders stages against their code at a named baseline commit
(default ``f15d68d``, before the compiled ``lexmatch``: Arrow-kernel normalisation,
pyahocorasick, per-row Python), in the same process, interleaved, on one core.

Run::

    /work/venv/bin/python bench/cues_speed.py [--baseline f15d68d] [--posts 50000]
        [--repeat 21] [--data ../shared/data] [--cache /tmp/veille-bench-enrich]

The baseline's ``lexmatch``, ``cues`` and ``stakeholders`` modules are read with
``git show`` and loaded under other names (their other imports are today's modules).
Corpora (those of ``bench/enrich.py``): the real XLM-T French + English val tweets as one
batch (648 rows: the fixed per-batch costs weigh), and ``--posts`` simulated Bluesky posts
with their authors' profiles in batches of 10,000 (the per-character costs weigh). Outputs
are checked identical first. Medians of ``--repeat`` wall-clock runs, old and new
alternating; ``old/new`` is the speed-up.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tomllib
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import pyarrow as pa  # noqa: E402

import enrich  # noqa: E402  (sets one thread per library and pins core 0)
from veille.pipeline.cues import CueStage  # noqa: E402
from veille.pipeline.stakeholders import StakeholderConfig, StakeholderStage  # noqa: E402
from veille.workspace.config import VeilleConfig  # noqa: E402

Stage = Callable[[pa.RecordBatch], pa.RecordBatch]


def baseline_module(commit: str, name: str) -> Any:
    """``veille.pipeline.<name>`` as of ``commit``, as module ``baseline_<name>``, its
    imports of ``veille.pipeline.lexmatch`` redirected to ``baseline_lexmatch``."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:src/veille/pipeline/{name}.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    source = source.replace("from veille.pipeline.lexmatch import", "from baseline_lexmatch import")
    module = types.ModuleType(f"baseline_{name}")
    module.__file__ = f"<{commit}:{name}.py>"
    sys.modules[module.__name__] = module
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def ab(
    label: str, old: Stage, new: Stage, batches: list[pa.RecordBatch], columns: tuple[str, ...]
) -> None:
    for batch in batches:
        expected, got = old(batch), new(batch)
        for name in columns:
            assert got.column(name).equals(expected.column(name)), (label, name)
    rows = sum(b.num_rows for b in batches)
    times: dict[str, list[float]] = {"old": [], "new": []}
    order = [("old", old), ("new", new)]
    for run in range(ARGS.repeat):
        for name, stage in order if run % 2 == 0 else order[::-1]:
            t0 = time.perf_counter()
            for batch in batches:
                stage(batch)
            times[name].append(time.perf_counter() - t0)
    old_us = statistics.median(times["old"]) / rows * 1e6
    new_us = statistics.median(times["new"]) / rows * 1e6
    print(
        f"| {label} | {old_us:.2f} | {new_us:.2f} | {old_us / new_us:.2f}x | "
        f"{rows / statistics.median(times['new']):,.0f} |"
    )


def main() -> None:
    sim_dir = enrich.simulation(ARGS.cache, ARGS.posts)
    with open(sim_dir / "registry.toml", "rb") as handle:
        registry = tomllib.load(handle)
    # the registry as bench/enrich.py gives it to the stage
    reg = {k: v for k, v in registry.items() if k in ("organisations", "leaders")}
    corpora = {
        "real val tweets, 1 x 648": enrich.to_batches(enrich.real_val(ARGS.data), 10_000),
        f"simulated posts, {ARGS.posts // 10_000} x 10,000": enrich.to_batches(
            enrich.simulated(sim_dir, ARGS.posts), 10_000
        ),
    }
    baseline_module(ARGS.baseline, "lexmatch")
    old_cues = baseline_module(ARGS.baseline, "cues")
    old_stakeholders = baseline_module(ARGS.baseline, "stakeholders")
    old_config = old_stakeholders.StakeholderConfig.from_mapping(reg)
    stages: dict[str, tuple[Stage, Stage, tuple[str, ...]]] = {
        "cues": (
            old_cues.CueStage(),
            CueStage(),
            ("cues", "cue_terms", "rumour_cue", "cue_label"),
        ),
        "stakeholders": (
            old_stakeholders.StakeholderStage(old_config),
            StakeholderStage(StakeholderConfig.from_config(VeilleConfig.model_validate(reg))),
            ("stakeholder", "stakeholder_reason"),
        ),
    }
    print(f"baseline {ARGS.baseline}; medians of {ARGS.repeat} runs, one core")
    print("| stage, corpus | old us/post | new us/post | old/new | new posts/s |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for stage_name, (old, new, columns) in stages.items():
        for corpus_name, batches in corpora.items():
            ab(f"{stage_name}, {corpus_name}", old, new, batches, columns)


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--baseline", default="f15d68d")
parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
parser.add_argument("--posts", type=int, default=50_000)
parser.add_argument("--repeat", type=int, default=21)
parser.add_argument("--cache", type=Path, default=Path("/tmp/veille-bench-enrich"))
ARGS = parser.parse_args()

if __name__ == "__main__":
    main()
