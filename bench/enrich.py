"""Enrichment fast path: all five stages together (language, sentiment, 10,000-watch
matching, stakeholders, rumour cues), batched, on ONE core, against VADER alone on the same
texts in the same run.

Run::

    /work/venv/bin/python bench/enrich.py [--posts 1000000] [--batch 10000] [--repeat 3]
        [--watches 10000] [--vader-sample 200000] [--data ../shared/data]
        [--cache /tmp/veille-bench-enrich]

The script sets OMP/OPENBLAS/MKL/RAYON threads to 1 before numpy loads and pins itself to
core 0 (``os.sched_setaffinity``) where the platform allows it.

Corpora:

- "simulated posts": the Bluesky posts of ``veille.simulate.simulate(posts=--posts, seed=7)``
  (mapped by the real Jetstream importer, with their mention/hashtag/link lists and the
  author's handle, display name and bio from the profile and identity events), reposts and
  empty posts left out; the rows missing to reach ``--posts`` are made by joining the first
  half (in words) of one simulated post to the second half of another (author of the first).
  The simulation is cached under ``--cache`` (about 2 minutes for 1M posts).
- "real val tweets": XLM-T French + English val, as they are (no author columns).

Watches (``make_watches``): monitoring queries over the simulator registry's organisations and
leaders (names, aliases, domains as mentions) and over generated people (first and last names
of the simulator's name lists) and generated brands (made-up names), with AND/OR/NOT,
phrases, hashtags, a few NEAR/n, prefixes and ``lang:`` filters. The share of posts that
match at least one watch is printed.

Each batch of ``--batch`` posts goes through the stages in order (the order of
``veille.pipeline.builtin``); each stage is timed on its own (wall clock and process CPU
time). Every repeat runs the stages over the corpus, then VADER ``polarity_scores`` over the
same texts (the first ``--vader-sample`` of them), so both see the same machine load.
Medians over ``--repeat`` repeats.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {0})

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pyarrow as pa  # noqa: E402

from veille.pipeline.base import INPUT_SCHEMA, Stage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SIM_SEED = 7

Row = dict[str, Any]


# ----------------------------------------------------------------------------- corpora


def lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def real_val(data: Path) -> list[Row]:
    sent = data / "sentiment" / "xlm_t"
    texts = lines(sent / "french" / "val_text.txt") + lines(sent / "english" / "val_text.txt")
    return [{"uri": f"val:{i}", "network": "twitter", "text": t} for i, t in enumerate(texts)]


def simulation(cache: Path, posts: int) -> Path:
    """The simulator's output for ``posts`` posts (seed 7), made once and cached."""
    from veille.simulate import simulate

    out = cache / f"sim-{posts}-seed{SIM_SEED}"
    done = out / ".complete"
    if not done.exists():
        t0 = time.perf_counter()
        simulate(out, seed=SIM_SEED, posts=posts, weeks=6)
        done.write_text("ok\n")
        print(f"simulated {posts:,} posts into {out} in {time.perf_counter() - t0:.0f} s")
    return out


def simulated(sim_dir: Path, n: int, seed: int = 7) -> list[Row]:
    """``n`` rows of the simulated Bluesky posts with their authors' profiles; recombined
    (first half of one post, second half of another) when there are fewer than ``n``."""
    import msgspec

    from veille.model import Account, Post
    from veille.sources.bluesky.jetstream import map_event

    decoder = msgspec.json.Decoder()
    posts: list[Post] = []
    accounts: dict[str, dict[str, str | None]] = {}
    for path in sorted((sim_dir / "bluesky").glob("jetstream-*.jsonl")):
        with open(path, "rb") as handle:
            for line in handle:
                for record in map_event(decoder.decode(line)):
                    if isinstance(record, Post):
                        if record.text:
                            posts.append(record)
                    elif isinstance(record, Account):
                        known = accounts.setdefault(record.account_id, {})
                        for key in ("handle", "display_name", "bio", "url"):
                            value = getattr(record, key)
                            if value is not None:
                                known[key] = value
    rows: list[Row] = []
    for p in posts[:n]:
        author = accounts.get(p.author_id, {})
        rows.append(
            {
                "uri": p.uri,
                "network": p.network,
                "author_id": p.author_id,
                "text": p.text,
                "lang": p.lang,
                "mentions": p.mentions,
                "hashtags": p.hashtags,
                "urls": p.urls,
                **author,
            }
        )
    rng = random.Random(seed)
    base = len(rows)
    words = [str(r["text"]).split() for r in rows]
    while len(rows) < n:
        i, j = rng.randrange(base), rng.randrange(base)
        a, b = words[i], words[j]
        row = dict(rows[i])
        row["uri"] = f"{row['uri']}#mix{len(rows)}"
        row["text"] = " ".join(a[: len(a) // 2] + b[len(b) // 2 :])
        rows.append(row)
    return rows


def to_batches(rows: list[Row], size: int) -> list[pa.RecordBatch]:
    batches = []
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        arrays = [pa.array([r.get(f.name) for r in chunk], f.type) for f in INPUT_SCHEMA]
        batches.append(pa.RecordBatch.from_arrays(arrays, schema=INPUT_SCHEMA))
    return batches


# ----------------------------------------------------------------------------- watches

SYLLABLES = [
    "ka", "lo", "vi", "ra", "no", "te", "su", "ma", "ri", "de", "ol", "an", "ex", "ia", "or",
    "qu", "za", "ly", "ne", "po", "tr", "bel", "mon", "cor", "val", "sol", "gen", "tek",
]  # fmt: skip
TOPICS = [
    ("rachat", "acquisition", "takeover", "merger", "fusion"),
    ("grève", "strike", "licenciements", "layoffs", "plan social"),
    ("panne", "outage", "bug", "incident", "cyberattaque"),
    ("résultats", "earnings", "chiffre d'affaires", "revenue", "guidance"),
    ("procès", "lawsuit", "amende", "fine", "enquête"),
    ("rappel", "recall", "défaut", "scandale", "boycott"),
    ("nomination", "appointed", "démission", "resigns", "successeur"),
]
NOISE = ("recrute", "hiring", '"offre d\'emploi"', "concours", "giveaway", "promo")


def _brand(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _any(words: tuple[str, ...] | list[str], rng: random.Random, k: int) -> str:
    picked = rng.sample(list(words), k=min(k, len(words)))
    quoted = [w if " " not in w or w.startswith('"') else f'"{w}"' for w in picked]
    return "(" + " OR ".join(quoted) + ")"


def _term(name: str) -> str:
    return f'"{name}"' if " " in name or "-" in name or "'" in name else name


def _tag(name: str) -> str:
    import unicodedata

    flat = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "#" + "".join(ch for ch in flat if ch.isalnum())


def _queries_for(
    names: list[str], handle: str | None, rng: random.Random, person: bool
) -> list[str]:
    """Monitoring queries about one entity (``names``: its name first, then aliases)."""
    main = _term(names[0])
    alts = " OR ".join(_term(n) for n in names)
    group = f"({alts})" if len(names) > 1 else main
    topic = rng.choice(TOPICS)
    out = [
        group,
        f"{group} AND {_any(topic, rng, 3)}",
        f"{main} AND NOT {_any(NOISE, rng, 2)}",
    ]
    if handle:
        out.append(f"{main} OR @{handle}")
    if not person:
        out.append(f"{_tag(names[0])} OR {_tag(names[0])}FR")
    r = rng.random()
    if r < 0.10:
        out.append(f"{main} NEAR/5 {_any(topic, rng, 2)}")
    elif r < 0.16:
        stem = names[0].split()[-1].lower()[:5]
        out.append(f"{stem}* AND {_any(topic, rng, 2)}")
    elif r < 0.30:
        out.append(f"{main} lang:{rng.choice(['fr', 'en'])}")
    return out


def make_watches(registry: dict[str, Any], n: int, seed: int = 11) -> dict[str, str]:
    """``n`` monitoring queries: all the registry's organisations and leaders first, then
    generated people (simulator name lists) and generated brands."""
    from veille.simulate import texts

    rng = random.Random(seed)
    queries: list[str] = []
    for org in registry.get("organisations", []):
        names = [org["name"], *org.get("aliases", [])]
        domains = org.get("domains") or [None]
        queries += _queries_for(names, domains[0], rng, person=False)
    for leader in registry.get("leaders", []):
        names = [leader["name"], *leader.get("aliases", [])]
        queries += _queries_for(names, None, rng, person=True)
    first = [f for lang in texts.FIRST.values() for f in lang]
    last = [s for lang in texts.LAST.values() for s in lang]
    seen: set[str] = set(queries)
    while len(queries) < n:
        if rng.random() < 0.5:
            f, s = rng.choice(first), rng.choice(last)
            names = [f"{f} {s}", f"{f[0]}. {s}"]
            handle = None
            person = True
        else:
            b = _brand(rng)
            names = [b] + (
                [f"{b} {rng.choice(['Group', 'SA', 'Inc', 'Groupe'])}"]
                if rng.random() < 0.5
                else []
            )
            handle = f"{b.lower()}.example" if rng.random() < 0.4 else None
            person = False
        for q in _queries_for(names, handle, rng, person):
            if q not in seen and len(queries) < n:
                seen.add(q)
                queries.append(q)
    return {f"w{i:05d}": q for i, q in enumerate(queries[:n])}


# ----------------------------------------------------------------------------- runs


def stage_factories(
    watches: dict[str, str], registry: dict[str, Any]
) -> list[tuple[str, Callable[[], Stage]]]:
    """The five built-in stages, in the order of ``veille.pipeline.builtin``."""
    from veille.pipeline.cues import CueStage
    from veille.pipeline.language import LanguageStage
    from veille.pipeline.sentiment import SentimentStage
    from veille.pipeline.stakeholders import StakeholderConfig, StakeholderStage
    from veille.pipeline.watches import WatchMatcher
    from veille.workspace.config import VeilleConfig

    reg = {k: v for k, v in registry.items() if k in ("organisations", "leaders")}
    validated = VeilleConfig.model_validate(reg)
    return [
        ("language", LanguageStage),
        ("sentiment", SentimentStage),
        ("watches", lambda: WatchMatcher(watches, strict=True)),
        ("stakeholders", lambda: StakeholderStage(StakeholderConfig.from_config(validated))),
        ("cues", CueStage),
    ]


def run_stages(
    stages: list[tuple[str, Stage]], batches: list[pa.RecordBatch], counts: list[int] | None
) -> tuple[dict[str, float], dict[str, float]]:
    """(wall seconds, CPU seconds) per stage over all batches; ``counts`` receives, per
    batch, the posts matching at least one watch and the total number of matches."""
    wall = {name: 0.0 for name, _ in stages}
    cpu = {name: 0.0 for name, _ in stages}
    for batch in batches:
        for name, stage in stages:
            c0, t0 = time.process_time(), time.perf_counter()
            batch = stage(batch)
            wall[name] += time.perf_counter() - t0
            cpu[name] += time.process_time() - c0
        if counts is not None:
            lengths = batch.column("watch_ids").value_lengths().to_pylist()
            counts.append(sum(1 for x in lengths if x))
            counts.append(sum(lengths))
    return wall, cpu


def vader_seconds(texts: list[str]) -> tuple[float, float]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    c0, t0 = time.process_time(), time.perf_counter()
    for t in texts:
        sia.polarity_scores(t)
    return time.perf_counter() - t0, time.process_time() - c0


def report(
    title: str,
    rows: list[Row],
    stages: list[tuple[str, Stage]],
    size: int,
    repeats: int,
    vader_sample: int,
) -> None:
    batches = to_batches(rows, size)
    n = len(rows)
    texts = [str(r["text"]) for r in rows]
    sample = texts[:vader_sample]
    walls: list[dict[str, float]] = []
    cpus: list[dict[str, float]] = []
    vwall: list[float] = []
    vcpu: list[float] = []
    counts: list[int] = []
    for k in range(repeats):
        w, c = run_stages(stages, batches, counts if k == 0 else None)
        walls.append(w)
        cpus.append(c)
        vw, vc = vader_seconds(sample)
        vwall.append(vw)
        vcpu.append(vc)
        print(
            f"  repeat {k + 1}: all stages {n / sum(w.values()):,.0f} posts/s wall "
            f"({n / sum(c.values()):,.0f} CPU); VADER {len(sample) / vw:,.0f} wall "
            f"({len(sample) / vc:,.0f} CPU); load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    matched, matches = sum(counts[0::2]), sum(counts[1::2])
    chars = sum(len(t) for t in texts) / max(n, 1)
    print(
        f"\n### {title}: {n:,} posts ({chars:.0f} characters on average), batches of "
        f"{size:,}, median of {repeats} repeats\n"
    )
    print("| stage | seconds (wall) | posts/s (wall) | posts/s (CPU time) | share of total |")
    print("|---|---:|---:|---:|---:|")
    total_w = statistics.median(sum(r.values()) for r in walls)
    total_c = statistics.median(sum(r.values()) for r in cpus)
    for name, _ in stages:
        mw = statistics.median(r[name] for r in walls)
        mc = statistics.median(r[name] for r in cpus)
        print(f"| {name} | {mw:.2f} | {n / mw:,.0f} | {n / mc:,.0f} | {mw / total_w:.0%} |")
    print(
        f"| **all five stages** | {total_w:.2f} | **{n / total_w:,.0f}** | {n / total_c:,.0f} | |"
    )
    vw, vc = statistics.median(vwall), statistics.median(vcpu)
    v_rate, v_rate_cpu = len(sample) / vw, len(sample) / vc
    print(
        f"| VADER alone (`polarity_scores`, {len(sample):,} of the same texts) | {vw:.2f} | "
        f"{v_rate:,.0f} | {v_rate_cpu:,.0f} | |"
    )
    print(
        f"\nall five stages / VADER: {(n / total_w) / v_rate:.2f}x (wall), "
        f"{(n / total_c) / v_rate_cpu:.2f}x (CPU time)"
    )
    print(
        f"posts matching at least one watch: {matched:,} of {n:,} ({matched / n:.1%}); "
        f"{matches / n:.2f} matches per post on average",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--watches", type=int, default=10_000)
    parser.add_argument("--vader-sample", type=int, default=200_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/veille-bench-enrich"))
    args = parser.parse_args()
    sim_dir = simulation(args.cache, args.posts)
    with open(sim_dir / "registry.toml", "rb") as handle:
        registry = tomllib.load(handle)
    watches = make_watches(registry, args.watches)
    t0 = time.perf_counter()
    stages = [(name, make()) for name, make in stage_factories(watches, registry)]
    print(f"{len(watches):,} watches; stages built in {time.perf_counter() - t0:.1f} s")
    for q in list(watches.values())[:: max(1, len(watches) // 12)]:
        print(f"  e.g. {q}")
    val = real_val(args.data)
    sim = simulated(sim_dir, args.posts)
    # warm up: load models and tables once, outside the timings
    run_stages(stages, to_batches(val[:512], 512), None)
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"one core (threads 1, affinity {affinity}); at start: {uptime}")
    report(
        "real val tweets (XLM-T fr + en val)", val, stages, args.batch, max(args.repeat, 15), 10**9
    )
    report("simulated posts", sim, stages, args.batch, args.repeat, args.vader_sample)
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\nat end: {uptime}")


if __name__ == "__main__":
    main()
