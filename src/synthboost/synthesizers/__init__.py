"""Synthesizers: scikit-learn style estimators with fit / sample / save / load."""

from .tabular import TabularGAN

__all__ = ["TabularGAN"]
