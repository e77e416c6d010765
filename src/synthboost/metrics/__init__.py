"""Pure-function metrics on DataFrames: fidelity and utility."""

from .fidelity import column_shape_similarity, column_shapes
from .utility import tstr_auc

__all__ = ["column_shapes", "column_shape_similarity", "tstr_auc"]
