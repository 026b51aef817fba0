"""Sentiment stage: contract, bad inputs, the shipped model's val macro-F1 (accuracy
regression, not timed), training determinism, the lexicon parser, ``veille enrich --text``."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import shared_path
from tests.pipeline.test_language import BAD, LONE, batch_of, invalid_utf8_batch

from veille.pipeline import sentiment_train as train
from veille.pipeline.base import Stage
from veille.pipeline.features import FeatureExtractor
from veille.pipeline.language import LanguageStage
from veille.pipeline.sentiment import MODEL_PATH, SentimentModel, SentimentStage

COLUMNS = ("sentiment", "p_negative", "p_neutral", "p_positive", "sentiment_score")


def enrich(texts: list[str | None]) -> pa.RecordBatch:
    return SentimentStage()(LanguageStage()(batch_of(texts)))


def test_stage_contract() -> None:
    stage = SentimentStage()
    assert isinstance(stage, Stage)
    assert stage.label_column == "sentiment" and stage.score_column == "sentiment_score"
    assert stage.detail_columns == ("p_negative", "p_neutral", "p_positive")
    texts = [
        "Quelle honte, ce service est une catastrophe, je suis furieux",
        "Merci beaucoup, c'est une excellente nouvelle, bravo !",
        "This is the worst experience ever, absolutely terrible",
        "Love it, what a fantastic and wonderful day 😍",
        "Hoy es un gran día para todos nosotros en la empresa",
        *BAD,
    ]
    out = enrich(texts)
    assert out.num_rows == len(texts)
    for name in COLUMNS[1:]:
        assert out.schema.field(name).type == pa.float64()
    assert out.schema.field("sentiment").type == pa.string()
    labels = out.column("sentiment").to_pylist()
    assert labels[:4] == ["negative", "positive", "negative", "positive"]
    assert labels[4] == "unknown"  # Spanish: not a language of the model
    langs = out.column("lang_id").to_pylist()
    probs = np.array(
        [out.column(c).to_pylist() for c in ("p_negative", "p_neutral", "p_positive")],
        dtype=float,
    ).T
    score = np.array(out.column("sentiment_score").to_pylist(), dtype=float)
    for i, (lang, label) in enumerate(zip(langs, labels, strict=True)):
        if lang in ("fr", "en"):
            assert label in ("negative", "neutral", "positive")
            assert probs[i].sum() == pytest.approx(1.0, abs=1e-5)
            assert np.all((probs[i] >= 0) & (probs[i] <= 1))
            assert score[i] == pytest.approx(probs[i, 2] - probs[i, 0], abs=1e-9)
            assert label == ("negative", "neutral", "positive")[int(probs[i].argmax())]
        else:
            assert label == "unknown"
            assert out.column("p_negative")[i].as_py() is None
            assert out.column("sentiment_score")[i].as_py() is None


def test_lone_surrogates_and_invalid_utf8() -> None:
    model = SentimentModel.load()
    probs = model.predict_proba(LONE, np.zeros(len(LONE), dtype=np.int64))
    assert probs.shape == (len(LONE), 3) and np.all(np.isfinite(probs))
    out = SentimentStage()(LanguageStage()(invalid_utf8_batch()))
    assert out.num_rows == 3 and out.column("sentiment").null_count == 0


def test_without_language_stage_identifies_itself() -> None:
    out = SentimentStage()(batch_of(["Une journée magnifique, merci à tous", None]))
    assert out.column("sentiment").to_pylist() == ["positive", "unknown"]


def test_empty_batch() -> None:
    out = enrich([])
    assert out.num_rows == 0 and set(COLUMNS) <= set(out.schema.names)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=400)), max_size=20),
    st.sampled_from(["fr", "en", "de", None]),
)
def test_any_text_never_raises(texts: list[str | None], lang: str | None) -> None:
    batch = batch_of(texts)
    batch = batch.append_column("lang_id", pa.array([lang] * len(texts), pa.string()))
    out = SentimentStage()(batch)
    assert out.num_rows == len(texts)
    for value, p in zip(
        out.column("sentiment").to_pylist(), out.column("p_positive").to_pylist(), strict=True
    ):
        if lang in ("fr", "en"):
            assert value in ("negative", "neutral", "positive")
            assert p is not None and 0 <= p <= 1 and not math.isnan(p)
        else:
            assert value == "unknown" and p is None


@given(st.lists(st.text(max_size=200), min_size=1, max_size=15))
@settings(max_examples=60, deadline=None)
def test_batch_result_does_not_depend_on_neighbours(texts: list[str]) -> None:
    """Scoring a text alone or inside a batch gives the same probabilities."""
    model = SentimentModel.load()
    lang = np.zeros(len(texts), dtype=np.int64)
    together = model.predict_proba(texts, lang)
    alone = np.concatenate([model.predict_proba([t], lang[:1]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_features_are_bounded_for_huge_text() -> None:
    fx = FeatureExtractor(16, (3, 4, 5))
    from veille.pipeline.textprep import clean_texts

    feats = fx.extract(clean_texts(["a" * 1_000_000, "é" * 3000]))
    assert feats.n == 2
    assert len(feats.rows) < 20_000


def test_shipped_model_val_macro_f1() -> None:
    """Accuracy regression: the packaged weights on the XLM-T val splits."""
    data = shared_path("data", "sentiment")
    model = SentimentModel.load(MODEL_PATH)
    sets = train.EvalSets(
        train.load_split(data, "fr", "val"), train.load_split(data, "en", "val"), None
    )
    scores = train.evaluate(train.model_predictor(model), sets)
    assert scores["val_fr_f1"] >= 65.0, scores
    assert scores["val_en_f1"] >= 60.0, scores
    assert model.meta.get("val_fr_f1") == f"{scores['val_fr_f1']:.2f}"


@pytest.mark.slow
def test_training_is_deterministic_and_reproduces_shipped_model(tmp_path: Path) -> None:
    data = shared_path("data", "sentiment")
    shared_path("data", "lexicons", "vader_fr")
    pytest.importorskip("vaderSentiment")
    first, scores, _ = train.train_from_dir(data)
    second, _, _ = train.train_from_dir(data)
    first.save(tmp_path / "a.npz")
    second.save(tmp_path / "b.npz")
    a = SentimentModel.load(tmp_path / "a.npz")
    b = SentimentModel.load(tmp_path / "b.npz")
    np.testing.assert_array_equal(a.table, b.table)
    np.testing.assert_array_equal(a.nb_table, b.nb_table)
    np.testing.assert_array_equal(a.dense_weights, b.dense_weights)
    # The shipped file came from `veille train sentiment` (BLAS threads may differ: the
    # solver's tolerance, not randomness, bounds the difference).
    shipped = SentimentModel.load(MODEL_PATH)
    np.testing.assert_allclose(a.table[:, :3], shipped.table[:, :3], atol=0.02)
    assert scores["val_fr_f1"] >= 65.0 and scores["val_en_f1"] >= 60.0
    assert abs(scores["val_fr_f1"] - float(shipped.meta["val_fr_f1"])) < 1.0


def test_vader_fr_parser_recomputes_means_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "fr_lexicon.txt"
    path.write_text(
        "bon\t3.0\t0.5\t[1, 1, 2, 2]\n"  # stated mean disagrees: recomputed to 1.5
        "mauvais\t-2.0\t0.3\t[-2, -2, -2, -2\n"  # truncated list still parses
        "neutre\t0.5\n"  # no ratings: keeps the stated mean
        "\tbroken\n"
        "cassé\tabc\t\t[]\n",
        encoding="utf-8",
    )
    words, values, report = train.parse_vader_fr(path)
    assert words == ["bon", "mauvais", "neutre"]
    assert values.tolist() == [1.5, -2.0, 0.5]
    assert report.recomputed == 1
    assert [p.split(": ", 1)[0] for p in report.problems] == [f"{path}:4", f"{path}:5"]


@given(st.lists(st.text(max_size=60), max_size=30))
@settings(max_examples=80, deadline=None)
def test_vader_fr_parser_never_raises(lines: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lex.txt"
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        try:
            words, values, report = train.parse_vader_fr(path)
        except train.UsageError as exc:  # undecodable file: a clear error naming it
            assert str(path) in exc.message
            return
        assert len(words) == len(values)
        assert np.all((values >= -4) & (values <= 4))
        assert all(str(path) in p for p in report.problems)


def test_data_errors_name_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "xlm_t" / "french"
    folder.mkdir(parents=True)
    (folder / "val_text.txt").write_text("a\nb\n", encoding="utf-8")
    (folder / "val_labels.txt").write_text("0\n7\n", encoding="utf-8")
    with pytest.raises(train.UsageError, match=r"val_labels.txt:2: label '7'"):
        train.load_split(tmp_path, "fr", "val")
    (folder / "val_labels.txt").write_text("0\n", encoding="utf-8")
    with pytest.raises(train.UsageError, match=r"2 texts but val_labels\.txt has 1"):
        train.load_split(tmp_path, "fr", "val")


def _veille(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    exe = Path(sys.executable).parent / "veille"
    cmd = [str(exe), *args] if exe.exists() else [sys.executable, "-m", "veille", *args]
    env = {**os.environ, "VEILLE_LANG": "en"}
    return subprocess.run(cmd, input=stdin, capture_output=True, timeout=120, env=env, check=False)


def test_enrich_text_stdin_through_entry_point() -> None:
    lines = [
        "Je ne suis pas du tout content de ce service, honteux !",
        "What a great day, love it",
        "",
        "😡😡",
        "lone \udc80 surrogate",
    ]
    data = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n\xff\xfe bad bytes\n"
    result = _veille("enrich", "--text", "-", stdin=data)
    assert result.returncode == 0, result.stderr.decode()
    out = [json.loads(x) for x in result.stdout.decode().splitlines()]
    assert len(out) == 6
    assert out[0]["lang"] == "fr" and out[0]["sentiment"] == "negative"
    assert out[1]["lang"] == "en" and out[1]["sentiment"] == "positive"
    assert set(out[0]["probabilities"]) == {"negative", "neutral", "positive"}
    assert sum(out[1]["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert 0.0 <= out[0]["lang_conf"] <= 1.0
    assert out[2] == {
        "lang": "und",
        "lang_conf": 0.0,
        "sentiment": "unknown",
        "probabilities": {"negative": None, "neutral": None, "positive": None},
    }
    assert "<stdin>: line 5: not UTF-8" in " ".join(result.stderr.decode().split())


def test_enrich_text_missing_file(tmp_path: Path) -> None:
    result = _veille("enrich", "--text", str(tmp_path / "nope.txt"), stdin=b"")
    assert result.returncode == 2
    assert "nope.txt: no such file" in " ".join(result.stderr.decode().split())  # Rich wraps


def test_model_file_is_small() -> None:
    assert MODEL_PATH.stat().st_size < 5 * 1024 * 1024
