"""k generators run as one network, for MAD-GAN (Ghosh et al. 2018).

:class:`MultiConvGenerator` holds k DCGAN-style image generators (the layers of
:class:`~synthboost.nn.conv.ConvGenerator`: a linear map from noise to a base x base map,
then nearest 2x upsampling + 3x3 convolution per level, BatchNorm + ReLU, tanh output).
The first ``n_shared`` stages (stage 0 is the linear map, stage ``levels`` the output
convolution) have one set of weights for all generators; the later ones are separate and
run batched as grouped convolutions (generator j owns channel group j), so k generators cost
about one forward pass of ``k`` times the rows, not k passes. BatchNorm is always per
generator (a ``BatchNorm2d(k * c)`` over the grouped layout), also inside a shared trunk,
so statistics are never mixed across generators.

Layout: noise (m, k*Z) is m rows of k noise vectors; the generator's output rows are
``r = b * k + j`` (row b of generator j), images (m*k, C, H, W), and ``meta["generator"]``
(m*k,) says which generator made each. A shared stage sees the activations as
(m*k, c, s, s), a separate one as (m, k*c, s, s): the same memory.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import Batch, Generator
from .conv import Upsample2x, _levels, widths_for


class MultiConvGenerator(Generator):
    def __init__(self, noise_dim: int, channels: int, side: int, width: int, n_generators: int, n_shared: int,
                 n_classes: int = 0, embed_dim: int = 0):
        super().__init__()
        self.base, self.levels = _levels(side)
        if not 0 <= n_shared <= self.levels:
            raise ValueError(f"n_shared={n_shared} must be in [0, {self.levels}] for side {side}")
        k, b = n_generators, self.base
        self.noise_dim, self.channels, self.side, self.k, self.n_shared = noise_dim, channels, side, k, n_shared
        ws = widths_for(width, self.levels)
        self.embed = nn.Linear(n_classes, embed_dim, bias=False) if n_classes and embed_dim else None
        zin = noise_dim + (embed_dim if self.embed is not None else 0)
        self.zin, self.c0 = zin, ws[0]
        if n_shared > 0:  # one linear map for every generator: (m*k, zin) -> (m*k, c0*b*b)
            self.fc = nn.Linear(zin, ws[0] * b * b, bias=False)
        else:  # per generator (a grouped 1x1 convolution): (m, k*zin, 1, 1) -> (m, k*c0*b*b, 1, 1)
            self.fc = nn.Conv2d(k * zin, k * ws[0] * b * b, 1, groups=k, bias=False)
        self.norm0 = nn.BatchNorm2d(k * ws[0])
        self.up = Upsample2x()
        self.convs, self.norms = nn.ModuleList(), nn.ModuleList()
        for stage, (cin, cout) in enumerate(zip(ws, ws[1:] + [channels]), start=1):
            last = stage == self.levels
            if stage < n_shared:
                self.convs.append(nn.Conv2d(cin, cout, 3, 1, 1, bias=last))
            else:
                self.convs.append(nn.Conv2d(k * cin, k * cout, 3, 1, 1, groups=k, bias=last))
            self.norms.append(nn.Identity() if last else nn.BatchNorm2d(k * cout))
        self.act, self.out = nn.ReLU(), nn.Tanh()

    def sample_noise(self, n: int, rng: torch.Generator) -> torch.Tensor:
        """Noise for ``n`` images, ``n / k`` from each generator: (n / k, k*Z)."""
        if n % self.k:
            raise ValueError(f"{n} images do not split evenly over {self.k} generators")
        return torch.randn(n // self.k, self.k * self.noise_dim, generator=rng, device=rng.device)

    def forward(self, z: torch.Tensor, cond: torch.Tensor | None = None) -> Batch:
        """z (m, k*Z), cond (m*k, K) or None (row b*k + j: generator j's b-th image) -> Batch of (m*k, C, H, W)."""
        m, k, b = z.shape[0], self.k, self.base
        h = z.view(m, k, self.noise_dim)
        if self.embed is not None:
            h = torch.cat([h, self.embed(cond).view(m, k, -1)], dim=2)  # (m, k, zin)
        if self.n_shared > 0:
            h = self.fc(h.reshape(m * k, self.zin))  # (m*k, c0*b*b)
        else:
            h = self.fc(h.reshape(m, k * self.zin, 1, 1))  # (m, k*c0*b*b, 1, 1)
        h = self.act(self.norm0(h.reshape(m, k * self.c0, b, b)))  # per-generator BatchNorm
        for stage, (conv, norm) in enumerate(zip(self.convs, self.norms), start=1):
            h = self.up(h)
            s = h.shape[-1]
            if stage < self.n_shared:  # shared weights: every generator's maps as rows
                h = conv(h.reshape(m * k, -1, s, s)).reshape(m, -1, s, s)
            else:
                h = conv(h)  # grouped: (m, k*cin, s, s) -> (m, k*cout, s, s)
            h = self.out(h) if stage == self.levels else self.act(norm(h))
        x = h.reshape(m * k, self.channels, s, s)
        gen = torch.arange(k, device=x.device).repeat(m)  # (m*k,): row b*k + j -> j
        return Batch(x, cond, {"generator": gen})


__all__ = ["MultiConvGenerator"]
