"""The forecasting boost experiment on a small synthetic series: window augmenters, forecasters,
the leakage-safe split, the grid runner's resume, the report, the CLI."""

import json

import numpy as np
import pandas as pd
import pytest

from synthboost import ParameterError, SchemaError, SeriesData
from synthboost.augment import series as aug
from synthboost.experiments.series import AUTO_GRID, SeriesBoostConfig, SeriesTask, run_series_boost
from synthboost.models.forecast import GRUForecaster, RidgeLags, lag_pairs


def ar_series(T=200, F=3, seed=0):
    """Weekly-like counts: an AR(2) around a seasonal level per column."""
    rng = np.random.default_rng(seed)
    x = np.zeros((T, F))
    for t in range(2, T):
        x[t] = 0.6 * x[t - 1] - 0.3 * x[t - 2] + rng.normal(size=F)
    level = 50 + 10 * np.sin(np.arange(T) / 8)[:, None]
    return SeriesData(np.round(level + 5 * x), [f"c{j}" for j in range(F)])


def test_window_transforms_keep_shape_and_their_defining_property():
    rng = np.random.default_rng(0)
    w = np.cumsum(rng.normal(size=(50, 12, 2)), axis=1)
    for name, f in aug.TRANSFORMS.items():
        if f is None:
            continue
        out = f(w, np.random.default_rng(1))
        assert out.shape == w.shape and np.isfinite(out).all(), name
        assert np.array_equal(out, f(w, np.random.default_rng(1))), name  # the explicit generator decides
        assert not np.allclose(out, w), name
    assert abs((aug.jitter(w, rng) - w).std() - 0.03) < 0.003
    ratio = aug.scaling(w, rng) / w  # one factor per window and feature
    assert np.allclose(ratio, ratio[:, :1, :])
    tw = aug.time_warp(w, rng)  # a monotone clock from step 0 to step T-1: the ends stay
    assert np.allclose(tw[:, 0], w[:, 0]) and np.allclose(tw[:, -1], w[:, -1])
    ws = aug.window_slice(w, rng)  # a slice stretched: its values lie within the window's range
    assert (ws >= w.min(1, keepdims=True) - 1e-9).all() and (ws <= w.max(1, keepdims=True) + 1e-9).all()
    made = aug.transformed("jitter", w, 120, np.random.default_rng(2))
    assert made.shape == (120, 12, 2)
    with pytest.raises(ParameterError, match="unknown series augmenter"):
        aug.check_series_augmenter("mixup")


def test_lag_pairs_and_forecasters():
    x = np.arange(20, dtype=float).reshape(10, 2)  # column 0: 0, 2, 4, ...; column 1: 1, 3, 5, ...
    X, y = lag_pairs(x, 3)
    assert X.shape == (14, 3) and np.array_equal(X[0], [0, 2, 4]) and y[0] == 6 and np.array_equal(X[1], [1, 3, 5])
    s = ar_series().values
    r = RidgeLags(4).fit(s)
    P = s[-4:].T  # each column's last 4 steps
    assert np.allclose(RidgeLags(4).fit_pairs(*lag_pairs(s, 4)).predict_next(P), r.predict_next(P))
    assert np.allclose(r.predict(s, 1)[0], r.predict_next(P))  # the rolled forecast's first step
    z = (s - s.mean(0)) / s.std(0)
    Xz, yz = lag_pairs(z, 4)
    g = GRUForecaster(epochs=30, patience=5, random_state=0).fit_pairs(Xz[:400], yz[:400], Xz[400:], yz[400:])
    assert np.array_equal(g.predict_next(Xz[400:]),
                          GRUForecaster(epochs=30, patience=5, random_state=0).fit_pairs(Xz[:400], yz[:400], Xz[400:],
                                                                                         yz[400:]).predict_next(Xz[400:]))
    mse = ((g.predict_next(Xz[400:]) - yz[400:]) ** 2).mean()
    assert mse < yz[400:].var()  # it learned something beyond the mean
    assert 1 <= g.best_epoch_ <= len(g.history_)


def test_split_is_chronological_with_gaps():
    data = ar_series()
    cfg = SeriesBoostConfig("ar", [60], [0], ["none"], ["ridge"], window=8, lags=4, test_steps=30, gap=8)
    task = SeriesTask(data, cfg)
    cell = task.cell(60)
    assert cell.test.stop == len(data.values) - 1 and len(cell.test) == 30  # differences: one step fewer
    assert cell.val.stop + cfg.gap == cell.test.start  # the gap before the test period
    assert cell.fit.stop + cfg.window == cell.val.start  # and one window between fitting and validation steps
    assert cell.fit.start == cell.test.start - cfg.gap - 60  # the most recent history
    X, y = cell.pairs(cell.fit, 4, within=True)
    assert len(y) == (len(cell.fit) - 4) * 3  # pairs from the fitting steps only
    w = cell.windows(8)
    assert w.shape == ((len(cell.fit) - 7) * 3, 8, 1)
    assert np.allclose(cell.z[cell.fit.start:cell.fit.stop].mean(0), 0)  # z-scored on the fitting steps


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("series_boost")
    res = run_series_boost(ar_series(), sizes=[48, 72], seeds=2, augmenters=["none", "jitter", "time-warp", "gan"],
                           models=["ridge", "gru"], output=str(out), ratio=1.0, test_steps=40,
                           gan_params={"epochs": 2, "hidden": 8}, gru_params={"epochs": 8, "patience": 3},
                           dataset_name="ar", progress=False)
    return out, res


def test_grid_rows_metrics_and_pairing(run):
    out, res = run
    assert len(res) == 2 * 2 * 4 * 2 and (res["error"] == "").all()
    assert np.isfinite(res[["mae", "rmse", "mase"]].to_numpy()).all()
    assert (res["rmse"] >= res["mae"]).all()
    none = res[res["augmenter"] == "none"]
    assert (none["n_synthetic"] == 0).all()
    ridge = none[none["model"] == "ridge"].sort_values(["size", "seed"])
    assert ridge.groupby("size")["mae"].nunique().eq(1).all()  # a fixed split: ridge alone is the same in every seed
    augmented = res[res["augmenter"] != "none"]
    assert (augmented["n_synthetic"] == augmented["n_real"]).all()  # ratio 1: one generated pair per real pair
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["kind"] == "series" and cfg["test_steps"] == 40 and cfg["gap"] == 8
    meta = json.loads((out / "showcase" / "gan" / "meta.json").read_text())
    assert meta["size"] == 72 and 0 <= meta["discriminative_score"] <= 0.5
    with np.load(out / "showcase" / "gan" / "windows.npz", allow_pickle=False) as z:
        assert z["real"].shape[1] == 8 and z["synthetic"].shape == z["real"].shape


def test_resume_runs_nothing_again_and_report_shows_the_series(run, monkeypatch):
    out, res = run
    import synthboost.experiments.series as mod

    monkeypatch.setattr(mod.SeriesTask, "run_job", lambda *a, **k: pytest.fail("a finished cell ran again"))
    again = run_series_boost(ar_series(), sizes=[48, 72], seeds=2, augmenters=["none", "jitter", "time-warp", "gan"],
                             models=["ridge", "gru"], output=str(out), ratio=1.0, test_steps=40,
                             gan_params={"epochs": 2, "hidden": 8}, gru_params={"epochs": 8, "patience": 3},
                             dataset_name="ar", progress=False)
    pd.testing.assert_frame_equal(again.sort_values(["seed", "size", "augmenter", "model"]).reset_index(drop=True),
                                  res.sort_values(["seed", "size", "augmenter", "model"]).reset_index(drop=True))
    from synthboost.report.html import build_report

    page = build_report(out).read_text()
    assert "one-step-ahead forecaster" in page and "Showcase: gan" in page
    assert (out / "figures" / "gan_windows.png").is_file()
    assert "discriminative score" in page and "training pairs added per real pair" in page


def test_the_gan_sees_only_its_fitting_windows(monkeypatch, tmp_path):
    from synthboost.synthesizers import TimeSeriesGAN

    seen = []
    real_fit = TimeSeriesGAN.fit

    def spy(self, X, **kw):
        seen.append(np.array(X))
        return real_fit(self, X, **kw)

    monkeypatch.setattr(TimeSeriesGAN, "fit", spy)
    data = ar_series()
    res = run_series_boost(data, sizes=[48], seeds=[3], augmenters=["gan"], models=["ridge"], output=str(tmp_path),
                           ratio="auto", test_steps=40, gan_params={"epochs": 1, "hidden": 8}, progress=False)
    assert res["ratio_used"].iloc[0] in AUTO_GRID
    task = SeriesTask(data, SeriesBoostConfig("x", [48], [3], ["gan"], ["ridge"], test_steps=40, gap=8))
    cell = task.cell(48)
    assert len(seen) == 1 and np.array_equal(seen[0], cell.windows(8))


def test_bad_settings_get_one_clear_error(tmp_path):
    data = ar_series()
    kw = dict(seeds=1, models=["ridge"], output=str(tmp_path), progress=False)
    with pytest.raises(ParameterError, match=r"history length 500 is outside \[\d+, \d+\]"):
        run_series_boost(data, sizes=[500], augmenters=["none"], **kw)
    with pytest.raises(ParameterError, match="history length 10 is outside"):
        run_series_boost(data, sizes=[10], augmenters=["none"], **kw)
    with pytest.raises(ParameterError, match="lags=8 must be shorter than the window"):
        run_series_boost(data, sizes=[60], augmenters=["none"], lags=8, **kw)
    with pytest.raises(ParameterError, match="unknown series augmenter"):
        run_series_boost(data, sizes=[60], augmenters=["flip"], **kw)
    with pytest.raises(ParameterError, match="gan_params may not set"):
        run_series_boost(data, sizes=[60], augmenters=["gan"], gan_params={"window": 4}, **kw)
    with pytest.raises(ParameterError, match="unknown model"):
        run_series_boost(data, sizes=[60], augmenters=["none"], seeds=1, models=["arima"], output=str(tmp_path))
    with pytest.raises(SchemaError, match="one series in time order"):
        run_series_boost(SeriesData(np.zeros((5, 10, 2)), ["a", "b"]), sizes=[60], augmenters=["none"], **kw)
    assert not (tmp_path / "results.csv").exists()  # nothing half-written


def test_cli_series_boost_and_upsample(tmp_path):
    from typer.testing import CliRunner

    from synthboost.cli import app

    runner = CliRunner()
    data = ar_series(160, 2)
    table = pd.DataFrame(data.values, columns=data.columns)
    table.insert(0, "week", pd.date_range("2015-01-05", periods=len(table), freq="W-MON"))
    table.to_csv(tmp_path / "s.csv", index=False)
    r = runner.invoke(app, ["series", "boost", str(tmp_path / "s.csv"), "--time-column", "week", "--sizes", "48",
                            "--seeds", "2", "--augmenters", "none,scaling,magnitude-warp,window-slice",
                            "--models", "ridge", "-o", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    assert "mean mae" in r.output and (tmp_path / "run" / "report.html").is_file()
    assert len(pd.read_csv(tmp_path / "run" / "results.csv")) == 8
    model = tmp_path / "m"
    r = runner.invoke(app, ["series", "fit", str(tmp_path / "s.csv"), "--time-column", "week", "--window", "8",
                            "--upsample-factor", "4", "--scaling", "standard", "--epochs", "1", "--no-verbose",
                            "-o", str(model)])
    assert r.exit_code == 0, r.output
    coarse = table[data.columns].iloc[:24].to_numpy().reshape(6, 4, 2).mean(1)
    pd.DataFrame(coarse, columns=data.columns).to_csv(tmp_path / "coarse.csv", index=False)
    r = runner.invoke(app, ["series", "upsample", str(model), str(tmp_path / "coarse.csv"), "--factor", "4",
                            "-o", str(tmp_path / "fine.csv")])
    assert r.exit_code == 0, r.output
    fine = pd.read_csv(tmp_path / "fine.csv")
    assert len(fine) == 24 and list(fine.columns) == ["step", "coarse_step", "c0", "c1"]
    # counts come back whole: rounding moves a block mean by less than 0.5
    assert np.abs(fine.groupby("coarse_step")[["c0", "c1"]].mean().to_numpy() - coarse).max() < 0.5
    r = runner.invoke(app, ["series", "upsample", str(model), str(tmp_path / "coarse.csv"), "--factor", "7",
                            "-o", str(tmp_path / "f2.csv")])
    assert r.exit_code == 1 and "this model makes 4 fine steps per coarse step" in r.output


def test_fan_and_parity_figures(tmp_path):
    from PIL import Image

    from synthboost.report.series import plot_fans, plot_parity

    rng = np.random.default_rng(0)
    panels = [{"observed": rng.poisson(30, 12), "truth": rng.poisson(30, 4), "paths": rng.poisson(30, (50, 4)),
               "label": f"county {i}", "baselines": {"ridge": np.full(4, 30.0)}} for i in range(3)]
    fan = plot_fans(panels, tmp_path / "fans.png")
    truth = rng.normal(size=40)
    parity = plot_parity(truth, {"perfect": truth, "noise": rng.normal(size=40)}, tmp_path / "parity.png")
    for p in (fan, parity):
        with Image.open(p) as im:
            assert im.format == "PNG" and im.size[0] > 600
