"""GAN stabilizers as pure functions (all randomness from an explicit generator)."""

from __future__ import annotations

import torch


def discriminator_targets(
    n: int, smoothing: float, flip_prob: float, rng: torch.Generator | None, device=None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets (n, 1) for D on real and fake inputs.

    One-sided label smoothing: real targets are ``smoothing`` (e.g. 0.9) instead of 1,
    fake targets stay 0 (Salimans et al. 2016). Label flipping: each target is
    swapped with probability ``flip_prob``, a noisy-label regulariser for D.
    """
    real = torch.full((n, 1), float(smoothing), device=device)
    fake = torch.zeros((n, 1), device=device)
    if flip_prob > 0:
        flip_r = torch.rand((n, 1), generator=rng, device=device) < flip_prob
        flip_f = torch.rand((n, 1), generator=rng, device=device) < flip_prob
        real, fake = torch.where(flip_r, 1.0 - real, real), torch.where(flip_f, 1.0 - fake, fake)
    return real, fake


def instance_noise_sigma(sigma0: float, epoch: int) -> float:
    """Noise level for (1-based) ``epoch``: sigma0 / epoch, decaying towards 0."""
    return float(sigma0) / max(1, epoch)


def add_instance_noise(x: torch.Tensor, sigma: float, rng: torch.Generator | None) -> torch.Tensor:
    """x + N(0, sigma^2) on D's inputs, so real and fake distributions overlap early on."""
    if sigma <= 0:
        return x
    return x + sigma * torch.randn(x.shape, generator=rng, device=x.device)
