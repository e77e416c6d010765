"""Image metrics without downloads: FID and KID in a dataset-specific feature space, precision /
recall / density / coverage, classification accuracy score (CAS), and a memorisation check.

**Feature space.** Nothing is downloaded, so there is no Inception network: FID and KID here
are computed on the penultimate features (128-d) of a small CNN trained on the dataset's *own*
full training split (:func:`dataset_feature_net`, cached as safetensors + JSON under
``$SYNTHBOOST_CACHE`` or ``~/.cache/synthboost``, keyed by a hash of the images, labels and
settings), or of a randomly initialised network of the same shape (:func:`random_feature_net`).
Their values are comparable between models on the same dataset and feature net, **not** with
published Inception-FID figures. KID (Bińkowski et al. 2018) is unbiased and preferred at the
small sample sizes of this project; FID is biased upwards at small n.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..containers import ImageData
from ..errors import ParameterError, SchemaError
from ..models.vision import CNNClassifier, SmallCNN, images_to_tensor

FEATURE_NET_VERSION = 1


@dataclass
class FeatureNet:
    """A network with ``embed`` and what it was made from (``kind``: "trained" or "random")."""

    net: nn.Module
    kind: str
    shape: tuple[int, int, int]
    key: str = ""

    @torch.no_grad()
    def features(self, images: np.ndarray | ImageData, batch: int = 512) -> np.ndarray:
        x = images.images if isinstance(images, ImageData) else np.asarray(images)
        if tuple(x.shape[1:]) != self.shape:
            raise SchemaError(f"images of shape {tuple(x.shape[1:])} given to a feature net for {self.shape}")
        self.net.eval()
        out = [self.net.embed(images_to_tensor(x[i:i + batch])).numpy() for i in range(0, len(x), batch)]
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0, self.net.embedding_dim))


    @torch.no_grad()
    def probabilities(self, images: np.ndarray | ImageData, batch: int = 512) -> np.ndarray:
        """Class probabilities (N, K) of a trained feature net (it is a classifier)."""
        x = images.images if isinstance(images, ImageData) else np.asarray(images)
        self.net.eval()
        out = [torch.softmax(self.net(images_to_tensor(x[i:i + batch])), 1).numpy() for i in range(0, len(x), batch)]
        return np.concatenate(out).astype(np.float64) if out else np.zeros((0, 0))


def classifier_module(shape: tuple[int, int, int], n_classes: int) -> nn.Module:
    """An untrained network of the feature nets' architecture (to load saved weights into)."""
    from ..nn.init import build

    H, W, C = shape
    return build(lambda: SmallCNN(C, H, n_classes))


def cache_dir() -> Path:
    return Path(os.environ.get("SYNTHBOOST_CACHE") or Path.home() / ".cache" / "synthboost")


def data_hash(data: ImageData) -> str:
    h = hashlib.sha256(np.ascontiguousarray(data.images).tobytes())
    if data.labels is not None:
        h.update(data.labels.astype(np.int64).tobytes())
    h.update(json.dumps(data.class_names).encode())
    return h.hexdigest()[:20]


def dataset_feature_net(data: ImageData, *, epochs: int = 15, max_images: int = 20000, seed: int = 0,
                        cache: bool = True, patience: int = 3) -> FeatureNet:
    """A SmallCNN classifier trained on ``data`` (the dataset's full training split; at most
    ``max_images`` of it, stratified), whose penultimate features FID and KID compare."""
    from ..io import load_model, save_model

    if data.labels is None:
        raise SchemaError("a dataset-specific feature net is trained as a classifier: the images need labels")
    key = f"{data_hash(data)}-e{epochs}-m{max_images}-s{seed}-v{FEATURE_NET_VERSION}" + (f"-p{patience}" if patience != 3 else "")
    where = cache_dir() / "feature_nets" / key
    H, W, C = data.shape
    if cache and (where / "model.json").is_file():
        tensors, meta = load_model(where)
        net = SmallCNN(C, H, data.n_classes)
        net.load_state_dict(tensors)
        return FeatureNet(net.eval(), "trained", data.shape, key)
    rng = np.random.default_rng(seed)
    idx = np.arange(len(data))
    if len(idx) > max_images:
        idx = np.sort(rng.choice(idx, max_images, replace=False))
    sub = data.subset(idx)
    clf = CNNClassifier("small", epochs=epochs, patience=patience, val_fraction=0.1, random_state=seed).fit(
        sub.images, sub.labels, classes=np.arange(data.n_classes))
    net = clf.net_
    if cache:
        save_model(where, dict(net.state_dict()), {"kind": "feature_net", "data": key,
                                                   "val_accuracy": clf.history_[-1].get("val_accuracy")})
    return FeatureNet(net.eval(), "trained", data.shape, key)


def random_feature_net(shape: tuple[int, int, int], seed: int = 0) -> FeatureNet:
    """The same architecture with random (He) weights from ``seed``: a feature space that no data shaped."""
    from ..nn.init import build, init_weights

    H, W, C = shape
    net = build(lambda: SmallCNN(C, H, 10))
    init_weights(net, torch.Generator().manual_seed(seed))
    return FeatureNet(net.eval(), "random", tuple(shape), f"random-{seed}")


# -- distances between feature sets ----------------------------------------------------------------
def fid(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, d)."""
    from scipy import linalg

    _need(a, b, 2)
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():  # a singular product (few samples) is handled below
        warnings.simplefilter("ignore")
        covmean = linalg.sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():  # regularise as the reference code does
            off = np.eye(s1.shape[0]) * 1e-6
            covmean = linalg.sqrtm((s1 + off) @ (s2 + off))
    covmean = np.real(covmean)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def kid(a: np.ndarray, b: np.ndarray, n_subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Kernel inception distance: the unbiased MMD^2 with the cubic kernel k(x, y) = (x.y / d + 1)^3,
    averaged over ``n_subsets`` random subsets of ``min(subset_size, len(a), len(b))``; (mean, std)."""
    _need(a, b, 2)
    rng = np.random.default_rng(seed)
    m = int(min(subset_size, len(a), len(b)))
    d = a.shape[1]
    vals = []
    for _ in range(n_subsets):
        x = a[rng.choice(len(a), m, replace=False)]
        y = b[rng.choice(len(b), m, replace=False)]
        kxx, kyy, kxy = (x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3
        mmd = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.mean()
        vals.append(mmd)
    return float(np.mean(vals)), float(np.std(vals))


def prdc(real: np.ndarray, fake: np.ndarray, k: int = 5) -> dict[str, float]:
    """Precision, recall, density and coverage (Naeem et al. 2020) with k-nearest-neighbour balls."""
    from sklearn.metrics import pairwise_distances

    _need(real, fake, k + 1)
    rr = pairwise_distances(real, real)
    ff = pairwise_distances(fake, fake)
    rf = pairwise_distances(real, fake)  # (R, F)
    r_rad = np.sort(rr, axis=1)[:, k]  # k-th neighbour, the point itself excluded (column 0)
    f_rad = np.sort(ff, axis=1)[:, k]
    inside = rf < r_rad[:, None]  # fake j inside real i's ball
    return {
        "precision": float(inside.any(axis=0).mean()),
        "recall": float((rf < f_rad[None, :]).any(axis=1).mean()),
        "density": float(inside.sum(axis=0).mean() / k),
        "coverage": float((rf.min(axis=1) < r_rad).mean()),
    }


def _need(a: np.ndarray, b: np.ndarray, n: int) -> None:
    if len(a) < n or len(b) < n:
        raise ParameterError(f"feature sets of {len(a)} and {len(b)} images; at least {n} each are needed")


# -- utility and privacy ------------------------------------------------------------------------------
def cas(synthetic: ImageData, test: ImageData, arch: str = "small", seed: int = 0, epochs: int = 60) -> float:
    """Classification accuracy score: a CNN trained on synthetic images only, tested on real ones."""
    if synthetic.labels is None or test.labels is None:
        raise SchemaError("CAS needs labelled synthetic and test images")
    clf = CNNClassifier(arch, epochs=epochs, random_state=seed).fit(synthetic.images, synthetic.labels,
                                                                    classes=np.arange(synthetic.n_classes))
    return float((clf.predict(test.images) == test.labels).mean())


def memorisation(generated: ImageData, train: ImageData, holdout: ImageData | None = None, quantile: float = 0.05,
                 max_images: int = 2000, seed: int = 0) -> dict[str, float]:
    """Share of generated images whose nearest training image (pixel L2) is closer than the
    ``quantile`` of the training images' own leave-one-out nearest-neighbour distances.

    Images like the training data but not copied score about ``quantile`` (0.05); real images the
    generator never saw (``holdout``) give that reference. Well above it means near-copies."""
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(seed)

    def flat(d: ImageData) -> np.ndarray:
        x = d.images
        if len(x) > max_images:
            x = x[rng.choice(len(x), max_images, replace=False)]
        return x.reshape(len(x), -1).astype(np.float64) / 255.0

    tr = flat(train)
    if len(tr) < 3:
        raise ParameterError("the memorisation check needs at least 3 training images")
    nn_ = NearestNeighbors(n_neighbors=2).fit(tr)
    own = nn_.kneighbors(tr)[0][:, 1]  # distance to the nearest *other* training image
    threshold = float(np.quantile(own, quantile))
    out = {"threshold": threshold, "share": float((nn_.kneighbors(flat(generated), 1)[0][:, 0] < threshold).mean())}
    if holdout is not None and len(holdout):
        out["holdout_share"] = float((nn_.kneighbors(flat(holdout), 1)[0][:, 0] < threshold).mean())
    return out


def nearest_training_images(generated: ImageData, train: ImageData, n: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the first ``n`` generated images, their nearest training image (pixel L2): (generated, nearest, distance)."""
    from sklearn.neighbors import NearestNeighbors

    g = generated.images[:n]
    nn_ = NearestNeighbors(n_neighbors=1).fit(train.images.reshape(len(train), -1).astype(np.float64) / 255.0)
    dist, idx = nn_.kneighbors(g.reshape(len(g), -1).astype(np.float64) / 255.0)
    return g, train.images[idx[:, 0]], dist[:, 0]


def quality_table(generated: ImageData, real: ImageData, net: FeatureNet, per_class: bool = True,
                  kid_subset: int = 1000) -> list[dict]:
    """KID, FID and PRDC of ``generated`` against ``real`` in ``net``'s feature space: one row for all
    images, and one per class when both are labelled."""
    fg, fr = net.features(generated), net.features(real)
    rows = []

    def row(name: str, a: np.ndarray, b: np.ndarray) -> dict:
        k, ks = kid(b, a, subset_size=kid_subset, n_subsets=50)
        out = {"class": name, "n_generated": len(a), "n_real": len(b), "kid": k, "kid_std": ks,
               "fid": fid(b, a) if min(len(a), len(b)) > 2 else float("nan")}
        if min(len(a), len(b)) > 6:
            out.update(prdc(b, a))
        return out

    rows.append(row("all", fg, fr))
    if per_class and generated.labels is not None and real.labels is not None:
        for c, name in enumerate(real.class_names):
            a, b = fg[generated.labels == c], fr[real.labels == c]
            if len(a) > 2 and len(b) > 2:
                rows.append(row(name, a, b))
    return rows


def generator_diagnostics(model, reference: ImageData, net: FeatureNet, n: int = 1000, seed: int = 0,
                          kid_subset: int = 500) -> dict:
    """What each of a multi-generator model's generators makes (MADGAN): ``n`` images from the uniform
    mixture (``model.sample_generators``), judged in ``net``'s feature space against ``reference``
    (real images) and by ``net`` as a classifier.

    - ``class_shares``: the share of each class among all ``n`` images (mode coverage; for an
      unlabelled model every class near 1/K means no mode is missed);
    - ``per_generator``: per generator its count, KID against ``reference``, class shares and, for
      a labelled model, the share ``net`` names as the asked class (label agreement);
    - ``pairwise``: (k, k) mean feature distance between generator i's and generator j's images
      (diagonal: within one generator); ``between_within`` = mean off-diagonal / mean diagonal
      (> 1: the generators make images more unlike each other's than their own)."""
    imgs, gens = model.sample_generators(n, random_state=seed)
    k, K = int(model.n_generators), reference.n_classes
    f, fr = net.features(imgs), net.features(reference)
    named = net.probabilities(imgs).argmax(1)
    shares = lambda idx: (np.bincount(named[idx], minlength=K) / max(len(idx), 1)).tolist()  # noqa: E731
    per = []
    for j in range(k):
        idx = np.flatnonzero(gens == j)
        row = {"generator": j, "n": int(len(idx)), "class_shares": shares(idx),
               "kid": kid(fr, f[idx], n_subsets=20, subset_size=kid_subset)[0] if len(idx) > 2 else float("nan")}
        if imgs.labels is not None:
            row["agreement"] = float((named[idx] == imgs.labels[idx]).mean()) if len(idx) else float("nan")
        per.append(row)
    rng = np.random.default_rng(seed)
    sub = [f[rng.permutation(np.flatnonzero(gens == j))[:200]] for j in range(k)]
    pair = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(k):
            if len(sub[i]) and len(sub[j]):
                pair[i, j] = float(np.sqrt(((sub[i][:, None, :] - sub[j][None, :, :]) ** 2).sum(-1)).mean())
    off = pair[~np.eye(k, dtype=bool)]
    out = {"class_shares": shares(np.arange(len(imgs))), "per_generator": per, "pairwise": pair.tolist(),
           "between_within": float(np.nanmean(off) / np.nanmean(np.diag(pair))) if k > 1 else float("nan"),
           "kid": kid(fr, f, n_subsets=20, subset_size=kid_subset)[0]}
    if imgs.labels is not None:
        out["agreement"] = float((named == imgs.labels).mean())
    return out


__all__ = ["FeatureNet", "dataset_feature_net", "random_feature_net", "fid", "kid", "prdc", "cas", "memorisation",
           "nearest_training_images", "quality_table", "cache_dir", "classifier_module",
           "generator_diagnostics"]
