"""TabularGAN: a GAN for small mixed-type tables, optionally class-conditional."""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
import torch

from ..base import Param, choice, number
from ..data.schema import TableSchema, infer_schema, restore_series, to_native, validate_frame
from ..data.tabular import CONTINUOUS_ENCODINGS, TabularTransformer
from ..errors import ConditionError, ParameterError, SchemaError
from ..nn.base import Batch
from ..nn.blocks import DenseDiscriminator, DenseGenerator, default_hidden_dims
from ..nn.init import build, set_rng
from ..nn.objectives import get_objective
from ..training.engine import TrainingConfig
from ._gan import DEFAULT_LR, GANSynthesizer, pick  # noqa: F401  (DEFAULT_LR: importable from here as before)

MAX_TARGET_CLASSES = 100
SAMPLE_CHUNK = 16384


def auto_batch_size(n_rows: int) -> int:
    """About a tenth of the table, a power of two in [32, 512], never more than the table."""
    b = 2 ** round(math.log2(max(1, n_rows / 10)))
    return int(min(n_rows, max(32, min(512, b))))


def auto_epochs(n_rows: int, batch_size: int, target_steps: int = 2000) -> int:
    """Enough epochs for about ``target_steps`` generator steps, within [50, 1000]."""
    steps = max(1, math.ceil(n_rows / batch_size))
    return int(min(1000, max(50, math.ceil(target_steps / steps))))


class _TableSource:
    """Draws real rows (class-balanced when conditioned) and conditions for the engine."""

    def __init__(self, data: torch.Tensor, cond: torch.Tensor | None, classes: torch.Tensor | None, balance: bool):
        self.data, self.cond, self.n_rows = data, cond, data.shape[0]
        if classes is None:
            self.row_weights = torch.ones(self.n_rows, device=data.device)
        else:
            counts = torch.bincount(classes).float()
            # balanced: every class equally likely; otherwise every row equally likely
            self.row_weights = 1.0 / counts[classes] if balance else torch.ones(self.n_rows, device=data.device)

    def sample(self, batch_size, rng):
        idx = torch.multinomial(self.row_weights, batch_size, replacement=True, generator=rng)
        return Batch(self.data[idx], None if self.cond is None else self.cond[idx])  # (B, D), (B, C) | None

    def sample_condition(self, batch_size, rng):
        if self.cond is None:
            return None
        idx = torch.multinomial(self.row_weights, batch_size, replacement=True, generator=rng)
        return self.cond[idx]


def _hidden_dims_check(name: str, value: Any) -> None:
    if value is not None and (
        isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) == 0
        or any(isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in value)
    ):
        raise ParameterError(f"{name}={value!r} must be a non-empty list of positive integers")


def _encoding_check(name: str, value: Any) -> None:
    if value not in CONTINUOUS_ENCODINGS:
        raise ParameterError(f"{name}={value!r} is not one of {list(CONTINUOUS_ENCODINGS)}")


#: TabularGAN's own parameters (the common GAN ones come from synthesizers._gan)
TABLE_PARAMS = (
    Param("hidden_dims", None, Optional[Sequence[int]], "Generator layer widths, e.g. 64,128,256; none: from the data.",
          _hidden_dims_check),
    Param("continuous_encoding", "quantile", str, "Encoding of numeric columns: quantile, minmax or mode.", _encoding_check),
    Param("categorical", None, Optional[Sequence[str]], "Columns to treat as categorical."),
    Param("continuous", None, Optional[Sequence[str]], "Columns to treat as continuous."),
    Param("minibatch_discrimination", 0, int, "Minibatch-discrimination kernels in D (0 = off).",
          number(integer=True, low=0, hint=" (0 = off)")),
    Param("minibatch_kernel_dim", 8, int, "Width of each minibatch-discrimination kernel.", number(integer=True, low=1)),
    Param("pac", 1, int, "PacGAN: D judges this many rows together (1 = off).",
          number(integer=True, low=1, hint=" (1 disables packing)")),
    Param("dropout", 0.25, float, "Dropout in the discriminator.", number(low=0, high=1, high_open=True)),
    Param("gumbel_tau", 0.2, float, "Gumbel-softmax temperature of categorical outputs in training (0 = plain softmax).",
          number(low=0)),
    Param("categorical_sampling", "sample", str, "Categories of sampled rows: sample (from the softmax) or mode.",
          choice("sample", "mode")),
    Param("balance_classes", True, bool, "With a target, draw training rows class-balanced."),
)
_ORDER = ("objective", "epochs", "batch_size", "noise_dim", "hidden_dims", "lr", "n_critic", "continuous_encoding",
          "categorical", "continuous", "label_smoothing", "label_flip", "instance_noise", "minibatch_discrimination",
          "minibatch_kernel_dim", "pac", "dropout", "lr_schedule", "gumbel_tau", "categorical_sampling",
          "balance_classes", "on_divergence", "checkpoint_dir", "checkpoint_every", "device", "verbose", "random_state")


class TabularGAN(GANSynthesizer):
    """GAN for small mixed-type tables.

    ``TabularGAN().fit(df)`` is a good first try on any table of a few hundred to a few
    tens of thousands of rows; every argument has a data-adaptive default.

    Parameters
    ----------
    objective : {"bce", "wgan", "wgan-gp"}
        Adversarial objective (see :mod:`synthboost.nn.objectives`). ``"bce"`` is the
        default by measurement (bench/RESULTS.md): it is the fastest, and on small tables
        (breast_cancer, german_credit) within 0.01-0.02 of wgan-gp's fidelity and TSTR AUC
        at a quarter to a sixth of the time. On larger tables (adult, 7k rows) wgan-gp is
        clearly better; ``objective="wgan-gp", n_critic=1`` gets most of that at 1.6x bce's time.
    epochs, batch_size : int or None
        None picks them from the table size (:func:`auto_epochs`, :func:`auto_batch_size`).
    noise_dim : int
        Width of the generator's noise input z.
    hidden_dims : sequence of int or None
        Generator widths (doubling); the discriminator uses them reversed. None adapts
        them to the encoded width (:func:`~synthboost.nn.blocks.default_hidden_dims`).
    lr : float or None
        Learning rate of both networks; None uses the objective's usual value.
    n_critic : int or None
        Discriminator steps per generator step; None uses the objective's (1 or 5).
    continuous_encoding : {"minmax", "quantile", "mode"}
        Encoding of numeric columns (see :class:`~synthboost.data.tabular.TabularTransformer`).
        ``"quantile"`` is the default by measurement: +0.01 to +0.04 column-shape similarity
        over ``"minmax"`` on breast_cancer and german_credit at the same cost.
    categorical, continuous : list of str or None
        Override the inferred kind of these columns.
    label_smoothing : float
        Target for real rows in D's loss (one-sided smoothing; 1.0 disables). bce only.
    label_flip : float
        Probability of swapping each real/fake target in D's loss. bce only.
    instance_noise : float
        sigma0 of Gaussian noise on D's inputs, decaying as sigma0 / epoch.
    minibatch_discrimination : int
        Number of minibatch-discrimination kernels B (0 disables); each of dimension
        ``minibatch_kernel_dim`` (C).
    minibatch_kernel_dim : int
        Width C of each minibatch-discrimination kernel.
    pac : int
        PacGAN packing degree: D judges ``pac`` rows jointly (1 disables).
    dropout : float
        Dropout in the discriminator.
    lr_schedule : None or "onecycle"
        Learning-rate schedule over the whole run.
    gumbel_tau : float
        Temperature of the Gumbel-softmax on categorical outputs during training (0 = plain softmax).
    categorical_sampling : {"sample", "mode"}
        How sampled rows get their categorical values: "sample" draws each from the
        generator's softmax (the distribution it was trained with); "mode" takes the most
        likely category, which under-represents rare categories (german_credit: column-shape
        0.91 vs 0.96 with "sample"; bench/RESULTS.md).
    balance_classes : bool
        With a target, draw training rows class-balanced so rare classes are learned too.
    on_divergence : {"restore", "raise"}
        On a non-finite loss, roll back to the last good epoch with halved learning rates, or raise.
    checkpoint_dir, checkpoint_every : str or None, int
        Write a resumable checkpoint to ``checkpoint_dir`` every ``checkpoint_every`` epochs
        (0: every 10), after the last epoch and on Ctrl-C; ``fit(..., resume=True)`` continues from it.
    device : str
        Torch device ("cpu" or "cuda").
    verbose : bool
        Show a progress bar with the current losses.
    random_state : int, numpy Generator or None
        Same value and same data give identical samples (on CPU).
    """

    _params = pick(_ORDER, *TABLE_PARAMS)

    # -- fit --------------------------------------------------------------------------
    def _prepare_target(self, df: pd.DataFrame, target: str | None) -> None:
        self.target_ = target
        if target is None:
            self.classes_ = None
            return
        if target not in df.columns:
            raise SchemaError(f"target column {target!r} is not in the data; columns are {list(df.columns)}")
        y = df[target]
        if y.isna().any():
            raise SchemaError(
                f"target column {target!r} has {int(y.isna().sum())} missing values; drop those rows or fill them"
            )
        values = pd.unique(y)
        if len(values) < 2:
            raise SchemaError(
                f"target column {target!r} has a single class ({to_native(values[0])!r}); "
                "class-conditional training needs at least two (or fit without target=)"
            )
        if len(values) > MAX_TARGET_CLASSES or (pd.api.types.is_float_dtype(y) and (y % 1 != 0).any()):
            raise SchemaError(
                f"target column {target!r} has {len(values)} distinct values and looks continuous; "
                "the target must be a class label (fit without target= to model it as an ordinary column)"
            )
        try:
            values = sorted(values)
        except TypeError:
            values = list(values)
        self.classes_ = [to_native(v) for v in values]

    def fit(
        self,
        X: pd.DataFrame,
        y: Any = None,
        *,
        target: str | None = None,
        resume: bool = False,
        callbacks: Sequence[Callable] = (),
    ) -> "TabularGAN":
        """Learn the distribution of ``X`` (a DataFrame).

        ``target`` names a class column to condition on (or pass its values as ``y``;
        they are then added as a column named ``"target"`` unless ``y`` is a named Series).
        """
        return self._fit((X, y), resume=resume, callbacks=callbacks, target=target)

    def _prepare(self, X, y, target=None):
        df = validate_frame(X)
        if y is not None:
            values = np.asarray(y)
            if values.ndim != 1 or len(values) != len(df):
                raise SchemaError(f"y must hold one label per row of X ({len(df)} rows); got shape {values.shape}")
            name = getattr(y, "name", None)
            name = "target" if name is None else name
            df = df.copy()
            df[name] = values  # by item, not assign(): column names need not be strings
            target = name
        self._prepare_target(df, target)
        return df

    def _encode(self, df: pd.DataFrame, rng: np.random.Generator) -> _TableSource:
        """Schema, transformer and encoded rows (N, D); one-hot class conditions (N, C) with a target."""
        target = self.target_
        overrides_cat = list(self.categorical or []) + ([target] if target else [])
        self.schema_ = infer_schema(df, categorical=overrides_cat, continuous=self.continuous)
        features = TableSchema([c for c in self.schema_.columns if c.name != target])
        if not features.columns:
            raise SchemaError("the table has no column besides the target; nothing to generate")
        self.transformer_ = TabularTransformer(self.continuous_encoding).fit(df, features, rng)
        self.n_features_in_ = df.shape[1]
        self.feature_names_in_ = np.asarray(df.columns, dtype=object)

        data = torch.as_tensor(self.transformer_.transform(df, rng), device=self.device)  # (N, D)
        classes = cond = None
        if target is not None:
            codes = pd.Categorical(df[target], categories=self.classes_).codes
            classes = torch.as_tensor(codes.astype(np.int64), device=self.device)  # (N,)
            cond = torch.eye(len(self.classes_), device=self.device)[classes]  # (N, C)
            counts = np.bincount(codes, minlength=len(self.classes_))
            self.class_weights_ = (counts / counts.sum()).tolist()
        return _TableSource(data, cond, classes, self.balance_classes)

    def _training_config(self, n_rows: int, objective, target_steps: int = 2000) -> TrainingConfig:
        """The engine's configuration from this estimator's parameters and the table size."""
        batch = self.batch_size or auto_batch_size(n_rows)
        batch = max(self.pac, batch - batch % self.pac)  # PacGAN needs whole packs
        epochs = self.epochs or auto_epochs(n_rows, batch, target_steps)
        lr = self._default_lr()
        config = TrainingConfig(
            epochs=int(epochs),
            batch_size=int(batch),
            noise_dim=int(self.noise_dim),
            n_critic=int(self.n_critic or objective.default_n_critic),
            lr_g=lr,
            lr_d=lr,
            label_smoothing=self.label_smoothing if objective.uses_targets else 1.0,
            label_flip=self.label_flip if objective.uses_targets else 0.0,
            instance_noise=self.instance_noise,
            lr_schedule=self.lr_schedule,
            on_divergence=self.on_divergence,
            checkpoint_dir=self.checkpoint_dir,
            checkpoint_every=self.checkpoint_every,
            verbose=self.verbose,
        )
        config.validate()
        return config

    def _cond_dim(self) -> int:
        return len(self.classes_) if self.classes_ else 0

    def _build_networks(self) -> None:
        spans, cond_dim = self.transformer_.output_spans, self._cond_dim()
        data_dim = sum(s.dim for s in spans)
        hidden = tuple(self.hidden_dims) if self.hidden_dims else default_hidden_dims(data_dim)
        self.hidden_dims_ = hidden
        self.generator_ = build(lambda: DenseGenerator(
            self.noise_dim, spans, hidden, cond_dim, self.gumbel_tau or None, self.categorical_sampling != "mode"
        )).to(self.device)
        self.discriminator_ = build(lambda: DenseDiscriminator(
            data_dim,
            hidden[::-1],
            cond_dim,
            pac=self.pac,
            dropout=self.dropout,
            minibatch_kernels=self.minibatch_discrimination,
            minibatch_kernel_dim=self.minibatch_kernel_dim,
        )).to(self.device)

    # -- sample -----------------------------------------------------------------------
    def _condition_codes(self, n: int, conditions: Mapping[str, Any] | None, rng: torch.Generator) -> np.ndarray | None:
        """Class index per row (exact counts for a condition), or None without a target."""
        if conditions is not None and not isinstance(conditions, Mapping):
            raise ParameterError(f"conditions={conditions!r} must be a dict {{target column: class}}, "
                                 f"e.g. {{{self.target_ or 'target'!r}: ...}}")
        if conditions:
            unknown = [c for c in conditions if c != self.target_]
            if unknown:
                hint = f"the target {self.target_!r}" if self.target_ else "nothing (fit with target= to condition)"
                raise ConditionError(f"cannot condition on {unknown}; this model can be conditioned on {hint}")
            value = conditions[self.target_]
            matches = [i for i, c in enumerate(self.classes_) if c == value or str(c) == str(value)]
            if not matches:
                raise ConditionError(
                    f"{self.target_}={value!r} was never seen in training; known values are {self.classes_}"
                )
            return np.full(n, matches[0], dtype=np.int64)
        if self.target_ is None:
            return None
        p = torch.as_tensor(self.class_weights_, dtype=torch.float64, device=rng.device)
        return torch.multinomial(p, n, replacement=True, generator=rng).cpu().numpy() if n else np.zeros(0, np.int64)

    @torch.no_grad()
    def sample_encoded(self, n: int, conditions: Mapping[str, Any] | None = None, random_state: int | None = None):
        """Encoded rows (n, D) as a numpy array and the class code per row (or None)."""
        self._check_fitted()
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ParameterError(f"n={n!r} must be a non-negative integer")
        rng = self._rng_for(random_state)
        codes = self._condition_codes(int(n), conditions, rng)
        eye = None if codes is None else torch.eye(len(self.classes_), device=self.device)
        cond_at = None if codes is None else lambda a, b: eye[torch.as_tensor(codes[a:b], device=self.device)]
        return self._run_generator(int(n), cond_at, rng), codes

    @torch.no_grad()
    def _run_generator(self, n: int, cond_at: Callable[[int, int], torch.Tensor] | None, rng: torch.Generator) -> np.ndarray:
        """Encoded rows (n, D) from G in eval mode, in chunks; ``cond_at(start, stop)`` gives the
        condition rows (m, C) of a chunk (None: unconditioned). z and categorical draws both come from ``rng``."""
        G = self.generator_.eval()
        out = []
        set_rng(G, rng)
        try:
            for start in range(0, n, SAMPLE_CHUNK):
                m = min(SAMPLE_CHUNK, n - start)
                z = G.sample_noise(m, rng)  # (m, Z)
                out.append(G(z, None if cond_at is None else cond_at(start, start + m)).cpu())
        finally:
            set_rng(G, None)
        return torch.cat(out).numpy() if out else np.zeros((0, self.transformer_.output_dim), np.float32)

    def sample(
        self, n: int, conditions: Mapping[str, Any] | None = None, *, random_state: int | None = None
    ) -> pd.DataFrame:
        """``n`` synthetic rows with the training table's columns, dtypes and category values.

        ``conditions={target: value}`` gives exactly ``n`` rows of that class.
        """
        X, codes = self.sample_encoded(n, conditions, random_state)
        df = self.transformer_.inverse_transform(X)
        if self.target_ is not None:
            values = np.asarray(self.classes_, dtype=object)[codes]
            df[self.target_] = restore_series(values, self.schema_[self.target_], index=df.index)
        return df[self.schema_.names]

    # -- discriminator diagnostics --------------------------------------------------------
    @torch.no_grad()
    def _d_forward(self, x: torch.Tensor, cond: torch.Tensor | None) -> np.ndarray:
        """D's verdict per encoded row x (n, D) at condition cond (n, C) or None:
        P(real) for bce, the critic value for wgan(-gp)."""
        D = self.discriminator_.eval()
        if D.pac > 1:  # PacGAN judges packs: score each row as a pack of its own copies
            x = x.repeat_interleave(D.pac, 0)
            cond = None if cond is None else cond.repeat_interleave(D.pac, 0)
        out = D(x, cond)[:, 0] if len(x) else torch.zeros(0)
        if get_objective(self.objective).probabilistic:
            out = torch.sigmoid(out)
        return out.cpu().numpy().astype(np.float64)

    def _d_scores(self, encoded: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
        """D's verdict per encoded row (n,), conditioned on class codes (n,) or None."""
        x = torch.as_tensor(encoded, dtype=torch.float32, device=self.device)  # (n, D)
        cond = None
        if codes is not None:
            cond = torch.eye(len(self.classes_), device=self.device)[torch.as_tensor(np.asarray(codes, dtype=np.int64), device=self.device)]
        return self._d_forward(x, cond)

    def realism_scores(self, X: pd.DataFrame) -> np.ndarray:
        """The trained discriminator's score of each row of ``X`` (real or synthetic).

        P(real) in [0, 1] for ``objective="bce"``; the critic value (higher = more real)
        for wgan/wgan-gp. With minibatch discrimination the score depends on the other rows
        passed in the same call.
        """
        self._check_fitted()
        if not isinstance(X, pd.DataFrame):
            raise SchemaError(f"rows to score must be a pandas DataFrame, got {type(X).__name__}")
        df, codes = X, None
        if self.target_ is not None:
            if self.target_ not in df.columns:
                raise SchemaError(f"rows to score need the target column {self.target_!r}")
            codes = pd.Categorical(df[self.target_].map(str), categories=[str(c) for c in self.classes_]).codes
            if (codes < 0).any():
                raise ConditionError(f"{self.target_} has values never seen in training; known values are {self.classes_}")
        return self._d_scores(self.transformer_.transform(df), codes)

    def realism_share(self, synthetic: pd.DataFrame, real: pd.DataFrame | None = None) -> float:
        """Share of ``synthetic`` rows that the discriminator takes for real.

        bce: P(real) > 0.5. wgan/wgan-gp have no probability, so a row counts as taken for
        real when its critic value reaches the median critic value of ``real`` (required there).
        """
        scores = self.realism_scores(synthetic)
        if get_objective(self.objective).probabilistic:
            return float((scores > 0.5).mean()) if len(scores) else float("nan")
        if real is None:
            raise ParameterError(f"objective={self.objective!r} has no probability; pass real= rows as the reference")
        return float((scores >= np.median(self.realism_scores(real))).mean())

    # -- persistence --------------------------------------------------------------------
    def _data_state(self) -> dict:
        return {
            "schema": self.schema_.to_dict(),
            "transformer": self.transformer_.to_dict(),
            "target": self.target_,
            "classes": self.classes_,
            "class_weights": getattr(self, "class_weights_", None),
        }

    def _restore_data(self, meta: dict) -> None:
        self.target_, self.classes_ = meta["target"], meta["classes"]
        if meta.get("class_weights") is not None:
            self.class_weights_ = meta["class_weights"]
        self.schema_ = TableSchema.from_dict(meta["schema"])
        self.transformer_ = TabularTransformer.from_dict(meta["transformer"])
        self.n_features_in_ = len(self.schema_.columns)
        self.feature_names_in_ = np.asarray(self.schema_.names, dtype=object)
