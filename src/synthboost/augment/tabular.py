"""Leakage-safe augmentation: samplers that add synthetic rows to exactly the rows they are given.

Every augmenter follows imbalanced-learn's sampler contract: ``fit_resample(X, y)`` learns
from ``X, y`` only and returns them followed by the synthetic rows (pandas in -> pandas
out, numpy in -> numpy out). Inside ``imblearn.pipeline.Pipeline`` resampling happens
only while fitting, so under cross-validation the generator is refitted on each training
fold and never sees a test fold.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split

from ..base import check_number, make_rngs
from ..errors import ParameterError, SchemaError

STRATEGIES = ("preserve", "balance")
DEFAULT_RATIO_GRID = (0.0, 0.5, 1.0, 2.0, 4.0)


def check_ratio(value: Any, name: str = "ratio") -> None:
    """Synthetic rows per real row: a number >= 0, or "auto" (chosen by inner cross-validation)."""
    if not (isinstance(value, str) and value == "auto"):
        check_number(name, value, low=0, hint=" or 'auto' (chosen by inner cross-validation)")


def synthetic_counts(y: pd.Series, ratio: float, strategy: Any = "preserve") -> dict[Any, int]:
    """Synthetic rows to add per class.

    ``"preserve"``: ``round(ratio * n)`` rows split in the classes' proportions (largest
    remainder, so the total is exact). ``"balance"``: the same total, given to the
    smallest classes first so the augmented classes end as equal as possible. A dict
    ``{class: count}`` is the number of rows each named class has *after* resampling, as in
    imbalanced-learn's over-samplers (``ratio`` is ignored; classes not named get none).
    """
    counts = y.value_counts(sort=False)
    classes = list(counts.index)
    if isinstance(strategy, Mapping):
        unknown = [c for c in strategy if c not in classes]
        if unknown:
            raise ParameterError(f"sampling_strategy names classes {unknown} that are not in y; classes are {classes}")
        bad = {c: k for c, k in strategy.items()
               if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < counts[c]}
        if bad:
            have = {c: int(counts[c]) for c in bad}
            raise ParameterError(f"sampling_strategy gives each class's row count after resampling, an integer at least "
                                 f"its current count {have}; got {bad}")
        return {c: int(strategy[c]) - int(counts[c]) if c in strategy else 0 for c in classes}
    if strategy not in STRATEGIES:
        raise ParameterError(f"sampling_strategy={strategy!r} must be one of {STRATEGIES} or a dict {{class: count}}")
    total = int(round(ratio * len(y)))
    if strategy == "preserve":
        share = counts.to_numpy(float) / counts.sum() * total
        out = np.floor(share).astype(int)
        for i in np.argsort(-(share - out), kind="stable")[: total - out.sum()]:
            out[i] += 1
        return dict(zip(classes, out.tolist()))
    # balance: water-filling, one row at a time to the currently smallest class
    have = counts.to_numpy(int).copy()
    add = np.zeros_like(have)
    for _ in range(total):
        i = int(np.argmin(have + add))
        add[i] += 1
    return dict(zip(classes, add.tolist()))


def _as_frame(X: Any, y: Any) -> tuple[pd.DataFrame, pd.Series, dict]:
    """Validate and convert to pandas; remember what came in so the output can match it."""
    info = {"frame": isinstance(X, pd.DataFrame), "series": isinstance(y, pd.Series)}
    if info["frame"]:
        Xf = X.reset_index(drop=True)
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise SchemaError(f"X must be a 2-D table (DataFrame or array), got shape {arr.shape}")
        Xf = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
        info["dtype"] = arr.dtype
    if np.ndim(y) != 1:
        raise SchemaError(f"y must be one label per row (a Series or 1-D array), got shape {np.shape(y)}; "
                          "for a one-column DataFrame pass df[column]")
    ys = pd.Series(np.asarray(y), name=getattr(y, "name", None))
    if len(ys) != len(Xf):
        raise SchemaError(f"X has {len(Xf)} rows but y has {len(ys)}; they must match")
    if len(Xf) == 0:
        raise SchemaError("X is empty; there is nothing to augment")
    if ys.isna().any():
        raise SchemaError(f"y has {int(ys.isna().sum())} missing labels; drop those rows first")
    if ys.nunique() < 2:
        raise SchemaError(f"y has a single class ({ys.iloc[0]!r}); augmentation needs at least two classes")
    return Xf, ys, info


class BaseAugmenter(BaseEstimator):
    """Shared ``fit_resample``: class counts, pandas/numpy round trip, ``ratio="auto"``.

    Subclasses implement ``_fit_generator(X, y, rng)`` (learn from these rows only) and
    ``_generate(cls, k, rng) -> DataFrame`` (k synthetic rows of class ``cls``, X's columns).
    """

    #: tells imbalanced-learn's Pipeline this step resamples (it only calls fit_resample)
    _estimator_type = "sampler"
    generative = False  # learns a model of the data (gets a showcase in the boosting report)

    def _fit_generator(self, X: pd.DataFrame, y: pd.Series, rng: np.random.Generator) -> None:
        raise NotImplementedError  # pragma: no cover

    def _generate(self, cls: Any, k: int, rng: np.random.Generator) -> pd.DataFrame:
        raise NotImplementedError  # pragma: no cover

    def _filter(self, X: pd.DataFrame, cls: Any, k: int, rng: np.random.Generator) -> pd.DataFrame:
        return self._generate(cls, k, rng)

    #: fitted attributes that belong to the generator (dropped when a fit adds no rows)
    _generator_attrs: tuple[str, ...] = ()

    def _forget_generator(self) -> None:
        for name in self._generator_attrs:
            self.__dict__.pop(name, None)

    # -- public API -----------------------------------------------------------------
    def fit(self, X, y):
        self.fit_resample(X, y)
        return self

    def fit_resample(self, X, y):
        """Fit on ``X, y`` only; return them followed by the synthetic rows."""
        Xf, ys, info = _as_frame(X, y)
        rng, _ = make_rngs(getattr(self, "random_state", None))
        ratio = getattr(self, "ratio", 1.0)
        strategy = getattr(self, "sampling_strategy", "preserve")
        check_ratio(ratio)
        if ratio == "auto":
            if isinstance(strategy, Mapping):  # fixed counts leave no amount to choose
                raise ParameterError("ratio='auto' chooses how many rows to add, a dict sampling_strategy fixes them; "
                                     "use 'preserve' or 'balance' with ratio='auto', or a number with the dict")
            ratio = self._choose_ratio(Xf, ys, strategy, rng)
        self.ratio_ = float(ratio)
        counts = synthetic_counts(ys, self.ratio_, strategy)
        self.classes_ = list(ys.value_counts(sort=False).index)
        self.n_real_ = len(Xf)
        self.n_unfilled_ = 0  # synthetic rows the filters could not supply (counted, never faked)
        if sum(counts.values()) == 0:
            self.n_synthetic_ = 0
            self._forget_generator()  # a generator from an inner fold or an earlier fit made none of these rows
            return self._output(Xf, ys, Xf.iloc[:0], ys.iloc[:0], info)
        self._fit_generator(Xf, ys, rng)
        parts, labels = [], []
        for cls, k in counts.items():
            if k:
                rows = self._filter(Xf, cls, k, rng)
                parts.append(rows[Xf.columns])
                labels.append(pd.Series([cls] * len(rows), dtype=ys.dtype))
        Xs = pd.concat(parts, ignore_index=True)
        ys_syn = pd.concat(labels, ignore_index=True)
        self.n_synthetic_ = len(Xs)
        return self._output(Xf, ys, Xs, ys_syn, info)

    def _output(self, Xf, ys, Xs, ys_syn, info):
        X_all = pd.concat([Xf, _match_dtypes(Xs, Xf)], ignore_index=True)
        y_all = pd.concat([ys, ys_syn.astype(ys.dtype)], ignore_index=True).rename(ys.name)
        if not info["frame"]:
            X_all = X_all.to_numpy(dtype=info["dtype"])
        if not info["series"]:
            y_all = y_all.to_numpy()
        return X_all, y_all

    # -- ratio="auto" -----------------------------------------------------------------
    def _choose_ratio(self, X: pd.DataFrame, y: pd.Series, strategy, rng) -> float:
        """Pick the ratio from ``ratio_grid`` by inner CV on these rows; 0 unless one helps.

        One generator per inner fold, fitted on the fold's training part, samples the
        largest grid ratio once; smaller ratios use a prefix of those rows per class.
        """
        from ..models.tabular import make_model

        grid = sorted(set(float(r) for r in (getattr(self, "ratio_grid", None) or DEFAULT_RATIO_GRID)) | {0.0})
        if any(r < 0 for r in grid):
            raise ParameterError(f"ratio_grid={grid} must hold non-negative numbers")
        n_splits = min(int(getattr(self, "auto_cv", 3)), int(y.value_counts().min()))
        if n_splits < 2:
            self.auto_scores_ = {0.0: float("nan")}
            return 0.0
        estimator = getattr(self, "auto_estimator", None) or make_model("logreg", random_state=0)
        seed = int(rng.integers(2**31))
        scores = {r: [] for r in grid}
        folds = StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(X, y)
        for tr, va in folds:
            Xtr, ytr, Xva, yva = X.iloc[tr].reset_index(drop=True), y.iloc[tr].reset_index(drop=True), X.iloc[va], y.iloc[va]
            max_counts = synthetic_counts(ytr, grid[-1], strategy)
            self._fit_generator(Xtr, ytr, rng)
            pool = {c: self._filter(Xtr, c, k, rng)[Xtr.columns] if k else Xtr.iloc[:0] for c, k in max_counts.items()}
            for r in grid:
                take = {c: min(k, len(pool[c])) for c, k in synthetic_counts(ytr, r, strategy).items()}
                Xa = pd.concat([Xtr] + [_match_dtypes(pool[c].iloc[:k], Xtr) for c, k in take.items()], ignore_index=True)
                ya = pd.concat([ytr] + [pd.Series([c] * k, dtype=ytr.dtype) for c, k in take.items()], ignore_index=True)
                model = clone(estimator).fit(Xa, ya)
                scores[r].append(_auc(model, Xva, yva))
        self.auto_scores_ = {r: float(np.mean(v)) for r, v in scores.items()}
        best = max(grid, key=lambda r: (self.auto_scores_[r], -r))
        # fall back to no synthetic rows unless a ratio beats real rows alone
        return best if self.auto_scores_[best] > self.auto_scores_[0.0] else 0.0


def _auc(model, X, y) -> float:
    proba = model.predict_proba(X)
    classes = list(model.classes_)
    if len(classes) == 2:
        return float(roc_auc_score(np.asarray(y) == classes[1], proba[:, 1]))
    return float(roc_auc_score(np.asarray(y), proba, multi_class="ovr", labels=classes))


def _match_dtypes(Xs: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Cast synthetic columns to the real columns' dtypes (integers stay integers)."""
    out = Xs.copy()
    for c in like.columns:
        if out[c].dtype == like[c].dtype:
            continue
        try:
            if pd.api.types.is_integer_dtype(like[c]) and out[c].isna().any():
                out[c] = out[c].astype("Int64" if not str(like[c].dtype)[0].isupper() else like[c].dtype)
            else:
                out[c] = out[c].astype(like[c].dtype)
        except (TypeError, ValueError):
            pass  # keep the synthetic dtype rather than fail on an unusual column
    return out


class GANResampler(BaseAugmenter):
    """Add class-conditional GAN rows to a training set, fitted on that set only.

    Parameters
    ----------
    synthesizer : estimator or None
        A class-conditional synthesizer with ``fit(df, target=...)`` and
        ``sample(n, conditions={target: value})``; None uses ``TabularGAN(verbose=False)``.
        It is cloned for every fit, so the object passed in is never modified.
    ratio : float or "auto"
        Synthetic rows per real row. ``"auto"`` picks from ``ratio_grid`` by inner
        cross-validation (``auto_cv`` folds, scored by ROC AUC of ``auto_estimator``) on the
        given rows only, and falls back to 0 when no ratio beats real rows alone; the
        choice is ``ratio_`` and the scores ``auto_scores_``.
    sampling_strategy : "preserve", "balance" or dict
        Class make-up of the synthetic rows (see :func:`synthetic_counts`); a dict
        ``{class: count}`` gives a class's rows after resampling, as in imbalanced-learn.
    min_distance : float or None
        Drop synthetic rows closer than this to a real training row (near-copies), in
        the standardized space of :class:`synthboost.metrics.RowEncoder` (1 = one standard
        deviation or one category mismatch). Dropped rows are replaced by fresh ones.
    keep_most_realistic : float or None
        In (0, 1]: generate ``k / keep_most_realistic`` rows per class and keep the ``k``
        the discriminator scores as most realistic (needs ``realism_scores``).
    min_label_confidence : float or None
        Label-consistency filter (default 0.5): a classifier (``auto_estimator``, logistic
        regression by default) trained on the given real rows must give a synthetic row's
        class at least this probability, else the row is replaced by a fresh one. It drops
        rows whose features contradict their label, which on small tables is what turns
        GAN rows from a loss into a gain (bench/RESULTS.md); None switches it off.
    random_state : int or None
    """

    generative = True

    def __init__(
        self,
        synthesizer: Any = None,
        ratio: float | str = 1.0,
        sampling_strategy: Any = "preserve",
        min_distance: float | None = None,
        keep_most_realistic: float | None = None,
        min_label_confidence: float | None = 0.5,
        ratio_grid: Sequence[float] | None = None,
        auto_cv: int = 3,
        auto_estimator: Any = None,
        random_state: int | None = None,
    ):
        self.synthesizer = synthesizer
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.min_distance = min_distance
        self.keep_most_realistic = keep_most_realistic
        self.min_label_confidence = min_label_confidence
        self.ratio_grid = ratio_grid
        self.auto_cv = auto_cv
        self.auto_estimator = auto_estimator
        self.random_state = random_state

    _TARGET = "__synthboost_target__"
    _generator_attrs = ("synthesizer_", "_encoder", "_nn", "_labeler")

    def _fit_generator(self, X, y, rng):
        if self.keep_most_realistic is not None and not 0 < self.keep_most_realistic <= 1:
            raise ParameterError(f"keep_most_realistic={self.keep_most_realistic!r} must be in (0, 1]")
        if self.min_distance is not None and self.min_distance < 0:
            raise ParameterError(f"min_distance={self.min_distance!r} must be >= 0")
        if self.min_label_confidence is not None and not 0 <= self.min_label_confidence <= 1:
            raise ParameterError(f"min_label_confidence={self.min_label_confidence!r} must be in [0, 1] (or None to switch the filter off)")
        if self.synthesizer is None:
            from ..synthesizers import TabularGAN

            synth = TabularGAN(verbose=False)
        else:
            synth = clone(self.synthesizer)
        if "random_state" in synth.get_params():
            synth.set_params(random_state=int(rng.integers(2**31)))
        if self.keep_most_realistic is not None and not hasattr(synth, "realism_scores"):
            raise ParameterError(f"keep_most_realistic needs a synthesizer with realism_scores(); {type(synth).__name__} has none")
        df = X.assign(**{self._TARGET: y.astype(str).to_numpy()})
        self.synthesizer_ = synth.fit(df, target=self._TARGET)
        if self.min_distance:
            from sklearn.neighbors import NearestNeighbors

            from ..metrics.encoding import RowEncoder

            self._encoder = RowEncoder().fit(X)
            self._nn = NearestNeighbors(n_neighbors=1).fit(self._encoder.transform(X))
        if self.min_label_confidence is not None:
            from ..models.tabular import make_model

            self._labeler = clone(self.auto_estimator or make_model("logreg")).fit(X, y)

    def _generate(self, cls, k, rng):
        rows = self.synthesizer_.sample(k, conditions={self._TARGET: str(cls)}, random_state=int(rng.integers(2**31)))
        return rows.reset_index(drop=True)

    def _filter(self, X, cls, k, rng):
        """k rows of class ``cls`` that pass the near-copy, label and realism filters."""
        frac = self.keep_most_realistic or 1.0
        kept, need = [], k
        for attempt in range(5):  # near-copy rejections are rare; a few rounds refill them
            rows = self._generate(cls, int(np.ceil(need / frac)) * (2 if attempt else 1), rng)
            if self.min_distance:
                dist = self._nn.kneighbors(self._encoder.transform(rows[X.columns]))[0][:, 0]
                rows = rows[dist >= self.min_distance].reset_index(drop=True)
            if self.min_label_confidence is not None and len(rows):
                col = list(self._labeler.classes_).index(cls)
                p = self._labeler.predict_proba(rows[X.columns])[:, col]
                rows = rows[p >= self.min_label_confidence].reset_index(drop=True)
            if frac < 1 and len(rows):
                best = np.argsort(-self.synthesizer_.realism_scores(rows), kind="stable")
                rows = rows.iloc[best].reset_index(drop=True)
            kept.append(rows.iloc[:need])
            need -= len(kept[-1])
            if need == 0:
                break
        # rows the filters could not supply are left out (recorded, not faked)
        self.n_unfilled_ = getattr(self, "n_unfilled_", 0) + need
        return pd.concat(kept, ignore_index=True).drop(columns=[self._TARGET], errors="ignore")


def enhance(
    X: Any,
    y: Any,
    fraction: float = 0.1,
    multiplier: float = 1.0,
    *,
    synthesizer: Any = None,
    random_state: int | None = None,
    return_holdout: bool = False,
):
    """Data boosting: keep a random stratified ``fraction`` of the rows, train a generator
    on that subset only, and add ``multiplier`` x as many synthetic rows (``"auto"``: the ratio
    :class:`GANResampler` chooses by inner cross-validation on the subset).

    Returns ``(X_aug, y_aug)`` (the subset first, then the synthetic rows); with
    ``return_holdout=True`` also ``(X_rest, y_rest)``, the rows the generator never saw,
    which are fair test data.
    """
    check_number("fraction", fraction, low=0, high=1, low_open=True)
    check_ratio(multiplier, "multiplier")
    Xf, ys, info = _as_frame(X, y)
    rng, seed = make_rngs(random_state)
    counts = ys.value_counts()
    if fraction < 1 and (int(np.floor(fraction * len(Xf))) < 2 * len(counts) or fraction * counts.min() < 1):
        need = max(2 * len(counts) / len(Xf), 1 / counts.min())
        raise ParameterError(f"fraction={fraction!r} keeps about {int(fraction * len(Xf))} of {len(Xf)} rows, too few to hold "
                             f"every class (the smallest, {counts.idxmin()!r}, has {counts.min()} rows); use fraction >= {need:.3g}")
    if fraction < 1:
        idx_sub, idx_rest = train_test_split(np.arange(len(Xf)), train_size=fraction, stratify=ys, random_state=seed % 2**31)
    else:
        idx_sub, idx_rest = np.arange(len(Xf)), np.arange(0)
    Xs = X.iloc[idx_sub] if info["frame"] else np.asarray(X)[idx_sub]
    ysub = y.iloc[idx_sub] if info["series"] else np.asarray(y)[idx_sub]
    sampler = GANResampler(synthesizer, ratio=multiplier, random_state=int(rng.integers(2**31)))
    X_aug, y_aug = sampler.fit_resample(Xs, ysub)
    if not return_holdout:
        return X_aug, y_aug
    Xr = X.iloc[idx_rest] if info["frame"] else np.asarray(X)[idx_rest]
    yr = y.iloc[idx_rest] if info["series"] else np.asarray(y)[idx_rest]
    return X_aug, y_aug, Xr, yr
