"""Guard for refactors of the engine and the synthesizer skeleton: fixed-seed samples of the
tabular synthesizers must not move. The hashes were recorded before the engine was made
family-agnostic (issue 14); a deliberate change that moves them updates them here and says
so in bench/RESULTS.md.

Values are rounded to 6 significant digits before hashing, so a last-bit difference in a
float kernel on another CPU does not fail the guard; a change in what the code computes does. ``GUARD_FMT=%.17g`` hashes full
precision (bit identity on one machine). All on one thread.
"""

import hashlib
import os

import pytest
import torch
from sklearn.ensemble import RandomForestClassifier

from synthboost import ConfidenceGAN, TabularGAN

CASES = {
    "bce_target": dict(epochs=3, batch_size=64),
    "wgan_gp_pac": dict(objective="wgan-gp", epochs=2, batch_size=64, pac=2),
    "bce_stabilizers": dict(epochs=3, batch_size=32, minibatch_discrimination=4, instance_noise=0.1, label_flip=0.05,
                            lr_schedule="onecycle", n_critic=2),
    "wgan_minmax": dict(objective="wgan", epochs=2, batch_size=64, continuous_encoding="minmax"),
}


def digest(df) -> str:
    return hashlib.sha256(df.to_csv(index=False, float_format=os.environ.get("GUARD_FMT", "%.6g")).encode()).hexdigest()[:16]


def frame_digest(gan, df, target):
    return digest(gan.sample(100, random_state=1)) + ":" + digest(gan.history_.drop(columns="seconds"))


def run_tabular(name, german):
    df = german.head(200)
    gan = TabularGAN(**CASES[name], verbose=False, random_state=0)
    target = None if name in ("wgan_gp_pac",) else "class"
    gan.fit(df, target=target)
    return frame_digest(gan, df, target)


def run_confidence(german, loss):
    df = german.head(300)
    X, y = df.drop(columns="class"), df["class"]
    from synthboost.models.tabular import preprocessor
    from sklearn.pipeline import Pipeline

    rf = Pipeline([("prep", preprocessor()), ("clf", RandomForestClassifier(n_estimators=20, random_state=0))]).fit(X, y)
    gan = ConfidenceGAN(rf, confidence_loss=loss, epochs=3, batch_size=64, calibration_rows=200, surrogate_every=1,
                        verbose=False, random_state=0).fit(X)
    rows = gan.sample(100, confidence=(0.2, 0.8), random_state=1)
    return digest(rows) + ":" + digest(gan.history_.drop(columns="seconds"))


@pytest.fixture(autouse=True)
def one_thread():
    """The thread count changes float reduction order (and so every sample): the guard runs on one."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


EXPECTED = {
    "bce_stabilizers": "d3cb194be247ccd6:521255282aa4ad7c",
    "bce_target": "caed568294053af8:58b26806a957c251",
    "wgan_gp_pac": "6a0f2f9e1257eccc:19abf7d86b74500e",
    "wgan_minmax": "93ef0dc35472c498:64b635fa44bfa3b5",
    "confidence_20": "4ce751baaadac722:a6e84b3740e46f94",
    "confidence_0": "40f8c79bb13cfc22:3ed1c31f9f6f5abf",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tabular_samples_unchanged(name, german):
    assert run_tabular(name, german) == EXPECTED[name]


@pytest.mark.filterwarnings("ignore:.*requested confidences")
@pytest.mark.parametrize("loss", [20.0, 0.0])
def test_confidence_samples_unchanged(loss, german):
    assert run_confidence(german, loss) == EXPECTED[f"confidence_{loss:g}"]
