"""Which signals alert where, and when again: rule matching, deduplication by episode,
escalation and quiet periods. Pure functions over the log's rows (no store, no network).

- An **episode** is what one alerts about once: the signal's story when it has one
  (``story_id``), else the signal itself (its ``id`` is stable across passes). A signal whose
  id was already alerted under another episode keeps that episode.
- On each sink, an episode alerts at **level 0**, then escalates (level 1, 2...) when its
  distinct authors reach ``escalation_factor`` times the last alerted, or its score that
  many times the last alerted score of the same kind (scores of two kinds do not compare), or when
  it turns into a graver kind it was not alerted as yet (``SEVERITY``: a story becoming a
  rumour, a bad buzz found to be a campaign; a rumour's story is not news after the rumour).
  Anything else is a duplicate and sends nothing. Within a pass, the signals of one moment
  are taken gravest first, so a rumour and its story found together alert once, as a rumour.
- The **idempotency key** of an alert is a hash of (episode, sink, level): whatever the pass,
  the process or the rule, the same alert has the same key.
- A rule's **quiet period** holds an alert (it is not recorded; a later pass sends it if the
  signal still qualifies) while the sink got an alert less than ``quiet_minutes`` ago: about
  the same episode (``quiet_scope = "episode"``) or from the same rule (``"rule"``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from veille.signals.model import Signal
from veille.store.alerts import AlertRow
from veille.workspace.alerts_config import AlertRule

#: how grave each kind is: an episode escalates to a kind at least as grave as any it was
#: alerted as (bad buzz and campaign are the same step: telling one from the other is news)
SEVERITY: dict[str, int] = {"burst": 0, "story": 1, "rumour": 2, "bad_buzz": 3, "campaign": 3}


def severity(kind: str) -> int:
    return SEVERITY.get(kind, 0)


def alert_key(episode: str, sink: str, level: int) -> str:
    digest = hashlib.sha256(f"{episode}\x1f{sink}\x1f{level}".encode()).hexdigest()[:24]
    return f"a-{digest}"


def matches(rule: AlertRule, signal: Signal) -> bool:
    if not rule.enabled:
        return False
    if rule.kinds and signal.kind not in rule.kinds:
        return False
    if signal.score < rule.min_score or signal.authors < rule.min_authors:
        return False
    wanted = (
        (rule.watches, signal.watches),
        (rule.leaders, signal.leaders),
        (rule.organisations, signal.organisations),
    )
    if not any(w for w, _ in wanted):
        return True
    return any(set(w) & set(got) for w, got in wanted)


def episode_of(signal: Signal, history: Iterable[AlertRow]) -> str:
    for row in history:
        if row.signal_id == signal.id and row.episode:
            return row.episode
    return signal.story_id or signal.id


@dataclass(frozen=True)
class Decision:
    """An alert to record and send (``level``, why it escalates, what was last alerted)."""

    episode: str
    sink: str
    rule: str
    level: int
    key: str
    escalation: str | None
    previous: dict[str, object]
    first_key: str | None


def level_for(
    signal: Signal, rows: Sequence[AlertRow], factor: float
) -> tuple[int, str | None, dict[str, object]] | None:
    """The level at which ``signal`` alerts given the episode's ``rows`` on one sink (None:
    a duplicate), why it escalates, and what the last alert said."""
    if not rows:
        return 0, None, {}
    last = max(rows, key=lambda r: r.level)
    previous: dict[str, object] = {"kind": last.kind, "score": last.score, "authors": last.authors}
    level = last.level + 1
    alerted = {r.kind for r in rows}
    if signal.kind not in alerted and severity(signal.kind) >= max(map(severity, alerted)):
        return level, "kind", previous
    # scores are comparable within a kind only: against the last alert of this kind
    same = [r for r in rows if r.kind == signal.kind]
    if same:
        before = max(same, key=lambda r: r.level)
        if before.score > 0 and signal.score >= factor * before.score:
            return level, "score", {**previous, "score": before.score}
    if signal.authors >= factor * max(last.authors, 1):
        return level, "authors", previous
    return None


def quiet(
    rule: AlertRule,
    sink: str,
    episode_rows: Sequence[AlertRow],
    rule_last: dict[tuple[str, str], datetime],
    now: datetime,
) -> bool:
    """Whether ``rule`` must hold an alert to ``sink`` now."""
    if rule.quiet_minutes <= 0:
        return False
    since = now - timedelta(minutes=rule.quiet_minutes)
    if rule.quiet_scope == "rule":
        last = rule_last.get((rule.id, sink))
        return last is not None and last > since
    return any(r.created_at > since for r in episode_rows)


def decide(
    signal: Signal,
    rules: Sequence[AlertRule],
    history: list[AlertRow],
    rule_last: dict[tuple[str, str], datetime],
    now: datetime,
    factor: float,
) -> tuple[list[Decision], int, int]:
    """The alerts ``signal`` sends now, one per sink at most (the first matching rule that
    is not quiet sends it), and how many (sink) alerts were held or were duplicates."""
    episode = episode_of(signal, history)
    rows = [r for r in history if r.episode == episode]
    decisions: list[Decision] = []
    duplicates = 0
    seen: set[str] = set()
    held: set[str] = set()
    for rule in rules:
        if not matches(rule, signal):
            continue
        for sink in rule.sinks:
            if sink in seen:
                continue
            on_sink = [r for r in rows if r.sink == sink]
            level = level_for(signal, on_sink, factor)
            if level is None:
                seen.add(sink)
                duplicates += 1
                continue
            if quiet(rule, sink, on_sink, rule_last, now):
                held.add(sink)  # another rule may still send it
                continue
            seen.add(sink)
            first = next((r.id for r in on_sink if r.level == 0), None)
            number, why, previous = level
            key = alert_key(episode, sink, number)
            decisions.append(
                Decision(episode, sink, rule.id, number, key, why, previous, first or key)
            )
    return decisions, len(held - seen), duplicates
