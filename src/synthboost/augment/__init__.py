"""Leakage-safe augmenters: samplers that add synthetic data to exactly the data they are given.

``tabular``: imbalanced-learn style samplers for tables (GANResampler, enhance, the shared base);
``images``: the image augmenters of the image boosting experiment (GANs and classic transforms).
"""

from .tabular import (DEFAULT_RATIO_GRID, BaseAugmenter, GANResampler, check_ratio, enhance,  # noqa: F401
                      synthetic_counts)

__all__ = ["BaseAugmenter", "GANResampler", "enhance", "check_ratio", "synthetic_counts", "DEFAULT_RATIO_GRID"]
