"""Networks for windows of a multivariate series: (B, T, F) samples.

- :class:`GRUGenerator`: noise (B, T, Z) i.i.d. per step (plus, optionally, one latent per window
  repeated over the steps) -> GRU -> per step Linear + LayerNorm + LeakyReLU + dropout 0.1 ->
  Linear (+ sigmoid for [0, 1]-scaled data): the study's design.
  With ``coarse_factor`` f it makes a fine window from its coarse values (one per block of f
  steps, the blocks' means), shifted so that every block's mean is exactly its coarse value.
- :class:`GRUCritic`: GRU over the window, a linear read-out of the last hidden state (B, 1).
  Not batch-coupled; its cuDNN kernel has no double backward, which it declares
  (``double_backward_ok = False``) so the gradient penalty runs with cuDNN off on CUDA.
- :class:`ConvCritic`: 1-D convolutions over time (LeakyReLU, dropout), mean over time, linear.
- :class:`DenseGenerator` / :class:`DenseCritic`: the study's first, dense design on the
  flattened window (3 linear layers; the critic with ReLU + dropout 0.2), for comparison.

Calendar conditioning (``calendar_dim`` C > 0): the last T * C values of ``cond`` are the
window's per-step calendar features (B, T, C). The generator reads each generated step's
features beside its noise, and the critics read them as C extra channels of the window, so the
critic judges whether a window fits its dates.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import Critic, Generator
from .blocks import Dropout


def split_calendar(cond: torch.Tensor | None, window: int, calendar_dim: int):
    """(the rest of cond or None, calendar (B, T, C) or None) from cond (B, D + T * C)."""
    if not calendar_dim:
        return cond, None
    k = window * calendar_dim
    cal = cond[:, -k:].reshape(len(cond), window, calendar_dim)
    return (cond[:, :-k] if cond.shape[1] > k else None), cal


def split_mask(cond: torch.Tensor | None, window: int, features: int, masked: bool):
    """(the rest of cond or None, mask (B, T, F) or None) from cond (B, D + T * F)."""
    if not masked:
        return cond, None
    k = window * features
    m = cond[:, -k:].reshape(len(cond), window, features)
    return (cond[:, :-k] if cond.shape[1] > k else None), m


def _masked_input(x: torch.Tensor, m: torch.Tensor | None) -> torch.Tensor:
    """(B, T, F) -> (B, T, 2F): the observed values (0 where missing) and the mask."""
    return x if m is None else torch.cat([x * m, m], dim=2)


class _Out(nn.Module):
    def __init__(self, bounded: bool):
        super().__init__()
        self.bounded = bounded

    def forward(self, x):
        return torch.sigmoid(x) if self.bounded else x


class GRUGenerator(Generator):
    """With ``context`` > 0 it continues a series: ``cond`` holds the first ``context`` steps of the
    window (B, context * F), a GRU encoder reads them into the generator GRU's initial state, and
    the output is the whole window, the given steps followed by the T - context generated ones,
    so the critic judges whether the continuation fits its beginning."""

    def __init__(self, noise_dim: int, features: int, window: int, hidden: int = 64, layers: int = 2,
                 latent_dim: int = 0, bounded: bool = True, context: int = 0, coarse_factor: int = 0,
                 calendar_dim: int = 0, masked: bool = False):
        super().__init__()
        self.noise_dim, self.window, self.latent_dim, self.context, self.features = noise_dim, window, latent_dim, context, features
        self.factor, self.calendar_dim, self.masked = coarse_factor, calendar_dim, masked
        self.gru = nn.GRU(noise_dim + latent_dim + (features if coarse_factor else 0) + calendar_dim, hidden,
                          num_layers=layers, batch_first=True)
        self.encoder = nn.GRU(features, hidden, num_layers=layers, batch_first=True) if context else None
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.LayerNorm(hidden), nn.LeakyReLU(0.2), Dropout(0.1),
                                  nn.Linear(hidden, features), _Out(bounded))

    def sample_noise(self, n: int, rng: torch.Generator) -> torch.Tensor:
        """(n, S, Z) i.i.d. per generated step (S = T - context), then (n, S, L) of one latent per window
        repeated over the steps."""
        steps = self.window - self.context
        z = torch.randn(n, steps, self.noise_dim, generator=rng, device=rng.device)
        if self.latent_dim:
            w = torch.randn(n, 1, self.latent_dim, generator=rng, device=rng.device).expand(n, steps, self.latent_dim)
            z = torch.cat([z, w], dim=2)
        return z

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        cond, _ = split_mask(cond, self.window, self.features, self.masked)  # G makes every value
        cond, cal = split_calendar(cond, self.window, self.calendar_dim)
        if cal is not None:  # each generated step reads its dates: (B, T - c, Z + C)
            z = torch.cat([z, cal[:, self.context:]], dim=2)
        if self.factor:  # higher resolution: cond holds the window's coarse values (B, (T / f) * F)
            B, f = len(z), self.factor
            coarse = cond.view(B, self.window // f, self.features)  # (B, K, F)
            h, _ = self.gru(torch.cat([z, coarse.repeat_interleave(f, dim=1)], dim=2))  # each step sees its block
            x = self.head(h)  # (B, T, F)
            blocks = x.view(B, self.window // f, f, self.features)
            # shift every block so its mean is exactly the coarse value it was asked for
            return (blocks + (coarse - blocks.mean(dim=2)).unsqueeze(2)).view(B, self.window, self.features)
        if self.encoder is None:
            h, _ = self.gru(z)  # (B, T, H)
            return self.head(h)  # (B, T, F)
        given = cond.view(len(z), self.context, self.features)  # (B, c, F)
        _, h0 = self.encoder(given)  # (layers, B, H)
        h, _ = self.gru(z, h0)  # (B, T - c, H)
        return torch.cat([given, self.head(h)], dim=1)  # (B, T, F)


class GRUCritic(Critic):
    double_backward_ok = False

    def __init__(self, features: int, hidden: int = 64, layers: int = 1, calendar_dim: int = 0, masked: bool = False):
        super().__init__()
        self.calendar_dim, self.masked = calendar_dim, masked
        self.gru = nn.GRU(features * (2 if masked else 1) + calendar_dim, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        cond, m = split_mask(cond, x.shape[1], x.shape[2], self.masked)
        _, cal = split_calendar(cond, x.shape[1], self.calendar_dim)
        x = _masked_input(x, m)  # (B, T, F) or (B, T, 2F)
        h, _ = self.gru(x if cal is None else torch.cat([x, cal], dim=2))  # (B, T, H)
        return self.out(h[:, -1])  # (B, 1)


class ConvCritic(Critic):
    def __init__(self, features: int, hidden: int = 64, dropout: float = 0.2, calendar_dim: int = 0, masked: bool = False):
        super().__init__()
        self.calendar_dim, self.masked = calendar_dim, masked
        self.body = nn.Sequential(nn.Conv1d(features * (2 if masked else 1) + calendar_dim, hidden, 5, padding=2), nn.LeakyReLU(0.2), Dropout(dropout),
                                  nn.Conv1d(hidden, hidden, 5, padding=2), nn.LeakyReLU(0.2), Dropout(dropout))
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        cond, m = split_mask(cond, x.shape[1], x.shape[2], self.masked)
        _, cal = split_calendar(cond, x.shape[1], self.calendar_dim)
        x = _masked_input(x, m)  # (B, T, F'), F' = F or 2F
        x = x if cal is None else torch.cat([x, cal], dim=2)  # (B, T, F' + C)
        h = self.body(x.transpose(1, 2))  # (B, F' + C, T) -> (B, H, T)
        return self.out(h.mean(dim=2))  # (B, 1)


class DenseGenerator(Generator):
    def __init__(self, noise_dim: int, features: int, window: int, hidden: int = 64, bounded: bool = True):
        super().__init__()
        self.noise_dim, self.window, self.features = noise_dim, window, features
        self.net = nn.Sequential(nn.Linear(noise_dim, hidden), nn.ReLU(), nn.Linear(hidden, 2 * hidden), nn.ReLU(),
                                 nn.Linear(2 * hidden, window * features), _Out(bounded))

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z).view(-1, self.window, self.features)  # (B, Z) -> (B, T, F)


class DenseCritic(Critic):
    def __init__(self, features: int, window: int, hidden: int = 64, masked: bool = False):
        super().__init__()
        self.masked = masked
        self.net = nn.Sequential(nn.Linear(window * features * (2 if masked else 1), 2 * hidden), nn.ReLU(), Dropout(0.2),
                                 nn.Linear(2 * hidden, hidden), nn.ReLU(), Dropout(0.2), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        _, m = split_mask(cond, x.shape[1], x.shape[2], self.masked)
        return self.net(_masked_input(x, m).flatten(1))  # (B, T * F') -> (B, 1)


__all__ = ["GRUGenerator", "GRUCritic", "ConvCritic", "DenseGenerator", "DenseCritic"]
