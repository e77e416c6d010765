"""Scores of generated windows (N, T, F) against real ones, protocols written down.

- :func:`discriminative_score` (TimeGAN, Yoon et al. 2019): a post-hoc 1-layer GRU classifier
  of real vs synthetic windows, trained on 80 % of each set, scored on the held-out 20 %:
  |accuracy - 0.5| (0 = indistinguishable). As TimeGAN's code: hidden = F / 2 units, 2000
  iterations of batch 128, Adam; except that the hidden width is at least 4 (F / 2 is 0 for
  one feature in their code). ``restarts`` guards against a classifier that fails to train
  (it scores 0, as a perfect generator would): the best of several on a validation part.
- :func:`predictive_score` (train on synthetic, test on real): a 1-layer GRU trained on the
  synthetic windows to predict each next step from the steps before, then its mean absolute
  error on the real windows. TimeGAN predicts the last feature from the other features, which
  has no input for one feature; here every feature of step t+1 is predicted from steps 0..t,
  for univariate and multivariate data alike. ``predictive_score(real, real_train)`` gives the
  reference row (the same model trained on real windows).
- :func:`autocorrelation_difference`, :func:`cross_correlation_difference`, :func:`marginal_ks`:
  mean absolute difference of the per-feature autocorrelations up to ``max_lag``, of the
  correlations between features (over all steps), and the per-feature two-sample KS statistic.
- :func:`embed_windows`: real and synthetic windows, flattened to T x F values each, in two
  dimensions (PCA or t-SNE), as TimeGAN's visual check; :func:`r_squared`: the study's parity
  plot's R² of predicted against true values (1 = perfect, 0 = no better than the mean).

All scores take windows already scaled to a common range (e.g. the GAN's minmax scale), as
TimeGAN's do.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..errors import SchemaError


def _check(real: np.ndarray, synth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(real, dtype=np.float32), np.asarray(synth, dtype=np.float32)
    if a.ndim != 3 or b.ndim != 3 or a.shape[1:] != b.shape[1:]:
        raise SchemaError(f"windows of shapes {a.shape} and {b.shape}: both must be (N, T, F) with the same T and F")
    if len(a) < 5 or len(b) < 5:
        raise SchemaError("at least 5 windows of each are needed")
    return a, b


class _GRUHead(nn.Module):
    def __init__(self, features: int, hidden: int, out: int, per_step: bool):
        super().__init__()
        self.gru = nn.GRU(features, hidden, batch_first=True)
        self.out, self.per_step = nn.Linear(hidden, out), per_step

    def forward(self, x):
        h, _ = self.gru(x)  # (B, T, H)
        return self.out(h if self.per_step else h[:, -1])


def _train(net: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn, iterations: int, batch: int,
           g: torch.Generator) -> nn.Module:
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(iterations):
        idx = torch.randint(len(x), (min(batch, len(x)),), generator=g)
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x[idx]), y[idx]).backward()
        opt.step()
    return net.eval()


def _net(features: int, out: int, per_step: bool, seed: int) -> tuple[nn.Module, torch.Generator]:
    from ..nn.init import build, init_weights

    hidden = max(4, features // 2)
    net = build(lambda: _GRUHead(features, hidden, out, per_step))
    g = torch.Generator().manual_seed(seed)
    init_weights(net, g)
    return net, g


def _split(n: int, share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(n)
    k = int(share * n)
    return order[:k], order[k:]


def _classifier(x_tr: torch.Tensor, y_tr: torch.Tensor, features: int, iterations: int, batch: int,
                seed: int) -> nn.Module:
    net, g = _net(features, 1, False, seed)
    return _train(net, x_tr, y_tr, nn.functional.binary_cross_entropy_with_logits, iterations, batch, g)


def _accuracy(net: nn.Module, x: torch.Tensor, y: np.ndarray) -> tuple[float, float]:
    """(accuracy, share of windows named real) of ``net`` on ``x``."""
    with torch.no_grad():
        pred = (net(x)[:, 0] > 0).numpy()
    return float((pred == y).mean()), float(pred.mean())


def discriminative_score(real: np.ndarray, synth: np.ndarray, iterations: int = 2000, batch: int = 128,
                         seed: int = 0, restarts: int = 1, return_details: bool = False) -> float | dict:
    """|accuracy - 0.5| of a GRU telling real from synthetic windows on held-out 20 % (see the module docstring).

    ``restarts=1`` is TimeGAN's protocol. Its weak point: a classifier that fails to train and
    names every window one class scores exactly 0, which reads as a perfect generator. With
    ``restarts=r > 1``, r classifiers from different initialisations train on 75 % of the training
    part and the one with the highest accuracy on its other 25 % is scored on the held-out 20 %
    (the test windows choose nothing). ``return_details=True`` returns a dict: ``score``, the
    test ``accuracy``, ``named_real`` (share of test windows the classifier called real: 0 or 1
    means it named every window one class) and ``validation`` (each restart's accuracy; empty
    for one restart).
    """
    if not isinstance(restarts, (int, np.integer)) or isinstance(restarts, bool) or restarts < 1:
        raise SchemaError(f"restarts={restarts!r}: a whole number of classifiers >= 1 (1 = TimeGAN's protocol)")
    a, b = _check(real, synth)
    rng = np.random.default_rng(seed)
    (ta, ea), (tb, eb) = _split(len(a), 0.8, rng), _split(len(b), 0.8, rng)
    x_te = torch.as_tensor(np.concatenate([a[ea], b[eb]]))
    y_te = np.concatenate([np.ones(len(ea)), np.zeros(len(eb))])
    F = a.shape[2]
    with torch.random.fork_rng(devices=[]):
        if restarts == 1:
            x_tr = torch.as_tensor(np.concatenate([a[ta], b[tb]]))
            y_tr = torch.cat([torch.ones(len(ta), 1), torch.zeros(len(tb), 1)])
            net, validation = _classifier(x_tr, y_tr, F, iterations, batch, seed), []
        else:
            # inner split of each set's training part: (fit, validation) = 75 % / 25 %
            (fa, va), (fb, vb) = _split(len(ta), 0.75, rng), _split(len(tb), 0.75, rng)
            if min(len(va), len(vb), len(fa), len(fb)) == 0:
                raise SchemaError(f"{len(a)} and {len(b)} windows are too few to hold out a validation part "
                                  "for restarts: use restarts=1 or more windows")
            x_fit = torch.as_tensor(np.concatenate([a[ta[fa]], b[tb[fb]]]))
            y_fit = torch.cat([torch.ones(len(fa), 1), torch.zeros(len(fb), 1)])
            x_va = torch.as_tensor(np.concatenate([a[ta[va]], b[tb[vb]]]))
            y_va = np.concatenate([np.ones(len(va)), np.zeros(len(vb))])
            nets = [_classifier(x_fit, y_fit, F, iterations, batch, seed + 7919 * i) for i in range(restarts)]
            validation = [_accuracy(n, x_va, y_va)[0] for n in nets]
            net = nets[int(np.argmax(validation))]
        acc, named_real = _accuracy(net, x_te, y_te)
    score = float(abs(acc - 0.5))
    if not return_details:
        return score
    return {"score": score, "accuracy": acc, "named_real": named_real, "validation": [round(v, 4) for v in validation]}


def predictive_score(real: np.ndarray, train: np.ndarray, iterations: int = 5000, batch: int = 128,
                     seed: int = 0) -> float:
    """MAE on ``real`` windows of a GRU trained on ``train`` windows (synthetic ones, or real ones for
    the reference) to predict step t+1 of every feature from steps 0..t."""
    a, b = _check(real, train)
    F = a.shape[2]
    with torch.random.fork_rng(devices=[]):
        net, g = _net(F, F, True, seed)
        xb = torch.as_tensor(b)
        _train(net, xb[:, :-1], xb[:, 1:], nn.functional.l1_loss, iterations, batch, g)
        with torch.no_grad():
            xa = torch.as_tensor(a)
            return float((net(xa[:, :-1]) - xa[:, 1:]).abs().mean())


def _acf(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Mean over windows of each feature's autocorrelation at lags 1..max_lag: (max_lag, F)."""
    x = x - x.mean(axis=1, keepdims=True)
    var = (x ** 2).sum(axis=1) + 1e-12  # (N, F)
    return np.stack([((x[:, lag:] * x[:, :-lag]).sum(axis=1) / var).mean(axis=0) for lag in range(1, max_lag + 1)])


def autocorrelation_difference(real: np.ndarray, synth: np.ndarray, max_lag: int | None = None) -> float:
    a, b = _check(real, synth)
    lag = max_lag or max(1, a.shape[1] // 2)
    return float(np.abs(_acf(a, lag) - _acf(b, lag)).mean())


def cross_correlation_difference(real: np.ndarray, synth: np.ndarray) -> float:
    """Mean |corr real - corr generated| over the pairs of features, each correlation over all steps of
    all windows (NaN for one feature: there is no pair)."""
    a, b = _check(real, synth)
    F = a.shape[2]
    if F < 2:
        return float("nan")
    iu = np.triu_indices(F, 1)
    corr = lambda w: np.nan_to_num(np.corrcoef(w.reshape(-1, F), rowvar=False))[iu]  # noqa: E731  constant -> 0
    return float(np.abs(corr(a) - corr(b)).mean())


def marginal_ks(real: np.ndarray, synth: np.ndarray) -> list[float]:
    """Per feature, the two-sample Kolmogorov-Smirnov statistic of all values."""
    from scipy.stats import ks_2samp

    a, b = _check(real, synth)
    return [float(ks_2samp(a[..., j].ravel(), b[..., j].ravel()).statistic) for j in range(a.shape[2])]


def crps(paths: np.ndarray, truth: np.ndarray) -> float:
    """Mean continuous ranked probability score of sample paths (n, H, F) for the truth (H, F):
    per step and feature E|X - y| - 0.5 E|X - X'| over the n samples (lower is better; for one
    sample path it is its absolute error)."""
    x, y = np.asarray(paths, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if x.ndim != 3 or x.shape[1:] != y.shape:
        raise SchemaError(f"paths of shape {x.shape} for a truth of shape {y.shape}: need (n, H, F) and (H, F)")
    first = np.abs(x - y[None]).mean(axis=0)
    s = np.sort(x, axis=0)  # E|X - X'| from the sorted samples: 2 / n^2 * sum (2i - n - 1) x_(i)
    n = len(x)
    w = (2 * np.arange(1, n + 1) - n - 1)[:, None, None]
    spread = 2.0 * (w * s).sum(axis=0) / n ** 2
    return float((first - 0.5 * spread).mean())


def embed_windows(real: np.ndarray, synth: np.ndarray, method: str = "pca", max_windows: int = 1000,
                  random_state: int = 0):
    """A table x, y, source ("real" / "synthetic") of at most ``max_windows`` windows of each, flattened."""
    import pandas as pd

    from .diagnostics import embed_2d

    a, b = _check(real, synth)
    cols = [f"t{t}_f{j}" for t in range(a.shape[1]) for j in range(a.shape[2])]
    flat = lambda w: pd.DataFrame(w.reshape(len(w), -1).astype(np.float64), columns=cols)  # noqa: E731
    return embed_2d(flat(a), flat(b), method=method, max_rows=max_windows, random_state=random_state)


def r_squared(truth: np.ndarray, predicted: np.ndarray) -> float:
    """1 - SSE / SST over all values (negative when worse than predicting the truth's mean)."""
    y, p = np.asarray(truth, dtype=np.float64).ravel(), np.asarray(predicted, dtype=np.float64).ravel()
    if y.shape != p.shape or not len(y):
        raise SchemaError(f"{len(p)} predictions for {len(y)} true values")
    sst = ((y - y.mean()) ** 2).sum()
    return float(1.0 - ((y - p) ** 2).sum() / sst) if sst > 0 else float("nan")


__all__ = ["crps", "discriminative_score", "predictive_score", "autocorrelation_difference", "marginal_ks",
           "embed_windows", "r_squared"]
