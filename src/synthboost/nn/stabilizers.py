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


# -- DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training") --
# Random per-image colour, translation and cutout, differentiable in x, applied to every image D
# sees (real and fake, in D and G steps). Images are (B, C, H, W) in [-1, 1], as in the paper's code.
# ``p`` applies each op to each image with that probability (ADA-style); p = 1 is DiffAugment as published.
DIFFAUGMENT_POLICIES = ("color", "translation", "cutout")


def _chosen(x: torch.Tensor, p: float, rng: torch.Generator | None) -> torch.Tensor:
    """(B, 1, 1, 1) mask: 1 where an op applies to the image (every image at p = 1, no draw)."""
    if p >= 1.0:
        return torch.ones(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype)
    return (torch.rand(x.shape[0], 1, 1, 1, generator=rng, device=x.device) < p).to(x.dtype)


def _uniform(x: torch.Tensor, rng) -> torch.Tensor:
    return torch.rand(x.shape[0], 1, 1, 1, generator=rng, device=x.device, dtype=x.dtype)  # (B, 1, 1, 1)


def rand_color(x: torch.Tensor, rng, p: float = 1.0) -> torch.Tensor:
    """Brightness + U[-0.5, 0.5], saturation x U[0, 2] (colour images), contrast x U[0.5, 1.5]."""
    m = _chosen(x, p, rng)
    x = x + m * (_uniform(x, rng) - 0.5)
    if x.shape[1] > 1:  # saturation has no meaning for one channel
        mean = x.mean(dim=1, keepdim=True)
        x = mean + (x - mean) * (1 + m * (_uniform(x, rng) * 2 - 1))
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return mean + (x - mean) * (1 + m * (_uniform(x, rng) - 0.5))


def rand_translation(x: torch.Tensor, rng, p: float = 1.0, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size, zero-padded (the paper's 1/8)."""
    B, _, H, W = x.shape
    sh, sw = int(H * ratio + 0.5), int(W * ratio + 0.5)
    m = _chosen(x, p, rng).view(B, 1, 1).long()
    ty = torch.randint(-sh, sh + 1, (B, 1, 1), generator=rng, device=x.device) * m
    tx = torch.randint(-sw, sw + 1, (B, 1, 1), generator=rng, device=x.device) * m
    gb, gy, gx = torch.meshgrid(torch.arange(B, device=x.device), torch.arange(H, device=x.device),
                                torch.arange(W, device=x.device), indexing="ij")
    gy = torch.clamp(gy + ty + 1, 0, H + 1)
    gx = torch.clamp(gx + tx + 1, 0, W + 1)
    padded = torch.nn.functional.pad(x, [1, 1, 1, 1])  # (B, C, H + 2, W + 2), zeros outside
    return padded.permute(0, 2, 3, 1)[gb, gy, gx].permute(0, 3, 1, 2)


def rand_cutout(x: torch.Tensor, rng, p: float = 1.0, ratio: float = 0.5) -> torch.Tensor:
    """Zero a random square of ``ratio`` of the image size in each image (the paper's 1/2)."""
    B, _, H, W = x.shape
    ch, cw = int(H * ratio + 0.5), int(W * ratio + 0.5)
    oy = torch.randint(0, H + (1 - ch % 2), (B, 1, 1), generator=rng, device=x.device)
    ox = torch.randint(0, W + (1 - cw % 2), (B, 1, 1), generator=rng, device=x.device)
    ys = torch.arange(H, device=x.device).view(1, H, 1)
    xs = torch.arange(W, device=x.device).view(1, 1, W)
    inside = ((ys >= oy - ch // 2) & (ys < oy - ch // 2 + ch) & (xs >= ox - cw // 2) & (xs < ox - cw // 2 + cw))  # (B, H, W)
    keep = 1.0 - inside.to(x.dtype) * _chosen(x, p, rng).view(B, 1, 1)
    return x * keep.unsqueeze(1)


_DIFFAUGMENT_OPS = {"color": rand_color, "translation": rand_translation, "cutout": rand_cutout}


def diff_augment(x: torch.Tensor, policy: tuple[str, ...], rng: torch.Generator | None, p: float = 1.0) -> torch.Tensor:
    """Apply the ops of ``policy`` (a subset of color, translation, cutout) in that order."""
    for name in policy:
        x = _DIFFAUGMENT_OPS[name](x, rng, p)
    return x
