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
from .synthesizers import TabularGAN

__version__ = "0.1.0"

__all__ = [
    "TabularGAN",
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
