"""ratio='auto' for images: a ratio > 0 is kept only when it beats the real images alone by more than chance."""

import numpy as np
import pytest

from synthboost import ImageData
from synthboost.augment.images import AutoRatio, mcnemar_greater

N_VAL = 40


class StubGAN:
    def sample(self, n, labels, random_state=None):
        return ImageData(np.zeros((n, 8, 8, 1), np.uint8), np.asarray(labels), ["a", "b"])


class StubCNN:
    """Right on the first ``right[ratio]`` held-out images, wrong on the rest."""

    def __init__(self, right: dict):
        self.right = right

    def fit(self, images, labels, n_real, classes, train_real=True):
        self.ratio = (len(images) - n_real) / n_real
        return self

    def predict(self, images):
        y = np.zeros(len(images), np.int64)
        y[self.right[self.ratio]:] = 1  # the held-out labels are all 0
        return y


def choose(right: dict, alpha=0.05, train_real=True) -> tuple[float, AutoRatio]:
    inner = ImageData(np.zeros((20, 8, 8, 1), np.uint8), np.repeat([0, 1], 10), ["a", "b"])
    val = ImageData(np.zeros((N_VAL, 8, 8, 1), np.uint8), np.zeros(N_VAL, np.int64), ["a", "b"])
    auto = AutoRatio(alpha=alpha)
    return auto.choose(inner, val, StubGAN(), lambda: StubCNN(right), np.arange(2), seed=0, train_real=train_real), auto


def test_a_small_edge_on_few_held_out_images_keeps_the_real_images_alone():
    noisy = {0.0: 20, 0.5: 21, 1.0: 23, 2.0: 22, 4.0: 19}  # ratio 1 right on 3 more of 40 images
    ratio, auto = choose(noisy)
    assert ratio == 0.0 and auto.p_value == pytest.approx(0.125)  # 3 wins, 0 losses: 1/8
    assert auto.scores[1.0] == pytest.approx(23 / 40)
    assert choose(noisy, alpha=None)[0] == 1.0  # the unguarded rule takes any higher score


def test_a_clear_edge_is_kept_and_ties_go_to_the_smaller_ratio():
    clear = {0.0: 10, 0.5: 30, 1.0: 30, 2.0: 25, 4.0: 5}  # 20 wins, 0 losses: p = 2**-20
    ratio, auto = choose(clear)
    assert ratio == 0.5 and auto.p_value < 1e-5
    # synthetic-only training has no ratio 0 to beat: the best ratio is taken as it is
    assert choose({0.5: 10, 1.0: 12, 2.0: 11, 4.0: 9}, train_real=False)[0] == 1.0


def test_mcnemar_counts_only_the_items_the_two_disagree_on():
    a = np.array([1, 1, 1, 0, 1, 0], bool)
    b = np.array([1, 0, 0, 0, 1, 1], bool)  # a wins twice, loses once: P(X >= 2 | 3, 1/2) = 1/2
    assert mcnemar_greater(a, b) == pytest.approx(0.5)
    assert mcnemar_greater(a, a) == 1.0 and mcnemar_greater(b, a) == pytest.approx(7 / 8)
