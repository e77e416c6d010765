"""Reversible transformer between a DataFrame and the GAN's encoded matrix.

Continuous (and integer, datetime) columns are encoded with one of

* ``"minmax"``   - scaled to [-1, 1], one ``tanh`` feature (default);
* ``"quantile"`` - mapped to a standard normal through the empirical CDF, one ``linear`` feature;
* ``"mode"``     - CTGAN-style mode-specific normalisation: a Bayesian Gaussian mixture picks
  a mode per value, encoded as a ``tanh`` offset within the mode plus a ``softmax`` one-hot
  of the mode.

A column with missing values gets an extra 2-way ``softmax`` span (present, missing), so
the generator learns how often and where values are missing. Categorical columns are
one-hot encoded (``softmax`` span); a missing value is one more category.

Every encoder's state is plain JSON, so a fitted transformer saves without pickle.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ..errors import ParameterError, SchemaError
from .schema import ColumnSpec, OutputSpan, TableSchema, numeric_values, restore_series

CONTINUOUS_ENCODINGS = ("minmax", "quantile", "mode")


class _ContinuousEncoder:
    """Encodes a numeric column (plus a missing-indicator span if it has NaN)."""

    def __init__(self, spec: ColumnSpec, method: str, state: dict[str, Any] | None = None):
        self.spec = spec
        self.method = method
        self.state: dict[str, Any] = state or {}

    # -- fitting ---------------------------------------------------------------
    def fit(self, values: np.ndarray, rng: np.random.Generator, n_modes: int) -> None:
        v = values[~np.isnan(values)]
        if self.method == "quantile":
            n_q = int(min(1000, max(10, v.size)))
            refs = np.linspace(0.0, 1.0, n_q)
            self.state = {"quantiles": np.quantile(v, refs).tolist()}
        elif self.method == "mode":
            self.state = _fit_modes(v, rng, n_modes)

    # -- layout ----------------------------------------------------------------
    @property
    def spans(self) -> list[OutputSpan]:
        name = self.spec.name
        if self.method == "minmax":
            spans = [OutputSpan(1, "tanh", name)]
        elif self.method == "quantile":
            spans = [OutputSpan(1, "linear", name)]
        else:
            spans = [OutputSpan(1, "tanh", name), OutputSpan(len(self.state["means"]), "softmax", name)]
        if self.spec.has_missing:
            spans.append(OutputSpan(2, "softmax", f"{name}#missing"))
        return spans

    # -- encode / decode ---------------------------------------------------------
    def transform(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        missing = np.isnan(values)
        x = np.where(missing, np.nanmean(values) if (~missing).any() else self.spec.min, values)
        lo, hi = self.spec.min, self.spec.max
        if self.method == "minmax":
            scale = (hi - lo) if hi > lo else 1.0
            blocks = [(2.0 * (x - lo) / scale - 1.0)[:, None]]
        elif self.method == "quantile":
            q = np.asarray(self.state["quantiles"])
            refs = np.linspace(0.0, 1.0, q.size)
            # average forward and backward interpolation so ties map to the middle of their range
            u = 0.5 * (np.interp(x, q, refs) - np.interp(-x, -q[::-1], -refs[::-1]))
            blocks = [ndtri(np.clip(u, 1e-4, 1 - 1e-4))[:, None] / 3.0]
        else:
            means, stds, weights = (np.asarray(self.state[k]) for k in ("means", "stds", "weights"))
            # posterior over modes, then one mode drawn per value (as CTGAN does)
            logp = -0.5 * ((x[:, None] - means) / stds) ** 2 - np.log(stds) + np.log(weights)
            p = np.exp(logp - logp.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            u = rng.random(len(x))[:, None]
            k = np.minimum((p.cumsum(axis=1) < u).sum(axis=1), len(means) - 1)
            alpha = np.clip((x - means[k]) / (4 * stds[k]), -0.99, 0.99)
            blocks = [alpha[:, None], np.eye(len(means))[k]]
        if self.spec.has_missing:
            blocks.append(np.stack([~missing, missing], axis=1).astype(float))
        return np.concatenate(blocks, axis=1)

    def inverse(self, block: np.ndarray) -> np.ndarray:
        lo, hi = self.spec.min, self.spec.max
        if self.method == "minmax":
            x = (np.clip(block[:, 0], -1, 1) + 1.0) / 2.0 * (hi - lo) + lo
        elif self.method == "quantile":
            q = np.asarray(self.state["quantiles"])
            x = np.interp(ndtr(block[:, 0] * 3.0), np.linspace(0.0, 1.0, q.size), q)
        else:
            means, stds = np.asarray(self.state["means"]), np.asarray(self.state["stds"])
            k = block[:, 1 : 1 + len(means)].argmax(axis=1)
            x = np.clip(block[:, 0], -1, 1) * 4 * stds[k] + means[k]
        x = np.clip(x, lo, hi)
        if self.spec.kind == "integer":
            x = np.round(x)
        if self.spec.has_missing:
            miss = block[:, -2:].argmax(axis=1) == 1
            x = np.where(miss, np.nan, x)
        return x


def _fit_modes(v: np.ndarray, rng: np.random.Generator, n_modes: int) -> dict[str, Any]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import BayesianGaussianMixture

    if np.ptp(v) == 0 or np.unique(v).size < 2:
        return {"means": [float(v[0])], "stds": [1.0], "weights": [1.0]}
    sample = v if v.size <= 5000 else rng.choice(v, 5000, replace=False)
    n = int(min(n_modes, np.unique(sample).size))
    bgm = BayesianGaussianMixture(
        n_components=n,
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001,
        max_iter=200,
        random_state=int(rng.integers(2**31 - 1)),
    )
    with warnings.catch_warnings():  # small samples rarely reach the tolerance; the fit is still usable
        warnings.simplefilter("ignore", ConvergenceWarning)
        bgm.fit(sample.reshape(-1, 1))
    keep = bgm.weights_ > 0.005
    w = bgm.weights_[keep]
    return {
        "means": bgm.means_[keep, 0].tolist(),
        "stds": np.maximum(np.sqrt(bgm.covariances_[keep].reshape(-1)), 1e-6 * (np.ptp(v) or 1.0)).tolist(),
        "weights": (w / w.sum()).tolist(),
    }


class _CategoricalEncoder:
    """One-hot encoding; a missing value is one extra category at the end."""

    def __init__(self, spec: ColumnSpec):
        self.spec = spec
        self.values = np.empty(len(spec.categories) + spec.has_missing, dtype=object)
        self.values[: len(spec.categories)] = spec.categories
        if spec.has_missing:
            self.values[-1] = None

    @property
    def spans(self) -> list[OutputSpan]:
        return [OutputSpan(len(self.values), "softmax", self.spec.name)]

    def codes(self, s: pd.Series) -> np.ndarray:
        codes = pd.Categorical(s, categories=self.spec.categories).codes.astype(np.int64)
        missing = s.isna().to_numpy()
        unseen = (codes < 0) & ~missing
        if unseen.any():
            bad = pd.unique(s[unseen])[:5].tolist()
            raise SchemaError(
                f"column {self.spec.name!r} holds values never seen in training: {bad}; "
                f"known values are {self.spec.categories[:20]}"
            )
        if missing.any():
            if not self.spec.has_missing:
                raise SchemaError(f"column {self.spec.name!r} has missing values but had none in training")
            codes[missing] = len(self.values) - 1
        return codes

    def transform(self, s: pd.Series) -> np.ndarray:
        return np.eye(len(self.values))[self.codes(s)]

    def inverse(self, block: np.ndarray) -> np.ndarray:
        return self.values[block.argmax(axis=1)]


class TabularTransformer:
    """Fit on a DataFrame, encode to a float matrix laid out by :attr:`output_spans`, decode back.

    Parameters
    ----------
    continuous : {"minmax", "quantile", "mode"}
        Encoding for continuous, integer and datetime columns.
    n_modes : int
        Maximum number of mixture components for ``continuous="mode"``.
    """

    def __init__(self, continuous: str = "minmax", n_modes: int = 10):
        if continuous not in CONTINUOUS_ENCODINGS:
            raise ParameterError(f"continuous={continuous!r} is not one of {CONTINUOUS_ENCODINGS}")
        self.continuous = continuous
        self.n_modes = n_modes

    def fit(self, df: pd.DataFrame, schema: TableSchema, rng: np.random.Generator) -> "TabularTransformer":
        self.schema_ = schema
        self._encoders = []
        for spec in schema.columns:
            if spec.kind == "categorical":
                self._encoders.append(_CategoricalEncoder(spec))
            else:
                enc = _ContinuousEncoder(spec, self.continuous)
                enc.fit(numeric_values(df[spec.name], spec.kind), rng, self.n_modes)
                self._encoders.append(enc)
        return self

    @property
    def output_spans(self) -> list[OutputSpan]:
        return [span for enc in self._encoders for span in enc.spans]

    @property
    def output_dim(self) -> int:
        return sum(s.dim for s in self.output_spans)

    def transform(self, df: pd.DataFrame, rng: np.random.Generator | None = None) -> np.ndarray:
        """(n_rows, output_dim) float32 matrix."""
        rng = rng if rng is not None else np.random.default_rng(0)
        missing = [c for c in self.schema_.names if c not in df.columns]
        if missing:
            raise SchemaError(f"columns {missing} seen in training are missing from the data")
        blocks = []
        for enc in self._encoders:
            s = df[enc.spec.name]
            if isinstance(enc, _CategoricalEncoder):
                blocks.append(enc.transform(s))
            else:
                blocks.append(enc.transform(numeric_values(s, enc.spec.kind), rng))
        return np.concatenate(blocks, axis=1).astype(np.float32)

    def inverse_transform(self, X: np.ndarray) -> pd.DataFrame:
        """Decode rows to a DataFrame with the original column order, dtypes and values."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.output_dim:
            raise SchemaError(f"expected an array of shape (n, {self.output_dim}), got {X.shape}")
        out: dict[str, pd.Series] = {}
        start = 0
        for enc in self._encoders:
            width = sum(s.dim for s in enc.spans)
            values = enc.inverse(X[:, start : start + width])
            out[enc.spec.name] = restore_series(values, enc.spec)
            start += width
        return pd.DataFrame(out)

    # -- persistence (plain JSON) -------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "continuous": self.continuous,
            "n_modes": self.n_modes,
            "schema": self.schema_.to_dict(),
            "states": [getattr(enc, "state", None) for enc in self._encoders],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TabularTransformer":
        self = cls(d["continuous"], d["n_modes"])
        self.schema_ = TableSchema.from_dict(d["schema"])
        self._encoders = []
        for spec, state in zip(self.schema_.columns, d["states"]):
            if spec.kind == "categorical":
                self._encoders.append(_CategoricalEncoder(spec))
            else:
                self._encoders.append(_ContinuousEncoder(spec, self.continuous, state))
        return self
