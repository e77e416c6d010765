"""What the engine knows about networks and batches: declared contracts, no duck typing.

- :class:`Batch` is what flows through the engine: samples ``x`` (B, *sample_shape), their
  conditions ``cond`` (B, C) or None, and ``meta`` (named per-sample tensors, e.g.
  ``meta["generator"]`` (B,) for MAD-GAN's k generators) so an objective can be multi-class.
- :class:`Generator` draws its own noise (``sample_noise``): (n, Z) for tables and images,
  (n, T, Z) for series; ``forward(z, cond)`` returns samples or a :class:`Batch` with meta.
- :class:`Critic` declares what the engine must respect: ``pac`` (PacGAN: rows judged per
  output), ``batch_coupled`` (outputs depend on other rows of the batch, e.g. BatchNorm or
  minibatch discrimination: real and fake rows are then never scored in one joint pass),
  ``n_outputs`` (1, or k+1 for MAD-GAN) and ``double_backward_ok`` (False for GRU critics,
  whose cuDNN kernels have no double backward: the gradient penalty then runs without cuDNN).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn


@dataclass
class Batch:
    """Samples (B, *shape), conditions (B, C) or None, and named per-sample metadata."""

    x: torch.Tensor
    cond: torch.Tensor | None = None
    meta: dict[str, torch.Tensor] = field(default_factory=dict)

    def detach(self) -> "Batch":
        return Batch(self.x.detach(), self.cond, self.meta)

    def __len__(self) -> int:
        return int(self.x.shape[0])


def as_batch(out: "torch.Tensor | Batch", cond: torch.Tensor | None) -> Batch:
    """A generator's output as a Batch (a bare tensor gets the conditions it was made with)."""
    return out if isinstance(out, Batch) else Batch(out, cond)


class Generator(nn.Module):
    """Base of every generator: ``sample_noise(n, rng)`` then ``forward(z, cond)``."""

    noise_dim: int = 0

    def sample_noise(self, n: int, rng: torch.Generator) -> torch.Tensor:
        """Standard normal noise (n, noise_dim) on ``rng``'s device; series generators override it."""
        return torch.randn(n, self.noise_dim, generator=rng, device=rng.device)


class Critic(nn.Module):
    """Base of every discriminator / critic; subclasses set the declared attributes."""

    pac: int = 1
    batch_coupled: bool = False
    n_outputs: int = 1
    double_backward_ok: bool = True


__all__ = ["Batch", "as_batch", "Generator", "Critic"]
