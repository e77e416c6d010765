"""Common base of every synthesizer: scikit-learn conventions, randomness, persistence."""

from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator

from .errors import ModelFileError, NotFittedError, ParameterError
from .io import load_model, save_model

#: every synthesizer class by name (filled as classes are defined); model files name their class
REGISTRY: dict[str, type] = {}


def make_rngs(random_state: Any) -> tuple[np.random.Generator, int]:
    """A numpy Generator and a torch seed derived from ``random_state`` (None -> fresh entropy)."""
    if isinstance(random_state, np.random.Generator):
        rng = random_state
    elif random_state is None or isinstance(random_state, (int, np.integer)):
        rng = np.random.default_rng(random_state)
    else:
        raise ParameterError(f"random_state={random_state!r} must be None, an int or a numpy Generator")
    return rng, int(rng.integers(2**62))


def check_number(name: str, value: Any, *, integer: bool = False, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, optional: bool = False, hint: str = "") -> None:
    """Raise ParameterError unless ``value`` is a number (an integer if asked) in the given range.

    Checked before any arithmetic, so a string or None fails here and not as a TypeError deep in training.
    """
    if value is None and optional:
        return
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    ok = isinstance(value, kinds) and not isinstance(value, (bool, np.bool_))
    ok = ok and (integer or math.isfinite(float(value)))  # float(): no numpy ufunc on huge Python ints
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        what = "an integer" if integer else "a number"
        rng = ""
        if low is not None and high is not None:
            rng = f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low is not None:
            rng = f" {'>' if low_open else '>='} {low:g}"
        elif high is not None:
            rng = f" {'<' if high_open else '<='} {high:g}"
        raise ParameterError(f"{name}={value!r} must be {what}{rng}{' or None' if optional else ''}{hint}")


# -- the declarative parameter table ---------------------------------------------------
@dataclass(frozen=True)
class Param:
    """One estimator parameter: its default, type, a one-sentence help text (the CLI's) and its check.

    A class's table generates its ``__init__`` (which stores every argument verbatim, as
    scikit-learn requires), drives ``_validate_params`` and the CLI's options, so a default,
    a rule or a help text lives in one place.
    """

    name: str
    default: Any
    annotation: Any
    help: str
    check: Callable[[str, Any], None] | None = None

    def but(self, **changes) -> "Param":
        return replace(self, **changes)


def number(**kw) -> Callable[[str, Any], None]:
    """A check: ``check_number`` with these options."""
    return lambda name, value: check_number(name, value, **kw)


def choice(*options: Any, hint: str = "") -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if not any(value == o and type(value) is type(o) for o in options):
            raise ParameterError(f"{name}={value!r} must be one of {list(options)}{hint}")

    return check


def device_check(name: str, value: Any) -> None:
    try:
        kind = torch.device(value).type
    except (RuntimeError, TypeError):
        raise ParameterError(f"{name}={value!r} is not a torch device; use 'cpu', 'cuda', 'cuda:0' or 'mps'") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ParameterError(f"{name}={value!r}: this torch has no CUDA device available; use 'cpu'")


def random_state_check(name: str, value: Any) -> None:
    if not (value is None or isinstance(value, np.random.Generator)
            or (isinstance(value, (int, np.integer)) and not isinstance(value, bool))):
        raise ParameterError(f"{name}={value!r} must be None, an int or a numpy Generator")


def make_init(params: Sequence[Param], owner: str) -> Callable:
    """An ``__init__`` with the table's parameters as real named arguments (positional too),
    storing each verbatim; built like ``dataclasses`` builds theirs."""
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise TypeError(f"{owner}: a parameter is listed twice in {names}")
    defaults = {f"_d_{p.name}": p.default for p in params}
    args = ", ".join(f"{p.name}=_d_{p.name}" for p in params)
    body = "".join(f"    self.{p.name} = {p.name}\n" for p in params) or "    pass\n"
    ns: dict[str, Any] = {}
    exec(f"def __init__(self, {args}):\n{body}", defaults, ns)  # noqa: S102 - source built from identifiers only
    init = ns["__init__"]
    init.__qualname__ = f"{owner}.__init__"
    init.__annotations__ = {p.name: p.annotation for p in params}
    init.__doc__ = f"Store the parameters of {owner} (see the class docstring)."
    return init


def sample_seed(random_state: Any) -> int | None:
    """The seed of a sampling call: None (continue the model's own stream), an int, or one drawn from a Generator."""
    if random_state is None:
        return None
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**62))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool) \
            and -(2**63) <= random_state < 2**64:  # what a torch generator can be seeded with
        return int(random_state)
    raise ParameterError(f"random_state={random_state!r} must be None, a 64-bit int or a numpy Generator")


def torch_generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed(int(seed))
    return g


def derive_seed(g: torch.Generator) -> int:
    """A new seed drawn from ``g`` on ``g``'s own device (a CUDA generator cannot drive a CPU draw)."""
    return int(torch.randint(2**62, (1,), generator=g, device=g.device))


class BaseSynthesizer(BaseEstimator):
    """fit(data) -> self; sample(n, *, conditions=None); save(dir); load(dir).

    Subclasses store constructor arguments verbatim, validate in ``fit`` and keep
    learned state in attributes ending in ``_``. Persistence goes through
    :meth:`_to_state` / :meth:`_from_state` (tensors + JSON metadata, never pickle).
    """

    _fitted_attr = "generator_"
    #: the parameter table; a class that defines one gets its ``__init__`` generated from it
    _params: tuple[Param, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_params" in cls.__dict__:
            cls.__init__ = make_init(cls._params, cls.__name__)
        if not cls.__name__.startswith("_"):
            REGISTRY[cls.__name__] = cls

    @classmethod
    def param_table(cls) -> dict[str, Param]:
        return {p.name: p for p in cls._params}

    def _validate_params(self) -> None:
        """Run every parameter's check (type and range before any arithmetic)."""
        for p in self._params:
            if p.check is not None:
                p.check(p.name, getattr(self, p.name))

    def _check_fitted(self) -> None:
        if not hasattr(self, self._fitted_attr):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(data) before sample() or save()"
            )

    def _json_params(self) -> dict[str, Any]:
        params = {}
        for k, v in self.get_params(deep=False).items():
            if isinstance(v, tuple):
                v = list(v)
            if isinstance(v, (set, frozenset)):  # e.g. categorical={"a", "b"}: JSON has no sets
                v = sorted(v, key=str)
            if isinstance(v, np.random.Generator):
                v = None
            if isinstance(v, BaseSynthesizer):  # e.g. a warm start's init_model: its weights are in this model now
                v = None
            if isinstance(v, Path):
                v = str(v)
            params[k] = v
        return params

    def save(self, directory: str | Path, extra: dict | None = None) -> Path:
        """Write the fitted model to ``directory`` (model.safetensors + model.json), with ``extra`` files
        (name -> writer(path), e.g. a sample grid) in the same directory, all put in place at once."""
        self._check_fitted()
        tensors, meta = self._to_state()
        meta = {"class": type(self).__name__, "params": self._json_params(), **meta}
        return save_model(directory, tensors, meta, extra=extra)

    @classmethod
    def load(cls, directory: str | Path, *, device: str | None = None):
        """Load a model saved with :meth:`save`. Never executes code from the files.

        ``device`` overrides the device it was trained on (e.g. "cpu" for a model trained on
        "cuda"); without it, a CUDA model loads on the CPU, with a warning, where no GPU is present.
        """
        tensors, meta = load_model(directory)
        saved = REGISTRY.get(str(meta.get("class")))
        if saved is None or not issubclass(saved, cls):
            what = f"a {meta.get('class')!r} model" if meta.get("class") else "no synthesizer"
            raise ModelFileError(
                f"{str(directory)!r} holds {what}, not a {cls.__name__}; load it with that class "
                "(or synthboost.load, which picks the class from the file)"
            )
        cls = saved
        sig = inspect.signature(cls.__init__).parameters
        if not isinstance(meta.get("params", {}), dict):
            raise ModelFileError(f"{str(directory)!r} has no parameter table in its model.json; the model is corrupted")
        params = {k: (tuple(v) if isinstance(v, list) else v) for k, v in meta.get("params", {}).items() if k in sig}
        if device is not None:
            params["device"] = device
        elif str(params.get("device", "cpu")).startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(f"{str(directory)!r} was trained with device={params['device']!r} and no CUDA device is "
                          "available here: loading it on the CPU", UserWarning, stacklevel=2)
            params["device"] = "cpu"
        self = cls(**params)
        try:
            self._from_state(tensors, meta)
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            raise ModelFileError(f"{str(directory)!r} is inconsistent ({type(e).__name__}: {e}); the model is corrupted") from None
        return self

    # subclasses implement these
    def _to_state(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def _from_state(self, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError
