"""Accuracy of the cues stage on real rumour data (RumourEval 2017 and PHEME).

    /work/venv/bin/python bench/cues_accuracy.py [--data ../shared/data/rumours] [--terms]

1. RumourEval 2017 (``rumoureval2017/traindev``): every post has a stance label (support,
   deny, query, comment). The data does not mark the official train/dev split, so this
   script uses a fixed split by thread: a thread is *dev* when
   ``int(sha256(thread_id), 16) % 5 == 0`` (about a fifth of the threads), *train*
   otherwise. The lexicons were read against train; dev is reported. No test split is used.
   Reported: precision and recall of the posts with a ``query`` cue against the ``query``
   label, with a ``denial`` cue against ``deny``, and with an ``uncertainty`` cue against
   ``query`` or ``deny`` (an uncertainty cue in a reply is a doubt about the claim, the closest
   label the data has); for uncertainty in source tweets, the rate per thread veracity
   (true, false, unverified). Also the precision of a strong cue (``rumour_cue >= 0.5``)
   against query-or-deny.
2. PHEME Germanwings (``pheme_sources``): source tweets annotated rumour / non-rumour. The
   AUC of ``rumour_cue`` for separating them (ties count one half), as a check.

``--terms`` prints, per term, how often it fires on train and its precision for its label.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from veille.pipeline.cues import STRONG_WEIGHT, CueStage

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (ROOT / ".." / "shared" / "data" / "rumours").resolve()
STANCE = {0: "support", 1: "query", 2: "deny", 3: "comment"}  # upstream_stanceCategory.json
VERACITY = {0: "true", 1: "false", 2: "unverified"}  # upstream_rumorCategory.json


def is_dev(thread_id: str) -> bool:
    return int(hashlib.sha256(thread_id.encode()).hexdigest(), 16) % 5 == 0


def _walk(tree: dict[str, object]) -> Iterator[str]:
    for key, child in tree.items():
        yield key
        if isinstance(child, dict):
            yield from _walk(child)


def load_rumoureval(folder: Path) -> list[dict[str, object]]:
    posts = json.loads((folder / "posts.json").read_text())
    structures = json.loads((folder / "structures.json").read_text())
    ids = (folder / "post_id.txt").read_text().split()
    labels = [int(x) for x in (folder / "post_label.txt").read_text().split()]
    threads = (folder / "thread_id.txt").read_text().split()
    veracity = [int(x) for x in (folder / "thread_label.txt").read_text().split()]
    thread_veracity = dict(zip(threads, veracity, strict=True))
    owner: dict[str, str] = {}
    for thread_id, tree in structures.items():
        for post_id in _walk({thread_id: tree} if thread_id not in tree else tree):
            owner.setdefault(post_id, thread_id)
    rows = []
    for post_id, label in zip(ids, labels, strict=True):
        thread = owner[post_id]
        rows.append(
            {
                "id": post_id,
                "thread": thread,
                "text": posts[post_id]["text"],
                "stance": STANCE[label],
                "source": post_id == thread,
                "veracity": VERACITY[thread_veracity[thread]],
                "split": "dev" if is_dev(thread) else "train",
            }
        )
    return rows


def run(stage: CueStage, texts: Sequence[str]) -> pa.RecordBatch:
    return stage(pa.RecordBatch.from_pydict({"text": pa.array(list(texts), pa.string())}))


def prf(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float, float, int]:
    p = np.asarray(predicted)
    a = np.asarray(actual)
    tp = int((p & a).sum())
    precision = tp / p.sum() if p.sum() else 0.0
    recall = tp / a.sum() if a.sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, int(p.sum())


def auc(scores: Sequence[float], positive: Sequence[bool]) -> float:
    """Mann-Whitney AUC with ties counted one half."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(positive, dtype=bool)
    pos, neg = s[y], s[~y]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--terms", action="store_true", help="per-term counts on train")
    args = parser.parse_args(argv)
    folder = args.data / "rumoureval2017" / "traindev"
    if not folder.exists():
        print(f"data not found: {folder}", file=sys.stderr)
        return 2
    stage = CueStage()
    strong = {
        term: category
        for term, (category, weight) in stage.term_categories().items()
        if weight == STRONG_WEIGHT
    }
    rows = load_rumoureval(folder)
    out = run(stage, [str(r["text"]) for r in rows])
    cues = out.column("cues").to_pylist()
    terms = out.column("cue_terms").to_pylist()
    score = out.column("rumour_cue").to_numpy()

    threads = Counter(str(r["split"]) for r in rows if r["source"])
    print(f"# RumourEval 2017 traindev: {len(rows)} posts, {len(threads)} splits {dict(threads)}")
    for split in ("train", "dev"):
        idx = [i for i, r in enumerate(rows) if r["split"] == split]
        stance = [str(rows[i]["stance"]) for i in idx]
        print(f"\n## {split}: {len(idx)} posts, labels {dict(Counter(stance))}")
        print("| cue | against | base rate | precision | recall | F1 | flagged |")
        print("|---|---|---|---|---|---|---|")
        checks: list[tuple[str, str, list[bool], list[bool]]] = [
            ("query", "query", [("query" in cues[i]) for i in idx], [s == "query" for s in stance]),
            (
                "'?' alone (baseline)",
                "query",
                ["?" in str(rows[i]["text"]) for i in idx],
                [s == "query" for s in stance],
            ),
            (
                "query (strong only)",
                "query",
                [any(strong.get(t) == "query" for t in terms[i]) for i in idx],
                [s == "query" for s in stance],
            ),
            ("denial", "deny", [("denial" in cues[i]) for i in idx], [s == "deny" for s in stance]),
            (
                "uncertainty",
                "query or deny",
                [("uncertainty" in cues[i]) for i in idx],
                [s in ("query", "deny") for s in stance],
            ),
            (
                "any cue",
                "query or deny",
                [bool(cues[i]) for i in idx],
                [s in ("query", "deny") for s in stance],
            ),
            (
                "rumour_cue >= 0.5",
                "query or deny",
                [score[i] >= 0.5 for i in idx],
                [s in ("query", "deny") for s in stance],
            ),
        ]
        for name, against, predicted, actual in checks:
            p, r, f, flagged = prf(predicted, actual)
            base = sum(actual) / len(actual)
            print(f"| {name} | {against} | {base:.3f} | {p:.3f} | {r:.3f} | {f:.3f} | {flagged} |")
        src = [i for i in idx if rows[i]["source"]]
        by_veracity: dict[str, list[bool]] = defaultdict(list)
        for i in src:
            by_veracity[str(rows[i]["veracity"])].append("uncertainty" in cues[i])
        rates = ", ".join(
            f"{k} {sum(v)}/{len(v)} ({sum(v) / len(v):.0%})" for k, v in sorted(by_veracity.items())
        )
        print(f"\nsource tweets with an uncertainty cue, by thread veracity: {rates}")

    if args.terms:
        fired: dict[str, Counter[str]] = defaultdict(Counter)
        for i, row in enumerate(rows):
            if row["split"] != "train":
                continue
            for term in terms[i]:
                fired[term][str(row["stance"])] += 1
        print("\n## per term on train (term: stance counts)")
        for term, counts in sorted(fired.items(), key=lambda kv: -sum(kv[1].values())):
            print(f"- {term!r}: {dict(counts)}")

    pheme = args.data / "pheme_sources"
    files = {
        True: pheme / "germanwings-crash-all-rnr-threads.rumours.json",
        False: pheme / "germanwings-crash-all-rnr-threads.non-rumours.json",
    }
    if all(f.exists() for f in files.values()):
        texts: list[str] = []
        labels: list[bool] = []
        for is_rumour, path in files.items():
            for tweet in json.loads(path.read_text()):
                texts.append(str(tweet.get("text") or ""))
                labels.append(is_rumour)
        out = run(stage, texts)
        s = out.column("rumour_cue").to_numpy()
        has = [bool(c) for c in out.column("cues").to_pylist()]
        y = np.asarray(labels)
        print(
            f"\n## PHEME Germanwings source tweets: {int(y.sum())} rumours, "
            f"{int((~y).sum())} non-rumours"
        )
        print(f"AUC of rumour_cue (rumour vs non-rumour): {auc(s, labels):.3f}")
        print(
            f"share with any cue: rumours {np.mean(np.asarray(has)[y]):.1%}, "
            f"non-rumours {np.mean(np.asarray(has)[~y]):.1%}"
        )
        cats = out.column("cues").to_pylist()
        for category in ("uncertainty", "query", "denial"):
            flags = np.asarray([category in c for c in cats])
            print(
                f"  {category}: rumours {flags[y].mean():.1%}, non-rumours {flags[~y].mean():.1%}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
