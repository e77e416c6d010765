import pytest
import torch

from synthboost.layout import OutputSpan
from synthboost.nn.base import Batch
from synthboost.nn.blocks import DenseDiscriminator, DenseGenerator, MinibatchDiscrimination, default_hidden_dims, init_weights, set_rng
from synthboost.nn.objectives import get_objective
from synthboost.nn.stabilizers import add_instance_noise, discriminator_targets, instance_noise_sigma
from synthboost.errors import ParameterError

SPANS = [OutputSpan(1, "tanh"), OutputSpan(3, "softmax"), OutputSpan(1, "linear"), OutputSpan(2, "softmax"), OutputSpan(1, "tanh")]


def test_default_widths_double_and_adapt_to_data():
    assert default_hidden_dims(8) == (32, 64, 128)
    assert default_hidden_dims(72) == (64, 128, 256)
    assert default_hidden_dims(500) == (128, 256, 512)
    for d in (8, 40, 200, 500):
        w = default_hidden_dims(d)
        assert all(b == 2 * a for a, b in zip(w, w[1:]))


@pytest.mark.parametrize("training", [True, False])
def test_generator_heads_respect_spans(training):
    g = torch.Generator().manual_seed(0)
    G = DenseGenerator(16, SPANS, (32, 64), cond_dim=2)
    init_weights(G, g)
    set_rng(G, g)
    G.train(training)
    out = G(torch.randn(10, 16, generator=g), torch.eye(2)[[0, 1] * 5])
    assert out.shape == (10, 8)
    assert torch.isfinite(out).all()
    assert (out[:, [0, 7]].abs() <= 1).all()  # tanh spans
    torch.testing.assert_close(out[:, 1:4].sum(1), torch.ones(10))  # softmax spans sum to 1
    torch.testing.assert_close(out[:, 5:7].sum(1), torch.ones(10))


def test_discriminator_packs_rows_and_adds_minibatch_features():
    D = DenseDiscriminator(8, (64, 32), cond_dim=2, pac=4, minibatch_kernels=5, minibatch_kernel_dim=3)
    out = D(torch.randn(16, 8), torch.zeros(16, 2))
    assert out.shape == (4, 1)  # 16 rows judged in packs of 4
    mbd = MinibatchDiscrimination(6, 5, 3)
    init_weights(mbd, torch.Generator().manual_seed(0))
    f = torch.randn(7, 6)
    o = mbd(f)
    assert o.shape == (7, 11)
    same = mbd(f[[0] * 7])  # identical rows: each is maximally similar to the other 6
    torch.testing.assert_close(same[:, 6:], torch.full((7, 5), 6.0))


def test_objectives_losses_have_the_right_direction():
    good, bad = torch.full((8, 1), 5.0), torch.full((8, 1), -5.0)
    t_real, t_fake = discriminator_targets(8, 1.0, 0.0, None)
    for name in ("bce", "wgan", "wgan-gp", "hinge"):
        obj = get_objective(name)
        # D that separates real (high) from fake (low) has a lower loss than the reverse
        b = Batch(torch.zeros(8, 2))
        d_loss = lambda r, f: obj.discriminator_loss(r, f, b, b, (t_real, t_fake))["d_loss"]  # noqa: E731
        assert d_loss(good, bad) < d_loss(bad, good)
        # G wants D(fake) high
        assert obj.generator_loss(good, b)["g_loss"] < obj.generator_loss(bad, b)["g_loss"]
    with pytest.raises(ParameterError, match="objective"):
        get_objective("lsgan")


def test_wgan_clips_and_gradient_penalty_is_positive():
    D = DenseDiscriminator(4, (16,), pac=2)
    get_objective("wgan").after_discriminator_step(D)
    assert all(p.abs().max() <= 0.01 for p in D.parameters())
    D = DenseDiscriminator(4, (16,), pac=2)
    gp = get_objective("wgan-gp").penalty(D, Batch(torch.randn(8, 4)), Batch(torch.randn(8, 4)), torch.Generator().manual_seed(0))
    assert gp.item() > 0 and gp.requires_grad


def test_label_smoothing_flipping_and_instance_noise():
    real, fake = discriminator_targets(1000, 0.9, 0.0, None)
    assert (real == 0.9).all() and (fake == 0).all()
    real, fake = discriminator_targets(10_000, 1.0, 0.2, torch.Generator().manual_seed(0))
    assert 0.15 < (real == 0).float().mean() < 0.25 and 0.15 < (fake == 1).float().mean() < 0.25
    assert instance_noise_sigma(0.4, 1) == 0.4 and instance_noise_sigma(0.4, 4) == 0.1
    x = torch.zeros(1000, 3)
    assert add_instance_noise(x, 0.0, None) is x
    assert 0.4 < add_instance_noise(x, 0.5, torch.Generator().manual_seed(0)).std() < 0.6


@pytest.mark.parametrize("tau", [0.2, None])  # None: trained with the plain softmax (gumbel_tau=0)
def test_eval_mode_draws_categories_from_the_softmax_it_trained_with(tau):
    from synthboost.nn.blocks import SpanActivation

    spans = [OutputSpan(1, "tanh"), OutputSpan(3, "softmax")]
    raw = torch.tensor([[0.0, 0.0, -0.7, -1.4]]).repeat(20000, 1)  # logits: p = softmax(0, -0.7, -1.4)
    head = SpanActivation(spans, gumbel_tau=tau, sample_categories=True).eval()
    head.rng = torch.Generator().manual_seed(0)
    out = head(raw)
    assert set(out[:, 1:].unique().tolist()) == {0.0, 1.0}  # one-hot, like real rows
    torch.testing.assert_close(out[:, 1:].sum(1), torch.ones(20000))
    freq = out[:, 1:].mean(0)
    torch.testing.assert_close(freq, torch.softmax(raw[0, 1:], 0), atol=0.015, rtol=0)  # minority categories kept
    mode = SpanActivation(spans, gumbel_tau=tau, sample_categories=False).eval()(raw)
    assert (mode[:, 1:].argmax(1) == 0).all()  # "mode": always the most likely category
