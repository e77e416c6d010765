import numpy as np
import pandas as pd
import pytest

from synthboost.errors import ParameterError
from synthboost.experiments.stats import holm, paired_gains, summary_table


def test_holm_hand_computed():
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone: 0.06
    got = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(got, [0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_keeps_nan():
    got = holm([0.5, np.nan, 0.2, 0.9])
    # m = 3 (NaN excluded): 0.2*3=0.6, 0.5*2=1.0, 0.9*1 -> max(1.0, 0.9)=1.0
    np.testing.assert_allclose(got[[0, 2, 3]], [1.0, 0.6, 1.0])
    assert np.isnan(got[1])
    assert holm([]).shape == (0,)
    assert np.isnan(holm([np.nan])).all()


def _results(gain_by_aug: dict, sizes=(50,), models=("logreg",), n_seeds=10, noise=0.005, seed=0, metric="roc_auc"):
    rng = np.random.default_rng(seed)
    rows = []
    for size in sizes:
        for model in models:
            for s in range(n_seeds):
                base = 0.7 + rng.normal(0, 0.03)
                rows.append(dict(dataset="d", seed=s, size=size, augmenter="none", model=model, **{metric: base}))
                for aug, gain in gain_by_aug.items():
                    value = base + (gain(rng) if callable(gain) else gain + rng.normal(0, noise))
                    rows.append(dict(dataset="d", seed=s, size=size, augmenter=aug, model=model, **{metric: value}))
    return pd.DataFrame(rows)


def test_clear_gain_is_significant_and_noise_is_not():
    res = _results({"good": 0.05, "noise": lambda rng: rng.normal(0, 0.02)})
    g = paired_gains(res).set_index("augmenter")
    assert list(paired_gains(res).columns) == [
        "dataset", "size", "model", "augmenter", "metric", "n", "mean_baseline", "mean_augmented", "mean_gain",
        "ci_low", "ci_high", "p_value", "p_holm", "wins", "ties", "losses", "significant", "verdict",
    ]
    good = g.loc["good"]
    assert good["n"] == 10 and good["wins"] == 10 and good["losses"] == 0
    assert good["mean_gain"] == pytest.approx(0.05, abs=0.005)
    assert 0 < good["ci_low"] < good["mean_gain"] < good["ci_high"]
    assert good["significant"] and good["verdict"] == "gain"
    assert good["p_holm"] >= good["p_value"]
    noise = g.loc["noise"]
    assert not noise["significant"] and noise["verdict"] == "n.s."
    assert noise["ci_low"] < 0 < noise["ci_high"]


def test_clear_loss_verdict():
    g = paired_gains(_results({"bad": -0.05})).iloc[0]
    assert g["verdict"] == "loss" and g["losses"] == 10 and g["ci_high"] < 0


def test_log_loss_lower_is_better():
    # augmented log_loss is 0.1 lower -> a positive gain
    res = _results({"good": -0.1}, metric="log_loss")
    g = paired_gains(res, metric="log_loss").iloc[0]
    assert g["metric"] == "log_loss"
    assert g["mean_gain"] == pytest.approx(0.1, abs=0.01)
    assert g["mean_augmented"] < g["mean_baseline"]
    assert g["wins"] == 10 and g["verdict"] == "gain"


def test_caller_states_the_orientation():
    # a metric the fallback list does not know: the caller's lower_is_better decides the sign
    res = _results({"good": -0.1}, metric="seconds_to_fit")
    assert paired_gains(res, metric="seconds_to_fit").iloc[0]["verdict"] == "loss"
    g = paired_gains(res, metric="seconds_to_fit", lower_is_better=True).iloc[0]
    assert g["mean_gain"] == pytest.approx(0.1, abs=0.01) and g["verdict"] == "gain"
    # and overrides the list where a task says otherwise
    ll = _results({"a": -0.1}, metric="log_loss")
    assert paired_gains(ll, metric="log_loss", lower_is_better=False).iloc[0]["mean_gain"] < 0
    with pytest.raises(ParameterError, match="lower_is_better"):
        paired_gains(res, metric="seconds_to_fit", lower_is_better="yes")


def test_tasks_declare_their_orientation():
    from synthboost.experiments import boost, images, series

    assert boost.TableTask.lower_is_better == {"log_loss"}
    assert {"log_loss", "epochs_to_90", "epochs_to_baseline_90"} == images.ImageTask.lower_is_better
    assert series.SeriesTask.lower_is_better == set(series.METRICS)
    for task, metrics in ((boost.TableTask, boost.METRICS), (images.ImageTask, images.METRICS), (series.SeriesTask, series.METRICS)):
        assert task.lower_is_better - {"epochs_to_baseline_90"} <= set(metrics)


def test_wins_ties_losses_and_all_ties():
    base = pd.DataFrame(dict(dataset="d", seed=range(6), size=20, augmenter="none", model="m", roc_auc=0.7))
    diffs = [0.1, 0.2, 0.0, 1e-12, -0.1, 0.3]
    aug = base.assign(augmenter="a", roc_auc=0.7 + np.array(diffs))
    same = base.assign(augmenter="same")
    g = paired_gains(pd.concat([base, aug, same]), tie_tol=1e-9).set_index("augmenter")
    assert (g.loc["a", "wins"], g.loc["a", "ties"], g.loc["a", "losses"]) == (3, 2, 1)
    assert g.loc["same", "ties"] == 6 and g.loc["same", "p_value"] == 1.0 and g.loc["same", "verdict"] == "n.s."
    assert g.loc["same", "mean_gain"] == 0


def test_pairs_by_seed_and_drops_missing():
    res = _results({"a": 0.05}, n_seeds=5)
    res = res[~((res["augmenter"] == "a") & (res["seed"] == 0))]  # seed 0 has no augmented row
    res.loc[(res["augmenter"] == "none") & (res["seed"] == 1), "roc_auc"] = np.nan  # a failed baseline cell
    g = paired_gains(res).iloc[0]
    assert g["n"] == 3
    one = paired_gains(_results({"a": 0.05}, n_seeds=1)).iloc[0]
    assert one["n"] == 1 and np.isnan(one["p_value"]) and one["verdict"] == "n.s."


def test_holm_spans_all_rows():
    res = _results({"a": 0.05, "b": 0.04}, sizes=(20, 50), models=("m1", "m2"))
    g = paired_gains(res)
    assert len(g) == 8
    np.testing.assert_allclose(g["p_holm"], holm(g["p_value"]))
    assert set(g["size"]) == {20, 50} and set(g["model"]) == {"m1", "m2"}


def test_missing_baseline_raises():
    res = _results({"a": 0.05})
    with pytest.raises(ParameterError, match="baseline augmenter 'none'"):
        paired_gains(res[res["augmenter"] != "none"])
    with pytest.raises(ParameterError, match="f1"):
        paired_gains(res, metric="f1")


def test_deterministic():
    res = _results({"a": 0.01, "b": lambda rng: rng.normal(0, 0.02)})
    a = paired_gains(res, random_state=3)
    b = paired_gains(res, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    c = paired_gains(res, random_state=4)
    assert not np.allclose(a["ci_low"], c["ci_low"])
    # a row's interval does not depend on the other rows of the table
    only_a = paired_gains(res[res["augmenter"] != "b"], random_state=3)
    assert only_a["ci_low"].iloc[0] == a.set_index("augmenter").loc["a", "ci_low"]


def test_summary_table():
    res = _results({"a": 0.05}, sizes=(20, 50), n_seeds=4)
    t = summary_table(res)
    assert list(t.columns) == ["size", "model", "augmenter", "n", "mean", "std"]
    assert len(t) == 4 and t["augmenter"].iloc[0] == "none"
    row = t[(t["size"] == 20) & (t["augmenter"] == "a")].iloc[0]
    sub = res[(res["size"] == 20) & (res["augmenter"] == "a")]["roc_auc"]
    assert row["n"] == 4
    assert row["mean"] == pytest.approx(sub.mean()) and row["std"] == pytest.approx(sub.std())
    two = pd.concat([res.assign(dataset="x"), res.assign(dataset="y", roc_auc=res["roc_auc"] + 0.1)])
    t2 = summary_table(two)  # datasets stay apart
    assert list(t2.columns[:2]) == ["dataset", "size"] and len(t2) == 8
    assert (t2.groupby("dataset")["mean"].mean().diff().iloc[1]) == pytest.approx(0.1)
