"""Pure torch building blocks: networks, objectives and stabilizers."""

from .blocks import DenseDiscriminator, DenseGenerator, default_hidden_dims, init_weights, set_rng
from .objectives import OBJECTIVES, Objective, get_objective

__all__ = [
    "DenseGenerator",
    "DenseDiscriminator",
    "default_hidden_dims",
    "init_weights",
    "set_rng",
    "OBJECTIVES",
    "Objective",
    "get_objective",
]
