import numpy as np
import pytest

from synthboost import ImageData
from synthboost.metrics.images import fid, kid, memorisation, prdc, random_feature_net


def test_kid_fid_and_prdc_tell_same_from_shifted():
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(400, 16)), rng.normal(size=(400, 16)), rng.normal(size=(400, 16)) + 1.0
    k_same, k_shift = kid(a, b, n_subsets=20)[0], kid(a, c, n_subsets=20)[0]
    assert abs(k_same) < 0.05 < k_shift  # unbiased: about 0 for the same distribution
    assert fid(a, b) < fid(a, c)
    same, shifted = prdc(a, b), prdc(a, c)
    assert same["precision"] > 0.6 and same["coverage"] > 0.8 and shifted["coverage"] < same["coverage"]
    assert prdc(a, a)["precision"] == 1.0


def test_memorisation_flags_copies_not_new_images():
    rng = np.random.default_rng(0)
    train = ImageData(rng.integers(0, 256, (300, 8, 8), dtype=np.uint8))
    holdout = ImageData(rng.integers(0, 256, (300, 8, 8), dtype=np.uint8))
    copies = memorisation(train.subset(np.arange(100)), train, holdout)
    assert copies["share"] == 1.0 and copies["holdout_share"] < 0.2
    assert memorisation(holdout, train)["share"] < 0.2


def test_random_feature_net_is_fixed_by_its_seed():
    x = np.random.default_rng(0).integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
    f1, f2 = random_feature_net((16, 16, 3), 0).features(x), random_feature_net((16, 16, 3), 0).features(x)
    assert f1.shape == (5, 128) and np.array_equal(f1, f2)
    assert not np.array_equal(f1, random_feature_net((16, 16, 3), 1).features(x))
