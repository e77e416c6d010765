"""Series data: a table with a time column read into a :class:`~synthboost.containers.SeriesData`,
reversible per-column scaling, windows, and chronological splits with a gap.

- :func:`from_frame`: numeric value columns (all but the time column unless ``columns`` names
  some); the timestamps parsed, refused when duplicated or unordered (the offending rows
  named); the step inferred (daily, weekly, monthly, ...); a few missing steps (at most
  ``max_fill`` of the series) inserted and filled by linear interpolation, said in one line;
  missing values refused or, with ``missing="mask"``, kept with a mask (never dropped).
- :class:`SeriesScaler`: per column ``minmax`` (default), ``standard``, ``log1p`` (log1p then
  minmax, for counts) or ``diff`` (first differences, then z-scored: the chickenpox benchmark's
  form); ``inverse_transform`` restores units, and a column of non-negative integers (counts)
  comes back as non-negative integers.
- :func:`make_windows`: (T, F) -> (N, length, F) with a stride.
- :func:`chronological_split`: the steps a model trains on, then a gap of at least one
  window, then the steps it is tested on: overlapping windows across a cut would leak the
  test period into training.
- :func:`calendar_features`: per step, sine and cosine of the position in the year (``year``:
  day of the year, so week of the year for weekly data) and / or in the week (``week``: day of
  the week), what a model can be conditioned on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..containers import SeriesData
from ..errors import ParameterError, SchemaError

SCALINGS = ("minmax", "standard", "log1p", "diff")
CALENDARS = ("none", "year", "week", "year+week")
#: steps a reader fills at most, as a share of the series (more is refused: the data has gaps, not a few holes)
MAX_FILL = 0.02


def _rows(index: Sequence[int], limit: int = 5) -> str:
    shown = ", ".join(str(int(i) + 2) for i in list(index)[:limit])  # file rows: header is row 1
    more = f" and {len(index) - limit} more" if len(index) > limit else ""
    return shown + more


def infer_step(times: pd.DatetimeIndex) -> tuple[str, Any]:
    """(offset alias, offset) of the most common step: "D", "W-MON" (weekly on that weekday), "MS" /
    "ME" (month start / end), "h", ... Irregular timestamps fall back to the most common difference."""
    if len(times) < 3:
        raise SchemaError(f"{len(times)} timestamps: a series needs at least 3 to infer its step")
    diffs = pd.Series(times[1:] - times[:-1])
    common = diffs.mode().iloc[0]
    days = common / pd.Timedelta(days=1)
    if 28 <= days <= 31 and (diffs.dt.days.between(28, 31)).mean() > 0.9:  # months vary in length
        if (times.day == 1).all():
            return "MS", pd.offsets.MonthBegin()
        if times.is_month_end.all():
            return "ME", pd.offsets.MonthEnd()
    if days == 7:
        day = int(pd.Series(times.dayofweek).mode().iloc[0])  # 0 = Monday
        return f"W-{['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'][day]}", pd.offsets.Week(weekday=day)
    if days == 1:
        return "D", pd.offsets.Day()
    offset = pd.tseries.frequencies.to_offset(common)
    return offset.freqstr, offset


def from_frame(df: pd.DataFrame, time_column: str | None = None, columns: Sequence[str] | None = None, *,
               missing: str = "refuse", max_fill: float = MAX_FILL, dayfirst: bool = False) -> SeriesData:
    """A series from a table (see the module docstring). ``missing``: "refuse" (default) or "mask"."""
    if missing not in ("refuse", "mask"):
        raise ParameterError(f"missing={missing!r} must be 'refuse' or 'mask'")
    if time_column is not None and time_column not in df.columns:
        raise SchemaError(f"time column {time_column!r} is not in the table; columns are {list(df.columns)}")
    names = list(columns) if columns is not None else [c for c in df.columns if c != time_column]
    absent = [c for c in names if c not in df.columns]
    if absent:
        raise SchemaError(f"columns {absent} are not in the table; columns are {list(df.columns)}")
    bad = [c for c in names if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])]
    if bad:
        raise SchemaError(f"columns {bad} are not numeric; a series models numeric columns (pass columns= to "
                          "choose, or time_column= for the timestamps)")
    if not names:
        raise SchemaError("the table has no value columns besides the time column")
    values = df[names].to_numpy(dtype=np.float64)
    if np.isinf(values).any():
        r, c = np.argwhere(np.isinf(values))[0]
        raise SchemaError(f"column {names[c]!r} holds an infinite value (row {_rows([r])}); remove or replace it")
    notes: list[str] = []
    times = step = None
    if time_column is not None:
        raw = df[time_column]
        times = pd.to_datetime(raw, errors="coerce", dayfirst=dayfirst)
        unparsed = np.flatnonzero(times.isna().to_numpy())
        if len(unparsed):
            raise SchemaError(f"time column {time_column!r} does not parse as dates at rows {_rows(unparsed)} "
                              f"(e.g. {raw.iloc[unparsed[0]]!r})")
        times = pd.DatetimeIndex(times)
        dup = np.flatnonzero(times.duplicated(keep=False))
        if len(dup):
            raise SchemaError(f"duplicated timestamps in {time_column!r} at rows {_rows(dup)} "
                              f"(e.g. {times[dup[0]]}); a series has one row per step")
        back = np.flatnonzero(np.diff(times.asi8) < 0)
        if len(back):
            raise SchemaError(f"timestamps in {time_column!r} go back in time at rows {_rows(back + 1)} "
                              f"({times[back[0]]} then {times[back[0] + 1]}); sort the table by time first")
        step, offset = infer_step(times)
        grid = pd.date_range(times[0], times[-1], freq=offset)
        off_grid = times.difference(grid)
        if len(off_grid):
            raise SchemaError(f"timestamps {list(map(str, off_grid[:3]))} are not on the series' step ({step}) "
                              f"from {times[0]}: the series is irregular")
        gaps = grid.difference(times)
        if len(gaps):
            if len(gaps) > max(1, max_fill * len(grid)):
                raise SchemaError(f"{len(gaps)} of {len(grid)} steps ({step}) are missing (first {gaps[0]}); more than "
                                  f"{max_fill:.0%} of the series: fill them yourself or pass max_fill=")
            full = pd.DataFrame(values, index=times).reindex(grid)
            filled = full.interpolate(method="linear", limit_area="inside")
            values = filled.to_numpy()
            shown = ", ".join(str(g.date()) for g in gaps[:3]) + (f" and {len(gaps) - 3} more" if len(gaps) > 3 else "")
            notes.append(f"{len(gaps)} missing step(s) ({shown}) filled by linear interpolation")
            times = grid
    mask = None
    nan = np.isnan(values)
    if nan.any():
        where = np.argwhere(nan)
        if missing == "refuse":
            r, c = where[0]
            raise SchemaError(f"{int(nan.sum())} missing values (first: column {names[c]!r}, row {_rows([r])}); pass "
                              "missing='mask' to model them with a mask, or fill them")
        mask = ~nan
        notes.append(f"{int(nan.sum())} missing values kept with a mask")
    const = [c for c, col in zip(names, values.T) if np.nanmax(col) == np.nanmin(col)]
    if const:
        raise SchemaError(f"columns {const} are constant: nothing to model; drop them")
    return SeriesData(values, names, times, step, time_column, mask, notes)


@dataclass
class SeriesScaler:
    """Per-column reversible scaling (see the module docstring). ``method``: one name for every
    column or a dict column index -> name. Fitted on the training steps only."""

    method: Any = "minmax"
    params_: dict = field(default_factory=dict)

    def _methods(self, F: int) -> list[str]:
        m = self.method
        out = [m.get(j, "minmax") for j in range(F)] if isinstance(m, dict) else [m] * F
        bad = sorted({x for x in out if x not in SCALINGS})
        if bad:
            raise ParameterError(f"scaling {bad} is not one of {list(SCALINGS)}")
        return out

    def fit(self, values: np.ndarray) -> "SeriesScaler":
        """``values`` (T, F) of a series (differences are taken along T)."""
        x = np.asarray(values, dtype=np.float64)
        methods = self._methods(x.shape[1])
        cols = []
        for j, m in enumerate(methods):
            v = x[:, j]
            obs = v[np.isfinite(v)]
            if m == "log1p" and (obs < 0).any():
                raise SchemaError(f"column {j}: log1p scaling needs non-negative values (it has {obs.min():g})")
            counts = bool(len(obs)) and (obs >= 0).all() and np.allclose(obs, np.round(obs))
            t = np.log1p(obs) if m == "log1p" else (np.diff(v)[np.isfinite(np.diff(v))] if m == "diff" else obs)
            lo, hi, mu, sd = float(t.min()), float(t.max()), float(t.mean()), float(t.std()) or 1.0
            cols.append({"method": m, "min": lo, "max": hi if hi > lo else lo + 1.0, "mean": mu, "std": sd,
                         "counts": counts, "first": float(obs[0]) if len(obs) else 0.0})
        self.params_ = {"columns": cols}
        return self

    def transform(self, values: np.ndarray) -> np.ndarray:
        """(T, F) -> scaled (T, F); a ``diff`` column's step t is the scaled x_t - x_(t-1) (step 0: 0)."""
        x = np.asarray(values, dtype=np.float64)
        out = np.empty_like(x)
        for j, p in enumerate(self.params_["columns"]):
            v = x[:, j]
            if p["method"] == "diff":  # step 0 has no difference: it gets the mean one (scaled 0)
                out[:, j] = np.concatenate([[0.0], (np.diff(v) - p["mean"]) / p["std"]])
            elif p["method"] == "standard":
                out[:, j] = (v - p["mean"]) / p["std"]
            else:
                t = np.log1p(v) if p["method"] == "log1p" else v
                out[:, j] = (t - p["min"]) / (p["max"] - p["min"])
        return out

    def inverse_transform(self, scaled: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
        """Scaled (..., T, F) -> units. ``start`` (..., F): the level before step 0 of each window, for
        ``diff`` columns (default: the training series' first value). Count columns are rounded and
        kept >= 0."""
        z = np.asarray(scaled, dtype=np.float64)
        out = np.empty_like(z)
        for j, p in enumerate(self.params_["columns"]):
            v = z[..., j]
            if p["method"] == "diff":
                # default: the level that makes step 0 of the training series its first value
                s = p["first"] - p["mean"] if start is None else np.asarray(start, dtype=np.float64)[..., j]
                steps = v * p["std"] + p["mean"]
                out[..., j] = np.asarray(s)[..., None] + np.cumsum(steps, axis=-1)
            elif p["method"] == "standard":
                out[..., j] = v * p["std"] + p["mean"]
            else:
                t = v * (p["max"] - p["min"]) + p["min"]
                out[..., j] = np.expm1(t) if p["method"] == "log1p" else t
            if p["counts"]:
                out[..., j] = np.maximum(np.round(out[..., j]), 0.0)
        return out

    def state(self) -> dict:
        return {"method": self.method if not isinstance(self.method, dict) else {str(k): v for k, v in self.method.items()},
                "params": self.params_}


def make_windows(values: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """(T, F) -> (N, length, F): every ``stride``-th window of ``length`` consecutive steps (a copy)."""
    x = np.asarray(values)
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 2:
        raise ParameterError(f"window={length!r} must be an integer >= 2")
    if isinstance(stride, bool) or not isinstance(stride, (int, np.integer)) or stride < 1:
        raise ParameterError(f"stride={stride!r} must be a positive integer")
    if len(x) < 2 * length:
        raise SchemaError(f"a series of {len(x)} steps is shorter than two windows of {length}; use a shorter window")
    view = np.lib.stride_tricks.sliding_window_view(x, length, axis=0)  # (T - length + 1, F, length)
    return np.ascontiguousarray(view[::stride].transpose(0, 2, 1))


def chronological_split(n_steps: int, window: int, test_steps: int, gap: int | None = None) -> tuple[range, range]:
    """(training steps, test steps): the last ``test_steps`` are the test period, and the ``gap`` steps
    before it (default and minimum: one window) belong to neither, so no training window overlaps a
    window that is tested on."""
    gap = window if gap is None else int(gap)
    if gap < window:
        raise ParameterError(f"gap={gap} is shorter than a window ({window}): windows across the cut would share steps")
    if test_steps < window:
        raise ParameterError(f"test_steps={test_steps} holds no full window of {window}")
    train_end = n_steps - test_steps - gap
    if train_end < window:
        raise SchemaError(f"{n_steps} steps leave {max(train_end, 0)} for training after a test period of {test_steps} "
                          f"and a gap of {gap}; at least one window ({window}) is needed")
    return range(0, train_end), range(n_steps - test_steps, n_steps)


def calendar_features(times: pd.DatetimeIndex, calendar: str) -> np.ndarray:
    """(T, C) float32: for each cycle ``calendar`` names ("year", "week" or both, "year+week"),
    sin and cos of the step's phase in it (C = 2 per cycle; C = 0 for "none")."""
    if calendar not in CALENDARS:
        raise ParameterError(f"calendar={calendar!r} must be one of {', '.join(CALENDARS)}")
    t = pd.DatetimeIndex(times)
    cols = []
    for cycle in ([] if calendar == "none" else calendar.split("+")):
        if cycle == "year":  # day of the year (0-based, with the time of day) over the mean year
            phase = (t.day_of_year.to_numpy() - 1 + t.hour.to_numpy() / 24.0) / 365.25
        else:  # day of the week, Monday 0
            phase = (t.day_of_week.to_numpy() + t.hour.to_numpy() / 24.0) / 7.0
        cols += [np.sin(2 * np.pi * phase), np.cos(2 * np.pi * phase)]
    return np.stack(cols, axis=1).astype(np.float32) if cols else np.zeros((len(t), 0), np.float32)


def sines(n: int = 10_000, length: int = 24, features: int = 5, seed: int = 0) -> np.ndarray:
    """TimeGAN's sines (Yoon et al. 2019, ``data_loading.py``): windows (n, length, features), each
    feature (sin(f t + p) + 1) / 2 for t = 0..length-1, with f and p drawn from U[0, 0.1] per window and
    feature."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(0, 0.1, size=(n, 1, features))
    p = rng.uniform(0, 0.1, size=(n, 1, features))
    t = np.arange(length, dtype=np.float64)[None, :, None]
    return (np.sin(f * t + p) + 1.0) / 2.0


__all__ = ["from_frame", "infer_step", "SeriesScaler", "make_windows", "chronological_split", "calendar_features", "sines",
           "SCALINGS", "CALENDARS"]
