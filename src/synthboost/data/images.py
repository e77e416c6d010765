"""Images as the networks see them, and back: uint8 (N, H, W, C) <-> float (N, C, H, W) in [-1, 1].

Generators end in tanh, so pixels map linearly to [-1, 1]; decoding rounds back to uint8.
The networks support square images of side ``base * 2**k`` with base 4 or 7 (8, 16, 28,
32, 56, 64, ...); :func:`network_size` picks the side a set of images is trained at.
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import SchemaError

SUPPORTED_SIDES = (8, 14, 16, 28, 32, 56, 64, 112, 128)
MIN_SIDE = 8


def to_tensor(images: np.ndarray, device: str | torch.device = "cpu") -> torch.Tensor:
    """uint8 (N, H, W, C) -> float32 (N, C, H, W) in [-1, 1]."""
    x = torch.as_tensor(np.ascontiguousarray(images), device=device).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float (N, C, H, W) in [-1, 1] -> uint8 (N, H, W, C)."""
    y = ((x.detach().float().clamp(-1, 1) + 1.0) * 127.5).round().to(torch.uint8)
    return y.permute(0, 2, 3, 1).cpu().numpy()


def network_size(height: int, width: int, requested: int | None = None) -> int:
    """The side images are trained at: ``requested`` (must be supported), else their own side
    when square and supported, else the largest supported side not above the smaller one."""
    if requested is not None:
        if requested not in SUPPORTED_SIDES:
            raise SchemaError(f"image_size={requested!r} is not a side the networks support; use one of {list(SUPPORTED_SIDES)}")
        return int(requested)
    side = min(height, width)
    if side < MIN_SIDE:
        raise SchemaError(f"images of {height}x{width} pixels are too small for the networks (at least "
                          f"{MIN_SIDE}x{MIN_SIDE}); enlarge them first")
    if height == width and side in SUPPORTED_SIDES:
        return side
    return max(s for s in SUPPORTED_SIDES if s <= side)


def base_and_levels(side: int) -> tuple[int, int]:
    """side = base * 2**levels with base 4 or 7 (28 -> (7, 2), 32 -> (4, 3), 8 -> (4, 1))."""
    for base in (7, 4):
        levels, s = 0, side
        while s > base and s % 2 == 0:
            s //= 2
            levels += 1
        if s == base and levels >= 1:
            return base, levels
    raise SchemaError(f"image side {side} is not 4 or 7 times a power of two; use one of {list(SUPPORTED_SIDES)}")


__all__ = ["to_tensor", "to_uint8", "network_size", "base_and_levels", "SUPPORTED_SIDES"]
