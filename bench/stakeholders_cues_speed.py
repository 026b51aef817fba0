"""Speed of the stakeholders and cues stages, on one core, against named baselines.

    /work/venv/bin/python bench/stakeholders_cues_speed.py [--rows 100000] [--repeat 5]

Inputs (built in memory; nothing is written):

- profiles: the 234 real Twitter profiles of the PHEME Germanwings source tweets (when
  ``../shared/data/rumours/pheme_sources`` is present) and synthetic French/English bios,
  made distinct per row by a suffix, so that every row is a new author (the worst case: the
  stage classifies each distinct author once, so repeated authors are cheaper). A second
  run repeats each author 5 times (20 % distinct), closer to a mention stream;
- posts: the RumourEval 2017 replies and PHEME source tweets (real tweets) plus synthetic
  French posts, made distinct by a suffix.

Baselines, timed in the same run on the same rows:

- ``naive per-row regex``: for each row, NFKD + accent stripping + casefold in Python, then
  one compiled ``re`` alternation per class (word-bounded) over the built-in lexicons: the
  straightforward implementation. It does less than the stage (no registry, no employer
  cues, no reasons, no ignore/former rules), so the ratio understates the gap;
- VADER ``polarity_scores`` per post (the reference of DESIGN.md, about 15 k posts/s).

Everything runs pinned to one CPU with Arrow's thread pool at one thread. Medians of
``--repeat`` runs, in process CPU time (see ``timed``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa

from veille.pipeline.cues import CueStage, builtin_cue_lexicons
from veille.pipeline.stakeholders import (
    ROLE_CLASSES,
    StakeholderConfig,
    StakeholderStage,
    builtin_lexicons,
)
from veille.workspace.config import VeilleConfig

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data" / "rumours").resolve()

FR_BIOS = [
    "Journaliste économie @LesEchos. Avis perso.",
    "CEO & cofondatrice de Lumen, mentor @StationF",
    "Papa de 3 enfants, runner, fan de tech 🏃‍♂️",
    "Ingénieure logiciel chez Acme · Lyon",
    "Députée de la 2e circonscription de la Gironde",
    "Business angel, ex-fondateur, 30 startups accompagnées",
    "Passionnée de voyages ✈️ et de photo",
    "Consultant SI, cloud et cybersécurité",
    "Étudiante en droit à Nanterre",
    "Analyste data, dataviz, open data",
    "Maire de Saint-Médard-en-Jalles",
    "Directeur général d'une ETI industrielle",
    "Supporter de l'OL depuis toujours ⚽",
    "Rédactrice en chef adjointe, magazine tech",
    "Développeur Python, logiciels libres",
]
FR_POSTS = [
    "Il paraît qu'Acme va racheter Globex, quelqu'un confirme ?",
    "Super conférence ce matin, merci à toute l'équipe 🙏",
    "C'est faux, aucun plan social n'est prévu.",
    "Nouveau billet de blog sur la souveraineté numérique https://exemple.fr/billet",
    "Selon nos informations, la direction quitterait Paris pour Lyon.",
    "Vraiment ?",
    "Bravo @marie pour cette intervention, très inspirant !",
    "Les chiffres du trimestre sont en ligne, en hausse de 12 %.",
]


def pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)


def real_profiles() -> list[dict[str, str | None]]:
    folder = DATA / "pheme_sources"
    profiles: dict[str, dict[str, str | None]] = {}
    for name in ("rumours", "non-rumours"):
        path = folder / f"germanwings-crash-all-rnr-threads.{name}.json"
        if not path.exists():
            return []
        for tweet in json.loads(path.read_text()):
            user = tweet["user"]
            profiles[user["id_str"]] = {
                "handle": user.get("screen_name"),
                "display_name": user.get("name"),
                "bio": user.get("description"),
                "url": user.get("url"),
            }
    return list(profiles.values())


def real_posts() -> list[str]:
    texts: list[str] = []
    posts = DATA / "rumoureval2017" / "traindev" / "posts.json"
    if posts.exists():
        texts += [v["text"] for v in json.loads(posts.read_text()).values()]
    for name in ("rumours", "non-rumours"):
        path = DATA / "pheme_sources" / f"germanwings-crash-all-rnr-threads.{name}.json"
        if path.exists():
            texts += [t["text"] for t in json.loads(path.read_text())]
    return texts


def profile_batch(n: int, distinct: int, seed: int = 7) -> pa.RecordBatch:
    rng = random.Random(seed)
    real = real_profiles()
    authors: list[dict[str, str | None]] = []
    for i in range(distinct):
        if real and i % 2 == 0:
            base = dict(real[rng.randrange(len(real))])
        else:
            base = {
                "handle": f"user{i}.bsky.social",
                "display_name": f"Prénom Nom {i}",
                "bio": f"{rng.choice(FR_BIOS)} {rng.choice(FR_BIOS)}",
                "url": None,
            }
        base["handle"] = f"{base['handle']}{i}"
        base["bio"] = f"{base['bio'] or ''} #{i}"
        authors.append(base)
    rows = [authors[i % distinct] for i in range(n)]
    rng.shuffle(rows)
    return pa.RecordBatch.from_pydict(
        {
            "uri": [f"at://post/{i}" for i in range(n)],
            "network": ["bluesky"] * n,
            "author_id": [f"did:plc:{r['handle']}" for r in rows],
            "handle": [r["handle"] for r in rows],
            "display_name": [r["display_name"] for r in rows],
            "bio": [r["bio"] for r in rows],
            "url": [r["url"] for r in rows],
        }
    )


def post_batch(n: int, seed: int = 11) -> pa.RecordBatch:
    rng = random.Random(seed)
    pool = real_posts() + FR_POSTS * 200
    texts = [f"{rng.choice(pool)} {i}" for i in range(n)]
    return pa.RecordBatch.from_pydict({"uri": [str(i) for i in range(n)], "text": texts})


# ----------------------------------------------------------------------------- baselines


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def naive_stakeholder_classifier() -> Callable[[Sequence[str | None]], list[str]]:
    lex = builtin_lexicons()
    patterns = []
    for cls in ("bot", *ROLE_CLASSES):
        terms = lex.get(cls, {}).get("terms", [])
        if terms:
            alternation = "|".join(re.escape(_fold(t)) for t in sorted(terms, key=len)[::-1])
            patterns.append((cls, re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")))

    def classify(bios: Sequence[str | None]) -> list[str]:
        out = []
        for bio in bios:
            folded = _fold(bio or "")
            out.append(next((c for c, p in patterns if p.search(folded)), "customer"))
        return out

    return classify


def naive_cue_finder() -> Callable[[Sequence[str | None]], list[list[str]]]:
    lex = builtin_cue_lexicons()
    patterns = []
    for cat in ("uncertainty", "query", "denial"):
        terms = lex[cat]["strong"] + lex[cat]["weak"]
        alternation = "|".join(re.escape(_fold(t)) for t in sorted(terms, key=len)[::-1])
        patterns.append((cat, re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")))

    def find(texts: Sequence[str | None]) -> list[list[str]]:
        out = []
        for text in texts:
            folded = _fold(text or "")
            out.append([c for c, p in patterns if p.search(folded)])
        return out

    return find


# ----------------------------------------------------------------------------- timing


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU time of ``repeat`` runs (the process is single-threaded and pinned to one
    core, so CPU time is what wall time would be on an idle machine; the shared bench
    machines are not idle)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def in_batches(
    stage: Callable[[pa.RecordBatch], pa.RecordBatch], batch: pa.RecordBatch, size: int
) -> Callable[[], None]:
    def run() -> None:
        for offset in range(0, batch.num_rows, size):
            stage(batch.slice(offset, size))

    return run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    pin_one_core()
    n, repeat = args.rows, args.repeat
    registry = {
        "organisations": [
            {
                "id": "acme",
                "name": "Acme",
                "kind": "own",
                "domains": ["acme.fr"],
                "competitors": ["globex"],
            },
            {"id": "globex", "name": "Globex", "kind": "competitor", "domains": ["globex.com"]},
        ],
        "leaders": [{"id": "marie", "name": "Marie", "accounts": {"bluesky": "marie.bsky.social"}}],
    }
    stakeholders = StakeholderStage(
        StakeholderConfig.from_config(VeilleConfig.model_validate(registry))
    )
    cues = CueStage()
    profiles = profile_batch(n, n)
    repeated = profile_batch(n, n // 5)
    posts = post_batch(n)
    bios = profiles.column("bio").to_pylist()
    texts = posts.column("text").to_pylist()
    naive_s = naive_stakeholder_classifier()
    naive_c = naive_cue_finder()

    results: list[tuple[str, float]] = []

    def record(name: str, seconds: float) -> None:
        results.append((name, n / seconds))
        print(f"{name:62s} {n / seconds:>10,.0f} rows/s", flush=True)

    record(
        "stakeholders, 10k batches, all authors distinct",
        timed(in_batches(stakeholders, profiles, 10_000), repeat),
    )
    record(
        "stakeholders, 100k batch, all authors distinct",
        timed(lambda: stakeholders(profiles), repeat),
    )
    record(
        "stakeholders, 10k batches, 5 posts per author",
        timed(in_batches(stakeholders, repeated, 10_000), repeat),
    )
    record(
        "stakeholders, 1k batches, all authors distinct",
        timed(in_batches(stakeholders, profiles, 1_000), repeat),
    )
    record("baseline: naive per-row regex (bios only)", timed(lambda: naive_s(bios), repeat))
    record("cues, 10k batches", timed(in_batches(cues, posts, 10_000), repeat))
    record("cues, 100k batch", timed(lambda: cues(posts), repeat))
    record("cues, 1k batches", timed(in_batches(cues, posts, 1_000), repeat))
    record("baseline: naive per-row regex cues", timed(lambda: naive_c(texts), repeat))
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:  # pragma: no cover - dev extra
        pass
    else:
        vader = SentimentIntensityAnalyzer()
        sample = texts[: max(1, n // 5)]
        seconds = timed(lambda: [vader.polarity_scores(t) for t in sample], repeat)
        results.append(("baseline: VADER polarity_scores", len(sample) / seconds))
        print(f"{'baseline: VADER polarity_scores':62s} {len(sample) / seconds:>10,.0f} rows/s")

    rate = dict(results)
    stake = rate["stakeholders, 10k batches, all authors distinct"]
    cue = rate["cues, 10k batches"]
    print("\nratios (stage / baseline, 10k batches):")
    naive = rate["baseline: naive per-row regex (bios only)"]
    print(f"  stakeholders / naive regex: {stake / naive:.1f}x")
    print(f"  cues / naive regex:         {cue / rate['baseline: naive per-row regex cues']:.1f}x")
    if "baseline: VADER polarity_scores" in rate:
        print(f"  cues / VADER:               {cue / rate['baseline: VADER polarity_scores']:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
