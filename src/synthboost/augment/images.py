"""Image augmenters of the image boosting experiment.

Each named augmenter says which generator (if any) makes synthetic images, which classic
augmentation the CNN applies on the fly during training, and whether the CNN trains on the
real images at all (``synthetic-only`` trains on generated images alone and validates on
real ones: the classification accuracy score, CAS). Generators only ever see the training
images of their cell.

Generators: ``cgan`` (ImageGAN, conditional, our defaults), ``per-class`` (ImageGAN, one GAN
per class, our defaults), ``recipe`` (the study's original recipe: one plain DCGAN per
class, no DiffAugment, no EMA, no label smoothing, the last epoch), ``madgan`` (MADGAN, k = 4,
label-conditioned) and ``madgan-classifier`` (MADGAN without labels, a CNN trained on the
cell's real images names the classes).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

import numpy as np

from ..containers import ImageData
from ..errors import ParameterError
from .tabular import check_ratio

#: generator name -> the synthesizer's parameters (``"synthesizer"``: its class name, ImageGAN by default)
GENERATORS: dict[str, dict[str, Any]] = {
    "cgan": {"mode": "conditional"},
    "madgan": {"synthesizer": "MADGAN"},
    "madgan-classifier": {"synthesizer": "MADGAN", "conditioning": "classifier"},
    "per-class": {"mode": "per_class"},
    "recipe": {"mode": "per_class", "objective": "bce", "spectral_norm": False, "diffaugment": None, "ada_target": None,
               "ema": None, "select_epoch": None, "label_smoothing": 1.0},
}


@dataclass(frozen=True)
class ImageAugmenter:
    generator: str | None = None  # a key of GENERATORS, or None
    classic: str | None = None  # on-the-fly augmentation of the CNN's training batches
    train_real: bool = True  # False: the CNN trains on synthetic images only (CAS)
    ratio: float | str | None = None  # synthetic:real per class; None: the experiment's ratio

    def ratio_or(self, default: float | str) -> float | str:
        """This augmenter's own ratio (an ``@<ratio>`` name), else the experiment's ``default``."""
        return default if self.ratio is None else self.ratio


#: registered names; "<generator>+<classic>" (cgan+classic, madgan+trivialaugment) is derived by check_image_augmenter
IMAGE_AUGMENTERS: dict[str, ImageAugmenter] = {
    "none": ImageAugmenter(),
    "classic": ImageAugmenter(classic="classic"),
    "randaugment": ImageAugmenter(classic="randaugment"),
    "trivialaugment": ImageAugmenter(classic="trivialaugment"),
    "cgan": ImageAugmenter("cgan"),
    "per-class": ImageAugmenter("per-class"),
    "recipe": ImageAugmenter("recipe"),
    "madgan": ImageAugmenter("madgan"),
    "madgan-classifier": ImageAugmenter("madgan-classifier"),
    "synthetic-only": ImageAugmenter("cgan", train_real=False),
}


def register_image_augmenter(name: str, augmenter: ImageAugmenter, generator: dict[str, Any] | None = None) -> None:
    """Add a named augmenter (and, if it brings one, its generator's ImageGAN parameters)."""
    if generator is not None and augmenter.generator:
        GENERATORS[augmenter.generator] = generator
    IMAGE_AUGMENTERS[name] = augmenter


def _combined(name: str) -> ImageAugmenter | None:
    """``"<generator>+<classic>"`` (e.g. ``cgan+trivialaugment``, ``per-class+randaugment``): the
    generative augmenter's images, with the classic augmenter's transforms applied on the fly."""
    gen, plus, classic = name.rpartition("+")
    g, c = IMAGE_AUGMENTERS.get(gen), IMAGE_AUGMENTERS.get(classic)
    if not plus or g is None or c is None or g.generator is None or g.classic or not g.train_real \
            or c.generator is not None or c.classic is None:
        return None
    return replace(g, classic=c.classic)


def check_image_augmenter(name: str) -> ImageAugmenter:
    """The augmenter a name means: a registered name, or ``"<generator>+<classic>"`` joining a
    generative and a classic one (``cgan+trivialaugment``). ``"<name>@<ratio>"`` (e.g. ``madgan@4``, ``cgan+classic@auto``)
    fixes a generative augmenter's synthetic:real ratio, so one grid compares ratios on one
    generator fit per cell (augmenters of one generator share it)."""
    base, at, r = name.partition("@")
    spec = IMAGE_AUGMENTERS.get(base) or _combined(base)
    if spec is None:
        raise ParameterError(f"unknown augmenter {base!r}; choose from {', '.join(IMAGE_AUGMENTERS)}, or join a "
                             "generative one and a classic one with '+' (e.g. cgan+trivialaugment); "
                             "a generative one may end in @<ratio>, e.g. madgan@2 or cgan@auto")
    if not at:
        return spec
    if spec.generator is None:
        raise ParameterError(f"augmenter {name!r}: {base!r} makes no synthetic images, so it takes no @<ratio>")
    try:
        ratio: float | str = r if r == "auto" else float(r)
    except ValueError:
        ratio = r
    check_ratio(ratio, f"the ratio of augmenter {name!r}")
    return replace(spec, ratio=ratio)


def balanced_counts(train: ImageData, ratio: float) -> np.ndarray:
    """Synthetic images per class: round(ratio x that class's real images)."""
    return np.round(ratio * np.bincount(train.labels, minlength=train.n_classes)).astype(int)


def synthesize(gan, train: ImageData, ratio: float, seed: int) -> ImageData:
    """``ratio`` x the real images of each class, generated by ``gan`` with exactly those labels."""
    counts = balanced_counts(train, ratio)
    labels = np.repeat(np.arange(train.n_classes), counts)
    if len(labels) == 0:
        return ImageData(np.zeros((0,) + train.shape, np.uint8), np.zeros(0, np.int64), list(train.class_names))
    return gan.sample(len(labels), labels, random_state=seed)


def make_generator(name: str, seed: int | None = None, params: dict[str, Any] | None = None):
    """The unfitted synthesizer of generator ``name`` (its GENERATORS entry, then ``params``)."""
    from ..synthesizers import ImageGAN, MADGAN

    if name not in GENERATORS:
        raise ParameterError(f"unknown generator {name!r}; known: {sorted(GENERATORS)}")
    spec = dict(GENERATORS[name])
    cls = {"ImageGAN": ImageGAN, "MADGAN": MADGAN}[spec.pop("synthesizer", "ImageGAN")]
    params = dict(params or {})
    bad = [k for k in params if k not in cls.param_table() or k in ("random_state", "verbose", "checkpoint_dir")]
    if bad:
        raise ParameterError(f"gan_params {bad} are not {cls.__name__} parameters one can set here (generator {name!r})")
    return cls(**{**spec, "verbose": False, "random_state": seed, **params})


def fit_generator(name: str, train: ImageData, seed: int, params: dict[str, Any] | None = None):
    return make_generator(name, seed, params).fit(train)


def stratified_split(labels: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held out) indices: ``fraction`` of each class held out, at least one where the class has two."""
    out = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        k = min(len(idx) - 1, max(1, int(round(fraction * len(idx))))) if len(idx) > 1 else 0
        out += rng.permutation(idx)[:k].tolist()
    held = np.sort(np.asarray(out, dtype=np.int64))
    return np.setdiff1d(np.arange(len(labels)), held), held


@dataclass
class AutoRatio:
    """The synthetic:real ratio chosen on held-out real training images: a CNN is trained on the
    other real images plus each ratio's synthetic images (from a generator fitted on those other
    images only) and scored on the held-out ones. The best ratio is kept only if it beats the real
    images alone by more than chance: McNemar's exact test on the held-out images it and ratio 0
    disagree on, one-sided, at ``alpha`` split over the ratios tried (Bonferroni, because the best
    of several is picked). Otherwise 0. ``alpha=None`` keeps any ratio that scores higher at all:
    with a few dozen held-out images that picks a ratio > 0 by chance most of the time (the CIFAR-10
    subset at 25 per class: 9 of 10 cells, where the generator's images cost accuracy)."""

    grid: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)
    alpha: float | None = 0.05
    scores: dict = field(default_factory=dict)
    p_value: float = float("nan")  # the McNemar p of the best ratio > 0 against ratio 0 (unadjusted)

    def choose(self, inner: ImageData, val: ImageData, gan: Any, make_cnn: Callable[[], Any], classes: np.ndarray,
               seed: int, train_real: bool = True) -> float:
        """``inner``: the real images ``gan`` was fitted on; ``val``: real images neither has seen."""
        correct: dict[float, np.ndarray] = {}  # ratio -> (n_val,) bool
        self.scores, self.p_value = {}, float("nan")
        for r in self.grid:
            if r == 0 and not train_real:
                continue
            syn = synthesize(gan, inner, r, seed + 1)
            data = inner.concat(syn)
            cnn = make_cnn().fit(data.images, data.labels, n_real=len(inner), classes=classes, train_real=train_real)
            correct[r] = np.asarray(cnn.predict(val.images)) == val.labels
            self.scores[r] = float(correct[r].mean())
        best = max(self.scores, key=lambda r: (self.scores[r], -r))
        if best == 0.0 or 0.0 not in correct:  # 0 not tried (train_real=False or a grid without it): nothing to beat
            return best
        if self.alpha is None:
            return best if self.scores[best] > self.scores[0.0] else 0.0
        self.p_value = mcnemar_greater(correct[best], correct[0.0])
        tried = sum(r > 0 for r in correct)
        return best if self.p_value <= self.alpha / tried else 0.0


def mcnemar_greater(a: np.ndarray, b: np.ndarray) -> float:
    """One-sided exact McNemar p that classifier ``a`` is right more often than ``b`` on the same items
    (``a``, ``b``: bool arrays, correct or not): P(X >= wins) for X ~ Binomial(wins + losses, 1/2)."""
    from scipy.stats import binom

    wins, losses = int((a & ~b).sum()), int((~a & b).sum())
    return 1.0 if wins + losses == 0 else float(binom.sf(wins - 1, wins + losses, 0.5))


__all__ = ["IMAGE_AUGMENTERS", "GENERATORS", "ImageAugmenter", "register_image_augmenter", "check_image_augmenter",
           "synthesize", "fit_generator", "make_generator", "AutoRatio", "mcnemar_greater", "balanced_counts", "stratified_split"]
