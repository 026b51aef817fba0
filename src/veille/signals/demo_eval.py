"""The signals against the demo's planted episodes (``simulated/ground_truth.json``): for
each, found or not, with the right kind, and the delay from its start; and the false
alarms per simulated day (issue 12's targets: all five found with the right kind, median
delay at most 2 buckets, at most 1 false alarm per day, the troll campaign as a campaign and
not as a bad buzz).

A signal is about an episode when at least a third of its posts are the episode's (the
ground truth lists them), or, for a signal that lists no posts, when its term is the
episode's term or it names the episode's organisation or leader during the episode. A
signal about no episode is a false alarm. The delay of an episode is counted in whole
buckets from its start (``start``, else its first post) to the first signal of an accepted
kind about it: ``floor((detected_at - start) / bucket)``.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from veille.signals.model import Signal

#: the kinds that count as finding each type of episode
ACCEPTED = {
    "bursts": ("burst", "story"),
    "rumours": ("rumour",),
    "bad_buzz": ("bad_buzz",),
    "troll_campaigns": ("campaign",),
}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _episodes(truth: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for group in ACCEPTED:
        for e in truth.get(group, []):
            start = _time(e.get("start") or e["first_post"])
            end = _time(e.get("end") or e["last_post"])
            out.append(
                {
                    "id": e["id"],
                    "group": group,
                    "start": start,
                    "end": end,
                    "term": (e.get("term") or "").casefold(),
                    "entity": e.get("organisation") or e.get("target_leader"),
                    "uris": set(e.get("post_uris") or ()),
                }
            )
    return out


def _about(s: Signal, ep: dict[str, Any], uris: set[str]) -> bool:
    if uris:
        return len(uris & ep["uris"]) >= max(1, len(uris) / 3)
    during = ep["start"] - timedelta(hours=6) <= s.first_seen <= ep["end"] + timedelta(hours=6)
    if not during:
        return False
    term = (s.term or "").casefold()
    if ep["term"] and term in (ep["term"], "#" + ep["term"].lstrip("#")):
        return True
    entity = ep["entity"]
    return bool(entity) and (entity in s.organisations or entity in s.leaders or
                             term.endswith(f":{entity}"))  # fmt: skip


def evaluate(
    signals: Sequence[Signal],
    truth_path: Path,
    *,
    bucket_minutes: int = 15,
    uris_of: dict[str, set[str]] | None = None,
) -> dict[str, Any]:
    """The figures of ``signals`` against the ground truth at ``truth_path``. ``uris_of``
    gives each signal's posts (else ``detail["uris"]``)."""
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    episodes = _episodes(truth)
    bucket = timedelta(minutes=bucket_minutes)
    rows = []
    matched: set[str] = set()
    for ep in episodes:
        about = []
        for s in signals:
            uris = (uris_of or {}).get(s.id) or set(s.detail.get("uris") or ())
            if _about(s, ep, uris):
                about.append(s)
                matched.add(s.id)
        right = [s for s in about if s.kind in ACCEPTED[ep["group"]]]
        first = min(right, key=lambda s: s.detected_at) if right else None
        delay = (first.detected_at - ep["start"]) // bucket if first else None
        rows.append(
            {
                "episode": ep["id"],
                "found": bool(about),
                "right_kind": first is not None,
                "kinds": sorted({s.kind for s in about}),
                "detected_at": first.detected_at.isoformat() if first else None,
                "delay_buckets": delay,
                "signal": first.id if first else None,
            }
        )
    period = truth.get("period") or {}
    days = (
        (_time(period["end"]) - _time(period["start"])).total_seconds() / 86400 if period else 1.0
    )
    false = [s for s in signals if s.id not in matched]
    campaign_as_buzz = any(
        "bad_buzz" in r["kinds"] for r in rows if r["episode"].startswith("troll")
    ) or any(
        r["kinds"] and "bad_buzz" in r["kinds"]
        for r, ep in zip(rows, episodes, strict=True)
        if ep["group"] == "troll_campaigns"
    )
    delays = [r["delay_buckets"] for r in rows if r["delay_buckets"] is not None]
    return {
        "episodes": rows,
        "found_right_kind": sum(r["right_kind"] for r in rows),
        "episodes_total": len(rows),
        "median_delay_buckets": statistics.median(delays) if delays else None,
        "false_alarms": len(false),
        "false_alarms_per_day": round(len(false) / days, 3) if days else None,
        "false_alarm_kinds": dict(
            sorted(
                {k: sum(1 for s in false if s.kind == k) for k in {s.kind for s in false}}.items()
            )
        ),
        "campaign_reported_as_bad_buzz": campaign_as_buzz,
        "days": round(days, 2),
        "signals": len(signals),
    }
