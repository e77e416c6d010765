"""Diagnostics: pictures of where synthetic rows sit relative to real ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from threadpoolctl import threadpool_limits

from ..errors import ParameterError
from .encoding import RowEncoder, check_frame, check_same_columns, subsample


def embed_2d(
    real: pd.DataFrame, synthetic: pd.DataFrame, method: str = "pca", max_rows: int = 1000, random_state: int = 0
) -> pd.DataFrame:
    """Real and synthetic rows in two dimensions: columns ``x``, ``y``, ``source`` ("real"/"synthetic").

    At most ``max_rows`` of each table (seeded), encoded with a :class:`RowEncoder`
    fitted on ``real``, projected with ``method`` "pca" or "tsne".
    """
    if method not in ("pca", "tsne"):
        raise ParameterError(f"method must be 'pca' or 'tsne', got {method!r}")
    real = check_frame(real, "real data")
    synthetic = check_same_columns(real, check_frame(synthetic, "synthetic data"), "real data", "synthetic data")
    rng = np.random.default_rng(random_state)
    real_s, syn_s = subsample(real, max_rows, rng), subsample(synthetic, max_rows, rng)
    encoder = RowEncoder().fit(real)
    X = np.vstack([encoder.transform(real_s), encoder.transform(syn_s)])
    if X.shape[1] < 2:  # both projections need two input features
        X = np.hstack([X, np.zeros((len(X), 2 - X.shape[1]))])
    if method == "pca":
        xy = PCA(n_components=2, random_state=random_state).fit_transform(X)
    else:
        perplexity = min(30.0, (len(X) - 1) / 3)
        tsne = TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=random_state)
        with threadpool_limits(1, user_api="openmp"):  # at most a few thousand points: threads only spin
            xy = tsne.fit_transform(X)
    source = np.r_[np.full(len(real_s), "real", dtype=object), np.full(len(syn_s), "synthetic", dtype=object)]
    return pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "source": source})
