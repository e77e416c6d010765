"""Synthesizers: scikit-learn style estimators with fit / sample / save / load."""

from pathlib import Path

from ..base import BaseSynthesizer
from .confidence import ConfidenceGAN
from .image import ImageGAN
from .madgan import MADGAN
from .tabular import TabularGAN
from .timeseries import TimeSeriesGAN


def load(directory: str | Path, *, device: str | None = None) -> BaseSynthesizer:
    """Load any saved synthesizer; the class comes from the model file (never from code in it)."""
    return BaseSynthesizer.load(directory, device=device)


__all__ = ["ConfidenceGAN", "ImageGAN", "MADGAN", "TabularGAN", "TimeSeriesGAN", "load"]
