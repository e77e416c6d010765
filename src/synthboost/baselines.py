"""Named augmenters for the boosting harness: the GAN and the baselines it must beat.

All share :class:`~synthboost.augment.BaseAugmenter`'s contract (``fit_resample``, the same
``ratio`` / ``sampling_strategy`` semantics), so every augmenter is asked for the same number of
rows of the same classes. Filters (the GAN's label filter) and a peer that cannot produce a
class may supply fewer; the shortfall is recorded (``n_synthetic_``, the results' ``n_synthetic``)
and the report states it, never filled with copies. Adding one is one registry entry:
``register_augmenter("name", factory)`` where ``factory(random_state, ratio)`` returns a sampler.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from .augment import BaseAugmenter, GANResampler
from .data.schema import infer_schema
from .errors import ParameterError


class NoAugmentation(BaseAugmenter):
    """The baseline: the real rows, unchanged."""

    def __init__(self, random_state: int | None = None):
        self.random_state = random_state

    def fit_resample(self, X, y):
        self.ratio_, self.n_synthetic_ = 0.0, 0
        return X, y


class RandomOversampler(BaseAugmenter):
    """Copies of real rows of each class, drawn with replacement."""

    def __init__(self, ratio: float = 1.0, sampling_strategy: Any = "preserve", random_state: int | None = None):
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def _fit_generator(self, X, y, rng):
        self._by_class = {c: X[(y == c).to_numpy()] for c in y.unique()}

    def _generate(self, cls, k, rng):
        rows = self._by_class[cls]
        return rows.iloc[rng.integers(0, len(rows), k)].reset_index(drop=True)


class GaussianNoise(RandomOversampler):
    """Jittered copies: numeric columns get N(0, (scale * std)^2) noise, clipped to the
    observed range (integers rounded); categorical values are kept."""

    def __init__(
        self, ratio: float = 1.0, sampling_strategy: Any = "preserve", scale: float = 0.1, random_state: int | None = None
    ):
        super().__init__(ratio, sampling_strategy, random_state)
        self.scale = scale

    def _fit_generator(self, X, y, rng):
        super()._fit_generator(X, y, rng)
        schema = infer_schema(X)
        self._numeric = [
            c.name for c in schema.columns if c.kind in ("continuous", "integer") and pd.api.types.is_numeric_dtype(X[c.name])
        ]
        self._stats = {c: (X[c].std(), X[c].min(), X[c].max(), schema[c].kind == "integer") for c in self._numeric}

    def _generate(self, cls, k, rng):
        rows = super()._generate(cls, k, rng)
        for c in self._numeric:
            std, lo, hi, integer = self._stats[c]
            v = rows[c].to_numpy(dtype=float, na_value=np.nan) + rng.normal(0, self.scale * (std if np.isfinite(std) else 0.0), k)
            v = np.clip(v, lo, hi)
            rows[c] = np.round(v) if integer else v
        return rows


class SMOTEAugmenter(BaseAugmenter):
    """SMOTE from imbalanced-learn, SMOTENC for mixed tables, SMOTEN for all-categorical.

    SMOTE cannot interpolate missing values: numeric NaN are imputed with the class
    median and categorical NaN become a category of their own before interpolation.
    Classes with a single row fall back to copies of it.
    """

    def __init__(
        self, ratio: float = 1.0, sampling_strategy: Any = "preserve", k_neighbors: int = 5, random_state: int | None = None
    ):
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def _fit_generator(self, X, y, rng):
        self._X, self._y = X, y
        schema = infer_schema(X)
        self._cat = [c.name for c in schema.columns if c.kind == "categorical"]
        self._int = [c.name for c in schema.columns if c.kind == "integer"]
        self._pool: dict[Any, pd.DataFrame] = {}

    def fit_resample(self, X, y):
        self._pool = {}
        return super().fit_resample(X, y)

    def _generate(self, cls, k, rng):
        from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

        X, y = self._X.copy(), self._y
        for c in X.columns:
            if c in self._cat:
                X[c] = X[c].astype(object).where(X[c].notna(), "__nan__").astype(str)
            elif X[c].isna().any():
                X[c] = X[c].fillna(X[c].groupby(y.to_numpy()).transform("median")).fillna(X[c].median())
        n_cls = int((y == cls).sum())
        if n_cls < 2:
            return X[(y == cls).to_numpy()].iloc[np.zeros(k, int)].reset_index(drop=True).pipe(self._restore)
        kn = min(self.k_neighbors, n_cls - 1)
        seed = int(rng.integers(2**31))
        strategy = {cls: n_cls + k}
        if not self._cat:
            sm = SMOTE(sampling_strategy=strategy, k_neighbors=kn, random_state=seed)
        elif len(self._cat) == X.shape[1]:
            sm = SMOTEN(sampling_strategy=strategy, k_neighbors=kn, random_state=seed)
        else:
            sm = SMOTENC([X.columns.get_loc(c) for c in self._cat], sampling_strategy=strategy, k_neighbors=kn, random_state=seed)
        Xr, _ = sm.fit_resample(X, y.to_numpy())
        return self._restore(Xr.iloc[len(X) :].reset_index(drop=True))

    def _restore(self, rows: pd.DataFrame) -> pd.DataFrame:
        rows = rows.copy()
        for c in self._cat:
            orig = {str(v): v for v in self._X[c].dropna().unique()}
            rows[c] = rows[c].map(lambda v: orig.get(v, np.nan) if v != "__nan__" else np.nan)
        for c in self._int:
            rows[c] = np.round(rows[c].astype(float))
        return rows


CTGAN_TRIES = 10  # sampling rounds per class before the shortfall is counted in n_unfilled_


class CTGANAugmenter(BaseAugmenter):
    """CTGAN (the ``ctgan`` package, optional ``bench`` extra), sampled per class.

    CTGAN cannot model missing numeric values: they are imputed with the class median
    before fitting (categorical NaN become a category of their own), so its rows have none.
    """

    generative = True
    _generator_attrs = ("model_", "_X")

    def __init__(self, ratio: float = 1.0, sampling_strategy: Any = "preserve", epochs: int = 300, random_state: int | None = None):
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.epochs = epochs
        self.random_state = random_state

    def _fit_generator(self, X, y, rng):
        try:
            from ctgan import CTGAN
        except ImportError:  # pragma: no cover - depends on the optional extra
            raise ParameterError("augmenter 'ctgan' needs the optional ctgan package: pip install 'synthboost[bench]'") from None
        schema = infer_schema(X)
        discrete = [c.name for c in schema.columns if c.kind == "categorical"] + ["__target__"]
        df = X.copy()
        for c in discrete[:-1]:
            df[c] = df[c].astype(object).where(df[c].notna(), "__nan__").astype(str)
        for c in df.columns.difference(discrete[:-1]):
            if df[c].isna().any():
                df[c] = df[c].fillna(df[c].groupby(y.to_numpy()).transform("median")).fillna(df[c].median())
        df["__target__"] = y.astype(str).to_numpy()
        self._cat = discrete[:-1]
        self._X = X
        self.model_ = CTGAN(epochs=self.epochs, batch_size=max(10, min(500, (len(df) // 10) * 10)), pac=1, enable_gpu=False)
        self.model_.set_random_state(int(rng.integers(2**31)))
        self.model_.fit(df, discrete_columns=discrete)

    def _generate(self, cls, k, rng):
        # CTGAN's condition only makes the class likelier (pima_diabetes n=100: 41 % of the rows
        # asked for class 1 come out labelled 1): keep the rows it labels as asked, as SDV does
        kept, have = [], 0
        for _ in range(CTGAN_TRIES):
            rows = self.model_.sample(max(4 * (k - have), 50), condition_column="__target__", condition_value=str(cls))
            rows = rows[rows["__target__"] == str(cls)].iloc[: k - have]
            kept.append(rows)
            have += len(rows)
            if have >= k:
                break
        self.n_unfilled_ = getattr(self, "n_unfilled_", 0) + (k - have)  # never relabelled to fill up
        rows = pd.concat(kept).drop(columns="__target__").reset_index(drop=True)
        for c in self._cat:
            orig = {str(v): v for v in self._X[c].dropna().unique()}
            rows[c] = rows[c].map(lambda v: orig.get(v, np.nan))
        return rows


def _gan(objective: str | None = None, ratio_override: Any = None, **resampler) -> Callable:
    def factory(random_state=None, ratio=1.0):
        from .synthesizers import TabularGAN

        synth = TabularGAN(verbose=False) if objective is None else TabularGAN(objective=objective, verbose=False)
        ratio = ratio if ratio_override is None else ratio_override
        return GANResampler(synth, ratio=ratio, random_state=random_state, **resampler)

    return factory


AUGMENTERS: dict[str, Callable[..., BaseAugmenter]] = {
    "none": lambda random_state=None, ratio=1.0: NoAugmentation(random_state=random_state),
    "random_oversample": lambda random_state=None, ratio=1.0: RandomOversampler(ratio, random_state=random_state),
    "gaussian_noise": lambda random_state=None, ratio=1.0: GaussianNoise(ratio, random_state=random_state),
    "smote": lambda random_state=None, ratio=1.0: SMOTEAugmenter(ratio, random_state=random_state),
    "gan": _gan(),
    "gan-wgan-gp": _gan("wgan-gp"),
    "gan-wgan": _gan("wgan"),
    "gan-auto": _gan(ratio_override="auto"),
    "gan-unfiltered": _gan(min_label_confidence=None),
    "ctgan": lambda random_state=None, ratio=1.0: CTGANAugmenter(ratio, random_state=random_state),
}


def register_augmenter(name: str, factory: Callable[..., BaseAugmenter]) -> None:
    """Make ``factory(random_state=..., ratio=...)`` available to the boosting harness as ``name``."""
    AUGMENTERS[name] = factory


def make_augmenter(name: str, random_state: int | None = None, ratio: float | str = 1.0) -> BaseAugmenter:
    if name not in AUGMENTERS:
        raise ParameterError(f"unknown augmenter {name!r}; choose from {', '.join(AUGMENTERS)}")
    return AUGMENTERS[name](random_state=random_state, ratio=ratio)


def check_augmenter_available(name: str) -> None:
    """Fail before a long run starts when an augmenter's optional package is missing."""
    if name not in AUGMENTERS:
        raise ParameterError(f"unknown augmenter {name!r}; choose from {', '.join(AUGMENTERS)}")
    if name == "ctgan":
        try:
            import ctgan  # noqa: F401
        except ImportError:
            raise ParameterError("augmenter 'ctgan' needs the optional ctgan package: pip install 'synthboost[bench]'") from None
