"""Per-step hooks of the engine: D-input augmentation (DiffAugment, its adaptive probability)
and an exponential moving average of the generator's weights."""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..nn.init import set_rng
from ..nn.stabilizers import diff_augment
from .engine import StepHook, Trainer


def clone_module(module: nn.Module) -> nn.Module:
    """A deep copy of ``module`` without its explicit generators (they are not copyable state)."""
    saved = {m: m.rng for m in module.modules() if hasattr(m, "rng")}
    set_rng(module, None)
    try:
        return copy.deepcopy(module)
    finally:
        for m, rng in saved.items():
            m.rng = rng


class EMAHook(StepHook):
    """G_ema <- beta G_ema + (1 - beta) G after every G step (Karras et al. 2018; Yazici et al. 2019).

    Samples from the averaged weights are smoother and more stable than the last iterate's.
    The effective beta warms up as min(beta, (1 + t) / (10 + t)), so early averages are not
    dominated by the random initialisation. Buffers (BatchNorm statistics) are copied.
    """

    name = "ema"

    def __init__(self, generator: nn.Module, beta: float = 0.999):
        self.beta = float(beta)
        self.model = clone_module(generator).eval().requires_grad_(False)
        self.steps = 0

    @torch.no_grad()
    def after_generator_step(self, trainer: Trainer) -> None:
        beta = min(self.beta, (1 + self.steps) / (10 + self.steps))
        for e, p in zip(self.model.parameters(), trainer.generator.parameters()):
            e.lerp_(p, 1.0 - beta)
        for e, b in zip(self.model.buffers(), trainer.generator.buffers()):
            e.copy_(b)
        self.steps += 1

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "steps": self.steps}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.steps = int(state["steps"])


class DiffAugmentHook(StepHook):
    """DiffAugment on every image D sees, real and fake, in D and G steps (so G is trained
    through the same differentiable transform and does not learn to make augmented images).

    With ``target`` set (ADA, Karras et al. 2020) each op applies with a probability p tuned
    during training: every ``interval`` D steps, r_t = E[sign(D(real))] over them; p rises when
    r_t > target (D overfits the real images) and falls otherwise, by ``interval * B / speed`` per
    adjustment (p can cross [0, 1] in ``speed`` real images). Without ``target``, p = ``p``.

    ``groups``: images stacked along the channels, (B, groups*C, H, W) as one GAN per class sees
    them; each of the B*groups images gets its own parameters, and none is mixed with another
    (a saturation or contrast mean over all channels would let one class's image move another's).
    """

    name = "augment"

    def __init__(self, policy: tuple[str, ...], p: float = 1.0, target: float | None = None,
                 interval: int = 4, speed: int = 100_000, groups: int = 1):
        self.policy, self.p, self.target, self.groups = tuple(policy), float(p), target, int(groups)
        self.interval, self.speed = int(interval), int(speed)
        self._signs: list[torch.Tensor] = []
        self._rt: list[float] = []

    def augment(self, x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        if x.dim() != 4 or not self.policy or self.p <= 0:
            return x
        if self.groups > 1:  # (B, G*C, H, W) -> (B*G, C, H, W): every image its own draw
            B, GC, H, W = x.shape
            y = diff_augment(x.reshape(B * self.groups, GC // self.groups, H, W), self.policy, rng, self.p)
            return y.reshape(B, GC, H, W)
        return diff_augment(x, self.policy, rng, self.p)

    def after_discriminator_step(self, trainer: Trainer, d_real: torch.Tensor) -> None:
        if self.target is None:
            return
        self._signs.append(torch.sign(trainer.objective.realness(d_real)).mean())
        if len(self._signs) >= self.interval:
            rt = float(torch.stack(self._signs).mean())  # one host sync per interval
            self._signs.clear()
            self._rt.append(rt)
            step = self.interval * trainer.config.batch_size / self.speed
            self.p = float(min(1.0, max(0.0, self.p + (step if rt > self.target else -step))))

    def statistics(self) -> dict[str, float]:
        out = {"augment_p": self.p}
        if self.target is not None:
            out["ada_rt"] = sum(self._rt) / len(self._rt) if self._rt else float("nan")
            self._rt.clear()
        return out

    def state_dict(self) -> dict:
        # the D steps of an unfinished interval count towards the next adjustment, also after a resume
        signs = torch.stack(self._signs).detach() if self._signs else torch.zeros(0)
        return {"p": self.p, "signs": signs, "rt": list(self._rt)}

    def load_state_dict(self, state: dict) -> None:
        self.p = float(state["p"])
        self._signs = list(state.get("signs", torch.zeros(0)).unbind(0))
        self._rt = list(state.get("rt", []))


__all__ = ["EMAHook", "DiffAugmentHook", "clone_module"]
