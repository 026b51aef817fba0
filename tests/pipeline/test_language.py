"""Language stage: contract, bad inputs, agreement with py3langid, accuracy on real tweets,
and the compiled path against the reference (``re``, ``str``, ``unicodedata``, ``scipy``)."""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from tests.conftest import shared_path

from veille.pipeline import language
from veille.pipeline.base import INPUT_SCHEMA, Stage
from veille.pipeline.language import (
    MAX_BYTES,
    NOISE,
    BatchLangid,
    LanguageStage,
    prepare_batch,
    shared_identifier,
)
from veille.pipeline.textprep import text_column

# --- the reference: the per-post implementation that the compiled path replaced ---------

_NOISE = re.compile(NOISE)
_LETTER = re.compile(r"[^\W\d_]")


def reference_prepare(text: str) -> bytes:
    text = _NOISE.sub(" ", text)
    if text.isupper():
        text = text.lower()
    text = unicodedata.normalize("NFC", text)
    return text.encode("utf-8", "surrogatepass")[:MAX_BYTES]


def reference_scores(
    ident: BatchLangid, encoded: Sequence[bytes]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """py3langid's scores as a scipy sparse product (float32), one post at a time."""
    ptc = ident._ptc.view(np.float16).astype(np.float32)
    n = len(encoded)
    raw = np.zeros((n, ptc.shape[1]), dtype=np.float32)
    has = np.zeros(n, dtype=bool)
    for i, text in enumerate(encoded):
        state = 0
        feats = []
        for byte in text:
            state = int(ident._nextmove[ident._rowbase[state] + byte])
            if ident._out[state] >= 0:
                feats.append(int(ident._out[state]))
        counts = sparse.csr_matrix(
            (np.ones(len(feats), dtype=np.float32), ([0] * len(feats), feats)),
            shape=(1, ptc.shape[0]),
        )
        counts.sum_duplicates()
        has[i] = counts.nnz > 0
        np.log1p(counts.data, out=counts.data)
        raw[i] = np.asarray(counts @ ptc, dtype=np.float32) + ident._pc
    lengths = np.array([len(b) for b in encoded], dtype=np.int64)
    raw *= (1.0 / np.sqrt(np.maximum(lengths, 1)))[:, None].astype(np.float32)
    raw -= raw.max(axis=1, keepdims=True)
    np.exp(raw, out=raw)
    raw /= raw.sum(axis=1, keepdims=True)
    probs = np.zeros((n, len(ident.labels)), dtype=np.float32)
    for j, label in enumerate(ident.classes):
        probs[:, ident.labels.index(label)] += raw[:, j]
    return probs, has


def reference_identify(
    ident: BatchLangid, texts: Sequence[str]
) -> tuple[list[str], npt.NDArray[np.float32]]:
    n = len(texts)
    probs, has = reference_scores(ident, [reference_prepare(t) for t in texts])
    best = probs.argmax(axis=1)
    conf = probs[np.arange(n), best]
    ok = has & np.array([_LETTER.search(t) is not None for t in texts], dtype=bool)
    labels = np.array(ident.labels, dtype=object)[best]
    labels[~ok] = "und"
    labels[labels == "zxx"] = "und"
    return labels.tolist(), np.where(ok, conf, np.float32(0.0)).astype(np.float32)


def assert_same_as_reference(ident: BatchLangid, texts: Sequence[str]) -> None:
    prepared = prepare_batch(texts)
    for i, text in enumerate(texts):
        assert prepared.post(i) == reference_prepare(text), text
    labels, conf = ident.identify(texts)
    want_labels, want_conf = reference_identify(ident, texts)
    assert labels == want_labels
    np.testing.assert_allclose(conf, want_conf, rtol=1e-6, atol=0)


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


# --- the compiled path against the reference ------------------------------------------

EDGE = [
    "",
    "http",
    "http ",
    "https",
    "http:",
    "http://",
    "http:// x",
    "http://x",
    "https://x.fr/a?b=c d",
    "hhttp://x",
    "xhttp://y",
    "https//x",
    "httpé",
    "http_",
    "http2",
    "http\u00a0x",
    "http://\u00a0x",
    "https://\x1cx",
    "http://x\x1cy",
    "www",
    "www.",
    "www. x",
    "www.x.y z",
    "wwww.x",
    "@",
    "@ x",
    "@_",
    "@é",
    "@123 456",
    "@@user",
    "a@b.fr",
    "#",
    "##tag",
    "＃tag",
    "#＃",
    "\uff03",
    "HTTP://X.FR BONJOUR",
    "BONJOUR @user",
    "@USER BONJOUR",
    "ALL CAPS TEXT",
    "ALL CAPS ǅ",
    "İSTANBUL",
    "ΣΊΣΥΦΟΣ",
    "ﬃ ABC",
    "e\u0301te\u0301",
    "café",
    "\u1100\u1161\u11a8",
    "\u1100\u1161 x",
    "가\u11a8",
    "\u0915\u093c",
    "²³",
    "x\x00y\x00",
    "\x00http://x\x00",
    "lone \ud800 surrogate \udfff here",
    "\ud83d\ude00 pair as two",
    "😀 emoji only 🎉",
    "Z̷̨̛̛͉̻a̵͎̓l̴̰͝g̶̣̀o̷̤͗",
    "Bonjour 世界 مرحبا мир hello",
    "é" * 300,
    "É" * 300 + "é",
    "mot " * 200,
]


def test_prepare_and_identify_edge_cases() -> None:
    assert_same_as_reference(shared_identifier(), EDGE)
    assert_same_as_reference(BatchLangid(None), EDGE)


_TOKENS = [
    "http", "https", "://", "www", ".", "@", "#", "＃", "h", "w", "t", "p", "s", ":", "/",
    " ", "\t", "\n", "\u00a0", "\x1c", "\x00", "_", "1", "²", "user", "USER", "Bonjour",
    "HELLO", "é", "É", "e\u0301", "\u0301", "İ", "ǅ", "Σ", "ß", "\ud800", "\udfff", "😀",
    "가", "\u1100", "\u1161", "\u11a8", "\u0915", "\u093c", "ﬃ", "Ω", "\u2126", "\ufb01",
]  # fmt: skip
_PIECE = st.one_of(st.sampled_from(_TOKENS), st.characters(), st.text(max_size=5))
_TEXT = st.lists(_PIECE, max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEXT, max_size=12))
def test_same_as_reference_fuzzed(texts: list[str]) -> None:
    assert_same_as_reference(shared_identifier(), texts)


def test_same_as_reference_on_real_tweets() -> None:
    root = shared_path("data", "sentiment", "xlm_t")
    texts = []
    for folder in ("french", "english"):
        texts += (root / folder / "val_text.txt").read_text(encoding="utf-8").split("\n")
    ident = shared_identifier()
    assert_same_as_reference(ident, texts)
    # to the bit: the scores are py3langid's float32 sums, in the same order
    encoded = [reference_prepare(t) for t in texts]
    probs, has = ident.scores(encoded)
    want_probs, want_has = reference_scores(ident, encoded)
    assert np.array_equal(probs, want_probs) and np.array_equal(has, want_has)


def test_batches_over_one_chunk() -> None:
    """More posts than one chunk of the scorer, with empty ones among them."""
    rng = random.Random(7)
    pool = [*EDGE, "Le conseil se réunit demain", "The board meets tomorrow", "", "   "]
    texts = [rng.choice(pool) for _ in range(2 * language._CHUNK + 37)]
    ident = shared_identifier()
    labels, conf = ident.identify(texts)
    want_labels, want_conf = reference_identify(ident, texts)
    assert labels == want_labels
    np.testing.assert_allclose(conf, want_conf, rtol=1e-6, atol=0)


def test_stage_reads_arrow_as_text_column() -> None:
    """The stage reads the Arrow column directly: same result as ``identify`` on the
    ``text_column`` strings (nulls, slices, the ``MAX_CHARS`` cut, invalid UTF-8)."""
    ident = shared_identifier()
    texts: list[str | None] = [*EDGE, None, "É" * 2000 + "é", "x" * 1_000_000, None]
    texts = [t.encode("utf-8", "replace").decode() if t else t for t in texts]  # no surrogates
    for batch in (
        batch_of(texts),
        batch_of(texts).slice(3, 20),
        batch_of(texts).slice(len(texts) - 2),
        batch_of([None, None]),
        invalid_utf8_batch(),
    ):
        out = LanguageStage()(batch)
        labels, conf = ident.identify(text_column(batch))
        assert out.column("lang_id").to_pylist() == labels
        assert out.column("lang_conf").to_pylist() == conf.astype(np.float64).tolist()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.none(), _TEXT.map(lambda t: t.encode("utf-8", "replace").decode())),
        max_size=12,
    )
)
def test_stage_same_as_reference_fuzzed(texts: list[str | None]) -> None:
    batch = batch_of(texts)
    out = LanguageStage()(batch)
    want_labels, want_conf = reference_identify(shared_identifier(), text_column(batch))
    assert out.column("lang_id").to_pylist() == want_labels
    np.testing.assert_allclose(out.column("lang_conf").to_numpy(), want_conf, rtol=1e-6, atol=0)


def _class_sample() -> list[int]:
    rng = random.Random(11)
    return sorted({*range(0x3400), *range(0xAC00, 0xAC40), *rng.sample(range(0x110000), 20_000)})


def test_character_classes() -> None:
    """Each bit of the class table is what ``re`` and ``str`` say of the character."""
    classes = language._char_classes()
    for cp in _class_sample():
        char = chr(cp)
        bits = int(classes[cp])
        assert bool(bits & language._SPACE) == bool(re.fullmatch(r"\s", char)), hex(cp)
        assert bool(bits & language._WORD) == bool(re.fullmatch(r"\w", char)), hex(cp)
        assert bool(bits & language._LETTER) == bool(_LETTER.fullmatch(char)), hex(cp)
        not_upper = bool(bits & language._NOT_UPPER)
        assert not_upper == (not ("A" + char).isupper()), hex(cp)
        if not not_upper:
            assert bool(bits & language._UPPER) == char.isupper(), hex(cp)
        if not bits & language._MAYBE_NOT_NFC:
            assert unicodedata.combining(char) == 0, hex(cp)
            assert unicodedata.is_normalized("NFC", char), hex(cp)


_STABLE = [
    chr(cp)
    for cp in [*range(0x20, 0x3400, 7), *range(0xAC00, 0xAC40), 0x1100, 0x0915, 0x0B95, 0x1F600]
    if not language._char_classes()[cp] & language._MAYBE_NOT_NFC
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_STABLE), max_size=8).map("".join))
def test_text_of_stable_characters_is_nfc(text: str) -> None:
    assert unicodedata.normalize("NFC", text) == text


def test_composing_characters_are_flagged() -> None:
    classes = language._char_classes()
    for char in ["\u0301", "\u1161", "\u11a8", "\u0bbe", "\u093c", "\u2126", "\u0344", "\u0f73"]:
        assert classes[ord(char)] & language._MAYBE_NOT_NFC, hex(ord(char))
