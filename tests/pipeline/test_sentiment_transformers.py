"""The optional transformers backend, offline, with a tiny randomly initialised model built
from a config (no download). Skipped where torch/transformers are not installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.pipeline.test_language import batch_of

from veille.errors import UsageError
from veille.pipeline.sentiment_transformers import label_order


def test_label_order() -> None:
    assert label_order({0: "negative", 1: "neutral", 2: "positive"}) == [0, 1, 2]
    assert label_order({0: "Positive", 1: "Negative", 2: "Neutral"}) == [1, 2, 0]
    assert label_order({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}) == [0, 1, 2]
    with pytest.raises(UsageError, match="2 labels"):
        label_order({0: "a", 1: "b"})


def test_missing_model_folder(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    pytest.importorskip("torch")
    from veille.pipeline.sentiment_transformers import TransformersSentimentStage

    with pytest.raises(UsageError, match="never downloads"):
        TransformersSentimentStage(tmp_path / "absent")


def test_tiny_local_model(tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("torch")
    from veille.pipeline.sentiment_transformers import TransformersSentimentStage

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "bon", "mauvais", "great", "bad"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt"))
    tokenizer.save_pretrained(tmp_path)
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=3,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    transformers.BertForSequenceClassification(config).save_pretrained(tmp_path)
    stage = TransformersSentimentStage(tmp_path, device="cpu", batch_size=2)
    out = stage(batch_of(["bon", "bad great", "", None, "x" * 5000]))
    assert out.num_rows == 5
    probs = np.array([out.column(c).to_pylist() for c in stage.detail_columns]).T
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert set(out.column("sentiment").to_pylist()) <= {"negative", "neutral", "positive"}
