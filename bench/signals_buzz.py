"""Bad buzz and campaigns on the demo's planted ground truth (``simulated/ground_truth.json``).

    python bench/signals_buzz.py --demo /tmp/demo          # builds the demo there if absent

One pass over the whole simulated period, then passes every ``--step`` hours (each over the
last ``--step`` hours, reading its own lookback and baseline) as a collection loop would run
them. Reports, for the planted bad buzz and troll campaign: found or not, with which kind,
the delay from the planted start (in 15-minute buckets from the start's bucket to the first
hit's bucket, and in minutes to the detection time, the hit bucket's close) and from the
first planted post; the signals that match nothing planted (false alarms) per simulated
day; whether every incremental pass gave a planted episode the same id, with figures that
never shrink; and the time of a pass.

A campaign signal matches the planted campaign when most of its accounts are the planted
troll accounts, whatever entity it is about (the trolls also name the leader's organisation,
which is then reported as a second campaign with the same accounts).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from veille.signals.buzz import detect_bad_buzz
from veille.signals.campaign import detect_campaigns
from veille.signals.model import Signal
from veille.workspace import Workspace

BUCKET = timedelta(minutes=15)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _overlaps(sig: Signal, start: datetime, end: datetime) -> bool:
    return sig.first_seen < end and (sig.updated_at or sig.detected_at) > start


def _troll_keys(truth: dict[str, Any], campaign: dict[str, Any]) -> set[str]:
    people = set(campaign["accounts"])
    keys: set[str] = set()
    for acc in truth["accounts"]:
        if acc["person"] in people:
            if acc.get("bluesky"):
                keys.add(f"bluesky:{acc['bluesky']['did']}")
            if acc.get("mastodon"):
                keys.add(f"mastodon:{acc['mastodon']['id']}")
                keys.add(f"mastodon:{acc['mastodon']['acct']}")
    return keys


def evaluate(signals: list[Signal], truth: dict[str, Any]) -> dict[str, Any]:
    matched: set[str] = set()
    events: list[dict[str, Any]] = []
    for bb in truth["bad_buzz"]:
        start, end = _time(bb["start"]), _time(bb["end"])
        term = f"organisation:{bb['organisation']}"
        hits = [s for s in signals if s.term == term and _overlaps(s, start, end)]
        matched.update(s.id for s in hits)
        events.append(_event("bad_buzz", bb, start, hits, "bad_buzz"))
    for tc in truth["troll_campaigns"]:
        start, end = _time(tc["start"]), _time(tc["end"])
        trolls = _troll_keys(truth, tc)
        term = f"leader:{tc['target_leader']}"
        hits = []
        for s in signals:
            if not _overlaps(s, start, end):
                continue
            accounts = {a["account"] for a in s.detail.get("accounts", [])}
            if s.term == term or (accounts and len(accounts & trolls) * 2 > len(accounts)):
                hits.append(s)
        matched.update(s.id for s in hits)
        events.append(_event("troll_campaign", tc, start, hits, "campaign"))
    first, last = _time(truth["period"]["start"]), _time(truth["period"]["end"])
    days = (last - first).total_seconds() / 86400
    false = [s for s in signals if s.id not in matched]
    return {
        "events": events,
        "false_alarms": [
            {
                "kind": s.kind,
                "term": s.term,
                "first_seen": s.first_seen.isoformat(),
                "authors": s.authors,
                "posts": s.posts,
            }
            for s in false
        ],
        "false_alarms_per_day": round(len(false) / days, 3),
        "days": round(days, 1),
    }


def _event(name: str, planted: dict[str, Any], start: datetime, hits: list[Signal],
           kind: str) -> dict[str, Any]:  # fmt: skip
    right = sorted((s for s in hits if s.kind == kind), key=lambda s: s.detected_at)
    wrong = sorted({f"{s.kind} {s.term}" for s in hits if s.kind != kind})
    out: dict[str, Any] = {"event": planted["id"], "expected_kind": kind,
                           "found": bool(right), "wrong_kind": wrong}  # fmt: skip
    if right:
        first = right[0]
        hit_bucket = first.detected_at - BUCKET
        start_bucket = datetime.fromtimestamp(math.floor(start.timestamp() / 900) * 900, tz=UTC)
        first_post = _time(planted["first_post"])
        post_bucket = datetime.fromtimestamp(math.floor(first_post.timestamp() / 900) * 900,
                                             tz=UTC)  # fmt: skip
        out.update(
            {
                "signals": [f"{s.id} {s.term}" for s in right],
                "detected_at": first.detected_at.isoformat(),
                "delay_buckets_from_start": round((hit_bucket - start_bucket) / BUCKET),
                "delay_minutes_from_start": round((first.detected_at - start).total_seconds() / 60),
                "delay_buckets_from_first_post": round((hit_bucket - post_bucket) / BUCKET),
                "authors": first.authors,
                "posts": first.posts,
                "planted_authors": planted["n_authors"],
                "planted_posts": planted["n_posts"],
            }
        )
    return out


def incremental(ws: Workspace, truth: dict[str, Any], step_hours: int) -> dict[str, Any]:
    first, last = _time(truth["period"]["start"]), _time(truth["period"]["end"])
    seen: dict[str, list[tuple[str, int, int]]] = {}
    times: list[float] = []
    end = first + timedelta(hours=step_hours)
    while end <= last:
        t0 = time.perf_counter()
        found = detect_bad_buzz(ws, end - timedelta(hours=step_hours), end, now=end)
        found += detect_campaigns(ws, end - timedelta(hours=step_hours), end, now=end)
        times.append(time.perf_counter() - t0)
        for s in found:
            seen.setdefault(f"{s.kind} {s.term} {s.id}", []).append(
                (end.isoformat(), s.authors, s.posts)
            )
        end += timedelta(hours=step_hours)
    growing = all(
        all(b[1] >= a[1] and b[2] >= a[2] for a, b in itertools.pairwise(v)) for v in seen.values()
    )
    return {
        "passes": len(times),
        "step_hours": step_hours,
        "episodes": {k: {"passes": len(v), "first": v[0], "last": v[-1]} for k, v in seen.items()},
        "figures_never_shrink": growing,
        "pass_seconds_median": round(statistics.median(times), 3),
        "pass_seconds_max": round(max(times), 3),
    }


def per_bucket(ws: Workspace, days: list[str]) -> dict[str, Any]:
    """One pass per closed 15-minute bucket over each day: median, p90, max seconds."""
    out: dict[str, Any] = {}
    for text in days:
        day = _time(f"{text}T00:00:00Z")
        times = []
        for i in range(96):
            end = day + BUCKET * (i + 1)
            t0 = time.perf_counter()
            detect_bad_buzz(ws, end - BUCKET, end, now=end)
            detect_campaigns(ws, end - BUCKET, end, now=end)
            times.append(time.perf_counter() - t0)
        times.sort()
        out[text] = {"median": round(statistics.median(times), 3),
                     "p90": round(times[86], 3), "max": round(times[-1], 3)}  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", type=Path, default=Path("/tmp/demo"))
    parser.add_argument(
        "--step", type=int, default=6, help="hours between incremental passes (0: none)"
    )
    parser.add_argument("--per-bucket", action="append", default=[], metavar="YYYY-MM-DD",
                        help="also time one pass per 15-minute bucket over this day")  # fmt: skip
    args = parser.parse_args()
    if not (args.demo / "veille.toml").exists():
        from veille.cli.demo_cmd import build_demo

        build_demo(args.demo, quiet=True)
    truth = json.loads((args.demo / "simulated" / "ground_truth.json").read_text())
    first, last = _time(truth["period"]["start"]), _time(truth["period"]["end"])
    with Workspace.open(args.demo) as ws:
        t0 = time.perf_counter()
        signals = detect_bad_buzz(ws, first, last, now=last) + detect_campaigns(
            ws, first, last, now=last
        )
        full = time.perf_counter() - t0
        result = evaluate(signals, truth)
        result["full_pass_seconds"] = round(full, 2)
        result["signals"] = [
            {"id": s.id, "kind": s.kind, "term": s.term, "first_seen": s.first_seen.isoformat(),
             "detected_at": s.detected_at.isoformat(), "authors": s.authors, "posts": s.posts,
             "score": round(s.score, 1)}
            for s in signals
        ]  # fmt: skip
        if args.per_bucket:
            result["per_bucket"] = per_bucket(ws, args.per_bucket)
        if args.step > 0:
            result["incremental"] = incremental(ws, truth, args.step)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
