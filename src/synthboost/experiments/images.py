"""The image boosting experiment: will GAN-made images make a CNN better than the real images
alone, and better than classic augmentation?

For each seed: a test set no augmenter or model ever sees (the dataset's own test split,
``test_per_class`` images per class, the same for every seed; or, for a dataset that comes as
one set, a stratified ``test_size`` share drawn by the seed) and a training pool; for each size
(images per class) a stratified subsample of the pool; every CNN of the cell early-stops on the
same validation split of those real images and is scored on the test set; every generator is
fitted on the rest of them only (never on the validation or test images), once per (seed, size),
and shared by the augmenters that use it. A task of the shared grid runner (:mod:`synthboost.experiments.grid`).
"""

from __future__ import annotations

import hashlib
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, log_loss

from ..augment.images import (AutoRatio, check_image_augmenter, fit_generator, make_generator,
                              stratified_split, synthesize)
from ..augment.tabular import check_ratio
from ..containers import ImageData
from ..errors import ParameterError, SchemaError
from ..io import write_json, write_table
from ..models.vision import ARCHITECTURES, CNNClassifier
from . import grid

METRICS = ["accuracy", "balanced_accuracy", "macro_f1", "log_loss", "epochs_to_90"]
#: metrics where smaller is better (log loss; epochs to reach 90 % of the run's best validation accuracy)
LOWER_IS_BETTER = frozenset({"log_loss", "epochs_to_90", "epochs_to_baseline_90"})
COLUMNS = (["dataset", "seed", "size", "augmenter", "model", "n_real", "n_synthetic", "ratio_used"] + METRICS
           + ["best_epoch", "augment_s", "model_s", "error", "complete"])
IDENTITY = ("dataset", "kind", "data_fingerprint", "ratio", "test_size", "test_per_class", "gan_params", "cnn_epochs", "cnn_patience")
#: CNN names of the experiment -> architecture
CNN_MODELS = {"cnn": "small", "resnet": "resnet"}


@dataclass
class ImageBoostConfig:
    dataset: str
    sizes: list[int]
    seeds: list[int]
    augmenters: list[str]
    models: list[str]
    kind: str = "images"
    ratio: float | str = 1.0
    test_size: float = 0.3
    test_per_class: int = 100
    gan_params: dict = field(default_factory=dict)
    cnn_epochs: int = 300
    cnn_patience: int = 40
    data_fingerprint: str = ""
    classes: list = field(default_factory=list)
    #: what the test set is, in words for the report ("the dataset's test split, 1000 images, 100 per class (...)", ...)
    test_set: str = ""


def fingerprint(*parts: ImageData | None) -> str:
    h = hashlib.sha256()
    for d in parts:
        if d is not None:
            h.update(np.ascontiguousarray(d.images).tobytes())
            h.update(d.labels.astype(np.int64).tobytes())
            h.update(",".join(d.class_names).encode())
    return h.hexdigest()[:16]


def per_class(data: ImageData, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``k`` images of every class (all of a class that has fewer), sorted."""
    out = [rng.choice(np.flatnonzero(data.labels == c), min(k, int((data.labels == c).sum())), replace=False)
           for c in range(data.n_classes)]
    return np.sort(np.concatenate(out))


class ImageTask:
    """The image boosting experiment as a task of the grid runner."""

    identity = IDENTITY
    columns = COLUMNS
    lower_is_better = LOWER_IS_BETTER

    def __init__(self, train: ImageData, test: ImageData | None, cfg: ImageBoostConfig):
        self.train, self.test, self.cfg = train, test, cfg
        self._fixed_test = None if test is None else test.subset(per_class(test, cfg.test_per_class, np.random.default_rng(0)))

    # -- the split -------------------------------------------------------------------------
    def split(self, seed: int) -> tuple[ImageData, ImageData]:
        """(training pool, test set) of a seed."""
        if self._fixed_test is not None:
            return self.train, self._fixed_test
        rng = np.random.default_rng(seed)
        keep, held = stratified_split(self.train.labels, self.cfg.test_size, rng)
        return self.train.subset(keep), self.train.subset(held)

    def test_set_words(self) -> str:
        """What ``split`` tests on, in words for the report. A fixed test set is described by what it holds:
        a class with fewer than ``test_per_class`` test images keeps all of them (fruits360_10: 30 per class)."""
        if self._fixed_test is None:
            return f"{self.cfg.test_size:.0%} of the images, stratified, drawn by each seed"
        counts = np.bincount(self._fixed_test.labels, minlength=self._fixed_test.n_classes)
        per = f"{counts[0]} per class" if (counts == counts[0]).all() else f"{counts.min()}-{counts.max()} per class"
        return f"the dataset's test split, {len(self._fixed_test)} images, {per} (the same for every seed)"

    def subsample(self, pool: ImageData, size: int, seed: int) -> ImageData:
        return pool.subset(per_class(pool, size, np.random.default_rng([seed, size])))

    def cell_data(self, seed: int, size: int) -> tuple[ImageData, ImageData]:
        pool, test = self.split(seed)
        return self.subsample(pool, size, seed), test

    # -- jobs --------------------------------------------------------------------------------
    def jobs(self, augmenters: Sequence[str]) -> list[list[str]]:
        """Augmenters that share a generator run together: one generator fit per seed and size."""
        groups: dict[Any, list[str]] = {}
        for a in augmenters:
            groups.setdefault(check_image_augmenter(a).generator or a, []).append(a)
        return list(groups.values())

    def has_showcase(self, augmenter: str) -> bool:
        return check_image_augmenter(augmenter).generator is not None

    def _cnn(self, model: str, classic: str | None, seed: int) -> CNNClassifier:
        return CNNClassifier(CNN_MODELS[model], augment=classic, epochs=self.cfg.cnn_epochs,
                             patience=self.cfg.cnn_patience, random_state=seed)

    def run_job(self, seed: int, size: int, todo: dict[str, list[str]], showcase: Sequence[str]) -> dict:
        train, test = self.cell_data(seed, size)
        classes = np.arange(self.train.n_classes)
        base = dict(dataset=self.cfg.dataset, seed=seed, size=size, n_real=len(train), error="")
        rows, curves, shows = [], [], {}
        gen = check_image_augmenter(next(iter(todo))).generator
        # every CNN of the cell early-stops on the same held-out real images (its split depends
        # only on the seed and the labels); the generator is fitted on the others, so that no
        # arm validates on images it has learned from (also the split 'auto' scores ratios on)
        fit_idx, val_idx = self._cnn("cnn", None, seed).validation_split(train.labels, classes)
        gan_train = train.subset(fit_idx)
        gan, gan_s, gan_error = None, 0.0, ""
        gen_seed = int(seed * 100_003 + size)
        if gen:
            t0 = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    gan = fit_generator(gen, gan_train, gen_seed, self.cfg.gan_params)
            except Exception as e:  # a failing generator is recorded; the grid goes on
                gan_error = f"{type(e).__name__}: {e}"
            gan_s = time.perf_counter() - t0
        for aug, models in todo.items():
            spec = check_image_augmenter(aug)
            want = spec.ratio_or(self.cfg.ratio)
            t0 = time.perf_counter()
            ratio, n_syn, data, err = 0.0, 0, train, gan_error
            try:
                if spec.generator and not err:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        if want == "auto":
                            ratio = AutoRatio().choose(gan_train, train.subset(val_idx), gan,
                                                       lambda: self._cnn("cnn", spec.classic, seed), classes, seed,
                                                       spec.train_real)
                        else:
                            ratio = float(want)
                        syn = synthesize(gan, train, ratio, gen_seed + 1)  # ratio x the cell's images per class
                    data, n_syn = train.concat(syn), len(syn)
            except Exception as e:
                err = f"{type(e).__name__}: {e}"
            augment_s = time.perf_counter() - t0 + gan_s
            if err:
                rows += [dict(base, augmenter=aug, model=m, augment_s=augment_s, error=err) for m in models]
                continue
            for m in models:
                t1 = time.perf_counter()
                row = dict(base, augmenter=aug, model=m, n_synthetic=n_syn, ratio_used=ratio, augment_s=augment_s)
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        cnn = self._cnn(m, spec.classic, seed).fit(data.images, data.labels, n_real=len(train),
                                                                  classes=classes, train_real=spec.train_real)
                        row.update(scores(cnn, test))
                except Exception as e:
                    rows.append(dict(row, model_s=time.perf_counter() - t1, error=f"{type(e).__name__}: {e}"))
                    continue
                rows.append(dict(row, model_s=time.perf_counter() - t1))
                curves += [dict(seed=seed, size=size, augmenter=aug, model=m, **h) for h in cnn.history_]
            if aug in showcase and gan is not None:  # also where 'auto' chose ratio 0: the GAN is shown
                # augmenters of one job share their generator: its showcase is made once
                shared = next(iter(shows.values()), None)
                if shared is None:
                    shared = self._showcase(gan, gan_train, test, seed, size, aug)
                shows[aug] = {**shared, "meta": {**shared["meta"], "augmenter": aug, "n_synthetic": n_syn}}
        return {"rows": rows, "showcase": shows, "extra": {"curves.jsonl": curves}}

    # -- showcase -----------------------------------------------------------------------------
    def _showcase(self, gan, seen: ImageData, test: ImageData, seed: int, size: int, aug: str) -> dict:
        """Grids, nearest neighbours, history and quality table of a generator fitted on ``seen``."""
        from ..io.images import grid_array
        from ..metrics.images import (cas, dataset_feature_net, generator_diagnostics, memorisation,
                                      nearest_training_images, quality_table, random_feature_net)

        per = 10
        meta = {"augmenter": aug, "seed": seed, "size": size, "kind": "images", "generator": check_image_augmenter(aug).generator,
                "gan_params": gan.get_params(), "epochs": gan.training_config_.epochs, "selection": gan.selection_,
                "n_train": len(seen)}
        show: dict = {"grid": None, "pairs": None, "generators": None, "history": gan.history_, "quality": pd.DataFrame(), "meta": meta}
        try:  # the showcase must not cost the cell
            shown = gan.sample(per * seen.n_classes, np.repeat(np.arange(seen.n_classes), per), random_state=0)
            g, nearest, dist = nearest_training_images(shown.subset(np.arange(0, len(shown), per)), seen, n=seen.n_classes)
            show.update(grid=grid_array(shown, per_row=per), pairs=(g, nearest))
            meta["nearest_distances"] = dist.tolist()
            pool, _ = self.split(seed)
            net = dataset_feature_net(pool)  # trained on the whole training pool, never on the test set
            many = gan.sample(max(1000, 100 * seen.n_classes), random_state=1)
            quality: list[dict] = []
            for name, n_ in (("trained", net), ("random", random_feature_net(seen.shape))):
                for r in quality_table(many, test, n_, per_class=name == "trained"):
                    quality.append({"feature_net": name, **r})
            show["quality"] = pd.DataFrame(quality)
            meta["cas"] = cas(synthesize(gan, seen, 1.0, seed), test, seed=seed)
            meta["memorisation"] = memorisation(many, seen, test)
            k = int(getattr(gan, "n_generators", 1))
            if k > 1:  # MADGAN: one row per generator, and what each generator makes
                show["generators"] = grid_array(gan.generator_rows(per), per_row=per)
                meta["generators"] = generator_diagnostics(gan, test, net, n=max(500, 100 * k), seed=0)
        except Exception as e:
            meta["quality_error"] = f"{type(e).__name__}: {e}"
        return show

    def write_showcase(self, directory: Path, show: dict) -> None:
        from ..io import atomic_write
        from ..io.images import png_bytes

        directory.mkdir(parents=True, exist_ok=True)
        if show["grid"] is not None:
            atomic_write(directory / "grid.png", lambda tmp: Path(tmp).write_bytes(png_bytes(show["grid"])))
        if show.get("generators") is not None:
            atomic_write(directory / "generators.png", lambda tmp: Path(tmp).write_bytes(png_bytes(show["generators"])))
        if show["pairs"] is not None:
            g, nearest = show["pairs"]
            pairs = np.concatenate([np.concatenate(list(g), axis=1), np.concatenate(list(nearest), axis=1)], axis=0)
            atomic_write(directory / "nearest.png", lambda tmp: Path(tmp).write_bytes(png_bytes(pairs)))
        write_table(show["history"], directory / "history.csv")
        if len(show["quality"]):
            write_table(show["quality"], directory / "quality.csv")
        write_json(directory / "meta.json", show["meta"])  # last: a showcase without it is remade


def scores(cnn: CNNClassifier, test: ImageData) -> dict[str, float]:
    proba = cnn.predict_proba(test.images)
    pred = proba.argmax(1)
    y = test.labels
    h = cnn.history_
    accs = [r.get("val_accuracy", np.nan) for r in h]
    best = np.nanmax(accs) if np.isfinite(accs).any() else np.nan
    reach = next((r["epoch"] for r in h if r.get("val_accuracy", -1) >= 0.9 * best), np.nan) if np.isfinite(best) else np.nan
    return {
        "accuracy": float(accuracy_score(y, pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
        "log_loss": float(log_loss(y, np.clip(proba, 1e-15, 1), labels=list(range(proba.shape[1])))),
        "epochs_to_90": float(reach),
        "best_epoch": float(cnn.best_epoch_),
    }


def epochs_to_baseline(curves: pd.DataFrame, share: float = 0.9, baseline: str = "none") -> pd.DataFrame:
    """Epochs each CNN needs to reach ``share`` of the *baseline arm's* best validation accuracy in the
    same cell (seed, size, model), so that every arm of a cell races to one bar: ``epochs_to_90`` is
    relative to each run's own best, which lets an arm that plateaus lower look faster. ``curves``
    holds the grid's per-epoch rows (``curves.jsonl``). A run that never reaches the bar counts its
    last epoch + 1 (``reached`` False): a lower bound of its time, so a slower arm is never favoured.
    Returns one row per (seed, size, model, augmenter) with ``epochs_to_baseline_90`` and ``reached``."""
    need = {"seed", "size", "model", "augmenter", "epoch", "val_accuracy"}
    if not need <= set(curves.columns):
        raise SchemaError(f"curves lack the columns {sorted(need - set(curves.columns))}")
    keys = ["seed", "size", "model"]
    bar = (curves[curves["augmenter"] == baseline].groupby(keys)["val_accuracy"].max() * share).rename("_bar")
    c = curves.merge(bar.reset_index(), on=keys, how="inner")
    rows = []
    for (seed, size, model, aug), g in c.groupby(keys + ["augmenter"], sort=True):
        g = g.sort_values("epoch")
        hit = g.loc[g["val_accuracy"] >= g["_bar"].iloc[0] - 1e-9, "epoch"]
        reached = len(hit) > 0
        rows.append({"seed": seed, "size": size, "model": model, "augmenter": aug, "reached": reached,
                     "epochs_to_baseline_90": float(hit.iloc[0] if reached else g["epoch"].max() + 1)})
    return pd.DataFrame(rows, columns=keys + ["augmenter", "reached", "epochs_to_baseline_90"])


def run_image_boost(
    train: ImageData,
    test: ImageData | None = None,
    *,
    sizes: Sequence[int] = (10, 25, 50, 100),
    seeds: int | Sequence[int] = 10,
    augmenters: Sequence[str] = ("none", "classic", "cgan", "cgan+classic"),
    models: Sequence[str] = ("cnn",),
    output: str = "runs/images",
    ratio: float | str = 1.0,
    test_size: float = 0.3,
    test_per_class: int = 100,
    gan_params: dict | None = None,
    cnn_epochs: int = 300,
    cnn_patience: int = 40,
    dataset_name: str = "images",
    n_jobs: int = 1,
    scheduler: Any = None,
    overwrite: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run (or resume) the image boosting grid; ``sizes`` are images per class. Returns all finished results.

    CNNs train for at most ``cnn_epochs`` and stop when the validation loss has not improved for
    ``cnn_patience`` epochs: at 10 images per class an epoch is two steps, and on MNIST a CNN
    trained with the study's classic transforms needs 100+ epochs (with 60 epochs and patience 10
    its accuracy was about half that of the long run, bench/RESULTS.md)."""
    if not isinstance(train, ImageData) or train.labels is None:
        raise SchemaError("the image boosting experiment needs labelled images (an ImageData with labels)")
    if test is not None and (test.labels is None or test.class_names != train.class_names or test.shape != train.shape):
        raise SchemaError("the test images must have the training images' classes and shape")
    train, test = _at_network_size(train, test, (gan_params or {}).get("image_size"))
    seeds = list(range(seeds)) if isinstance(seeds, (int, np.integer)) else list(seeds)
    cfg = ImageBoostConfig(dataset_name, sorted(grid.whole_numbers(sizes, "sizes")), grid.whole_numbers(seeds, "seeds"),
                           list(augmenters), list(models), ratio=ratio, test_size=test_size, test_per_class=test_per_class,
                           gan_params=dict(gan_params or {}), cnn_epochs=cnn_epochs, cnn_patience=cnn_patience, classes=list(train.class_names))
    _validate(train, test, cfg)
    cfg.data_fingerprint = fingerprint(train, test)
    task = ImageTask(train, test, cfg)
    cfg.test_set = task.test_set_words()
    return grid.run_grid(task, output, n_jobs=n_jobs, scheduler=scheduler, overwrite=overwrite, progress=progress)


def _at_network_size(train: ImageData, test: ImageData | None, requested: Any) -> tuple[ImageData, ImageData | None]:
    """Real and generated images must have one shape to be mixed: images at a side the networks do
    not train at (or not square, or another ``image_size``) are resized once, and it is said."""
    from ..data.images import network_size
    from ..io.images import resize

    H, W = train.shape[:2]
    side = network_size(H, W, requested)
    if (H, W) == (side, side):
        return train, test
    warnings.warn(f"images of {H}x{W} are resized to {side}x{side}, the side the generators train at", stacklevel=3)
    return resize(train, side), None if test is None else resize(test, side)


def _validate(train: ImageData, test: ImageData | None, cfg: ImageBoostConfig) -> None:
    if not cfg.sizes or not cfg.seeds or not cfg.augmenters or not cfg.models:
        raise ParameterError("sizes, seeds, augmenters and models must each name at least one value")
    for a in cfg.augmenters:
        check_image_augmenter(a)
    unknown = [m for m in cfg.models if m not in CNN_MODELS]
    if unknown:
        raise ParameterError(f"unknown model(s) {unknown}; choose from {', '.join(CNN_MODELS)}")
    check_ratio(cfg.ratio)
    if test is None and not 0 < cfg.test_size < 1:
        raise ParameterError(f"test_size={cfg.test_size!r} must be in (0, 1)")
    counts = np.bincount(train.labels, minlength=train.n_classes)
    if test is not None:
        pool = counts
    else:  # the split's kept counts per class do not depend on the seed
        kept, _ = stratified_split(train.labels, cfg.test_size, np.random.default_rng(0))
        pool = np.bincount(train.labels[kept], minlength=train.n_classes)
    for name in ("cnn_epochs", "cnn_patience"):
        v = getattr(cfg, name)
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1):
            raise ParameterError(f"{name}={v!r} must be a whole number >= 1")
    if test is not None and not (isinstance(cfg.test_per_class, (int, np.integer)) and cfg.test_per_class >= 1):
        raise ParameterError(f"test_per_class={cfg.test_per_class!r} must be a whole number >= 1")
    specs = [check_image_augmenter(a) for a in cfg.augmenters]
    auto_gan = any(sp.generator and sp.ratio_or(cfg.ratio) == "auto" for sp in specs)
    for n in cfg.sizes:
        if auto_gan and n < 3:
            raise ParameterError(f"size {n} images per class is too small for ratio='auto': the generator is fitted "
                                 "on the images the CNN trains on, at least two per class (use sizes >= 3)")
        if n < 2:
            raise ParameterError(f"size {n} images per class is too small: a CNN validates on at least one real image "
                                 "per class and trains on the rest (use sizes >= 2)")
        if n > pool.min():
            raise ParameterError(f"size {n} images per class is more than the training pool holds for class "
                                 f"{train.class_names[int(pool.argmin())]!r} ({int(pool.min())}); use sizes <= {int(pool.min())}")
    # the generators in use (ImageGAN's table where none is: gan_params must still make sense)
    for g in sorted({sp.generator for sp in specs} - {None} or {"cgan"}):
        make_generator(g, 0, cfg.gan_params)._validate_params()  # a bad value fails here, not in every cell


__all__ = ["run_image_boost", "epochs_to_baseline", "ImageTask", "ImageBoostConfig", "METRICS", "LOWER_IS_BETTER", "CNN_MODELS"]
