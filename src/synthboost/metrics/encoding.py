"""Rows of a mixed table as numeric vectors, for distances and detection classifiers.

Also holds the input checks and seeded subsampling the metric functions share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.schema import infer_schema, numeric_values
from ..errors import NotFittedError, ParameterError, SchemaError

_NA = "\x00<NA>"  # category key of a missing value, unlikely to clash with a real value
_ONEHOT_SCALE = 1.0 / np.sqrt(2.0)  # two differing one-hot cells then cost distance 1, like one std


def check_frame(df: object, what: str) -> pd.DataFrame:
    """``df`` as a DataFrame with rows, columns and unique column names, else :class:`SchemaError`."""
    if not isinstance(df, pd.DataFrame):
        raise SchemaError(f"{what} must be a pandas DataFrame, got {type(df).__name__}")
    if df.shape[1] == 0 or len(df) == 0:
        raise SchemaError(f"{what} is empty ({df.shape[0]} rows, {df.shape[1]} columns); pass a table with data")
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()].tolist()
        raise SchemaError(f"{what} has duplicated column names {dup}; rename them so each is unique")
    return df


def check_same_columns(reference: pd.DataFrame, other: pd.DataFrame, ref_name: str, other_name: str) -> pd.DataFrame:
    """``other`` with the columns of ``reference`` in its order; the column sets must be equal."""
    missing = [c for c in reference.columns if c not in other.columns]
    extra = [c for c in other.columns if c not in reference.columns]
    if missing or extra:
        raise SchemaError(
            f"{other_name} and {ref_name} must have the same columns: {other_name} lacks {missing}, "
            f"has extra {extra}"
        )
    return other[list(reference.columns)]


def subsample(df: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """At most ``n`` rows of ``df`` drawn without replacement, in their original order."""
    if n < 1:
        raise ParameterError(f"max_rows must be at least 1, got {n}")
    if len(df) <= n:
        return df
    return df.iloc[np.sort(rng.choice(len(df), size=n, replace=False))]


def category_keys(s: pd.Series) -> np.ndarray:
    """Comparable keys of categorical values: ``1`` and ``1.0`` match, missing values share one key."""
    values = s.to_numpy(dtype=object)
    missing = pd.isna(values)
    out = np.empty(len(values), dtype=object)
    for i, (v, na) in enumerate(zip(values, missing)):
        if na:
            out[i] = _NA
        elif isinstance(v, (float, np.floating)) and float(v).is_integer():
            out[i] = str(int(v))
        else:
            out[i] = str(v)
    return out


class RowEncoder:
    """Standardized numerics (+ missing indicators) and scaled one-hot categoricals.

    Fitted on a reference frame; ``transform`` maps any frame with the reference's
    columns to a float64 matrix where one std on a numeric column and one category
    mismatch both cost Euclidean distance 1. Unseen categories encode as all zeros.
    """

    def fit(self, reference: pd.DataFrame) -> "RowEncoder":
        reference = check_frame(reference, "reference data")
        self.columns_: list[tuple] = []
        self.feature_names_: list[str] = []
        for spec in infer_schema(reference).columns:
            s = reference[spec.name]
            if spec.kind == "categorical":
                cats = pd.Index(pd.unique(category_keys(s)))
                self.columns_.append((spec.name, spec.kind, cats))
                self.feature_names_ += [f"{spec.name}={c}" for c in cats]
                continue
            v = numeric_values(s, spec.kind)
            present = v[~np.isnan(v)]
            mean = float(present.mean()) if present.size else 0.0
            std = float(present.std()) if present.size else 0.0
            has_missing = bool(np.isnan(v).any())
            self.columns_.append((spec.name, spec.kind, (mean, std if std > 0 else 1.0, has_missing)))
            self.feature_names_ += [spec.name] + ([f"{spec.name}_missing"] if has_missing else [])
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "columns_"):
            raise NotFittedError("RowEncoder is not fitted; call fit(reference_df) first")
        df = check_frame(df, "data")
        missing = [name for name, _, _ in self.columns_ if name not in df.columns]
        if missing:
            raise SchemaError(f"data lacks columns {missing} of the reference data")
        blocks = []
        for name, kind, params in self.columns_:
            if kind == "categorical":
                codes = params.get_indexer(category_keys(df[name]))
                onehot = np.zeros((len(df), len(params)))
                seen = codes >= 0
                onehot[np.flatnonzero(seen), codes[seen]] = _ONEHOT_SCALE
                blocks.append(onehot)
                continue
            mean, std, has_missing = params
            try:
                v = numeric_values(df[name], kind)
            except (TypeError, ValueError) as exc:
                raise SchemaError(
                    f"column {name!r} is {kind} in the reference data but holds non-numeric values"
                ) from exc
            na = np.isnan(v)
            blocks.append(np.where(na, 0.0, (v - mean) / std)[:, None])
            if has_missing:
                blocks.append(na.astype(float)[:, None])
        return np.hstack(blocks).astype(np.float64)

    def fit_transform(self, reference: pd.DataFrame) -> np.ndarray:
        return self.fit(reference).transform(reference)
