"""Weight initialisation from an explicit generator, and the explicit randomness of modules.

Nothing here touches torch's global RNG: every parameter and every random buffer
(spectral norm's power-iteration vectors) is drawn from the ``torch.Generator`` passed in,
and :func:`init_weights` refuses a module with parameters it does not know how to draw,
so no weight can silently keep the values of torch's global stream.
"""

from __future__ import annotations

import contextlib
import math
from typing import Callable, Iterator

import torch
from torch import nn
from torch.nn.utils import parametrize

_CONV = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d)
_NORM = (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm, nn.modules.instancenorm._InstanceNorm)
_RNN = (nn.GRU, nn.LSTM, nn.RNN)


@contextlib.contextmanager
def quiet_global_rng() -> Iterator[None]:
    """Build modules inside this block: torch's constructors draw default weights from the
    global RNG; the block restores its state (the draws are overwritten by :func:`init_weights`)."""
    with torch.random.fork_rng(devices=[]):
        yield


def build(fn: Callable[[], nn.Module]) -> nn.Module:
    with quiet_global_rng():
        return fn()


def _weight(m: nn.Module, name: str = "weight") -> torch.Tensor | None:
    """The stored tensor behind ``m.<name>`` (the original under a parametrization such as spectral norm)."""
    if parametrize.is_parametrized(m, name):
        return getattr(m.parametrizations, name).original
    return getattr(m, name, None)


@torch.no_grad()
def init_weights(module: nn.Module, rng: torch.Generator, scheme: str = "kaiming") -> None:
    """Draw every parameter of ``module`` from ``rng`` (modules in ``module.modules()`` order).

    ``scheme="kaiming"``: He-uniform for LeakyReLU(0.2) stacks on linear and conv layers, norm
    layers at weight 1 / bias 0 (the dense tabular networks). ``"dcgan"``: N(0, 0.02) for linear
    and conv weights, N(1, 0.02) for norm weights (Radford et al. 2016). Biases start at 0,
    embeddings N(0, 1), recurrent layers U(-1/sqrt(h), 1/sqrt(h)) (torch's own rule, from ``rng``).
    Modules with their own rule define ``init_from(rng)``.
    """
    if scheme not in ("kaiming", "dcgan"):
        raise ValueError(f"scheme={scheme!r} must be 'kaiming' or 'dcgan'")
    done: set[int] = set()

    def mark(*tensors):
        done.update(id(t) for t in tensors if t is not None)

    for m in module.modules():
        if callable(getattr(m, "init_from", None)):
            m.init_from(rng)
            mark(*m.parameters(recurse=False))
        elif isinstance(m, _CONV):
            w = _weight(m)
            if scheme == "dcgan":
                nn.init.normal_(w, 0.0, 0.02, generator=rng)
            else:
                nn.init.kaiming_uniform_(w, a=0.2, nonlinearity="leaky_relu", generator=rng)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
            mark(w, m.bias)
        elif isinstance(m, _NORM):
            w, b = getattr(m, "weight", None), getattr(m, "bias", None)
            if w is not None:
                nn.init.normal_(w, 1.0, 0.02, generator=rng) if scheme == "dcgan" else nn.init.ones_(w)
            if b is not None:
                nn.init.zeros_(b)
            mark(w, b)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, 1.0, generator=rng)
            mark(m.weight)
        elif isinstance(m, _RNN):
            k = 1.0 / math.sqrt(m.hidden_size)
            for p in m.parameters(recurse=False):
                nn.init.uniform_(p, -k, k, generator=rng)
                mark(p)
        elif type(m).__name__ == "_SpectralNorm":  # power-iteration vectors u (out,), v (in,)
            for name in ("_u", "_v"):
                buf = getattr(m, name)
                buf.normal_(0.0, 1.0, generator=rng)
                buf.div_(buf.norm().clamp_min(1e-12))
    missed = [name for name, p in module.named_parameters() if id(p) not in done]
    if missed:
        raise TypeError(f"init_weights cannot draw {missed[:4]} (an unknown layer type); give its module init_from(rng)")


def set_rng(module: nn.Module, rng: torch.Generator | None) -> None:
    """Give every submodule that draws random numbers (``rng`` attribute) the generator ``rng``."""
    for m in module.modules():
        if hasattr(m, "rng"):
            m.rng = rng


__all__ = ["init_weights", "set_rng", "build", "quiet_global_rng"]
