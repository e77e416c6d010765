"""GAN objectives as small swappable strategy objects.

Each objective says how the discriminator and generator losses are computed from
discriminator outputs, what (if anything) happens after a discriminator step, and
which optimizer suits it. ``D`` below is the discriminator (critic), ``G`` the
generator, ``x`` real samples and ``x~ = G(z)`` generated ones.

Losses and statistics are **named** (dicts of scalar tensors), so the engine's history
grows with the objective: ``discriminator_loss`` returns at least ``d_loss`` (the total it
minimises, before any penalty), ``generator_loss`` at least ``g_loss``, ``statistics``
what the history should show of D's outputs (``d_real`` / ``d_fake``, or per generator).
The real and fake :class:`~synthboost.nn.base.Batch` are passed along, so an objective
may read their conditions and metadata (a multi-class objective reads which generator
made each fake sample).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn
import torch.nn.functional as F

from ..errors import ParameterError
from .base import Batch

Losses = dict  # name -> scalar tensor


@dataclass
class Objective:
    name: str
    default_n_critic: int = 1
    #: D outputs are logits (report sigmoid probabilities) rather than critic values
    probabilistic: bool = True
    #: label smoothing / flipping apply (only meaningful for the classification loss)
    uses_targets: bool = True

    def discriminator_loss(self, d_real: torch.Tensor, d_fake: torch.Tensor, real: Batch, fake: Batch,
                           targets: tuple[torch.Tensor, torch.Tensor]) -> Losses:
        """Named losses; ``d_loss`` is the total, ``d_loss_real`` / ``d_loss_fake`` its parts.
        ``targets`` are D's targets (B / pac, 1) for real and fake samples (smoothed or flipped)."""
        raise NotImplementedError

    def generator_loss(self, d_gen: torch.Tensor, fake: Batch) -> Losses:
        """Named losses; ``g_loss`` is the total."""
        raise NotImplementedError

    def penalty(self, D: nn.Module, real: Batch, fake: Batch, rng: torch.Generator) -> torch.Tensor | None:
        return None

    def after_discriminator_step(self, D: nn.Module) -> None:
        pass

    def realness(self, d_real: torch.Tensor) -> torch.Tensor:
        """Per-row score that is > 0 where D judges a real sample real (adaptive augmentation reads its sign)."""
        return d_real[:, 0]

    def d_statistic(self, d_out: torch.Tensor) -> torch.Tensor:
        """Mean D(.) probability for logit heads, mean critic value otherwise."""
        return torch.sigmoid(d_out).mean() if self.probabilistic else d_out.mean()

    def statistics(self, d_real: torch.Tensor, d_fake: torch.Tensor, real: Batch, fake: Batch) -> Losses:
        """What the history shows of D's outputs: mean D(real), mean D(fake)."""
        return {"d_real": self.d_statistic(d_real), "d_fake": self.d_statistic(d_fake)}

    def optimizers(self, G: nn.Module, D: nn.Module, lr_g: float, lr_d: float):
        return adam(G.parameters(), lr_g), adam(D.parameters(), lr_d)


class BCEObjective(Objective):
    """Standard GAN with the non-saturating generator loss (Goodfellow et al. 2014).

    D step: minimise BCE(D(x), t_real) + BCE(D(x~), t_fake)  (t_real = 1 or smoothed 0.9)
    G step: minimise BCE(D(x~), 1), i.e. maximise log D(x~).
    """

    def __init__(self):
        super().__init__("bce", default_n_critic=1, probabilistic=True, uses_targets=True)

    def discriminator_loss(self, d_real, d_fake, real, fake, targets):
        # targets (B / pac, 1) broadcast over the outputs of batched models (B / pac, M)
        real_part = F.binary_cross_entropy_with_logits(d_real, targets[0].expand_as(d_real))
        fake_part = F.binary_cross_entropy_with_logits(d_fake, targets[1].expand_as(d_fake))
        return {"d_loss": real_part + fake_part, "d_loss_real": real_part, "d_loss_fake": fake_part}

    def generator_loss(self, d_gen, fake):
        return {"g_loss": F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))}


class WGANObjective(Objective):
    """Wasserstein GAN with weight clipping (Arjovsky et al. 2017).

    D step: minimise E[D(x~)] - E[D(x)], then clip every critic weight to [-c, c].
    G step: minimise -E[D(x~)]. RMSProp, as the paper recommends.
    """

    def __init__(self, clip: float = 0.01):
        super().__init__("wgan", default_n_critic=5, probabilistic=False, uses_targets=False)
        self.clip = clip

    def discriminator_loss(self, d_real, d_fake, real, fake, targets):
        real_part, fake_part = -d_real.mean(), d_fake.mean()
        return {"d_loss": real_part + fake_part, "d_loss_real": real_part, "d_loss_fake": fake_part}

    def generator_loss(self, d_gen, fake):
        return {"g_loss": -d_gen.mean()}

    @torch.no_grad()
    def after_discriminator_step(self, D):
        for p in D.parameters():
            p.clamp_(-self.clip, self.clip)

    def optimizers(self, G, D, lr_g, lr_d):
        return (
            torch.optim.RMSprop(G.parameters(), lr=lr_g, foreach=True),
            torch.optim.RMSprop(D.parameters(), lr=lr_d, foreach=True),
        )


def interpolation_weights(n: int, pac: int, like: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """eps ~ U[0, 1], one per pack of ``pac`` samples (the critic's input unit), shaped
    (n * pac, 1, ..., 1) to broadcast over samples of any rank: (B, D), (B, C, H, W), (B, T, F)."""
    eps = torch.rand(n, generator=rng, device=like.device).repeat_interleave(pac)  # (B,)
    return eps.reshape((-1,) + (1,) * (like.dim() - 1))


class WGANGPObjective(WGANObjective):
    """WGAN with gradient penalty (Gulrajani et al. 2017).

    D step: minimise E[D(x~)] - E[D(x)] + lambda * E[(||grad D(x^)||_2 - 1)^2],
    x^ = eps x + (1 - eps) x~ on random interpolates (one eps per sample, or per pack with
    PacGAN). G step as WGAN. No clipping, no batch-coupled layers in the critic (the
    penalty is per sample). A critic without double backward (GRU on cuDNN) gets the
    penalty pass with cuDNN off.
    """

    def __init__(self, gp_lambda: float = 10.0):
        Objective.__init__(self, "wgan-gp", default_n_critic=5, probabilistic=False, uses_targets=False)
        self.gp_lambda = gp_lambda

    def after_discriminator_step(self, D):
        pass

    def penalty(self, D, real, fake, rng):
        pac = D.pac
        n = real.x.shape[0] // pac
        eps = interpolation_weights(n, pac, real.x, rng)
        x_hat = (eps * real.x + (1 - eps) * fake.x).requires_grad_(True)
        cudnn_off = not D.double_backward_ok and x_hat.is_cuda
        with torch.backends.cudnn.flags(enabled=False) if cudnn_off else contextlib.nullcontext():
            out = D(x_hat, real.cond)
            (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
        grad = grad.reshape(n, -1)  # (B / pac, pac * prod(sample_shape))
        return self.gp_lambda * ((grad.norm(2, dim=1) - 1.0) ** 2).mean()

    def optimizers(self, G, D, lr_g, lr_d):
        return Objective.optimizers(self, G, D, lr_g, lr_d)


class HingeObjective(Objective):
    """Hinge loss (Lim & Ye 2017; used with spectral norm by Miyato et al. 2018 and BigGAN).

    D step: minimise E[relu(1 - D(x))] + E[relu(1 + D(x~))]. G step: minimise -E[D(x~)].
    """

    def __init__(self):
        super().__init__("hinge", default_n_critic=1, probabilistic=False, uses_targets=False)

    def discriminator_loss(self, d_real, d_fake, real, fake, targets):
        real_part, fake_part = F.relu(1.0 - d_real).mean(), F.relu(1.0 + d_fake).mean()
        return {"d_loss": real_part + fake_part, "d_loss_real": real_part, "d_loss_fake": fake_part}

    def generator_loss(self, d_gen, fake):
        return {"g_loss": -d_gen.mean()}


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
    "hinge": HingeObjective,
}


def get_objective(name: str) -> Objective:
    try:
        return OBJECTIVES[name]()
    except (KeyError, TypeError):
        raise ParameterError(f"objective={name!r} is not one of {sorted(OBJECTIVES)}") from None


class _FirstOutput(nn.Module):
    """A critic's adversarial output only (column 0): what a gradient penalty constrains."""

    def __init__(self, D: nn.Module):
        super().__init__()
        self.D = D
        self.pac, self.double_backward_ok = D.pac, D.double_backward_ok

    def forward(self, x, cond=None):
        return self.D(x, cond)[:, :1]


class AuxiliaryClassifier(Objective):
    """An adversarial objective plus an auxiliary classifier head (AC-GAN, Odena et al. 2017).

    D outputs 1 + K columns: column 0 goes to the base objective, columns 1.. are class logits.
    D step: base loss + weight * CE(class logits of real samples, their labels) (the classifier
    learns from real samples only, so it does not learn the generator's mistakes).
    G step: base loss + weight * CE(class logits of fake samples, the labels they were asked for),
    which pushes each generated sample to look like its class. Labels come as one-hot ``cond``.
    """

    def __init__(self, base: Objective, weight: float = 1.0):
        super().__init__(f"{base.name}+ac", base.default_n_critic, base.probabilistic, base.uses_targets)
        self.base, self.weight = base, float(weight)

    def discriminator_loss(self, d_real, d_fake, real, fake, targets):
        out = self.base.discriminator_loss(d_real[:, :1], d_fake[:, :1], real, fake, targets)
        cls = F.cross_entropy(d_real[:, 1:], real.cond.argmax(1))
        return dict(out, d_loss=out["d_loss"] + self.weight * cls, d_class=cls)

    def generator_loss(self, d_gen, fake):
        out = self.base.generator_loss(d_gen[:, :1], fake)
        cls = F.cross_entropy(d_gen[:, 1:], fake.cond.argmax(1))
        return dict(out, g_loss=out["g_loss"] + self.weight * cls, g_class=cls)

    def penalty(self, D, real, fake, rng):
        return self.base.penalty(_FirstOutput(D), real, fake, rng)

    def after_discriminator_step(self, D):
        self.base.after_discriminator_step(D)

    def statistics(self, d_real, d_fake, real, fake):
        out = self.base.statistics(d_real[:, :1], d_fake[:, :1], real, fake)
        out["class_acc_fake"] = (d_fake[:, 1:].argmax(1) == fake.cond.argmax(1)).float().mean()
        return out

    def optimizers(self, G, D, lr_g, lr_d):
        return self.base.optimizers(G, D, lr_g, lr_d)


class MultiGeneratorObjective(Objective):
    """MAD-GAN's (k+1)-way objective (Ghosh et al. 2018): D is a softmax over k generator classes
    and one real class (index k); a fake from generator j (``fake.meta["generator"]``) is class j.

    D step: minimise the class-balanced cross-entropy (1/(k+1)) [CE(D(x), real) + sum_j CE(D(G_j(z)), j)]
    (real rows are half of D's batch, each generator's rows 1/(2k): every class weighs 1/(k+1)).
    One-sided label smoothing: a real row's target is s on the real class, (1 - s)/k on each generator.
    G step (``generator_loss``):
      "nonsaturating": minimise -log p_real(G_j(z))            (the default, as for bce)
      "minimax":       minimise log(1 - p_real(G_j(z)))        (the paper's saturating form)
    ``kind="hinge"`` is the multi-class hinge (Crammer & Singer 2001) on D's scores s:
      D: relu(1 + max_{c != y} s_c - s_y) with the same class weights;
      G: minimise max_{c < k} s_c - s_real (the margin by which a fake is judged real, as hinge GAN's -D).
    """

    def __init__(self, k: int, kind: str = "ce", generator_loss: str = "nonsaturating"):
        if kind not in ("ce", "hinge") or generator_loss not in ("nonsaturating", "minimax"):
            raise ParameterError(f"multi-class objective kind={kind!r}, generator_loss={generator_loss!r}: use kind 'ce' "
                                 "or 'hinge' and generator_loss 'nonsaturating' or 'minimax'")
        name = "hinge" if kind == "hinge" else ("minimax" if generator_loss == "minimax" else "ce")
        super().__init__(name, default_n_critic=1, probabilistic=True, uses_targets=kind == "ce")
        self.k, self.kind, self.g_kind = int(k), kind, generator_loss

    def _by_generator(self, values: torch.Tensor, fake: Batch) -> torch.Tensor:
        """Per-generator means (k,) of per-row values (B,)."""
        gen = fake.meta["generator"]
        sums = torch.zeros(self.k, device=values.device, dtype=values.dtype).index_add_(0, gen, values)
        counts = torch.bincount(gen, minlength=self.k).clamp_min(1).to(values.dtype)
        return sums / counts

    def _rows(self, d: torch.Tensor, target: torch.Tensor, smoothing: torch.Tensor | None = None) -> torch.Tensor:
        """Per-row D loss (B,) for class targets (B,)."""
        if self.kind == "hinge":
            own = d.gather(1, target[:, None])[:, 0]
            others = d.scatter(1, target[:, None], float("-inf")).amax(1)
            return F.relu(1.0 + others - own)
        logp = F.log_softmax(d, dim=1)
        if smoothing is None:
            return -logp.gather(1, target[:, None])[:, 0]
        s = smoothing.reshape(-1)  # (B,) target probability of the real class
        rest = (1.0 - s) / self.k
        return -(s * logp[:, self.k] + rest * logp[:, :self.k].sum(1))

    def discriminator_loss(self, d_real, d_fake, real, fake, targets):
        k = self.k
        real_cls = torch.full((d_real.shape[0],), k, dtype=torch.long, device=d_real.device)
        smooth = targets[0] if self.uses_targets else None  # (B, 1): 1 = no smoothing
        real_part = self._rows(d_real, real_cls, smooth).mean()
        fake_rows = self._rows(d_fake, fake.meta["generator"])
        fake_part = self._by_generator(fake_rows, fake).sum()  # sum over generators of their mean
        return {"d_loss": (real_part + fake_part) / (k + 1), "d_loss_real": real_part, "d_loss_fake": fake_part / k}

    def _g_rows(self, d_gen: torch.Tensor) -> torch.Tensor:
        k = self.k
        if self.kind == "hinge":
            return d_gen[:, :k].amax(1) - d_gen[:, k]
        logp = F.log_softmax(d_gen, dim=1)
        if self.g_kind == "minimax":  # log(1 - p_real) = logsumexp over the generator classes of log p
            return torch.logsumexp(logp[:, :k], dim=1)
        return -logp[:, k]

    def generator_loss(self, d_gen, fake):
        per = self._by_generator(self._g_rows(d_gen), fake)  # (k,)
        out = {"g_loss": per.mean()}
        if self.k > 1:
            out.update((f"g_loss_g{j}", per[j]) for j in range(self.k))
        return out

    def realness(self, d_real: torch.Tensor) -> torch.Tensor:
        """log p_real - log(1 - p_real) per row: > 0 where D calls a real image real (ADA reads its sign)."""
        return d_real[:, self.k] - torch.logsumexp(d_real[:, :self.k], dim=1)

    def statistics(self, d_real, d_fake, real, fake):
        p_real = lambda d: torch.softmax(d, dim=1)[:, self.k]  # noqa: E731
        out = {"d_real": p_real(d_real).mean(), "d_fake": p_real(d_fake).mean()}
        if self.k > 1:  # D's real-class probability of each generator's images, and how often D names the maker
            per = self._by_generator(p_real(d_fake), fake)
            named = self._by_generator((d_fake[:, :self.k].argmax(1) == fake.meta["generator"]).float(), fake)
            out.update((f"d_fake_g{j}", per[j]) for j in range(self.k))
            out["d_names_generator"] = named.mean()
        return out
