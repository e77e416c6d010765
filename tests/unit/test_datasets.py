import numpy as np
import pytest

from synthboost import DataFileError, ParameterError, datasets
from synthboost.errors import SchemaError


def test_builtin_dataset_always_available():
    df, target = datasets.load("breast_cancer")
    assert df.shape == (569, 31) and set(df[target]) == {"malignant", "benign"}


def test_real_datasets_from_data_dir():
    from conftest import DATA, need_data

    need_data("german_credit.csv")
    df, target = datasets.load("german_credit", DATA)
    assert df.shape == (1000, 21) and target == "class"
    df, target = datasets.load("adult", DATA)
    assert df["workclass"].isna().sum() > 0 and "?" not in set(df["workclass"].dropna())
    mnist = datasets.load("mnist", DATA, split="test")
    assert mnist.images.shape == (10000, 28, 28, 1) and mnist.images.dtype == np.uint8
    assert mnist.labels[:3].tolist() == [7, 2, 1] and datasets.info("mnist").kind == "images"


def test_missing_file_names_the_expected_path(tmp_path):
    with pytest.raises(DataFileError, match="german_credit.csv.*SYNTHBOOST_DATA"):
        datasets.load("german_credit", tmp_path)
    with pytest.raises(ParameterError, match="unknown dataset"):
        datasets.load("nope")


def test_metrics_on_identical_and_shifted_data():
    from synthboost.metrics import column_shape_similarity, column_shapes, tstr_auc

    df, target = datasets.load("breast_cancer")
    assert column_shape_similarity(df, df) == pytest.approx(1.0)
    shifted = df.copy()
    shifted["mean radius"] += 100
    shapes = column_shapes(df, shifted).set_index("column")["score"]
    assert shapes["mean radius"] == 0.0 and shapes["mean texture"] == 1.0
    assert tstr_auc(df.iloc[::2], df.iloc[1::2], target) > 0.9
    with pytest.raises(SchemaError):
        column_shapes(df, df.drop(columns=["mean radius"]))
