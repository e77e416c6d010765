"""Column kinds, table schema inference and the output-span layout contract.

A :class:`TableSchema` records, for each column, what kind of variable it is and
everything needed to give synthetic data back the original dtype and values.
An :class:`~synthboost.layout.OutputSpan` describes one block of the encoded vector (width and the
activation the generator must apply to it); the list of spans drives both the
generator's output heads and the decoding of samples.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Literal, Sequence

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..layout import Activation, OutputSpan  # noqa: F401  (the layout contract, re-exported)

Kind = Literal["continuous", "integer", "categorical", "datetime"]

#: integer columns with at most this many distinct values are treated as categorical
MAX_INTEGER_CATEGORIES = 10


@dataclass
class ColumnSpec:
    """What one column is and how to restore it."""

    name: str
    kind: Kind
    dtype: str
    has_missing: bool = False
    categories: list[Any] = field(default_factory=list)  # categorical only, observed values
    categorical_dtype: list[Any] | None = None  # the declared categories of a pandas 'category' column
    min: float | None = None
    max: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ColumnSpec":
        return cls(**d)


@dataclass
class TableSchema:
    columns: list[ColumnSpec]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TableSchema":
        return cls([ColumnSpec.from_dict(c) for c in d["columns"]])


def to_native(value: Any) -> Any:
    """A JSON-friendly Python scalar for a numpy/pandas scalar."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def validate_frame(df: Any, *, what: str = "data") -> pd.DataFrame:
    """Reject inputs no synthesizer can learn from, with a message saying why."""
    if not isinstance(df, pd.DataFrame):
        if isinstance(df, np.ndarray) and df.ndim == 2:
            df = pd.DataFrame(df, columns=[f"x{i}" for i in range(df.shape[1])])
        else:
            raise SchemaError(f"{what} must be a pandas DataFrame (or a 2-D numpy array), got {type(df).__name__}")
    if df.shape[1] == 0:
        raise SchemaError(f"{what} has no columns; pass a table with at least one column")
    if len(df) == 0:
        raise SchemaError(f"{what} is empty (0 rows); a GAN needs at least 2 rows to learn from")
    if len(df) < 2:
        raise SchemaError(f"{what} has a single row; a GAN needs at least 2 rows (ideally hundreds)")
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()].tolist()
        raise SchemaError(f"{what} has duplicated column names {dup}; rename them so each is unique")
    for col in df.columns:
        s = df[col]
        if s.isna().all():
            raise SchemaError(f"column {col!r} is entirely missing (all NaN); drop it before fitting")
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            vals = s.to_numpy(dtype=float, na_value=np.nan)
            if np.isinf(vals).any():
                raise SchemaError(
                    f"column {col!r} contains infinite values; replace them with NaN (missing) or finite numbers"
                )
    return df


def _is_integer_valued(s: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(s):
        return True
    if pd.api.types.is_float_dtype(s):
        v = s.dropna().to_numpy(dtype=float)
        return v.size > 0 and bool(np.all(np.mod(v, 1) == 0))
    return False


def infer_schema(
    df: pd.DataFrame,
    *,
    categorical: Iterable[str] | None = None,
    continuous: Iterable[str] | None = None,
    max_integer_categories: int = MAX_INTEGER_CATEGORIES,
) -> TableSchema:
    """Infer the kind of every column; ``categorical``/``continuous`` override the guess."""
    categorical = set(categorical or ())
    continuous = set(continuous or ())
    for name in sorted(categorical | continuous, key=str):
        if name not in df.columns:
            raise SchemaError(f"column {name!r} given as an override is not in the data; columns are {list(df.columns)}")
    both = categorical & continuous
    if both:
        raise SchemaError(f"columns {sorted(both)} are listed both as categorical and continuous; pick one")

    specs: list[ColumnSpec] = []
    for col in df.columns:
        s = df[col]
        has_missing = bool(s.isna().any())
        dtype = str(s.dtype)
        if col in categorical:
            kind: Kind = "categorical"
        elif pd.api.types.is_datetime64_any_dtype(s):
            kind = "datetime"
        elif col in continuous:
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                raise SchemaError(f"column {col!r} is listed as continuous but holds non-numeric values ({dtype})")
            kind = "integer" if _is_integer_valued(s) and pd.api.types.is_integer_dtype(s) else "continuous"
        elif pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            kind = "categorical"
        elif _is_integer_valued(s):
            kind = "categorical" if s.nunique(dropna=True) <= max_integer_categories else "integer"
        else:
            kind = "continuous"

        spec = ColumnSpec(name=col, kind=kind, dtype=dtype, has_missing=has_missing)
        if kind == "categorical":
            values = pd.unique(s.dropna())
            try:
                values = sorted(values)
            except TypeError:  # mixed types: keep order of appearance
                values = list(values)
            spec.categories = [to_native(v) for v in values]
            if isinstance(s.dtype, pd.CategoricalDtype):
                spec.categorical_dtype = [to_native(v) for v in s.dtype.categories]
        else:
            v = numeric_values(s, kind)
            spec.min, spec.max = float(np.nanmin(v)), float(np.nanmax(v))
        specs.append(spec)
    return TableSchema(specs)


def numeric_values(s: pd.Series, kind: str) -> np.ndarray:
    """Float view of a numeric or datetime column (datetimes as seconds since the epoch)."""
    if kind == "datetime":
        dt = pd.to_datetime(s)
        if getattr(dt.dtype, "tz", None) is not None:  # time-zone aware: seconds since the epoch in UTC
            dt = dt.dt.tz_convert("UTC").dt.tz_localize(None)
        out = np.full(len(s), np.nan)
        mask = dt.notna().to_numpy()
        out[mask] = dt[mask].astype("datetime64[ns]").astype("int64").to_numpy() / 1e9
        return out
    return s.to_numpy(dtype=float, na_value=np.nan)


def restore_series(values: Sequence[Any] | np.ndarray, spec: ColumnSpec, index: pd.Index | None = None) -> pd.Series:
    """Cast decoded values back to the column's original dtype."""
    if spec.kind == "datetime":
        v = np.asarray(values, dtype=float)
        ns = pd.array(np.round(v * 1e9), dtype="Int64")
        aware = isinstance(pd.api.types.pandas_dtype(spec.dtype), pd.DatetimeTZDtype)
        s = pd.Series(pd.to_datetime(ns, unit="ns", utc=aware), index=index, name=spec.name)
        return s.astype(spec.dtype)  # a time-zone aware column goes back from UTC to its own zone
    if spec.kind == "categorical" and spec.categorical_dtype is not None:
        cat = pd.CategoricalDtype(categories=spec.categorical_dtype)
        return pd.Series(pd.Categorical(values, dtype=cat), index=index, name=spec.name)
    s = pd.Series(values, index=index, name=spec.name)
    try:
        return s.astype(spec.dtype)
    except (TypeError, ValueError):
        # e.g. an int column restored with NaN: keep numbers with a nullable integer type
        if spec.kind == "integer" or pd.api.types.is_integer_dtype(pd.Series(dtype=spec.dtype)):
            return s.astype("Int64")
        return s
