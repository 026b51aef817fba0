"""Optional sentiment backend: a local XLM-T-style sequence classification model.

For users with the weights on disk (and preferably a GPU): ``pip install
'veille[transformers]'``, then ``TransformersSentimentStage("/path/to/model")``. The model
is loaded with ``local_files_only=True``: veille never downloads weights. It must have
three labels in the order negative, neutral, positive (as cardiffnlp's XLM-T sentiment
models do), or name them so in ``config.id2label``.

The stage writes the same columns as ``SentimentStage`` (and for every language: XLM-T is
multilingual), so the two are interchangeable in the pipeline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from veille.errors import UsageError
from veille.pipeline.base import append_columns
from veille.pipeline.sentiment import LABELS
from veille.pipeline.textprep import text_column


def _require() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise UsageError(
            "the transformers sentiment backend needs torch and transformers",
            hint="pip install 'veille[transformers]'",
        ) from exc
    return torch, transformers


def label_order(id2label: dict[int, str]) -> list[int]:
    """Model output index of negative, neutral, positive. Names are matched loosely
    (``negative``/``NEG``/``LABEL_0``...); generic ``LABEL_i`` names keep index order."""
    names = {i: str(n).lower() for i, n in id2label.items()}
    if len(names) != 3:
        raise UsageError(f"the sentiment model has {len(names)} labels, need 3")
    order = []
    for want in ("neg", "neu", "pos"):
        hits = [i for i, n in names.items() if n.startswith(want)]
        if len(hits) != 1:
            return [0, 1, 2]
        order.append(hits[0])
    return order


class TransformersSentimentStage:
    """Same columns as ``SentimentStage``, from a local transformers checkpoint."""

    name: ClassVar[str] = "sentiment"
    version: ClassVar[str] = "transformers-1"
    label_column: ClassVar[str] = "sentiment"
    confidence_column: ClassVar[str | None] = None
    score_column: ClassVar[str | None] = "sentiment_score"
    detail_columns: ClassVar[tuple[str, ...]] = ("p_negative", "p_neutral", "p_positive")

    def __init__(
        self,
        model_path: Path | str,
        *,
        batch_size: int = 64,
        max_length: int = 128,
        device: str | None = None,
    ) -> None:
        torch, transformers = _require()
        path = Path(model_path)
        if not path.is_dir():
            raise UsageError(f"{path}: no such model folder (veille never downloads weights)")
        self._torch = torch
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = transformers.AutoModelForSequenceClassification.from_pretrained(
            path, local_files_only=True
        )
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device).eval()
        self.order = label_order(dict(self.model.config.id2label))
        self.batch_size = batch_size
        self.max_length = max_length

    def predict_proba(self, texts: list[str]) -> npt.NDArray[np.float64]:
        torch = self._torch
        out = np.zeros((len(texts), 3), dtype=np.float64)
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                chunk = texts[start : start + self.batch_size]
                enc = self.tokenizer(
                    chunk,
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                logits = self.model(**enc).logits.float()
                probs = torch.softmax(logits, dim=-1).cpu().numpy()
                out[start : start + len(chunk)] = probs[:, self.order]
        return out

    def __call__(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        texts = text_column(batch)
        probs = self.predict_proba(texts)
        labels = np.array(LABELS, dtype=object)[probs.argmax(axis=1)] if len(texts) else []
        return append_columns(
            batch,
            {
                "sentiment": pa.array(list(labels), type=pa.string()),
                "p_negative": pa.array(probs[:, 0], type=pa.float64()),
                "p_neutral": pa.array(probs[:, 1], type=pa.float64()),
                "p_positive": pa.array(probs[:, 2], type=pa.float64()),
                "sentiment_score": pa.array(probs[:, 2] - probs[:, 0], type=pa.float64()),
            },
        )
