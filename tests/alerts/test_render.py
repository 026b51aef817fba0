"""The words of an alert in French and English, and the bounded backoff."""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from alert_helpers import T0, signal

from veille.alerts import render
from veille.alerts.base import Alert
from veille.alerts.delivery import Policy
from veille.alerts.webhook import retry_after


def alert(lang: str, **changes: Any) -> Alert:
    sig = signal(score=7.25, authors=31, posts=40).as_json()
    sig["names"] = {"marie": "Marie Durand", "greve": "Grève chez Acme"}
    values: dict[str, Any] = {
        "key": "a-1", "sink": "s", "rule": "r", "level": 0, "created_at": T0, "lang": lang,
        "signal": sig, "url": "https://v.example/signals/r-1",
    }  # fmt: skip
    values.update(changes)
    return Alert(**values)


def test_french_text() -> None:
    text = render.text(alert("fr", level=2, escalation="score", previous={"score": 3.5}))
    assert text.startswith("Escalade · Rumeur : #greve\n")
    assert "31 auteurs distincts, 40 posts, score 7,2" in text  # decimal comma
    assert "Le score est passé de 3,5 à 7,2." in text
    assert "Concerne : Marie Durand, Grève chez Acme" in text
    assert "Voir dans le tableau de bord : https://v.example/signals/r-1" in text
    assert "\nPourquoi :\n- 12 auteurs distincts" in text


def test_english_text_and_kind_change() -> None:
    text = render.text(alert("en", level=1, escalation="kind", previous={"kind": "story"}))
    assert text.startswith("Escalation · Rumour: #greve\n")
    assert "The signal is now: Rumour (it was: Emerging story)." in text
    assert "31 distinct authors, 40 posts, score 7.2" in text
    assert "Alert a-1 · rule r · workspace veille" in text
    assert "\nWhy:\n" in text and "Open in the dashboard: https://v.example/signals/r-1" in text


def test_backoff_is_bounded_and_honours_retry_after() -> None:
    policy = Policy(max_attempts=6, backoff_seconds=2, max_backoff_seconds=10)
    assert [policy.wait(n, None) for n in range(1, 6)] == [2, 4, 8, 10, 10]
    assert policy.wait(1, 7) == 7 and policy.wait(3, 1) == 8
    assert policy.wait(1, 11) is None  # asks for more than the bound: give up the pass


def test_retry_after_forms() -> None:
    now = T0.timestamp()
    assert retry_after("120", now) == 120
    assert retry_after(format_datetime(T0.replace(minute=2)), now) == 120
    assert retry_after("soon", now) is None and retry_after(None, now) is None
