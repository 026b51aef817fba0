"""Replaying the real volume curves of CrisisLex T26 through the burst detector
(``veille eval signals --crisislex DIR``, issue 12).

Each event folder holds ``EVENT-tweetids_entire_period.csv``: ``Timestamp, Tweet-ID,
Included(Y/N)``, one tweet a line, every tweet that matched the event's keywords over the
whole collection period (both ``Y`` and ``N`` lines are replayed: they are all matches).

The replay:

- one keyword stream per event: every tweet is a post of the term, and counts as one
  author (the files hold tweet ids, not authors);
- the background is the stream's own history and nothing added: the sparse keyword
  matches that precede each event (days of them in some files: forecasts, older news,
  homonyms) are what the detector learns its baseline from. It starts cold on the file's
  first tweet, learns its first 4 hours as a running mean without alerting (the warm-up),
  and steps every bucket, the empty ones included, up to the last tweet. ``background``
  (matches an hour, ``--background``) adds a seeded Poisson stream of unrelated matches
  over the file's whole span, to see how the detection holds on a busier keyword; the
  onset is still the event's own;
- one configuration for every event (``CRISISLEX_CONFIG``): 15-minute buckets scored
  alone and over the trailing hour, the EWMA baseline and the Poisson tail of DESIGN.md;
- an alert is the start of a burst, dated by the tweet that brought the count to what the
  detector needed (``BurstDetector.trigger_count``): what a live collector checking each
  post would see. Dated at the end of the bucket instead (``live=False``), every alert is
  at most one bucket later.

Scoring follows the reviewers' rule: the onset of an event is the start of the first hour
that holds at least 10% of the event's peak hourly count; an event is caught when its first
alert falls between 3 hours before and 2 hours after the onset; alerts earlier than that are
false alarms on pre-event noise (and the event is then missed).

Bad input does not stop the replay: a line that is not ``timestamp, id, Y/N`` or whose
timestamp does not parse, or that holds bytes that are not UTF-8, is set aside with its file
and line number; a file that cannot be read (or opened) is set aside whole; the other lines
and events go on. A file with no valid line gives an event with no onset and no alert.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from veille.signals.burst import BurstConfig, BurstDetector

SUFFIX = "-tweetids_entire_period.csv"
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"
TERM = "event"

#: tuned on the 18 events of ../shared/data (17 with a tweet-id file), one for all
CRISISLEX_CONFIG = BurstConfig(
    bucket_minutes=15,
    windows=(1, 4),
    alpha=0.02,
    floor=0.25,
    threshold=4.0,
    min_authors=5,
    warmup_buckets=16,
)

#: the reviewers' rule
ONSET_SHARE = 0.10
EARLY = timedelta(hours=3)
LATE = timedelta(hours=2)


@dataclass(frozen=True)
class Problem:
    """A line or a file set aside: where, and why."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


@dataclass
class EventResult:
    event: str
    tweets: int
    onset: datetime | None
    alerts: list[datetime] = field(default_factory=list)

    @property
    def detected_at(self) -> datetime | None:
        return self.alerts[0] if self.alerts else None

    @property
    def caught(self) -> bool:
        first = self.detected_at
        return (
            first is not None
            and self.onset is not None
            and self.onset - EARLY <= first <= self.onset + LATE
        )

    @property
    def false_alarms(self) -> int:
        if self.onset is None:
            return 0
        return sum(1 for a in self.alerts if a < self.onset - EARLY)

    @property
    def delay_minutes(self) -> float | None:
        if self.detected_at is None or self.onset is None:
            return None
        return round((self.detected_at - self.onset).total_seconds() / 60, 2)

    def as_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "detected_at": self.detected_at,
            "alerts": self.alerts,
            "onset": self.onset,
            "delay_minutes": self.delay_minutes,
            "caught": self.caught,
            "false_alarms": self.false_alarms,
            "tweets": self.tweets,
        }


def event_files(root: Path) -> list[tuple[str, Path]]:
    """The events under ``root`` (an event's name is its file's, without the suffix),
    sorted by name."""
    found = [(p.name[: -len(SUFFIX)], p) for p in root.rglob(f"*{SUFFIX}") if p.is_file()]
    return sorted(found)


def folders_without_file(root: Path) -> list[str]:
    """Event folders (holding an ``*-event_description.json``) with no tweet-id file."""
    names = []
    for desc in sorted(root.rglob("*-event_description.json")):
        if not any(desc.parent.glob(f"*{SUFFIX}")):
            names.append(desc.parent.name)
    return names


def read_times(path: Path, problems: list[Problem]) -> list[datetime]:
    """The tweet timestamps of one file, sorted; bad lines go to ``problems``."""
    times: list[datetime] = []
    name = str(path)
    try:
        # undecodable bytes become U+FFFD, so that the line holding them is named and set
        # aside while the rest of the file is read
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows: Iterator[list[str]] = csv.reader(handle)
            for number, row in enumerate(rows, start=1):
                if number == 1 and row and row[0].strip().lower() == "timestamp":
                    continue
                if not row or all(not cell.strip() for cell in row):
                    continue
                if any("\ufffd" in cell for cell in row):
                    problems.append(Problem(name, number, "bytes that are not UTF-8"))
                    continue
                if len(row) != 3:
                    problems.append(
                        Problem(
                            name, number, f"expected 3 fields (timestamp, id, Y/N), got {len(row)}"
                        )
                    )
                    continue
                try:
                    at = datetime.strptime(row[0].strip(), TIME_FORMAT).astimezone(UTC)
                except ValueError:
                    problems.append(Problem(name, number, f"timestamp not understood: {row[0]!r}"))
                    continue
                times.append(at)
    except (OSError, csv.Error) as exc:
        problems.append(Problem(name, None, f"file set aside: {exc}"))
        return []
    times.sort()
    return times


def onset_of(times: list[datetime]) -> datetime | None:
    """The start of the first hour holding at least 10% of the peak hourly count."""
    if not times:
        return None
    hours = Counter(t.replace(minute=0, second=0, microsecond=0) for t in times)
    peak = max(hours.values())
    return min(h for h, n in hours.items() if n >= ONSET_SHARE * peak)


def replay(
    times: list[datetime], config: BurstConfig = CRISISLEX_CONFIG, *, live: bool = True
) -> list[datetime]:
    """The alerts (burst starts) of one keyword stream, ``times`` sorted."""
    if not times:
        return []
    detector = BurstDetector(config)
    by_bucket: dict[int, list[datetime]] = defaultdict(list)
    for at in times:
        by_bucket[config.bucket_of(at)].append(at)
    alerts: list[datetime] = []
    for bucket in range(min(by_bucket), max(by_bucket) + 1):
        posts = by_bucket.get(bucket, [])
        need = detector.trigger_count(TERM, bucket) if posts else None
        hits = detector.step(bucket, {TERM: len(posts)} if posts else {})
        if any(h.new for h in hits):
            if live and need is not None and need <= len(posts):
                alerts.append(posts[need - 1])
            else:
                alerts.append(config.bucket_start(bucket + 1))
    return alerts


def with_background(times: list[datetime], per_hour: float, seed: int = 0) -> list[datetime]:
    """``times`` and a Poisson stream of ``per_hour`` matches an hour over their span."""
    if per_hour <= 0 or len(times) < 2:
        return times
    rng = np.random.default_rng(seed)
    span = (times[-1] - times[0]).total_seconds()
    offsets = rng.uniform(0.0, span, rng.poisson(per_hour * span / 3600))
    return sorted(times + [times[0] + timedelta(seconds=float(s)) for s in offsets])


def evaluate(
    root: Path,
    config: BurstConfig = CRISISLEX_CONFIG,
    *,
    live: bool = True,
    background: float = 0.0,
) -> tuple[list[EventResult], list[Problem]]:
    """Every event under ``root``, replayed (over ``background`` extra matches an hour);
    and the lines and files set aside."""
    problems: list[Problem] = []
    results = []
    for event, path in event_files(root):
        times = read_times(path, problems)
        stream = with_background(times, background)
        results.append(
            EventResult(event, len(times), onset_of(times), replay(stream, config, live=live))
        )
    return results, problems


def summary(
    results: list[EventResult],
    problems: list[Problem],
    config: BurstConfig = CRISISLEX_CONFIG,
    background: float = 0.0,
) -> dict[str, Any]:
    """The last line: caught count, median delay from onset, false alarms before onset."""
    caught = [r for r in results if r.caught]
    delays = [r.delay_minutes for r in caught if r.delay_minutes is not None]
    return {
        "summary": True,
        "events": len(results),
        "caught": len(caught),
        "missed": [r.event for r in results if not r.caught],
        "median_delay_minutes": round(statistics.median(delays), 2) if delays else None,
        "median_delay_reason": None if delays else "no event caught",
        "false_alarms_before_onset": sum(r.false_alarms for r in results),
        "events_with_false_alarms": sum(1 for r in results if r.false_alarms),
        "alerts": sum(len(r.alerts) for r in results),
        "problems": len(problems),
        "rule": "onset: first hour >= 10% of the peak hour; caught: first alert in "
        "[onset - 3 h, onset + 2 h]; earlier alerts are false alarms",
        "background": "the stream's own pre-event matches"
        + (f", plus {background:g} Poisson matches an hour (seed 0)" if background > 0 else "")
        + "; cold start, 4 h warm-up",
        "config": {k: v for k, v in asdict(config).items() if k in _SHOWN},
    }


_SHOWN = (
    "bucket_minutes",
    "windows",
    "alpha",
    "floor",
    "threshold",
    "min_authors",
    "clip_sigmas",
    "warmup_buckets",
)
