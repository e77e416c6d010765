"""TimeSeriesGAN: a GAN on windows of a short multivariate series (GRU WGAN-GP by default).

``fit(X)`` takes windows (N, T, F), a :class:`~synthboost.containers.SeriesData` (a series is cut
into windows of ``window`` steps every ``stride``; windows are taken as they are), or a table
(read with :func:`~synthboost.data.sequences.from_frame`, ``time_column`` and ``columns``).
Each column is scaled as ``scaling`` says (fitted on the training data only) and restored on
sampling. ``sample(n)`` returns windows in the form it was given: an array (n, T, F), or a long
table with the columns ``window``, ``step`` and the value columns.

``TimeSeriesGAN(context=c)`` learns to continue a series: it is trained on windows whose first
c steps are given, and ``sample(n, context=last_steps)`` returns n sample paths of the next
T - c steps ("points beyond the training data"). ``init_model=`` starts from the weights of a
model trained on similar data (transfer learning; the scaling is fitted anew).
``TimeSeriesGAN(upsample_factor=f)`` learns fine windows from their block means and
``upsample(coarse)`` makes a fine series whose every block of f steps has the coarse value as
its mean. ``calendar="year"`` (or ``"week"``, ``"year+week"``) conditions the windows of a series
with timestamps on their dates (sine and cosine of the position in the year / week per step);
``sample(n, start=...)`` then makes windows that begin on the given dates (by default, on dates
drawn from the training windows' starts). ``missing="mask"`` models a series with missing
values (NaN in an array, a SeriesData mask, empty cells of a table): the critic judges only the
observed values (see :mod:`synthboost.nn.recurrent`) and samples are complete windows; nothing
is dropped or filled in. The forecasting boost experiment that uses these windows is
:mod:`synthboost.experiments.series`.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pandas as pd
import torch

from ..base import Param, choice, number
from ..containers import SeriesData
from ..data.sequences import CALENDARS, SCALINGS, SeriesScaler, calendar_features, from_frame, make_windows
from ..errors import ParameterError, SchemaError
from ..nn.base import Batch
from ..nn.init import build
from ..nn.recurrent import ConvCritic, DenseCritic, DenseGenerator, GRUCritic, GRUGenerator
from ..training.engine import TrainingConfig
from ._gan import GANSynthesizer, check_count, pick

SAMPLE_CHUNK = 4096


class _WindowSource:
    """Real windows (B, T, F) for the engine, drawn uniformly; with ``context`` > 0 each window's first
    ``context`` steps are its condition (B, context * F), what the generator continues; ``cal``
    (N, T * C), each window's calendar features, is appended to the condition, and then ``mask``
    (N, T * F), each window's observation mask (1 observed, 0 missing; x holds 0 there)."""

    def __init__(self, x: torch.Tensor, context: int = 0, factor: int = 1, cal: torch.Tensor | None = None,
                 mask: torch.Tensor | None = None):
        self.x, self.n_rows, self.context, self.factor, self.cal, self.mask = x, len(x), context, factor, cal, mask

    def _cond(self, x: torch.Tensor) -> torch.Tensor | None:
        if self.factor > 1:  # the block means of the window: (B, (T / f) * F)
            B, T, F = x.shape
            return x.view(B, T // self.factor, self.factor, F).mean(dim=2).reshape(B, -1)
        return x[:, :self.context].reshape(len(x), -1) if self.context else None

    def _with_cal(self, cond: torch.Tensor | None, idx: torch.Tensor) -> torch.Tensor | None:
        extra = [t[idx] for t in (self.cal, self.mask) if t is not None]
        if not extra:
            return cond
        return torch.cat(([] if cond is None else [cond]) + extra, dim=1)

    def sample(self, b: int, rng: torch.Generator) -> Batch:
        idx = torch.randint(self.n_rows, (b,), generator=rng, device=self.x.device)
        x = self.x[idx]
        return Batch(x, self._with_cal(self._cond(x), idx))

    def sample_condition(self, b: int, rng: torch.Generator):
        idx = torch.randint(self.n_rows, (b,), generator=rng, device=self.x.device)
        return self._with_cal(self._cond(self.x[idx]), idx)


def _calendar_check(name: str, value: Any) -> None:
    if value not in CALENDARS:
        raise ParameterError(f"{name}={value!r} must be one of {', '.join(CALENDARS)}")


def _scaling_check(name: str, value: Any) -> None:
    if value not in SCALINGS:
        raise ParameterError(f"{name}={value!r} must be one of {', '.join(SCALINGS)}")


_OWN = (
    Param("window", 24, int, "Steps per window.", number(integer=True, low=2)),
    Param("stride", 1, int, "Steps between the starts of consecutive training windows.", number(integer=True, low=1)),
    Param("architecture", "gru", str, "Networks: gru (GRU generator and critic), conv (GRU generator, 1-D conv "
          "critic) or dense (the study's dense design).", choice("gru", "conv", "dense")),
    Param("hidden", 64, int, "Hidden width of the networks.", number(integer=True, low=2)),
    Param("layers", 2, int, "GRU layers of the generator.", number(integer=True, low=1)),
    Param("latent_dim", 0, int, "Width of a per-window latent added to the per-step noise (0 = none).",
          number(integer=True, low=0)),
    Param("context", 0, int, "Steps of an observed series the model continues (0 = it makes whole windows).",
          number(integer=True, low=0)),
    Param("calendar", "none", str, "Condition windows on their dates: none, year (position in the year, e.g. week of "
          "year), week (day of the week) or year+week; needs a series with timestamps.", _calendar_check),
    Param("missing", "refuse", str, "Missing values (NaN): refuse them, or mask (the critic judges only observed "
          "values; samples are complete).", choice("refuse", "mask")),
    Param("scaling", "minmax", str, "Per-column scaling: minmax, standard, log1p (counts) or diff.", _scaling_check),
    Param("upsample_factor", 1, int, "Higher resolution: learn fine windows from their means over blocks of this "
          "many steps (1 = off); then upsample(coarse) makes a fine series.", number(integer=True, low=1)),
    Param("init_model", None, Any, "Warm start: a fitted TimeSeriesGAN (or its model directory) whose weights "
          "start this fit (same window, features and networks)."),
    Param("time_column", None, Optional[str], "Table input: the time column (its step is inferred)."),
    Param("columns", None, Optional[Sequence[str]], "Table input: the value columns (default: every numeric one)."),
)
_ORDER = ("window", "stride", "context", "upsample_factor", "calendar", "architecture", "objective", "epochs", "batch_size", "noise_dim", "hidden", "layers",
          "latent_dim", "lr", "n_critic", "scaling", "missing", "init_model", "time_column", "columns", "lr_schedule", "on_divergence",
          "checkpoint_dir", "checkpoint_every", "device", "verbose", "random_state")


class TimeSeriesGAN(GANSynthesizer):
    """A GAN for windows of a multivariate series.

    Parameters
    ----------
    window : int
        Steps per window T (an array of windows sets it from its shape).
    architecture : {"gru", "conv", "dense"}
        GRU generator (+ LayerNorm head) with a GRU critic, the same generator with a 1-D conv
        critic, or the study's dense networks on flattened windows.
    objective : {"wgan-gp", "bce", "hinge", "wgan"}
        WGAN-GP by default (the study moved to a Wasserstein loss when D won and G's gradients vanished).
    scaling : {"minmax", "standard", "log1p", "diff"}
        Per-column scaling, fitted on the training data and undone on sampling; counts come
        back as non-negative integers.
    """

    _params = pick(_ORDER, *_OWN, objective={"default": "wgan-gp"},
                   noise_dim={"default": 8, "help": "Noise per step (per window for dense)."})
    _init_scheme = "kaiming"

    def fit(self, X: Any, *, resume: bool = False, callbacks: Sequence[Callable] = ()) -> "TimeSeriesGAN":
        """Learn windows of ``X`` (see the module docstring)."""
        return self._fit((X,), resume=resume, callbacks=callbacks)

    def _prepare(self, X):
        self._form, self._times, self._step = "array", None, None
        if isinstance(X, pd.DataFrame):
            X = from_frame(X, self.time_column, self.columns, missing=self.missing)
            self._form = "table"
        if isinstance(X, SeriesData):
            self.columns_ = list(X.columns)
            self._times, self._step = X.times, X.step
            v = np.asarray(X.values, dtype=np.float64)
            if X.mask is not None:
                v = np.where(X.mask, v, np.nan)
            self._check_missing(v, "this series")
            return v  # (T, F) a series, or (N, T, F) windows
        x = np.asarray(X, dtype=np.float64)
        if x.ndim != 3:
            raise SchemaError(f"windows must be an array (N, T, F); got shape {x.shape} (a table or SeriesData is "
                              "cut into windows of `window` steps)")
        if np.isinf(x).any():
            raise SchemaError("the windows hold infinite values")
        self.columns_ = [f"x{j}" for j in range(x.shape[2])]
        self._check_missing(x, "the windows")
        return x

    def _check_missing(self, x: np.ndarray, what: str) -> None:
        n = int(np.isnan(x).sum())
        if n and self.missing != "mask":
            raise SchemaError(f"{what} holds {n} missing values (NaN); pass missing='mask' to model them with a mask "
                              "(the critic judges only observed values), or fill them")
        empty = np.isnan(x.reshape(-1, x.shape[-1])).all(axis=0)
        if empty.any():
            raise SchemaError(f"column(s) {[self.columns_[j] for j in np.flatnonzero(empty)]} have no observed value; "
                              "drop them")

    def _encode(self, x: np.ndarray, rng: np.random.Generator) -> _WindowSource:
        series = x.ndim == 2
        if not series and self.scaling == "diff":
            raise ParameterError("scaling='diff' needs one series (its steps in order), not separate windows")
        flat = x if series else x.reshape(-1, x.shape[2])
        self.scaler_ = SeriesScaler(self.scaling).fit(flat)
        if series:
            w = make_windows(self.scaler_.transform(x), self.window, self.stride)
        else:
            w = self.scaler_.transform(flat).reshape(x.shape)
        if len(w) < 2:
            raise SchemaError(f"{len(w)} window(s) of {w.shape[1]} steps; a GAN needs at least 2")
        self.window_, self.n_features_, self.n_windows_ = int(w.shape[1]), int(w.shape[2]), int(len(w))
        if self.context >= self.window_:
            raise ParameterError(f"context={self.context} must be shorter than the window ({self.window_} steps): "
                                 "the model continues the context within one window")
        if self.context and self.architecture == "dense":
            raise ParameterError("context= needs the GRU generator (architecture='gru' or 'conv')")
        f = self.upsample_factor
        if f > 1:
            why = [w for w, bad in ((f"a window that is a multiple of it (not {self.window_})", self.window_ % f),
                                    ("no context", self.context), ("the GRU generator", self.architecture == "dense"),
                                    ("an affine scaling, minmax or standard, so that block means agree in units",
                                     self.scaling not in ("minmax", "standard"))) if bad]
            if why:
                raise ParameterError(f"upsample_factor={f} needs " + "; ".join(why))
        self.form_ = self._form
        cal = self._encode_calendar(series)  # one row per training window, in make_windows' order
        mask = self._encode_mask(w)
        if mask is not None:
            w = np.where(mask > 0, w, 0.0)
        t = lambda a: None if a is None else torch.as_tensor(a, dtype=torch.float32, device=self.device)  # noqa: E731
        return _WindowSource(t(w), self.context, f, t(cal), None if mask is None else t(mask).reshape(len(w), -1))

    def _encode_mask(self, w: np.ndarray) -> np.ndarray | None:
        """The scaled windows' observation mask (N, T, F) as 0/1, or None when every value is observed (the
        networks then have no mask input). A diff column's step is missing where either level is."""
        obs = np.isfinite(w)
        self.masked_, self.missing_share_ = False, float(1 - obs.mean())
        if obs.all():
            return None
        why = [m for m, bad in (("no context", self.context), ("no upsample_factor", self.upsample_factor > 1)) if bad]
        if why:
            raise ParameterError("missing='mask' needs " + "; ".join(why) + " (the given steps must be complete)")
        empty = int((~obs.reshape(len(w), -1).any(axis=1)).sum())
        if empty:
            raise SchemaError(f"{empty} of {len(w)} windows have no observed value; drop that stretch of the series "
                              "or use a longer window")
        self.masked_ = True
        return obs.astype(np.float32)

    def _encode_calendar(self, series: bool) -> np.ndarray | None:
        """Each training window's calendar features flattened (N, T * C), or None without a calendar."""
        self.calendar_dim_, self.step_, self.window_starts_ = 0, None, []
        if self.calendar == "none":
            return None
        if not series or self._times is None or self._step is None:
            raise SchemaError(f"calendar={self.calendar!r} needs one series with timestamps at a regular step (a table "
                              "with time_column, or a SeriesData with times), not separate windows")
        why = [w for w, bad in (("no upsample_factor", self.upsample_factor > 1),
                                ("the GRU generator (architecture='gru' or 'conv')", self.architecture == "dense")) if bad]
        if why:
            raise ParameterError(f"calendar={self.calendar!r} needs " + "; ".join(why))
        cal = make_windows(calendar_features(self._times, self.calendar), self.window, self.stride)  # (N, T, C)
        self.calendar_dim_, self.step_ = int(cal.shape[2]), str(self._step)
        self.window_starts_ = [t.isoformat() for t in self._times[: len(self._times) - self.window + 1: self.stride]]
        return cal.reshape(len(cal), -1)

    def _window_times(self, starts: Sequence) -> pd.DatetimeIndex:
        """(n * T,) timestamps of windows beginning at ``starts``, at the training step."""
        from pandas.tseries.frequencies import to_offset

        off = to_offset(self.step_)
        first = pd.DatetimeIndex(starts) + off * 0  # onto the step's anchor (e.g. the Monday of a W-MON week)
        steps = [first] + [first + off * k for k in range(1, self.window_)]  # T of (n,)
        return pd.DatetimeIndex(np.stack([t.to_numpy() for t in steps], axis=1).ravel())

    def _calendar_cond(self, n: int, start: Any, rng: torch.Generator) -> tuple[np.ndarray, pd.DatetimeIndex]:
        """(calendar features (n, T * C), timestamps (n * T,)) of n windows beginning at ``start``: one
        timestamp, n of them, or None (dates drawn from the training windows' starts)."""
        if start is None:
            idx = torch.randint(len(self.window_starts_), (n,), generator=rng, device=rng.device).cpu().numpy()
            starts = pd.DatetimeIndex(self.window_starts_)[idx]
        else:
            try:
                starts = pd.DatetimeIndex([start] if isinstance(start, (str, pd.Timestamp)) or np.ndim(start) == 0
                                          else list(start))
            except (ValueError, TypeError) as e:
                raise SchemaError(f"start={start!r} is not a timestamp or a list of timestamps ({e})") from None
            if len(starts) == 1:
                starts = starts.repeat(n)
            if len(starts) != n or starts.hasnans:
                raise SchemaError(f"start holds {len(starts)} timestamps (or a missing one) for {n} windows: give one, "
                                  f"or one per window")
        times = self._window_times(starts)
        return calendar_features(times, self.calendar).reshape(n, -1), times

    def _training_config(self, n_rows: int, objective) -> TrainingConfig:
        batch = self.batch_size or int(min(128, max(2, n_rows)))
        steps_per_epoch = math.ceil(n_rows / batch)
        epochs = self.epochs or int(min(2000, max(50, math.ceil(2000 / steps_per_epoch))))
        lr = self.lr or (1e-3 if self.objective == "wgan-gp" else 2e-4)
        return TrainingConfig(
            epochs=int(epochs), batch_size=int(batch), noise_dim=int(self.noise_dim),
            n_critic=int(self.n_critic or objective.default_n_critic), lr_g=lr, lr_d=lr,
            lr_schedule=self.lr_schedule, on_divergence=self.on_divergence, snapshot_every=10,
            checkpoint_dir=self.checkpoint_dir, checkpoint_every=self.checkpoint_every, verbose=self.verbose)

    def _build_networks(self) -> None:
        T, F, H = self.window_, self.n_features_, self.hidden
        bounded = self.scaling in ("minmax", "log1p")  # scaled to [0, 1]: a sigmoid output
        M = self.masked_
        if self.architecture == "dense":
            self.generator_ = build(lambda: DenseGenerator(self.noise_dim, F, T, H, bounded)).to(self.device)
            self.discriminator_ = build(lambda: DenseCritic(F, T, H, masked=M)).to(self.device)
            return
        f = self.upsample_factor if self.upsample_factor > 1 else 0
        C = self.calendar_dim_
        self.generator_ = build(lambda: GRUGenerator(self.noise_dim, F, T, H, self.layers, self.latent_dim,
                                                     bounded and not f, self.context, f, C, M)).to(self.device)
        critic = ((lambda: GRUCritic(F, H, calendar_dim=C, masked=M)) if self.architecture == "gru"
                  else (lambda: ConvCritic(F, H, calendar_dim=C, masked=M)))
        self.discriminator_ = build(critic).to(self.device)

    def _init_networks(self, g: torch.Generator) -> None:
        super()._init_networks(g)
        self.warm_start_ = None
        if self.init_model is None:
            return
        from . import load

        src = self.init_model if isinstance(self.init_model, TimeSeriesGAN) else load(self.init_model)
        if not isinstance(src, TimeSeriesGAN):
            raise ParameterError(f"init_model holds a {type(src).__name__}; a warm start needs a TimeSeriesGAN")
        if not hasattr(src, "generator_"):
            raise ParameterError("init_model is not fitted (a cloned estimator loses its weights): pass a fitted "
                                 "TimeSeriesGAN or its saved model directory")
        for name in ("generator", "discriminator"):
            mine, theirs = self._modules()[name].state_dict(), src._modules()[name].state_dict()
            bad = sorted(k for k in set(mine) | set(theirs) if k not in mine or k not in theirs or mine[k].shape != theirs[k].shape)
            if bad:
                k = bad[0]
                shapes = f"{tuple(theirs[k].shape) if k in theirs else 'absent'} there, {tuple(mine[k].shape) if k in mine else 'absent'} here"
                raise ParameterError(
                    f"init_model's {name} does not fit this model ({k}: {shapes}); a warm start needs the same window "
                    f"({src.window_} there), features ({src.n_features_}), context, calendar, architecture, hidden and layers")
            self._modules()[name].load_state_dict(theirs)
        self.warm_start_ = {"window": src.window_, "n_windows": src.n_windows_}

    # -- sample -----------------------------------------------------------------------------
    @torch.no_grad()
    def _generate(self, n: int, rng: torch.Generator, cond: np.ndarray | None = None) -> np.ndarray:
        """Scaled windows (n, T, F) from G; ``cond`` (n, D) or (1, D) for every window: the scaled
        context (continuation) or the window's coarse values (upsampling)."""
        G = self.generator_
        was = G.training
        G.eval()
        if self.masked_:  # G skips the mask part of its condition: an all-observed one fills the width
            ones = np.ones((1 if cond is None else len(cond), self.window_ * self.n_features_))
            cond = ones if cond is None else np.concatenate([cond, ones], axis=1)
        c = None if cond is None else torch.as_tensor(cond, dtype=torch.float32, device=self.device)
        try:
            parts = []
            for a in range(0, n, SAMPLE_CHUNK):
                m = min(SAMPLE_CHUNK, n - a)
                part = None if c is None else (c.expand(m, -1) if len(c) == 1 else c[a:a + m])
                parts.append(G(G.sample_noise(m, rng), part).cpu().numpy())
        finally:
            G.train(was)
        return np.concatenate(parts).astype(np.float64) if parts else np.zeros((0, self.window_, self.n_features_))

    def _context(self, context: Any) -> np.ndarray:
        """The observed steps to continue, in units: (c, F) from an array or a table with the value columns."""
        c = self.context
        if isinstance(context, pd.DataFrame):
            missing = [col for col in self.columns_ if col not in context.columns]
            if missing:
                raise SchemaError(f"the context lacks columns {missing}; it needs {self.columns_}")
            context = context[self.columns_].to_numpy(dtype=np.float64)
        x = np.asarray(context, dtype=np.float64)
        if x.ndim == 1 and self.n_features_ == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.n_features_:
            raise SchemaError(f"a context of shape {x.shape}: it must be (steps, {self.n_features_}) (the series' last "
                              "steps, one column per feature)")
        if len(x) < c:
            raise SchemaError(f"a context of {len(x)} steps; this model continues the last {c} steps of a series")
        if not np.isfinite(x).all():
            raise SchemaError("the context holds NaN or infinite values")
        return x[-c:]

    def sample(self, n: int, *, context: Any = None, start: Any = None, random_state: Any = None):
        """``n`` windows: an array (n, T, F), or for table input a long table (window, step, columns).
        A model with ``context`` > 0 continues ``context`` (the observed series' last steps, in units):
        ``n`` sample paths of the next T - context steps, as an array (n, T - context, F) or a long
        table (path, step = 1, 2, ... after the context, columns).

        A model with a ``calendar`` makes windows that begin at ``start`` (one timestamp, or one per
        window; for a continuation, the date of the context's first given step, which a context table
        holding the time column supplies itself); without ``start``, at dates drawn from the training
        windows' starts. Its long tables carry the time column."""
        self._check_fitted()
        n = check_count(n)
        rng = self._rng_for(random_state)
        if start is not None and not self.calendar_dim_:
            raise ParameterError("start= is for models fitted with a calendar (TimeSeriesGAN(calendar='year'))")
        if self.context:
            if context is None:
                raise ParameterError(f"this model continues series: pass context= (the last {self.context} steps)")
            if (start is None and self.calendar_dim_ and isinstance(context, pd.DataFrame)
                    and self.time_column in context.columns and len(context) >= self.context):
                start = pd.to_datetime(context[self.time_column]).iloc[-self.context]
            if start is None and self.calendar_dim_:
                raise ParameterError("this model reads dates: pass start= (the date of the context's first given "
                                     f"step), or a context table with the time column {self.time_column!r}")
            ctx = self._context(context)
            # a diff column's first context step has no known difference: scaled as the mean one
            cond, times = self.scaler_.transform(ctx).reshape(1, -1), None  # (1, c * F): the same for every path
            if self.calendar_dim_:
                cal, times = self._calendar_cond(n, start, rng)
                cond = np.concatenate([np.repeat(cond, n, axis=0), cal], axis=1)
            z = self._generate(n, rng, cond)[:, self.context:]
            w = self.scaler_.inverse_transform(z, start=np.repeat(ctx[-1:], n, axis=0))
            return w if self.form_ != "table" else self._long(w, "path", 1, times, self.context)
        if context is not None:
            raise ParameterError("context= is for models fitted with context > 0 (TimeSeriesGAN(context=...))")
        cond, times = self._calendar_cond(n, start, rng) if self.calendar_dim_ else (None, None)
        w = self.scaler_.inverse_transform(self._generate(n, rng, cond))  # (n, T, F) in units
        return w if self.form_ != "table" else self._long(w, "window", 0, times)

    def upsample(self, coarse: Any, *, random_state: Any = None) -> np.ndarray:
        """A fine series (K * f, F) for a coarse one (K, F) (each value the mean of f fine steps, in
        units): windows of T / f coarse steps are filled in one after another; every block's mean is
        the coarse value (count columns are then rounded, which can move a block's mean by < 0.5)."""
        self._check_fitted()
        f = self.upsample_factor
        if f <= 1:
            raise ParameterError("upsample() is for models fitted with upsample_factor > 1")
        c = np.asarray(coarse.to_numpy() if isinstance(coarse, pd.DataFrame) else coarse, dtype=np.float64)
        if c.ndim == 1 and self.n_features_ == 1:
            c = c[:, None]
        if c.ndim != 2 or c.shape[1] != self.n_features_ or not len(c):
            raise SchemaError(f"a coarse series of shape {c.shape}: it must be (steps, {self.n_features_})")
        if not np.isfinite(c).all():
            raise SchemaError("the coarse series holds NaN or infinite values")
        K = self.window_ // f
        n_win = -(-len(c) // K)
        padded = np.concatenate([c, np.repeat(c[-1:], n_win * K - len(c), axis=0)])  # the last window, padded
        z = self._generate(n_win, self._rng_for(random_state), self.scaler_.transform(padded).reshape(n_win, -1))
        fine = self.scaler_.inverse_transform(z.reshape(-1, self.n_features_))  # (n_win * T, F)
        return fine[: len(c) * f]

    def _long(self, w: np.ndarray, name: str, first_step: int, times: pd.DatetimeIndex | None = None,
              skip: int = 0) -> pd.DataFrame:
        """The long table (name, step, [time column,] value columns); ``times`` (n * T,) are the
        windows' timestamps, of which the first ``skip`` per window (a context) are not shown."""
        n, T = len(w), w.shape[1]
        df = pd.DataFrame(w.reshape(-1, self.n_features_), columns=self.columns_)
        if times is not None:
            df.insert(0, self.time_column or "time", np.asarray(times).reshape(n, -1)[:, skip:].ravel())
        df.insert(0, "step", np.tile(np.arange(first_step, first_step + T), n))
        df.insert(0, name, np.repeat(np.arange(n), T))
        return df

    # -- persistence -------------------------------------------------------------------------
    def _data_state(self) -> dict:
        return {"window": self.window_, "n_features": self.n_features_, "n_windows": self.n_windows_,
                "columns": self.columns_, "form": self.form_, "scaler": self.scaler_.state(),
                "masked": self.masked_, "missing_share": self.missing_share_,
                "calendar": {"dim": self.calendar_dim_, "step": self.step_, "window_starts": self.window_starts_}}

    def _restore_data(self, meta: dict) -> None:
        self.window_, self.n_features_, self.n_windows_ = int(meta["window"]), int(meta["n_features"]), int(meta["n_windows"])
        self.columns_, self.form_ = list(meta["columns"]), str(meta["form"])
        self.masked_, self.missing_share_ = bool(meta.get("masked", False)), float(meta.get("missing_share", 0.0))
        cal = meta.get("calendar", {})  # model files written before calendars have none
        self.calendar_dim_, self.step_ = int(cal.get("dim", 0)), cal.get("step")
        self.window_starts_ = list(cal.get("window_starts", []))
        s = meta["scaler"]
        self.scaler_ = SeriesScaler(s["method"])
        self.scaler_.params_ = s["params"]


__all__ = ["TimeSeriesGAN"]
