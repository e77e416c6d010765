import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthboost.data.schema import infer_schema
from synthboost.data.tabular import TabularTransformer
from synthboost.errors import SchemaError


@st.composite
def mixed_frames(draw):
    """Random small frames with float, int, string, bool, category and datetime columns, with NaN."""
    n = draw(st.integers(3, 40))
    cols = {}
    kinds = draw(st.lists(st.sampled_from(["float", "int", "str", "bool", "cat", "date", "lowint"]), min_size=1, max_size=6))
    for i, kind in enumerate(kinds):
        finite = st.floats(-1e6, 1e6, allow_nan=False, width=32)
        if kind == "float":
            v = draw(st.lists(st.one_of(finite, st.just(np.nan)), min_size=n, max_size=n))
            if all(np.isnan(x) for x in v):
                v[0] = 1.5
            cols[f"c{i}"] = pd.Series(v, dtype="float64")
        elif kind == "int":
            cols[f"c{i}"] = pd.Series(draw(st.lists(st.integers(-10_000, 10_000), min_size=n, max_size=n)), dtype="int64")
        elif kind == "lowint":
            cols[f"c{i}"] = pd.Series(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)), dtype="int64")
        elif kind == "str":
            v = draw(st.lists(st.one_of(st.sampled_from(["a", "b", "c d", "é"]), st.none()), min_size=n, max_size=n))
            if all(x is None for x in v):
                v[0] = "a"
            cols[f"c{i}"] = pd.Series(v, dtype=object)
        elif kind == "bool":
            cols[f"c{i}"] = pd.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        elif kind == "cat":
            v = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n))
            cols[f"c{i}"] = pd.Series(pd.Categorical(v, categories=["x", "y", "z", "w"]))
        else:
            days = draw(st.lists(st.integers(0, 20_000), min_size=n, max_size=n))
            cols[f"c{i}"] = pd.Series(pd.to_datetime(np.array(days, dtype="int64"), unit="D"))
    return pd.DataFrame(cols)


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for c in a.columns:
        assert a[c].dtype == b[c].dtype, c
        assert (a[c].isna().to_numpy() == b[c].isna().to_numpy()).all(), c
        x, y = a[c].dropna(), b[c].dropna()
        if pd.api.types.is_float_dtype(x):
            span = float(x.max() - x.min()) or 1.0
            np.testing.assert_allclose(x.to_numpy(), y.to_numpy(), atol=1e-5 * span + 1e-6, err_msg=c)
        elif pd.api.types.is_datetime64_any_dtype(x):
            assert (abs((x - y).dt.total_seconds()) < 3600).all(), c
        else:
            assert x.tolist() == y.tolist(), c


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(df=mixed_frames(), method=st.sampled_from(["minmax", "quantile"]))
def test_round_trip_restores_values_dtypes_and_missingness(df, method):
    t = TabularTransformer(method).fit(df, infer_schema(df), np.random.default_rng(0))
    X = t.transform(df)
    assert X.shape == (len(df), t.output_dim)
    assert np.isfinite(X).all()
    back = t.inverse_transform(X)
    if method == "minmax":
        assert_same(df, back)
    else:  # quantile: exact for ranks, dtypes and missingness always
        assert list(back.dtypes) == list(df.dtypes)
        assert (back.isna().to_numpy() == df.isna().to_numpy()).all()


@settings(max_examples=15, deadline=None)
@given(df=mixed_frames())
def test_decoding_any_matrix_gives_valid_rows(df):
    """Even random generator outputs decode to observed categories, in range, right dtypes."""
    t = TabularTransformer("minmax").fit(df, infer_schema(df), np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(25, t.output_dim)) * 3
    back = t.inverse_transform(X)
    assert list(back.dtypes) == list(df.dtypes)
    for c in df.columns:
        real, syn = df[c].dropna(), back[c].dropna()
        if isinstance(df[c].dtype, pd.CategoricalDtype) or df[c].dtype == object or df[c].dtype == bool:
            assert set(syn.tolist()) <= set(real.tolist())
        elif pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            assert syn.min() >= real.min() - 1e-6 and syn.max() <= real.max() + 1e-6
        if not df[c].isna().any():
            assert not back[c].isna().any()


def test_mode_encoding_round_trip_is_close(german):
    t = TabularTransformer("mode").fit(german, infer_schema(german), np.random.default_rng(0))
    spans = t.output_spans
    assert any(s.activation == "softmax" and s.column == "credit_amount" for s in spans)
    back = t.inverse_transform(t.transform(german))
    np.testing.assert_allclose(back["credit_amount"], german["credit_amount"], atol=1)
    assert (back["purpose"] == german["purpose"]).all()


def test_schema_inference_and_overrides(german):
    s = infer_schema(german)
    assert s["duration"].kind == "integer"
    assert s["purpose"].kind == "categorical"
    assert s["installment_commitment"].kind == "categorical"  # 4 distinct integers
    s2 = infer_schema(german, continuous=["installment_commitment"], categorical=["duration"])
    assert s2["installment_commitment"].kind == "integer" and s2["duration"].kind == "categorical"
    with pytest.raises(SchemaError, match="nope"):
        infer_schema(german, categorical=["nope"])


def test_missing_values_get_indicator_span(titanic):
    schema = infer_schema(titanic)
    t = TabularTransformer().fit(titanic, schema, np.random.default_rng(0))
    cols = [s.column for s in t.output_spans]
    assert "Age#missing" in cols
    back = t.inverse_transform(t.transform(titanic))
    assert back["Age"].isna().sum() == titanic["Age"].isna().sum() == 177
    assert back["Embarked"].isna().sum() == 2


def test_unseen_category_is_a_clear_error(german):
    t = TabularTransformer().fit(german, infer_schema(german), np.random.default_rng(0))
    bad = german.head(3).copy()
    bad.loc[0, "purpose"] = "spaceship"
    with pytest.raises(SchemaError, match="purpose.*spaceship"):
        t.transform(bad)
