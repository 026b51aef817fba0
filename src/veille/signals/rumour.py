"""The rumour score of a post and of a story, with the reasons for each.

**Post score.** A post is described by a :class:`PostEvidence`: its text, language, time,
links, and its author's :class:`AuthorProfile` (what a store account holds: followers,
following, posts, creation date, bio, display name, handle, url; ``verified`` where the
network gives it; the stakeholder class when the enrichment already found it). From it come
the features of :data:`FEATURES`, computed for a whole batch at once (numpy and Arrow):

- from the text: ``cue`` (the ``rumour_cue`` of the enrichment's
  :class:`~veille.pipeline.cues.CueStage`: uncertainty, query and denial cues, FR/EN), and
  the markers of ``lexicons/rumour.toml`` matched with the enrichment's matcher:
  ``breaking`` (news in the making), ``claim`` (reported speech: "says", "selon"),
  ``empathy`` (condolences: no claim), ``coverage`` (photos, live pages, explainers);
  ``links`` (how many links the post gives, at most :data:`MAX_LINKS`: a source, a
  picture), ``figures`` (a number outside hashtags, mentions and links);
- from the author: log followers, log following, log posts, log account age in days at
  posting time, ``verified``, ``news_profile`` (the stakeholder class ``journalist``),
  ``news_account`` (a handle or display name that reads like a news outlet's: "SkyNewsBreak"),
  ``official`` (class ``public_sector``, or ``self``: an account of the registry, a tracked
  leader's or organisation's own, which speaks first-hand), ``profile_url``.

The score is a logistic regression over the standardised features, ``score = sigmoid(b +
sum_j w_j (x_j - mean_j) / scale_j)``; a feature that is unknown (a network without
``verified``, an account without a creation date) contributes 0, as if it were average. The
weights ship in ``models/rumour.json``, trained on the PHEME Germanwings source tweets by
``bench/rumour_train.py`` (see ``bench/RESULTS.md``), with a floor on the weight of the
cues (:data:`CUE_FLOOR_LOGIT`). The score ranks posts; its scale reflects a training set
with as many rumours as non-rumours, not the base rate of a leader's feed. The reasons of a
post are its largest contributions ``w_j z_j``, each as a sentence (French or English,
``veille.i18n``).

**Story score** (:func:`score_story`), from the posts of a story and their scores, each in
[0, 1]:

- ``likely``: the share of distinct authors whose posts score, on average, at least
  :data:`LIKELY` (an author posting twenty times counts once);
- ``cues``: the share of posts with a rumour cue (``rumour_cue >= 0.5``, the enrichment's
  threshold);
- ``uncredited``: the share of distinct authors that are neither verified, nor news
  (``journalist`` or a news-like account), nor official;
- ``growth``: how much the story accelerates, ``clip(2 r - 1, 0, 1)`` where ``r`` is the
  share of its posts in the later half of its time span (0 for a steady or fading story, 1
  when every post but the first comes at the very end); 0 with fewer than 3 dated posts.

``score = 0.6 likely + 0.2 cues + 0.1 uncredited + 0.1 growth``; a story is a rumour
(``is_rumour``) at :data:`STORY_RUMOUR_THRESHOLD` (0.5) or above. The share of likely
authors, rather than the mean post score, because posts that make no claim about an event (a
product launch, a conference) score about 0.65-0.7 as posts (the model only ever saw news
tweets), and few reach 0.8: on the simulator's texts, stories of ordinary posts score 0.1-0.4
and stories of cue-laden claims 0.9 (``tests/signals/test_rumour.py``). ``components`` also
gives ``mean``, the mean over authors of their mean post score (shown, not weighed).
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from veille.i18n import t
from veille.pipeline.cues import STRONG_WEIGHT, CueStage
from veille.pipeline.lexmatch import Matcher, as_string_array, normalize, normalize_terms
from veille.pipeline.stakeholders import StakeholderStage
from veille.signals import rumour_reasons  # noqa: F401  (registers the sentences)

__all__ = [
    "FEATURES",
    "MODEL_PATH",
    "AuthorProfile",
    "PostEvidence",
    "RumourModel",
    "RumourScore",
    "StoryRumour",
    "evidence_features",
    "score_posts",
    "score_story",
    "story_rumour",
]

MODEL_PATH = Path(__file__).parent / "models" / "rumour.json"
LEXICONS: tuple[str, ...] = ("breaking", "claim", "empathy", "coverage")
FEATURES: tuple[str, ...] = (
    "cue",
    *LEXICONS,
    "links",
    "figures",
    "followers",
    "following",
    "posts",
    "account_age",
    "verified",
    "news_profile",
    "news_account",
    "official",
    "profile_url",
)
MAX_LINKS = 2
#: post verdicts: on Germanwings, 89% of the posts scoring >= 0.8 are rumours, 16% of those
#: under 0.4
LIKELY = 0.8
UNLIKELY = 0.4
STORY_RUMOUR_THRESHOLD = 0.5
#: the least a strong cue (``rumour_cue`` 0.6 against 0) adds to the logit: a prior, not
#: fitted. Cues are rare and nearly uninformative on the Germanwings tweets the model is
#: trained on (6% of posts, AUC 0.52) while counting them gives an AUC of 0.58-0.61 on the
#: other PHEME events (issue 12); the floor costs nothing on Germanwings (bench/RESULTS.md).
CUE_FLOOR_LOGIT = 1.0
CUE_THRESHOLD = 0.5  # "has a rumour cue" (veille.pipeline.cues)
TEXT_CAP = 20_000
MAX_REASONS = 3
MIN_CONTRIBUTION = 0.1  # |w z| below this is not worth a sentence
STORY_WEIGHTS: dict[str, float] = {"likely": 0.6, "cues": 0.2, "uncredited": 0.1, "growth": 0.1}
_NEWS_CLASSES = frozenset({"journalist"})
#: ``self`` needs the workspace's registry, so it never occurs in the PHEME training data
_OFFICIAL_CLASSES = frozenset({"public_sector", "self"})


@dataclass(frozen=True)
class AuthorProfile:
    """What the store knows of a post's author (None: unknown)."""

    handle: str | None = None
    display_name: str | None = None
    bio: str | None = None
    url: str | None = None
    followers: int | None = None
    following: int | None = None
    posts: int | None = None
    created_at: datetime | None = None
    verified: bool | None = None
    #: the stakeholder class of the enrichment, when known (else derived from the profile)
    stakeholder: str | None = None
    author_id: str | None = None


@dataclass(frozen=True)
class PostEvidence:
    """One post as the rumour score reads it."""

    text: str | None
    author: AuthorProfile = field(default_factory=AuthorProfile)
    created_at: datetime | None = None
    lang: str | None = None
    #: links of the post (the store's ``urls``); links in the text count too
    urls: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> PostEvidence:
        """From a mapping named like the store's columns: ``text``, ``lang``,
        ``created_at``, ``urls`` (the post's), and for its author ``author_id``, ``handle``,
        ``display_name``, ``bio``, ``url``, ``followers``, ``following``, ``posts`` (the
        snapshot nearest before the post), ``account_created_at``, ``verified`` and
        ``stakeholder`` (the enrichment's class); ``author`` stands for ``author_id``. Missing
        keys are unknown."""
        author = AuthorProfile(
            handle=row.get("handle"),
            display_name=row.get("display_name"),
            bio=row.get("bio"),
            url=row.get("url"),
            followers=row.get("followers"),
            following=row.get("following"),
            posts=row.get("posts"),
            created_at=row.get("account_created_at"),
            verified=row.get("verified"),
            stakeholder=row.get("stakeholder"),
            author_id=row.get("author_id") or row.get("author"),
        )
        return cls(
            text=row.get("text"),
            author=author,
            created_at=row.get("created_at"),
            lang=row.get("lang"),
            urls=tuple(row.get("urls") or ()),
        )


@dataclass(frozen=True)
class RumourScore:
    score: float
    #: the enrichment's ``rumour_cue`` of the text
    cue: float
    #: verified, news or official author
    credible: bool
    reasons: tuple[str, ...]
    #: ``w_j z_j`` of each feature
    contributions: dict[str, float]


@dataclass(frozen=True)
class StoryRumour:
    score: float
    components: dict[str, float]
    authors: int
    reasons: tuple[str, ...]

    @property
    def is_rumour(self) -> bool:
        return self.score >= STORY_RUMOUR_THRESHOLD


@dataclass
class Features:
    """The features of a batch (``values``: n x len(FEATURES), NaN where unknown) and what
    the reasons quote: matched terms per post and lexicon, raw counts."""

    values: npt.NDArray[np.float64]
    terms: dict[str, list[list[str]]]
    raw: dict[str, list[Any]]

    def column(self, name: str) -> npt.NDArray[np.float64]:
        return self.values[:, FEATURES.index(name)]


@cache
def _lexicons() -> dict[str, Any]:
    text = (
        resources.files("veille.signals")
        .joinpath("lexicons/rumour.toml")
        .read_text(encoding="utf-8")
    )
    return tomllib.loads(text)


class _Extractor:
    """Built once per process: the cue stage, the stakeholder stage and the matchers."""

    def __init__(self) -> None:
        lex = _lexicons()
        self.cues = CueStage()
        self.stakeholders = StakeholderStage()
        keys: dict[str, int] = {}
        self.key_lexicon: list[int] = []
        self.key_term: list[str] = []
        for lex_id, name in enumerate(LEXICONS):
            terms = lex[name]["terms"]
            for term, norm in zip(terms, normalize_terms(terms), strict=True):
                if norm and norm not in keys:
                    keys[norm] = len(keys)
                    self.key_lexicon.append(lex_id)
                    self.key_term.append(term)
        self.matcher = Matcher(list(keys))
        self.news_substrings: list[str] = [s.lower() for s in lex["news_account"]["substrings"]]


@cache
def _extractor() -> _Extractor:
    return _Extractor()


def _utc(value: datetime) -> datetime:
    """A naive time is UTC (the store's zone)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _log_count(values: Sequence[int | float | None]) -> npt.NDArray[np.float64]:
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
    return np.log1p(np.clip(arr, 0.0, None))


def evidence_features(posts: Sequence[PostEvidence]) -> Features:
    """The features of :data:`FEATURES` for every post, in one pass over the batch."""
    ex = _extractor()
    n = len(posts)
    values = np.full((n, len(FEATURES)), np.nan, dtype=np.float64)
    col = {name: i for i, name in enumerate(FEATURES)}
    texts = as_string_array(pa.array([p.text for p in posts], pa.string()), n, "text")
    cue_out = ex.cues(pa.RecordBatch.from_arrays([texts], names=["text"]))
    values[:, col["cue"]] = np.asarray(
        cue_out.column("rumour_cue").to_numpy(zero_copy_only=False), dtype=np.float64
    )
    terms: dict[str, list[list[str]]] = {"cue": cue_out.column("cue_terms").to_pylist()}

    matches = ex.matcher.scan(normalize(texts, cap=TEXT_CAP, strip_urls=True, strip_mentions=True))
    found: dict[str, list[list[str]]] = {name: [[] for _ in range(n)] for name in LEXICONS}
    for row, key in zip(matches.row.tolist(), matches.key.tolist(), strict=True):
        bucket = found[LEXICONS[ex.key_lexicon[key]]][row]
        if ex.key_term[key] not in bucket:
            bucket.append(ex.key_term[key])
    for name in LEXICONS:
        values[:, col[name]] = [1.0 if f else 0.0 for f in found[name]]
        terms[name] = found[name]

    in_text = pc.count_substring_regex(texts, r"(?i)https?://|www\.").to_numpy(zero_copy_only=False)
    given = np.array([len(p.urls) for p in posts], dtype=np.float64)
    links = np.minimum(np.maximum(np.asarray(in_text, dtype=np.float64), given), MAX_LINKS)
    values[:, col["links"]] = links
    raw_links = links.astype(int).tolist()
    bare = pc.replace_substring_regex(texts, r"(?i)https?://\S+|www\.\S+|[#@][\w.]+", " ")
    figures = pc.match_substring_regex(bare, r"(^|[^\pL\pN_])\d").to_numpy(zero_copy_only=False)
    values[:, col["figures"]] = np.asarray(figures, dtype=np.float64)

    authors = [p.author for p in posts]
    raw: dict[str, list[Any]] = {
        "followers": [a.followers for a in authors],
        "following": [a.following for a in authors],
        "posts": [a.posts for a in authors],
        "links": raw_links,
    }
    for name in ("followers", "following", "posts"):
        values[:, col[name]] = _log_count(raw[name])
    ages: list[float | None] = []
    for p in posts:
        if p.created_at is None or p.author.created_at is None:
            ages.append(None)
        else:
            age = _utc(p.created_at) - _utc(p.author.created_at)
            ages.append(max(0.0, age.total_seconds() / 86400))
    raw["account_age"] = [None if a is None else int(a) for a in ages]
    values[:, col["account_age"]] = _log_count(ages)
    values[:, col["verified"]] = [
        np.nan if a.verified is None else float(a.verified) for a in authors
    ]

    classes = _stakeholder_classes(ex, authors)
    values[:, col["news_profile"]] = [1.0 if c in _NEWS_CLASSES else 0.0 for c in classes]
    values[:, col["official"]] = [1.0 if c in _OFFICIAL_CLASSES else 0.0 for c in classes]
    names = [f"{a.handle or ''} {a.display_name or ''}".lower() for a in authors]
    values[:, col["news_account"]] = [
        1.0 if any(s in name for s in ex.news_substrings) else 0.0 for name in names
    ]
    raw["news_account"] = [a.handle or a.display_name or "" for a in authors]
    values[:, col["profile_url"]] = [1.0 if a.url else 0.0 for a in authors]
    return Features(values, terms, raw)


def _stakeholder_classes(ex: _Extractor, authors: Sequence[AuthorProfile]) -> list[str | None]:
    """The given class of each author, else the one the stakeholder stage finds in the
    profile (with the built-in lexicons: no registry)."""
    todo = [i for i, a in enumerate(authors) if a.stakeholder is None]
    classes: list[str | None] = [a.stakeholder for a in authors]
    if todo:
        picked = [authors[i] for i in todo]
        batch = pa.RecordBatch.from_pydict(
            {
                "network": pa.array([None] * len(picked), pa.string()),
                "author_id": pa.array([a.author_id for a in picked], pa.string()),
                "handle": pa.array([a.handle for a in picked], pa.string()),
                "bio": pa.array([a.bio for a in picked], pa.string()),
                "display_name": pa.array([a.display_name for a in picked], pa.string()),
                "url": pa.array([a.url for a in picked], pa.string()),
            }
        )
        found = ex.stakeholders(batch).column("stakeholder").to_pylist()
        for i, cls in zip(todo, found, strict=True):
            classes[i] = cls
    return classes


@dataclass(frozen=True)
class RumourModel:
    """A logistic regression over standardised features (JSON on disk)."""

    features: tuple[str, ...]
    mean: npt.NDArray[np.float64]
    scale: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float64]
    intercept: float
    meta: dict[str, Any] = field(default_factory=dict)

    def contributions(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``w_j z_j`` per post and feature (0 where the feature is unknown)."""
        idx = [FEATURES.index(f) for f in self.features]
        z = (values[:, idx] - self.mean) / self.scale
        z = np.where(np.isfinite(z), z, 0.0)
        out: npt.NDArray[np.float64] = z * self.coef
        return out

    def predict(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        logit = self.contributions(values).sum(axis=1) + self.intercept
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logit))
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            **self.meta,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RumourModel:
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        missing = [k for k in ("features", "mean", "scale", "coef", "intercept") if k not in data]
        if missing:
            raise ValueError(f"missing {', '.join(repr(k) for k in missing)}")
        names = tuple(data["features"])
        unknown = [f for f in names if f not in FEATURES]
        if unknown:
            raise ValueError(f"unknown rumour features {unknown}")
        meta = {k: v for k, v in data.items() if k not in cls._KEYS}
        model = cls(
            names,
            np.array(data["mean"], dtype=np.float64),
            np.array(data["scale"], dtype=np.float64),
            np.array(data["coef"], dtype=np.float64),
            float(data["intercept"]),
            meta,
        )
        k = len(names)
        if not (model.mean.shape == model.scale.shape == model.coef.shape == (k,)):
            raise ValueError(f"mean, scale and coef must each hold {k} numbers")
        return model

    _KEYS = frozenset({"features", "mean", "scale", "coef", "intercept"})

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> RumourModel:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


@cache
def packaged_model() -> RumourModel:
    """The model that ships with veille."""
    return RumourModel.load(MODEL_PATH)


def fit_model(
    values: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int_],
    *,
    c: float = 0.1,
    cue_floor: float = CUE_FLOOR_LOGIT,
    features: Sequence[str] = FEATURES,
    meta: dict[str, Any] | None = None,
) -> RumourModel:
    """An L2-regularised logistic regression (inverse strength ``c``) on standardised
    features; unknown values are set to the training mean, as :meth:`RumourModel.predict`
    treats them. The weight of ``cue`` is then raised, if need be, so that a strong cue adds
    at least ``cue_floor`` to the logit (:data:`CUE_FLOOR_LOGIT`)."""
    from sklearn.linear_model import LogisticRegression

    idx = [FEATURES.index(f) for f in features]
    x = values[:, idx]
    mean = np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=0)
    mean = np.where(np.isfinite(mean), mean, 0.0)
    scale = np.nanstd(np.where(np.isfinite(x), x, np.nan), axis=0)
    scale = np.where(np.isfinite(scale) & (scale > 1e-9), scale, 1.0)
    z = (x - mean) / scale
    z = np.where(np.isfinite(z), z, 0.0)
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit(z, labels)
    coef = lr.coef_[0].astype(np.float64)
    if "cue" in features:
        j = list(features).index("cue")
        coef[j] = max(coef[j], cue_floor * scale[j] / STRONG_WEIGHT)
    return RumourModel(
        tuple(features), mean, scale, coef, float(lr.intercept_[0]), dict(meta or {})
    )


def score_values(
    posts: Sequence[PostEvidence], model: RumourModel | None = None
) -> npt.NDArray[np.float64]:
    """Only the scores (no reasons): for evaluations over many posts."""
    if not posts:
        return np.zeros(0, dtype=np.float64)
    return (model or packaged_model()).predict(evidence_features(posts).values)


def score_posts(
    posts: Sequence[PostEvidence], model: RumourModel | None = None
) -> list[RumourScore]:
    """The rumour score of each post, with its reasons."""
    if not posts:
        return []
    model = model or packaged_model()
    feats = evidence_features(posts)
    contrib = model.contributions(feats.values)
    scores = 1.0 / (1.0 + np.exp(-(contrib.sum(axis=1) + model.intercept)))
    cue = feats.column("cue")
    credible = (
        (feats.column("verified") == 1.0)
        | (feats.column("news_profile") == 1.0)
        | (feats.column("news_account") == 1.0)
        | (feats.column("official") == 1.0)
    )
    out = []
    for i in range(len(posts)):
        row = {name: float(contrib[i, j]) for j, name in enumerate(model.features)}
        out.append(
            RumourScore(
                float(scores[i]),
                float(cue[i]),
                bool(credible[i]),
                _reasons(float(scores[i]), row, feats, i),
                row,
            )
        )
    return out


def _verdict(score: float) -> str:
    if score >= LIKELY:
        return t("rumour.likely")
    if score >= UNLIKELY:
        return t("rumour.possible")
    return t("rumour.unlikely")


def _reasons(score: float, contrib: dict[str, float], feats: Features, i: int) -> tuple[str, ...]:
    sentences = [t("rumour.score", score=score, verdict=_verdict(score))]
    ranked = sorted(contrib.items(), key=lambda kv: -abs(kv[1]))
    for name, c in ranked[:MAX_REASONS]:
        if abs(c) < MIN_CONTRIBUTION:
            break
        sentences.append(
            t("rumour.raises" if c > 0 else "rumour.lowers", what=_describe(name, feats, i))
        )
    return tuple(sentences)


def _describe(name: str, feats: Features, i: int) -> str:
    """The feature as it is for post ``i``, in words."""
    value = feats.column(name)[i]
    if name in feats.terms:
        found = feats.terms[name][i]
        if found:
            return t(f"rumour.f.{name}", terms=", ".join(f"« {w} »" for w in found[:3]))
        return t(f"rumour.f.{name}.none")
    if name in ("followers", "following", "posts", "account_age"):
        count = feats.raw[name][i]
        shown = f"{count:,}".replace(",", "\u202f") if count is not None else "?"
        high = math.isfinite(value) and value >= math.log1p(
            {"followers": 10_000, "following": 1_000, "posts": 10_000, "account_age": 730}[name]
        )
        return t(f"rumour.f.{name}" if high else f"rumour.f.{name}.none", value=shown)
    if name == "links":
        return t("rumour.f.links" if value > 0 else "rumour.f.links.none", value=int(value))
    present = value == 1.0
    key = f"rumour.f.{name}" if present else f"rumour.f.{name}.none"
    return t(key, value=feats.raw["news_account"][i])


def score_story(posts: Sequence[PostEvidence], scores: Sequence[RumourScore]) -> StoryRumour:
    """The rumour score of a story from its posts and their scores (module docstring)."""
    if len(posts) != len(scores):
        raise ValueError("one score per post")
    if not posts:
        return StoryRumour(0.0, {**dict.fromkeys(STORY_WEIGHTS, 0.0), "mean": 0.0}, 0, ())
    by_author: dict[str, list[int]] = {}
    for i, p in enumerate(posts):
        key = p.author.author_id or p.author.handle or f"\x00{i}"
        by_author.setdefault(key, []).append(i)
    per_author = [float(np.mean([scores[i].score for i in rows])) for rows in by_author.values()]
    mean = float(np.mean(per_author))
    likely = float(np.mean([v >= LIKELY for v in per_author]))
    cues = float(np.mean([s.cue >= CUE_THRESHOLD for s in scores]))
    uncredited = float(
        np.mean([not any(scores[i].credible for i in rows) for rows in by_author.values()])
    )
    dated = sorted(p.created_at.timestamp() for p in posts if p.created_at is not None)
    reasons = [t("rumour.story.likely", value=likely, authors=len(by_author), mean=mean)]
    if cues > 0:
        reasons.append(t("rumour.story.cues", value=cues))
    reasons.append(t("rumour.story.uncredited", value=uncredited))
    if len(dated) >= 3 and dated[-1] > dated[0]:
        middle = (dated[0] + dated[-1]) / 2
        later = sum(ts > middle for ts in dated) / len(dated)
        growth = min(1.0, max(0.0, 2 * later - 1))
        reasons.append(
            t("rumour.story.growth" if growth > 0 else "rumour.story.steady", value=later)
        )
    else:
        growth = 0.0
        reasons.append(t("rumour.story.undated"))
    components = {"likely": likely, "cues": cues, "uncredited": uncredited, "growth": growth}
    score = sum(STORY_WEIGHTS[k] * v for k, v in components.items())
    components["mean"] = mean
    verdict = "rumour.story.rumour" if score >= STORY_RUMOUR_THRESHOLD else "rumour.story.not"
    reasons.insert(0, t(verdict, score=score, threshold=STORY_RUMOUR_THRESHOLD))
    return StoryRumour(score, components, len(by_author), tuple(reasons))


def story_rumour(rows: Sequence[Mapping[str, Any]]) -> StoryRumour:
    """The rumour score of a story from its posts as rows named like the store's columns
    (:meth:`PostEvidence.from_row`): what the story pass calls."""
    posts = [PostEvidence.from_row(row) for row in rows]
    return score_story(posts, score_posts(posts))
