"""synthboost: GANs for small datasets, and an honest answer to "does synthetic data boost my model?"."""

from .errors import (
    ConditionError,
    DataFileError,
    ModelFileError,
    NotFittedError,
    OutputError,
    ParameterError,
    SchemaError,
    SynthboostError,
    TrainingDivergedError,
)
from .augment import GANResampler, enhance
from .containers import ImageData, SeriesData, TableData
from .synthesizers import MADGAN, ConfidenceGAN, ImageGAN, TabularGAN, TimeSeriesGAN, load

__version__ = "0.1.0"

__all__ = [
    "ConfidenceGAN",
    "ImageGAN",
    "MADGAN",
    "ImageData",
    "TableData",
    "TabularGAN",
    "TimeSeriesGAN",
    "SeriesData",
    "GANResampler",
    "enhance",
    "load",
    "SynthboostError",
    "SchemaError",
    "ParameterError",
    "ConditionError",
    "DataFileError",
    "ModelFileError",
    "NotFittedError",
    "OutputError",
    "TrainingDivergedError",
    "__version__",
]
