"""The rumour score of a post (features, model, reasons) and of a story (hand-computed)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from veille.i18n import messages_in
from veille.signals.rumour import (
    FEATURES,
    MODEL_PATH,
    STORY_WEIGHTS,
    AuthorProfile,
    PostEvidence,
    RumourModel,
    RumourScore,
    evidence_features,
    packaged_model,
    score_posts,
    score_story,
    score_values,
    story_rumour,
)

T0 = datetime(2026, 3, 24, 10, 0, tzinfo=UTC)


def post(text: str | None, **author: object) -> PostEvidence:
    created = author.pop("posted", T0)
    urls = author.pop("urls", ())
    return PostEvidence(text, AuthorProfile(**author), created, "en", urls)  # type: ignore[arg-type]


def feature(posts: list[PostEvidence], name: str) -> list[float]:
    return evidence_features(posts).column(name).tolist()


def test_text_features_use_the_enrichment_cues_and_the_claim_markers() -> None:
    posts = [
        post("Reportedly the co-pilot locked the door"),
        post("BREAKING: plane crashed, police says 150 on board"),
        post("Our thoughts and prayers are with the families"),
        post("What we know so far: live updates http://t.co/x"),
        post("Il paraît que l'usine ferme, selon le maire"),
    ]
    assert [v > 0 for v in feature(posts, "cue")] == [True, False, False, False, True]
    assert feature(posts, "breaking") == [0, 1, 0, 0, 0]
    assert feature(posts, "claim") == [0, 1, 0, 0, 1]
    assert feature(posts, "empathy") == [0, 0, 1, 0, 0]
    assert feature(posts, "coverage") == [0, 0, 0, 1, 0]
    terms = evidence_features(posts).terms
    assert terms["claim"][4] == ["selon"]
    assert "reportedly" in terms["cue"][0]


def test_links_and_figures() -> None:
    posts = [
        post("Flight #4U9525 (an A320) crashed http://t.co/abc @user2"),
        post("150 people on board", urls=("https://example.org/a",)),
        post("Crash http://t.co/a http://t.co/b www.c.fr", urls=("https://t.co/a",)),
        post(None),
    ]
    assert feature(posts, "links") == [1, 1, 2, 0]  # from the text or the post's links, <= 2
    assert feature(posts, "figures") == [0, 1, 0, 0]  # not in words, hashtags, links, handles


def test_author_features_at_posting_time_and_unknowns() -> None:
    created = T0 - timedelta(days=99)
    posts = [
        post("x", followers=999, following=0, posts=10, created_at=created, verified=True),
        post("x"),
        post("x", handle="SkyNewsBreak", bio="Journaliste à Ouest-France", url="https://a.fr"),
        post("x", handle="minister", bio="Député de la Gironde"),
    ]
    values = evidence_features(posts)
    assert values.column("followers")[0] == pytest.approx(math.log(1000))
    assert values.column("following")[0] == 0.0
    assert values.column("account_age")[0] == pytest.approx(math.log(100))
    assert values.column("verified")[0] == 1.0
    for name in ("followers", "following", "posts", "account_age", "verified"):
        assert math.isnan(values.column(name)[1]), name
    assert values.column("news_account").tolist() == [0, 0, 1, 0]
    assert values.column("news_profile").tolist() == [0, 0, 1, 0]
    assert values.column("official").tolist() == [0, 0, 0, 1]
    assert values.column("profile_url").tolist() == [0, 0, 1, 0]
    # a class the enrichment already found is taken as given
    given = post("x", bio="Journaliste", stakeholder="customer")
    assert evidence_features([given]).column("news_profile")[0] == 0.0
    own = post("x", stakeholder="self")  # a registry account speaks first-hand
    assert evidence_features([own]).column("official")[0] == 1.0


def _model() -> RumourModel:
    return RumourModel(
        ("cue", "verified"),
        mean=np.array([0.2, 0.5]),
        scale=np.array([0.4, 0.5]),
        coef=np.array([1.0, -2.0]),
        intercept=0.5,
    )


def test_the_model_is_a_logistic_regression_and_unknowns_count_as_average() -> None:
    model = _model()
    values = np.full((2, len(FEATURES)), np.nan)
    values[0, FEATURES.index("cue")] = 0.6  # z = 1
    values[0, FEATURES.index("verified")] = 1.0  # z = 1
    values[1, FEATURES.index("cue")] = 0.6  # verified unknown: z = 0
    expected = [1 / (1 + math.exp(-(0.5 + 1.0 - 2.0))), 1 / (1 + math.exp(-(0.5 + 1.0)))]
    assert model.predict(values).tolist() == pytest.approx(expected)
    assert model.contributions(values)[1].tolist() == pytest.approx([1.0, 0.0])


def test_model_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = RumourModel(**{**_model().__dict__, "meta": {"C": 0.1}})
    model.save(tmp_path / "m.json")
    again = RumourModel.load(tmp_path / "m.json")
    assert again.features == model.features and again.meta == {"C": 0.1}
    assert again.coef.tolist() == model.coef.tolist()


def test_the_packaged_model_is_small_and_says_how_to_retrain_it() -> None:
    model = packaged_model()
    assert MODEL_PATH.is_file()
    assert set(model.features) <= set(FEATURES) and len(model.features) <= 20
    assert "bench/rumour_train.py" in model.meta["retrain"]
    assert np.all(np.isfinite(model.coef)) and np.all(model.scale > 0)


def test_scores_come_with_reasons_in_french_and_english() -> None:
    posts = [
        post(
            "BREAKING: police says the co-pilot locked the door",
            handle="BreakingNewsNow",
            followers=50,
            following=2000,
        ),
        post("Our thoughts and prayers are with the families", verified=True, followers=10**6),
    ]
    with messages_in("en"):
        scored = score_posts(posts)
    assert scored[0].score > 0.5 > scored[1].score
    assert scored[0].reasons[0].startswith("Rumour score")
    assert any("raises the score" in r for r in scored[0].reasons)
    assert any("sympathy" in r and "lowers the score" in r for r in scored[1].reasons)
    assert scored[1].credible and scored[0].credible  # verified; a news-like handle
    with messages_in("fr"):
        french = score_posts(posts)
    assert french[0].reasons[0].startswith("Score de rumeur")
    assert any("fait baisser le score" in r for r in french[1].reasons)
    assert [s.score for s in french] == [s.score for s in scored]
    assert score_values(posts).tolist() == pytest.approx([s.score for s in scored])
    assert score_posts([]) == [] and len(score_values([])) == 0


def _scored(score: float, cue: float = 0.0, credible: bool = False) -> RumourScore:
    return RumourScore(score, cue, credible, (), {})


def test_story_score_hand_computed() -> None:
    a = AuthorProfile(author_id="a")
    b = AuthorProfile(author_id="b")
    posts = [
        PostEvidence("p1", a, T0),
        PostEvidence("p2", a, T0 + timedelta(minutes=90)),
        PostEvidence("p3", b, T0 + timedelta(minutes=100)),
    ]
    scores = [_scored(0.9, cue=0.6), _scored(0.8), _scored(0.3, credible=True)]
    with messages_in("en"):
        story = score_story(posts, scores)
    # likely: author a averages 0.85 >= 0.8, author b 0.3 -> 1/2 (mean 0.575); cues 1/3;
    # uncredited: a only -> 1/2; growth: span 0..100 min, the later half (> 50 min) holds
    # 2 of 3 -> 2 * 2/3 - 1 = 1/3
    assert story.components == pytest.approx(
        {"likely": 0.5, "cues": 1 / 3, "uncredited": 0.5, "growth": 1 / 3, "mean": 0.575}
    )
    assert story.score == pytest.approx(0.6 * 0.5 + 0.2 / 3 + 0.1 * 0.5 + 0.1 / 3)  # 0.45
    assert story.authors == 2 and not story.is_rumour  # 0.45 < 0.5
    assert story.reasons[0].startswith("Not a rumour so far: score 0.45")
    assert story.reasons[1].startswith("50% of the 2 distinct authors")
    assert any("accelerating" in r for r in story.reasons)
    assert sum(STORY_WEIGHTS.values()) == pytest.approx(1.0)


def test_story_score_edge_cases() -> None:
    assert score_story([], []).score == 0.0
    many = [PostEvidence("x", AuthorProfile(author_id=str(i)), None) for i in range(4)]
    with messages_in("fr"):
        hot = score_story(many, [_scored(0.9, cue=0.84)] * 4)
    assert hot.score == pytest.approx(0.6 + 0.2 + 0.1) and hot.is_rumour
    assert hot.reasons[0].startswith("Rumeur probable")
    one = [PostEvidence("x", AuthorProfile(), None)]
    with messages_in("en"):
        story = score_story(one, [_scored(0.4)])
    assert story.components["growth"] == 0.0
    assert any("fewer than 3 dated posts" in r for r in story.reasons)
    with pytest.raises(ValueError):
        score_story(one, [])


def test_evidence_from_a_store_row_and_mixed_time_zones() -> None:
    row = {
        "text": "Selon la préfecture, 3 blessés",
        "created_at": T0,
        "urls": ["https://a.fr/x"],
        "author_id": "did:plc:1",
        "handle": "infos-locales.bsky.social",
        "followers": 120,
        "account_created_at": datetime(2026, 3, 14, 10, 0),  # naive: UTC
        "stakeholder": "journalist",
    }
    ev = PostEvidence.from_row(row)
    assert ev.urls == ("https://a.fr/x",) and ev.author.followers == 120
    values = evidence_features([ev])
    assert values.column("account_age")[0] == pytest.approx(math.log(11))
    assert values.column("news_profile")[0] == 1.0 and values.column("news_account")[0] == 1.0
    assert values.column("claim")[0] == 1.0 and values.column("figures")[0] == 1.0
    assert math.isnan(values.column("verified")[0])
    future = PostEvidence.from_row({**row, "account_created_at": T0 + timedelta(days=5)})
    assert evidence_features([future]).column("account_age")[0] == 0.0
    assert PostEvidence.from_row({}).text is None


def test_the_markers_do_not_repeat_the_cue_lexicon_and_messages_are_bilingual() -> None:
    import string

    from veille.pipeline.cues import builtin_cue_lexicons
    from veille.pipeline.lexmatch import normalize_terms
    from veille.signals.rumour import LEXICONS, _lexicons
    from veille.signals.rumour_reasons import MESSAGES

    cues = builtin_cue_lexicons()
    known = {
        term
        for category in ("uncertainty", "query", "denial")
        for strength in ("strong", "weak")
        for term in normalize_terms(cues[category].get(strength, []))
    }
    for name in LEXICONS:
        terms = normalize_terms(_lexicons()[name]["terms"])
        assert not known & set(terms), name
        assert len(terms) == len(set(terms)), name

    def fields(template: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(template) if f}

    for key, (fr, en) in MESSAGES.items():
        assert fields(fr) == fields(en), key
    for name in FEATURES:
        assert f"rumour.f.{name}" in MESSAGES and f"rumour.f.{name}.none" in MESSAGES, name


class _Names(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return {"target": "Globex", "product": "Nova"}.get(key, "Acme")


def test_a_story_of_simulated_rumour_posts_is_a_rumour_and_a_launch_is_not() -> None:
    from veille.simulate import texts

    def story(templates: list[str]) -> bool:
        posts = [
            PostEvidence(
                templates[i % len(templates)].format_map(_Names()),
                AuthorProfile(author_id=str(i), followers=300 + i, following=400, posts=2000),
                T0 + timedelta(minutes=15 * i),
            )
            for i in range(30)
        ]
        return score_story(posts, score_posts(posts)).is_rumour

    assert story(texts.RUMOUR["fr"]) and story(texts.RUMOUR["en"])
    for ordinary in (texts.LAUNCH, texts.BAD_BUZZ, texts.CONFERENCE, texts.JOURNALIST):
        assert not story(ordinary["fr"]) and not story(ordinary["en"])


def test_an_organisation_recruiting_through_its_own_accounts_is_no_rumour() -> None:
    """The demo's one false alarm before registry accounts counted as official: figures and
    no link look like a claim, but the organisation's own people say it first-hand."""
    text = "Chez Banque Armorique, nous recrutons 200 personnes. Rejoignez-nous !"
    posts = [
        PostEvidence(
            text, AuthorProfile(author_id=str(i), stakeholder=cls), T0 + timedelta(hours=i)
        )
        for i, cls in enumerate(["self"] * 8)
    ]
    assert not score_story(posts, score_posts(posts)).is_rumour


def test_story_rumour_reads_rows_named_like_the_store() -> None:
    from veille.simulate import texts

    rows = [
        {
            "uri": f"at://{i}",
            "author": f"bluesky:did:plc:{i % 7}",
            "handle": f"user{i % 7}.bsky.social",
            "created_at": T0 + timedelta(minutes=15 * i),
            "text": texts.RUMOUR["fr"][i % 8].format(org="Acme", target="Globex"),
            "lang": "fr",
            "stakeholder": "customer",
            "bio": None,
            "account_created_at": None,
        }
        for i in range(20)
    ]
    with messages_in("fr"):
        story = story_rumour(rows)
    assert story.is_rumour and story.authors == 7 and story.score >= 0.8
    assert story.reasons[0].startswith("Rumeur probable")
