"""Errors raised by synthboost.

Every bad input ends in a :class:`SynthboostError` subclass whose message names
the column, file or parameter at fault and says what to do about it.
"""

from __future__ import annotations


class SynthboostError(Exception):
    """Base class of every error synthboost raises on purpose."""


class SchemaError(SynthboostError, ValueError):
    """The table cannot be modelled as given (empty, constant, infinite, ...)."""


class ParameterError(SynthboostError, ValueError):
    """A constructor or method argument is out of its allowed range."""


class ConditionError(SynthboostError, ValueError):
    """A sampling condition names an unknown column or an unseen value."""


class DataFileError(SynthboostError, OSError):
    """A data file is missing, unreadable or malformed."""


class ModelFileError(SynthboostError, OSError):
    """A model directory is missing, corrupted or not a synthboost model."""


class OutputError(SynthboostError, OSError):
    """An output path cannot be written."""


class TrainingDivergedError(SynthboostError, RuntimeError):
    """Training produced non-finite losses and could not recover."""


try:  # sklearn's NotFittedError lets `sklearn.utils.validation` idioms work too
    from sklearn.exceptions import NotFittedError as _SkNotFitted
except ImportError:  # pragma: no cover - sklearn is a hard dependency
    _SkNotFitted = ValueError


class NotFittedError(SynthboostError, _SkNotFitted):
    """A method that needs a fitted model was called before ``fit``."""


__all__ = [
    "SynthboostError",
    "SchemaError",
    "ParameterError",
    "ConditionError",
    "DataFileError",
    "ModelFileError",
    "OutputError",
    "TrainingDivergedError",
    "NotFittedError",
]
