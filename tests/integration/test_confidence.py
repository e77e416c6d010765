"""ConfidenceGAN: black-box confidence targets, the closed loop, persistence, bad input."""

import re

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.svm import SVC

from synthboost import ConfidenceGAN, ParameterError, SchemaError, datasets
from synthboost.models.tabular import make_model

FAST = dict(epochs=4, batch_size=64, verbose=False, random_state=0)


@pytest.fixture(scope="module")
def cancer():
    df, target = datasets.load("breast_cancer")
    X, y = df.drop(columns=target), df[target]
    clf = make_model("logreg").fit(X.iloc[:300], y.iloc[:300])
    return X.iloc[:300].reset_index(drop=True), y.iloc[:300].reset_index(drop=True), clf


def test_samples_keep_the_schema_and_report_desired_and_achieved_confidence(cancer):
    X, y, clf = cancer
    gan = ConfidenceGAN(clf, **FAST).fit(X)
    assert gan.positive_class_ == list(clf.classes_)[1]
    rows = gan.sample(50, confidence=0.8)
    assert list(rows.columns) == list(X.columns) and len(rows) == 50 and (rows.dtypes == X.dtypes).all()
    out = gan.sample(40, confidence=(0.1, 0.9), return_confidence=True)
    assert list(out.columns[-2:]) == ["desired_confidence", "achieved_confidence"]
    assert out["desired_confidence"].between(0.1, 0.9).all() and out["desired_confidence"].std() > 0.1
    np.testing.assert_allclose(out["achieved_confidence"], gan.confidence_of(out[X.columns]))
    per_row = np.linspace(0, 1, 7)
    assert np.allclose(gan.sample(7, confidence=per_row, return_confidence=True)["desired_confidence"], per_row)
    assert np.allclose(gan.sample(5, confidence="0.3", return_confidence=True)["desired_confidence"], 0.3)
    # the history logs the closed-loop term; the plain design has none
    assert (gan.history_["g_aux"] > 0).all() and len(gan.surrogate_history_) >= 1
    plain = ConfidenceGAN(clf, confidence_loss=0, **FAST).fit(X)
    assert (plain.history_["g_aux"] == 0).all() and plain.surrogate_history_ == []


def test_best_of_k_candidates_lands_closer_to_the_target(cancer):
    X, y, clf = cancer
    gan = ConfidenceGAN(clf, **FAST).fit(X)
    one = gan.sample(300, confidence=(0.05, 0.95), return_confidence=True, random_state=1)
    best = gan.sample(300, confidence=(0.05, 0.95), candidates=8, return_confidence=True, random_state=1)
    err = lambda d: (d["desired_confidence"] - d["achieved_confidence"]).abs().mean()  # noqa: E731
    assert err(best) < err(one)


def test_surrogate_screening_picks_rows_the_surrogate_scores_closest_without_the_black_box(cancer):

    X, y, clf = cancer
    gan = ConfidenceGAN(clf, **FAST).fit(X)
    t = np.linspace(0.05, 0.95, 300)

    def surrogate_err(rows):  # mean |s(row) - target| on the decoded rows, re-encoded
        with torch.no_grad():
            s = torch.sigmoid(gan.surrogate_(torch.as_tensor(gan.transformer_.transform(rows), dtype=torch.float32)))
        return float(np.abs(s.numpy() - t).mean())

    off, on = (gan.sample(300, confidence=t, screen=m, random_state=1) for m in (1, 8))
    assert surrogate_err(on) < surrogate_err(off)
    # screening in chunks (bounded memory) gives the same rows as in one go
    import synthboost.synthesizers.confidence as conf_module

    chunk = conf_module._SCREEN_CHUNK
    try:
        conf_module._SCREEN_CHUNK = 64
        pd.testing.assert_frame_equal(gan.sample(300, confidence=t, screen=8, random_state=1), on)
    finally:
        conf_module._SCREEN_CHUNK = chunk
    gan.set_params(classifier=None)
    assert len(gan.sample(20, confidence=0.5)) == 20  # the default screen needs no black box
    plain = ConfidenceGAN(clf, confidence_loss=0, **FAST).fit(X)
    assert len(plain.sample(10, confidence=0.5)) == 10  # screening is off by default: no trained surrogate
    with pytest.raises(ParameterError, match="confidence_loss=0"):
        plain.sample(10, confidence=0.5, screen=4)
    with pytest.raises(ParameterError, match="screen"):
        gan.sample(10, confidence=0.5, screen=0)


def test_calibration_maps_targets_to_conditions_that_reach_them(cancer):
    X, y, clf = cancer
    gan = ConfidenceGAN(clf, **FAST).fit(X)
    cal = gan.calibration_
    grid, mean = np.asarray(cal["condition"]), np.asarray(cal["achieved"])
    assert (grid[0], grid[-1]) == (0.0, 1.0) and mean[-1] > mean[0]  # over the conditions D is trained on; rises
    reachable = np.linspace(mean[0], mean[-1], 9)[1:-1]
    cond = gan._condition_for(reachable)
    np.testing.assert_allclose(np.interp(cond, grid, mean), reachable, atol=1e-6)  # f(f^-1(t)) = t
    # without calibration the target is the condition
    raw = ConfidenceGAN(clf, calibrate=False, **FAST).fit(X)
    assert raw.calibration_ is None and np.allclose(raw._condition_for(reachable), reachable)
    # training is the same either way: only the condition fed to G differs
    pd.testing.assert_frame_equal(raw.history_.drop(columns="seconds"), gan.history_.drop(columns="seconds"))
    # sample(n) without a confidence aims at what the black box gives G's rows made at the
    # training rows' own confidences (quantiles kept at fit), not at the in-sample scores
    nat = np.asarray(gan.natural_confidence_quantiles_)
    assert nat.shape == (101,) and (np.diff(nat) >= 0).all() and 0 <= nat[0] and nat[-1] <= 1
    d = gan.sample(400, return_confidence=True, random_state=1)["desired_confidence"]
    assert d.between(nat[0], nat[-1]).all() and abs(d.median() - nat[50]) < 0.1
    # targets where the black box scores almost no rows like the data get a warning
    gan.natural_confidence_quantiles_ = np.linspace(0.3, 0.7, 101).tolist()
    with pytest.warns(UserWarning, match="outside \\[0.304, 0.696\\]"):
        gan.sample(20, confidence=0.1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gan.sample(20, confidence=(0.35, 0.65))
    gan.natural_confidence_quantiles_ = [0.3] * 101
    assert np.allclose(gan.sample(5, return_confidence=True, random_state=1)["desired_confidence"], 0.3)
    assert raw.natural_confidence_quantiles_ is None  # uncalibrated: the training rows' confidences
    d = raw.sample(400, return_confidence=True, random_state=1)["desired_confidence"]
    assert d.between(raw.real_confidence_quantiles_[0], raw.real_confidence_quantiles_[-1]).all()
    with pytest.raises(ParameterError, match="calibration_rows"):
        ConfidenceGAN(clf, calibration_rows=10, **FAST).fit(X)


def test_a_surrogate_refresh_that_goes_non_finite_is_undone(cancer, monkeypatch):
    from synthboost.synthesizers import confidence as mod

    X, y, clf = cancer
    real = mod._SurrogateRefresher._score_generated
    calls, states = [], []

    def poisoned(self):  # the second refresh gets NaN black-box scores
        x, t, mae = real(self)
        calls.append(1)
        states.append({k: v.clone() for k, v in self.gan.surrogate_.state_dict().items()})
        return (x, t * float("nan"), float("nan")) if len(calls) == 2 else (x, t, mae)

    monkeypatch.setattr(mod._SurrogateRefresher, "_score_generated", poisoned)
    gan = ConfidenceGAN(clf, surrogate_every=1, **FAST).fit(X)
    assert [h["undone"] for h in gan.surrogate_history_] == [False, True, False, False]
    assert gan.surrogate_history_[1]["surrogate_loss"] is None
    # the third refresh started from the surrogate as it was before the undone one
    for k, v in states[1].items():
        assert torch.equal(v, states[2][k]), k
    assert all(torch.isfinite(p).all() for p in gan.surrogate_.parameters())
    assert np.isfinite(gan.sample(50, confidence=0.5, return_confidence=True)["achieved_confidence"]).all()


def test_same_seed_same_rows_and_save_load_round_trip(cancer, tmp_path):
    X, y, clf = cancer
    a = ConfidenceGAN(clf, **FAST).fit(X)
    b = ConfidenceGAN(clf, **FAST).fit(X)
    pd.testing.assert_frame_equal(a.sample(30, confidence=0.5, random_state=3), b.sample(30, confidence=0.5, random_state=3))
    a.save(tmp_path / "m")
    loaded = ConfidenceGAN.load(tmp_path / "m")
    assert loaded.classifier is None and loaded.positive_class_ == a.positive_class_
    pd.testing.assert_frame_equal(loaded.sample(30, confidence=0.5, random_state=3), a.sample(30, confidence=0.5, random_state=3))
    pd.testing.assert_frame_equal(loaded.sample(30, random_state=3), a.sample(30, random_state=3))  # natural targets kept
    with pytest.raises(ParameterError, match="no classifier"):
        loaded.sample(5, confidence=0.5, return_confidence=True)
    loaded.set_params(classifier=clf)
    assert "achieved_confidence" in loaded.sample(5, confidence=0.5, return_confidence=True)
    assert loaded.surrogate_history_ == a.surrogate_history_ and len(a.surrogate_history_) >= 1
    # clone keeps the fitted black box (sklearn's default would hand over an unfitted copy)
    c = clone(a)
    assert c.classifier is clf and set(c.get_params()) == set(a.get_params()) and not hasattr(c, "generator_")
    pd.testing.assert_frame_equal(c.fit(X).sample(30, confidence=0.5, random_state=3), a.sample(30, confidence=0.5, random_state=3))
    # a fitted model scores with the classifier it is given now
    other = make_model("logreg").set_params(clf__C=1e-3).fit(X, y)  # same classes, other scores
    rows = a.sample(20, confidence=0.5)
    before = a.confidence_of(rows)
    a.set_params(classifier=other)
    np.testing.assert_allclose(a.confidence_of(rows), other.predict_proba(rows)[:, 1])
    assert not np.allclose(a.confidence_of(rows), before)
    # the plain design's (untrained) surrogate is reproducible too
    p1, p2 = (ConfidenceGAN(clf, confidence_loss=0, **FAST).fit(X) for _ in range(2))
    for k, v in p1.surrogate_.state_dict().items():
        assert torch.equal(v, p2.surrogate_.state_dict()[k]), k


def test_bad_input_gets_clear_errors(cancer):
    X, y, clf = cancer
    with pytest.raises(ParameterError, match="predict_proba"):
        ConfidenceGAN(SVC().fit(X, y), **FAST).fit(X)
    with pytest.raises(ParameterError, match="not fitted"):
        ConfidenceGAN(make_model("rf"), **FAST).fit(X)
    with pytest.raises(SchemaError, match="different columns"):
        ConfidenceGAN(clf, **FAST).fit(X.drop(columns=X.columns[0]))
    iris, target = datasets.load("iris")
    multi = make_model("logreg").fit(iris.drop(columns=target), iris[target])
    with pytest.raises(ParameterError, match="positive_class"):
        ConfidenceGAN(multi, **FAST).fit(iris, target=target)
    with pytest.raises(ParameterError, match="not a class"):
        ConfidenceGAN(multi, positive_class="daisy", **FAST).fit(iris, target=target)
    ok = ConfidenceGAN(multi, positive_class=multi.classes_[0], **FAST).fit(iris, target=target)
    assert target not in ok.sample(5, confidence=0.9).columns
    features = iris.drop(columns=target)
    for score in (ok.confidence_of, ok.realism_scores):  # rows lacking a feature column
        with pytest.raises(SchemaError, match=re.escape(f"lack the feature column(s) [{features.columns[1]!r}]")):
            score(features.drop(columns=features.columns[1]))
    for bad in (1.5, -0.1, (0.9, 0.2), "x", [0.5, 0.5], "0.1:0.5:0.9", ("a", "b"), {"c": 0.5}, ["x"] * 5):
        with pytest.raises(ParameterError, match="confidence"):
            ok.sample(5, confidence=bad)
    for bad in (-1, "x", float("nan")):
        with pytest.raises(ParameterError, match="confidence_loss"):
            ConfidenceGAN(clf, confidence_loss=bad, **FAST).fit(X)
    for bad in (0, -1, 2.5):
        with pytest.raises(ParameterError, match="surrogate_hidden"):
            ConfidenceGAN(clf, surrogate_hidden=bad, **FAST).fit(X)
    for bad in (0, True, 1.5):
        with pytest.raises(ParameterError, match="candidates"):
            ok.sample(5, confidence=0.5, candidates=bad)
    with pytest.raises(NotImplementedError, match="confidence"):
        ok.sample_encoded(5)


def test_cli_writes_rows_and_a_report_that_renders(tmp_path):
    import json

    from typer.testing import CliRunner

    from synthboost.cli import app

    out = tmp_path / "conf"
    args = ["confidence", "breast_cancer", "--classifier", '{"model": "rf", "params": {"clf__n_estimators": 20}}',
            "-n", "120", "--confidence", "0.1:0.9", "--epochs", "3", "-o", str(out)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    rows = pd.read_csv(out / "rows.csv")
    assert len(rows) == 120 and rows["desired_confidence"].between(0.1, 0.9).all()
    summary = json.loads((out / "summary.json").read_text())
    assert 0 <= summary["confidence_mae"] <= 1 and summary["black_box_roc_auc"] > 0.8
    for name in ("roc", "confidence_histograms", "desired_vs_achieved", "tsne", "history"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 5000, name
    assert str(out / "report.html") in r.output
    bad = CliRunner().invoke(app, ["confidence", "breast_cancer", "--confidence", "1.5", "-o", str(tmp_path / "x")])
    assert bad.exit_code == 1 and "confidence" in bad.output and "Traceback" not in bad.output
    bad = CliRunner().invoke(app, ["confidence", "breast_cancer", "--classifier", "magic", "-o", str(tmp_path / "x")])
    assert bad.exit_code == 1 and "neither a model name" in bad.output
    from conftest import rendered_dom

    rendered_dom(out / "report.html", tmp_path / "profile")


def test_confidence_run_checks_its_arguments_before_training(tmp_path):
    from synthboost.experiments.confidence import run_confidence

    df, target = datasets.load("breast_cancer")
    cases = [(dict(n=0), "n=0"), (dict(candidates=0), "candidates"), (dict(screen=0), "screen"),
             (dict(screen=4, gan_params={"confidence_loss": 0}), "confidence_loss=0"),
             (dict(confidence="0.2:0.1"), "confidence"), (dict(test_size=1.5), "test_size")]
    for kwargs, match in cases:
        with pytest.raises(ParameterError, match=match):
            run_confidence(df, target, gan_params=kwargs.pop("gan_params", {"epochs": 1}),
                           echo=lambda _: None, **kwargs)
    assert not (tmp_path / "out").exists()


def test_classifier_descriptions_from_a_file_and_their_bad_values(tmp_path):
    import json

    from synthboost.experiments.confidence import make_classifier, run_confidence

    spec = tmp_path / "bb.json"
    spec.write_text(json.dumps({"model": "rf", "params": {"clf__n_estimators": 7}}))
    assert make_classifier(str(spec)).get_params()["clf__n_estimators"] == 7
    with pytest.raises(ParameterError, match='"params" must be an object'):
        make_classifier('{"model": "rf", "params": [7]}')
    with pytest.raises(ParameterError, match="do not fit model"):
        make_classifier('{"model": "rf", "params": {"n_trees": 7}}')
    df, target = datasets.load("breast_cancer")
    # a value of the wrong type passes set_params and fails only when the black box is trained
    with pytest.raises(ParameterError, match="cannot be trained"):
        run_confidence(df, target, classifier='{"model": "rf", "params": {"clf__n_estimators": "many"}}',
                       gan_params={"epochs": 1}, echo=lambda _: None)
    assert not (tmp_path / "out").exists()
