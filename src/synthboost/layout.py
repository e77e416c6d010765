"""Output layouts: the contract between the data side and the networks.

The data side (``synthboost.data``) produces these; the networks (``synthboost.nn``)
consume them. They live here, below both, so ``nn`` never imports ``data``.

- :class:`OutputSpan`: one block of an encoded table row (width and the activation the
  generator applies to it); a list of spans drives the generator's heads and decoding.
- :class:`ImageShape`: channels, height and width of the image tensors (B, C, H, W) a
  generator makes, values in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Activation = Literal["tanh", "softmax", "linear"]


@dataclass(frozen=True)
class OutputSpan:
    """One block of the encoded row: ``dim`` features produced with ``activation``."""

    dim: int
    activation: Activation
    column: str = ""


@dataclass(frozen=True)
class ImageShape:
    """Images as tensors (B, channels, height, width) in [-1, 1]."""

    channels: int
    height: int
    width: int

    @property
    def chw(self) -> tuple[int, int, int]:
        return (self.channels, self.height, self.width)


__all__ = ["Activation", "OutputSpan", "ImageShape"]
