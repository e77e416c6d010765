"""TimeGAN's scores and the simple series statistics behave as their protocols say."""

import numpy as np
import pytest

from synthboost import SchemaError
from synthboost.data.sequences import sines
from synthboost.metrics.timeseries import autocorrelation_difference, discriminative_score, marginal_ks, predictive_score


def test_discriminative_score_separates_noise_from_sines_and_not_sines_from_sines():
    a, b = sines(400, seed=0), sines(400, seed=1)
    noise = np.random.default_rng(0).uniform(size=a.shape)
    assert discriminative_score(a, noise, iterations=300) > 0.4
    assert discriminative_score(a, b, iterations=300) < 0.15


def test_predictive_score_is_lower_when_trained_on_the_right_data():
    a, b = sines(300, seed=0), sines(300, seed=1)
    noise = np.random.default_rng(0).uniform(size=a.shape)
    assert predictive_score(a, b, iterations=400) < predictive_score(a, noise, iterations=400)
    one = sines(300, features=1, seed=2)  # univariate: every feature of step t+1 from steps 0..t
    assert np.isfinite(predictive_score(one, one, iterations=50))


def test_simple_statistics_and_shapes():
    a, b = sines(200, seed=0), sines(200, seed=1)
    noise = np.random.default_rng(0).uniform(size=a.shape)
    assert autocorrelation_difference(a, b) < autocorrelation_difference(a, noise)
    assert len(marginal_ks(a, b)) == 5 and max(marginal_ks(a, b)) < max(marginal_ks(a, noise))
    with pytest.raises(SchemaError, match="same T and F"):
        discriminative_score(a, a[:, :10])


def test_crps_and_the_forecasting_baselines():
    from synthboost.metrics.timeseries import crps
    from synthboost.models.forecast import RidgeLags, naive, seasonal_naive

    y = np.zeros((3, 2))
    assert crps(np.ones((1, 3, 2)), y) == pytest.approx(1.0)  # one path: its absolute error
    draws = np.random.default_rng(0).normal(size=(4000, 3, 2))
    assert crps(draws, y) == pytest.approx((np.sqrt(2) - 1) / np.sqrt(np.pi), abs=0.02)  # N(0, 1) at its mean
    assert crps(draws, y) < crps(draws + 2, y)
    t = np.arange(60, dtype=float)
    x = np.stack([np.sin(2 * np.pi * t / 12), np.cos(2 * np.pi * t / 12)], axis=1)
    assert np.allclose(seasonal_naive(x[:48], 12, 12), x[48:60])
    assert np.allclose(naive(x[:48], 3), x[47:48].repeat(3, 0))
    ar = RidgeLags(lags=4, alpha=1e-6).fit(x[:48])
    assert np.abs(ar.predict(x[:48], 6) - x[48:54]).max() < 1e-3  # a sine is an exact AR(2)


def test_window_embedding_parity_r2_and_plot(tmp_path):
    from synthboost.metrics.timeseries import embed_windows, r_squared
    from synthboost.report.series import plot_parity

    a, b = sines(120, seed=0), sines(80, seed=1)
    emb = embed_windows(a, b, method="pca", max_windows=100)
    assert list(emb.columns) == ["x", "y", "source"] and (emb["source"] == "real").sum() == 100
    assert (emb["source"] == "synthetic").sum() == 80
    y = np.arange(10.0)
    assert r_squared(y, y) == 1.0 and r_squared(y, np.full(10, y.mean())) == 0.0 and r_squared(y, -y) < 0
    with pytest.raises(SchemaError, match="9 predictions for 10"):
        r_squared(y, y[:9])
    p = plot_parity(y, {"exact": y, "mean": np.full(10, 4.5)}, tmp_path / "parity.png")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cross_correlation_difference_sees_a_broken_dependence():
    from synthboost.metrics.timeseries import cross_correlation_difference

    rng = np.random.default_rng(0)
    base = rng.standard_normal((300, 10, 1))
    coupled = np.concatenate([base, base + 0.1 * rng.standard_normal(base.shape)], axis=2)  # corr ~ 0.99
    other = np.concatenate([base, base[::-1] + 0.1 * rng.standard_normal(base.shape)], axis=2)  # windows of feature 1 shuffled
    assert cross_correlation_difference(coupled, coupled) == 0.0
    assert cross_correlation_difference(coupled, other) > 0.8
    assert np.isnan(cross_correlation_difference(base, base))


def test_discriminative_restarts_choose_on_validation_and_keep_the_protocol_at_one():
    a, b = sines(300, seed=0), sines(300, seed=1)
    noise = np.random.default_rng(0).uniform(size=a.shape)
    one = discriminative_score(a, noise, iterations=300, return_details=True)
    assert one["score"] == discriminative_score(a, noise, iterations=300) and one["validation"] == []
    d = discriminative_score(a, noise, iterations=300, restarts=3, return_details=True)
    assert len(d["validation"]) == 3 and d["score"] > 0.4 and 0 < d["named_real"] < 1
    assert d["score"] == pytest.approx(abs(d["accuracy"] - 0.5))
    same = discriminative_score(a, b, iterations=300, restarts=3, return_details=True)
    assert same["score"] < 0.15
    for bad in (0, 1.5, True):
        with pytest.raises(SchemaError, match="restarts="):
            discriminative_score(a, b, restarts=bad)
