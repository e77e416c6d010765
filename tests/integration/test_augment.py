"""Leakage-safe augmentation: GANResampler, ratio="auto", filters, enhance(), baselines."""

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator
from sklearn.model_selection import StratifiedKFold, cross_validate

from synthboost import GANResampler, ParameterError, SchemaError, TabularGAN, datasets, enhance
from synthboost.augment import synthetic_counts
from synthboost.baselines import AUGMENTERS, make_augmenter
from synthboost.models.tabular import make_model



@pytest.fixture(scope="module")
def cancer():
    df, target = datasets.load("breast_cancer")
    return df.drop(columns=target), df[target]


class SpySynth(BaseEstimator):
    """Records the rows it is fitted on; samples copies of them (or of the other class)."""

    fitted: list = []

    def __init__(self, poison: bool = False, random_state=None):
        self.poison = poison
        self.random_state = random_state

    def fit(self, df, target=None):
        self.target_ = target
        self.df_ = df.reset_index(drop=True)
        SpySynth.fitted.append(df.drop(columns=target))
        return self

    def sample(self, n, conditions=None, random_state=None):
        y = self.df_[self.target_]
        value = conditions[self.target_]
        pool = self.df_[(y != value) if self.poison else (y == value)]
        rows = pool.sample(n, replace=True, random_state=random_state).reset_index(drop=True)
        rows[self.target_] = value
        return rows


def row_keys(X: pd.DataFrame) -> set:
    return set(map(tuple, X.round(9).to_numpy()))


def str_keys(X: pd.DataFrame) -> set:
    return set(map(tuple, X.astype(str).to_numpy()))


def test_synthetic_counts_are_exact():
    y = pd.Series(["a"] * 70 + ["b"] * 30)
    assert synthetic_counts(y, 1.0, "preserve") == {"a": 70, "b": 30}
    assert sum(synthetic_counts(y, 0.33, "preserve").values()) == 33
    assert synthetic_counts(y, 0.5, "balance") == {"a": 5, "b": 45}  # 75 / 75 afterwards
    assert synthetic_counts(y, 0.2, "balance") == {"a": 0, "b": 20}
    assert synthetic_counts(y, 9.0, {"b": 35}) == {"a": 0, "b": 5}  # rows after resampling, as in imblearn
    assert synthetic_counts(y, 1.0, {"a": 70, "b": 70}) == {"a": 0, "b": 40}
    with pytest.raises(ParameterError, match="at least its current count"):
        synthetic_counts(y, 1.0, {"b": 5})
    with pytest.raises(ParameterError, match="sampling_strategy"):
        synthetic_counts(y, 1.0, "equalize")
    with pytest.raises(ParameterError, match="not in y"):
        synthetic_counts(y, 1.0, {"c": 3})


def test_gan_resampler_returns_the_real_rows_then_synthetic_rows(cancer, fast):
    X, y = cancer[0].iloc[:120], cancer[1].iloc[:120]
    # label filter off: a 2-epoch GAN's rows would be rejected by it, and this test is about counts
    res = GANResampler(TabularGAN(**fast), ratio=0.5, min_label_confidence=None, random_state=0)
    Xa, ya = res.fit_resample(X, y)
    assert isinstance(Xa, pd.DataFrame) and isinstance(ya, pd.Series)
    assert list(Xa.columns) == list(X.columns) and (Xa.dtypes == X.dtypes).all()
    assert len(Xa) == 180 and res.n_synthetic_ == 60 and res.ratio_ == 0.5
    pd.testing.assert_frame_equal(Xa.iloc[:120], X.reset_index(drop=True))
    # synthetic class make-up follows the real proportions exactly
    assert ya.iloc[120:].value_counts().to_dict() == synthetic_counts(y, 0.5)
    # numpy in -> numpy out
    Xn, yn = GANResampler(TabularGAN(**fast), ratio=1.0, sampling_strategy="balance", min_label_confidence=None,
                          random_state=0).fit_resample(
        X.to_numpy(), y.to_numpy()
    )
    assert isinstance(Xn, np.ndarray) and Xn.shape == (240, X.shape[1]) and isinstance(yn, np.ndarray)
    assert abs((yn == 0).sum() - (yn == 1).sum()) <= 1


def test_same_seed_same_augmentation(cancer, fast):
    X, y = cancer[0].iloc[:100], cancer[1].iloc[:100]
    a = GANResampler(TabularGAN(**fast), random_state=3).fit_resample(X, y)[0]
    b = GANResampler(TabularGAN(**fast), random_state=3).fit_resample(X, y)[0]
    pd.testing.assert_frame_equal(a, b)


def test_pipeline_cross_validation_never_shows_test_folds_to_the_generator(cancer):
    X, y = cancer
    SpySynth.fitted.clear()
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    pipe = Pipeline([("aug", GANResampler(SpySynth(), ratio=1.0, random_state=0)), ("clf", make_model("logreg"))])
    scores = cross_validate(pipe, X, y, cv=cv, scoring="roc_auc")
    assert len(SpySynth.fitted) == 4  # refitted on every training fold
    for (train_idx, test_idx), seen in zip(cv.split(X, y), SpySynth.fitted):
        seen_keys = row_keys(seen)
        assert seen_keys == row_keys(X.iloc[train_idx])
        assert not seen_keys & row_keys(X.iloc[test_idx])
    assert np.all(scores["test_score"] > 0.9)


def test_pipeline_with_the_real_gan_scores_every_fold(cancer, fast):
    X, y = cancer
    pipe = Pipeline([("aug", GANResampler(TabularGAN(**fast), random_state=0)), ("clf", make_model("logreg"))])
    scores = cross_validate(pipe, X.iloc[:200], y.iloc[:200], cv=3, scoring="roc_auc")["test_score"]
    assert len(scores) == 3 and np.all(np.isfinite(scores))


def test_auto_ratio_falls_back_to_zero_when_synthetic_rows_hurt(cancer):
    X, y = cancer[0].iloc[:150], cancer[1].iloc[:150]
    poisoned = GANResampler(SpySynth(poison=True), ratio="auto", min_label_confidence=None, random_state=0)
    Xa, _ = poisoned.fit_resample(X, y)
    assert poisoned.ratio_ == 0.0 and len(Xa) == 150
    assert not hasattr(poisoned, "synthesizer_")  # the inner folds' generators made none of these rows
    assert set(poisoned.auto_scores_) == {0.0, 0.5, 1.0, 2.0, 4.0}
    assert poisoned.auto_scores_[4.0] < poisoned.auto_scores_[0.0]
    honest = GANResampler(SpySynth(), ratio="auto", ratio_grid=[0, 1], random_state=0)
    assert len(honest.fit_resample(X, y)[0]) in (150, 300)
    assert hasattr(honest, "synthesizer_") == (honest.ratio_ > 0)
    fitted = GANResampler(SpySynth(), ratio=1, random_state=0).fit(X, y)
    assert hasattr(fitted, "synthesizer_")
    assert not hasattr(fitted.set_params(ratio=0).fit(X, y), "synthesizer_")  # a refit that adds nothing
    with pytest.raises(ParameterError, match="dict sampling_strategy"):  # fixed counts: nothing to choose
        GANResampler(SpySynth(), ratio="auto", sampling_strategy={y.iloc[0]: 10}).fit_resample(X, y)


def test_near_copy_filter_drops_copies_and_realism_filter_keeps_counts(cancer, fast):
    X, y = cancer[0].iloc[:100], cancer[1].iloc[:100]
    res = GANResampler(SpySynth(), ratio=0.5, min_distance=0.01, min_label_confidence=None, random_state=0)
    Xa, _ = res.fit_resample(X, y)
    assert len(Xa) == 100 and res.n_unfilled_ == 50  # every candidate was a copy of a real row
    res = GANResampler(TabularGAN(**fast), ratio=0.5, keep_most_realistic=0.5, min_label_confidence=None, random_state=0)
    Xa, ya = res.fit_resample(X, y)
    assert len(Xa) == 150 and res.n_unfilled_ == 0
    with pytest.raises(ParameterError, match="keep_most_realistic"):
        GANResampler(TabularGAN(**fast), keep_most_realistic=1.5).fit_resample(X, y)


def test_label_filter_drops_rows_that_contradict_their_label(cancer):
    X, y = cancer[0].iloc[:150], cancer[1].iloc[:150]
    # rows copied from the other class: a classifier trained on the real rows rejects them
    poisoned = GANResampler(SpySynth(poison=True), ratio=0.5, random_state=0)
    Xa, ya = poisoned.fit_resample(X, y)
    assert poisoned.min_label_confidence == 0.5  # on by default
    # (a few real rows sit on the wrong side of the classifier, so their copies pass)
    assert poisoned.n_unfilled_ >= 45 and len(Xa) == 150 + 75 - poisoned.n_unfilled_
    # honest rows (copies of the same class) pass it
    honest = GANResampler(SpySynth(), ratio=0.5, random_state=0)
    Xh, yh = honest.fit_resample(X, y)
    assert honest.n_unfilled_ <= 3 and len(Xh) >= 222
    # switched off, the contradicting rows go through
    off = GANResampler(SpySynth(poison=True), ratio=0.5, min_label_confidence=None, random_state=0)
    assert len(off.fit_resample(X, y)[0]) == 225 and off.n_unfilled_ == 0
    with pytest.raises(ParameterError, match="min_label_confidence"):
        GANResampler(SpySynth(), min_label_confidence=1.5).fit_resample(X, y)


def test_enhance_trains_on_the_fraction_only(german, fast):
    X, y = german.drop(columns="class"), german["class"]
    Xa, ya, Xr, yr = enhance(X, y, fraction=0.2, multiplier=2, synthesizer=TabularGAN(**fast), random_state=0,
                             return_holdout=True)
    assert len(Xa) == 200 + 400 and len(Xr) == 800 and len(ya) == 600 and len(yr) == 800
    subset = str_keys(Xa.iloc[:200])
    assert subset <= str_keys(X) and not subset & str_keys(Xr)  # generator never saw the holdout
    with pytest.raises(ParameterError, match="fraction"):
        enhance(X, y, fraction=0)
    with pytest.raises(ParameterError, match="too few to hold every class"):
        enhance(X, y, fraction=0.002)
    with pytest.raises(ParameterError, match="fraction=None must be a number"):
        enhance(X, y, fraction=None)
    with pytest.raises(ParameterError, match="multiplier='lots' must be a number >= 0 or 'auto'"):
        enhance(X, y, multiplier="lots")
    with pytest.raises(SchemaError, match="one label per row"):
        enhance(X, german[["class"]])


def test_enhance_with_an_automatic_multiplier(cancer):
    X, y = cancer
    SpySynth.fitted.clear()
    Xa, ya = enhance(X, y, fraction=0.3, multiplier="auto", synthesizer=SpySynth(), random_state=0)
    n = int(0.3 * len(X))  # 170 real rows, then what the ratio chosen on them adds
    assert len(Xa) == len(ya) >= n and row_keys(Xa.iloc[:n]) <= row_keys(X)
    # the inner CV fitted generators on folds of the 170 rows, then the final one on all of them
    assert len(SpySynth.fitted) > 1 and all(len(f) <= n for f in SpySynth.fitted)


@pytest.mark.parametrize("name", ["random_oversample", "gaussian_noise", "smote"])
def test_baselines_keep_the_schema_on_mixed_data_with_missing_values(titanic, name):
    df = titanic.iloc[:150]
    X, y = df.drop(columns="Survived"), df["Survived"]
    Xa, ya = make_augmenter(name, random_state=0, ratio=1.0).fit_resample(X, y)
    assert list(Xa.columns) == list(X.columns) and len(Xa) == 300
    syn = Xa.iloc[150:]
    assert ya.iloc[150:].value_counts().to_dict() == synthetic_counts(y, 1.0)
    assert set(syn["Sex"].dropna()) <= set(X["Sex"].dropna())
    assert syn["Age"].dropna().between(X["Age"].min(), X["Age"].max()).all()
    assert (syn["Pclass"] % 1 == 0).all()
    if name == "smote":  # interpolated between neighbours: new values, not copies
        assert not row_keys(syn[["Age", "Fare"]].dropna()) <= row_keys(X[["Age", "Fare"]].dropna())


def test_registry_names_and_errors():
    assert {"none", "random_oversample", "smote", "gaussian_noise", "gan", "gan-wgan-gp", "ctgan"} <= set(AUGMENTERS)
    with pytest.raises(ParameterError, match="unknown augmenter 'magic'"):
        make_augmenter("magic")
    with pytest.raises(SchemaError, match="single class"):
        make_augmenter("smote").fit_resample(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), pd.Series([1, 1, 1]))


def test_ctgan_rows_keep_only_the_class_ctgan_labels_them_with():
    from synthboost.baselines import CTGANAugmenter

    class HalfRight:  # stands in for a fitted CTGAN whose condition is followed half the time
        def __init__(self):
            self.rng = np.random.default_rng(0)

        def sample(self, n, condition_column, condition_value):
            label = np.where(self.rng.uniform(size=n) < 0.5, condition_value, "other")
            return pd.DataFrame({"a": np.where(label == condition_value, 1.0, -1.0), "__target__": label})

    aug = CTGANAugmenter()
    aug.model_, aug._cat, aug._X = HalfRight(), [], pd.DataFrame({"a": [1.0]})
    rows = aug._generate("yes", 300, np.random.default_rng(0))
    assert len(rows) == 300 and (rows["a"] == 1.0).all() and list(rows.columns) == ["a"]

    class NeverRight(HalfRight):
        def sample(self, n, condition_column, condition_value):
            return pd.DataFrame({"a": -np.ones(n), "__target__": ["other"] * n})

    aug.model_, aug.n_unfilled_ = NeverRight(), 0
    assert len(aug._generate("yes", 40, np.random.default_rng(0))) == 0 and aug.n_unfilled_ == 40
