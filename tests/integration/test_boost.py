"""The boosting experiment: leakage-safety, resumability, parallel backends, bad input, CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthboost import GANResampler, OutputError, ParameterError, SchemaError, TabularGAN, datasets
from synthboost.baselines import AUGMENTERS, RandomOversampler
from synthboost.cli import app
from synthboost.experiments.boost import BoostConfig, read_results, run_boost, split

SEEN: list = []


class SpyOversampler(RandomOversampler):
    """Random oversampling that records every row it is fitted on."""

    def _fit_generator(self, X, y, rng):
        SEEN.append(X.copy())
        super()._fit_generator(X, y, rng)


def spy_factory(random_state=None, ratio=1.0):
    return SpyOversampler(ratio, random_state=random_state)


def fast_gan(random_state=None, ratio=1.0):
    return GANResampler(TabularGAN(epochs=2, batch_size=32, verbose=False), ratio=ratio, min_label_confidence=None,
                        random_state=random_state)


@pytest.fixture
def grid(monkeypatch):
    monkeypatch.setitem(AUGMENTERS, "spy", spy_factory)
    monkeypatch.setitem(AUGMENTERS, "gan", fast_gan)
    SEEN.clear()
    df, target = datasets.load("breast_cancer")
    return df, target


def keys(X: pd.DataFrame) -> set:
    return set(map(tuple, X.round(9).to_numpy()))


def test_augmenters_only_see_their_training_subsample(grid, tmp_path):
    df, target = grid
    res = run_boost(df, target, sizes=[40, 80], seeds=2, augmenters=["none", "spy", "gan"], models=["logreg", "rf"],
                    output=tmp_path, progress=False)
    assert len(res) == 2 * 2 * 3 * 2 and (res["error"].fillna("") == "").all()
    assert res[["roc_auc", "accuracy", "balanced_accuracy", "f1", "precision", "recall"]].apply(
        lambda c: c.between(0, 1)).all().all()
    assert (res["log_loss"] > 0).all()
    assert set(res.loc[res.augmenter == "spy", "n_synthetic"]) == {40, 80}
    assert (res.loc[res.augmenter == "none", "n_synthetic"] == 0).all()
    cfg = BoostConfig("d", target, [40, 80], [0, 1], [], [], test_size=0.3)
    expected = [(s, n) for s in (0, 1) for n in (40, 80)]
    assert len(SEEN) == len(expected)
    for seen, (seed, size) in zip(SEEN, expected):
        train, test = split(df, cfg, seed, size)
        assert keys(seen) == keys(train.drop(columns=target))
        assert not keys(seen) & keys(test.drop(columns=target))
    # the generative augmenter's showcase: largest size, first seed
    show = tmp_path / "showcase" / "gan"
    assert {p.name for p in show.iterdir()} == {"train.csv", "holdout.csv", "synthetic.csv", "history.csv", "meta.json"}
    assert len(pd.read_csv(show / "train.csv")) == 80 and len(pd.read_csv(show / "synthetic.csv")) == 80
    assert 0 <= json.loads((show / "meta.json").read_text())["realism_share"] <= 1


def test_rerun_skips_finished_cells_and_survives_a_cut_line(grid, tmp_path):
    df, target = grid
    kw = dict(sizes=[40], seeds=2, augmenters=["none", "spy"], models=["logreg"], output=tmp_path, progress=False)
    first = run_boost(df, target, **kw)
    assert len(SEEN) == 2
    with open(tmp_path / "results.csv", "a") as fh:  # an interrupted append
        fh.write("d,7,40,spy,logreg,40,4")
    again = run_boost(df, target, **kw)
    assert len(SEEN) == 2  # nothing recomputed
    pd.testing.assert_frame_equal(first, again)
    more = run_boost(df, target, **dict(kw, seeds=3))  # extending the grid runs only the new seed
    assert len(SEEN) == 3 and len(more) == 6
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["seeds"] == [0, 1, 2]
    assert config["lower_is_better"] == ["log_loss"]  # the task's orientation, for the report


def test_each_call_notes_its_machine_and_a_resume_elsewhere_warns(grid, tmp_path, monkeypatch):
    import synthboost.experiments.grid as grid_mod
    from synthboost.report.html import build_report

    df, target = grid
    kw = dict(sizes=[40], seeds=1, augmenters=["none"], models=["logreg"], output=tmp_path, progress=False)
    run_boost(df, target, **kw)
    run_boost(df, target, **kw)  # nothing to run: no line
    lines = [json.loads(x) for x in (tmp_path / "machines.jsonl").read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["jobs"] == 1 and lines[0]["scheduler"] == "local"
    assert lines[0]["cpu_capability"] and lines[0]["torch"]
    other = dict(grid_mod.machine(), cpu="Another CPU", cpu_capability="avx2")
    monkeypatch.setattr(grid_mod, "machine", lambda: other)
    with pytest.warns(UserWarning, match="another machine .*now Another CPU, avx2"):
        run_boost(df, target, **dict(kw, seeds=2))  # extends the run by one seed on "another machine"
    assert len((tmp_path / "machines.jsonl").read_text().splitlines()) == 2
    with open(tmp_path / "machines.jsonl", "a") as fh:  # an interrupted append
        fh.write('{"cpu": "Anoth')
    with pytest.warns(UserWarning, match="another machine"):
        run_boost(df, target, **dict(kw, seeds=3))
    *_, cut, last = (tmp_path / "machines.jsonl").read_text().splitlines()
    assert cut == '{"cpu": "Anoth' and json.loads(last)["cpu"] == "Another CPU"  # the cut line stays on its own
    page = build_report(tmp_path).read_text()
    assert "computed on" in page and "Another CPU (avx2)" in page and "within one machine only" in page


def test_results_of_another_configuration_are_refused_untouched(grid, tmp_path):
    df, target = grid
    kw = dict(sizes=[40], seeds=1, augmenters=["none"], models=["logreg"], output=tmp_path, progress=False)
    run_boost(df, target, **kw)
    before = (tmp_path / "results.csv").read_bytes()
    with pytest.raises(OutputError, match="different configuration.*ratio"):
        run_boost(df, target, **dict(kw, ratio=2.0))
    with pytest.raises(OutputError, match="data_fingerprint"):
        run_boost(df.iloc[:-1], target, **kw)
    assert (tmp_path / "results.csv").read_bytes() == before
    assert len(run_boost(df, target, **dict(kw, ratio=1))) == 1  # 1 and 1.0 are the same setting: resumes


@pytest.mark.parametrize(
    "change, error, match",
    [
        (dict(sizes=[500]), ParameterError, "larger than the training pool"),
        (dict(sizes=[4]), ParameterError, "too small to hold every class"),
        (dict(sizes=[397]), ParameterError, "leaves 1 of the 398 pool rows out"),  # stratified split needs 2
        (dict(test_size=0.001), ParameterError, "at least 2 \\(one per class\\) on each side"),
        (dict(augmenters=["none", "magic"]), ParameterError, "unknown augmenter 'magic'"),
        (dict(models=["svm"]), ParameterError, "unknown model"),
        (dict(target="nope"), SchemaError, "not in the data"),
        (dict(sizes=[40.5]), ParameterError, "whole numbers"),
        (dict(sizes=["abc"]), ParameterError, "whole numbers"),
        (dict(sizes=[40, 40]), ParameterError, "twice"),
        (dict(seeds=[-1]), ParameterError, "seeds must be non-negative"),
        (dict(n_jobs=0), ParameterError, "n_jobs=0 must be a non-zero integer"),
    ],
)
def test_bad_grids_fail_before_anything_is_written(grid, tmp_path, change, error, match):
    df, target = grid
    kw = dict(sizes=[40], seeds=1, augmenters=["none"], models=["logreg"], output=tmp_path / "run", progress=False)
    kw.update(change)
    with pytest.raises(error, match=match):
        run_boost(df, kw.pop("target", target), **kw)
    assert not (tmp_path / "run").exists()


def test_an_unreachable_scheduler_leaves_earlier_results_alone(grid, tmp_path, monkeypatch):
    import synthboost.experiments.grid as runner

    df, target = grid
    kw = dict(sizes=[40], seeds=1, augmenters=["none"], models=["logreg"], output=tmp_path, progress=False)
    run_boost(df, target, **kw)
    before = (tmp_path / "results.csv").read_bytes()

    def unreachable(address):
        raise ParameterError(f"cannot reach the Dask scheduler at {address}")

    monkeypatch.setattr(runner, "connect", unreachable)
    with pytest.raises(ParameterError, match="cannot reach"):
        run_boost(df, target, overwrite=True, scheduler="tcp://127.0.0.1:1", **kw)
    assert (tmp_path / "results.csv").read_bytes() == before  # --overwrite discards nothing before connecting


def test_single_class_target_is_refused(tmp_path):
    df = pd.DataFrame({"a": np.arange(50.0), "y": ["x"] * 50})
    with pytest.raises(SchemaError, match="single class"):
        run_boost(df, "y", sizes=[20], seeds=1, augmenters=["none"], models=["logreg"], output=tmp_path, progress=False)
    with pytest.raises(SchemaError, match="'a' has 50 distinct values in 50 rows; boosting needs a class label"):
        run_boost(df, "a", sizes=[20], seeds=1, augmenters=["none"], models=["logreg"], output=tmp_path, progress=False)


class Broken(RandomOversampler):
    def _fit_generator(self, X, y, rng):
        raise RuntimeError("peer library failed")


def test_a_failing_augmenter_is_recorded_and_the_grid_goes_on(grid, monkeypatch, tmp_path):
    df, target = grid
    monkeypatch.setitem(AUGMENTERS, "broken", lambda random_state=None, ratio=1.0: Broken(ratio, random_state=random_state))
    res = run_boost(df, target, sizes=[40], seeds=2, augmenters=["none", "broken"], models=["logreg"],
                    output=tmp_path / "run", progress=False)
    bad = res[res["augmenter"] == "broken"]
    assert len(bad) == 2 and bad["error"].str.contains("RuntimeError: peer library failed").all()
    assert res.loc[res["augmenter"] == "none", "roc_auc"].notna().all()
    # once the cause is gone, the same command retries only the failed cells, and their results replace the errors
    monkeypatch.setitem(AUGMENTERS, "broken", spy_factory)
    again = run_boost(df, target, sizes=[40], seeds=2, augmenters=["none", "broken"], models=["logreg"],
                      output=tmp_path / "run", progress=False)
    assert len(SEEN) == 2 and len(again) == 4 and (again["error"] == "").all() and again["roc_auc"].notna().all()


def test_joblib_and_dask_give_the_serial_results(grid, tmp_path):
    df, target = grid
    kw = dict(sizes=[40], seeds=2, augmenters=["none", "random_oversample", "smote"], models=["logreg"], progress=False)
    cols = ["seed", "size", "augmenter", "model", "roc_auc", "log_loss"]

    def ordered(r):
        return r[cols].sort_values(cols[:4]).reset_index(drop=True)

    serial = ordered(run_boost(df, target, output=tmp_path / "serial", **kw))
    par = ordered(run_boost(df, target, output=tmp_path / "joblib", n_jobs=2, **kw))
    pd.testing.assert_frame_equal(serial, par)
    from distributed import Client, LocalCluster

    # worker processes reached by address, as `--scheduler tcp://host:8786` does: cells travel between processes
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        dask = ordered(run_boost(df, target, output=tmp_path / "dask", scheduler=cluster.scheduler_address, **kw))
        with Client(cluster) as client:  # an existing client is used as is
            more = run_boost(df, target, output=tmp_path / "dask", scheduler=client, **dict(kw, seeds=3))
    pd.testing.assert_frame_equal(serial, dask)
    assert len(more) == 9 and set(more["seed"]) == {0, 1, 2}


def test_cli_boost_prints_a_summary_and_resumes(grid, tmp_path):
    out = tmp_path / "run"
    args = ["boost", "breast_cancer", "--sizes", "40,80", "--seeds", "3", "--augmenters", "none,random_oversample",
            "--models", "logreg", "-o", str(out), "--no-report"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "n=40" in r.output and "random_oversample" in r.output and "results:" in r.output
    assert len(read_results(out / "results.csv")) == 2 * 3 * 2
    r = CliRunner().invoke(app, args[:-3] + ["--ratio", "3", "-o", str(out)])
    assert r.exit_code == 1 and "different configuration" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["boost", "breast_cancer", "--sizes", "9999", "-o", str(tmp_path / "x")])
    assert r.exit_code == 1 and "larger than the training pool" in r.output


def test_scores_follow_the_models_class_order_when_labels_sort_differently_as_text():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss, roc_auc_score

    from synthboost.experiments.boost import _scores

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300)})
    y = pd.Series(np.where(X["a"] + rng.normal(0, 0.5, 300) > 0, 10, 9))  # "10" < "9" as text
    m = LogisticRegression().fit(X, y)
    s = _scores(m, X, y, positive=10)
    assert s["log_loss"] == pytest.approx(log_loss(y, m.predict_proba(X)))
    assert s["roc_auc"] == pytest.approx(roc_auc_score(y == 10, m.predict_proba(X)[:, 1]))
    y3 = pd.Series(rng.choice([1, 2, 10], 300))
    X3 = X.assign(b=y3 + rng.normal(0, 1, 300))
    m3 = LogisticRegression().fit(X3, y3)
    s3 = _scores(m3, X3, y3, positive=None)
    assert s3["log_loss"] == pytest.approx(log_loss(y3, m3.predict_proba(X3)))
    assert s3["roc_auc"] == pytest.approx(roc_auc_score(y3, m3.predict_proba(X3), multi_class="ovr"))


def test_the_mlp_search_validates_on_real_rows_only_and_trains_on_all():
    from synthboost.models.tabular import SearchedMLP

    df, target = datasets.load("breast_cancer")
    X, y = df.drop(columns=target).iloc[:90], df[target].iloc[:90]
    junk = X.sample(60, random_state=0).reset_index(drop=True) * 3  # "synthetic" rows, labels flipped
    flipped = y.sample(60, random_state=0).map({v: w for v, w in zip(sorted(y.unique()), sorted(y.unique())[::-1])})
    Xa, ya = pd.concat([X, junk], ignore_index=True), pd.concat([y, flipped.reset_index(drop=True)], ignore_index=True)
    real = SearchedMLP(random_state=0, n_iter=3).fit(X, y)
    aug = SearchedMLP(random_state=0, n_iter=3).fit(Xa, ya, n_real=len(X))
    # the same search on the same real rows picks the same configuration ...
    assert aug.best_params_ == real.best_params_
    np.testing.assert_allclose(aug.cv_results_["mean_test_score"], real.cv_results_["mean_test_score"])
    # ... which is then trained on the real and the synthetic rows
    assert not np.allclose(aug.predict_proba(X), real.predict_proba(X))
    with pytest.raises(ParameterError, match="n_real"):
        SearchedMLP(n_iter=1).fit(X, y, n_real=0)


def test_the_mlp_does_not_depend_on_the_global_torch_stream():
    import torch

    from synthboost.models.tabular import TorchMLPClassifier

    df, target = datasets.load("breast_cancer")
    X, y = df.drop(columns=target).iloc[:80].to_numpy(float), df[target].iloc[:80]
    X = (X - X.mean(0)) / X.std(0)
    probas = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        probas.append(TorchMLPClassifier(epochs=3, random_state=5).fit(X, y).predict_proba(X))
    np.testing.assert_array_equal(probas[0], probas[1])
