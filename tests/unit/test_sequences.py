"""Series data: reading tables with a time column, scaling, windows and chronological splits."""

import numpy as np
import pandas as pd
import pytest

from synthboost import ParameterError, SchemaError, datasets
from synthboost.data.sequences import SeriesScaler, chronological_split, from_frame, make_windows, sines


def daily(n=400, start="2013-01-01"):
    t = pd.date_range(start, periods=n, freq="D")
    rng = np.random.default_rng(0)
    return pd.DataFrame({"day": t, "load": 50 + 10 * np.sin(np.arange(n) / 7) + rng.normal(size=n),
                         "visits": rng.poisson(20, n)})


def test_shared_series_load_with_their_step():
    from conftest import need_data

    need_data("hungary_chickenpox.csv")
    pox = datasets.load("hungary_chickenpox")
    assert pox.values.shape == (522, 20) and pox.step == "W-MON" and pox.notes == []
    assert pox.times[0] == pd.Timestamp("2005-01-03") and pox.columns[0] == "BUDAPEST"
    need_data("stock_data.csv")
    st = datasets.load("stock_data")
    assert st.values.shape == (3685, 6) and st.times is None
    assert st.values[0, 0] == pytest.approx(49.676899) and st.values[-1, 0] > 5 * st.values[0, 0]  # IPO day first


def test_sines_as_timegan_generates_them():
    s = datasets.load("sines", n=200)
    assert s.is_windows and s.values.shape == (200, 24, 5)
    assert s.values.min() >= 0 and s.values.max() <= 1
    assert np.array_equal(sines(50, seed=3), sines(50, seed=3)) and not np.array_equal(sines(50, seed=3), sines(50, seed=4))
    # each window and feature is one sine: f, p in [0, 0.1] means it rises slowly from (sin(p) + 1) / 2 >= 0.5
    assert (s.values[:, 0, :] >= 0.5).all() and (s.values[:, 0, :] <= (np.sin(0.1) + 1) / 2 + 1e-12).all()


def test_a_few_missing_steps_are_filled_and_said_in_one_line():
    df = daily(800)
    df = df[~df["day"].isin(pd.to_datetime(["2013-12-31", "2014-12-31"]))]
    s = from_frame(df, "day")
    assert len(s) == 800 and s.step == "D"
    assert s.notes == ["2 missing step(s) (2013-12-31, 2014-12-31) filled by linear interpolation"]
    i = s.times.get_loc(pd.Timestamp("2013-12-31"))
    assert s.values[i, 0] == pytest.approx((s.values[i - 1, 0] + s.values[i + 1, 0]) / 2)


@pytest.mark.parametrize("change, message", [
    (lambda d: pd.concat([d.iloc[:5], d.iloc[[3]], d.iloc[5:]]), r"duplicated timestamps in 'day' at rows 5, 7"),
    (lambda d: d.iloc[[0, 1, 3, 2] + list(range(4, len(d)))], "go back in time at rows 5 "),
    (lambda d: d.assign(day=d["day"].astype(str).where(d.index != 7, "not a date")), "does not parse as dates at rows 9"),
    (lambda d: d.assign(city="Pécs"), r"columns \['city'\] are not numeric"),
    (lambda d: d.assign(load=d["load"].where(d.index != 4, np.inf)), "infinite value"),
    (lambda d: d.assign(flat=1.0), r"columns \['flat'\] are constant"),
    (lambda d: d.assign(load=d["load"].where(d.index != 4, np.nan)), "missing='mask'"),
    (lambda d: pd.concat([d.iloc[:10], d.iloc[14:]]), "4 of 100 steps"),
])
def test_bad_series_get_one_clear_error(change, message):
    with pytest.raises(SchemaError, match=message):
        from_frame(change(daily(100)), "day")


def test_missing_values_are_masked_not_dropped():
    df = daily(100)
    df.loc[4, "load"] = np.nan
    s = from_frame(df, "day", missing="mask")
    assert len(s) == 100 and s.mask is not None and not s.mask[4, 0] and s.mask.sum() == 199
    assert s.notes == ["1 missing values kept with a mask"]


@pytest.mark.parametrize("method", ["minmax", "standard", "log1p", "diff"])
def test_scaling_round_trips_and_counts_stay_counts(method):
    s = from_frame(daily(300), "day")
    sc = SeriesScaler(method).fit(s.values)
    z = sc.transform(s.values)
    if method == "minmax":
        assert z.min() == pytest.approx(0) and z.max() == pytest.approx(1)
    back = sc.inverse_transform(z)
    assert np.allclose(back[:, 0], s.values[:, 0])
    assert np.array_equal(back[:, 1], s.values[:, 1])  # visits: non-negative integers come back exact
    noisy = sc.inverse_transform(z + 0.37)
    assert (noisy[:, 1] >= 0).all() and np.array_equal(noisy[:, 1], np.round(noisy[:, 1]))


def test_differences_invert_from_each_windows_level():
    x = np.cumsum(np.random.default_rng(1).normal(size=(200, 2)), axis=0)
    sc = SeriesScaler("diff").fit(x)
    z = make_windows(sc.transform(x), 10, stride=5)  # (N, 10, 2); step 0 of window i is a difference too
    starts = x[np.arange(len(z)) * 5 - 1]
    back = sc.inverse_transform(z[1:], start=starts[1:])
    assert np.allclose(back, make_windows(x, 10, stride=5)[1:])


def test_windows_and_a_chronological_split_with_a_gap():
    x = np.arange(100, dtype=float)[:, None]
    w = make_windows(x, 12, stride=4)
    assert w.shape == (23, 12, 1) and np.array_equal(w[1, :, 0], np.arange(4, 16))
    train, test = chronological_split(100, 12, test_steps=24)
    assert test == range(76, 100) and max(train) + 12 < min(test)  # a full window between them
    tr, te = make_windows(x[train.start:train.stop], 12), make_windows(x[test.start:test.stop], 12)
    assert not set(tr.ravel()) & set(te.ravel())
    with pytest.raises(ParameterError, match="shorter than a window"):
        chronological_split(100, 12, 24, gap=5)
    with pytest.raises(SchemaError, match="shorter than two windows"):
        make_windows(x[:20], 12)


def test_calendar_features_are_the_phase_in_the_year_and_week():
    from synthboost.data.sequences import calendar_features

    t = pd.DatetimeIndex(["2021-01-01", "2021-07-02 12:00", "2021-01-04"])  # a Friday, a Friday, a Monday
    year = calendar_features(t, "year")
    assert year.shape == (3, 2) and np.allclose(year[0], [0.0, 1.0])
    assert np.allclose(year[1], [np.sin(np.pi * 182.5 / 182.625), np.cos(np.pi * 182.5 / 182.625)], atol=1e-6)
    both = calendar_features(t, "year+week")
    assert both.shape == (3, 4) and np.allclose(both[2, 2:], [0.0, 1.0])  # Monday: phase 0 of the week
    assert np.allclose(both[0, 2:], [np.sin(2 * np.pi * 4 / 7), np.cos(2 * np.pi * 4 / 7)], atol=1e-6)
    assert calendar_features(t, "none").shape == (3, 0)
    with pytest.raises(ParameterError, match="calendar='hour'"):
        calendar_features(t, "hour")
