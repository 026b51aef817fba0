"""``veille eval rumours``: the post rumour score measured on PHEME source tweets.

PHEME (Kochkina, Liakata, Zubiaga) gives, per event, the source tweets of threads annotated
as rumours or non-rumours. Under a folder, every pair ``EVENT-all-rnr-threads.rumours.json``
/ ``EVENT-all-rnr-threads.non-rumours.json`` (JSON lists of Twitter v1.1 statuses) is one
event. Each status becomes a :class:`~veille.signals.rumour.PostEvidence` holding only what
a store would hold of it (text, time, links, the author's profile at posting time); the
annotations inside the statuses (``VERACITY``) are never read. The score is the one a post
gets inside a story (:func:`~veille.signals.rumour.score_values`); the measure is the ROC AUC
of rumours against non-rumours (:func:`roc_auc`, ties counted half), with the cue-only
baseline (the enrichment's ``rumour_cue`` alone) beside it.

A malformed file or item is reported (:class:`Problem`: the file and the position) and set
aside; the rest goes on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from veille.signals.rumour import (
    FEATURES,
    AuthorProfile,
    PostEvidence,
    RumourModel,
    evidence_features,
    packaged_model,
)

__all__ = [
    "EventData",
    "EventResult",
    "Problem",
    "evaluate",
    "find_events",
    "read_event",
    "roc_auc",
    "status_evidence",
]

RUMOURS_SUFFIX = "-all-rnr-threads.rumours.json"
NON_RUMOURS_SUFFIX = "-all-rnr-threads.non-rumours.json"
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


@dataclass(frozen=True)
class Problem:
    """A file or an item set aside, and why."""

    path: Path
    position: str  # "item 12", "line 3, column 5", "" for the whole file
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.position}: " if self.position else f"{self.path}: "
        return where + self.message


@dataclass
class EventData:
    event: str
    posts: list[PostEvidence] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # 1 rumour, 0 non-rumour

    @property
    def rumours(self) -> int:
        return sum(self.labels)

    @property
    def non_rumours(self) -> int:
        return len(self.labels) - sum(self.labels)


@dataclass(frozen=True)
class EventResult:
    event: str
    auc: float | None
    cue_auc: float | None
    rumours: int
    non_rumours: int
    labels: tuple[int, ...] = field(default=(), repr=False)
    scores: tuple[float, ...] = field(default=(), repr=False)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": self.event,
            "auc": None if self.auc is None else round(self.auc, 4),
            "rumours": self.rumours,
            "non_rumours": self.non_rumours,
        }
        if self.auc is None:
            out["reason"] = "not enough data: the AUC needs at least one rumour and one non-rumour"
        return out


def roc_auc(
    labels: Sequence[int] | npt.NDArray[Any], scores: Sequence[float] | npt.NDArray[Any]
) -> float | None:
    """The area under the ROC curve: the probability that a random positive scores above a
    random negative, ties counted half (Mann-Whitney U over the mean ranks). None without a
    positive or without a negative."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    # mean rank (1-based) of each run of ties
    boundaries = np.flatnonzero(np.diff(sorted_s)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(s)]])
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        ranks[order[a:b]] = (a + 1 + b) / 2
    u = ranks[y].sum() - pos * (pos + 1) / 2
    return float(u / (pos * neg))


def find_events(root: Path) -> tuple[list[tuple[str, Path, Path]], list[Problem]]:
    """The (event, rumours file, non-rumours file) pairs under ``root``, by event name, and
    the half pairs."""
    pairs: list[tuple[str, Path, Path]] = []
    problems: list[Problem] = []
    rumour_files = {p: p.name[: -len(RUMOURS_SUFFIX)] for p in root.rglob(f"*{RUMOURS_SUFFIX}")}
    seen_other: set[Path] = set()
    for path, event in sorted(rumour_files.items()):
        other = path.with_name(event + NON_RUMOURS_SUFFIX)
        if other.is_file():
            pairs.append((event, path, other))
            seen_other.add(other)
        else:
            problems.append(Problem(path, "", f"no {other.name} beside it: event set aside"))
    for other in sorted(root.rglob(f"*{NON_RUMOURS_SUFFIX}")):
        if other not in seen_other:
            name = other.name[: -len(NON_RUMOURS_SUFFIX)] + RUMOURS_SUFFIX
            problems.append(Problem(other, "", f"no {name} beside it: event set aside"))
    pairs.sort(key=lambda p: (p[0], str(p[1])))
    return pairs, problems


def read_event(event: str, rumours: Path, non_rumours: Path) -> tuple[EventData, list[Problem]]:
    data = EventData(event)
    problems: list[Problem] = []
    for path, label in ((rumours, 1), (non_rumours, 0)):
        for evidence in _read_statuses(path, problems):
            data.posts.append(evidence)
            data.labels.append(label)
    return data, problems


def _read_statuses(path: Path, problems: list[Problem]) -> Iterator[PostEvidence]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, "", f"cannot read: {exc.strerror or exc}"))
        return
    try:
        items = json.loads(raw.decode("utf-8-sig"))  # a byte-order mark is tolerated
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, f"byte {exc.start}", "not UTF-8 text: file set aside"))
        return
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                path,
                f"line {exc.lineno}, column {exc.colno}",
                f"invalid JSON ({exc.msg}): file set aside",
            )
        )
        return
    if not isinstance(items, list):
        problems.append(
            Problem(path, "", f"expected a JSON list of statuses, found {type(items).__name__}")
        )
        return
    for i, item in enumerate(items):
        try:
            yield status_evidence(item)
        except ValueError as exc:
            problems.append(Problem(path, f"item {i}", f"{exc}: item set aside"))


def _time(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} is not a string")
    try:
        return datetime.strptime(value, _TWITTER_TIME)
    except ValueError:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{what} {value[:40]!r} is not a Twitter date") from None


def _count(user: dict[str, Any], key: str) -> int | None:
    value = user.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"user.{key} is not a number")
    return int(value)


def _string(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"{what} is not a string")


def _expanded(entities: Any, key: str) -> list[str]:
    if not isinstance(entities, dict):
        return []
    block = entities.get(key)
    urls = block.get("urls") if isinstance(block, dict) else block
    if not isinstance(urls, list):
        return []
    out = []
    for u in urls:
        if isinstance(u, dict):
            link = u.get("expanded_url") or u.get("url")
            if isinstance(link, str) and link:
                out.append(link)
    return out


def status_evidence(status: Any) -> PostEvidence:
    """A Twitter v1.1 status as the rumour score reads it (ValueError if it is not one)."""
    if not isinstance(status, dict):
        raise ValueError(f"expected a status object, found {type(status).__name__}")
    text = status.get("full_text", status.get("text"))
    if not isinstance(text, str):
        raise ValueError("no text")
    user = status.get("user")
    if not isinstance(user, dict):
        raise ValueError("no user object")
    profile_urls = _expanded(user.get("entities"), "url")
    url = profile_urls[0] if profile_urls else _string(user.get("url"), "user.url")
    verified = user.get("verified")
    author = AuthorProfile(
        handle=_string(user.get("screen_name"), "user.screen_name"),
        display_name=_string(user.get("name"), "user.name"),
        bio=_string(user.get("description"), "user.description"),
        url=url or None,
        followers=_count(user, "followers_count"),
        following=_count(user, "friends_count"),
        posts=_count(user, "statuses_count"),
        created_at=_time(user.get("created_at"), "user.created_at"),
        verified=verified if isinstance(verified, bool) else None,
        author_id=_string(user.get("id_str"), "user.id_str") or _id(user.get("id")),
    )
    lang = status.get("lang")
    return PostEvidence(
        text=text,
        author=author,
        created_at=_time(status.get("created_at"), "created_at"),
        lang=lang if isinstance(lang, str) else None,
        urls=tuple(_expanded(status.get("entities"), "urls")),
    )


def _id(value: Any) -> str | None:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _event_label(event: str) -> str:
    return re.sub(r"\s+", " ", event).strip()


def evaluate(
    root: Path, model: RumourModel | None = None
) -> tuple[list[EventResult], list[Problem]]:
    """Every event under ``root`` scored with ``model`` (the packaged one by default)."""
    model = model or packaged_model()
    pairs, problems = find_events(root)
    results = []
    for event, rumours, non_rumours in pairs:
        data, found = read_event(_event_label(event), rumours, non_rumours)
        problems.extend(found)
        if data.posts:
            values = evidence_features(data.posts).values
            scores = model.predict(values)
            cue = values[:, FEATURES.index("cue")]
        else:
            scores = cue = np.zeros(0)
        results.append(
            EventResult(
                data.event,
                roc_auc(data.labels, scores),
                roc_auc(data.labels, cue),
                data.rumours,
                data.non_rumours,
                tuple(data.labels),
                tuple(float(v) for v in scores),
            )
        )
    return results, problems


def summary(results: Sequence[EventResult], problems: Sequence[Problem]) -> dict[str, Any]:
    """The last line of ``veille eval rumours``: the mean AUC over the events that have one
    (and the cue-only baseline's), the AUC of all events' posts pooled, the counts, and how
    many files or items were set aside."""
    aucs = [r.auc for r in results if r.auc is not None]
    cues = [r.cue_auc for r in results if r.cue_auc is not None]
    pooled = roc_auc([y for r in results for y in r.labels], [s for r in results for s in r.scores])
    out: dict[str, Any] = {
        "summary": True,
        "events": len(results),
        "auc_mean": round(float(np.mean(aucs)), 4) if aucs else None,
        "auc_pooled": None if pooled is None else round(pooled, 4),
        "cue_auc_mean": round(float(np.mean(cues)), 4) if cues else None,
        "rumours": sum(r.rumours for r in results),
        "non_rumours": sum(r.non_rumours for r in results),
        "set_aside": len(problems),
    }
    if not aucs:
        out["reason"] = "not enough data: no event with both rumours and non-rumours"
    return out
