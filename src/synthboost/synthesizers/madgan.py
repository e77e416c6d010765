"""MADGAN: k image generators against one (k+1)-way discriminator (Ghosh et al. 2018, MAD-GAN).

D is a softmax over "made by generator j" (j < k) and "real" (index k); to fool it a
generator's images must look real *and* unlike the other generators', which pushes the
generators to different modes, and at the optimum their uniform mixture matches the data.
It is ImageGAN's skeleton with a multi-generator network (:mod:`synthboost.nn.multi`: the
heads batched as grouped convolutions, a shared trunk as an option) and a multi-class
objective (:class:`~synthboost.nn.objectives.MultiGeneratorObjective`); the engine's loop is
the same (each step: B real images and B generated ones, B / k per generator).

Class labels, two ways: ``conditioning="label"`` gives the label to every generator
(an embedding) and to D (one projection per output), so sampling gives exact labels;
``conditioning="classifier"`` trains the MAD-GAN without labels and lets a small CNN trained
on the same real images name the class of each generated image, keeping images it names with
at least ``confidence``. ``conditioning=None`` is an unlabelled MAD-GAN.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch

from ..base import Param, check_number, choice, number
from ..containers import ImageData
from ..data.images import to_uint8
from ..errors import ParameterError, SchemaError, SynthboostError
from ..nn.conv import ConvDiscriminator, _levels
from ..nn.init import build
from ..nn.multi import MultiConvGenerator
from ..nn.objectives import MultiGeneratorObjective
from ..training.engine import TrainingConfig
from ..training.hooks import clone_module
from ._gan import TrainingPlan, check_count, pick
from .image import IMAGE_PARAMS, SAMPLE_CHUNK, ImageGAN, _ImageSource, auto_steps

SHARES = ("none", "trunk", "all_but_output")

#: learning rate per objective when ``lr=None`` (with spectral norm in D, as ImageGAN's hinge default)
MADGAN_LR = {"ce": 8e-4, "minimax": 8e-4, "hinge": 8e-4}


def _share_check(name: str, value: Any) -> None:
    if isinstance(value, bool) or not (value in SHARES or (isinstance(value, (int, np.integer)) and value >= 0)):
        raise ParameterError(f"{name}={value!r} must be one of {', '.join(SHARES)} or a number of shared stages (>= 0)")


LABELLER_MIN_STEPS = 200


def labeller_schedule(n_images: int, epochs: int) -> tuple[int, int]:
    """(epochs, patience) of the labelling CNN: ``epochs``, or more so that it takes at least
    LABELLER_MIN_STEPS optimizer steps (batch 64 on the 90 % it trains on), patience a tenth of
    that (at least 3). On 80 MNIST images, 30 epochs are 60 steps: 46 % test accuracy, median
    confidence 0.23; 100 epochs reach 79 %, median confidence 0.96 (bench/RESULTS.md)."""
    steps_per_epoch = max(1, -(-int(0.9 * n_images) // 64))
    epochs = max(int(epochs), -(-LABELLER_MIN_STEPS // steps_per_epoch))
    return epochs, max(3, epochs // 10)


def shared_stages(share: Any, side: int) -> int:
    """Stages (the noise map, then one per upsampling level) whose weights all generators share."""
    levels = _levels(side)[1]
    if share == "none":
        return 0
    if share == "trunk":  # the noise-side half
        return max(1, (levels + 1) // 2)
    if share == "all_but_output":
        return levels
    if int(share) > levels:
        raise ParameterError(f"share={share}: a generator for {side}x{side} images has {levels + 1} stages and the last "
                             f"(the output layer) must stay separate, so at most {levels} can be shared")
    return int(share)


_OWN = (
    Param("n_generators", 4, int, "Number of generators k (1 = a vanilla GAN with a 2-way softmax D).",
          number(integer=True, low=1)),
    Param("share", "trunk", Any, "Weights the generators share: none, trunk (noise-side layers), all_but_output, "
          "or a number of stages.", _share_check),
    Param("conditioning", "label", Optional[str], "Class labels: label (into G and D), classifier (a CNN names "
          "generated images) or none.", choice(None, "label", "classifier")),
    Param("objective", "ce", str, "Loss: ce (non-saturating), minimax (the paper's saturating G loss) or hinge "
          "(multi-class).", choice("ce", "minimax", "hinge")),
    Param("confidence", 0.9, float, "With conditioning=classifier: keep images the classifier names with at least "
          "this probability.", number(low=0, high=1, high_open=True)),
    Param("classifier_epochs", 30, int, "With conditioning=classifier: epochs of the labelling CNN (more where "
          "that is under 200 optimizer steps, as on small training sets).",
          number(integer=True, low=1)),
)
_BY_NAME = {p.name: p for p in IMAGE_PARAMS}
_ORDER = ("n_generators", "share", "conditioning", "objective", "epochs", "batch_size", "noise_dim", "width", "lr",
          "n_critic", "embed_dim", "dropout", "spectral_norm", "diffaugment", "ada_target", "ema", "select_epoch",
          "select_every", "validation", "image_size", "confidence", "classifier_epochs", "label_smoothing",
          "instance_noise", "lr_schedule", "on_divergence", "checkpoint_dir", "checkpoint_every", "device", "verbose",
          "random_state")


class MADGAN(ImageGAN):
    """MAD-GAN for small image sets: ``n_generators`` generators, one (k+1)-way discriminator.

    ``MADGAN(n_generators=4).fit(images, labels)``; ``sample(n, labels=..., generator=None)``
    returns an ImageData like ImageGAN's: by default each image comes from a generator drawn
    uniformly (the mixture is what matches the data), ``generator=j`` samples generator j only
    (about k times the cost: the heads run batched). Every argument has a data-adaptive default.

    Parameters
    ----------
    n_generators : int
        k; k = 1 is a vanilla GAN whose D is a 2-way softmax.
    share : {"none", "trunk", "all_but_output"} or int
        Shared weights: none; the noise-side half of the layers ("trunk"); everything but the
        output layer; or that many stages from the noise side. BatchNorm stays per generator.
    conditioning : {"label", "classifier", None}
        See the module docstring. "label" and "classifier" need labels in ``fit``.
    objective : {"ce", "minimax", "hinge"}
        D: (k+1)-way cross-entropy (ce, minimax) or multi-class hinge; G: non-saturating
        -log p_real (ce), the paper's saturating log(1 - p_real) (minimax), or the hinge margin.
    label_smoothing : float
        One-sided: a real image's target is this on the real class (ce and minimax; 1 = off).
    confidence : float
        With conditioning="classifier": the least class probability an image needs to be kept.
    batch_size : int or None
        Real images per step (as many generated ones, B / k per generator): rounded up to a
        multiple of k, at least 2 k (each generator's BatchNorm needs two images).
    """

    _params = pick(_ORDER, *_OWN, *(_BY_NAME[n] for n in ("width", "embed_dim", "dropout", "spectral_norm", "diffaugment",
                                                          "ada_target", "ema", "select_epoch", "select_every",
                                                          "validation", "image_size")),
                   label_smoothing={"default": 1.0, "help": "Target for real images on the real class (1 = off; "
                                    "ce and minimax only)."})
    # ImageGAN's code paths this class reuses read these
    mode = "conditional"
    aux_classifier = 0.0
    upsample = "nearest"
    label_flip = 0.0

    # -- fit --------------------------------------------------------------------------------
    def fit(self, images: Any, labels: Any = None, *, resume: bool = False, callbacks: Sequence[Callable] = ()) -> "MADGAN":
        """Learn the images (uint8 arrays or an ImageData); labels as ``conditioning`` says."""
        return self._fit((images, labels), resume=resume, callbacks=callbacks)

    def _prepare(self, images, labels=None):
        if self.conditioning is None:  # an unlabelled MAD-GAN: labels, if given, are not used
            images, labels = (images.images if isinstance(images, ImageData) else images), None
        data = super()._prepare(images, labels)
        if self.conditioning is not None and data.labels is None:
            raise ParameterError(f"conditioning={self.conditioning!r} needs labels: fit(images, labels), or "
                                 "MADGAN(conditioning=None) for unlabelled images")
        shared_stages(self.share, data.shape[0])  # a share that does not fit the network is refused here
        return data

    @property
    def _gan_classes(self) -> int:
        """Classes the networks read (label conditioning only)."""
        return len(self.class_names_) if self.conditioning == "label" else 0

    def _source(self, x: torch.Tensor, train: ImageData) -> _ImageSource:
        # the networks read labels under label conditioning only (the classifier's CNN reads self._train)
        labels = torch.as_tensor(train.labels, device=self.device) if self._gan_classes else None
        return _ImageSource(x, labels, self._gan_classes, False)

    @property
    def _n_models(self) -> int:
        return 1

    def _training_config(self, n_rows: int, objective) -> TrainingConfig:
        k = self.n_generators
        # B real and B generated images per step, B / k from each generator (>= 2 for its BatchNorm)
        b0 = self.batch_size or int(min(64, n_rows))
        batch = max(2 * k, k * math.ceil(b0 / k))
        steps = auto_steps(self.n_images_in_)
        epochs = self.epochs or max(1, math.ceil(steps / math.ceil(n_rows / batch)))
        lr = self.lr or MADGAN_LR[self.objective]
        return TrainingConfig(
            epochs=int(epochs), batch_size=int(batch), noise_dim=int(self.noise_dim),
            n_critic=int(self.n_critic or 1), lr_g=lr, lr_d=lr,
            label_smoothing=self.label_smoothing if objective.uses_targets else 1.0,
            instance_noise=self.instance_noise, lr_schedule=self.lr_schedule, on_divergence=self.on_divergence,
            snapshot_every=5, checkpoint_dir=self.checkpoint_dir, checkpoint_every=self.checkpoint_every,
            verbose=self.verbose,
        )

    def _objective(self):
        kind = "hinge" if self.objective == "hinge" else "ce"
        return MultiGeneratorObjective(self.n_generators, kind, "minimax" if self.objective == "minimax" else "nonsaturating")

    def _build_networks(self) -> None:
        H, W, C = self.image_shape_
        width = self._network_width()
        k, K = self.n_generators, self._gan_classes
        n_shared = shared_stages(self.share, H)
        self.generator_ = build(lambda: MultiConvGenerator(self.noise_dim, C, H, width, k, n_shared, K,
                                                           self.embed_dim if K else 0)).to(self.device)
        self.discriminator_ = build(lambda: ConvDiscriminator(C, H, width, 1, K, "projection", self.dropout,
                                                              self.spectral_norm, n_outputs=k + 1,
                                                              projected=k + 1)).to(self.device)
        if self.ema:
            self.ema_generator_ = clone_module(self.generator_).eval()
        if self.conditioning == "classifier":
            from ..metrics.images import classifier_module

            self.labeller_ = classifier_module(self.image_shape_, len(self.class_names_)).to(self.device)

    def _extra_modules(self):
        out = super()._extra_modules()
        if self.conditioning == "classifier":
            out["labeller"] = self.labeller_
        return out

    def _training_plan(self, source, rng, g) -> TrainingPlan:
        if self.conditioning == "classifier":  # before training: a KID selection samples through it
            from ..metrics.images import dataset_feature_net

            epochs, patience = labeller_schedule(len(self._train), self.classifier_epochs)
            net = dataset_feature_net(self._train, epochs=epochs, seed=int(rng.integers(2**31)), cache=False,
                                      patience=patience)
            self.labeller_.load_state_dict(net.net.state_dict())
            self.labeller_.eval()
        plan = super()._training_plan(source, rng, g)
        if getattr(self, "_selector", None) is not None:  # KID selection compares the networks' own images
            self._selector.labelled = self._gan_classes > 0
        return plan

    # -- sample -----------------------------------------------------------------------------
    @torch.no_grad()
    def _raw(self, n: int, rng: torch.Generator, codes: np.ndarray | None = None,
             generator: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """uint8 images (n, H, W, C) of classes ``codes`` (label conditioning) and the generator of each (n,)."""
        G = clone_module(self._sampler()).eval()
        k, K = self.n_generators, self._gan_classes
        H, W, C = self.image_shape_
        out = np.zeros((n, H, W, C), np.uint8)
        if generator is None:  # the uniform mixture
            gens = torch.randint(k, (n,), generator=rng, device=rng.device).cpu().numpy()
        else:
            gens = np.full(n, int(generator), dtype=np.int64)
        where = [np.flatnonzero(gens == j) for j in range(k)]
        rows = max((len(w) for w in where), default=0)
        eye = torch.eye(max(K, 1), device=self.device)
        for a in range(0, rows, SAMPLE_CHUNK):
            c = min(SAMPLE_CHUNK, rows - a)
            cond = None
            if K:
                grid = np.zeros((c, k), np.int64)  # row b, generator j -> the class asked of it (0 where unused)
                for j, w in enumerate(where):
                    part = w[a:a + c]
                    grid[: len(part), j] = codes[part]
                cond = eye[torch.as_tensor(grid.reshape(-1), device=self.device)]
            x = to_uint8(G(G.sample_noise(c * k, rng), cond).x)  # (c*k, H, W, C), row b*k + j
            for j, w in enumerate(where):
                part = w[a:a + c]
                out[part] = x[np.arange(len(part)) * k + j]
        return out, gens

    def _generate(self, codes: np.ndarray | None, n: int, rng: torch.Generator, generator: int | None = None) -> ImageData:
        if codes is None:
            return ImageData(self._raw(n, rng, generator=generator)[0])
        if self.conditioning == "label":
            return ImageData(self._raw(n, rng, codes, generator)[0], codes, list(self.class_names_))
        return self._by_classifier(codes, n, rng, generator)

    def _by_classifier(self, codes: np.ndarray, n: int, rng: torch.Generator, generator: int | None) -> ImageData:
        """Rejection sampling: generated images the labelling CNN names with >= ``confidence``, until every
        requested class has its count (at most 50 x n candidates)."""
        from ..metrics.images import FeatureNet

        labeller = FeatureNet(self.labeller_, "trained", tuple(self.image_shape_))
        H, W, C = self.image_shape_
        out = np.zeros((n, H, W, C), np.uint8)
        todo = {int(c): list(np.flatnonzero(codes == c)) for c in np.unique(codes)}
        drawn, budget = 0, 50 * max(n, 1)
        while any(todo.values()) and drawn < budget:
            m = min(budget - drawn, max(64, 2 * sum(len(v) for v in todo.values())))
            imgs, _ = self._raw(m, rng, generator=generator)
            drawn += m
            p = labeller.probabilities(imgs)
            names, conf = p.argmax(1), p.max(1)
            for c, slots in todo.items():
                ok = np.flatnonzero((names == c) & (conf >= self.confidence))[: len(slots)]
                out[slots[: len(ok)]] = imgs[ok]
                del slots[: len(ok)]
        short = {self.class_names_[c]: len(v) for c, v in todo.items() if v}
        if short:
            raise SynthboostError(
                f"confidence={self.confidence}: after {drawn} generated images the classifier had not named enough with "
                f"that confidence (missing: {short}); lower confidence=, or use conditioning='label'")
        return ImageData(out, codes, list(self.class_names_))

    def _check_generator(self, generator: Any) -> int | None:
        if generator is None:
            return None
        k = self.n_generators
        check_number("generator", generator, integer=True, low=0, high=k - 1,
                     hint=f" (this model has {k} generators) or None for the uniform mixture")
        return int(generator)

    def sample(self, n: int, labels: Any = None, *, generator: int | None = None, random_state: Any = None) -> ImageData:
        """``n`` images: of class ``labels`` (a name, an index, or one per image; None: the training class
        proportions, exactly), from generator ``generator`` or (None) the uniform mixture of all."""
        self._check_fitted()
        gen = self._check_generator(generator)
        n = check_count(n)
        codes = self._codes(n, labels)
        return self._generate(codes, n, self._rng_for(random_state), gen)

    def sample_generators(self, n: int, *, random_state: Any = None) -> tuple[ImageData, np.ndarray]:
        """``n`` images from the uniform mixture *without* labels, and which generator made each (n,)
        (for mode-coverage and per-generator diagnostics)."""
        self._check_fitted()
        n = check_count(n)
        rng = self._rng_for(random_state)
        codes = None
        if self._gan_classes:  # label conditioning: the classes in training proportions, shuffled
            codes = self._codes(n, None)
            codes = codes[torch.randperm(len(codes), generator=rng, device=rng.device).cpu().numpy()]
        imgs, gens = self._raw(n, rng, codes)
        return (ImageData(imgs, codes, list(self.class_names_)) if codes is not None else ImageData(imgs)), gens

    def generator_rows(self, per: int = 10, random_state: Any = 0) -> ImageData:
        """``per`` images from each generator in turn (k * per images, generator-major). With label
        conditioning image i of a row is of class i mod K; otherwise the generator's own images, unlabelled."""
        self._check_fitted()
        parts = []
        for j in range(self.n_generators):
            rng = self._rng_for(None if random_state is None else int(random_state) * 7919 + j)  # a stream per row
            codes = np.arange(per) % len(self.class_names_) if self._gan_classes else None
            parts.append(self._raw(per, rng, codes, generator=j)[0])
        return ImageData(np.concatenate(parts))

    def save_grid(self, path, per_class: int = 10, random_state: Any = 0, rows: str = "class"):
        """A PNG grid: one row per class (``rows="class"``) or one row per generator (``rows="generator"``,
        see :meth:`generator_rows`)."""
        if rows == "class":
            return super().save_grid(path, per_class=per_class, random_state=random_state)
        if rows != "generator":
            raise ParameterError(f"rows={rows!r} must be 'class' or 'generator'")
        return self.generator_rows(per_class, random_state).save_grid(path, per_row=per_class)


__all__ = ["MADGAN", "shared_stages", "SHARES"]
