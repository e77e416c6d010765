"""GAN objectives as small swappable strategy objects.

Each objective says how the discriminator and generator losses are computed from
discriminator outputs, what (if anything) happens after a discriminator step, and
which optimizer suits it. ``D`` below is the discriminator (critic), ``G`` the
generator, ``x`` real rows and ``x~ = G(z)`` generated ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn
import torch.nn.functional as F

from ..errors import ParameterError


@dataclass
class Objective:
    name: str
    default_n_critic: int = 1
    #: D outputs are logits (report sigmoid probabilities) rather than critic values
    probabilistic: bool = True
    #: label smoothing / flipping apply (only meaningful for the classification loss)
    uses_targets: bool = True

    def discriminator_loss(
        self, d_real: torch.Tensor, d_fake: torch.Tensor, real_target: torch.Tensor, fake_target: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns (total, real part, fake part)."""
        raise NotImplementedError

    def generator_loss(self, d_fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def penalty(self, D: nn.Module, real: torch.Tensor, fake: torch.Tensor, cond, rng) -> torch.Tensor | None:
        return None

    def after_discriminator_step(self, D: nn.Module) -> None:
        pass

    def d_statistic(self, d_out: torch.Tensor) -> torch.Tensor:
        """Mean D(.) probability for logit heads, mean critic value otherwise."""
        return torch.sigmoid(d_out).mean() if self.probabilistic else d_out.mean()

    def optimizers(self, G: nn.Module, D: nn.Module, lr_g: float, lr_d: float):
        return adam(G.parameters(), lr_g), adam(D.parameters(), lr_d)


class BCEObjective(Objective):
    """Standard GAN with the non-saturating generator loss (Goodfellow et al. 2014).

    D step: minimise BCE(D(x), t_real) + BCE(D(x~), t_fake)  (t_real = 1 or smoothed 0.9)
    G step: minimise BCE(D(x~), 1), i.e. maximise log D(x~).
    """

    def __init__(self):
        super().__init__("bce", default_n_critic=1, probabilistic=True, uses_targets=True)

    def discriminator_loss(self, d_real, d_fake, real_target, fake_target):
        real = F.binary_cross_entropy_with_logits(d_real, real_target)
        fake = F.binary_cross_entropy_with_logits(d_fake, fake_target)
        return real + fake, real, fake

    def generator_loss(self, d_fake):
        return F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))


class WGANObjective(Objective):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017).

    D step: minimise E[D(x~)] - E[D(x)], then clip every critic weight to [-c, c].
    G step: minimise -E[D(x~)]. RMSProp, as the paper recommends.
    """

    def __init__(self, clip: float = 0.01):
        super().__init__("wgan", default_n_critic=5, probabilistic=False, uses_targets=False)
        self.clip = clip

    def discriminator_loss(self, d_real, d_fake, real_target, fake_target):
        real, fake = -d_real.mean(), d_fake.mean()
        return real + fake, real, fake

    def generator_loss(self, d_fake):
        return -d_fake.mean()

    @torch.no_grad()
    def after_discriminator_step(self, D):
        for p in D.parameters():
            p.clamp_(-self.clip, self.clip)

    def optimizers(self, G, D, lr_g, lr_d):
        return (
            torch.optim.RMSprop(G.parameters(), lr=lr_g, foreach=True),
            torch.optim.RMSprop(D.parameters(), lr=lr_d, foreach=True),
        )


class WGANGPObjective(WGANObjective):
    """WGAN with gradient penalty (Gulrajani et al. 2017).

    D step: minimise E[D(x~)] - E[D(x)] + lambda * E[(||grad D(x^)||_2 - 1)^2],
    x^ = eps x + (1 - eps) x~ on random interpolates. G step as WGAN. No clipping,
    no BatchNorm in the critic (the penalty is per sample).
    """

    def __init__(self, gp_lambda: float = 10.0):
        Objective.__init__(self, "wgan-gp", default_n_critic=5, probabilistic=False, uses_targets=False)
        self.gp_lambda = gp_lambda

    def after_discriminator_step(self, D):
        pass

    def penalty(self, D, real, fake, cond, rng):
        pac = getattr(D, "pac", 1)
        n = real.shape[0] // pac
        # one eps per pack, shared by its rows: the critic's input unit is the pack
        eps = torch.rand(n, 1, 1, generator=rng, device=real.device).expand(n, pac, 1).reshape(-1, 1)
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        out = D(x_hat, cond)
        (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
        grad = grad.reshape(n, -1)  # (B / pac, pac * D)
        return self.gp_lambda * ((grad.norm(2, dim=1) - 1.0) ** 2).mean()

    def optimizers(self, G, D, lr_g, lr_d):
        return Objective.optimizers(self, G, D, lr_g, lr_d)


def adam(params, lr: float, betas: tuple[float, float] = (0.5, 0.9)) -> torch.optim.Adam:
    """Adam with the fused kernel where available (one op per step instead of one per tensor)."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    except (RuntimeError, TypeError):  # older torch: no fused CPU kernel
        return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True)


OBJECTIVES: dict[str, Callable[[], Objective]] = {
    "bce": BCEObjective,
    "wgan": WGANObjective,
    "wgan-gp": WGANGPObjective,
}


def get_objective(name: str) -> Objective:
    try:
        return OBJECTIVES[name]()
    except KeyError:
        raise ParameterError(f"objective={name!r} is not one of {sorted(OBJECTIVES)}") from None
