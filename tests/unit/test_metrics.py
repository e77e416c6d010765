import numpy as np
import pandas as pd
import pytest

from synthboost.errors import ParameterError, SchemaError, SynthboostError
from synthboost.metrics import (
    RowEncoder,
    association_difference,
    association_matrix,
    column_shape_similarity,
    column_shapes,
    detection_auc,
    distance_to_closest_record,
    embed_2d,
    exact_copy_share,
    fidelity_summary,
    nearest_real_rows,
    privacy_summary,
    tstr_auc,
    tstr_trtr,
)

NUMERIC = ["duration", "credit_amount", "age"]


@pytest.fixture(scope="module")
def halves(german):
    shuffled = german.sample(frac=1, random_state=0).reset_index(drop=True)
    return shuffled.iloc[:500].reset_index(drop=True), shuffled.iloc[500:].reset_index(drop=True)


def independent_columns(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Same marginals, associations destroyed: every column permuted on its own."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: rng.permutation(df[c].to_numpy()) for c in df.columns})


def shifted(df: pd.DataFrame, by_std: float = 3.0) -> pd.DataFrame:
    out = df.copy()
    for c in NUMERIC:
        out[c] = out[c] + by_std * df[c].std()
    return out


# --- RowEncoder -------------------------------------------------------------------------------


def test_row_encoder_numeric_missing_and_categories():
    ref = pd.DataFrame({"x": [1.5, 2.0, np.nan, 5.25], "c": ["a", "b", np.nan, "a"], "k": [7.5] * 4})
    enc = RowEncoder().fit(ref)
    X = enc.transform(ref)
    # x, x_missing, one-hot over a / b / NaN, k
    assert X.shape == (4, 6) and X.dtype == np.float64
    z = X[[0, 1, 3], 0]
    assert z.mean() == pytest.approx(0.0) and z.std() == pytest.approx(1.0)
    assert X[2, 0] == 0.0 and X[:, 1].tolist() == [0, 0, 1, 0]
    assert np.all(X[:, 5] == 0.0)  # constant column: std 0 is treated as 1
    onehot = X[:, 2:5]
    assert np.allclose(onehot.sum(axis=1), 1 / np.sqrt(2))
    assert onehot[2].tolist() == [0, 0, 1 / np.sqrt(2)]  # NaN is its own category
    assert np.linalg.norm(onehot[0] - onehot[1]) == pytest.approx(1.0)  # a category mismatch costs 1

    new = pd.DataFrame({"k": [7.5], "c": ["unseen"], "x": [np.nan]})  # column order does not matter
    assert enc.transform(new)[0].tolist() == [0, 1, 0, 0, 0, 0]


def test_row_encoder_matches_float_and_int_categories():
    enc = RowEncoder().fit(pd.DataFrame({"c": [1, 2, 1, 2]}))
    X = enc.transform(pd.DataFrame({"c": [1.0, 2.0, np.nan]}))
    assert X[0].tolist() == enc.transform(pd.DataFrame({"c": [1]}))[0].tolist()
    assert np.all(X[2] == 0.0)  # NaN was not a reference category


def test_row_encoder_errors():
    enc = RowEncoder().fit(pd.DataFrame({"x": [1.0, 2.0], "c": ["a", "b"]}))
    with pytest.raises(SchemaError, match="'c'"):
        enc.transform(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(SchemaError, match="empty"):
        RowEncoder().fit(pd.DataFrame())
    with pytest.raises(SynthboostError):
        RowEncoder().transform(pd.DataFrame({"x": [1.0]}))


# --- fidelity ---------------------------------------------------------------------------------


def test_association_matrix_known_values():
    x = np.arange(20.0)
    cat = np.where(x < 10, "lo", "hi")
    df = pd.DataFrame({"x": x, "neg": -2 * x, "cat": cat, "cat2": cat, "step": np.where(x < 10, 0.5, 9.5),
                       "const": 1.5})
    m = association_matrix(df)
    assert list(m.index) == list(m.columns) == list(df.columns)
    assert np.allclose(m.to_numpy(), m.to_numpy().T) and np.allclose(np.diag(m), 1.0)
    assert m.loc["x", "neg"] == pytest.approx(-1.0)
    assert m.loc["cat", "cat2"] == pytest.approx(1.0)  # Cramér's V
    assert m.loc["step", "cat"] == pytest.approx(1.0)  # eta: numeric fully determined by the category
    assert m.loc["x", "cat"] == pytest.approx(np.sqrt(500 / 665))  # eta^2 = between SS / total SS
    assert (m.loc["const"].drop("const") == 0).all()


def test_association_matrix_bounds_on_german(german):
    m = association_matrix(german).to_numpy()
    assert np.isfinite(m).all() and (m >= -1).all() and (m <= 1).all()


def test_identical_tables_score_perfectly(german):
    assert association_difference(german, german) == 0.0
    assert column_shape_similarity(german, german) == pytest.approx(1.0)
    assert association_difference(german[["age"]], german[["age"]].iloc[::-1]) == 0.0


def test_independent_columns_lose_associations(german):
    indep = independent_columns(german)
    assert column_shape_similarity(german, indep) == pytest.approx(1.0)
    assert association_difference(german[NUMERIC], indep[NUMERIC]) > 0.1
    assert association_difference(german, indep) > association_difference(german, german.iloc[::-1])


def test_detection_auc(halves):
    a, b = halves
    assert abs(detection_auc(a, b) - 0.5) < 0.15
    assert detection_auc(a, shifted(b)) > 0.9


def test_fidelity_summary_keys(halves):
    a, b = halves
    out = fidelity_summary(a.iloc[:150], b.iloc[:150])
    assert set(out) == {"column_shape_similarity", "association_difference", "detection_auc"}
    assert all(np.isfinite(v) for v in out.values())


def test_fidelity_bad_inputs(german):
    with pytest.raises(SchemaError, match="age"):
        association_difference(german, german.drop(columns=["age"]))
    with pytest.raises(SchemaError, match="empty"):
        detection_auc(german, german.iloc[:0])
    with pytest.raises(ParameterError, match="cv"):
        detection_auc(german, german, cv=1)
    with pytest.raises(SchemaError, match="real data must be a pandas DataFrame"):
        column_shape_similarity(german.to_numpy(), german)
    with pytest.raises(SchemaError, match="real data is empty"):
        column_shapes(german.iloc[:0], german)
    with pytest.raises(SchemaError, match="'age' is integer in the real data but the synthetic data holds non-numeric"):
        column_shapes(german, german.assign(age="old"))


# --- utility ----------------------------------------------------------------------------------


def test_tstr_trtr(halves):
    a, b = halves
    train, test = a.iloc[:300], b.iloc[:200]
    same = tstr_trtr(train, train, test, "class")
    assert set(same) == {"trtr_auc", "tstr_auc", "gap"}
    assert same["gap"] == pytest.approx(0.0) and 0.5 < same["trtr_auc"] <= 1.0
    noise = train.copy()
    noise["class"] = np.random.default_rng(0).permutation(noise["class"].to_numpy())
    out = tstr_trtr(train, noise, test, "class")
    assert out["gap"] == pytest.approx(out["trtr_auc"] - out["tstr_auc"]) and out["gap"] > 0
    with pytest.raises(SchemaError):
        tstr_trtr(train, noise.drop(columns=["age"]), test, "class")
    with pytest.raises(SchemaError, match="the test table lacks \\['age'\\]"):
        tstr_auc(train, test.drop(columns=["age"]), "class")


# --- privacy ----------------------------------------------------------------------------------


def test_exact_copy_share(halves):
    a, _ = halves
    assert exact_copy_share(a, a) == 1.0
    noised = a.copy()
    noised["credit_amount"] = noised["credit_amount"] + 0.5
    assert exact_copy_share(noised, a) == 0.0
    half = pd.concat([a.iloc[:50], noised.iloc[:50]])
    assert exact_copy_share(half, a) == pytest.approx(0.5)


def test_exact_copy_share_nan_and_rounding():
    train = pd.DataFrame({"x": [0.1 + 0.2, np.nan], "c": ["a", None]})
    synthetic = pd.DataFrame({"x": [0.3, np.nan, 0.3001], "c": ["a", np.nan, "a"]})
    assert exact_copy_share(synthetic, train) == pytest.approx(2 / 3)


def test_dcr_flags_memorisation(halves):
    a, b = halves
    memorised = distance_to_closest_record(a.iloc[:250], a, holdout=b.iloc[:250])
    assert memorised["dcr_synthetic_median"] == 0.0 and memorised["dcr_ratio"] < 0.2
    fresh = distance_to_closest_record(b.iloc[250:], a, holdout=b.iloc[:250])
    assert 0.5 < fresh["dcr_ratio"] < 2.0
    assert fresh["dcr_synthetic_p05"] <= fresh["dcr_synthetic_median"]
    assert set(distance_to_closest_record(b, a)) == {"dcr_synthetic_median", "dcr_synthetic_p05"}


def test_privacy_summary_keys(halves):
    a, b = halves
    out = privacy_summary(b, a, holdout=b)
    assert set(out) == {
        "dcr_synthetic_median", "dcr_synthetic_p05", "dcr_holdout_median", "dcr_holdout_p05", "dcr_ratio",
        "exact_copy_share",
    }
    assert out["dcr_ratio"] == pytest.approx(1.0) and out["exact_copy_share"] == 0.0


def test_nearest_real_rows_finds_itself(halves):
    a, _ = halves
    out = nearest_real_rows(a.iloc[[3, 7]], a, k=3)
    assert list(out.columns) == ["query", "rank", "distance", *a.columns]
    assert out["query"].tolist() == [0, 0, 0, 1, 1, 1] and out["rank"].tolist() == [1, 2, 3] * 2
    first = out[out["rank"] == 1]
    assert np.allclose(first["distance"], 0.0)
    pd.testing.assert_frame_equal(first[list(a.columns)].reset_index(drop=True), a.iloc[[3, 7]].reset_index(drop=True))
    assert (out.groupby("query")["distance"].diff().dropna() >= 0).all()
    with pytest.raises(ParameterError, match="k"):
        nearest_real_rows(a.iloc[[0]], a.iloc[:2], k=3)


# --- diagnostics ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_embed_2d(halves, method):
    a, b = halves
    out = embed_2d(a.iloc[:60], b, method=method, max_rows=80)
    assert list(out.columns) == ["x", "y", "source"] and len(out) == 60 + 80
    assert out["source"].value_counts().to_dict() == {"synthetic": 80, "real": 60}
    assert np.isfinite(out[["x", "y"]].to_numpy()).all()


def test_embed_2d_single_feature_and_bad_method():
    df = pd.DataFrame({"x": np.arange(10.0)})
    assert len(embed_2d(df, df + 1)) == 20
    with pytest.raises(ParameterError, match="umap"):
        embed_2d(df, df, method="umap")
