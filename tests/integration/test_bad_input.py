"""Every bad input gets a SynthboostError subclass naming the problem, and nothing half-written."""

import os

import numpy as np
import pandas as pd
import pytest

from synthboost import (
    ConditionError,
    DataFileError,
    OutputError,
    ParameterError,
    SchemaError,
    SynthboostError,
    TabularGAN,
)
from synthboost.io import read_table, write_table


@pytest.mark.parametrize(
    "df, kwargs, error, match",
    [
        (pd.DataFrame({"a": []}), {}, SchemaError, "empty"),
        (pd.DataFrame({"a": [1.0]}), {}, SchemaError, "single row"),
        (pd.DataFrame(), {}, SchemaError, "no columns"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [np.nan] * 3}), {}, SchemaError, "'b'.*all NaN"),
        (pd.DataFrame({"a": [1.0, np.inf, 3.0]}), {}, SchemaError, "'a'.*infinite"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0]}), {"target": "y"}, SchemaError, "target column 'y'"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": ["k"] * 3}), {"target": "y"}, SchemaError, "single class"),
        (pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": ["k", None, "j"]}), {"target": "y"}, SchemaError, "missing"),
        (pd.DataFrame({"y": [0, 1, 1]}), {"target": "y"}, SchemaError, "no column besides the target"),
        ("not a frame", {}, SchemaError, "DataFrame"),
    ],
)
def test_bad_tables(df, kwargs, error, match):
    with pytest.raises(error, match=match):
        TabularGAN(epochs=1, verbose=False).fit(df, **kwargs)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"objective": "lsgan"}, "objective"),
        ({"continuous_encoding": "zscore"}, "continuous_encoding"),
        ({"pac": 0}, "pac"),
        ({"label_smoothing": 0.3}, "label_smoothing"),
        ({"lr_schedule": "cosine"}, "lr_schedule"),
        ({"hidden_dims": (0, 4)}, "hidden_dims"),
        ({"epochs": -1}, "epochs"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_bad_parameters(german, params, match):
    with pytest.raises(ParameterError, match=match):
        TabularGAN(verbose=False, **{"epochs": 1, **params}).fit(german.head(50))


def test_bad_conditions(german, fast):
    gan = TabularGAN(**fast).fit(german.head(200), target="class")
    with pytest.raises(ConditionError, match="'ugly'.*never seen.*known values"):
        gan.sample(5, conditions={"class": "ugly"})
    with pytest.raises(ConditionError, match="purpose"):
        gan.sample(5, conditions={"purpose": "radio/tv"})
    with pytest.raises(ParameterError, match="n="):
        gan.sample(-3)
    plain = TabularGAN(**fast).fit(german.head(100))
    with pytest.raises(ConditionError, match="fit with target="):
        plain.sample(5, conditions={"class": "bad"})


def test_data_files(tmp_path):
    with pytest.raises(DataFileError, match="does not exist"):
        read_table(tmp_path / "none.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_text("this is not parquet")
    with pytest.raises(DataFileError, match="bad.parquet"):
        read_table(bad)
    arff = tmp_path / "bad.arff"
    arff.write_text("@relation x\n@attribute a numeric\n@data\n1,2,3\n")
    with pytest.raises(DataFileError, match="ARFF"):
        read_table(arff)
    with pytest.raises(DataFileError, match="directory"):
        read_table(tmp_path)


def test_real_formats_read(tmp_path):
    from conftest import need_data

    arff = read_table(need_data("german_credit.arff"))
    csv = read_table(need_data("german_credit.csv"))
    assert arff.shape == csv.shape == (1000, 21)
    assert (arff["credit_amount"] == csv["credit_amount"]).all() and arff["credit_amount"].dtype == "int64"
    write_table(csv, tmp_path / "g.parquet")
    pd.testing.assert_frame_equal(read_table(tmp_path / "g.parquet"), csv)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_nonroot(tmp_path):  # pragma: no cover - CI runs as root
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    with pytest.raises(OutputError):
        write_table(pd.DataFrame({"a": [1]}), ro / "x.csv")


def test_unwritable_output_and_atomicity(tmp_path, german, fast):
    # a path under a regular file can never be created, even by root
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        write_table(pd.DataFrame({"a": [1]}), blocker / "out.csv")
    gan = TabularGAN(**fast).fit(german.head(100))
    with pytest.raises(OutputError, match="not a directory"):
        gan.save(blocker)
    # a failing write leaves the previous file whole and no temp files behind
    target = tmp_path / "keep.csv"
    write_table(pd.DataFrame({"a": [1, 2]}), target)
    before = target.read_bytes()

    class Boom(pd.DataFrame):
        def to_csv(self, *a, **k):
            with open(a[0], "w") as fh:
                fh.write("half")
            raise OSError("disk full")

    with pytest.raises(OutputError):
        write_table(Boom({"a": [3]}), target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "keep.csv"]


def test_every_error_is_a_synthboost_error():
    for cls in (SchemaError, ParameterError, ConditionError, DataFileError, OutputError):
        assert issubclass(cls, SynthboostError)
