"""Language stage: contract, bad inputs, agreement with py3langid, accuracy on real tweets."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import shared_path

from veille.pipeline.base import INPUT_SCHEMA, Stage
from veille.pipeline.language import BatchLangid, LanguageStage, shared_identifier


def batch_of(texts: list[str | None]) -> pa.RecordBatch:
    n = len(texts)
    cols = {name: pa.nulls(n, pa.string()) for name in INPUT_SCHEMA.names}
    cols["uri"] = pa.array([f"t:{i}" for i in range(n)], pa.string())
    cols["text"] = pa.array(texts, pa.string())
    return pa.RecordBatch.from_arrays(list(cols.values()), names=list(cols))


BAD = [
    "",
    None,
    "   \n\t ",
    "😀😡🎉🔥",
    "Z̷̨̛̛͉̻a̵͎̓l̴̰͝g̶̣̀o̷̤͗ ̵t̶e̴x̶t̷",
    "Bonjour 世界 مرحبا мир hello",
    "x" * 1_000_000,
    "mot " * 250_000,
    "\x00\x01\x02 control",
]
#: Arrow strings are valid UTF-8, so lone surrogates reach the stages only through the
#: Python API (``identify``, ``predict_proba``) or as invalid UTF-8 bytes in a column.
LONE = ["lone \ud800 surrogate \udfff here", "\udc80", "ok \ud83d"]


def invalid_utf8_batch() -> pa.RecordBatch:
    """A batch whose text column holds bytes that are not UTF-8 (built without checks)."""
    raw = pa.array([b"Bonjour \xff\xfe tout le monde", b"\xed\xa0\x80", b"fine"], pa.binary())
    text = raw.view(pa.string())
    uri = pa.array(["a", "b", "c"], pa.string())
    return pa.RecordBatch.from_arrays([uri, text], names=["uri", "text"])


def test_stage_contract() -> None:
    stage = LanguageStage()
    assert isinstance(stage, Stage)
    assert stage.label_column == "lang_id" and stage.confidence_column == "lang_conf"
    assert stage.score_column is None and stage.detail_columns == ()
    texts = [
        "Je suis vraiment ravi de cette annonce, bravo à toute l'équipe",
        "What a great announcement, congratulations to the whole team",
        "Hoy es un gran día para todos nosotros en la empresa",
        *BAD,
    ]
    out = stage(batch_of(texts))
    assert out.num_rows == len(texts)
    assert out.schema.field("lang_id").type == pa.string()
    assert out.schema.field("lang_conf").type == pa.float64()
    assert out.column("lang_id").null_count == 0
    assert out.column("lang_conf").null_count == 0
    assert out.column("uri").to_pylist() == [f"t:{i}" for i in range(len(texts))]
    langs = out.column("lang_id").to_pylist()
    assert langs[:3] == ["fr", "en", "es"]
    for value in langs:
        assert value == "und" or (len(value) == 2 and value.isalpha())
    for lang, conf in zip(langs, out.column("lang_conf").to_pylist(), strict=True):
        assert 0.0 <= conf <= 1.0 and not math.isnan(conf)
        if lang == "und":
            assert conf == 0.0
    # empty, null, blank, emoji-only carry no letter: undetermined
    assert langs[3:7] == ["und"] * 4


def test_lone_surrogates_and_invalid_utf8() -> None:
    from veille.pipeline.textprep import clean_texts

    labels, conf = shared_identifier().identify(clean_texts(LONE))
    assert len(labels) == len(LONE) and np.all((conf >= 0) & (conf <= 1))
    labels, _ = shared_identifier().identify(LONE)  # even without cleaning
    assert len(labels) == len(LONE)
    out = LanguageStage()(invalid_utf8_batch())
    assert out.num_rows == 3 and out.column("lang_id").null_count == 0


def test_empty_batch() -> None:
    out = LanguageStage()(batch_of([]))
    assert out.num_rows == 0 and "lang_id" in out.schema.names


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.none(), st.text(max_size=300)), max_size=20))
def test_any_text_never_raises(texts: list[str | None]) -> None:
    out = LanguageStage()(batch_of(texts))
    assert out.num_rows == len(texts)
    conf = np.array(out.column("lang_conf").to_pylist(), dtype=float)
    assert np.all((conf >= 0) & (conf <= 1))


def test_same_labels_as_py3langid() -> None:
    """The batched scorer is py3langid's model: same labels on prepared texts."""
    import py3langid.langid as pl

    texts = [
        "Le conseil d'administration se réunit demain matin",
        "The board meets tomorrow morning to discuss the results",
        "Der Vorstand trifft sich morgen früh",
        "Il consiglio si riunisce domani mattina",
        "O conselho reúne-se amanhã de manhã",
        "Het bestuur komt morgenochtend bijeen",
        "Правление соберётся завтра утром",
        "取締役会は明日の朝に開かれます",
    ]
    ours = BatchLangid(None)
    ref = pl.LanguageIdentifier.from_model_file(pl.MODEL_FILE, norm_probs=True)
    labels, conf = ours.identify(texts)
    for text, label, c in zip(texts, labels, conf.tolist(), strict=True):
        want, want_conf = ref.classify(ours.prepare(text))
        assert label == want
        assert c == pytest.approx(want_conf, abs=1e-3)


def test_accuracy_on_real_tweets() -> None:
    """XLM-T French and English val tweets: their language is known."""
    root = shared_path("data", "sentiment", "xlm_t")
    ident = shared_identifier()
    for lang, folder in (("fr", "french"), ("en", "english")):
        texts = (root / folder / "val_text.txt").read_text(encoding="utf-8").split("\n")
        labels, _ = ident.identify(texts)
        accuracy = float(np.mean(np.array(labels) == lang))
        assert accuracy >= 0.98, (lang, accuracy)
