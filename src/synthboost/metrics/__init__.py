"""Pure-function metrics on DataFrames: fidelity, utility, privacy and diagnostics."""

from .diagnostics import embed_2d
from .encoding import RowEncoder
from .fidelity import (
    association_difference,
    association_matrix,
    column_shape_similarity,
    column_shapes,
    detection_auc,
    fidelity_summary,
)
from .privacy import distance_to_closest_record, exact_copy_share, nearest_real_rows, privacy_summary
from .utility import tstr_auc, tstr_trtr

__all__ = [
    "RowEncoder",
    "column_shapes",
    "column_shape_similarity",
    "association_matrix",
    "association_difference",
    "detection_auc",
    "fidelity_summary",
    "tstr_auc",
    "tstr_trtr",
    "distance_to_closest_record",
    "exact_copy_share",
    "privacy_summary",
    "nearest_real_rows",
    "embed_2d",
]
