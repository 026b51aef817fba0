"""Text similarity for the check's editorial fit and the digest's diversity: cosine of
TF-IDF word vectors (sublinear term frequency; case, accents and apostrophes folded)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from veille.reports.risk import fold


def similarity_matrix(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """The n x n cosine similarities of ``texts`` (1 on the diagonal for non-empty texts;
    0 between texts that share no word of two letters or more)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [fold(x or "") for x in texts]
    if not any(len(w) >= 2 for d in docs for w in d.split()):
        return np.zeros((len(docs), len(docs)), dtype=np.float64)
    vectorizer = TfidfVectorizer(sublinear_tf=True, token_pattern=r"(?u)\b\w\w+\b")
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # no token at all
        return np.zeros((len(docs), len(docs)), dtype=np.float64)
    return np.asarray((matrix @ matrix.T).toarray(), dtype=np.float64)
