"""ConfidenceGAN: realistic rows that a black-box classifier scores at a chosen confidence.

The generator G(z, c) takes noise and a desired confidence c (probability of the
positive class); the discriminator D(x, c) judges realism conditioned on c and sees,
for real rows, the confidence the black box actually gives them. That conditioned
design alone lets G ignore c wherever D cannot tell; the closed loop adds a
differentiable surrogate s(x) distilled from the black box's outputs on real and
generated rows (refreshed during training) and the generator term
``confidence_loss * mean((s(G(z, c)) - c)^2)``. ``confidence_loss=0`` is the plain design.
After training, a monotone calibration of condition -> mean black-box confidence (one
batch of black-box calls) is inverted at sampling time, so G's remaining bias is removed.

The black box is only ever called through ``predict_proba`` on decoded rows: no
gradients through it. Training runs on the shared engine (:class:`~synthboost.training.Trainer`,
its ``aux_loss`` hook and an epoch callback for the surrogate refresh).
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn
import torch.nn.functional as F
from sklearn.base import clone

from ..base import Param, derive_seed, number, torch_generator
from ..data.schema import infer_schema, to_native, validate_frame
from ..data.tabular import TabularTransformer
from ..errors import ParameterError, SchemaError
from ..nn.init import build
from ..training.engine import Trainer
from ._gan import TrainingPlan, pick
from .tabular import _ORDER, TABLE_PARAMS, TabularGAN, _TableSource

#: confidence -> generator/discriminator condition input: (c - 0.5) * 4 spans [-2, 2] like z's bulk
_COND_SCALE = 4.0
N_BINS = 10
#: conditions tried by the calibration: the range D judged real rows at, so G is never asked to
#: extrapolate. Going a quarter beyond reached targets the black box rarely gives new rows a little
#: better, at a cost in realism on german_credit (5 seeds, uniform targets: MAE 0.065 vs 0.061,
#: column-shape gap -0.049 vs -0.058); on pima_diabetes it was slightly better on both (0.077 vs
#: 0.076, -0.032 vs -0.028). The german gain is the larger (bench/RESULTS.md)
CALIBRATION_RANGE = (0.0, 1.0)
#: rows generated per target by default when the closed loop's surrogate picks the closest
#: (no black-box calls). german_credit / pima_diabetes, 5 seeds, uniform targets: MAE 0.109 /
#: 0.108 at 1, 0.081 / 0.086 at 2, 0.065 / 0.077 at 4, at 0.007 / 0.011 lower column shape
#: than 1 (bench/RESULTS.md)
SCREEN = 4
_SCREEN_CHUNK = 1 << 16  # target slots generated and screened at once


def _cond(c: torch.Tensor) -> torch.Tensor:
    return ((c - 0.5) * _COND_SCALE).reshape(-1, 1)  # (B, 1)


def _uncond(cond: torch.Tensor) -> torch.Tensor:
    return cond[:, 0] / _COND_SCALE + 0.5  # (B,)


class Surrogate(nn.Module):
    """Differentiable stand-in for the black box on encoded rows: (B, D) -> logit of P(positive) (B,)."""

    def __init__(self, data_dim: int, hidden: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(data_dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)[:, 0]


class BlackBox:
    """Validated access to a fitted classifier's positive-class probability."""

    def __init__(self, classifier: Any, positive_class: Any, columns: Sequence[str]):
        if classifier is None:
            raise ParameterError("ConfidenceGAN needs a fitted classifier with predict_proba, e.g. a RandomForestClassifier")
        if not callable(getattr(classifier, "predict_proba", None)):
            raise ParameterError(
                f"the classifier {type(classifier).__name__} has no predict_proba; ConfidenceGAN needs class "
                "probabilities (use a probabilistic model or wrap it in sklearn's CalibratedClassifierCV)"
            )
        classes = getattr(classifier, "classes_", None)
        if classes is None:
            raise ParameterError(f"the classifier {type(classifier).__name__} is not fitted (no classes_); fit it first")
        classes = [to_native(c) for c in classes]
        if positive_class is None:
            if len(classes) != 2:
                raise ParameterError(
                    f"the classifier knows {len(classes)} classes {classes}; choose the one whose confidence to target "
                    "with positive_class="
                )
            positive_class = classes[1]
        match = [i for i, c in enumerate(classes) if c == positive_class or str(c) == str(positive_class)]
        if not match:
            raise ParameterError(f"positive_class={positive_class!r} is not a class of the classifier; its classes are {classes}")
        names = getattr(classifier, "feature_names_in_", None)
        columns = list(columns)
        if names is not None:
            names = [str(n) for n in names]
            if names != columns:
                missing, extra = sorted(set(names) - set(columns)), sorted(set(columns) - set(names))
                detail = f"missing here: {missing}; unknown to the classifier: {extra}" if (missing or extra) else "same columns, other order"
                raise SchemaError(f"the classifier was fitted on different columns than the data ({detail}); "
                                  "pass the feature table the classifier was trained on (without the target)")
        elif getattr(classifier, "n_features_in_", len(columns)) != len(columns):
            raise SchemaError(
                f"the classifier was fitted on {classifier.n_features_in_} columns, the data has {len(columns)}; "
                "pass the feature table the classifier was trained on (without the target)"
            )
        self.classifier, self.columns = classifier, columns
        self.classes, self.index, self.positive = classes, match[0], classes[match[0]]

    def confidence(self, X: pd.DataFrame) -> np.ndarray:
        """P(positive) per row (n,), clipped to [0, 1]."""
        _require_columns(X, self.columns)
        if len(X) == 0:
            return np.zeros(0)
        p = np.asarray(self.classifier.predict_proba(X[self.columns]), dtype=np.float64)[:, self.index]
        if not np.isfinite(p).all():
            raise ParameterError("the classifier returned non-finite probabilities")
        return np.clip(p, 0.0, 1.0)


def _require_columns(X: Any, columns: Sequence) -> None:
    """Rows to score must be a DataFrame holding every feature column (extra columns are ignored)."""
    if not isinstance(X, pd.DataFrame):
        raise SchemaError(f"rows to score must be a pandas DataFrame, got {type(X).__name__}")
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise SchemaError(f"rows to score lack the feature column(s) {missing}; the model was fitted on {list(columns)}")


def parse_confidence(confidence: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-row targets (n,) from a number, a (low, high) tuple (uniform in the range; also the
    string "low:high") or a list/array of n values (per-row targets, also when n == 2)."""
    if isinstance(confidence, str):
        parts = confidence.split(":")
        try:
            if len(parts) > 2:
                raise ValueError
            confidence = float(parts[0]) if len(parts) == 1 else (float(parts[0]), float(parts[1]))
        except ValueError:
            raise ParameterError(f"confidence={confidence!r} must be a number like 0.8 or a range like 0.05:0.95") from None
    if isinstance(confidence, tuple) and len(confidence) == 2:
        try:
            lo, hi = (float(v) for v in confidence)
        except (TypeError, ValueError):
            raise ParameterError(f"confidence range {confidence!r} must hold two numbers (low, high)") from None
        if not (0 <= lo <= hi <= 1):
            raise ParameterError(f"confidence range {confidence!r} must satisfy 0 <= low <= high <= 1")
        return rng.uniform(lo, hi, n)
    try:
        arr = np.asarray(confidence, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"confidence={confidence!r} must be a number, a (low, high) tuple or an array of "
                             "numbers in [0, 1]") from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    elif arr.shape != (n,):
        raise ParameterError(f"an array of confidences must have one value per row ({n}), got shape {arr.shape}")
    if not np.isfinite(arr).all() or (arr < 0).any() or (arr > 1).any():
        raise ParameterError(f"confidence must lie in [0, 1]; got values from {np.nanmin(arr):.3g} to {np.nanmax(arr):.3g}")
    return arr


class ConfidenceGAN(TabularGAN):
    """Generate realistic rows on which ``classifier`` is as confident as asked.

    Parameters (besides :class:`TabularGAN`'s, which mean the same here; there is no target, so
    no ``balance_classes``; checkpoints hold the surrogate and its refresher too)
    ----------
    classifier : fitted estimator with ``predict_proba``
        The black box. It sees decoded rows with the data's feature columns.
    positive_class : label or None
        Class whose probability is the confidence; None takes the second of two classes.
    confidence_loss : float
        Weight of the closed-loop term mean((s(G(z, c)) - c)^2); 0 is the plain conditioned
        design. 20 by measurement on german_credit (bench/RESULTS.md): 1 barely moves the
        error from the plain design, 50 costs realism.
    surrogate_every : int
        Refresh the surrogate every this many epochs with black-box scores of fresh generated rows.
    surrogate_hidden : int
        Width of the surrogate network.
    epochs : int or None
        None gives about 4000 generator steps (twice TabularGAN's budget; see bench/RESULTS.md).
    batch_size : int or None
        None picks it from the table size (:func:`auto_batch_size`).
    balance_confidence : bool
        Draw training rows so that each tenth of [0, 1] with real rows is equally likely, so
        rare middle confidences are learned too (the class balancing of TabularGAN, for c).
    calibrate : bool
        After training, measure once what the black box gives rows generated at each
        condition (``calibration_rows`` of them), fit a monotone map condition -> mean achieved
        confidence (isotonic regression) and invert it when sampling, so a target is fed to
        G as the condition whose rows the black box scores at that target on average. Removes
        G's systematic bias (e.g. pulled towards the middle); sampling then needs no black-box calls.
    calibration_rows : int
        Generated rows scored by the black box for the calibration.

    ``sample(n, confidence=0.8)``, ``confidence=(0.05, 0.95)`` (uniform) or an array of
    per-row targets; ``return_confidence=True`` adds ``desired_confidence`` and
    ``achieved_confidence`` (the black box's score of the decoded row). The closed loop's
    surrogate screens by default (``screen=4``: the closest of 4 rows per target by the
    surrogate, no black-box calls); ``candidates=k`` picks by the black box.

    ``surrogate_history_`` has one entry per surrogate refresh: epoch, distillation loss,
    the black box's MAE on the fresh generated rows, and ``undone`` (a refresh whose loss
    or weights went non-finite is undone, so the confidence term keeps the previous surrogate).
    """

    _params = pick(
        ("classifier", "positive_class", "confidence_loss", "surrogate_every", "surrogate_hidden", "balance_confidence",
         "calibrate", "calibration_rows") + tuple(n for n in _ORDER if n != "balance_classes"),
        Param("classifier", None, Any, "The fitted black box with predict_proba."),
        Param("positive_class", None, Any, "Class whose probability is the confidence."),
        Param("confidence_loss", 20.0, float, "Weight of the closed-loop confidence term (0 = plain conditioned design).",
              number(low=0, hint=" (0 = plain conditioned design)")),
        Param("surrogate_every", 5, int, "Refresh the surrogate every this many epochs.", number(integer=True, low=1)),
        Param("surrogate_hidden", 64, int, "Width of the surrogate network.",
              number(integer=True, low=1, hint=" (the surrogate's width)")),
        Param("balance_confidence", True, bool, "Draw training rows evenly over the tenths of [0, 1]."),
        Param("calibrate", True, bool, "Calibrate condition to achieved confidence after training."),
        Param("calibration_rows", 4000, int, "Generated rows scored by the black box for the calibration.",
              number(integer=True, low=100)),
        *(p for p in TABLE_PARAMS if p.name != "balance_classes"),
        epochs={"help": "Training epochs; empty: about 4000 generator steps."},
    )

    def __sklearn_clone__(self) -> "ConfidenceGAN":
        """Unfitted copy with the same parameters and the *same* classifier: the black box is a
        given, fitted model (sklearn's clone would hand over an unfitted copy of it)."""
        params = {k: (v if k == "classifier" else clone(v, safe=False)) for k, v in self.get_params(deep=False).items()}
        return type(self)(**params)

    @torch.no_grad()
    def sample_encoded(self, n: int, conditions: Mapping[str, Any] | None = None, random_state: int | None = None):
        raise NotImplementedError("ConfidenceGAN generates at a confidence; use sample(n, confidence=...)")

    # -- fit --------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: Any = None, *, target: str | None = None, resume: bool = False,
            callbacks: Sequence = ()) -> "ConfidenceGAN":
        """Learn rows of ``X`` (the classifier's feature table) conditioned on the classifier's confidence.

        A ``target`` column in ``X`` (or ``y``) is dropped: the classifier's score, not the
        label, is the condition.
        """
        return self._fit((X,), resume=resume, callbacks=callbacks, target=target)

    def _prepare(self, X, target=None):
        df = validate_frame(X)
        if target is not None:
            if target not in df.columns:
                raise SchemaError(f"target column {target!r} is not in the data; columns are {list(df.columns)}")
            df = df.drop(columns=target)
        self.black_box_ = BlackBox(self.classifier, self.positive_class, list(df.columns))
        self.positive_class_ = self.black_box_.positive
        self.target_, self.classes_ = None, None
        return df

    def _encode(self, df: pd.DataFrame, rng: np.random.Generator) -> _TableSource:
        c_real = self.black_box_.confidence(df)  # (N,)
        self._c_real = c_real
        self.real_confidence_quantiles_ = np.quantile(c_real, np.linspace(0, 1, 101)).tolist()
        self.schema_ = infer_schema(df, categorical=self.categorical, continuous=self.continuous)
        self.transformer_ = TabularTransformer(self.continuous_encoding).fit(df, self.schema_, rng)
        self.n_features_in_ = df.shape[1]
        self.feature_names_in_ = np.asarray(df.columns, dtype=object)
        data = torch.as_tensor(self.transformer_.transform(df, rng), device=self.device)  # (N, D)
        c = torch.as_tensor(c_real, dtype=torch.float32, device=self.device)
        bins = torch.clamp((c * N_BINS).long(), max=N_BINS - 1)  # (N,) tenth of [0, 1] each row falls in
        bins = torch.unique(bins, return_inverse=True)[1]  # occupied bins only
        self._data, self._c = data, c
        return _TableSource(data, _cond(c), bins, self.balance_confidence)  # conditions (N, 1)

    def _training_config(self, n_rows: int, objective, target_steps: int = 4000):
        # twice TabularGAN's step budget: the confidence term slows convergence to realism
        # (german_credit: column-shape 0.860 -> 0.879 at the same confidence error; bench/RESULTS.md)
        return super()._training_config(n_rows, objective, target_steps=target_steps)

    def _cond_dim(self) -> int:
        return 1

    def _build_networks(self) -> None:
        super()._build_networks()
        self.surrogate_ = build(lambda: Surrogate(self.transformer_.output_dim, int(self.surrogate_hidden))).to(self.device)

    def _extra_modules(self):
        return {"surrogate": self.surrogate_}

    def _init_rng(self, name: str, g: torch.Generator) -> torch.Generator:
        if name == "surrogate" and not self.confidence_loss > 0:
            # unused by the plain design; a fixed init keeps saved models reproducible without
            # touching g (whose stream the plain design's training uses)
            return torch_generator(0, self.device)
        return g

    def _training_plan(self, source, rng, g) -> TrainingPlan:
        plan = TrainingPlan()
        self.surrogate_history_: list[dict] = []
        if self.confidence_loss > 0:
            refresher = _SurrogateRefresher(self, self._data, self._c, source, torch_generator(int(rng.integers(2**62)), self.device))
            refresher.distill(steps=300)  # start from the black box on real rows
            weight = float(self.confidence_loss)

            def aux(fake, cond_batch):
                # closed loop: lambda * mean((s(G(z, c)) - c)^2); s is frozen here, only G moves
                s = torch.sigmoid(self.surrogate_(fake))  # (B,)
                return weight * ((s - _uncond(cond_batch)) ** 2).mean()

            plan.aux_loss = aux
            plan.callbacks.append(refresher.callback)
            plan.states["refresher"] = refresher
        self.surrogate_.requires_grad_(False)
        return plan

    def _after_fit(self, trainer: Trainer, g: torch.Generator) -> None:
        c_real = self._c_real
        del self._data, self._c, self._c_real
        self.calibration_ = self._calibrate(torch_generator(derive_seed(g), self.device))
        self.natural_confidence_quantiles_ = self._natural_confidences(
            c_real, torch_generator(derive_seed(g), self.device))

    def _natural_confidences(self, c_real: np.ndarray, rng: torch.Generator) -> list[float] | None:
        """Quantiles (101) of the black box's scores of G's rows made at the training rows' own
        confidences: what it gives new rows like the data, the targets of ``sample(n)``. An
        overfit black box scores its training rows more extremely than any new row (a random
        forest on german_credit: 5 % quantile 0.14 in-sample, 0.38 on held-out rows), and
        asking for those confidences pulls rows away from the data. None without calibration
        (targets are then conditions, and the training rows' own confidences are G's input)."""
        if self.calibration_ is None:
            return None
        n = int(self.calibration_rows) // 2
        cond = np.quantile(c_real, (np.arange(n) + 0.5) / n)  # (n,) the training conditions, evenly
        rows = self.transformer_.inverse_transform(self._generate(cond, rng))[self.schema_.names]
        return np.quantile(self.black_box_.confidence(rows), np.linspace(0, 1, 101)).tolist()

    def _calibrate(self, rng: torch.Generator, conditions: tuple[float, float] = CALIBRATION_RANGE) -> dict[str, list[float]] | None:
        """Monotone map condition -> mean black-box confidence of G's rows at that condition,
        on a grid of 201 conditions over ``conditions``; ``sample`` inverts it. None when switched off."""
        if not self.calibrate:
            return None
        from sklearn.isotonic import IsotonicRegression

        n = int(self.calibration_rows)
        lo, hi = conditions
        cond = lo + (hi - lo) * (np.arange(n) + 0.5) / n  # evenly over the range
        rows = self.transformer_.inverse_transform(self._generate(cond, rng))[self.schema_.names]
        achieved = self.black_box_.confidence(rows)
        grid = np.linspace(lo, hi, 201)
        mean = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(cond, achieved).predict(grid)
        return {"condition": grid.tolist(), "achieved": mean.tolist()}

    def _condition_for(self, target: np.ndarray) -> np.ndarray:
        """The condition whose rows the black box scores at ``target`` on average (n,)."""
        cal = getattr(self, "calibration_", None)
        if cal is None:
            return target
        grid, mean = np.asarray(cal["condition"]), np.asarray(cal["achieved"])
        # isotonic fits have flat steps; a vanishing ramp makes the map strictly increasing so it inverts
        mean = mean + np.arange(len(mean)) * 1e-9
        # targets beyond what any condition reaches get the extreme condition (clipped by np.interp)
        return np.interp(target, mean, grid)

    # -- sample -----------------------------------------------------------------------
    def _generate(self, c: np.ndarray, rng: torch.Generator) -> np.ndarray:
        """Encoded rows (n, D) for per-row conditions c (n,)."""
        cond = _cond(torch.as_tensor(np.asarray(c), dtype=torch.float32, device=self.device))  # (n, 1)
        return self._run_generator(len(c), lambda a, b: cond[a:b], rng)

    def sample(
        self,
        n: int,
        confidence: Any = None,
        *,
        candidates: int = 1,
        screen: int | None = None,
        return_confidence: bool = False,
        random_state: int | None = None,
    ) -> pd.DataFrame:
        """``n`` rows in the data's schema aimed at ``confidence``.

        ``confidence``: a number in [0, 1], a ``(low, high)`` range (uniform; also the
        string ``"low:high"``), an array of ``n`` values, or None for rows like the data:
        targets drawn from the confidences the black box gives new rows like the training
        rows (``natural_confidence_quantiles_``, estimated at fit; without calibration, the
        training rows' own confidences). ``candidates=k > 1`` generates k rows per target and keeps the one
        the black box scores closest to it (k times the black-box calls; needs the
        classifier). ``screen=m`` generates m rows per target (per candidate) and keeps the
        one the closed loop's surrogate scores closest to it: no black-box calls, so it works
        after ``load`` without the classifier. None: ``SCREEN`` (4) for the closed loop, 1
        (off) for the plain design, whose surrogate is not trained. ``return_confidence=True``
        adds ``desired_confidence`` and ``achieved_confidence`` (the black box's score; needs
        the classifier).
        """
        self._check_fitted()
        screen = self._check_request(n, candidates, screen)
        rng = self._rng_for(random_state)
        np_rng = np.random.default_rng(derive_seed(rng))
        if confidence is None:  # the natural distribution (see _natural_confidences), by inverse transform sampling
            q = self.natural_confidence_quantiles_ or self.real_confidence_quantiles_
            c = np.interp(np_rng.uniform(0, 1, int(n)), np.linspace(0, 1, 101), q)
        else:
            c = parse_confidence(confidence, int(n), np_rng)
            self._warn_if_unnatural(c)
        k, m = int(candidates), int(screen)
        t = np.repeat(c, k)  # (n*k,) one target per candidate slot
        cond = self._condition_for(t)
        parts = []
        for a in range(0, max(len(t), 1), _SCREEN_CHUNK):  # chunks bound memory to _SCREEN_CHUNK * m rows
            tc = t[a:a + _SCREEN_CHUNK]
            enc = self._generate(np.repeat(cond[a:a + _SCREEN_CHUNK], m), rng)  # (slots*m, D)
            if m > 1:  # per slot, the row whose surrogate score is closest to its target
                with torch.no_grad():
                    s = torch.sigmoid(self.surrogate_(torch.as_tensor(enc, dtype=torch.float32, device=self.device))).cpu().numpy()
                enc = enc[np.abs(s.reshape(-1, m) - tc[:, None]).argmin(axis=1) + np.arange(len(tc)) * m]
            parts.append(enc)
        df = self.transformer_.inverse_transform(np.concatenate(parts))[self.schema_.names]
        achieved = None
        if k > 1 or return_confidence:
            achieved = self._black_box().confidence(df)
        if k > 1:  # best of k per target: rows k*i .. k*i+k-1 share target c[i]
            best = np.abs(achieved.reshape(-1, k) - c[:, None]).argmin(axis=1) + np.arange(len(c)) * k
            df, achieved = df.iloc[best].reset_index(drop=True), achieved[best]
        if return_confidence:
            df["desired_confidence"] = c
            df["achieved_confidence"] = achieved
        return df

    def _check_request(self, n: Any, candidates: Any, screen: int | None, min_n: int = 0) -> int:
        """Check ``sample``'s counts (the confidence run does so before training); return the screening width."""
        for name, v, low in (("n", n, min_n), ("candidates", candidates, 1)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise ParameterError(f"{name}={v!r} must be an integer >= {low}")
        return self._screen_for(screen)

    def _screen_for(self, screen: int | None) -> int:
        """The screening width ``sample`` uses: ``SCREEN`` for the closed loop, 1 (off) for the plain design."""
        closed_loop = float(self.confidence_loss) > 0
        if screen is None:
            return SCREEN if closed_loop else 1
        if isinstance(screen, bool) or not isinstance(screen, (int, np.integer)) or screen < 1:
            raise ParameterError(f"screen={screen!r} must be a positive integer (1 = off)")
        if screen > 1 and not closed_loop:
            raise ParameterError("screen > 1 needs the closed loop's surrogate; this model was trained with "
                                 "confidence_loss=0 (use candidates=k to pick with the black box instead)")
        return int(screen)

    def _warn_if_unnatural(self, c: np.ndarray) -> None:
        """Warn when many targets lie where the black box scores almost no rows like the data:
        G can reach them only by leaving the data (bench/RESULTS.md: german_credit rows aimed
        below any held-out row's score have column shape 0.74 against 0.89 elsewhere)."""
        q = self.natural_confidence_quantiles_
        if q is None or len(c) == 0:
            return
        lo, hi = q[1], q[99]
        share = float(((c < lo) | (c > hi)).mean())
        if share > 0.05:
            warnings.warn(f"{share:.0%} of the requested confidences lie outside [{lo:.3g}, {hi:.3g}], the range in "
                          "which the black box scores 98 % of rows like the training data; rows made for them are "
                          "less realistic (sample(n) without a confidence follows the data)", UserWarning, stacklevel=3)

    def _black_box(self) -> BlackBox:
        bb = getattr(self, "black_box_", None)
        if bb is None or bb.classifier is not self.classifier:  # also after set_params(classifier=...)
            if self.classifier is None:
                raise ParameterError("this ConfidenceGAN has no classifier (model files do not store it); "
                                     "set it with set_params(classifier=...) to score rows")
            self.black_box_ = BlackBox(self.classifier, self.positive_class_, self.schema_.names)
        return self.black_box_

    def confidence_of(self, X: pd.DataFrame) -> np.ndarray:
        """The black box's positive-class probability of each row of ``X``."""
        self._check_fitted()
        return self._black_box().confidence(X)

    # -- discriminator diagnostics --------------------------------------------------------
    @torch.no_grad()
    def realism_scores(self, X: pd.DataFrame, confidence: Any = None) -> np.ndarray:
        """D's score of each row of ``X`` at confidence ``confidence`` (default: the condition
        G used for the row's ``desired_confidence`` column if present, else the black box's
        score of the row)."""
        self._check_fitted()
        _require_columns(X, self.schema_.names)
        if confidence is None:
            # generated rows are judged at the condition G made them with (the calibrated target)
            c = self._condition_for(X["desired_confidence"].to_numpy(float)) if "desired_confidence" in X else self.confidence_of(X)
        else:
            c = parse_confidence(confidence, len(X), np.random.default_rng(0))
        x = torch.as_tensor(self.transformer_.transform(X[self.schema_.names]), dtype=torch.float32, device=self.device)
        cond = _cond(torch.tensor(np.asarray(c, dtype=np.float32), device=self.device))
        return self._d_forward(x, cond)

    # -- persistence (the classifier is not stored: no pickle) ---------------------------
    def _json_params(self) -> dict[str, Any]:
        params = super()._json_params()
        params["classifier"] = None
        params["positive_class"] = to_native(self.positive_class) if self.positive_class is not None else None
        return params

    def _data_state(self) -> dict:
        meta = super()._data_state()
        meta.update(
            positive_class=to_native(self.positive_class_),
            real_confidence_quantiles=self.real_confidence_quantiles_,
            natural_confidence_quantiles=self.natural_confidence_quantiles_,
            calibration=self.calibration_,
            surrogate_history=[{k: to_native(v) for k, v in h.items()} for h in self.surrogate_history_],
            classifier=type(self.classifier).__name__ if self.classifier is not None else None,
        )
        return meta

    def _restore_data(self, meta: dict) -> None:
        super()._restore_data(meta)
        self.target_, self.classes_ = None, None
        self.positive_class_ = meta["positive_class"]
        self.real_confidence_quantiles_ = list(meta["real_confidence_quantiles"])
        self.calibration_ = meta.get("calibration")
        self.natural_confidence_quantiles_ = meta.get("natural_confidence_quantiles")
        self.surrogate_history_ = list(meta.get("surrogate_history", []))
        self.black_box_ = None


class _SurrogateRefresher:
    """Distils the black box into the surrogate: soft-target BCE on real rows and on a
    rolling buffer of generated rows scored by the black box (decoded, so it sees real rows)."""

    def __init__(self, gan: ConfidenceGAN, data: torch.Tensor, c: torch.Tensor, source: _TableSource, rng: torch.Generator):
        self.gan, self.data, self.c, self.source, self.rng = gan, data, c, source, rng
        self.buffer_x: list[torch.Tensor] = []
        self.buffer_c: list[torch.Tensor] = []
        self.opt = torch.optim.Adam(gan.surrogate_.parameters(), lr=1e-3)
        self.n_gen = int(min(2048, max(256, data.shape[0])))

    def distill(self, steps: int) -> float:
        S = self.gan.surrogate_
        S.requires_grad_(True)
        S.train()
        x = torch.cat([self.data] + self.buffer_x)  # (N + buffer, D)
        t = torch.cat([self.c] + self.buffer_c)  # (N + buffer,)
        batch = min(256, len(x))
        loss = torch.zeros(())
        for _ in range(steps):
            idx = torch.randint(len(x), (batch,), generator=self.rng, device=x.device)
            # minimise BCE(s(x), black_box(x)) with the black box's probability as a soft target
            loss = F.binary_cross_entropy_with_logits(S(x[idx]), t[idx])
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
        S.requires_grad_(False)
        S.eval()
        return float(loss.detach())

    @torch.no_grad()
    def _score_generated(self) -> tuple[torch.Tensor, torch.Tensor, float]:
        gan, G = self.gan, self.gan.generator_
        was_training = G.training
        G.eval()
        cond = self.source.sample_condition(self.n_gen, self.rng)  # (m, 1): the training distribution of c
        z = torch.randn(self.n_gen, gan.noise_dim, generator=self.rng, device=cond.device)
        enc = G(z, cond)
        G.train(was_training)
        rows = gan.transformer_.inverse_transform(enc.cpu().numpy())
        achieved = gan.black_box_.confidence(rows)
        x = torch.as_tensor(gan.transformer_.transform(rows), dtype=torch.float32, device=cond.device)
        mae = float(np.abs(achieved - _uncond(cond).cpu().numpy()).mean())
        return x, torch.as_tensor(achieved, dtype=torch.float32, device=cond.device), mae

    # checkpoints hold the refresher (the surrogate, its optimizer, the row buffer, its stream, the log)
    def state_dict(self) -> dict:
        return {"surrogate": self.gan.surrogate_.state_dict(), "opt": self.opt.state_dict(), "buffer_x": list(self.buffer_x),
                "buffer_c": list(self.buffer_c), "rng": self.rng.get_state(), "history": list(self.gan.surrogate_history_)}

    def load_state_dict(self, state: dict) -> None:
        self.gan.surrogate_.load_state_dict(state["surrogate"])
        self.opt.load_state_dict(state["opt"])
        self.buffer_x = [t.to(self.data.device) for t in state["buffer_x"]]
        self.buffer_c = [t.to(self.data.device) for t in state["buffer_c"]]
        self.rng.set_state(state["rng"])
        self.gan.surrogate_history_[:] = state["history"]

    def callback(self, trainer: Trainer, row: dict) -> None:
        if trainer.epoch % self.gan.surrogate_every and trainer.epoch != trainer.config.epochs:
            return None
        # The surrogate changes only here, after the engine has stored the epoch as good, so its
        # divergence rollback (G, D and their optimizers) restarts from this same surrogate.
        # A refresh that goes non-finite is undone instead of poisoning the confidence term.
        S = self.gan.surrogate_
        weights, opt_state = copy.deepcopy(S.state_dict()), copy.deepcopy(self.opt.state_dict())
        buffers = self.buffer_x, self.buffer_c
        x, t, mae = self._score_generated()
        self.buffer_x = (self.buffer_x + [x])[-4:]  # the last few generators' rows
        self.buffer_c = (self.buffer_c + [t])[-4:]
        loss = self.distill(steps=50)
        finite = math.isfinite(loss) and all(bool(torch.isfinite(p).all()) for p in S.parameters())
        if not finite:
            S.load_state_dict(weights)
            self.opt.load_state_dict(opt_state)
            self.buffer_x, self.buffer_c = buffers
        self.gan.surrogate_history_.append({
            "epoch": trainer.epoch,
            "surrogate_loss": loss if finite else None,
            "black_box_mae": mae if math.isfinite(mae) else None,
            "undone": not finite,
        })
        return None


__all__ = ["ConfidenceGAN", "parse_confidence"]
