"""Resumable training checkpoints: safetensors for every tensor, JSON for the rest.

A checkpoint holds both networks, both optimizers' state, the random generator's
state and the history, so a resumed fit continues exactly where it stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch

from ..errors import ModelFileError
from ..io import load_model, save_model

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Trainer


def exists(directory: str) -> bool:
    return (Path(directory) / "model.json").is_file()


def _flatten_optimizer(prefix: str, sd: dict, tensors: dict) -> dict:
    """Tensors of an optimizer state dict go to ``tensors``; the JSON-able rest is returned."""
    state_meta = {}
    for idx, entries in sd["state"].items():
        meta = {}
        for name, value in entries.items():
            if torch.is_tensor(value):
                tensors[f"{prefix}.{idx}.{name}"] = value
            else:
                meta[name] = value
        state_meta[str(idx)] = meta
    return {"state": state_meta, "param_groups": sd["param_groups"]}


def _unflatten_optimizer(prefix: str, meta: dict, tensors: dict) -> dict:
    state = {int(idx): dict(entries) for idx, entries in meta["state"].items()}
    for key, value in tensors.items():
        if key.startswith(prefix + "."):
            _, idx, name = key.split(".", 2)
            state.setdefault(int(idx), {})[name] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def save(directory: str, trainer: "Trainer", rng: torch.Generator) -> None:
    tensors = {f"generator.{k}": v for k, v in trainer.generator.state_dict().items()}
    tensors.update({f"discriminator.{k}": v for k, v in trainer.discriminator.state_dict().items()})
    tensors["rng_state"] = rng.get_state()
    meta = {
        "kind": "checkpoint",
        "epoch": trainer.epoch,
        "lr_scale": trainer.lr_scale,
        "history": trainer.history,
        "opt_g": _flatten_optimizer("opt_g", trainer.opt_g.state_dict(), tensors),
        "opt_d": _flatten_optimizer("opt_d", trainer.opt_d.state_dict(), tensors),
        # an optimizer's state loads into another kind without complaint and fails at its first step
        "optimizers": [type(trainer.opt_g).__name__, type(trainer.opt_d).__name__],
    }
    save_model(directory, tensors, meta)


def load(directory: str, trainer: "Trainer", rng: torch.Generator) -> None:
    tensors, meta = load_model(directory)
    if meta.get("kind") != "checkpoint":
        raise ModelFileError(f"{directory!r} is not a training checkpoint")
    here = [type(trainer.opt_g).__name__, type(trainer.opt_d).__name__]
    if meta.get("optimizers", here) != here:
        raise ModelFileError(f"checkpoint in {directory!r} was trained with optimizers {meta['optimizers']}, this model uses "
                             f"{here} (another objective); delete it or use the same parameters")
    try:
        trainer.generator.load_state_dict({k[10:]: v for k, v in tensors.items() if k.startswith("generator.")})
        trainer.discriminator.load_state_dict(
            {k[14:]: v for k, v in tensors.items() if k.startswith("discriminator.")}
        )
        trainer.opt_g.load_state_dict(_unflatten_optimizer("opt_g", meta["opt_g"], tensors))
        trainer.opt_d.load_state_dict(_unflatten_optimizer("opt_d", meta["opt_d"], tensors))
    except (RuntimeError, KeyError, ValueError) as e:
        raise ModelFileError(
            f"checkpoint in {directory!r} does not match this model ({str(e).strip().splitlines()[-1].strip()}); "
            "delete it or use the same parameters"
        ) from None
    rng.set_state(tensors["rng_state"])
    trainer.epoch = int(meta["epoch"])
    trainer.lr_scale = float(meta["lr_scale"])
    trainer.history = list(meta["history"])
