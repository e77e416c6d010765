"""ImageGAN on scikit-learn's digits (8x8): modes, exact labels, persistence, selection, bad input."""

import numpy as np
import pytest

from synthboost import ConditionError, ImageData, ImageGAN, ParameterError, SchemaError, datasets
from synthboost.errors import ModelFileError

FAST = dict(epochs=2, select_epoch=None, verbose=False, random_state=0)


@pytest.fixture(scope="module")
def digits():
    d = datasets.load("digits")
    return d.subset(np.arange(300))


@pytest.mark.parametrize("mode", ["conditional", "per_class"])
def test_modes_sample_exact_labels_as_uint8_images(digits, mode):
    gan = ImageGAN(mode=mode, **FAST).fit(digits)
    out = gan.sample(25, labels="3")
    assert isinstance(out, ImageData) and out.images.shape == (25, 8, 8, 1) and out.images.dtype == np.uint8
    assert (out.label_names == "3").all()
    mix = gan.sample(40)
    assert np.bincount(mix.labels, minlength=10).tolist() == np.round(np.bincount(digits.labels) / 300 * 40).astype(int).tolist()
    per = gan.sample(4, labels=[0, "1", 2, 9])
    assert per.labels.tolist() == [0, 1, 2, 9]
    with pytest.raises(ConditionError, match="'eleven' is not a class.*classes are"):
        gan.sample(3, labels="eleven")
    with pytest.raises(ParameterError, match="one label or one per image"):
        gan.sample(3, labels=[1, 2])


def test_per_class_models_are_independent_and_batched(digits):
    gan = ImageGAN(mode="per_class", **FAST).fit(digits)
    G = gan.generator_
    assert G.n_models == 10 and G.fc.groups == 10  # ten generators in one grouped network
    # model 3's output does not depend on model 0's noise: change only model 0's slot
    z = G.sample_noise(2, __import__("torch").Generator().manual_seed(0))
    z2 = z.clone()
    z2[:, :G.noise_dim] += 5
    G.eval()
    a, b = G(z), G(z2)
    assert not a[:, 0].equal(b[:, 0]) and a[:, 3].equal(b[:, 3])


def test_unlabelled_images_and_stabilisers(digits):
    gan = ImageGAN(epochs=2, diffaugment="color,translation,cutout", ada_target=0.6, ema=0.99, select_epoch=None,
                   verbose=False, random_state=0).fit(digits.images)
    assert gan.sample(5).labels is None and "augment_p" in gan.history_.columns
    with pytest.raises(ParameterError, match="trained without labels"):
        gan.sample(2, labels="1")
    with pytest.raises(ParameterError, match="per_class.*needs labels"):
        ImageGAN(mode="per_class", **FAST).fit(digits.images)


def test_same_seed_same_images_and_save_load(digits, tmp_path, monkeypatch):
    a = ImageGAN(**FAST).fit(digits)
    b = ImageGAN(**FAST).fit(digits)
    assert np.array_equal(a.sample(20, random_state=1).images, b.sample(20, random_state=1).images)
    a.save(tmp_path / "m")
    c = ImageGAN.load(tmp_path / "m")
    assert np.array_equal(a.sample(20, random_state=3).images, c.sample(20, random_state=3).images)
    assert c.class_names_ == digits.class_names
    a.save_grid(tmp_path / "grid.png")
    assert (tmp_path / "grid.png").stat().st_size > 100
    # the saved width rebuilds the networks, not today's auto_width (a later default must not break old models)
    import synthboost.synthesizers.image as image_module

    monkeypatch.setattr(image_module, "auto_width", lambda side: 4 * a.width_)
    d = ImageGAN.load(tmp_path / "m")
    assert d.width_ == a.width_ and np.array_equal(a.sample(5, random_state=3).images, d.sample(5, random_state=3).images)
    assert ImageGAN(**FAST).fit(digits).width_ == 4 * a.width_  # a new fit takes the (patched) default


def test_kid_selection_picks_a_snapshot_on_held_out_training_images(digits):
    gan = ImageGAN(epochs=4, select_epoch="kid", select_every=2, verbose=False, random_state=0).fit(digits)
    sel = gan.selection_
    assert [r["epoch"] for r in sel["log"]] == [2, 4] and sel["epoch"] in (2, 4)
    assert sel["n_validation"] == sum(max(1, round(0.15 * n)) for n in digits.counts().values())
    assert gan.history_["val_kid"].notna().sum() == 2


def test_resume_continues_exactly(digits, tmp_path):
    kw = dict(epochs=3, select_epoch=None, verbose=False, random_state=0)
    full = ImageGAN(**kw).fit(digits)
    ck = str(tmp_path / "ck")
    ImageGAN(**kw, checkpoint_dir=ck, checkpoint_every=1).fit(digits, callbacks=[lambda t, r: r["epoch"] == 1])
    resumed = ImageGAN(**kw, checkpoint_dir=ck).fit(digits, resume=True)
    assert np.array_equal(full.sample(10, random_state=0).images, resumed.sample(10, random_state=0).images)


def test_bad_images_get_one_clear_error(digits, tmp_path):
    with pytest.raises(SchemaError, match="too small for the networks"):
        ImageGAN(**FAST).fit(np.zeros((10, 6, 6), np.uint8), np.arange(10) % 2)
    with pytest.raises(SchemaError, match="one label per image \\(20 images\\)"):
        ImageGAN(**FAST).fit(np.zeros((20, 8, 8), np.uint8), np.arange(5))
    with pytest.raises(SchemaError, match="fewer than 2 images"):
        ImageGAN(**FAST).fit(np.zeros((5, 8, 8), np.uint8), [0, 0, 1, 1, 2])
    with pytest.warns(UserWarning, match="trained at 8x8"):
        g = ImageGAN(**{**FAST, "epochs": 1}).fit(np.zeros((6, 10, 9), np.uint8), [0, 1] * 3)
    assert g.sample(2).images.shape == (2, 8, 8, 1)
    with pytest.raises(ParameterError, match="diffaugment"):
        ImageGAN(**FAST, diffaugment="color,blur").fit(digits)
    from synthboost import TabularGAN

    ImageGAN(**FAST).fit(digits).save(tmp_path / "i")
    with pytest.raises(ModelFileError, match="'ImageGAN' model, not a TabularGAN"):
        TabularGAN.load(tmp_path / "i")
