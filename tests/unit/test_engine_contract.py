"""The engine's family-agnostic contract: noise from the generator, declared critics, Batch
metadata and named losses, explicit initialisation, hooks, snapshots, checkpoints of any state."""

import math

import pandas as pd
import pytest
import torch
from torch import nn

from synthboost import ConfidenceGAN, ParameterError, TabularGAN
from synthboost.nn.base import Batch, Critic, Generator
from synthboost.nn.init import init_weights
from synthboost.nn.objectives import BCEObjective, MultiGeneratorObjective, get_objective, interpolation_weights
from synthboost.training.engine import Trainer, TrainingConfig
from synthboost.training.hooks import DiffAugmentHook, EMAHook


class SeriesG(Generator):
    """Noise (B, T, Z) -> windows (B, T, F): a per-step linear map (a stand-in for a GRU)."""

    def __init__(self, T=6, Z=3, F=2, tag=None):
        super().__init__()
        self.T, self.Z, self.tag = T, Z, tag
        self.net = nn.Linear(Z, F)

    def sample_noise(self, n, rng):
        return torch.randn(n, self.T, self.Z, generator=rng)

    def forward(self, z, cond=None):
        x = self.net(z)
        if self.tag is None:
            return x
        return Batch(x, cond, {"generator": torch.arange(len(x)) % 2})  # which of two "generators" made it


class SeriesD(Critic):
    def __init__(self, T=6, F=2, coupled=False):
        super().__init__()
        self.net = nn.Linear(T * F, 1)
        self.batch_coupled = coupled
        self.seen = []

    def forward(self, x, cond=None):
        self.seen.append(x.shape[0])
        return self.net(x.reshape(len(x), -1))


class Windows:
    def __init__(self, n=40, T=6, F=2):
        self.x = torch.randn(n, T, F, generator=torch.Generator().manual_seed(1))
        self.n_rows = n

    def sample(self, b, rng):
        return Batch(self.x[torch.randint(self.n_rows, (b,), generator=rng)])

    def sample_condition(self, b, rng):
        return None


def trainer(G, D, objective="wgan-gp", **cfg):
    g = torch.Generator().manual_seed(0)
    init_weights(G, g)
    init_weights(D, g)
    config = TrainingConfig(**{"epochs": 2, "batch_size": 8, "n_critic": 1, "verbose": False, **cfg})
    return Trainer(G, D, get_objective(objective) if isinstance(objective, str) else objective, config), g


def test_series_shaped_noise_and_gradient_penalty_broadcast():
    t, g = trainer(SeriesG(), SeriesD())
    t.fit(Windows(), g)
    h = t.history_frame()
    assert len(h) == 2 and h["gp"].gt(0).all() and h[["g_loss", "d_loss"]].map(math.isfinite).all().all()
    eps = interpolation_weights(3, 2, torch.zeros(6, 5, 4), torch.Generator().manual_seed(0))
    assert eps.shape == (6, 1, 1) and torch.equal(eps[0::2], eps[1::2])  # one weight per pack of 2
    assert interpolation_weights(4, 1, torch.zeros(4, 3, 8, 8), torch.Generator()).shape == (4, 1, 1, 1)


def test_critics_are_declared_and_batch_coupled_ones_see_real_and_fake_apart():
    with pytest.raises(ParameterError, match="Critic"):
        Trainer(SeriesG(), nn.Linear(12, 1), get_objective("bce"), TrainingConfig(verbose=False))
    D = SeriesD()
    t, g = trainer(SeriesG(), D, "bce", epochs=1)
    t.fit(Windows(), g)
    assert D.seen[0] == 16  # joint pass: real and fake together
    D = SeriesD(coupled=True)
    t, g = trainer(SeriesG(), D, "bce", epochs=1)
    t.fit(Windows(), g)
    assert set(D.seen) == {8}  # real and fake never mixed


class PerGenerator(BCEObjective):
    """A toy objective that reads which generator made each fake sample (as MAD-GAN's does)."""

    def statistics(self, d_real, d_fake, real, fake):
        out = super().statistics(d_real, d_fake, real, fake)
        which = fake.meta["generator"]
        for j in (0, 1):
            out[f"d_fake_g{j}"] = torch.sigmoid(d_fake[which == j]).mean()
        return out


def test_fake_metadata_reaches_the_objective_and_the_history_grows_with_its_names():
    t, g = trainer(SeriesG(tag="multi"), SeriesD(), PerGenerator())
    t.fit(Windows(), g)
    h = t.history_frame()
    assert list(h.columns)[:9] == ["epoch", "g_loss", "d_loss", "d_loss_real", "d_loss_fake", "gp", "g_aux", "d_real", "d_fake"]
    assert ["d_fake_g0", "d_fake_g1"] == [c for c in h.columns if c.startswith("d_fake_g")]
    assert list(h.columns)[-3:] == ["lr_g", "lr_d", "seconds"] and h["d_fake_g1"].between(0, 1).all()


def test_weights_come_from_the_explicit_generator_only(german):
    layers = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ConvTranspose2d(2, 2, 3), nn.GRU(4, 5),
                           nn.Embedding(3, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    for scheme in ("kaiming", "dcgan"):
        a, b = layers, __import__("copy").deepcopy(layers)
        torch.manual_seed(1)
        init_weights(a, torch.Generator().manual_seed(5), scheme)
        torch.manual_seed(2)  # another global state: the same weights
        init_weights(b, torch.Generator().manual_seed(5), scheme)
        for (name, p), q in zip(a.named_parameters(), b.parameters()):
            assert torch.equal(p, q), name

    class Odd(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.zeros(3))

    with pytest.raises(TypeError, match="cannot draw"):
        init_weights(nn.Sequential(nn.Linear(2, 2), Odd()), torch.Generator())
    before = torch.random.get_rng_state()
    TabularGAN(epochs=1, batch_size=64, verbose=False, random_state=0).fit(german.head(100), target="class").sample(10)
    assert torch.equal(before, torch.random.get_rng_state())  # nothing drew from torch's global stream


def test_ema_and_diffaugment_hooks():
    G = SeriesG()
    ema = EMAHook(G, beta=0.9)
    t, g = trainer(G, SeriesD(), "bce", epochs=3)
    t.hooks = [ema]
    t.fit(Windows(), g)
    assert ema.steps == 3 * 5 and not torch.equal(ema.model.net.weight, G.net.weight)
    assert "hook.ema" in t.stateful()
    x = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    aug = DiffAugmentHook(("color", "translation", "cutout"))
    y = aug.augment(x, torch.Generator().manual_seed(1))
    assert y.shape == x.shape and not torch.equal(x, y)
    assert torch.equal(DiffAugmentHook(("color",), p=0.0).augment(x, torch.Generator()), x)
    x.requires_grad_(True)
    aug.augment(x, torch.Generator().manual_seed(1)).sum().backward()  # differentiable: G learns through it
    assert x.grad is not None and x.grad.abs().sum() > 0
    ada = DiffAugmentHook(("translation",), p=0.0, target=0.6, interval=1, speed=80)

    class T:
        config = TrainingConfig(batch_size=8)
        objective = BCEObjective()

    for _ in range(5):
        ada.after_discriminator_step(T, torch.ones(8, 1))  # D sure of every real image: p rises
    assert ada.p == pytest.approx(0.5)
    ada.after_discriminator_step(T, -torch.ones(8, 1))
    assert ada.p == pytest.approx(0.4)
    # a (k+1)-way D: ADA reads the log-odds of the real class (index k) against the generators
    T.objective = MultiGeneratorObjective(2)
    ada.after_discriminator_step(T, torch.tensor([[0.0, 0.0, 3.0]] * 8))
    assert ada.p == pytest.approx(0.5)


def test_divergence_rolls_back_to_a_cpu_snapshot_taken_every_n_epochs():
    class NaNAtEpoch3(BCEObjective):
        calls = 0

        def discriminator_loss(self, *a):
            out = super().discriminator_loss(*a)
            NaNAtEpoch3.calls += 1
            return dict(out, d_loss=out["d_loss"] * float("nan")) if NaNAtEpoch3.calls in range(11, 16) else out

    t, g = trainer(SeriesG(), SeriesD(), NaNAtEpoch3(), epochs=4, snapshot_every=2)
    snaps = []
    orig = t._snapshot
    t._snapshot = lambda rng: snaps.append(orig(rng)) or snaps[-1]
    t.fit(Windows(), g)  # 5 steps per epoch: epoch 3 diverges, rolls back to the snapshot of epoch 2
    assert [s["epoch"] for s in snaps] == [0, 2, 4]
    assert all(v.device.type == "cpu" for v in snaps[1]["states"]["generator"].values())
    assert t.history_frame()["epoch"].tolist() == [1, 2, 3, 4] and t.lr_scale == 0.5


def test_confidence_gan_resumes_exactly(german, tmp_path):
    from sklearn.linear_model import LogisticRegression

    X = german.head(200)[["duration", "credit_amount", "age"]]
    clf = LogisticRegression().fit(X, german.head(200)["class"])
    kw = dict(epochs=4, batch_size=64, surrogate_every=1, calibration_rows=200, verbose=False, random_state=0)
    full = ConfidenceGAN(clf, **kw).fit(X)
    ck = str(tmp_path / "ck")
    ConfidenceGAN(clf, checkpoint_dir=ck, checkpoint_every=1, **kw).fit(X, callbacks=[lambda t, r: r["epoch"] == 2])
    resumed = ConfidenceGAN(clf, checkpoint_dir=ck, **kw).fit(X, resume=True)
    assert [h["epoch"] for h in resumed.surrogate_history_] == [1, 2, 3, 4]
    pd.testing.assert_frame_equal(full.sample(40, confidence=0.5, random_state=3), resumed.sample(40, confidence=0.5, random_state=3))


def test_diffaugment_keeps_stacked_class_images_apart():
    """One GAN per class stacks the classes' images along the channels (B, K*C, H, W): each image is
    augmented on its own, so changing one class's images leaves the others' augmented images as they were."""
    K, C = 3, 3
    x = torch.rand(4, K * C, 8, 8, generator=torch.Generator().manual_seed(0)) * 2 - 1
    other = x.clone()
    other[:, C:] = -other[:, C:]  # classes 1 and 2 change, class 0 does not
    for policy in (("color",), ("color", "translation", "cutout")):
        aug = DiffAugmentHook(policy, groups=K)
        a, b = (aug.augment(v, torch.Generator().manual_seed(1)) for v in (x, other))
        assert a.shape == x.shape and torch.equal(a[:, :C], b[:, :C])
        # and each stacked image is augmented as a (B*K, C, H, W) batch would be
        flat = DiffAugmentHook(policy).augment(x.reshape(4 * K, C, 8, 8), torch.Generator().manual_seed(1))
        assert torch.equal(a, flat.reshape(4, K * C, 8, 8))
    ungrouped = DiffAugmentHook(("color",)).augment(x, torch.Generator().manual_seed(1))
    ungrouped_other = DiffAugmentHook(("color",)).augment(other, torch.Generator().manual_seed(1))
    assert not torch.equal(ungrouped[:, :C], ungrouped_other[:, :C])  # the mixing this guards against
