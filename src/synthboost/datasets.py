"""Datasets: scikit-learn's built-ins (always there) and real datasets from a data directory.

``load(name)`` returns a typed result: :class:`~synthboost.containers.TableData` for tables
(a named tuple ``(frame, target)``, so ``df, target = load("german_credit")`` works),
:class:`~synthboost.containers.ImageData` for images (uint8 (N, H, W, C), labels, class names)
and :class:`~synthboost.containers.SeriesData` for series (values (T, F) with timestamps, or
windows (N, T, F) such as the generated ``sines``).
Each :class:`DatasetInfo` says its ``kind`` ("table", "images" or "series") and carries its loader, so
callers branch on the kind, never on the name.

The data directory is the ``data_dir`` argument, else the ``SYNTHBOOST_DATA`` environment
variable, else ``../shared/data`` next to the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .containers import ImageData, SeriesData, TableData
from .errors import DataFileError, ParameterError

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
#: fruit photos are 100x100; networks train on them at this size
FRUIT_SIZE = 64


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    kind: str  # "table", "images" or "series"
    description: str
    source: str  # "sklearn", "generated" or a path (file or folder) in the data directory
    target: str | None
    loader: Callable[..., TableData | ImageData | SeriesData]
    #: splits the loader knows ("train" / "test"); empty: one set (the experiments split it)
    splits: tuple[str, ...] = ()


# -- loaders --------------------------------------------------------------------------------
def _sklearn_table(fn_name: str, target: str = "target") -> Callable[..., TableData]:
    def load(root: Path, split: str | None, **kw) -> TableData:
        import sklearn.datasets as skd

        bunch = getattr(skd, fn_name)(as_frame=True)
        df = bunch.frame.copy()
        names = getattr(bunch, "target_names", None)
        if names is not None and len(names) and df[target].dtype.kind in "iu":
            df[target] = np.asarray(names, dtype=object)[df[target].to_numpy()]
            df[target] = df[target].astype(str)
        return TableData(df, target)

    return load


def _digits(root: Path, split: str | None, **kw) -> ImageData:
    """scikit-learn's 8x8 digits (values 0-16) as uint8 images, scaled to 0-255."""
    from sklearn.datasets import load_digits

    d = load_digits()
    images = np.round(d.images * (255.0 / 16.0)).astype(np.uint8)  # (1797, 8, 8)
    return ImageData(images, d.target.astype(np.int64), [str(i) for i in range(10)])


def _csv(file: str, target: str | None, prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None, **read_kw):
    def load(root: Path, split: str | None, **kw) -> TableData:
        path = _require(root / file, name_of(file))
        try:
            df = pd.read_csv(path, **read_kw)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
            raise DataFileError(f"{str(path)!r} cannot be read as the {name_of(file)} CSV ({type(e).__name__}: {e}); "
                                "replace it with the original file") from None
        return TableData(prepare(df) if prepare else df, target)

    return load


def name_of(file: str) -> str:
    return next((n for n, i in DATASETS.items() if i.source == file), file)


def _idx(folder: str, classes: list[str] | None = None):
    def load(root: Path, split: str | None, **kw) -> ImageData:
        from .io.images import read_idx_pair

        prefix = {"train": "train", "test": "t10k"}[split]
        name = name_of(folder)
        images = _require(root / folder / f"{prefix}-images-idx3-ubyte.gz", name)
        labels = _require(root / folder / f"{prefix}-labels-idx1-ubyte.gz", name)
        return read_idx_pair(images, labels, classes or [str(i) for i in range(10)])

    return load


def _cifar(root: Path, split: str | None, **kw) -> ImageData:
    from .io.images import read_cifar_binary

    file = {"train": "data_batch_1_first4000.bin", "test": "test_batch_first1000.bin"}[split]
    return read_cifar_binary(_require(root / "cifar10" / file, "cifar10"))


def _fruits(root: Path, split: str | None, size: int | None = FRUIT_SIZE, **kw) -> ImageData:
    from .io.images import read_image_folder

    return read_image_folder(_require(root / "fruits360_10" / split, "fruits360_10"), size=size)


def _titanic(df: pd.DataFrame) -> pd.DataFrame:
    # identifiers and free text carry no learnable distribution
    return df.drop(columns=["PassengerId", "Name", "Ticket", "Cabin"])


def _chickenpox(root: Path, split: str | None, **kw) -> SeriesData:
    from .data.sequences import from_frame

    df = pd.read_csv(_require(root / "hungary_chickenpox.csv", "hungary_chickenpox"), encoding="utf-8-sig")
    df["Date"] = pd.to_datetime(df["Date"], format="%d/%m/%Y")
    return from_frame(df, "Date")


def _stocks(root: Path, split: str | None, **kw) -> SeriesData:
    from .data.sequences import from_frame

    df = pd.read_csv(_require(root / "stock_data.csv", "stock_data"))
    # the file is in time order: its first row is the 2004 IPO day (open 49.68 split-adjusted, 45 M shares);
    # TimeGAN's loader reverses it, which runs every window backwards in time
    return from_frame(df)


def _sines(root: Path, split: str | None, n: int = 10_000, length: int = 24, seed: int = 0, **kw) -> SeriesData:
    from .data.sequences import sines

    return SeriesData(sines(n, length, 5, seed), [f"sine_{i}" for i in range(5)])


_TRAIN_TEST = ("train", "test")
DATASETS: dict[str, DatasetInfo] = {i.name: i for i in (
    DatasetInfo("breast_cancer", "table", "Wisconsin breast cancer, 569 rows, 30 numeric features", "sklearn", "target",
                _sklearn_table("load_breast_cancer")),
    DatasetInfo("iris", "table", "Iris flowers, 150 rows, 4 numeric features, 3 classes", "sklearn", "target",
                _sklearn_table("load_iris")),
    DatasetInfo("wine", "table", "Wine cultivars, 178 rows, 13 numeric features, 3 classes", "sklearn", "target",
                _sklearn_table("load_wine")),
    DatasetInfo("digits", "images", "Handwritten digits 8x8 grey, 1797 images, 10 classes (ships with scikit-learn)",
                "sklearn", "label", _digits),
    DatasetInfo("german_credit", "table", "Statlog German credit, 1000 rows, 7 numeric + 13 categorical",
                "german_credit.csv", "class", _csv("german_credit.csv", "class")),
    DatasetInfo("pima_diabetes", "table", "Pima Indians diabetes, 768 rows, 8 numeric", "pima_diabetes.csv", "Outcome",
                _csv("pima_diabetes.csv", "Outcome")),
    DatasetInfo("titanic", "table", "Titanic passengers, 891 rows, mixed with missing values (identifier columns dropped)",
                "titanic.csv", "Survived", _csv("titanic.csv", "Survived", _titanic)),
    DatasetInfo("adult", "table", "Adult census income, 32561 rows, mixed, '?' as missing", "adult.csv", "income",
                _csv("adult.csv", "income", na_values=["?"], skipinitialspace=True)),
    DatasetInfo("adult_test", "table", "Adult census income test split, 16281 rows", "adult_test.csv", "income",
                _csv("adult_test.csv", "income", na_values=["?"], skipinitialspace=True)),
    DatasetInfo("hungary_chickenpox", "series", "Weekly chickenpox cases in 20 Hungarian counties, 522 weeks",
                "hungary_chickenpox.csv", None, _chickenpox),
    DatasetInfo("stock_data", "series", "Daily Google stock prices from the 2004 IPO, 3685 days x 6 columns (TimeGAN's Stocks)",
                "stock_data.csv", None, _stocks),
    DatasetInfo("sines", "series", "TimeGAN's sines: 10000 windows of 24 steps x 5 features (generated)", "generated",
                None, _sines),
    DatasetInfo("mnist", "images", "MNIST digits 28x28 grey, 60000 train / 10000 test", "mnist", "label", _idx("mnist"),
                _TRAIN_TEST),
    DatasetInfo("fashion_mnist", "images", "Fashion-MNIST 28x28 grey, 60000 train / 10000 test", "fashion_mnist", "label",
                _idx("fashion_mnist", FASHION_CLASSES), _TRAIN_TEST),
    DatasetInfo("cifar10", "images", "CIFAR-10 32x32 colour, partial: 4000 train / 1000 test", "cifar10", "label",
                _cifar, _TRAIN_TEST),
    DatasetInfo("fruits360_10", "images", f"Fruits-360, 10 classes, 60 train / 30 test per class, 100x100 colour "
                f"(read at {FRUIT_SIZE}x{FRUIT_SIZE})", "fruits360_10", "label", _fruits, _TRAIN_TEST),
)}
#: the embedded default of the image commands (ships with scikit-learn, no data directory needed)
DEFAULT_IMAGES = "digits"


def resolve_data_dir(path: str | os.PathLike | None = None) -> Path:
    if path is not None:
        return Path(path)
    env = os.environ.get("SYNTHBOOST_DATA")
    if env:
        return Path(env)
    return Path.cwd().parent / "shared" / "data"


def available() -> list[DatasetInfo]:
    return list(DATASETS.values())


def info(name: str) -> DatasetInfo:
    if name not in DATASETS:
        raise ParameterError(f"unknown dataset {name!r}; known datasets are {sorted(DATASETS)}")
    return DATASETS[name]


def _require(path: Path, name: str) -> Path:
    if not path.exists():
        raise DataFileError(
            f"dataset {name!r} expects {str(path)!r}, which is absent; "
            "set SYNTHBOOST_DATA (or pass data_dir=) to the folder holding it"
        )
    return path


def load(name: str, data_dir: str | os.PathLike | None = None, *, split: str | None = None, **kwargs) -> TableData | ImageData | SeriesData:
    """Load a dataset by name (see :func:`available`).

    ``split`` ("train" or "test") for datasets that come split (mnist, fashion_mnist, cifar10,
    fruits360_10; default "train"); ``size=`` resizes fruits360_10 (default 64, None: 100).
    """
    i = info(name)
    if i.splits:
        split = split or "train"
        if split not in i.splits:
            raise ParameterError(f"split={split!r} must be one of {list(i.splits)} for {name!r}")
    elif split not in (None, "train"):
        raise ParameterError(f"{name!r} comes as one set (split=None); the experiments split it by seed")
    return i.loader(resolve_data_dir(data_dir), split, **kwargs)


__all__ = ["DatasetInfo", "DATASETS", "available", "info", "load", "resolve_data_dir", "DEFAULT_IMAGES"]
