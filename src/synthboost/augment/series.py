"""Window augmenters of the forecasting boost experiment: real windows (N, T, F) in, more windows out.

Classic transforms (Um et al. 2017, "Data augmentation of wearable sensor data", with their
default strengths) each turn one real window into one new window; ``gan`` samples windows from
a TimeSeriesGAN fitted on the real windows of the cell only. Every function draws from the
explicit generator it is given.

- ``jitter``: add N(0, sigma^2) noise to every value (sigma 0.03).
- ``scaling``: multiply each window and feature by one factor ~ N(1, sigma^2) (sigma 0.1).
- ``magnitude-warp``: multiply by a smooth random curve, a cubic spline through ``knots`` + 2
  evenly spaced points drawn from N(1, sigma^2) (sigma 0.2, 4 knots).
- ``time-warp``: resample the window along a random, monotone time axis: the cumulative sum of
  such a smooth curve, rescaled to span the window (sigma 0.2, 4 knots).
- ``window-slice``: a random slice of ``ratio`` x T steps (0.9), stretched back to T steps.

Values are the task's scaled ones (e.g. z-scored weekly differences): the strengths are in
those units.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy.interpolate import CubicSpline

from ..errors import ParameterError


def _check(w: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 3:
        raise ParameterError(f"windows must be an array (N, T, F); got shape {w.shape}")
    return w


def jitter(w: np.ndarray, rng: np.random.Generator, sigma: float = 0.03) -> np.ndarray:
    w = _check(w)
    return w + rng.normal(0.0, sigma, w.shape)


def scaling(w: np.ndarray, rng: np.random.Generator, sigma: float = 0.1) -> np.ndarray:
    w = _check(w)
    return w * rng.normal(1.0, sigma, (w.shape[0], 1, w.shape[2]))


def _smooth_curves(rng: np.random.Generator, n: int, T: int, F: int, sigma: float, knots: int) -> np.ndarray:
    """(n, T, F) random curves around 1: cubic splines through knots + 2 evenly spaced points ~ N(1, sigma^2)."""
    at = np.linspace(0, T - 1, knots + 2)
    values = rng.normal(1.0, sigma, (knots + 2, n, F))
    return CubicSpline(at, values, axis=0)(np.arange(T)).transpose(1, 0, 2)


def magnitude_warp(w: np.ndarray, rng: np.random.Generator, sigma: float = 0.2, knots: int = 4) -> np.ndarray:
    w = _check(w)
    return w * _smooth_curves(rng, *w.shape, sigma, knots)


def _resample(w: np.ndarray, times: np.ndarray) -> np.ndarray:
    """w (N, T, F) read at fractional steps ``times`` (N, T', F) by linear interpolation."""
    T = w.shape[1]
    lo = np.clip(np.floor(times).astype(int), 0, T - 1)
    hi = np.clip(lo + 1, 0, T - 1)
    frac = times - lo
    take = lambda idx: np.take_along_axis(w, idx, axis=1)  # noqa: E731
    return take(lo) * (1 - frac) + take(hi) * frac


def time_warp(w: np.ndarray, rng: np.random.Generator, sigma: float = 0.2, knots: int = 4) -> np.ndarray:
    w = _check(w)
    N, T, F = w.shape
    speed = np.clip(_smooth_curves(rng, N, T, F, sigma, knots), 1e-3, None)  # a monotone clock needs speed > 0
    clock = np.cumsum(speed, axis=1)
    clock = (clock - clock[:, :1]) / (clock[:, -1:] - clock[:, :1]) * (T - 1)  # spans steps 0 .. T-1
    return _resample(w, clock)


def window_slice(w: np.ndarray, rng: np.random.Generator, ratio: float = 0.9) -> np.ndarray:
    w = _check(w)
    N, T, F = w.shape
    length = max(2, int(np.ceil(ratio * T)))
    start = rng.integers(0, T - length + 1, size=(N, 1, 1))
    times = start + np.linspace(0, length - 1, T)[None, :, None]  # the slice, stretched to T steps
    return _resample(w, np.broadcast_to(times, (N, T, F)).astype(np.float64))


#: augmenter name -> transform of windows (None: no transform; "gan": a fitted generator's windows)
TRANSFORMS: dict[str, Callable[..., np.ndarray] | None] = {
    "none": None,
    "jitter": jitter,
    "scaling": scaling,
    "magnitude-warp": magnitude_warp,
    "time-warp": time_warp,
    "window-slice": window_slice,
}
SERIES_AUGMENTERS = (*TRANSFORMS, "gan")


def check_series_augmenter(name: Any) -> str:
    if name not in SERIES_AUGMENTERS:
        raise ParameterError(f"unknown series augmenter {name!r}; choose from {', '.join(SERIES_AUGMENTERS)}")
    return name


def transformed(name: str, real: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` windows made by the classic transform ``name`` from real windows drawn in turn (a random
    order, then again), so every real window is transformed about equally often."""
    real = _check(real)
    order = np.concatenate([rng.permutation(len(real)) for _ in range(-(-n // len(real)))])[:n] if n else np.zeros(0, int)
    return TRANSFORMS[name](real[order], rng) if n else real[:0]


__all__ = ["jitter", "scaling", "magnitude_warp", "time_warp", "window_slice", "TRANSFORMS", "SERIES_AUGMENTERS",
           "check_series_augmenter", "transformed"]
