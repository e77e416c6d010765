"""Privacy: do synthetic rows copy or sit suspiciously close to the training rows?"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from ..errors import ParameterError
from .encoding import RowEncoder, check_frame, check_same_columns, subsample


def _nearest_distances(encoder: RowEncoder, index: NearestNeighbors, rows: pd.DataFrame) -> np.ndarray:
    return index.kneighbors(encoder.transform(rows), n_neighbors=1)[0][:, 0]


def distance_to_closest_record(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    max_rows: int = 5000,
    random_state: int = 0,
) -> dict[str, float]:
    """Distance of each synthetic (and holdout) row to its nearest training row.

    Rows are encoded with a :class:`RowEncoder` fitted on ``train``; at most
    ``max_rows`` query rows per table are used (seeded), against all training rows.
    ``dcr_ratio`` = synthetic median / holdout median: well below 1 means synthetic rows
    sit closer to the training rows than fresh real rows do (memorisation).
    """
    train = check_frame(train, "training data")
    synthetic = check_same_columns(train, check_frame(synthetic, "synthetic data"), "training data", "synthetic data")
    rng = np.random.default_rng(random_state)
    encoder = RowEncoder().fit(train)
    index = NearestNeighbors(n_neighbors=1).fit(encoder.transform(train))
    d = _nearest_distances(encoder, index, subsample(synthetic, max_rows, rng))
    out = {"dcr_synthetic_median": float(np.median(d)), "dcr_synthetic_p05": float(np.percentile(d, 5))}
    if holdout is not None:
        holdout = check_same_columns(train, check_frame(holdout, "holdout data"), "training data", "holdout data")
        h = _nearest_distances(encoder, index, subsample(holdout, max_rows, rng))
        out["dcr_holdout_median"] = float(np.median(h))
        out["dcr_holdout_p05"] = float(np.percentile(h, 5))
        syn, hold = out["dcr_synthetic_median"], out["dcr_holdout_median"]
        # holdout rows duplicating training rows can make the holdout median 0
        out["dcr_ratio"] = syn / hold if hold > 0 else (1.0 if syn == 0 else float("inf"))
    return out


def _row_keys(df: pd.DataFrame) -> list[tuple]:
    """Rows as hashable tuples: floats rounded to 9 decimals, every missing value as None."""
    cols = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_float_dtype(s):
            v = s.to_numpy(dtype=float, na_value=np.nan).round(9).astype(object)
        else:
            v = s.to_numpy(dtype=object)
        cols.append(np.where(pd.isna(v), None, v))
    return list(zip(*cols))


def exact_copy_share(synthetic: pd.DataFrame, train: pd.DataFrame) -> float:
    """Share of synthetic rows equal to some training row on every column (missing equals missing)."""
    train = check_frame(train, "training data")
    synthetic = check_same_columns(train, check_frame(synthetic, "synthetic data"), "training data", "synthetic data")
    seen = set(_row_keys(train))
    return float(np.mean([row in seen for row in _row_keys(synthetic)]))


def privacy_summary(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame | None = None, random_state: int = 0
) -> dict[str, float]:
    """:func:`distance_to_closest_record` and :func:`exact_copy_share` in one dict."""
    out = distance_to_closest_record(synthetic, train, holdout, random_state=random_state)
    out["exact_copy_share"] = exact_copy_share(synthetic, train)
    return out


def nearest_real_rows(rows: pd.DataFrame, real: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """The ``k`` nearest real rows of each row of ``rows`` (typically a few synthetic rows).

    Columns: ``query`` (position in ``rows``), ``rank`` (1..k), ``distance``, then the
    real row's columns.
    """
    real = check_frame(real, "real data")
    rows = check_same_columns(real, check_frame(rows, "query rows"), "real data", "query rows")
    if not 1 <= k <= len(real):
        raise ParameterError(f"k must be between 1 and the number of real rows ({len(real)}), got {k}")
    encoder = RowEncoder().fit(real)
    dist, idx = NearestNeighbors(n_neighbors=k).fit(encoder.transform(real)).kneighbors(encoder.transform(rows))
    head = pd.DataFrame({
        "query": np.repeat(np.arange(len(rows)), k),
        "rank": np.tile(np.arange(1, k + 1), len(rows)),
        "distance": dist.ravel(),
    })
    return pd.concat([head, real.iloc[idx.ravel()].reset_index(drop=True)], axis=1)
