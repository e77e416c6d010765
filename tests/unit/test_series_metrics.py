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
