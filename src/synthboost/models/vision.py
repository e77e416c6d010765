"""Small CNN classifiers of the image boosting experiment, with the augmentation users apply.

- ``"small"``: the study's design scaled to the image size: up to five conv + max-pool
  blocks (as many as the side allows), dropout, two dense layers.
- ``"resnet"``: a small ResNet (a 3x3 stem, three stages of two basic blocks at 16/32/64
  channels, global average pooling); at 10 images per class far weaker than ``"small"``
  (bench/RESULTS.md).

:class:`CNNClassifier` trains with Adam on cross-entropy, validates on a split of the *real*
training images only (``fit(images, labels, n_real=k)``: the first k images are real, the rest
synthetic, which are trained on and never validated on), stops early on the validation loss and
keeps the best epoch's weights; ``history_`` has per-epoch train / validation loss and accuracy.
Classic augmentation runs on the fly inside training, as users use it (kornia):

- ``"classic"``: the study's four transforms: horizontal flip, brightness x U[0.2, 1]
  (multiplicative; kornia's RandomBrightness is additive), zoom in [0.5, 1] as Keras'
  ``zoom_range`` (content magnified 1-2x), rotation +-25 degrees;
- ``"randaugment"`` (2 ops at magnitude 9) and ``"trivialaugment"`` from kornia. kornia's
  TrivialAugment picks one op per call, so it is applied to groups of 4 images, not to a whole
  batch at once; both need 3 channels (the colour ops reject grey images), so grey images are
  augmented as 3 equal channels and averaged back.

Randomness: weights, batches, dropout and kornia's draws all come from ``random_state``
(kornia draws from torch's global generator, so training runs inside a forked, seeded one).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from torch import nn
import torch.nn.functional as F

from ..errors import ParameterError

AUGMENTATIONS = (None, "classic", "randaugment", "trivialaugment")


def _blocks_for(side: int, max_blocks: int = 5) -> int:
    """Conv + pool blocks that keep at least a 2x2 map: 8 -> 2, 28 -> 3, 32 -> 4, 64 -> 5."""
    return int(max(1, min(max_blocks, math.floor(math.log2(side)) - 1)))


class SmallCNN(nn.Module):
    def __init__(self, channels: int, side: int, n_classes: int, width: int = 16, dropout: float = 0.3):
        super().__init__()
        layers: list[nn.Module] = []
        cin, s = channels, side
        for i in range(_blocks_for(side)):
            cout = min(width * 2 ** i, 8 * width)
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            cin, s = cout, s // 2
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(cin * s * s, 128), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(128, n_classes))
        self.embedding_dim = 128

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features (B, 128): what FID/KID compare."""
        return self.head[:4](self.features(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class _Basic(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.skip = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                                           nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        h = self.b2(self.c2(h))
        return F.relu(h + (x if self.skip is None else self.skip(x)))


class SmallResNet(nn.Module):
    def __init__(self, channels: int, side: int, n_classes: int, width: int = 16):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        stages, cin = [], width
        for i, cout in enumerate((width, 2 * width, 4 * width)):
            stride = 1 if i == 0 or side // 2 ** i < 4 else 2
            stages += [_Basic(cin, cout, stride), _Basic(cout, cout, 1)]
            cin = cout
        self.stages = nn.Sequential(*stages)
        self.fc = nn.Linear(cin, n_classes)
        self.embedding_dim = cin

    def embed(self, x):
        return self.stages(self.stem(x)).mean(dim=(2, 3))

    def forward(self, x):
        return self.fc(self.embed(x))


ARCHITECTURES = {"small": SmallCNN, "resnet": SmallResNet}


def build_cnn(arch: str, channels: int, side: int, n_classes: int) -> nn.Module:
    if arch not in ARCHITECTURES:
        raise ParameterError(f"arch={arch!r} must be one of {list(ARCHITECTURES)}")
    return ARCHITECTURES[arch](channels, side, n_classes)


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, C) -> float (N, C, H, W) in [0, 1] (the classifiers' input range)."""
    return torch.as_tensor(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 255.0


# -- augmentation on the fly ------------------------------------------------------------------------
class Augmenter:
    """Batch transforms of (B, C, H, W) images in [0, 1]."""

    def __init__(self, kind: str | None):
        if kind not in AUGMENTATIONS:
            raise ParameterError(f"augmentation {kind!r} must be one of {[a for a in AUGMENTATIONS if a]} or None")
        self.kind = kind
        if kind == "classic":
            import kornia.augmentation as K

            self.ops = nn.Sequential(K.RandomHorizontalFlip(p=0.5), K.RandomAffine(degrees=25.0, scale=(1.0, 2.0), p=1.0))
        elif kind == "randaugment":
            from kornia.augmentation.auto import RandAugment

            self.ops = RandAugment(n=2, m=9)
        elif kind == "trivialaugment":
            from kornia.augmentation.auto import TrivialAugment

            self.ops = TrivialAugment()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind is None:
            return x
        if self.kind == "classic":
            x = self.ops(x)
            # brightness x U[0.2, 1] per image (the study's multiplicative range)
            return (x * (0.2 + 0.8 * torch.rand(x.shape[0], 1, 1, 1))).clamp(0, 1)
        grey = x.shape[1] == 1
        if grey:
            x = x.expand(-1, 3, -1, -1)
        groups = [self.ops(part) for part in x.split(4)] if self.kind == "trivialaugment" else [self.ops(x)]
        x = torch.cat(groups).clamp(0, 1)
        return x.mean(dim=1, keepdim=True) if grey else x


class CNNClassifier(ClassifierMixin, BaseEstimator):
    """A small CNN trained with early stopping on a validation split of the real images.

    Parameters
    ----------
    arch : {"small", "resnet"}
    augment : None, "classic", "randaugment" or "trivialaugment"
        Augmentation applied on the fly to every training batch.
    epochs : int
        Most epochs; training stops when the validation loss has not improved for ``patience``.
    val_fraction : float
        Share of the real images (stratified) held out to choose the epoch.
    random_state : int
        Seeds the split, weights, batches, dropout and augmentation (None counts as 0: a CNN
        of the boosting grid is always reproducible).
    """

    def __init__(self, arch: str = "small", augment: str | None = None, epochs: int = 60, batch_size: int = 64,
                 lr: float = 1e-3, weight_decay: float = 1e-4, patience: int = 10, val_fraction: float = 0.2,
                 random_state: int | None = 0):
        self.arch = arch
        self.augment = augment
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.val_fraction = val_fraction
        self.random_state = random_state

    def validation_split(self, labels: np.ndarray, classes: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """(train, validation) indices of real images with these labels, as ``fit`` splits them
        (stratified, at least one per class that has two): a generator that augments the training
        part can be fitted on it alone, so that the images early stopping validates on are unseen by both."""
        labels = np.asarray(labels)
        codes = np.searchsorted(np.unique(labels) if classes is None else np.asarray(classes), labels)
        rng = np.random.default_rng(int(self.random_state or 0))
        val = []
        for c in np.unique(codes):
            idx = np.flatnonzero(codes == c)
            k = int(round(self.val_fraction * len(idx)))
            k = min(max(k, 1), len(idx) - 1) if len(idx) > 1 else 0
            val += rng.permutation(idx)[:k].tolist()
        val = np.sort(np.asarray(val, dtype=np.int64))
        return np.setdiff1d(np.arange(len(codes)), val), val

    def fit(self, images: np.ndarray, labels: np.ndarray, n_real: int | None = None, classes: Any = None,
            train_real: bool = True) -> "CNNClassifier":
        """``images`` uint8 (N, H, W, C), ``labels`` (N,); the first ``n_real`` are real (default all).
        ``classes`` fixes the class list (e.g. all classes of the data), else the labels seen.
        ``train_real=False`` trains on the synthetic images only (CAS) and validates on the same
        held-out real images as ``train_real=True`` does (:meth:`validation_split`)."""
        if not (isinstance(self.epochs, (int, np.integer)) and self.epochs >= 1):
            raise ParameterError(f"epochs={self.epochs!r} must be a whole number >= 1")
        images, labels = np.asarray(images), np.asarray(labels)
        k = len(images) if n_real is None else int(n_real)
        if not 0 < k <= len(images):
            raise ParameterError(f"n_real={n_real!r} must be between 1 and the number of images ({len(images)})")
        self.classes_ = np.unique(labels) if classes is None else np.asarray(classes)
        codes = np.searchsorted(self.classes_, labels)
        seed = int(self.random_state or 0)
        tr_real, val = self.validation_split(labels[:k], self.classes_)
        if not train_real:
            if k == len(images):
                raise ParameterError("train_real=False trains on synthetic images only, and none were given")
            tr_real = np.zeros(0, np.int64)  # validated on the same held-out real images as with train_real
        train = np.concatenate([tr_real, np.arange(k, len(images))])
        x = images_to_tensor(images)
        t = torch.as_tensor(codes, dtype=torch.long)
        aug = Augmenter(self.augment)
        self.history_: list[dict] = []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)  # weights, dropout and kornia's draws
            H, W, C = images.shape[1:]
            net = build_cnn(self.arch, C, H, len(self.classes_))
            opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            g = torch.Generator().manual_seed(seed)
            best, best_state, bad = math.inf, None, 0
            for epoch in range(1, int(self.epochs) + 1):
                net.train()
                order = torch.as_tensor(train)[torch.randperm(len(train), generator=g)]
                tot, correct, n = 0.0, 0, 0
                for idx in order.split(self.batch_size):
                    if len(idx) < 2 and n:  # a lone last image would make BatchNorm fail
                        continue
                    xb = aug(x[idx])
                    # minimise cross-entropy of the class logits on (augmented) real + synthetic images
                    out = net(xb)
                    loss = F.cross_entropy(out, t[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    tot += loss.item() * len(idx)
                    correct += int((out.argmax(1) == t[idx]).sum())
                    n += len(idx)
                row = {"epoch": epoch, "train_loss": tot / max(n, 1), "train_accuracy": correct / max(n, 1)}
                if len(val):
                    vl, va = self._evaluate(net, x[val], t[val])
                    row.update(val_loss=vl, val_accuracy=va)
                    if vl < best - 1e-6:
                        best, best_state, bad = vl, copy.deepcopy(net.state_dict()), 0
                    else:
                        bad += 1
                self.history_.append(row)
                if len(val) and bad >= self.patience:
                    break
            if best_state is not None:
                net.load_state_dict(best_state)
        net.eval()
        self.net_ = net
        self.best_epoch_ = int(min(self.history_, key=lambda r: r.get("val_loss", 0))["epoch"]) if len(val) else len(self.history_)
        return self

    @staticmethod
    @torch.no_grad()
    def _evaluate(net: nn.Module, x: torch.Tensor, t: torch.Tensor) -> tuple[float, float]:
        net.eval()
        logits = torch.cat([net(part) for part in x.split(512)])
        return float(F.cross_entropy(logits, t)), float((logits.argmax(1) == t).float().mean())

    @torch.no_grad()
    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        x = images_to_tensor(np.asarray(images))
        logits = torch.cat([self.net_(part) for part in x.split(512)]) if len(x) else torch.zeros(0, len(self.classes_))
        return torch.softmax(logits, 1).numpy().astype(np.float64)

    def predict(self, images: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(images).argmax(1)]


__all__ = ["CNNClassifier", "SmallCNN", "SmallResNet", "build_cnn", "Augmenter", "images_to_tensor", "AUGMENTATIONS"]
