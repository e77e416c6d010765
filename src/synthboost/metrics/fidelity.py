"""Fidelity: how closely synthetic data follows the real columns, their associations and rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from ..data.schema import TableSchema, infer_schema, numeric_values
from ..errors import ParameterError, SchemaError
from .encoding import RowEncoder, category_keys, check_frame, check_same_columns, subsample


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame) -> pd.DataFrame:
    """Per-column similarity in [0, 1]: 1 - KS statistic for numeric, 1 - TVD for categorical.

    Missingness counts as a category for categorical columns; numeric columns are
    compared on their present values. Returns columns ``column``, ``kind``, ``metric``, ``score``.
    """
    check_frame(real, "real data")
    if not isinstance(synthetic, pd.DataFrame):
        raise SchemaError(f"synthetic data must be a pandas DataFrame, got {type(synthetic).__name__}")
    missing = [c for c in real.columns if c not in synthetic.columns]
    if missing:
        raise SchemaError(f"synthetic data lacks columns {missing} of the real data")
    schema = infer_schema(real)
    rows = []
    for spec in schema.columns:
        r, s = real[spec.name], synthetic[spec.name]
        if spec.kind == "categorical":
            pr = r.astype(object).where(r.notna(), "<NA>").value_counts(normalize=True)
            ps = s.astype(object).where(s.notna(), "<NA>").value_counts(normalize=True)
            pr.index, ps.index = pr.index.map(str), ps.index.map(str)
            tvd = 0.5 * pr.sub(ps, fill_value=0).abs().sum()
            rows.append((spec.name, spec.kind, "1-TVD", 1.0 - float(tvd)))
        else:
            try:
                a, b = numeric_values(r, spec.kind), numeric_values(s, spec.kind)
            except (TypeError, ValueError):
                raise SchemaError(f"column {spec.name!r} is {spec.kind} in the real data but the synthetic "
                                  "data holds non-numeric values there") from None
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            score = 0.0 if b.size == 0 else 1.0 - float(ks_2samp(a, b).statistic)
            rows.append((spec.name, spec.kind, "1-KS", score))
    return pd.DataFrame(rows, columns=["column", "kind", "metric", "score"])


def column_shape_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Mean of :func:`column_shapes` scores (1.0 = identical marginals)."""
    return float(column_shapes(real, synthetic)["score"].mean())


def _column_values(df: pd.DataFrame, schema: TableSchema) -> dict[str, tuple[str, np.ndarray]]:
    """Per column: ("numeric", floats with NaN) or ("categorical", integer codes, NaN its own code)."""
    out = {}
    for spec in schema.columns:
        if spec.kind == "categorical":
            out[spec.name] = ("categorical", pd.factorize(category_keys(df[spec.name]))[0])
        else:
            try:
                out[spec.name] = ("numeric", numeric_values(df[spec.name], spec.kind))
            except (TypeError, ValueError) as exc:
                raise SchemaError(f"column {spec.name!r} should be {spec.kind} but holds non-numeric values") from exc
    return out


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    both = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[both], y[both]
    if x.size < 2 or x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def _cramers_v(a: np.ndarray, b: np.ndarray) -> float:
    ka, kb = a.max() + 1, b.max() + 1
    if min(ka, kb) < 2:
        return 0.0
    table = np.zeros((ka, kb))
    np.add.at(table, (a, b), 1.0)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / len(a)
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(min(1.0, chi2 / (len(a) * (min(ka, kb) - 1)))))


def _correlation_ratio(x: np.ndarray, codes: np.ndarray) -> float:
    present = ~np.isnan(x)
    x, codes = x[present], codes[present]
    total = float(((x - x.mean()) ** 2).sum()) if x.size else 0.0
    if total == 0:
        return 0.0
    counts = np.bincount(codes)
    means = np.bincount(codes, weights=x) / np.maximum(counts, 1)
    between = float((counts * (means - x.mean()) ** 2).sum())
    return float(np.sqrt(min(1.0, between / total)))


def _association(df: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    values = _column_values(df, schema)
    names = schema.names
    m = np.eye(len(names))
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            (ki, vi), (kj, vj) = values[names[i]], values[names[j]]
            if ki == kj == "numeric":
                m[i, j] = _pearson(vi, vj)
            elif ki == kj == "categorical":
                m[i, j] = _cramers_v(vi, vj)
            elif ki == "numeric":
                m[i, j] = _correlation_ratio(vi, vj)
            else:
                m[i, j] = _correlation_ratio(vj, vi)
            m[j, i] = m[i, j]
    return pd.DataFrame(m, index=names, columns=names)


def association_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """Pairwise association of all columns (symmetric, diagonal 1).

    Pearson in [-1, 1] for numeric pairs (rows where both are present), Cramér's V
    in [0, 1] for categorical pairs (missing is a category), correlation ratio eta in
    [0, 1] for numeric-categorical pairs. Pairs with a constant column give 0.
    """
    df = check_frame(df, "data")
    return _association(df, infer_schema(df))


def association_difference(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Mean absolute difference of the association matrices over column pairs (0 = identical).

    Column kinds come from ``real`` for both tables, so each pair is measured the same way.
    """
    real = check_frame(real, "real data")
    synthetic = check_same_columns(real, check_frame(synthetic, "synthetic data"), "real data", "synthetic data")
    if real.shape[1] < 2:
        return 0.0
    schema = infer_schema(real)
    a, b = _association(real, schema).to_numpy(), _association(synthetic, schema).to_numpy()
    upper = np.triu_indices(real.shape[1], k=1)
    return float(np.abs(a[upper] - b[upper]).mean())


def detection_auc(
    real: pd.DataFrame, synthetic: pd.DataFrame, cv: int = 5, random_state: int = 0, max_rows: int = 2000
) -> float:
    """Cross-validated ROC AUC of a classifier telling synthetic rows from real ones.

    0.5 means indistinguishable, 1.0 trivially separable; below 0.5 is noise (not folded).
    Uses the same number of rows from each table (at most ``max_rows``, seeded subsample).
    """
    real = check_frame(real, "real data")
    synthetic = check_same_columns(real, check_frame(synthetic, "synthetic data"), "real data", "synthetic data")
    if cv < 2:
        raise ParameterError(f"cv must be at least 2, got {cv}")
    n = min(len(real), len(synthetic), max_rows)
    if n < cv:
        raise SchemaError(f"detection_auc needs at least cv={cv} rows in each table, got {n}; lower cv")
    rng = np.random.default_rng(random_state)
    encoder = RowEncoder().fit(real)
    X = np.vstack([encoder.transform(subsample(real, n, rng)), encoder.transform(subsample(synthetic, n, rng))])
    y = np.r_[np.zeros(n), np.ones(n)]
    clf = HistGradientBoostingClassifier(max_iter=100, random_state=random_state)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    # a few thousand rows gain little from OpenMP threads, and on a busy machine they spin for minutes
    with threadpool_limits(1, user_api="openmp"):
        proba = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, proba))


def fidelity_summary(real: pd.DataFrame, synthetic: pd.DataFrame, random_state: int = 0) -> dict[str, float]:
    """Column shapes, pairwise associations and detectability in one dict."""
    return {
        "column_shape_similarity": column_shape_similarity(real, synthetic),
        "association_difference": association_difference(real, synthetic),
        "detection_auc": detection_auc(real, synthetic, random_state=random_state),
    }
