"""The one training loop shared by every synthesizer.

A synthesizer hands the engine its networks (a :class:`~synthboost.nn.base.Generator` and a
:class:`~synthboost.nn.base.Critic`), an :class:`~synthboost.nn.objectives.Objective` and a
:class:`BatchSource` (which draws real :class:`~synthboost.nn.base.Batch` es); the engine runs
``n_critic`` discriminator steps per generator step, records a per-epoch history of the
named losses and statistics, shows progress, guards against divergence, writes resumable
checkpoints, and calls per-step hooks (:class:`StepHook`: D-input augmentation, EMA of G) and
per-epoch callbacks. The engine knows nothing about tables, images or series: shapes live in
the networks and the batch source. Everything stays on the device as tensors; the only host
synchronisation is once per epoch, when the history row is made.
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
from ..nn.base import Batch, Critic, Generator, as_batch
from ..nn.objectives import Objective
from ..nn.stabilizers import add_instance_noise, discriminator_targets, instance_noise_sigma
from . import checkpoint as ckpt

#: the columns every history has, in this order; an objective's or a hook's own names
#: (e.g. per-generator statistics) come after ``d_fake``, before ``lr_g``
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

    def sample(self, batch_size: int, rng: torch.Generator) -> Batch:
        """Real samples (B, *shape) with their conditions (B, C) or None."""

    def sample_condition(self, batch_size: int, rng: torch.Generator) -> torch.Tensor | None:
        """Conditions (B, C) for a generator step, or None."""


class StepHook:
    """Per-step extension of the engine; override what is needed.

    ``augment`` transforms D's inputs (real and fake, in D and G steps alike, so G is trained
    through the same transform: DiffAugment); ``after_discriminator_step`` sees D's outputs on
    the real batch (adaptive augmentation reads their sign); ``after_generator_step`` runs after
    each G update (EMA of G's weights); ``statistics`` adds named values to the epoch's history
    row. Hooks with ``state_dict`` / ``load_state_dict`` are checkpointed and snapshotted.
    """

    name = "hook"

    def augment(self, x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        return x

    def after_discriminator_step(self, trainer: "Trainer", d_real: torch.Tensor) -> None:
        pass

    def after_generator_step(self, trainer: "Trainer") -> None:
        pass

    def statistics(self) -> dict[str, float]:
        return {}


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
    #: the state the divergence guard rolls back to is copied to the CPU every this many epochs
    snapshot_every: int = 1
    checkpoint_dir: str | None = None
    checkpoint_every: int = 0  # with checkpoint_dir: 0 means every 10 epochs (and the last)
    verbose: bool = True

    def validate(self) -> None:
        for name in ("epochs", "batch_size", "noise_dim", "n_critic", "snapshot_every"):
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


def _joint(real: torch.Tensor | None, fake: torch.Tensor | None) -> torch.Tensor | None:
    return None if real is None else torch.cat([real, fake])


def to_cpu(state: Any) -> Any:
    """A copy of a (nested) state dict with every tensor cloned to the CPU."""
    if torch.is_tensor(state):
        return state.detach().to("cpu", copy=True)
    if isinstance(state, dict):
        return {k: to_cpu(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(to_cpu(v) for v in state)
    return copy.deepcopy(state)


@dataclass
class Trainer:
    """Trains ``generator`` against ``discriminator`` under ``objective``.

    Callbacks are called as ``cb(trainer, history_row)`` after every epoch; returning
    ``True`` stops training early. ``aux_loss(fake, cond)``, if given, is a scalar added
    to the generator's loss (e.g. ConfidenceGAN's confidence gap); it is logged as ``g_aux``.
    ``hooks`` run every step (:class:`StepHook`). ``states`` names further objects with
    ``state_dict`` / ``load_state_dict`` (a surrogate network, its refresher) that
    checkpoints hold, so a resumed fit continues exactly where it stopped.
    """

    generator: Generator
    discriminator: Critic
    objective: Objective
    config: TrainingConfig
    callbacks: Sequence[Callback] = ()
    device: torch.device | str = "cpu"
    history: list[dict] = field(default_factory=list)
    aux_loss: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor] | None = None
    hooks: Sequence[StepHook] = ()
    states: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        self.config.validate()
        for role, net, base in (("generator", self.generator, Generator), ("discriminator", self.discriminator, Critic)):
            if not isinstance(net, base):
                raise ParameterError(f"the {role} must be a synthboost.nn.base.{base.__name__} (it declares what the "
                                     f"engine relies on); got {type(net).__name__}")
        self.opt_g, self.opt_d = self.objective.optimizers(
            self.generator, self.discriminator, self.config.lr_g, self.config.lr_d
        )
        self.lr_scale = 1.0  # halved on every recovery from divergence
        self.epoch = 0  # epochs completed
        self._target_cache: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self._augmenters = [h for h in self.hooks if type(h).augment is not StepHook.augment]

    # -- one generator step plus its n_critic discriminator steps -------------------
    def _augment(self, x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        for h in self._augmenters:
            x = h.augment(x, rng)
        return x

    def _step(self, source: BatchSource, rng: torch.Generator, sigma: float, acc: dict) -> None:
        cfg, G, D, obj = self.config, self.generator, self.discriminator, self.objective
        B = cfg.batch_size
        # D scores real and fake samples in one forward pass unless its outputs couple samples of
        # a batch (BatchNorm statistics, minibatch discrimination): then real and fake stay apart
        joint = not D.batch_coupled
        for _ in range(cfg.n_critic):
            real = source.sample(B, rng)  # x (B, *shape), cond (B, C) | None
            z = G.sample_noise(B, rng)  # (B, Z) or (B, T, Z)
            # with one D step per G step, the G step reuses this batch (as pytorch's dcgan example)
            fake = as_batch(G(z, real.cond), real.cond) if cfg.n_critic == 1 else None
            with torch.no_grad():
                fake_d = fake.detach() if fake is not None else as_batch(G(z, real.cond), real.cond)
            x_real, x_fake = self._augment(real.x, rng), self._augment(fake_d.x, rng)
            if joint:
                both = D(add_instance_noise(torch.cat([x_real, x_fake]), sigma, rng), _joint(real.cond, fake_d.cond))
                # (B / pac, n_outputs) each; split by count (a family may make another number of fakes)
                d_real, d_fake = both[: len(x_real) // D.pac], both[len(x_real) // D.pac:]
            else:
                d_real = D(add_instance_noise(x_real, sigma, rng), real.cond)  # (B / pac, n_outputs)
                d_fake = D(add_instance_noise(x_fake, sigma, rng), fake_d.cond)
            targets = self._targets(d_real.shape[0], rng)
            # D step: minimise the objective's discriminator loss (+ its penalty, e.g. wgan-gp's)
            d_losses = obj.discriminator_loss(d_real, d_fake, real, fake_d, targets)
            real_in, fake_in = Batch(x_real, real.cond, real.meta), Batch(x_fake, fake_d.cond, fake_d.meta)
            gp = obj.penalty(D, real_in, fake_in, rng)
            total = d_losses["d_loss"] if gp is None else d_losses["d_loss"] + gp
            self.opt_d.zero_grad(set_to_none=True)
            total.backward()
            self.opt_d.step()
            obj.after_discriminator_step(D)
            for h in self.hooks:
                h.after_discriminator_step(self, d_real.detach())

        # G step: minimise the objective's generator loss against the updated D
        if fake is None:
            cond = source.sample_condition(B, rng)
            fake = as_batch(G(G.sample_noise(B, rng), cond), cond)
        d_gen = D(add_instance_noise(self._augment(fake.x, rng), sigma, rng), fake.cond)
        g_losses = obj.generator_loss(d_gen, fake)
        aux = None if self.aux_loss is None else self.aux_loss(fake.x, fake.cond)  # + e.g. lambda (s(G(z,c)) - c)^2
        self.opt_g.zero_grad(set_to_none=True)
        (g_losses["g_loss"] if aux is None else g_losses["g_loss"] + aux).backward()
        self.opt_g.step()
        for h in self.hooks:
            h.after_generator_step(self)

        with torch.no_grad():  # accumulate on device; one sync per epoch
            zero = torch.zeros((), device=total.device)
            named = {"g_loss": g_losses["g_loss"], "d_loss": total}
            named.update((k, v) for k, v in d_losses.items() if k != "d_loss")
            named["gp"] = zero if gp is None else gp
            named["g_aux"] = zero if aux is None else aux
            named.update((k, v) for k, v in g_losses.items() if k != "g_loss")
            named.update(obj.statistics(d_real.detach(), d_fake.detach(), real, fake_d))
            for k, v in named.items():
                v = v.detach()
                acc[k] = v if k not in acc else acc[k] + v

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

    # -- state: what checkpoints hold, and what the divergence guard rolls back ------------
    def stateful(self) -> dict[str, Any]:
        """Every object whose state a checkpoint holds, by name."""
        out: dict[str, Any] = {"generator": self.generator, "discriminator": self.discriminator,
                               "opt_g": self.opt_g, "opt_d": self.opt_d}
        for h in self.hooks:
            if hasattr(h, "state_dict"):
                out[f"hook.{h.name}"] = h
        out.update(self.states)
        return out

    def _snapshot(self, rng: torch.Generator) -> dict:
        """G, D, their optimizers and the hooks' state, copied to the CPU (not a second copy on the GPU)."""
        objs = {k: v for k, v in self.stateful().items() if k not in self.states}
        return {"states": {k: to_cpu(v.state_dict()) for k, v in objs.items()}, "epoch": self.epoch,
                "n_history": len(self.history), "rng": rng.get_state()}

    def _restore(self, snap: dict) -> None:
        objs = self.stateful()
        for k, state in snap["states"].items():
            objs[k].load_state_dict(state)
        self.epoch = snap["epoch"]
        del self.history[snap["n_history"]:]

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
        good, restores = self._snapshot(rng), 0
        bar = tqdm(total=cfg.epochs, initial=self.epoch, disable=not cfg.verbose, desc="training", unit="epoch")
        try:
            while self.epoch < cfg.epochs:
                t0 = time.perf_counter()
                sigma = instance_noise_sigma(cfg.instance_noise, self.epoch + 1)
                acc: dict[str, torch.Tensor] = {}
                for s in range(steps):
                    lr_g, lr_d = self._set_lrs(self.epoch * steps + s, total_steps)
                    self._step(source, rng, sigma, acc)
                means = dict(zip(acc, (torch.stack(list(acc.values())) / steps).tolist()))
                if not all(math.isfinite(v) for v in means.values()):
                    # divergence guard: roll back to the last snapshot and halve the learning rates
                    if cfg.on_divergence == "raise" or restores >= cfg.max_restores:
                        raise TrainingDivergedError(
                            f"training diverged at epoch {self.epoch + 1} (non-finite loss) after {restores} "
                            "recoveries; lower the learning rate (lr), try objective='wgan-gp', or set label_smoothing=0.9"
                        )
                    self._restore(good)
                    bar.n = self.epoch
                    self.lr_scale /= 2
                    restores += 1
                    continue
                row = {"epoch": self.epoch + 1, **means}
                for h in self.hooks:
                    row.update(h.statistics())
                row.update(lr_g=lr_g, lr_d=lr_d, seconds=time.perf_counter() - t0)
                self.history.append(row)
                self.epoch += 1
                if self.epoch % cfg.snapshot_every == 0:
                    good = self._snapshot(rng)
                bar.update(1)
                bar.set_postfix(g=f"{row['g_loss']:.3f}", d=f"{row['d_loss']:.3f}", refresh=False)
                stop = any(cb(self, row) is True for cb in self.callbacks)
                # after the callbacks, so a checkpoint holds what they changed (e.g. a refreshed surrogate)
                every = cfg.checkpoint_every or 10
                if cfg.checkpoint_dir and (self.epoch % every == 0 or self.epoch == cfg.epochs or stop):
                    ckpt.save(cfg.checkpoint_dir, self, rng)
                if stop:
                    break
        except KeyboardInterrupt:
            if cfg.checkpoint_dir and good["epoch"] > 0:
                # keep the last snapshot so fit(..., resume=True) continues from it
                self._restore(good)
                rng.set_state(good["rng"])
                ckpt.save(cfg.checkpoint_dir, self, rng)
            raise
        finally:
            bar.close()
            self.generator.eval()
            self.discriminator.eval()
        return self

    def history_frame(self):
        """The history as a DataFrame: the core columns first, then the objective's and hooks' own."""
        import pandas as pd

        return history_frame(self.history)


def history_frame(history: list[dict]):
    """Per-epoch rows as a DataFrame: the core columns first, then an objective's or hooks' own
    names in the order they first appear, then ``lr_g``, ``lr_d``, ``seconds``."""
    import pandas as pd

    names = list(dict.fromkeys(k for row in history for k in row))
    if not names:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    tail = HISTORY_COLUMNS[-3:]
    cols = [c for c in HISTORY_COLUMNS[:-3] if c in names] + [c for c in names if c not in HISTORY_COLUMNS] + tail
    return pd.DataFrame(history, columns=cols)


__all__ = ["Trainer", "TrainingConfig", "BatchSource", "StepHook", "HISTORY_COLUMNS", "history_frame", "one_cycle"]
