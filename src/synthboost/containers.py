"""Typed results of the loaders: what ``datasets.load`` and the file readers return.

- :class:`TableData`: a DataFrame and the name of its class column (None for unlabelled
  tables). A named tuple, so ``df, target = datasets.load("german_credit")`` still works.
- :class:`ImageData`: uint8 images (N, H, W, C), integer labels (N,) indexing ``class_names``
  (or None for unlabelled images).
- :class:`SeriesData`: a multivariate series, float values (T, F) in time order with their
  timestamps and inferred step, or a set of independent windows (N, T, F) (e.g. ``sines``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd

from .errors import SchemaError


class TableData(NamedTuple):
    frame: pd.DataFrame
    target: str | None


@dataclass
class ImageData:
    """Images uint8 (N, H, W, C) with labels (N,) into ``class_names``; (N, H, W) is read as grey."""

    images: np.ndarray
    labels: np.ndarray | None = None
    class_names: list[str] = field(default_factory=list)

    def __post_init__(self):
        x = np.asarray(self.images)
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4 or x.shape[-1] not in (1, 3):
            raise SchemaError(f"images must be an array (N, H, W) or (N, H, W, C) with 1 or 3 channels; got shape {x.shape}")
        if x.dtype != np.uint8:
            if not np.issubdtype(x.dtype, np.integer) or x.size and (x.min() < 0 or x.max() > 255):
                raise SchemaError(f"images must be uint8 (0-255); got {x.dtype} values"
                                  f"{'' if not x.size else f' from {x.min()} to {x.max()}'} (scale them to 0-255 first)")
            x = x.astype(np.uint8)
        self.images = x
        if self.labels is not None:
            y = np.asarray(self.labels)
            if y.ndim != 1 or len(y) != len(x):
                raise SchemaError(f"labels must hold one label per image ({len(x)} images); got shape {y.shape}")
            if not np.issubdtype(y.dtype, np.integer):  # names given: codes by sorted name
                names = sorted({str(v) for v in y})
                index = {n: i for i, n in enumerate(names)}
                y = np.array([index[str(v)] for v in y], dtype=np.int64)
                self.class_names = self.class_names or names
            y = y.astype(np.int64)
            if len(y) and y.min() < 0:
                raise SchemaError("labels must be non-negative class indices (or class names)")
            if not self.class_names and len(y) and np.array_equal(np.unique(y), np.arange(int(y.max()) + 1)):
                self.class_names = [str(i) for i in range(int(y.max()) + 1)]
            elif not self.class_names:  # e.g. 1..K: the classes are the values given, codes in their order
                values = np.unique(y)
                self.class_names = [str(v) for v in values]
                y = np.searchsorted(values, y)
            if len(y) and y.max() >= len(self.class_names):
                raise SchemaError(f"label {int(y.max())} has no name: class_names holds {len(self.class_names)}")
            self.labels = y
        self.class_names = [str(c) for c in self.class_names]

    # -- shape ------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def shape(self) -> tuple[int, int, int]:
        """(H, W, C) of one image."""
        return tuple(int(v) for v in self.images.shape[1:])  # type: ignore[return-value]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def label_names(self) -> np.ndarray | None:
        """The class name of every image (N,), or None without labels."""
        return None if self.labels is None else np.asarray(self.class_names, dtype=object)[self.labels]

    def counts(self) -> dict[str, int]:
        if self.labels is None:
            return {}
        c = np.bincount(self.labels, minlength=self.n_classes)
        return dict(zip(self.class_names, c.tolist()))

    def subset(self, index: Sequence[int] | np.ndarray) -> "ImageData":
        idx = np.asarray(index)
        return ImageData(self.images[idx], None if self.labels is None else self.labels[idx], list(self.class_names))

    def concat(self, other: "ImageData") -> "ImageData":
        if other.shape != self.shape:
            raise SchemaError(f"cannot join images of shape {other.shape} to images of shape {self.shape}")
        if (self.labels is None) != (other.labels is None) or (self.labels is not None and other.class_names != self.class_names):
            raise SchemaError("cannot join image sets with different classes")
        labels = None if self.labels is None else np.concatenate([self.labels, other.labels])
        return ImageData(np.concatenate([self.images, other.images]), labels, list(self.class_names))

    def code_of(self, label: Any) -> int:
        """The class index of a label: an int is an index (as in ``labels``), a str a name as in the data.
        (With classes named "1", "2", "3", the int 1 is the second class and "1" the first.)"""
        from .errors import ConditionError

        names = self.class_names
        if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
            if 0 <= int(label) < len(names):
                return int(label)
            raise ConditionError(f"label index {int(label)} is out of range: {len(names)} classes {names} "
                                 f"(give a class name as a string, or an index from 0 to {len(names) - 1})")
        if str(label) in names:
            return names.index(str(label))
        raise ConditionError(f"label {label!r} is not a class of this data; classes are {names}")

    def save_grid(self, path, **kwargs):
        """A PNG grid of the images, one row per class (see :func:`synthboost.io.images.save_grid`)."""
        from .io.images import save_grid

        return save_grid(self, path, **kwargs)


@dataclass
class SeriesData:
    """A multivariate series ``values`` (T, F) in time order, or independent windows (N, T, F).

    ``columns`` name the F features; ``times`` (T,) are the timestamps of a series (None for
    windows, or for a series without a time column); ``step`` the inferred step (a
    ``pandas`` offset alias such as "D", "W-MON", "MS", or None); ``mask`` (same shape as
    ``values``) is True where a value was observed, or None when every value was; ``notes``
    say what reading the data changed (e.g. filled steps), one line each."""

    values: np.ndarray
    columns: list[str]
    times: pd.DatetimeIndex | None = None
    step: str | None = None
    time_column: str | None = None
    mask: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        v = np.asarray(self.values, dtype=np.float64)
        if v.ndim == 1:
            v = v[:, None]
        if v.ndim not in (2, 3):
            raise SchemaError(f"series values must be (T, F) or windows (N, T, F); got shape {v.shape}")
        self.values = v
        self.columns = [str(c) for c in (self.columns or range(v.shape[-1]))]
        if len(self.columns) != v.shape[-1]:
            raise SchemaError(f"{len(self.columns)} column names for {v.shape[-1]} features")
        if self.times is not None:
            if v.ndim != 2 or len(self.times) != len(v):
                raise SchemaError(f"{len(self.times)} timestamps for a series of {len(v)} steps")
            self.times = pd.DatetimeIndex(self.times)
        if self.mask is not None and np.shape(self.mask) != v.shape:
            raise SchemaError(f"mask of shape {np.shape(self.mask)} for values of shape {v.shape}")

    @property
    def is_windows(self) -> bool:
        return self.values.ndim == 3

    @property
    def n_features(self) -> int:
        return int(self.values.shape[-1])

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def frame(self) -> pd.DataFrame:
        """The series as a table: the time column (when there is one) and the value columns."""
        if self.is_windows:
            raise SchemaError("windows have no single table form; use their values (N, T, F)")
        df = pd.DataFrame(self.values, columns=self.columns)
        if self.times is not None:
            df.insert(0, self.time_column or "time", self.times)
        return df


__all__ = ["TableData", "ImageData", "SeriesData"]
