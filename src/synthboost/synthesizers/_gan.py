"""The shared skeleton of every GAN synthesizer: fit, the engine's wiring, sampling streams,
persistence. A family writes what differs:

- ``_encode(data..., rng) -> BatchSource``: learn the data side (schema, transformer, classes)
  and give the engine real batches;
- ``_build_networks()``: set ``generator_`` and ``discriminator_`` (and ``_extra_modules``);
- ``_training_config(n_rows, objective)``: the engine's configuration from the parameters;
- ``_training_plan(source, rng, g)``: hooks, callbacks, an auxiliary loss and extra states
  (ConfidenceGAN's surrogate refresher) for the engine;
- ``_data_state()`` / ``_restore_data(meta)``: the JSON that rebuilds the data side on load;
- sampling and decoding (tensors -> DataFrame | uint8 images | windows).

Randomness: one numpy Generator (``random_state``) for the data side and one torch generator
``g`` seeded from it that initialises every weight and drives training; sampling continues
from a stream derived from ``g``, so the same seed and data give the same samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..base import (BaseSynthesizer, Param, choice, derive_seed, device_check, make_rngs, number, random_state_check,
                    sample_seed, torch_generator)
from ..errors import ParameterError
from ..nn.init import init_weights, set_rng
from ..nn.objectives import OBJECTIVES, get_objective
from ..training.engine import StepHook, Trainer, TrainingConfig, history_frame

#: learning rate per objective when ``lr=None`` (Adam for bce/wgan-gp/hinge, RMSProp for wgan)
DEFAULT_LR = {"bce": 2e-4, "wgan": 5e-5, "wgan-gp": 2e-4, "hinge": 2e-4}


def objective_check(name: str, value: Any) -> None:
    if not isinstance(value, str) or value not in OBJECTIVES:
        raise ParameterError(f"{name}={value!r} is not one of {sorted(OBJECTIVES)}")


#: parameters every GAN synthesizer has (a family picks them by name and may change a default or help)
GAN_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("objective", "bce", str, "Adversarial loss: bce, wgan, wgan-gp or hinge.", objective_check),
    Param("epochs", None, Optional[int], "Training epochs; none: chosen from the data size.",
          number(integer=True, low=1, optional=True, hint=" (None: chosen from the data size)")),
    Param("batch_size", None, Optional[int], "Samples per batch; none: chosen from the data size.",
          # BatchNorm needs at least 2 samples per batch
          number(integer=True, low=2, optional=True, hint=" (None: chosen from the data size)")),
    Param("noise_dim", 64, int, "Width of the generator's noise input.", number(integer=True, low=1)),
    Param("lr", None, Optional[float], "Learning rate of both networks; none: the objective's usual value.",
          number(low=0, low_open=True, optional=True, hint=" (None: the objective's default)")),
    Param("n_critic", None, Optional[int], "Discriminator steps per generator step; none: the objective's.",
          number(integer=True, low=1, optional=True, hint=" (None: the objective's default)")),
    Param("label_smoothing", 0.9, float, "Target for real samples in D's loss (1 = off; bce only).",
          number(low=0.5, high=1, low_open=True, hint=" (0.9 is typical, 1 = off)")),
    Param("label_flip", 0.0, float, "Chance of swapping each real/fake target in D's loss (bce only).",
          number(low=0, high=0.5, high_open=True)),
    Param("instance_noise", 0.0, float, "Noise on D's inputs, decaying as this value / epoch.", number(low=0)),
    Param("lr_schedule", None, Optional[str], "Learning-rate schedule: none or onecycle.",
          choice(None, "onecycle")),
    Param("on_divergence", "restore", str, "On a non-finite loss: restore (roll back, halve the rates) or raise.",
          choice("restore", "raise")),
    Param("checkpoint_dir", None, Optional[str], "Folder for resumable checkpoints (fit with resume to continue)."),
    Param("checkpoint_every", 0, int, "Checkpoint every this many epochs (0: every 10).", number(integer=True, low=0)),
    Param("device", "cpu", str, "Torch device: cpu or cuda.", device_check),
    Param("verbose", True, bool, "Show a progress bar."),
    Param("random_state", None, Optional[int], "Seed: the same seed and data give the same samples.", random_state_check),
)}


def check_count(n: Any) -> int:
    """The number of samples a ``sample`` call asks for, as an int (one message for every synthesizer)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ParameterError(f"n={n!r} must be a non-negative integer")
    return int(n)


def pick(names: Sequence[str], *own: Param, **changed: dict) -> tuple[Param, ...]:
    """A parameter table: the named common parameters (in that order), with ``own`` ones placed where
    their name appears in ``names`` (else at the end), and ``changed`` overrides (name -> fields)."""
    mine = {p.name: p for p in own}
    out = []
    for n in names:
        p = mine.pop(n, None) or GAN_PARAMS[n]
        out.append(p.but(**changed[n]) if n in changed else p)
    return tuple(out) + tuple(mine.values())


@dataclass
class TrainingPlan:
    """What a family adds to the engine for one fit."""

    hooks: list[StepHook] = field(default_factory=list)
    callbacks: list[Callable] = field(default_factory=list)
    aux_loss: Callable | None = None
    states: dict[str, Any] = field(default_factory=dict)


class GANSynthesizer(BaseSynthesizer):
    """fit / the engine / sampling streams / persistence shared by every GAN synthesizer."""

    #: weight initialisation scheme of the networks (see :func:`~synthboost.nn.init.init_weights`)
    _init_scheme = "kaiming"

    # -- fit ----------------------------------------------------------------------------
    def _fit(self, data: tuple, *, resume: bool = False, callbacks: Sequence[Callable] = (), **encode_kw):
        """Validate, encode ``data`` (``_encode(*data, rng=..., **encode_kw)``), build, train."""
        self._validate_params()
        if resume and not self.checkpoint_dir:
            raise ParameterError("resume=True continues from checkpoint_dir=, which is not set; pass the folder "
                                 "the interrupted run wrote its checkpoint to")
        data = self._prepare(*data, **encode_kw)
        rng, torch_seed = make_rngs(self.random_state)
        source = self._encode(data, rng)
        objective = self._objective()
        self.training_config_ = self._training_config(source.n_rows, objective)
        g = torch_generator(torch_seed, self.device)
        self._build_networks()
        self._init_networks(g)
        plan = self._training_plan(source, rng, g)
        trainer = Trainer(self.generator_, self.discriminator_, objective, self.training_config_,
                          list(plan.callbacks) + list(callbacks), self.device, aux_loss=plan.aux_loss,
                          hooks=plan.hooks, states=plan.states)
        trainer.fit(source, g, resume=resume)
        self.history_ = trainer.history_frame()
        for m in self._modules().values():
            set_rng(m, None)
        # samples continue from the training stream: same seed + data -> same samples
        self._sample_rng = torch_generator(derive_seed(g), self.device)
        self._after_fit(trainer, g)
        return self

    def _objective(self):
        """The engine's objective (a family may wrap the named one, e.g. with an auxiliary classifier)."""
        return get_objective(self.objective)

    def _prepare(self, *data, **kw):
        """Check and normalise what ``fit`` was given (before any randomness)."""
        return data

    def _init_networks(self, g: torch.Generator) -> None:
        """Every weight from ``g``: G, then D, then the extra modules, in that order."""
        for name, m in self._modules().items():
            init_weights(m, self._init_rng(name, g), self._init_scheme)
        set_rng(self.generator_, g)
        set_rng(self.discriminator_, g)

    def _init_rng(self, name: str, g: torch.Generator) -> torch.Generator:
        """The generator module ``name`` is initialised from (``g`` unless a family says otherwise)."""
        return g

    def _training_plan(self, source, rng: np.random.Generator, g: torch.Generator) -> TrainingPlan:
        return TrainingPlan()

    def _after_fit(self, trainer: Trainer, g: torch.Generator) -> None:
        pass

    def _modules(self) -> dict[str, nn.Module]:
        """The fitted networks by name (model files hold them under these prefixes)."""
        return {"generator": self.generator_, "discriminator": self.discriminator_, **self._extra_modules()}

    def _extra_modules(self) -> dict[str, nn.Module]:
        return {}

    def _default_lr(self) -> float:
        return self.lr or DEFAULT_LR[self.objective]

    # -- sampling streams ----------------------------------------------------------------
    def _rng_for(self, random_state: Any) -> torch.Generator:
        """None continues the model's own stream; a seed (or numpy Generator) gives a fresh one."""
        seed = sample_seed(random_state)
        return self._sample_rng if seed is None else torch_generator(seed, self.device)

    # -- persistence -----------------------------------------------------------------------
    def _to_state(self):
        tensors = pack_modules(self._modules())
        tensors["sample_rng_state"] = self._sample_rng.get_state()
        meta = {
            **self._data_state(),
            "training_config": vars(self.training_config_),
            "history": self.history_.to_dict(orient="list"),
        }
        return tensors, meta

    def _from_state(self, tensors, meta):
        self._restore_data(meta)
        self.training_config_ = TrainingConfig(**meta["training_config"])
        self.history_ = history_frame([]) if not meta["history"] else pd.DataFrame(meta["history"])
        self._build_networks()
        for name, module in self._modules().items():
            module.load_state_dict(unpack_module(tensors, name))
            module.eval()
        self._sample_rng = restore_rng(tensors["sample_rng_state"], self.device)

    def _data_state(self) -> dict:
        raise NotImplementedError  # pragma: no cover

    def _restore_data(self, meta: dict) -> None:
        raise NotImplementedError  # pragma: no cover


def pack_modules(modules: dict[str, nn.Module]) -> dict[str, torch.Tensor]:
    """Tensors of every module's state dict under ``<name>.<key>``."""
    return {f"{name}.{k}": v for name, m in modules.items() for k, v in m.state_dict().items()}


def unpack_module(tensors: dict[str, torch.Tensor], name: str) -> dict[str, torch.Tensor]:
    prefix = name + "."
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def restore_rng(state: torch.Tensor, device: str) -> torch.Generator:
    g = torch_generator(0, device)
    try:
        g.set_state(state)
    except RuntimeError:  # saved on another device type (CPU and CUDA states differ): reseed from it
        g = torch_generator(int.from_bytes(bytes(state[:8].tolist()), "little") % 2**62, device)
    return g


__all__ = ["GANSynthesizer", "GAN_PARAMS", "TrainingPlan", "pick", "check_count", "pack_modules", "unpack_module", "DEFAULT_LR"]
