"""The alerts' entry points: ``dispatch`` (after each detection pass: match the rules,
deduplicate, send, record), ``retry`` (the dead-letter log and orphaned pending alerts, sent
again with their keys) and ``send_test`` (a sample alert to one sink).

One pass at a time per process (a lock): a ``pending`` row seen by a pass is therefore an
orphan of a dead process (or of a send whose outcome could not be recorded), and is sent
again, with its key, before anything new."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from veille.alerts.base import Alert
from veille.alerts.delivery import Outcome, Policy, Sinks, Sleep, deliver
from veille.alerts.rules import Decision, decide, episode_of, severity
from veille.errors import VeilleError
from veille.model import utcnow
from veille.signals.model import Signal
from veille.store.alerts import (
    AlertRow,
    MarkAlertJob,
    RecordPendingJob,
    alert_rows,
    episode_history,
    last_by_rule,
)
from veille.store.writer import fault_point

if TYPE_CHECKING:
    from veille.workspace import Workspace

log = logging.getLogger("veille.alerts")

_PASS = threading.Lock()


@dataclass
class DispatchReport:
    """What a pass did: alerts sent, given up (dead), held by a quiet period, skipped as
    duplicates or as too old (``stale``), orphaned ``pending`` alerts sent again
    (``recovered``), and alerts left ``pending`` for the next pass because their sink was
    unreachable earlier in this one (``deferred``)."""

    sent: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)
    held: int = 0
    duplicates: int = 0
    stale: int = 0
    deferred: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "dead": self.dead,
            "held": self.held,
            "duplicates": self.duplicates,
            "stale": self.stale,
            "deferred": self.deferred,
            "recovered": self.recovered,
            "errors": self.errors,
            "skipped": self.skipped,
        }


def dispatch(
    ws: Workspace,
    signals: Sequence[Signal],
    now: datetime | None = None,
    *,
    sleep: Sleep = time.sleep,
) -> DispatchReport:
    """Alert on ``signals`` (the current ones of a detection pass) as ``[alerts]`` says.
    Returns at once when no rule is configured."""
    section = ws.config.alerts
    rules = [r for r in section.rules if r.enabled]
    if not rules:
        return DispatchReport()
    if ws.read_only:
        log.warning("alerts not sent: the workspace %s is open read-only", ws.root)
        return DispatchReport(skipped="read-only workspace")
    now = now or utcnow()
    with _PASS:
        report = DispatchReport()
        sinks = Sinks(section)
        try:
            _resend(ws, sinks, alert_rows(ws.store.con, statuses=["pending"]), report, sleep)
            report.recovered = report.sent + report.dead
            report.sent, report.dead = [], []
            if signals:
                _new_alerts(ws, sinks, signals, now, report, sleep)
        finally:
            sinks.close()
        return report


def _new_alerts(
    ws: Workspace,
    sinks: Sinks,
    signals: Sequence[Signal],
    now: datetime,
    report: DispatchReport,
    sleep: Sleep,
) -> None:
    section = ws.config.alerts
    if section.max_age_hours > 0:
        oldest = now - timedelta(hours=section.max_age_hours)
        fresh = [s for s in signals if (s.updated_at or s.detected_at) >= oldest]
        report.stale += len(signals) - len(fresh)
        signals = fresh
    con = ws.store.con
    candidates = {s.story_id or s.id for s in signals} | {s.id for s in signals}
    history = episode_history(con, sorted(candidates))
    rule_last = last_by_rule(con)
    rows: list[AlertRow] = []
    alerts: dict[str, Alert] = {}
    for signal in sorted(signals, key=lambda s: (s.detected_at, -severity(s.kind), s.id)):
        decisions, held, duplicates = decide(
            signal, section.rules, history, rule_last, now, section.escalation_factor
        )
        report.held += held
        report.duplicates += duplicates
        for decision in decisions:
            alert = _alert(ws, signal, decision, now)
            row = _row(signal, decision, alert, now)
            rows.append(row)
            alerts[row.id] = alert
            history.append(row)  # a later signal of the same episode sees this one
            rule_last[(decision.rule, decision.sink)] = now
    if not rows:
        return
    recorded: list[str] = ws.writer.run(RecordPendingJob(rows))
    inserted = set(recorded)
    fault_point("alert-pending")
    for row in rows:
        if row.id in inserted:
            _send(ws, sinks, alerts[row.id], 0, report, sleep)


def _resend(
    ws: Workspace, sinks: Sinks, rows: Sequence[AlertRow], report: DispatchReport, sleep: Sleep
) -> None:
    for row in rows:
        try:
            alert = Alert.from_json(row.payload)
        except (ValueError, TypeError, KeyError) as exc:
            ws.writer.run(MarkAlertJob(row.id, "dead", row.attempts, None, f"bad payload: {exc}"))
            report.dead.append(row.id)
            continue
        if row.status != "pending":
            _mark(ws, sinks, MarkAlertJob(row.id, "pending", row.attempts, None, row.detail))
        _send(ws, sinks, alert, row.attempts, report, sleep)


def _mark(ws: Workspace, sinks: Sinks, job: MarkAlertJob) -> None:
    """Record an outcome and wait for its commit before the next send, so that a crash
    re-sends at most the one alert in flight. It costs a commit per alert (2-3 ms here,
    bench/RESULTS.md); queuing the marks without waiting would widen that window to every
    mark not yet committed, and did not measurably speed a pass on this shared machine."""
    ws.writer.run(job)


def _send(
    ws: Workspace, sinks: Sinks, alert: Alert, before: int, report: DispatchReport, sleep: Sleep
) -> None:
    if alert.sink in sinks.down:
        detail = f"deferred to the next pass: {sinks.down[alert.sink]}"
        _mark(ws, sinks, MarkAlertJob(alert.key, "pending", before, None, detail))
        report.deferred.append(alert.key)
        return
    try:
        sink = sinks.get(alert.sink)
    except VeilleError as exc:
        outcome = Outcome("dead", 0, exc.message, True)
    else:
        outcome = deliver(sink, alert, Policy.of(ws.config.alerts), sleep)
        if outcome.status == "dead" and not outcome.permanent:
            sinks.down[alert.sink] = outcome.error or "unreachable"
    attempts = before + outcome.attempts
    sent_at = utcnow() if outcome.status == "sent" else None
    _mark(ws, sinks, MarkAlertJob(alert.key, outcome.status, attempts, sent_at, outcome.error))
    (report.sent if outcome.status == "sent" else report.dead).append(alert.key)
    if outcome.error:
        report.errors.append(outcome.error)


def _names(ws: Workspace) -> dict[str, str]:
    config = ws.config
    names: dict[str, str] = {}
    for leader in config.leaders:
        names[leader.id] = leader.name
        names[f"leader:{leader.id}"] = leader.name
    for org in config.organisations:
        names[org.id] = org.name
        names[f"organisation:{org.id}"] = org.name
    for watch in config.watches:
        names[watch.id] = watch.name or watch.id
    return names


def _signal_json(ws: Workspace, signal: Signal) -> dict[str, Any]:
    value = signal.as_json()
    names = _names(ws)
    concerned = [*signal.leaders, *signal.organisations, *signal.watches]
    value["names"] = {k: names[k] for k in concerned if k in names}
    if signal.term:
        value["subject"] = names.get(signal.term, signal.term)
    return value


def dashboard_url(ws: Workspace, signal_id: str) -> str | None:
    base = ws.config.workspace.public_url
    return f"{base.rstrip('/')}/signals/{quote(signal_id, safe='')}" if base else None


def _alert(ws: Workspace, signal: Signal, decision: Decision, now: datetime) -> Alert:
    rule = next(r for r in ws.config.alerts.rules if r.id == decision.rule)
    return Alert(
        key=decision.key,
        sink=decision.sink,
        rule=decision.rule,
        level=decision.level,
        created_at=now,
        lang=rule.language or ws.config.workspace.language,
        signal=_signal_json(ws, signal),
        workspace=ws.config.workspace.name,
        url=dashboard_url(ws, signal.id),
        escalation=decision.escalation,
        previous=decision.previous,
        first_key=decision.first_key,
    )


def _row(signal: Signal, decision: Decision, alert: Alert, now: datetime) -> AlertRow:
    return AlertRow(
        id=decision.key,
        signal_id=signal.id,
        sink=decision.sink,
        sent_at=None,
        status="pending",
        detail=None,
        episode=decision.episode,
        rule=decision.rule,
        level=decision.level,
        kind=signal.kind,
        score=float(signal.score),
        authors=int(signal.authors),
        attempts=0,
        created_at=now,
        payload=alert.to_json(),
    )


def retry(ws: Workspace, keys: Sequence[str] = (), *, sleep: Sleep = time.sleep) -> DispatchReport:
    """Send again, with their keys, the dead alerts and the orphaned pending ones (only
    ``keys`` when given)."""
    with _PASS:
        report = DispatchReport()
        rows = alert_rows(ws.store.con, statuses=["dead", "pending"], keys=keys)
        sinks = Sinks(ws.config.alerts)
        try:
            _resend(ws, sinks, list(reversed(rows)), report, sleep)
        finally:
            sinks.close()
        return report


def sample_signal(lang: str, now: datetime) -> Signal:
    reasons = {
        "fr": (
            "Exemple : 42 auteurs distincts en 15 minutes, contre 3 d'habitude.",
            "Exemple : 30 % des posts posent une question ou démentent.",
        ),
        "en": (
            "Example: 42 distinct authors in 15 minutes, against 3 usually.",
            "Example: 30% of the posts ask a question or deny.",
        ),
    }[lang if lang in ("fr", "en") else "en"]
    return Signal(
        id=f"test-{uuid.uuid4().hex[:10]}",
        kind="rumour",
        term="#exemple",
        first_seen=now,
        detected_at=now,
        score=7.5,
        authors=42,
        posts=57,
        reasons=reasons,
        detail={
            "top_posts": [
                {"text": "Un post d'exemple <b>échappé</b> & cité.", "author": "@exemple"}
            ]
        },
    )


def send_test(
    ws: Workspace, sink: str, now: datetime | None = None, *, sleep: Sleep = time.sleep
) -> DispatchReport:
    """Send a sample alert to ``sink`` (recorded as rule ``(test)``)."""
    now = now or utcnow()
    lang = ws.config.workspace.language
    signal = sample_signal(lang, now)
    key = f"t-{uuid.uuid4().hex[:20]}"
    decision = Decision(signal.id, sink, "(test)", 0, key, None, {}, key)
    alert = Alert(
        key=key, sink=sink, rule="(test)", level=0, created_at=now, lang=lang,
        signal=signal.as_json(), workspace=ws.config.workspace.name,
        url=dashboard_url(ws, signal.id), first_key=key, test=True,
    )  # fmt: skip
    report = DispatchReport()
    with _PASS:
        sinks = Sinks(ws.config.alerts)
        try:
            sinks.get(sink)  # an unknown sink is the caller's error, not a dead letter
            ws.writer.run(RecordPendingJob([_row(signal, decision, alert, now)]))
            _send(ws, sinks, alert, 0, report, sleep)
        finally:
            sinks.close()
    return report


__all__ = ["DispatchReport", "dispatch", "episode_of", "retry", "send_test"]
