"""Every bad input gets a SynthboostError subclass naming the problem, and nothing half-written."""

import os

import numpy as np
import pandas as pd
import pytest

from synthboost import (
    ConditionError,
    DataFileError,
    ModelFileError,
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
        # wrong types fail in the check, not as a TypeError deep in training
        ({"dropout": "0.1"}, "dropout='0.1' must be a number in \\[0, 1\\)"),
        ({"lr": "0.001"}, "lr="),
        ({"epochs": "ten"}, "epochs='ten' must be an integer"),
        ({"noise_dim": "64"}, "noise_dim"),
        ({"gumbel_tau": None}, "gumbel_tau"),
        ({"minibatch_discrimination": None}, "minibatch_discrimination"),
        ({"batch_size": 1}, "batch_size=1 must be an integer >= 2"),  # BatchNorm needs 2 rows
        ({"device": "gpu"}, "device='gpu' is not a torch device"),
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
    with pytest.raises(ParameterError, match="conditions=1 must be a dict"):
        gan.sample(5, conditions=1)
    with pytest.raises(ParameterError, match="random_state"):
        gan.sample(5, random_state="x")
    # a numpy Generator is a valid random_state: the same stream state gives the same rows
    a = gan.sample(5, random_state=np.random.default_rng(3))
    pd.testing.assert_frame_equal(a, gan.sample(5, random_state=np.random.default_rng(3)))
    assert len(gan.sample(2, random_state=-1)) == 2  # any 64-bit seed a torch generator takes
    with pytest.raises(ParameterError, match="64-bit int"):
        gan.sample(2, random_state=2**64)
    plain = TabularGAN(**fast).fit(german.head(100))
    with pytest.raises(ConditionError, match="fit with target="):
        plain.sample(5, conditions={"class": "bad"})


def test_labels_passed_as_y(german, fast):
    X, y = german.head(60).drop(columns="class"), german.head(60)["class"]
    with pytest.raises(SchemaError, match="one label per row of X \\(60 rows\\)"):
        TabularGAN(**fast).fit(X, y=y.iloc[:30])
    # integer column names (a DataFrame made from an array), a missing value, and a label Series named 3
    rng = np.random.default_rng(0)
    arr = rng.normal(size=(40, 3))
    arr[0, 1] = np.nan
    df = pd.DataFrame(arr)
    gan = TabularGAN(**fast).fit(df, y=pd.Series(rng.choice(["u", "v"], 40), name=3))
    out = gan.sample(6, conditions={3: "v"})
    assert list(out.columns) == [0, 1, 2, 3] and (out[3] == "v").all()


def test_time_zone_aware_datetimes_come_back_in_their_zone(fast, tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=40), "ts": pd.date_range("2020-01-01", periods=40, freq="D", tz="Europe/Berlin")})
    gan = TabularGAN(**fast).fit(df)
    out = gan.sample(20)
    assert str(out["ts"].dt.tz) == "Europe/Berlin"
    assert out["ts"].between(df["ts"].min() - pd.Timedelta(days=1), df["ts"].max() + pd.Timedelta(days=1)).all()
    gan.save(tmp_path / "m")
    assert str(TabularGAN.load(tmp_path / "m").sample(3)["ts"].dt.tz) == "Europe/Berlin"


def test_model_files_that_cannot_be_saved_or_read(tmp_path, fast):
    import datetime
    import json

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=40), "d": [datetime.date(2020, 1, 1 + i % 28) for i in range(40)]})
    gan = TabularGAN(**fast).fit(df)
    with pytest.raises(SchemaError, match="cannot be saved.*date"):
        gan.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()  # nothing half-saved
    # a set of column names is a natural way to pass them; the model file stores it as a list
    ok = TabularGAN(categorical={"k"}, **fast).fit(df[["a"]].assign(k=rng.integers(0, 3, 40)))
    ok.save(tmp_path / "ok")
    assert TabularGAN.load(tmp_path / "ok").categorical == ("k",)
    meta = json.loads((tmp_path / "ok" / "model.json").read_text())
    (tmp_path / "ok" / "model.json").write_text(json.dumps(dict(meta, params=[])))
    with pytest.raises(ModelFileError, match="no parameter table"):
        TabularGAN.load(tmp_path / "ok")


def test_dataset_files_that_are_not_what_they_should_be(tmp_path):
    from synthboost import datasets

    (tmp_path / "pima_diabetes.csv").write_text("")
    with pytest.raises(DataFileError, match="cannot be read as the pima_diabetes CSV"):
        datasets.load("pima_diabetes", data_dir=tmp_path)


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
