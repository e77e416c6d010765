"""Synthesizers: scikit-learn style estimators with fit / sample / save / load."""

from .confidence import ConfidenceGAN
from .tabular import TabularGAN

__all__ = ["ConfidenceGAN", "TabularGAN"]
