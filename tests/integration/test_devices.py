"""Devices: training and sampling on CUDA where present; models move between devices."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from synthboost import ConfidenceGAN, TabularGAN

FAST = dict(epochs=2, batch_size=64, verbose=False, random_state=0)
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "u": rng.uniform(0, 5, n), "k": rng.choice(["a", "b", "c"], n),
                         "y": np.where(x + rng.normal(0, 0.5, n) > 0, "yes", "no")})


@cuda
def test_tabular_gan_trains_samples_and_moves_between_devices_on_cuda(table, tmp_path):
    gan = TabularGAN(device="cuda", **FAST).fit(table, target="y")
    assert next(gan.generator_.parameters()).is_cuda
    assert len(gan.sample(50)) == 50 and (gan.sample(20, conditions={"y": "yes"})["y"] == "yes").all()
    gan.save(tmp_path / "m")
    loaded = TabularGAN.load(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.sample(40), gan.sample(40))  # the sampling stream continues
    cpu = TabularGAN.load(tmp_path / "m", device="cpu")
    assert not next(cpu.generator_.parameters()).is_cuda and len(cpu.sample(30)) == 30


@cuda
def test_confidence_gan_trains_samples_and_moves_between_devices_on_cuda(table, tmp_path):
    X, y = table.drop(columns="y"), table["y"]
    clf = LogisticRegression().fit(X[["x", "u"]], y)
    Xn = X[["x", "u"]]
    gan = ConfidenceGAN(clf, device="cuda", calibration_rows=200, **FAST).fit(Xn)
    rows = gan.sample(60, confidence=(0.1, 0.9), return_confidence=True)  # screened by the surrogate
    assert len(rows) == 60 and rows["achieved_confidence"].between(0, 1).all()
    assert len(gan.sample(10)) == 10 and len(gan.sample(10, confidence=0.5, candidates=2)) == 10
    gan.save(tmp_path / "m")
    loaded = ConfidenceGAN.load(tmp_path / "m")
    assert next(loaded.surrogate_.parameters()).is_cuda
    pd.testing.assert_frame_equal(loaded.sample(30, confidence=0.5, random_state=1), gan.sample(30, confidence=0.5, random_state=1))
    cpu = ConfidenceGAN.load(tmp_path / "m", device="cpu")
    assert len(cpu.sample(20, confidence=0.5)) == 20


def test_a_cuda_model_loads_on_the_cpu_where_no_gpu_is_present(table, tmp_path, monkeypatch):
    gan = TabularGAN(**FAST).fit(table, target="y")
    gan.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    meta["params"]["device"] = "cuda"  # as written by a model trained on a GPU
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(UserWarning, match="no CUDA device"):
        loaded = TabularGAN.load(tmp_path / "m")
    assert loaded.device == "cpu"
    pd.testing.assert_frame_equal(loaded.sample(25, random_state=2), gan.sample(25, random_state=2))
    assert TabularGAN.load(tmp_path / "m", device="cpu").device == "cpu"


@cuda
@pytest.mark.parametrize("mode", ["conditional", "per_class"])
def test_image_gan_trains_selects_samples_and_moves_between_devices_on_cuda(mode, tmp_path):
    from synthboost import ImageGAN, datasets

    digits = datasets.load("digits").subset(np.arange(300))
    gan = ImageGAN(mode=mode, epochs=2, select_epoch="kid", select_every=1, device="cuda", verbose=False,
                   random_state=0).fit(digits)
    assert next(gan.generator_.parameters()).is_cuda and gan.selection_ is not None
    out = gan.sample(30, labels="4")
    assert out.images.shape == (30, 8, 8, 1) and (out.label_names == "4").all()
    gan.save(tmp_path / "m")
    cpu = ImageGAN.load(tmp_path / "m", device="cpu")
    assert not next(cpu.generator_.parameters()).is_cuda and len(cpu.sample(10)) == 10
