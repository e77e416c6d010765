"""Resumable training checkpoints: safetensors for every tensor, JSON for the rest.

A checkpoint holds every named state of the trainer (both networks, both optimizers,
the hooks' state, and whatever the synthesizer registered in ``Trainer.states``, such as
ConfidenceGAN's surrogate and its refresher), the random generator's state and the
history, so a resumed fit continues exactly where it stopped. Nested state dicts are
stored generically (:func:`flatten`): tensors go to the safetensors file under their
path, the rest to JSON with dict keys and tuples kept as they were (optimizer states key
parameters by integer).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..errors import ModelFileError
from ..io import load_model, save_model

if TYPE_CHECKING:  # pragma: no cover
    from .engine import Trainer

VERSION = 2


def exists(directory: str) -> bool:
    return (Path(directory) / "model.json").is_file()


def flatten(obj: Any, path: str, tensors: dict[str, torch.Tensor]) -> Any:
    """A JSON form of a nested state; its tensors are put into ``tensors`` under their path."""
    if torch.is_tensor(obj):
        tensors[path] = obj
        return {"__tensor__": path}
    if isinstance(obj, dict):
        return {"__dict__": [[k, flatten(v, f"{path}.{k}", tensors)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [flatten(v, f"{path}.{i}", tensors) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [flatten(v, f"{path}.{i}", tensors) for i, v in enumerate(obj)]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"{path}: a {type(obj).__name__} cannot be checkpointed")


def unflatten(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__dict__" in obj:
            return {k: unflatten(v, tensors) for k, v in obj["__dict__"]}
        if "__tuple__" in obj:
            return tuple(unflatten(v, tensors) for v in obj["__tuple__"])
    if isinstance(obj, list):
        return [unflatten(v, tensors) for v in obj]
    return obj


def save(directory: str, trainer: "Trainer", rng: torch.Generator) -> None:
    tensors: dict[str, torch.Tensor] = {"rng_state": rng.get_state()}
    objs = trainer.stateful()
    meta = {
        "kind": "checkpoint",
        "version": VERSION,
        "epoch": trainer.epoch,
        "lr_scale": trainer.lr_scale,
        "history": trainer.history,
        "states": {name: flatten(o.state_dict(), name, tensors) for name, o in objs.items()},
        # an optimizer's state loads into another kind without complaint and fails at its first step
        "optimizers": [type(trainer.opt_g).__name__, type(trainer.opt_d).__name__],
    }
    save_model(directory, tensors, meta)


def load(directory: str, trainer: "Trainer", rng: torch.Generator) -> None:
    tensors, meta = load_model(directory)
    if meta.get("kind") != "checkpoint":
        raise ModelFileError(f"{directory!r} is not a training checkpoint")
    if meta.get("version") != VERSION:
        raise ModelFileError(f"the checkpoint in {directory!r} was written by another synthboost version; "
                             "delete it to train from the start")
    here = [type(trainer.opt_g).__name__, type(trainer.opt_d).__name__]
    if meta.get("optimizers", here) != here:
        raise ModelFileError(f"checkpoint in {directory!r} was trained with optimizers {meta['optimizers']}, this model uses "
                             f"{here} (another objective); delete it or use the same parameters")
    objs = trainer.stateful()
    saved = meta.get("states", {})
    missing = [name for name in objs if name not in saved]
    if missing:
        raise ModelFileError(f"checkpoint in {directory!r} holds no state for {missing} (another model's settings); "
                             "delete it or use the same parameters")
    try:
        for name, o in objs.items():
            o.load_state_dict(unflatten(saved[name], tensors))
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        raise ModelFileError(
            f"checkpoint in {directory!r} does not match this model ({str(e).strip().splitlines()[-1].strip()}); "
            "delete it or use the same parameters"
        ) from None
    rng.set_state(tensors["rng_state"])
    trainer.epoch = int(meta["epoch"])
    trainer.lr_scale = float(meta["lr_scale"])
    trainer.history = list(meta["history"])
