"""MADGAN on digits (8x8), k = 2 or 3, a few epochs: behaviour, not sample quality."""

import numpy as np
import pytest
import torch

from synthboost import MADGAN, ImageData, ParameterError, SynthboostError, datasets, load
from synthboost.nn.multi import MultiConvGenerator
from synthboost.nn.objectives import MultiGeneratorObjective
from synthboost.nn.base import Batch


@pytest.fixture(scope="module")
def digits():
    return datasets.load("digits").subset(np.arange(300))


def test_every_head_is_optimised_and_d_has_k_plus_1_outputs(digits, monkeypatch):
    init = {}
    orig = MADGAN._init_networks

    def spy(self, g):  # the output layer's weights as initialised
        orig(self, g)
        init["w"] = self.generator_.convs[-1].weight.detach().clone()

    monkeypatch.setattr(MADGAN, "_init_networks", spy)
    m2 = MADGAN(n_generators=3, share="none", epochs=1, ema=None, verbose=False, random_state=0).fit(digits)
    w0, w1 = init["w"], m2.generator_.convs[-1].weight.detach()
    # the output layer holds one group of weights per generator: each changed in training
    for j in range(3):
        rows = slice(j * (w0.shape[0] // 3), (j + 1) * (w0.shape[0] // 3))
        assert not torch.equal(w0[rows], w1[rows]), f"generator {j} was not optimised"
    out = m2.discriminator_(torch.zeros(5, 1, 8, 8), torch.eye(10)[:5])
    assert out.shape == (5, 4)
    assert {"d_fake_g0", "d_fake_g1", "d_fake_g2", "g_loss_g2", "d_names_generator"} <= set(m2.history_.columns)


def test_shared_trunk_keeps_batchnorm_per_generator():
    g = MultiConvGenerator(noise_dim=8, channels=1, side=28, width=8, n_generators=4, n_shared=2)
    assert isinstance(g.fc, torch.nn.Linear) and g.convs[0].groups == 1 and g.convs[1].groups == 4
    assert g.norm0.num_features == 4 * g.c0  # one set of statistics per generator
    rng = torch.Generator().manual_seed(0)
    out = g(g.sample_noise(8, rng))
    assert out.x.shape == (8, 1, 28, 28) and out.meta["generator"].tolist() == [0, 1, 2, 3] * 2
    # one generator's statistics do not move another's: only the rows of generator 0 change
    z = g.sample_noise(8, rng)
    g.eval()
    a = g(z).x
    z2 = z.clone()
    z2[:, :8] += 1.0  # generator 0's noise
    b = g(z2).x
    assert not torch.allclose(a[0::4], b[0::4]) and torch.allclose(a[1::4], b[1::4])


def test_objective_weighs_every_class_equally():
    obj = MultiGeneratorObjective(2)
    d_real, d_fake = torch.zeros(4, 3), torch.zeros(4, 3)
    fake = Batch(torch.zeros(4, 1), None, {"generator": torch.tensor([0, 1, 0, 1])})
    ones = torch.ones(4, 1)
    out = obj.discriminator_loss(d_real, d_fake, Batch(torch.zeros(4, 1)), fake, (ones, ones))
    assert torch.isclose(out["d_loss"], torch.log(torch.tensor(3.0)))  # uniform softmax: CE = log(k+1)
    assert set(obj.generator_loss(d_fake, fake)) == {"g_loss", "g_loss_g0", "g_loss_g1"}
    assert obj.realness(torch.tensor([[0.0, 0.0, 5.0]])).item() > 0


def test_exact_label_counts_and_per_generator_sampling(digits):
    m = MADGAN(n_generators=2, epochs=2, verbose=False, random_state=0).fit(digits)
    s = m.sample(30, labels=[0, 3, 7] * 10)
    assert s.images.shape == (30, 8, 8, 1) and s.images.dtype == np.uint8
    assert np.bincount(s.labels, minlength=10)[[0, 3, 7]].tolist() == [10, 10, 10]
    one = m.sample(12, labels="5", generator=1)
    assert (one.labels == 5).all()
    imgs, gens = m.sample_generators(40, random_state=0)
    assert len(imgs) == 40 and set(np.unique(gens)) == {0, 1}
    with pytest.raises(ParameterError, match=r"generator=2 must be an integer in \[0, 1\]"):
        m.sample(4, generator=2)


def test_classifier_conditioning_keeps_confidently_named_images(digits):
    from synthboost.metrics.images import FeatureNet

    m = MADGAN(n_generators=2, conditioning="classifier", confidence=0.2, classifier_epochs=30, epochs=3,
               verbose=False, random_state=0).fit(digits)
    net = FeatureNet(m.labeller_, "trained", (8, 8, 1))
    raw, _ = m.sample_generators(200, random_state=0)
    assert raw.labels is None  # the GAN itself is unlabelled
    p = net.probabilities(raw)
    top = int(np.bincount(p.argmax(1)[p.max(1) >= 0.2], minlength=10).argmax())
    s = m.sample(10, labels=top)
    q = net.probabilities(s)
    assert (s.labels == top).all() and (q.argmax(1) == top).all() and (q.max(1) >= 0.2).all()


def test_classifier_threshold_that_keeps_nothing_is_said(digits):
    m = MADGAN(n_generators=2, conditioning="classifier", confidence=0.999, classifier_epochs=1, epochs=1,
               verbose=False, random_state=0).fit(digits)
    with pytest.raises(SynthboostError, match="confidence=0.999"):
        m.sample(10, labels="3")


def test_save_load_round_trip_and_determinism(digits, tmp_path):
    kw = dict(n_generators=3, share="all_but_output", epochs=2, verbose=False, random_state=1)
    m = MADGAN(**kw).fit(digits)
    again = MADGAN(**kw).fit(digits)
    assert np.array_equal(m.sample(16, random_state=3).images, again.sample(16, random_state=3).images)
    m.save(tmp_path / "mad")
    back = load(tmp_path / "mad")
    assert isinstance(back, MADGAN)
    for j in range(3):
        assert np.array_equal(back.sample(9, generator=j, random_state=4).images,
                              m.sample(9, generator=j, random_state=4).images)
    m.save_grid(tmp_path / "rows.png", per_class=5, rows="generator")
    assert (tmp_path / "rows.png").stat().st_size > 0


def test_unlabelled_and_k1(digits):
    m = MADGAN(n_generators=1, conditioning=None, epochs=1, verbose=False, random_state=0).fit(digits.images)
    s = m.sample(7)
    assert s.labels is None and s.images.shape == (7, 8, 8, 1)
    assert m.discriminator_.out.out_channels == 2  # k = 1: a 2-way softmax


@pytest.mark.parametrize("kw, message", [
    (dict(n_generators=0), "n_generators=0"),
    (dict(n_generators=2.5), "n_generators=2.5"),
    (dict(share="heads"), "share='heads'"),
    (dict(share=5), "at most 1 can be shared"),
    (dict(conditioning="labels"), "conditioning='labels'"),
    (dict(objective="bce"), "objective='bce'"),
])
def test_bad_parameters_get_one_clear_error(digits, kw, message):
    with pytest.raises(ParameterError, match=message):
        MADGAN(epochs=1, verbose=False, **kw).fit(digits)


def test_label_conditioning_without_labels_is_refused(digits):
    with pytest.raises(ParameterError, match="needs labels"):
        MADGAN(epochs=1, verbose=False).fit(digits.images)


def test_cli_fit_madgan_and_sample_one_generator(tmp_path):
    from typer.testing import CliRunner

    from synthboost.cli import app

    runner = CliRunner()
    model = tmp_path / "mad"
    r = runner.invoke(app, ["images", "fit", "digits", "--model", "madgan", "--generators", "3", "--share", "none",
                            "--epochs", "1", "--no-verbose", "--random-state", "0", "-o", str(model)])
    assert r.exit_code == 0, r.output
    assert (model / "generators.png").exists() and isinstance(load(model), MADGAN)
    assert load(model).n_generators == 3 and load(model).share == "none"
    r = runner.invoke(app, ["images", "sample", str(model), "-n", "6", "--generator", "2", "--label", "4",
                            "-o", str(tmp_path / "s.npz")])
    assert r.exit_code == 0, r.output
    assert (np.load(tmp_path / "s.npz")["labels"] == 4).all()
    r = runner.invoke(app, ["images", "sample", str(model), "-n", "6", "--generator", "3", "-o", str(tmp_path / "t.npz")])
    assert r.exit_code == 1 and "generator=3 must be an integer in [0, 2]" in r.output
    r = runner.invoke(app, ["images", "fit", "digits", "--generators", "3", "-o", str(tmp_path / "x")])
    assert r.exit_code == 1 and "--n-generators is an option of --model madgan" in r.output


def test_kid_selection_in_every_conditioning(digits):
    for conditioning in ("label", "classifier"):
        m = MADGAN(n_generators=2, conditioning=conditioning, select_epoch="kid", select_every=1, epochs=2,
                   classifier_epochs=1, verbose=False, random_state=0).fit(digits)
        assert m.selection_["epoch"] in (1, 2) and len(m.selection_["log"]) == 2


def test_the_labelling_cnn_trains_enough_steps_on_a_small_set():
    from synthboost.experiments.images import per_class
    from synthboost.metrics.images import dataset_feature_net
    from synthboost.synthesizers.madgan import labeller_schedule

    assert labeller_schedule(500, 30) == (30, 3)  # 8 steps an epoch: 30 epochs are already 240 steps
    epochs, patience = labeller_schedule(80, 30)  # 2 steps an epoch: 30 epochs would be 60 steps
    assert epochs * 2 >= 200 and patience == epochs // 10
    d = datasets.load("digits")
    idx = per_class(d, 8, np.random.default_rng(0))
    test = d.subset(np.setdiff1d(np.arange(len(d)), idx))
    net = dataset_feature_net(d.subset(idx), epochs=epochs, patience=patience, seed=0, cache=False)
    assert (net.probabilities(test).argmax(1) == test.labels).mean() > 0.7  # 30 epochs, patience 3: 0.41
