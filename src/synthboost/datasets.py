"""Datasets: scikit-learn's built-ins (always there) and real datasets from a data directory.

``load(name)`` returns ``(df, target)`` for tables: a DataFrame and the name of its
class column (None for unlabelled data such as the chickenpox series). Image sets
return ``(images, labels)``: a uint8 array (N, 28, 28) and an int64 array (N,).

The data directory is the ``data_dir`` argument, else the ``SYNTHBOOST_DATA``
environment variable, else ``../shared/data`` next to the working directory.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .errors import DataFileError, ParameterError


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    description: str
    source: str  # "sklearn" or a file name in the data directory
    target: str | None


def _sklearn_loader(fn_name: str, target: str = "target") -> Callable[[], tuple[pd.DataFrame, str]]:
    def load() -> tuple[pd.DataFrame, str]:
        import sklearn.datasets as skd

        bunch = getattr(skd, fn_name)(as_frame=True)
        df = bunch.frame.copy()
        names = getattr(bunch, "target_names", None)
        if names is not None and len(names) and df[target].dtype.kind in "iu":
            df[target] = np.asarray(names, dtype=object)[df[target].to_numpy()]
            df[target] = df[target].astype(str)
        return df, target

    return load


BUILTIN = {
    "breast_cancer": (
        DatasetInfo("breast_cancer", "Wisconsin breast cancer, 569 rows, 30 numeric features", "sklearn", "target"),
        _sklearn_loader("load_breast_cancer"),
    ),
    "iris": (DatasetInfo("iris", "Iris flowers, 150 rows, 4 numeric features, 3 classes", "sklearn", "target"), _sklearn_loader("load_iris")),
    "wine": (DatasetInfo("wine", "Wine cultivars, 178 rows, 13 numeric features, 3 classes", "sklearn", "target"), _sklearn_loader("load_wine")),
}

FILES = {
    "german_credit": DatasetInfo(
        "german_credit", "Statlog German credit, 1000 rows, 7 numeric + 13 categorical", "german_credit.csv", "class"
    ),
    "pima_diabetes": DatasetInfo("pima_diabetes", "Pima Indians diabetes, 768 rows, 8 numeric", "pima_diabetes.csv", "Outcome"),
    "titanic": DatasetInfo(
        "titanic",
        "Titanic passengers, 891 rows, mixed with missing values (identifier columns dropped)",
        "titanic.csv",
        "Survived",
    ),
    "adult": DatasetInfo("adult", "Adult census income, 32561 rows, mixed, '?' as missing", "adult.csv", "income"),
    "adult_test": DatasetInfo("adult_test", "Adult census income test split, 16281 rows", "adult_test.csv", "income"),
    "hungary_chickenpox": DatasetInfo(
        "hungary_chickenpox", "Weekly chickenpox cases in 20 Hungarian counties, 522 weeks", "hungary_chickenpox.csv", None
    ),
    "mnist": DatasetInfo("mnist", "MNIST digits 28x28 (split='train' or 'test')", "mnist", "label"),
    "fashion_mnist": DatasetInfo("fashion_mnist", "Fashion-MNIST 28x28 (split='train' or 'test')", "fashion_mnist", "label"),
}


def resolve_data_dir(path: str | os.PathLike | None = None) -> Path:
    if path is not None:
        return Path(path)
    env = os.environ.get("SYNTHBOOST_DATA")
    if env:
        return Path(env)
    return Path.cwd().parent / "shared" / "data"


def available() -> list[DatasetInfo]:
    return [info for info, _ in BUILTIN.values()] + list(FILES.values())


def _require(path: Path, name: str) -> Path:
    if not path.exists():
        raise DataFileError(
            f"dataset {name!r} expects the file {str(path)!r}, which is absent; "
            "set SYNTHBOOST_DATA (or pass data_dir=) to the folder holding it"
        )
    return path


def _read_idx(path: Path) -> np.ndarray:
    try:
        with gzip.open(path, "rb") as fh:
            raw = fh.read()
        ndim = raw[3]
        dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    except (OSError, EOFError, IndexError, ValueError) as e:
        raise DataFileError(f"{str(path)!r} is not a gzipped IDX file ({type(e).__name__}: {e}); "
                            "replace it with the original download") from None


def load(name: str, data_dir: str | os.PathLike | None = None, *, split: str = "train"):
    """Load a dataset by name; see :func:`available` for the names."""
    root = resolve_data_dir(data_dir)
    if name in BUILTIN:
        return BUILTIN[name][1]()
    if name not in FILES:
        known = sorted(BUILTIN) + sorted(FILES)
        raise ParameterError(f"unknown dataset {name!r}; known datasets are {known}")
    info = FILES[name]
    if name in ("mnist", "fashion_mnist"):
        if split not in ("train", "test"):
            raise ParameterError(f"split={split!r} must be 'train' or 'test'")
        prefix = "train" if split == "train" else "t10k"
        images = _read_idx(_require(root / info.source / f"{prefix}-images-idx3-ubyte.gz", name))
        labels = _read_idx(_require(root / info.source / f"{prefix}-labels-idx1-ubyte.gz", name))
        return images, labels.astype(np.int64)
    path = _require(root / info.source, name)
    try:
        if name.startswith("adult"):
            df = pd.read_csv(path, na_values=["?"], skipinitialspace=True)
        else:
            df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise DataFileError(f"{str(path)!r} cannot be read as the {name} CSV ({type(e).__name__}: {e}); "
                            "replace it with the original file") from None
    if name == "titanic":
        # identifiers and free text carry no learnable distribution
        df = df.drop(columns=["PassengerId", "Name", "Ticket", "Cabin"])
    if name == "hungary_chickenpox":
        df["Date"] = pd.to_datetime(df["Date"], dayfirst=True)
    return df, info.target
