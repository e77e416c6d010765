"""Forecasting baselines for series (T, F): what a generator's continuation must beat.

- :func:`naive`: every future step repeats the last observed one.
- :func:`seasonal_naive`: step t repeats the value one season (e.g. 52 weeks) before it.
- :class:`RidgeLags`: a linear AR(p) on the last ``lags`` steps, pooled over the series (one set
  of coefficients for every column, as on the chickenpox benchmark's 4-lag form), fitted by
  ridge regression and rolled forward step by step.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError, SchemaError


def _history(x: np.ndarray, need: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) < need:
        raise SchemaError(f"a history of shape {x.shape}: need (steps >= {need}, F)")
    return x


def naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """(horizon, F): the last observed step, repeated."""
    x = _history(history, 1)
    return np.repeat(x[-1:], horizon, axis=0)


def seasonal_naive(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """(horizon, F): step h is the value ``season`` steps before it (cycling through the last season)."""
    x = _history(history, season)
    return np.stack([x[len(x) - season + (h % season)] for h in range(horizon)])


class RidgeLags:
    def __init__(self, lags: int = 4, alpha: float = 1.0):
        if isinstance(lags, bool) or not isinstance(lags, (int, np.integer)) or lags < 1:
            raise ParameterError(f"lags={lags!r} must be a positive integer")
        self.lags, self.alpha = int(lags), float(alpha)

    def fit(self, series: np.ndarray) -> "RidgeLags":
        """``series`` (T, F): rows (x[t-p..t-1, f], 1) -> x[t, f] pooled over every t and f."""
        from sklearn.linear_model import Ridge

        x = _history(series, self.lags + 2)
        p = self.lags
        lagged = np.lib.stride_tricks.sliding_window_view(x, p + 1, axis=0)  # (T - p, F, p + 1)
        X = lagged[..., :p].reshape(-1, p)
        y = lagged[..., p].reshape(-1)
        self.model_ = Ridge(alpha=self.alpha).fit(X, y)
        return self

    def predict(self, history: np.ndarray, horizon: int) -> np.ndarray:
        """(horizon, F): rolled forward from the last ``lags`` steps of ``history``."""
        x = list(_history(history, self.lags)[-self.lags:])
        out = []
        for _ in range(horizon):
            window = np.stack(x[-self.lags:]).T  # (F, p)
            nxt = self.model_.predict(window)
            out.append(nxt)
            x.append(nxt)
        return np.stack(out)


__all__ = ["naive", "seasonal_naive", "RidgeLags"]
