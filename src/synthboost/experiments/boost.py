"""The boosting experiment: does adding synthetic rows make a classifier better?

For each seed: one stratified split into a test set (never seen by any augmenter or
model) and a training pool; for each size n a stratified subsample of the pool; each
augmenter fitted on those n rows only; each model trained on the result and scored on
the test set. A *cell* is one (seed, size, augmenter): the augmenter is fitted once and
all models are trained on its output. Every finished cell is appended to
``results.csv`` at once, and a re-run skips finished cells, so an interrupted run loses
nothing: the grid runner (:mod:`synthboost.experiments.grid`) is shared with the image
experiment; this module is the tabular task.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split

from ..augment import check_ratio
from ..baselines import AUGMENTERS, check_augmenter_available
from ..errors import OutputError, ParameterError, SchemaError, SynthboostError
from ..io import write_json, write_table
from . import grid
from .grid import CELL_KEY, latest_attempts, whole_numbers as _whole_numbers  # noqa: F401
from ..models.tabular import MODELS

METRICS = ["roc_auc", "accuracy", "balanced_accuracy", "f1", "precision", "recall", "log_loss"]
#: metrics where smaller is better
LOWER_IS_BETTER = frozenset({"log_loss"})
COLUMNS = (
    ["dataset", "seed", "size", "augmenter", "model", "n_real", "n_synthetic", "ratio_used"]
    + METRICS
    + ["augment_s", "model_s", "error", "complete"]
)
#: configuration fields that must match for results to be resumed / extended
IDENTITY = ("dataset", "target", "data_fingerprint", "ratio", "test_size", "positive_class")


@dataclass
class BoostConfig:
    dataset: str
    target: str
    sizes: list[int]
    seeds: list[int]
    augmenters: list[str]
    models: list[str]
    ratio: float | str = 1.0
    test_size: float = 0.3
    positive_class: Any = None
    data_fingerprint: str = ""
    classes: list = field(default_factory=list)


def fingerprint(df: pd.DataFrame) -> str:
    """Content hash of a table: a results file belongs to exactly one dataset."""
    h = hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    h.update(",".join(map(str, df.columns)).encode())
    return h.hexdigest()[:16]


# -- validation ---------------------------------------------------------------------
def _validate(df: pd.DataFrame, cfg: BoostConfig) -> None:
    if cfg.target not in df.columns:
        raise SchemaError(f"target column {cfg.target!r} is not in the data; columns are {list(df.columns)}")
    y = df[cfg.target]
    if y.isna().any():
        raise SchemaError(f"target column {cfg.target!r} has {int(y.isna().sum())} missing values; drop those rows")
    counts = y.value_counts()
    if len(counts) < 2:
        raise SchemaError(f"target column {cfg.target!r} has a single class ({counts.index[0]!r}); nothing to classify")
    if len(counts) > len(y) / 2:  # e.g. a numeric column: most values unique, no class can be split
        raise SchemaError(f"target column {cfg.target!r} has {len(counts)} distinct values in {len(y)} rows; "
                          "boosting needs a class label column (pass --target with the label)")
    for name in cfg.augmenters:
        check_augmenter_available(name)
    unknown = [m for m in cfg.models if m not in MODELS]
    if unknown:
        raise ParameterError(f"unknown model(s) {unknown}; choose from {', '.join(MODELS)}")
    if not cfg.sizes or not cfg.seeds or not cfg.augmenters or not cfg.models:
        raise ParameterError("sizes, seeds, augmenters and models must each name at least one value")
    check_ratio(cfg.ratio)
    if not 0 < cfg.test_size < 1:
        raise ParameterError(f"test_size={cfg.test_size!r} must be in (0, 1)")
    if cfg.positive_class is not None and cfg.positive_class not in cfg.classes:
        raise ParameterError(f"positive_class={cfg.positive_class!r} is not a class of {cfg.target!r}: {cfg.classes}")
    if cfg.positive_class is not None and len(cfg.classes) != 2:
        raise ParameterError(f"positive_class applies to two-class targets; {cfg.target!r} has {len(cfg.classes)} classes, "
                             "whose metrics are macro-averaged over all of them")
    n_test = int(np.ceil(cfg.test_size * len(df)))
    pool = len(df) - n_test
    k = len(counts)
    # a stratified split needs at least one row per class on each side
    if n_test < k or pool < k:
        raise ParameterError(
            f"test_size={cfg.test_size!r} holds out {n_test} of {len(df)} rows and leaves {pool} for training; "
            f"a stratified split needs at least {k} (one per class) on each side"
        )
    share = counts / counts.sum()
    for n in cfg.sizes:
        if not isinstance(n, (int, np.integer)) or n < 1:
            raise ParameterError(f"size {n!r} must be a positive integer")
        if n > pool:
            raise ParameterError(
                f"size {n} is larger than the training pool ({pool} rows after holding out "
                f"{cfg.test_size:.0%} for testing); use sizes <= {pool}"
            )
        if pool - k < n < pool:
            raise ParameterError(
                f"size {n} leaves {pool - n} of the {pool} pool rows out of the subsample, fewer than the {k} "
                f"classes a stratified subsample needs; use a size <= {pool - k} or the whole pool ({pool})"
            )
        smallest = share.idxmin()
        if n * share.min() < 2:
            need = int(np.ceil(2 / share.min()))
            raise ParameterError(
                f"size {n} is too small to hold every class: class {smallest!r} ({share.min():.1%} of rows) "
                f"would get fewer than 2 rows; use sizes >= {need}"
            )


def _positive(cfg: BoostConfig, y: pd.Series):
    """Binary targets: the given positive class, else the minority class (ties: the last sorted)."""
    if cfg.positive_class is not None or len(cfg.classes) != 2:
        return cfg.positive_class
    counts = y.value_counts()
    return min(cfg.classes, key=lambda c: (counts.get(c, 0), -cfg.classes.index(c)))


# -- one cell -------------------------------------------------------------------------
def _scores(model, X: pd.DataFrame, y: pd.Series, positive) -> dict[str, float]:
    proba = model.predict_proba(X)
    # labels compared as strings: targets read from files mix str/object/category dtypes
    classes = [str(c) for c in model.classes_]
    yv = y.astype(str).to_numpy()
    positive = None if positive is None else str(positive)
    pred = np.asarray(classes)[proba.argmax(1)]
    out = {"accuracy": accuracy_score(yv, pred), "balanced_accuracy": balanced_accuracy_score(yv, pred)}
    present = set(yv)
    if positive is not None and len(classes) == 2:
        p = proba[:, classes.index(positive)] if positive in classes else np.zeros(len(yv))
        out["roc_auc"] = roc_auc_score(yv == positive, p) if len(present) == 2 else np.nan
        kw = dict(pos_label=positive, average="binary", zero_division=0)
    else:
        # by column position, not by label: sklearn orders string labels as text ("10" < "9"),
        # while proba's columns follow model.classes_
        cols = [i for i, c in enumerate(classes) if c in present]
        q = proba[:, cols] / np.clip(proba[:, cols].sum(1, keepdims=True), 1e-12, None)
        pos = {classes[i]: j for j, i in enumerate(cols)}
        out["roc_auc"] = roc_auc_score(np.array([pos[v] for v in yv]), q, multi_class="ovr", labels=list(range(len(cols))))
        kw = dict(average="macro", zero_division=0)
    out["f1"] = f1_score(yv, pred, **kw)
    out["precision"] = precision_score(yv, pred, **kw)
    out["recall"] = recall_score(yv, pred, **kw)
    index = {c: i for i, c in enumerate(classes)}
    if all(v in index for v in present):
        codes = np.array([index[v] for v in yv])  # (n,) column of each row's true class in proba
        out["log_loss"] = log_loss(codes, np.clip(proba, 1e-15, 1), labels=list(range(len(classes))))
    else:  # a test class the model never saw has no column
        out["log_loss"] = np.nan
    return {k: float(v) for k, v in out.items()}


def _fit(model, X: pd.DataFrame, y: pd.Series, n_real: int):
    """Fit; a model that tunes itself (mlp) learns which leading rows are real, to validate on them only."""
    if "n_real" in inspect.signature(model.fit).parameters:
        return model.fit(X, y, n_real=n_real)
    return model.fit(X, y)


def split(df: pd.DataFrame, cfg: BoostConfig, seed: int, size: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(training subsample of ``size`` rows, test set) for one seed; the same for every augmenter."""
    pool, test = train_test_split(df, test_size=cfg.test_size, stratify=df[cfg.target], random_state=seed)
    if size < len(pool):
        pool, _ = train_test_split(pool, train_size=size, stratify=pool[cfg.target], random_state=seed)
    return pool.reset_index(drop=True), test.reset_index(drop=True)


def run_cell(
    df: pd.DataFrame,
    cfg: BoostConfig,
    seed: int,
    size: int,
    augmenter: str,
    factory: Callable,
    models: Sequence[str],
    positive,
    showcase: bool = False,
) -> dict:
    """Fit one augmenter on one training subsample and score every model on the test set."""
    import torch

    torch.set_num_threads(1)  # cells run side by side; one thread each avoids oversubscription
    train, test = split(df, cfg, seed, size)
    X, y = train.drop(columns=cfg.target), train[cfg.target]
    base = dict(dataset=cfg.dataset, seed=seed, size=size, augmenter=augmenter, n_real=len(train), error="")
    rows: list[dict] = []
    t0 = time.perf_counter()
    try:
        aug = factory(random_state=seed * 100_003 + size, ratio=cfg.ratio)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Xa, ya = aug.fit_resample(X, y)
    except Exception as e:  # one failing cell (ours or a peer library's) must not end a long grid: record it
        augment_s = time.perf_counter() - t0
        return {"rows": [dict(base, model=m, augment_s=augment_s, error=f"{type(e).__name__}: {e}") for m in models]}
    augment_s = time.perf_counter() - t0
    base.update(n_synthetic=len(Xa) - len(X), ratio_used=getattr(aug, "ratio_", np.nan), augment_s=augment_s)
    for name in models:
        t1 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = _fit(MODELS[name](seed), Xa, ya, n_real=len(X))
                scores = _scores(model, test.drop(columns=cfg.target), test[cfg.target], positive)
        except Exception as e:  # like a failing augmenter: recorded, the grid goes on
            rows.append(dict(base, model=name, model_s=time.perf_counter() - t1, error=f"{type(e).__name__}: {e}"))
            continue
        rows.append(dict(base, model=name, model_s=time.perf_counter() - t1, **scores))
    out: dict = {"rows": rows}
    if showcase and getattr(aug, "generative", False) and len(Xa) > len(X):
        out["showcase"] = _showcase(aug, train, test, Xa.iloc[len(X) :], ya.iloc[len(X) :], cfg, seed, size, augmenter)
    return out


def _showcase(aug, train, test, Xs, ys, cfg, seed, size, augmenter) -> dict:
    """What the report shows of one generator: its rows, training curves and D's verdict."""
    synthetic = Xs.assign(**{cfg.target: ys.to_numpy()}).reset_index(drop=True)[train.columns]
    meta = {"augmenter": augmenter, "size": size, "seed": seed, "target": cfg.target, "realism_share": None}
    history = None
    synth = getattr(aug, "synthesizer_", None)
    if synth is not None:
        history = getattr(synth, "history_", None)
        key = getattr(aug, "_TARGET", cfg.target)
        if hasattr(synth, "realism_share"):
            try:
                relabel = lambda d: d.drop(columns=cfg.target).assign(**{key: d[cfg.target].astype(str).to_numpy()})  # noqa: E731
                meta["realism_share"] = synth.realism_share(relabel(synthetic), real=relabel(train))
            except SynthboostError:
                pass
    return {"train": train, "holdout": test.head(2000), "synthetic": synthetic, "history": history, "meta": meta}


# -- the task: what the grid runner needs from tables -----------------------------------------
class TableTask:
    """The tabular boosting experiment as a task of the grid runner (each augmenter its own job)."""

    identity = IDENTITY
    columns = COLUMNS
    lower_is_better = LOWER_IS_BETTER

    def __init__(self, data: pd.DataFrame, cfg: BoostConfig):
        self.data, self.cfg = data, cfg
        self.positive = _positive(cfg, data[cfg.target])

    def jobs(self, augmenters):
        return [[a] for a in augmenters]

    def has_showcase(self, augmenter: str) -> bool:
        return bool(getattr(AUGMENTERS[augmenter](random_state=0, ratio=self.cfg.ratio), "generative", False))

    def run_job(self, seed, size, todo, showcase):
        (aug, models), = todo.items()
        if not models and not showcase:
            return {"rows": []}
        out = run_cell(self.data, self.cfg, seed, size, aug, AUGMENTERS[aug], models, self.positive, showcase=bool(showcase))
        return {"rows": out["rows"], "showcase": {aug: out["showcase"]} if "showcase" in out else {}}

    def write_showcase(self, directory: Path, show: dict) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in ("train", "holdout", "synthetic"):
            write_table(show[name], directory / f"{name}.csv")
        if show["history"] is not None:
            write_table(show["history"], directory / "history.csv")
        write_json(directory / "meta.json", show["meta"])


def read_results(path: Path) -> pd.DataFrame:
    """Finished rows of a tabular results file (see :func:`synthboost.experiments.grid.read_results`)."""
    return grid.read_results(Path(path), COLUMNS)


def run_boost(
    data: pd.DataFrame,
    target: str,
    *,
    sizes: Iterable[int] = (50, 100, 200, 500),
    seeds: int | Iterable[int] = 20,
    augmenters: Sequence[str] = ("none", "smote", "gan"),
    models: Sequence[str] = ("logreg", "rf", "hgb", "mlp"),
    output: str | os.PathLike = "runs/boost",
    ratio: float | str = 1.0,
    test_size: float = 0.3,
    positive_class: Any = None,
    dataset_name: str = "data",
    n_jobs: int = 1,
    scheduler: Any = None,
    overwrite: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run (or resume) the boosting grid; returns all finished results.

    ``n_jobs`` cells run in parallel with joblib; ``scheduler`` (a Dask scheduler address
    like ``"tcp://host:8786"`` or a ``distributed.Client``) runs them on a Dask cluster.
    """
    if not isinstance(data, pd.DataFrame):
        raise SchemaError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    seeds = list(range(seeds)) if isinstance(seeds, (int, np.integer)) else list(seeds)
    classes = sorted(pd.unique(data[target].dropna()).tolist(), key=str) if target in data.columns else []
    cfg = BoostConfig(
        dataset=dataset_name,
        target=target,
        sizes=sorted(_whole_numbers(sizes, "sizes")),
        seeds=_whole_numbers(seeds, "seeds"),
        augmenters=list(augmenters),
        models=list(models),
        ratio=ratio,
        test_size=test_size,
        positive_class=positive_class,
        classes=[c.item() if hasattr(c, "item") else c for c in classes],
    )
    _validate(data, cfg)
    grid.check_n_jobs(n_jobs)
    cfg.data_fingerprint = fingerprint(data)
    return grid.run_grid(TableTask(data, cfg), output, n_jobs=n_jobs, scheduler=scheduler, overwrite=overwrite,
                         progress=progress)


