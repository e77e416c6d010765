"""The forecasting boost experiment: do generated windows make a one-step-ahead forecaster better
than the real history alone, and better than classic window augmentation?

The protocol, for a series (T, F) of F columns (e.g. 20 counties' weekly counts):

- Values become per-column first differences (``difference=True``, the chickenpox benchmark's
  form), z-scored with the mean and deviation of the cell's own fitting steps: every score is in
  those units (MAE and RMSE of z-scored differences; MASE is unit-free).
- The test period is the last ``test_steps`` steps, the same for every cell; ``gap`` steps (at
  least one window) before it belong to no cell. A cell's history is the ``size`` steps just
  before the gap (the most recent ones). Its last ``val_share`` (at least lags + 1 steps) is the
  validation tail; another gap of one window separates it from the fitting steps before it.
- Forecasters read ``lags`` steps of one column and predict the next, pooled over the columns
  (ridge on lags; a small GRU). They train on every (lags -> next) pair of the fitting steps plus
  the augmenter's pairs; the GRU early-stops on the validation tail's pairs, and ``ratio='auto'``
  picks a ratio there. Test pairs predict each test step from the real steps before it.
- Augmenters work on windows of ``window`` steps of one column (pooled the same way): classic
  transforms of real windows, or windows of a TimeSeriesGAN fitted on the fitting steps' windows
  only. ``ratio`` counts generated pairs per real pair.
- Seeds vary what is random: the GAN, the transforms, the GRU's weights and batches. The split
  does not move with the seed (it is chronological), so ridge without augmentation scores the
  same in every seed; the paired tests then measure the augmenters' own variation.

A task of the shared grid runner (:mod:`synthboost.experiments.grid`).
"""

from __future__ import annotations

import hashlib
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..augment.series import SERIES_AUGMENTERS, TRANSFORMS, check_series_augmenter, transformed
from ..augment.tabular import check_ratio
from ..containers import SeriesData
from ..data.sequences import chronological_split, make_windows
from ..errors import ParameterError, SchemaError
from ..io import write_json, write_table
from ..models.forecast import GRUForecaster, RidgeLags, lag_pairs
from . import grid

METRICS = ["mae", "rmse", "mase"]
#: every metric of a forecast is an error: smaller is better
LOWER_IS_BETTER = frozenset(METRICS)
COLUMNS = (["dataset", "seed", "size", "augmenter", "model", "n_real", "n_synthetic", "ratio_used"] + METRICS
           + ["best_epoch", "augment_s", "model_s", "error", "complete"])
IDENTITY = ("dataset", "kind", "data_fingerprint", "ratio", "window", "lags", "difference", "test_steps", "gap",
            "val_share", "gan_params", "gru_params")
MODELS = ("ridge", "gru")
#: the GAN of the grid: TimeSeriesGAN on windows of one column, small and quick (gan_params override them)
GAN_DEFAULTS = {"architecture": "conv", "hidden": 32, "layers": 1, "n_critic": 2, "scaling": "standard"}
AUTO_GRID = (0.0, 0.5, 1.0, 2.0, 4.0)
SHOWN = 500  # windows of each kind a showcase keeps for its figures


@dataclass
class SeriesBoostConfig:
    dataset: str
    sizes: list[int]
    seeds: list[int]
    augmenters: list[str]
    models: list[str]
    kind: str = "series"
    ratio: float | str = 1.0
    window: int = 8
    lags: int = 4
    difference: bool = True
    test_steps: int = 0  # 0: a fifth of the steps
    gap: int = 0  # 0: one window
    val_share: float = 0.2
    gan_params: dict = field(default_factory=dict)
    gru_params: dict = field(default_factory=dict)
    data_fingerprint: str = ""
    columns: list = field(default_factory=list)
    target: str = "the next step of each column"


@dataclass
class Cell:
    """One history, scaled: z (T', F) of the whole series in the cell's units; the step ranges below index z."""

    z: np.ndarray
    fit: range
    val: range
    test: range
    sd: np.ndarray  # per-column deviation of the fitting steps' values (undoes the z-score)
    naive_mae: np.ndarray  # per-column in-sample MAE of the naive forecast on the fitting steps, in units

    def pairs(self, steps: range, lags: int, within: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(lags -> next) pairs whose targets are ``steps`` (inputs: the real steps before each), or with
        ``within`` only those whose inputs are in ``steps`` too (the fitting pairs use no step before the history)."""
        return lag_pairs(self.z[steps.start - (0 if within else lags):steps.stop], lags)

    def windows(self, window: int) -> np.ndarray:
        """The fitting steps' windows of one column each: (N * F, window, 1)."""
        w = make_windows(self.z[self.fit.start:self.fit.stop], window)  # (N, window, F)
        return np.ascontiguousarray(w.transpose(0, 2, 1)).reshape(-1, window, 1)


def fingerprint(data: SeriesData) -> str:
    h = hashlib.sha256(np.ascontiguousarray(data.values).tobytes())
    h.update(",".join(data.columns).encode())
    return h.hexdigest()[:16]


class SeriesTask:
    """The forecasting boost experiment as a task of the grid runner (see the module docstring)."""

    identity = IDENTITY
    columns = COLUMNS
    lower_is_better = LOWER_IS_BETTER

    def __init__(self, data: SeriesData, cfg: SeriesBoostConfig):
        self.data, self.cfg = data, cfg
        x = data.values
        self.values = np.diff(x, axis=0) if cfg.difference else x  # the series the forecasts are made on
        train, test = chronological_split(len(self.values), cfg.window, cfg.test_steps, cfg.gap)
        self.train_end, self.test = train.stop, test

    # -- the split -------------------------------------------------------------------------
    def val_steps(self, size: int) -> int:
        return max(self.cfg.lags + 1, int(round(self.cfg.val_share * size)))

    def min_size(self) -> int:
        """The shortest history that leaves two windows to fit on after the validation tail and its gap."""
        c = self.cfg
        n = c.window * 3 + c.lags
        while n - self.val_steps(n) - c.window < 2 * c.window:
            n += 1
        return n

    def cell(self, size: int) -> Cell:
        c = self.cfg
        start = self.train_end - size
        v = self.val_steps(size)
        fit = range(start, self.train_end - v - c.window)
        val = range(self.train_end - v, self.train_end)
        raw = self.values[fit.start:fit.stop]
        mu, sd = raw.mean(0), raw.std(0)
        sd = np.where(sd > 0, sd, 1.0)
        z = (self.values - mu) / sd
        # the naive forecast repeats the last level: its error is the level's step, a value of the
        # differenced series itself, or x_t - x_(t-1) of an undifferenced one
        naive = np.abs(raw).mean(0) if c.difference else np.abs(np.diff(raw, axis=0)).mean(0)
        return Cell(z, fit, val, self.test, sd, np.where(naive > 0, naive, 1.0))

    # -- jobs --------------------------------------------------------------------------------
    def jobs(self, augmenters: Sequence[str]) -> list[list[str]]:
        return [[a] for a in augmenters]

    def has_showcase(self, augmenter: str) -> bool:
        return augmenter == "gan"

    def _model(self, name: str, seed: int):
        if name == "ridge":
            return RidgeLags(self.cfg.lags)
        return GRUForecaster(random_state=seed, **self.cfg.gru_params)

    def _gan(self, seed: int):
        from ..synthesizers import TimeSeriesGAN

        return TimeSeriesGAN(**{**GAN_DEFAULTS, **self.cfg.gan_params, "window": self.cfg.window,
                                "random_state": seed, "verbose": False})

    def run_job(self, seed: int, size: int, todo: dict[str, list[str]], showcase: Sequence[str]) -> dict:
        c = self.cfg
        cell = self.cell(size)
        (aug, models), = todo.items()
        X, y = cell.pairs(cell.fit, c.lags, within=True)
        Xv, yv = cell.pairs(cell.val, c.lags)
        Xt, yt = cell.pairs(cell.test, c.lags)
        base = dict(dataset=c.dataset, seed=seed, size=size, augmenter=aug, n_real=len(y), error="")
        gen_seed = int(seed * 100_003 + size)
        rows, shows = [], {}
        t0 = time.perf_counter()
        pool, gan, err = None, None, ""
        need = len(y) * (max(AUTO_GRID) if c.ratio == "auto" else float(c.ratio))
        try:  # the generated pairs, enough for the largest ratio asked for; a ratio takes a prefix
            pool, gan = self._generate(aug, cell, int(math.ceil(need)), gen_seed)
        except Exception as e:  # a failing generator is recorded; the grid goes on
            err = f"{type(e).__name__}: {e}"
        augment_s = time.perf_counter() - t0
        for m in models:
            row = dict(base, model=m, augment_s=augment_s)
            if err:
                rows.append(dict(row, error=err))
                continue
            t1 = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ratio = 0.0 if pool is None else self._ratio(m, seed, X, y, Xv, yv, pool)
                    k = int(round(ratio * len(y)))
                    Xa, ya = (X, y) if not k else (np.concatenate([X, pool[0][:k]]), np.concatenate([y, pool[1][:k]]))
                    model = self._model(m, seed).fit_pairs(Xa, ya, Xv, yv)
                    row.update(scores(model.predict_next(Xt), yt, cell.z.shape[1], cell),
                               n_synthetic=k, ratio_used=ratio, best_epoch=float(getattr(model, "best_epoch_", np.nan)))
            except Exception as e:
                row["error"] = f"{type(e).__name__}: {e}"
            rows.append(dict(row, model_s=time.perf_counter() - t1))
        if aug in showcase and gan is not None:
            shows[aug] = self._showcase(gan, cell, seed, size, aug, pool)
        return {"rows": rows, "showcase": shows, "extra": {}}

    def _generate(self, aug: str, cell: Cell, n_pairs: int, seed: int):
        """(X, y) of ``n_pairs`` generated pairs (None for ``none``), and the fitted GAN (or None)."""
        c = self.cfg
        if aug == "none" or n_pairs == 0:
            return None, None
        real = cell.windows(c.window)
        per = c.window - c.lags  # pairs per window of one column
        n_win = -(-n_pairs // per)
        gan = None
        if aug == "gan":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gan = self._gan(seed).fit(real)
                w = gan.sample(n_win, random_state=seed + 1)
        else:
            w = transformed(aug, real, n_win, np.random.default_rng([seed, 17]))
        X, y = lag_pairs(w, c.lags)
        return (X[:n_pairs], y[:n_pairs]), gan

    def _ratio(self, model: str, seed: int, X, y, Xv, yv, pool) -> float:
        """The fixed ratio, or for 'auto' the one with the lowest validation MAE (0 unless one beats no augmentation)."""
        if self.cfg.ratio != "auto":
            return float(self.cfg.ratio)
        maes = {}
        for r in AUTO_GRID:
            k = int(round(r * len(y)))
            f = self._model(model, seed).fit_pairs(np.concatenate([X, pool[0][:k]]), np.concatenate([y, pool[1][:k]]), Xv, yv)
            maes[r] = float(np.abs(f.predict_next(Xv) - yv).mean())
        best = min(maes, key=lambda r: (maes[r], r))
        return best if maes[best] < maes[0.0] else 0.0

    # -- showcase -----------------------------------------------------------------------------
    def _showcase(self, gan, cell: Cell, seed: int, size: int, aug: str, pool) -> dict:
        from ..metrics.timeseries import autocorrelation_difference, discriminative_score, marginal_ks

        real = cell.windows(self.cfg.window)
        meta = {"augmenter": aug, "seed": seed, "size": size, "kind": "series", "generator": "TimeSeriesGAN",
                "gan_params": {k: v for k, v in gan.get_params().items() if k != "init_model"},
                "epochs": gan.training_config_.epochs, "n_train": len(real), "n_synthetic_pairs": len(pool[1])}
        show = {"real": real[:SHOWN, :, 0], "synthetic": None, "history": gan.history_, "meta": meta}
        try:
            syn = gan.sample(len(real), random_state=seed + 2)
            show["synthetic"] = syn[:SHOWN, :, 0]
            meta["discriminative_score"] = discriminative_score(real, syn, iterations=500, seed=0)
            meta["autocorrelation_difference"] = autocorrelation_difference(real, syn)
            meta["marginal_ks"] = float(np.mean(marginal_ks(real, syn)))
        except Exception as e:
            meta["quality_error"] = f"{type(e).__name__}: {e}"
        return show

    def write_showcase(self, directory: Path, show: dict) -> None:
        from ..io import atomic_write

        directory.mkdir(parents=True, exist_ok=True)
        arrays = {k: np.asarray(show[k], dtype=np.float64) for k in ("real", "synthetic") if show[k] is not None}

        def save(tmp):
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        atomic_write(directory / "windows.npz", save)
        write_table(pd.DataFrame(show["history"]), directory / "history.csv")
        write_json(directory / "meta.json", show["meta"])  # last: a showcase without it is remade


def scores(pred: np.ndarray, truth: np.ndarray, n_columns: int, cell: Cell) -> dict[str, float]:
    """MAE and RMSE in the cell's units; MASE per column (its errors in units over the naive
    forecast's in-sample MAE), averaged over the columns. Pairs are ordered step-major, column-minor."""
    e = (pred - truth).reshape(-1, n_columns)  # (test steps, F)
    mase = (np.abs(e) * cell.sd).mean(0) / cell.naive_mae
    return {"mae": float(np.abs(e).mean()), "rmse": float(np.sqrt((e ** 2).mean())), "mase": float(mase.mean())}


def run_series_boost(
    data: SeriesData,
    *,
    sizes: Sequence[int] = (52, 104, 208),
    seeds: int | Sequence[int] = 10,
    augmenters: Sequence[str] = ("none", "jitter", "scaling", "magnitude-warp", "time-warp", "window-slice", "gan"),
    models: Sequence[str] = ("ridge", "gru"),
    output: str = "runs/series",
    ratio: float | str = 1.0,
    window: int = 8,
    lags: int = 4,
    difference: bool = True,
    test_steps: int | None = None,
    gap: int | None = None,
    val_share: float = 0.2,
    gan_params: dict | None = None,
    gru_params: dict | None = None,
    dataset_name: str = "series",
    n_jobs: int = 1,
    scheduler: Any = None,
    overwrite: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run (or resume) the forecasting boost grid; ``sizes`` are history lengths in steps. Returns all finished results."""
    if isinstance(data, pd.DataFrame):
        raise SchemaError("pass a SeriesData (synthboost.data.sequences.from_frame(table, time_column) reads a table)")
    if not isinstance(data, SeriesData) or data.is_windows:
        raise SchemaError("the forecasting boost experiment needs one series in time order (a SeriesData of (T, F)), "
                          "not separate windows")
    if data.mask is not None:
        raise SchemaError("this series has missing values (a mask); fill them before the forecasting experiment")
    seeds = list(range(seeds)) if isinstance(seeds, (int, np.integer)) else list(seeds)
    n = len(data.values) - (1 if difference else 0)
    cfg = SeriesBoostConfig(dataset_name, sorted(grid.whole_numbers(sizes, "sizes")), grid.whole_numbers(seeds, "seeds"),
                            list(augmenters), list(models), ratio=ratio, window=window, lags=lags, difference=bool(difference),
                            test_steps=int(test_steps) if test_steps else max(window, n // 5),
                            gap=int(gap) if gap else window, val_share=val_share,
                            gan_params=dict(gan_params or {}), gru_params=dict(gru_params or {}), columns=list(data.columns))
    _validate(cfg)
    cfg.data_fingerprint = fingerprint(data)
    task = SeriesTask(data, cfg)
    longest, shortest = task.train_end, task.min_size()
    for s in cfg.sizes:
        if not shortest <= s <= longest:
            raise ParameterError(f"history length {s} is outside [{shortest}, {longest}]: the test period "
                                 f"({cfg.test_steps} steps) and its gap ({cfg.gap}) leave {longest} steps, and a history "
                                 f"needs a validation tail, a gap and two windows of {window} to fit on")
    return grid.run_grid(task, output, n_jobs=n_jobs, scheduler=scheduler, overwrite=overwrite, progress=progress)


def _validate(cfg: SeriesBoostConfig) -> None:
    if not cfg.sizes or not cfg.seeds or not cfg.augmenters or not cfg.models:
        raise ParameterError("sizes, seeds, augmenters and models must each name at least one value")
    for a in cfg.augmenters:
        check_series_augmenter(a)
    unknown = [m for m in cfg.models if m not in MODELS]
    if unknown:
        raise ParameterError(f"unknown model(s) {unknown}; choose from {', '.join(MODELS)}")
    check_ratio(cfg.ratio)
    for name in ("window", "lags"):
        v = getattr(cfg, name)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ParameterError(f"{name}={v!r} must be a whole number >= 1")
    if cfg.lags >= cfg.window:
        raise ParameterError(f"lags={cfg.lags} must be shorter than the window ({cfg.window}): a window is cut into "
                             "(lags -> next) pairs")
    if not 0 < cfg.val_share < 1:
        raise ParameterError(f"val_share={cfg.val_share!r} must be in (0, 1)")
    if "gan" in cfg.augmenters or cfg.gan_params:
        from ..synthesizers import TimeSeriesGAN

        bad = sorted(set(cfg.gan_params) & {"window", "random_state", "context", "upsample_factor", "init_model"})
        if bad:
            raise ParameterError(f"gan_params may not set {bad}: the experiment sets the window and seeds, and its GAN "
                                 "makes whole windows")
        TimeSeriesGAN(**{**GAN_DEFAULTS, **cfg.gan_params, "window": cfg.window})._validate_params()
    if cfg.gru_params:
        allowed = {"hidden", "epochs", "patience", "batch", "lr"}
        bad = sorted(set(cfg.gru_params) - allowed)
        if bad:
            raise ParameterError(f"gru_params {bad} are not GRU forecaster settings; choose from {sorted(allowed)}")


__all__ = ["run_series_boost", "SeriesTask", "SeriesBoostConfig", "METRICS", "LOWER_IS_BETTER", "MODELS", "TRANSFORMS", "SERIES_AUGMENTERS"]
