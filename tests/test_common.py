"""Every synthesizer through the same checks, as scikit-learn's check_estimator does:
get_params / clone, NotFittedError before fit, same seed same samples, save/load round trip,
and a crafted pickle in place of any model file refused. A new synthesizer adds one CASE."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

import synthboost
from synthboost import MADGAN, ConfidenceGAN, ImageGAN, ModelFileError, TimeSeriesGAN, NotFittedError, TabularGAN, datasets
from synthboost.base import REGISTRY


def table():
    from conftest import need_data

    need_data("german_credit.csv")
    df, target = datasets.load("german_credit")
    return df.head(150)


def confidence_case():
    from sklearn.linear_model import LogisticRegression

    df = table()[["duration", "credit_amount", "age", "class"]]
    clf = LogisticRegression().fit(df.drop(columns="class"), df["class"])
    est = ConfidenceGAN(clf, epochs=2, batch_size=64, calibration_rows=100, verbose=False, random_state=0)
    return est, (df.drop(columns="class"),), {}, lambda m, seed: m.sample(20, confidence=0.5, random_state=seed)


CASES = {
    "TabularGAN": lambda: (TabularGAN(epochs=2, batch_size=64, verbose=False, random_state=0), (table(),),
                           {"target": "class"}, lambda m, seed: m.sample(20, random_state=seed)),
    "ConfidenceGAN": confidence_case,
    "ImageGAN": lambda: (ImageGAN(epochs=2, select_epoch=None, verbose=False, random_state=0),
                         (datasets.load("digits").subset(np.arange(200)),), {},
                         lambda m, seed: m.sample(20, random_state=seed)),
    "TimeSeriesGAN": lambda: (TimeSeriesGAN(epochs=2, verbose=False, random_state=0), (datasets.load("sines", n=100),), {},
                              lambda m, seed: m.sample(20, random_state=seed)),
    "MADGAN": lambda: (MADGAN(n_generators=2, epochs=2, verbose=False, random_state=0),
                       (datasets.load("digits").subset(np.arange(200)),), {},
                       lambda m, seed: m.sample(20, random_state=seed)),
}


def same(a, b) -> bool:
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return np.array_equal(a.images, b.images) and np.array_equal(a.labels, b.labels)


def test_every_registered_synthesizer_has_a_case():
    assert set(CASES) == {n for n in REGISTRY if n not in ("BaseSynthesizer", "GANSynthesizer")}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    est, args, kw, draw = CASES[request.param]()
    return est, args, kw, draw, clone(est).fit(*args, **kw)


def test_params_and_clone(case):
    est, *_ = case
    params = est.get_params()
    c = clone(est)
    assert c is not est and c.get_params().keys() == params.keys()
    assert all(c.get_params()[k] is v or c.get_params()[k] == v for k, v in params.items() if k != "classifier")


def test_not_fitted_before_fit(case, tmp_path):
    est, *_, draw, _ = case
    with pytest.raises(NotFittedError, match="not fitted yet"):
        draw(clone(est), 0)
    with pytest.raises(NotFittedError):
        clone(est).save(tmp_path / "m")


def test_same_seed_same_samples(case):
    est, args, kw, draw, fitted = case
    again = clone(est).fit(*args, **kw)
    assert same(draw(fitted, 5), draw(again, 5))
    assert not same(draw(fitted, 5), draw(fitted, 6))


def test_save_load_round_trip(case, tmp_path):
    est, args, kw, draw, fitted = case
    fitted.save(tmp_path / "m")
    back = synthboost.load(tmp_path / "m")
    assert type(back) is type(fitted)
    assert same(draw(fitted, 9), draw(back, 9))


@pytest.mark.parametrize("target", ["model.json", "model.safetensors"])
def test_a_crafted_pickle_in_place_of_a_model_file_is_refused(case, tmp_path, target):
    *_, fitted = case
    fitted.save(tmp_path / "m")

    class Boom:
        def __reduce__(self):
            return (exec, ("open('/tmp/synthboost_pwned', 'w').write('x')",))

    (tmp_path / "m" / target).write_bytes(pickle.dumps(Boom()))
    with pytest.raises(ModelFileError):
        synthboost.load(tmp_path / "m")
    import os

    assert not os.path.exists("/tmp/synthboost_pwned")
