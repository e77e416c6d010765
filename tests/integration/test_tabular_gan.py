import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from synthboost import ModelFileError, NotFittedError, TabularGAN


def assert_valid_rows(real: pd.DataFrame, syn: pd.DataFrame, n: int) -> None:
    assert len(syn) == n
    assert list(syn.columns) == list(real.columns)
    assert list(syn.dtypes) == list(real.dtypes)
    for c in real.columns:
        if real[c].dtype == object or pd.api.types.is_string_dtype(real[c]):
            assert set(syn[c].dropna()) <= set(real[c].dropna()), c
        else:
            assert syn[c].min() >= real[c].min() and syn[c].max() <= real[c].max(), c
        if not real[c].isna().any():
            assert not syn[c].isna().any(), c


@pytest.mark.parametrize("objective", ["bce", "wgan", "wgan-gp"])
def test_every_objective_trains_and_samples_valid_rows(german, fast, objective):
    gan = TabularGAN(**fast, objective=objective).fit(german, target="class")
    assert len(gan.history_) == 2 and np.isfinite(gan.history_["g_loss"]).all()
    assert_valid_rows(german, gan.sample(300), 300)


@pytest.mark.parametrize("encoding", ["quantile", "mode"])
def test_other_encodings_sample_valid_rows(german, fast, encoding):
    gan = TabularGAN(**fast, continuous_encoding=encoding).fit(german, target="class")
    assert_valid_rows(german, gan.sample(200), 200)


def test_all_stabilizers_together(german, fast):
    gan = TabularGAN(
        **fast,
        label_smoothing=0.9,
        label_flip=0.05,
        instance_noise=0.3,
        minibatch_discrimination=8,
        minibatch_kernel_dim=4,
        pac=4,
        lr_schedule="onecycle",
    ).fit(german, target="class")
    assert gan.training_config_.batch_size % 4 == 0
    assert gan.history_["lr_g"].iloc[0] < gan.history_["lr_g"].max() or len(gan.history_) < 3
    assert_valid_rows(german, gan.sample(100), 100)


def test_conditional_sampling_gives_exact_counts(german, fast):
    gan = TabularGAN(**fast).fit(german, target="class")
    for cls, n in (("bad", 500), ("good", 37)):
        syn = gan.sample(n, conditions={"class": cls})
        assert len(syn) == n and (syn["class"] == cls).all()
    mixed = gan.sample(2000)["class"].value_counts(normalize=True)
    assert abs(mixed["good"] - 0.7) < 0.05  # unconditioned: training class proportions


def test_integer_target_and_condition_given_as_text(fast):
    df = pd.DataFrame({"x": np.linspace(0, 1, 60), "y": [0, 1, 2] * 20})
    gan = TabularGAN(**fast).fit(df, target="y")
    syn = gan.sample(30, conditions={"y": "2"})  # as the CLI passes it
    assert syn["y"].dtype == df["y"].dtype and (syn["y"] == 2).all()


def test_missing_values_are_modelled(titanic, fast):
    gan = TabularGAN(**{**fast, "epochs": 30}).fit(titanic, target="Survived")
    syn = gan.sample(2000)
    assert_valid_rows(titanic, syn, 2000)
    share = syn["Age"].isna().mean()
    assert 0.02 < share < 0.6  # real: 0.20; a generator that ignored missingness would give 0


def test_same_seed_same_samples_and_different_seed_differs(german, fast):
    a = TabularGAN(**fast).fit(german, target="class").sample(100)
    b = TabularGAN(**fast).fit(german, target="class").sample(100)
    c = TabularGAN(**{**fast, "random_state": 1}).fit(german, target="class").sample(100)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_sklearn_conventions(german, fast):
    gan = TabularGAN(**fast, objective="wgan-gp", hidden_dims=(16, 32))
    params = gan.get_params()
    assert params["objective"] == "wgan-gp" and params["hidden_dims"] == (16, 32)
    twin = clone(gan)
    assert twin.get_params() == params and not hasattr(twin, "generator_")
    with pytest.raises(NotFittedError, match="fit"):
        gan.sample(5)
    assert gan.fit(german.head(100)) is gan
    assert gan.n_features_in_ == german.shape[1]
    assert not gan.generator_.training  # sample runs in eval mode


def test_sample_runs_without_gradients(german, fast):
    gan = TabularGAN(**fast).fit(german.head(100))
    X, _ = gan.sample_encoded(10)
    assert isinstance(X, np.ndarray)  # a tensor with grad would not convert silently


def test_save_load_round_trip(german, fast, tmp_path):
    gan = TabularGAN(**fast).fit(german, target="class")
    gan.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["format_version"] == 1 and meta["class"] == "TabularGAN"
    loaded = TabularGAN.load(tmp_path / "m")
    assert loaded.get_params() == gan.get_params()
    pd.testing.assert_frame_equal(loaded.history_, gan.history_)
    pd.testing.assert_frame_equal(loaded.sample(200, random_state=3), gan.sample(200, random_state=3))
    pd.testing.assert_frame_equal(loaded.sample(50), gan.sample(50))  # sampling stream restored too
    assert (loaded.sample(20, conditions={"class": "bad"})["class"] == "bad").all()


def test_crafted_pickle_model_is_refused_without_running_code(german, fast, tmp_path):
    import pickle

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {marker}",))

    gan = TabularGAN(**fast).fit(german.head(100))
    gan.save(tmp_path / "m")
    (tmp_path / "m" / "model.safetensors").write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ModelFileError, match="safetensors"):
        TabularGAN.load(tmp_path / "m")
    (tmp_path / "m" / "model.json").write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ModelFileError):
        TabularGAN.load(tmp_path / "m")
    assert not marker.exists()


def test_corrupted_or_foreign_model_files(german, fast, tmp_path):
    gan = TabularGAN(**fast).fit(german.head(100))
    gan.save(tmp_path / "m")
    with pytest.raises(ModelFileError, match="does not exist"):
        TabularGAN.load(tmp_path / "nothing")
    raw = (tmp_path / "m" / "model.safetensors").read_bytes()
    (tmp_path / "m" / "model.safetensors").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError):
        TabularGAN.load(tmp_path / "m")
    gan.save(tmp_path / "m2")
    meta = json.loads((tmp_path / "m2" / "model.json").read_text())
    meta["transformer"]["states"] = []
    meta["transformer"]["schema"]["columns"] = meta["transformer"]["schema"]["columns"][:2]
    (tmp_path / "m2" / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="inconsistent|corrupted"):
        TabularGAN.load(tmp_path / "m2")


def test_wide_table_defaults_scale_to_hundreds_of_encoded_columns(fast):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"c{i}": rng.choice(list("abcdefgh"), 120) for i in range(60)})
    df["x"] = rng.normal(size=120)
    gan = TabularGAN(**fast).fit(df)
    assert gan.transformer_.output_dim > 480
    assert gan.hidden_dims_ == (128, 256, 512)
    assert_valid_rows(df, gan.sample(50), 50)


def test_verbose_false_is_silent_and_verbose_shows_losses(german, fast, capsys):
    TabularGAN(**fast).fit(german.head(100))
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    TabularGAN(**{**fast, "verbose": True}).fit(german.head(100))
    err = capsys.readouterr().err
    assert "training" in err and "g=" in err and "d=" in err
