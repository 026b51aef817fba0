"""The PHEME reader and the ROC AUC of ``veille eval rumours``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from tests.conftest import shared_path

from veille.signals.pheme import evaluate, find_events, read_event, roc_auc, status_evidence
from veille.signals.rumour import score_values


def status(text: str = "hello", **user: Any) -> dict[str, Any]:
    base = {
        "screen_name": "someone",
        "name": "Some One",
        "description": "",
        "followers_count": 10,
        "friends_count": 20,
        "statuses_count": 30,
        "created_at": "Sat Oct 18 02:39:23 +0000 2008",
        "verified": False,
        "id_str": "1",
        "url": None,
    }
    return {
        "text": text,
        "created_at": "Tue Mar 24 10:51:21 +0000 2015",
        "lang": "en",
        "entities": {"urls": []},
        "user": {**base, **user},
    }


def write_event(root: Path, event: str, rumours: Any, non_rumours: Any) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for suffix, items in (("rumours", rumours), ("non-rumours", non_rumours)):
        path = root / f"{event}-all-rnr-threads.{suffix}.json"
        path.write_text(items if isinstance(items, str) else json.dumps(items), encoding="utf-8")


def test_roc_auc_by_hand() -> None:
    # pairs (positive, negative): 0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1 -> 3 of 4
    assert roc_auc([1, 1, 0, 0], [0.9, 0.4, 0.5, 0.1]) == 0.75
    assert roc_auc([1, 0], [0.5, 0.5]) == 0.5  # a tie counts half
    assert roc_auc([1, 1, 0], [0.2, 0.7, 0.7]) == 0.25  # 0.2<0.7, 0.7=0.7 -> (0 + 0.5) / 2
    assert roc_auc([1, 1], [0.1, 0.2]) is None
    assert roc_auc([], []) is None


def test_roc_auc_matches_scikit_learn_with_ties() -> None:
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 500)
    s = np.round(rng.random(500) + 0.3 * y, 1)  # many ties
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))


def test_a_status_becomes_what_a_store_holds() -> None:
    item = status(
        "Crash http://t.co/x",
        screen_name="SkyNewsAust",
        verified=True,
        entities={"url": {"urls": [{"expanded_url": "http://www.skynews.com.au"}]}},
    )
    item["entities"] = {"urls": [{"url": "http://t.co/x", "expanded_url": "https://sky.com/a"}]}
    ev = status_evidence(item)
    assert ev.text == "Crash http://t.co/x" and ev.urls == ("https://sky.com/a",)
    assert ev.author.handle == "SkyNewsAust" and ev.author.verified is True
    assert ev.author.url == "http://www.skynews.com.au"
    assert ev.author.followers == 10 and ev.author.following == 20 and ev.author.posts == 30
    assert ev.created_at is not None and ev.author.created_at is not None
    assert ev.created_at.year == 2015 and ev.author.created_at.year == 2008


def test_the_annotation_inside_a_status_is_never_read() -> None:
    a, b = status("Police says the pilot was alone"), status("Police says the pilot was alone")
    a["VERACITY"], b["VERACITY"] = "true", "false"
    scores = score_values([status_evidence(a), status_evidence(b)])
    assert scores[0] == scores[1]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ([1], "expected a status object"),
        ({"text": 3, "user": {}}, "no text"),
        ({"text": "x"}, "no user object"),
        ({"text": "x", "user": {"followers_count": "many"}}, "user.followers_count"),
        ({"text": "x", "user": {}, "created_at": "yesterday"}, "not a Twitter date"),
    ],
)
def test_bad_statuses_say_why(item: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        status_evidence(item)


def test_malformed_files_and_items_are_set_aside_and_the_rest_goes_on(tmp_path: Path) -> None:
    write_event(tmp_path, "good", [status("a"), {"text": 1}, status("b")], [status("c")])
    write_event(tmp_path / "sub", "broken", [status("a")], '[{"text": ')
    write_event(tmp_path, "notalist", {"a": 1}, [status("c")])
    bom = tmp_path / "good-all-rnr-threads.non-rumours.json"
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())  # a byte-order mark is fine
    (tmp_path / "half-all-rnr-threads.rumours.json").write_text("[]", encoding="utf-8")
    pairs, half = find_events(tmp_path)
    assert [p[0] for p in pairs] == ["broken", "good", "notalist"]
    assert len(half) == 1 and "half-all-rnr-threads.non-rumours.json" in str(half[0])

    data, problems = read_event("good", *pairs[1][1:])
    assert (data.rumours, data.non_rumours) == (2, 1)
    assert [str(p).split(": ", 1)[1] for p in problems] == ["item 1: no text: item set aside"]

    results, problems = evaluate(tmp_path)
    by_event = {r.event: r for r in results}
    assert by_event["good"].rumours == 2 and by_event["good"].auc is not None
    assert by_event["broken"].non_rumours == 0 and by_event["broken"].auc is None
    assert "not enough data" in by_event["broken"].as_json()["reason"]
    text = "\n".join(str(p) for p in problems)
    assert "broken-all-rnr-threads.non-rumours.json: line 1, column 11: invalid JSON" in text
    assert "notalist-all-rnr-threads.rumours.json: expected a JSON list of statuses" in text
    assert "item 1: no text" in text and "half-all-rnr-threads" in text


def test_germanwings_beats_the_cue_baseline() -> None:
    root = shared_path("data", "rumours", "pheme_sources")
    results, problems = evaluate(root)
    (gw,) = [r for r in results if r.event == "germanwings-crash"]
    assert not problems
    assert (gw.rumours, gw.non_rumours) == (238, 231)
    assert gw.auc is not None and gw.cue_auc is not None
    assert gw.auc >= 0.78 and gw.auc - gw.cue_auc >= 0.2
