"""TimeSeriesGAN on small windows, a few epochs: shapes, forms, units, persistence, bad input."""

import numpy as np
import pandas as pd
import pytest
import torch

from synthboost import ParameterError, SchemaError, TimeSeriesGAN, datasets, load


def weekly(n=120):
    rng = np.random.default_rng(0)
    t = pd.date_range("2010-01-04", periods=n, freq="W-MON")
    return pd.DataFrame({"week": t, "cases": rng.poisson(30 + 20 * np.sin(np.arange(n) / 8)),
                         "temp": 10 + 8 * np.sin(np.arange(n) / 8 + 1) + rng.normal(size=n)})


@pytest.mark.parametrize("architecture", ["gru", "conv", "dense"])
def test_windows_in_windows_out(architecture):
    x = datasets.load("sines", n=128).values
    m = TimeSeriesGAN(architecture=architecture, epochs=2, verbose=False, random_state=0).fit(x)
    s = m.sample(10)
    assert s.shape == (10, 24, 5) and np.isfinite(s).all()
    assert s.min() >= 0 and s.max() <= 1  # minmax scaling and a sigmoid output: the training range
    assert {"g_loss", "d_loss", "gp"} <= set(m.history_.columns) and (m.history_["gp"] > 0).any()


def test_table_in_long_table_out_with_counts_kept_counts(tmp_path):
    df = weekly()
    m = TimeSeriesGAN(window=12, stride=2, time_column="week", scaling="log1p", epochs=2, verbose=False,
                      random_state=0).fit(df)
    out = m.sample(3)
    assert list(out.columns) == ["window", "step", "cases", "temp"] and len(out) == 3 * 12
    assert (out["cases"] >= 0).all() and np.array_equal(out["cases"], out["cases"].round())
    assert m.n_windows_ == (120 - 12) // 2 + 1
    m.save(tmp_path / "ts")
    back = load(tmp_path / "ts")
    assert isinstance(back, TimeSeriesGAN)
    assert back.sample(4, random_state=7).equals(m.sample(4, random_state=7))


def test_first_differences_restore_levels():
    df = weekly()
    m = TimeSeriesGAN(window=10, time_column="week", columns=["temp"], scaling="diff", epochs=1, verbose=False,
                      random_state=0).fit(df)
    out = m.sample(2)
    assert list(out.columns) == ["window", "step", "temp"] and np.isfinite(out["temp"]).all()


def test_bad_input_gets_one_clear_error():
    with pytest.raises(SchemaError, match="must be an array"):
        TimeSeriesGAN(epochs=1, verbose=False).fit(np.zeros((10, 3)))
    with pytest.raises(SchemaError, match=r"columns \['city'\] are not numeric"):
        TimeSeriesGAN(epochs=1, verbose=False, time_column="week").fit(weekly().assign(city="Győr"))
    with pytest.raises(SchemaError, match="shorter than two windows"):
        TimeSeriesGAN(window=80, epochs=1, verbose=False, time_column="week").fit(weekly())
    with pytest.raises(ParameterError, match="needs one series"):
        TimeSeriesGAN(scaling="diff", epochs=1, verbose=False).fit(datasets.load("sines", n=20).values)
    with pytest.raises(ParameterError, match="architecture='lstm'"):
        TimeSeriesGAN(architecture="lstm", epochs=1, verbose=False).fit(datasets.load("sines", n=20).values)


def test_continuation_of_an_observed_series():
    df = weekly(150)
    m = TimeSeriesGAN(window=16, context=12, time_column="week", epochs=2, verbose=False, random_state=0).fit(df)
    paths = m.sample(5, context=df.tail(20), random_state=1)
    assert list(paths.columns) == ["path", "step", "cases", "temp"] and len(paths) == 5 * 4
    assert paths["step"].tolist()[:4] == [1, 2, 3, 4] and (paths["cases"] >= 0).all()
    again = m.sample(5, context=df.tail(12), random_state=1)  # only the last 12 steps are read
    assert paths.equals(again)
    arr = TimeSeriesGAN(window=16, context=12, epochs=1, verbose=False, random_state=0).fit(
        df[["cases", "temp"]].to_numpy()[None].repeat(3, 0)[:, :16])
    assert arr.sample(3, context=np.ones((12, 2)) * 30).shape == (3, 4, 2)
    with pytest.raises(SchemaError, match=r"must be \(steps, 2\)"):
        arr.sample(2, context=np.ones((12, 3)))
    with pytest.raises(SchemaError, match="continues the last 12 steps"):
        arr.sample(2, context=np.ones((5, 2)))
    with pytest.raises(ParameterError, match="pass context="):
        arr.sample(2)
    with pytest.raises(ParameterError, match="shorter than the window"):
        TimeSeriesGAN(window=16, context=16, epochs=1, verbose=False).fit(df[["cases"]].to_numpy()[None].repeat(3, 0)[:, :16])


def test_warm_start_copies_weights_and_refuses_another_shape(tmp_path):
    from synthboost.base import make_rngs, torch_generator

    x = datasets.load("sines", n=64).values
    a = TimeSeriesGAN(epochs=2, verbose=False, random_state=0).fit(x)
    a.save(tmp_path / "a")
    b = TimeSeriesGAN(epochs=1, init_model=str(tmp_path / "a"), verbose=False, random_state=5)
    b._validate_params()
    rng, seed = make_rngs(5)
    b._encode(b._prepare(datasets.load("sines", n=64, seed=9).values), rng)
    b._build_networks()
    b._init_networks(torch_generator(seed))
    for k, v in a.generator_.state_dict().items():
        assert torch.equal(v, b.generator_.state_dict()[k])
    b.fit(datasets.load("sines", n=64, seed=9).values)  # trains on from there, and saves without the source
    b.save(tmp_path / "b")
    assert load(tmp_path / "b").init_model == str(tmp_path / "a")
    with pytest.raises(ParameterError, match="does not fit this model"):
        TimeSeriesGAN(hidden=32, epochs=1, init_model=a, verbose=False).fit(x)
    with pytest.raises(ParameterError, match="does not fit this model"):
        TimeSeriesGAN(epochs=1, init_model=a, verbose=False).fit(x[:, :, :3])


def test_cli_series_fit_and_sample(tmp_path):
    from typer.testing import CliRunner

    from synthboost.cli import app

    runner = CliRunner()
    weekly().to_csv(tmp_path / "w.csv", index=False)
    model = tmp_path / "m"
    r = runner.invoke(app, ["series", "fit", str(tmp_path / "w.csv"), "--time-column", "week", "--window", "12",
                            "--context", "8", "--epochs", "1", "--no-verbose", "--random-state", "0", "-o", str(model)])
    assert r.exit_code == 0, r.output
    assert "windows of 12 steps x 2 columns" in r.output
    r = runner.invoke(app, ["series", "sample", str(model), "-n", "5", "--context", str(tmp_path / "w.csv"),
                            "-o", str(tmp_path / "paths.csv")])
    assert r.exit_code == 0, r.output
    paths = pd.read_csv(tmp_path / "paths.csv")
    assert list(paths.columns) == ["path", "step", "cases", "temp"] and len(paths) == 20
    r = runner.invoke(app, ["series", "sample", str(model), "-n", "5", "--context", str(tmp_path / "w.csv"),
                            "-o", str(tmp_path / "paths.npy")])
    assert r.exit_code == 0 and np.load(tmp_path / "paths.npy").shape == (5, 4, 2)
    r = runner.invoke(app, ["series", "sample", str(model), "-n", "5", "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 1 and "pass context=" in r.output
    r = runner.invoke(app, ["series", "fit", str(tmp_path / "w.csv"), "--time-column", "week", "--window", "12",
                            "--calendar", "year", "--epochs", "1", "--hidden", "8", "--no-verbose", "-o", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["series", "sample", str(tmp_path / "c"), "-n", "2", "--start", "2011-01-03",
                            "-o", str(tmp_path / "c.csv")])
    assert r.exit_code == 0, r.output
    dated = pd.read_csv(tmp_path / "c.csv", parse_dates=["week"])
    assert list(dated.columns) == ["window", "step", "week", "cases", "temp"] and dated["week"].iloc[0] == pd.Timestamp("2011-01-03")
    r = runner.invoke(app, ["series", "sample", str(tmp_path / "c"), "-n", "2", "--start", "2011-01-03",
                            "-o", str(tmp_path / "c.npy")])
    assert r.exit_code == 0 and np.load(tmp_path / "c.npy").shape == (2, 12, 2)
    r = runner.invoke(app, ["series", "sample", str(model), "-n", "2", "--context", str(tmp_path / "w.csv"),
                            "--start", "2011-01-03", "-o", str(tmp_path / "z.csv")])
    assert r.exit_code == 1 and "start= is for models fitted with a calendar" in r.output
    r = runner.invoke(app, ["series", "fit", "mnist", "-o", str(tmp_path / "y")])
    assert r.exit_code == 1 and "'mnist' is an image dataset; the series commands need a series" in r.output


def test_upsample_keeps_every_block_mean():
    df = weekly(200)[["temp"]].assign(load=lambda d: 3 * d["temp"] + 5)
    m = TimeSeriesGAN(window=12, upsample_factor=4, epochs=2, verbose=False, random_state=0).fit(
        __import__("synthboost").SeriesData(df.to_numpy(), ["temp", "load"]))
    coarse = df.to_numpy()[:40].reshape(10, 4, 2).mean(axis=1)  # 10 blocks of 4 steps
    fine = m.upsample(coarse, random_state=1)
    assert fine.shape == (40, 2)
    assert np.allclose(fine.reshape(10, 4, 2).mean(axis=1), coarse, atol=1e-4)
    assert np.array_equal(fine, m.upsample(coarse, random_state=1))
    with pytest.raises(ParameterError, match="multiple of it"):
        TimeSeriesGAN(window=10, upsample_factor=4, epochs=1, verbose=False).fit(datasets.load("sines", n=20).values[:, :10])
    with pytest.raises(ParameterError, match="upsample_factor > 1"):
        TimeSeriesGAN(epochs=1, verbose=False).fit(datasets.load("sines", n=20).values).upsample(coarse)


def seasonal(n=260):
    """Weekly values whose level is the season: 2 sin(2 pi day-of-year / 365.25) + small noise."""
    t = pd.date_range("2000-01-03", periods=n, freq="W-MON")
    x = 2 * np.sin(2 * np.pi * (t.day_of_year - 1) / 365.25) + 0.1 * np.random.default_rng(0).standard_normal(n)
    return pd.DataFrame({"date": t, "v": x})


def test_calendar_conditioning_follows_the_dates(tmp_path):
    df = seasonal()
    m = TimeSeriesGAN(window=8, calendar="year", time_column="date", architecture="conv", hidden=16, layers=1,
                      epochs=20, batch_size=64, lr=3e-3, scaling="standard", verbose=False, random_state=0).fit(df)
    spring = m.sample(200, start="2010-03-01", random_state=1)  # true level about +1.9
    autumn = m.sample(200, start="2010-09-06", random_state=1)  # about -1.8
    assert list(spring.columns) == ["window", "step", "date", "v"]
    assert spring["date"].iloc[:3].tolist() == list(pd.date_range("2010-03-01", periods=3, freq="W-MON"))
    assert spring["v"].mean() - autumn["v"].mean() > 2.0
    free = m.sample(50, random_state=2)  # dates drawn from the training windows' starts
    assert free["date"].min() >= df["date"].min() and free["date"].dt.dayofweek.eq(0).all()
    per = m.sample(2, start=["2011-01-05", "2011-07-06"], random_state=3)  # rolled onto the Monday of the week
    assert per.groupby("window")["date"].first().tolist() == [pd.Timestamp("2011-01-10"), pd.Timestamp("2011-07-11")]
    m.save(tmp_path / "cal")
    back = load(tmp_path / "cal")
    assert back.sample(5, start="2012-05-07", random_state=4).equals(m.sample(5, start="2012-05-07", random_state=4))
    with pytest.raises(SchemaError, match="3 timestamps .* for 2 windows"):
        m.sample(2, start=["2011-01-03"] * 3)
    with pytest.raises(SchemaError, match="not a timestamp"):
        m.sample(2, start="next tuesday")


def test_calendar_continuation_reads_the_context_dates():
    df = seasonal(200)
    m = TimeSeriesGAN(window=10, context=6, calendar="year+week", time_column="date", epochs=1, hidden=8, layers=1,
                      verbose=False, random_state=0).fit(df)
    paths = m.sample(3, context=df.tail(6), random_state=1)
    step = pd.Timedelta(weeks=1)
    assert paths["date"].iloc[0] == df["date"].iloc[-1] + step and len(paths) == 3 * 4
    same = m.sample(3, context=df["v"].tail(6).to_numpy(), start=df["date"].iloc[-6], random_state=1)
    assert same.equals(paths)
    with pytest.raises(ParameterError, match="pass start="):
        m.sample(3, context=df["v"].tail(6).to_numpy())


def test_calendar_refusals():
    with pytest.raises(SchemaError, match="needs one series with timestamps"):
        TimeSeriesGAN(calendar="year", epochs=1, verbose=False).fit(datasets.load("sines", n=20).values)
    with pytest.raises(ParameterError, match="calendar='month'"):
        TimeSeriesGAN(calendar="month", epochs=1, verbose=False).fit(seasonal())
    with pytest.raises(ParameterError, match="calendar='week' needs no upsample_factor"):
        TimeSeriesGAN(window=8, calendar="week", upsample_factor=2, scaling="standard", time_column="date", epochs=1,
                      verbose=False).fit(seasonal())
    with pytest.raises(ParameterError, match="calendar='week' needs the GRU generator"):
        TimeSeriesGAN(window=8, calendar="week", architecture="dense", time_column="date", epochs=1,
                      verbose=False).fit(seasonal())
    plain = TimeSeriesGAN(window=8, time_column="date", epochs=1, hidden=8, layers=1, verbose=False).fit(seasonal(60))
    with pytest.raises(ParameterError, match="start= is for models fitted with a calendar"):
        plain.sample(2, start="2001-01-01")


def _gappy(n=300, share=0.3):
    """Two seasonal columns around 15 with ``share`` of the values missing at random: (series with NaN, complete)."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    full = np.stack([15 + 5 * np.sin(t / 6), 15 + 5 * np.cos(t / 6)], 1) + rng.normal(0, 0.5, (n, 2))
    return np.where(rng.random(full.shape) < share, np.nan, full), full


def test_missing_values_are_modelled_with_a_mask_not_filled():
    from synthboost.data.sequences import make_windows

    gappy, _ = _gappy()
    w = make_windows(gappy, 12)  # (289, 12, 2), about 30 % NaN
    with pytest.raises(SchemaError, match="missing='mask'"):
        TimeSeriesGAN(window=12, epochs=1, verbose=False).fit(w)
    kw = dict(window=12, architecture="conv", epochs=30, verbose=False, random_state=0)
    m = TimeSeriesGAN(missing="mask", **kw).fit(w)
    assert m.masked_ and 0.25 < m.missing_share_ < 0.35
    assert m.discriminator_.body[0].in_channels == 4  # the observed values and their mask, per feature
    s = m.sample(200)
    assert s.shape == (200, 12, 2) and np.isfinite(s).all()
    # the same windows with the gaps filled by the column minimum, as a naive fill would: that GAN learns a
    # spike at the fill value, the masked one does not
    lo = np.nanmin(w, axis=(0, 1))
    filled = TimeSeriesGAN(**kw).fit(np.where(np.isnan(w), lo, w)).sample(200)
    near = lambda x: float((np.abs(x - lo) < 1.0).mean())  # noqa: E731
    assert near(s) < 0.5 * near(filled)


def test_masked_values_are_never_read(tmp_path):
    from synthboost.containers import SeriesData

    gappy, full = _gappy(120)
    mask = np.isfinite(gappy)
    kw = dict(window=10, epochs=2, missing="mask", verbose=False, random_state=0)
    a = TimeSeriesGAN(**kw).fit(SeriesData(gappy, ["a", "b"], mask=mask))
    junk = np.where(mask, full, 1e6)  # whatever lies under the mask must not matter
    b = TimeSeriesGAN(**kw).fit(SeriesData(junk, ["a", "b"], mask=mask))
    assert np.array_equal(a.sample(5, random_state=1), b.sample(5, random_state=1))
    a.save(tmp_path / "m")
    back = load(tmp_path / "m")
    assert back.masked_ and np.array_equal(back.sample(5, random_state=1), a.sample(5, random_state=1))
    df = pd.DataFrame({"day": pd.date_range("2020-01-01", periods=120), "a": gappy[:, 0], "b": gappy[:, 1]})
    out = TimeSeriesGAN(time_column="day", **kw).fit(df).sample(3)
    assert list(out.columns) == ["window", "step", "a", "b"] and out[["a", "b"]].notna().all().all()
    with pytest.raises(ParameterError, match="needs no context"):
        TimeSeriesGAN(**{**kw, "context": 4}).fit(SeriesData(gappy, ["a", "b"], mask=mask))
    hole = gappy.copy()
    hole[30:50] = np.nan
    with pytest.raises(SchemaError, match="have no observed value"):
        TimeSeriesGAN(**kw).fit(SeriesData(hole, ["a", "b"], mask=np.isfinite(hole)))
    with pytest.raises(SchemaError, match=r"column\(s\) \['x1'\] have no observed value"):
        TimeSeriesGAN(**kw).fit(np.stack([full[:100, 0], np.full(100, np.nan)], 1).reshape(10, 10, 2))


def test_mask_and_calendar_together():
    df = weekly()
    df.loc[df.index % 7 == 3, "temp"] = np.nan
    m = TimeSeriesGAN(window=12, time_column="week", calendar="year", missing="mask", epochs=1, verbose=False,
                      random_state=0).fit(df)
    out = m.sample(2, start="2011-03-07")
    assert m.masked_ and out[["cases", "temp"]].notna().all().all()
    assert str(pd.Timestamp(out["week"].iloc[0]).date()) == "2011-03-07"
