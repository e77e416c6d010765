"""The one training loop shared by every synthesizer.

A synthesizer hands the engine its networks, an :class:`~synthboost.nn.Objective`
and a :class:`BatchSource` (which knows how to draw real rows and conditions);
the engine runs ``n_critic`` discriminator steps per generator step, records a
per-epoch history, shows progress, guards against divergence, writes resumable
checkpoints and calls callbacks. Everything stays on the device as tensors; the
only host synchronisation is once per epoch, when the history row is made.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import torch
from torch import nn

from ..errors import ParameterError, TrainingDivergedError
from ..nn.objectives import Objective
from ..nn.stabilizers import add_instance_noise, discriminator_targets, instance_noise_sigma
from . import checkpoint as ckpt

HISTORY_COLUMNS = [
    "epoch",
    "g_loss",
    "d_loss",
    "d_loss_real",
    "d_loss_fake",
    "gp",
    "g_aux",
    "d_real",
    "d_fake",
    "lr_g",
    "lr_d",
    "seconds",
]


class BatchSource(Protocol):
    """What the engine needs from the data side."""

    n_rows: int

    def sample(self, batch_size: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Real rows (B, D) and their conditions (B, C) or None."""

    def sample_condition(self, batch_size: int, rng: torch.Generator) -> torch.Tensor | None:
        """Conditions (B, C) for a generator step, or None."""


@dataclass
class TrainingConfig:
    epochs: int = 300
    batch_size: int = 128
    noise_dim: int = 64
    n_critic: int = 1
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    #: target for real rows in D's loss; 1.0 means no smoothing (one-sided smoothing uses e.g. 0.9)
    label_smoothing: float = 1.0
    label_flip: float = 0.0
    #: sigma0 of instance noise on D's inputs; epoch e uses sigma0 / e
    instance_noise: float = 0.0
    lr_schedule: str | None = None  # None or "onecycle"
    on_divergence: str = "restore"  # "restore" (roll back, halve LRs) or "raise"
    max_restores: int = 3
    checkpoint_dir: str | None = None
    checkpoint_every: int = 0  # with checkpoint_dir: 0 means every 10 epochs (and the last)
    verbose: bool = True

    def validate(self) -> None:
        for name in ("epochs", "batch_size", "noise_dim", "n_critic"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ParameterError(f"{name}={v!r} must be a positive integer")
        for name in ("lr_g", "lr_d"):
            if not getattr(self, name) > 0:
                raise ParameterError(f"{name}={getattr(self, name)!r} must be > 0")
        if not 0.5 < self.label_smoothing <= 1.0:
            raise ParameterError(f"label_smoothing={self.label_smoothing!r} must be in (0.5, 1] (0.9 is typical)")
        if not 0.0 <= self.label_flip < 0.5:
            raise ParameterError(f"label_flip={self.label_flip!r} must be in [0, 0.5)")
        if self.instance_noise < 0:
            raise ParameterError(f"instance_noise={self.instance_noise!r} must be >= 0")
        if self.lr_schedule not in (None, "onecycle"):
            raise ParameterError(f"lr_schedule={self.lr_schedule!r} must be None or 'onecycle'")
        if self.on_divergence not in ("restore", "raise"):
            raise ParameterError(f"on_divergence={self.on_divergence!r} must be 'restore' or 'raise'")


def one_cycle(base_lr: float, step: int, total: int, pct_start: float = 0.3) -> float:
    """1cycle policy (Smith 2018): cosine warm-up from base/25 to base, then cosine down to base/1e4."""
    total = max(total, 1)
    warm = max(1, int(pct_start * total))
    if step < warm:
        lo, hi, t = base_lr / 25, base_lr, step / warm
    else:
        lo, hi, t = base_lr, base_lr / 1e4, (step - warm) / max(1, total - warm)
    return hi + (lo - hi) * (1 + math.cos(math.pi * min(t, 1.0))) / 2


Callback = Callable[["Trainer", dict], Any]


def _twice(cond: torch.Tensor | None) -> torch.Tensor | None:
    return None if cond is None else torch.cat([cond, cond])


@dataclass
class Trainer:
    """Trains ``generator`` against ``discriminator`` under ``objective``.

    Callbacks are called as ``cb(trainer, history_row)`` after every epoch; returning
    ``True`` stops training early. ``aux_loss(fake, cond)``, if given, is a scalar added
    to the generator's loss (e.g. ConfidenceGAN's confidence gap); it is logged as ``g_aux``.
    """

    generator: nn.Module
    discriminator: nn.Module
    objective: Objective
    config: TrainingConfig
    callbacks: Sequence[Callback] = ()
    device: torch.device | str = "cpu"
    history: list[dict] = field(default_factory=list)
    aux_loss: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor] | None = None

    def __post_init__(self):
        self.config.validate()
        self.opt_g, self.opt_d = self.objective.optimizers(
            self.generator, self.discriminator, self.config.lr_g, self.config.lr_d
        )
        self.lr_scale = 1.0  # halved on every recovery from divergence
        self.epoch = 0  # epochs completed
        self._target_cache: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    # -- one generator step plus its n_critic discriminator steps -------------------
    def _step(self, source: BatchSource, rng: torch.Generator, sigma: float, acc: torch.Tensor) -> None:
        cfg, G, D, obj = self.config, self.generator, self.discriminator, self.objective
        B = cfg.batch_size
        # D scores real and fake rows in one forward pass unless its output couples rows of a
        # batch (minibatch discrimination compares real rows only with real rows)
        joint = not getattr(D, "batch_coupled", False)
        for _ in range(cfg.n_critic):
            real, cond = source.sample(B, rng)  # (B, D), (B, C) | None
            z = torch.randn(B, cfg.noise_dim, generator=rng, device=real.device)  # (B, Z)
            # with one D step per G step, the G step reuses this batch (as pytorch's dcgan example)
            fake = G(z, cond) if cfg.n_critic == 1 else None
            with torch.no_grad():
                fake_d = fake.detach() if fake is not None else G(z, cond)  # (B, D)
            if joint:
                both = D(add_instance_noise(torch.cat([real, fake_d]), sigma, rng), _twice(cond))
                d_real, d_fake = both.chunk(2)  # (B / pac, 1) each
            else:
                d_real = D(add_instance_noise(real, sigma, rng), cond)  # (B / pac, 1)
                d_fake = D(add_instance_noise(fake_d, sigma, rng), cond)
            t_real, t_fake = self._targets(d_real.shape[0], rng)
            # D step: minimise the objective's discriminator loss (+ gradient penalty for wgan-gp)
            d_loss, d_loss_real, d_loss_fake = obj.discriminator_loss(d_real, d_fake, t_real, t_fake)
            gp = obj.penalty(D, real, fake_d, cond, rng)
            total = d_loss if gp is None else d_loss + gp
            self.opt_d.zero_grad(set_to_none=True)
            total.backward()
            self.opt_d.step()
            obj.after_discriminator_step(D)

        # G step: minimise the objective's generator loss against the updated D
        if fake is None:
            cond = source.sample_condition(B, rng)
            z = torch.randn(B, cfg.noise_dim, generator=rng, device=acc.device)
            fake = G(z, cond)
        d_gen = D(add_instance_noise(fake, sigma, rng), cond)
        g_loss = obj.generator_loss(d_gen)
        aux = None if self.aux_loss is None else self.aux_loss(fake, cond)  # + auxiliary term, e.g. lambda (s(G(z,c)) - c)^2
        self.opt_g.zero_grad(set_to_none=True)
        (g_loss if aux is None else g_loss + aux).backward()
        self.opt_g.step()

        with torch.no_grad():  # accumulate on device; one sync per epoch
            zero = torch.zeros((), device=acc.device)
            acc += torch.stack(
                [
                    g_loss.detach(),
                    total.detach(),
                    d_loss_real.detach(),
                    d_loss_fake.detach(),
                    zero if gp is None else gp.detach(),
                    zero if aux is None else aux.detach(),
                    obj.d_statistic(d_real.detach()),
                    obj.d_statistic(d_fake.detach()),
                ]
            )

    def _targets(self, n: int, rng: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        cfg = self.config
        if cfg.label_flip > 0:  # random per step
            return discriminator_targets(n, cfg.label_smoothing, cfg.label_flip, rng, self.device)
        if n not in self._target_cache:
            self._target_cache[n] = discriminator_targets(n, cfg.label_smoothing, 0.0, None, self.device)
        return self._target_cache[n]

    def _set_lrs(self, step: int, total: int) -> tuple[float, float]:
        cfg = self.config
        lrs = []
        for opt, base in ((self.opt_g, cfg.lr_g), (self.opt_d, cfg.lr_d)):
            lr = base * self.lr_scale
            if cfg.lr_schedule == "onecycle":
                lr = one_cycle(lr, step, total)
            for group in opt.param_groups:
                group["lr"] = lr
            lrs.append(lr)
        return lrs[0], lrs[1]

    def _state(self) -> dict:
        return {
            "generator": copy.deepcopy(self.generator.state_dict()),
            "discriminator": copy.deepcopy(self.discriminator.state_dict()),
            "opt_g": copy.deepcopy(self.opt_g.state_dict()),
            "opt_d": copy.deepcopy(self.opt_d.state_dict()),
        }

    def _load_state(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])

    # -- the loop ---------------------------------------------------------------------
    def fit(self, source: BatchSource, rng: torch.Generator, resume: bool = False) -> "Trainer":
        from tqdm.auto import tqdm

        cfg = self.config
        if resume and cfg.checkpoint_dir and ckpt.exists(cfg.checkpoint_dir):
            ckpt.load(cfg.checkpoint_dir, self, rng)
        steps = max(1, math.ceil(source.n_rows / cfg.batch_size))
        total_steps = steps * cfg.epochs
        self.generator.train()
        self.discriminator.train()
        good, good_rng, restores = self._state(), rng.get_state(), 0
        bar = tqdm(total=cfg.epochs, initial=self.epoch, disable=not cfg.verbose, desc="training", unit="epoch")
        try:
            while self.epoch < cfg.epochs:
                t0 = time.perf_counter()
                sigma = instance_noise_sigma(cfg.instance_noise, self.epoch + 1)
                acc = torch.zeros(8, device=self.device)
                for s in range(steps):
                    lr_g, lr_d = self._set_lrs(self.epoch * steps + s, total_steps)
                    self._step(source, rng, sigma, acc)
                means = (acc / steps).tolist()
                if not all(math.isfinite(v) for v in means):
                    # divergence guard: roll back to the last good epoch and halve the learning rates
                    if cfg.on_divergence == "raise" or restores >= cfg.max_restores:
                        raise TrainingDivergedError(
                            f"training diverged at epoch {self.epoch + 1} (non-finite loss) after {restores} "
                            "recoveries; lower the learning rate (lr), try objective='wgan-gp', or set label_smoothing=0.9"
                        )
                    self._load_state(good)
                    self.lr_scale /= 2
                    restores += 1
                    continue
                row = dict(zip(HISTORY_COLUMNS[1:9], means))
                row.update(epoch=self.epoch + 1, lr_g=lr_g, lr_d=lr_d, seconds=time.perf_counter() - t0)
                self.history.append({k: row[k] for k in HISTORY_COLUMNS})
                self.epoch += 1
                good, good_rng = self._state(), rng.get_state()
                bar.update(1)
                bar.set_postfix(g=f"{row['g_loss']:.3f}", d=f"{row['d_loss']:.3f}", refresh=False)
                every = cfg.checkpoint_every or 10
                if cfg.checkpoint_dir and (self.epoch % every == 0 or self.epoch == cfg.epochs):
                    ckpt.save(cfg.checkpoint_dir, self, rng)
                if any(cb(self, row) is True for cb in self.callbacks):
                    break
        except KeyboardInterrupt:
            if cfg.checkpoint_dir and self.epoch > 0:
                # keep the last completed epoch so fit(..., resume=True) loses nothing
                self._load_state(good)
                rng.set_state(good_rng)
                ckpt.save(cfg.checkpoint_dir, self, rng)
            raise
        finally:
            bar.close()
            self.generator.eval()
            self.discriminator.eval()
        return self


__all__ = ["Trainer", "TrainingConfig", "BatchSource", "HISTORY_COLUMNS", "one_cycle"]
