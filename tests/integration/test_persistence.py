"""Model directories are written whole and loaded by the class their file names."""

import pandas as pd
import pytest

import synthboost
from synthboost import ModelFileError, OutputError, TabularGAN
from synthboost.io import META_FILE, WEIGHTS_FILE


def test_an_interrupted_save_leaves_the_previous_model_whole(german, fast, tmp_path, monkeypatch):
    import safetensors.torch

    d = tmp_path / "model"
    old = TabularGAN(**fast).fit(german.head(100), target="class")
    old.save(d)
    before = {f: (d / f).read_bytes() for f in (WEIGHTS_FILE, META_FILE)}
    new = TabularGAN(**{**fast, "random_state": 1}).fit(german.head(100))

    def broken(tensors, path, *a, **k):  # the weights are written, then the process dies
        open(path, "wb").write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(safetensors.torch, "save_file", broken)
    with pytest.raises(KeyboardInterrupt):
        new.save(d)
    assert {f: (d / f).read_bytes() for f in (WEIGHTS_FILE, META_FILE)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary directory left behind
    monkeypatch.undo()
    new.save(d)  # a finished save replaces the directory as a whole
    pd.testing.assert_frame_equal(TabularGAN.load(d).sample(20, random_state=0), new.sample(20, random_state=0))


def test_a_folder_with_other_files_is_not_replaced(german, fast, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    gan = TabularGAN(**fast).fit(german.head(100))
    with pytest.raises(OutputError, match="not a synthboost model"):
        gan.save(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_load_picks_the_class_from_the_file(german, fast, tmp_path):
    from sklearn.linear_model import LogisticRegression

    TabularGAN(**fast).fit(german.head(100), target="class").save(tmp_path / "t")
    X = german.head(100)[["duration", "age"]]
    clf = LogisticRegression().fit(X, german.head(100)["class"])
    synthboost.ConfidenceGAN(clf, **fast, calibration_rows=100).fit(X).save(tmp_path / "c")
    assert type(synthboost.load(tmp_path / "t")) is TabularGAN
    assert type(synthboost.load(tmp_path / "c")) is synthboost.ConfidenceGAN
    assert type(TabularGAN.load(tmp_path / "c")) is synthboost.ConfidenceGAN  # a subclass loads through its base
    with pytest.raises(ModelFileError, match="'TabularGAN' model, not a ConfidenceGAN"):
        synthboost.ConfidenceGAN.load(tmp_path / "t")
