"""Dense generator/discriminator stacks after the DCGAN guidelines, adapted to vectors.

The generator widens layer by layer (widths double, BatchNorm + ReLU); the
discriminator mirrors it (widths halve, LeakyReLU + dropout, no BatchNorm so the
same network serves as a WGAN-GP critic). Randomness inside the modules (dropout
masks, Gumbel noise) is drawn from an explicit ``torch.Generator`` set with
:func:`set_rng`, never from the global RNG.
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn
import torch.nn.functional as F

from ..layout import OutputSpan
from .base import Critic, Generator
from .init import init_weights, set_rng  # noqa: F401  (their home is nn.init; kept importable from here)


def default_hidden_dims(data_dim: int, n_layers: int = 3) -> tuple[int, ...]:
    """Generator widths for an encoded width ``data_dim``: powers of two, doubling.

    The widest layer is the power of two at or above ``2 * data_dim``, clipped to
    [128, 512], so 8 encoded columns get (32, 64, 128), 72 get (64, 128, 256) and
    500 get (128, 256, 512).
    """
    top = 2 ** math.ceil(math.log2(max(1, 2 * data_dim)))
    top = int(min(512, max(128, top)))
    return tuple(top // 2 ** (n_layers - 1 - i) for i in range(n_layers))


class Dropout(nn.Module):
    """Inverted dropout whose masks come from an explicit generator."""

    def __init__(self, p: float):
        super().__init__()
        self.p = float(p)
        self.rng: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.rand(x.shape, generator=self.rng, device=x.device) >= self.p
        return x * keep / (1.0 - self.p)


class SpanActivation(nn.Module):
    """Applies each output span's activation: tanh, linear, or (Gumbel-)softmax.

    In training mode with ``gumbel_tau`` set, categorical spans use a Gumbel-softmax
    relaxation (the discriminator then sees nearly one-hot vectors, as real rows are).
    In eval mode with ``sample_categories`` they emit the one-hot of a draw from
    softmax(logits) (with or without the relaxation in training), the distribution G trained with: G relies on that noise for
    category diversity, so taking the mode instead under-represents minority categories.
    Without it, eval mode gives the plain softmax and decoding takes the argmax (the mode).
    All softmax spans are computed in one call: they are gathered into a padded
    (B, n_spans, max_width) tensor with -inf padding, so the cost does not grow with
    the number of categorical columns.
    """

    def __init__(self, spans: Sequence[OutputSpan], gumbel_tau: float | None = 0.2, sample_categories: bool = True):
        super().__init__()
        self.gumbel_tau = gumbel_tau
        self.sample_categories = sample_categories
        self.rng: torch.Generator | None = None
        tanh, linear, soft = [], [], []
        start = 0
        for s in spans:
            cols = list(range(start, start + s.dim))
            {"tanh": tanh, "linear": linear, "softmax": soft}[s.activation].append(cols)
            start += s.dim
        flat = lambda groups: [c for g in groups for c in g]  # noqa: E731
        width = max((len(g) for g in soft), default=0)
        pad_index = torch.zeros(len(soft), width, dtype=torch.long)
        pad_mask = torch.ones(len(soft), width, dtype=torch.bool)  # True where padding
        for i, g in enumerate(soft):
            pad_index[i, : len(g)] = torch.tensor(g)
            pad_mask[i, : len(g)] = False
        order = flat(tanh) + flat(linear) + flat(soft)
        inverse = torch.empty(start, dtype=torch.long)
        inverse[torch.tensor(order, dtype=torch.long)] = torch.arange(start)
        self.register_buffer("tanh_idx", torch.tensor(flat(tanh), dtype=torch.long), persistent=False)
        self.register_buffer("linear_idx", torch.tensor(flat(linear), dtype=torch.long), persistent=False)
        self.register_buffer("pad_index", pad_index, persistent=False)
        self.register_buffer("pad_mask", pad_mask, persistent=False)
        self.register_buffer("last_index", (~pad_mask).sum(1) - 1, persistent=False)  # (S,) guards float round-off
        self.register_buffer("inverse", inverse, persistent=False)

    def forward(self, raw: torch.Tensor) -> torch.Tensor:  # (B, D) -> (B, D)
        parts = [torch.tanh(raw[:, self.tanh_idx]), raw[:, self.linear_idx]]
        if self.pad_index.numel():
            x = raw[:, self.pad_index]  # (B, S, W)
            if self.training and self.gumbel_tau:
                u = torch.rand(x.shape, generator=self.rng, device=x.device).clamp(1e-10, 1.0 - 1e-7)
                x = (x - torch.log(-torch.log(u))) / self.gumbel_tau  # + Gumbel(0, 1) noise
            x = torch.softmax(x.masked_fill(self.pad_mask, float("-inf")), dim=2)
            if not self.training and self.sample_categories:  # also after plain-softmax training (tau 0)
                # one categorical draw per span by inverse CDF (one uniform per span, not per entry)
                u = torch.rand(x.shape[:2] + (1,), generator=self.rng, device=x.device)  # (B, S, 1)
                k = torch.minimum((x.cumsum(dim=2) < u).sum(dim=2), self.last_index)  # (B, S)
                x = F.one_hot(k, x.shape[2]).to(raw.dtype)
            parts.append(x[:, ~self.pad_mask])  # (B, total softmax width), span order kept
        return torch.cat(parts, dim=1)[:, self.inverse]


class DenseGenerator(Generator):
    """z (B, noise_dim) [+ condition (B, cond_dim)] -> encoded rows (B, data_dim)."""

    def __init__(
        self,
        noise_dim: int,
        spans: Sequence[OutputSpan],
        hidden_dims: Sequence[int],
        cond_dim: int = 0,
        gumbel_tau: float | None = 0.2,
        sample_categories: bool = True,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        width = noise_dim + cond_dim
        for h in hidden_dims:  # widening: e.g. 64 -> 128 -> 256
            layers += [nn.Linear(width, h), nn.BatchNorm1d(h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, sum(s.dim for s in spans)))
        self.body = nn.Sequential(*layers)
        self.head = SpanActivation(spans, gumbel_tau, sample_categories)
        self.noise_dim, self.cond_dim = noise_dim, cond_dim

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = z if cond is None else torch.cat([z, cond], dim=1)
        return self.head(self.body(h))


class MinibatchDiscrimination(nn.Module):
    """Salimans et al. (2016): append, per row, its L1-kernel similarity to the rest of the batch.

    f (N, A) -> M = f T (N, B, C); o_b(i) = sum_j exp(-||M_ib - M_jb||_1) - 1; out (N, A + B).
    """

    def __init__(self, in_features: int, n_kernels: int, kernel_dim: int):
        super().__init__()
        self.T = nn.Parameter(torch.empty(in_features, n_kernels * kernel_dim))
        self.n_kernels, self.kernel_dim = n_kernels, kernel_dim

    def init_from(self, rng: torch.Generator) -> None:
        nn.init.normal_(self.T, 0.0, 0.1, generator=rng)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        m = (f @ self.T).view(-1, self.n_kernels, self.kernel_dim)  # (N, B, C)
        dist = (m.unsqueeze(0) - m.unsqueeze(1)).abs().sum(dim=3)  # (N, N, B)
        o = torch.exp(-dist).sum(dim=1) - 1.0  # (N, B), minus the row's match with itself
        return torch.cat([f, o], dim=1)


class DenseDiscriminator(Critic):
    """Encoded rows (B, data_dim) [+ condition] -> one logit/critic value per pack of ``pac`` rows.

    ``pac`` > 1 implements PacGAN: ``pac`` rows (with their conditions) are concatenated
    and judged jointly, which penalises mode collapse. ``n_outputs`` > 1 gives a
    multi-class head (MAD-GAN's (k+1)-way discriminator).
    """

    def __init__(
        self,
        data_dim: int,
        hidden_dims: Sequence[int],
        cond_dim: int = 0,
        pac: int = 1,
        dropout: float = 0.25,
        minibatch_kernels: int = 0,
        minibatch_kernel_dim: int = 8,
        n_outputs: int = 1,
    ):
        super().__init__()
        self.pac, self.n_outputs = pac, n_outputs
        width = (data_dim + cond_dim) * pac
        layers: list[nn.Module] = []
        for h in hidden_dims:  # narrowing: e.g. 256 -> 128 -> 64
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2), Dropout(dropout)]
            width = h
        self.body = nn.Sequential(*layers)
        self.mbd = MinibatchDiscrimination(width, minibatch_kernels, minibatch_kernel_dim) if minibatch_kernels else None
        self.out = nn.Linear(width + minibatch_kernels, n_outputs)
        # minibatch features compare rows of a batch: the engine must not mix real and fake rows
        self.batch_coupled = self.mbd is not None

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = x if cond is None else torch.cat([x, cond], dim=1)  # (B, D + C)
        h = h.reshape(-1, h.shape[1] * self.pac)  # (B / pac, pac * (D + C))
        h = self.body(h)
        if self.mbd is not None:
            h = self.mbd(h)
        return self.out(h)  # (B / pac, n_outputs)
