"""Utility: is synthetic data useful for training a classifier evaluated on real data?"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from ..errors import SchemaError
from .encoding import check_frame, check_same_columns


def _encode(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Categorical columns as pandas categories over the union of values (HGB handles them natively)."""
    train, test = train.copy(), test.copy()
    for c in train.columns:
        if not pd.api.types.is_numeric_dtype(train[c]) or pd.api.types.is_bool_dtype(train[c]):
            cats = pd.unique(pd.concat([train[c], test[c]]).dropna().astype(str))
            dtype = pd.CategoricalDtype(sorted(cats))
            train[c] = train[c].astype(str).where(train[c].notna()).astype(dtype)
            test[c] = test[c].astype(str).where(test[c].notna()).astype(dtype)
    return train, test


def tstr_auc(train: pd.DataFrame, test: pd.DataFrame, target: str, random_state: int = 0) -> float:
    """ROC AUC on ``test`` of a HistGradientBoosting classifier trained on ``train``.

    Train on synthetic rows for TSTR, on real rows for TRTR. Binary targets use the
    positive-class score; multi-class targets use one-vs-rest macro AUC.
    """
    check_frame(train, "training table")
    check_frame(test, "test table")
    if target not in train.columns or target not in test.columns:
        raise SchemaError(f"target column {target!r} must be in both tables")
    test = check_same_columns(train, test, "the training table", "the test table")
    Xtr, Xte = _encode(train.drop(columns=[target]), test.drop(columns=[target]))
    ytr, yte = train[target].astype(str).to_numpy(), test[target].astype(str).to_numpy()
    if np.unique(ytr).size < 2:
        return 0.5  # a classifier trained on one class knows nothing
    clf = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=random_state)
    clf.fit(Xtr, ytr)
    proba = clf.predict_proba(Xte)
    classes = list(clf.classes_)
    if len(np.unique(yte)) == 2 and len(classes) == 2:
        return float(roc_auc_score(yte == classes[1], proba[:, 1]))
    present = [c for c in classes if c in set(yte)]
    cols = [classes.index(c) for c in present]
    p = proba[:, cols] / np.clip(proba[:, cols].sum(axis=1, keepdims=True), 1e-12, None)
    return float(roc_auc_score(yte, p, multi_class="ovr", labels=present))


def tstr_trtr(
    real_train: pd.DataFrame, synthetic: pd.DataFrame, test: pd.DataFrame, target: str, random_state: int = 0
) -> dict[str, float]:
    """Test AUC of a model trained on real rows (TRTR) vs on synthetic rows (TSTR); gap = trtr - tstr."""
    real_train = check_frame(real_train, "real training data")
    for other, name in ((synthetic, "synthetic data"), (test, "test data")):
        check_same_columns(real_train, check_frame(other, name), "real training data", name)
    with threadpool_limits(1, user_api="openmp"):  # small tables: threads only cost time on a busy machine
        trtr = tstr_auc(real_train, test, target, random_state=random_state)
        tstr = tstr_auc(synthetic, test, target, random_state=random_state)
    return {"trtr_auc": trtr, "tstr_auc": tstr, "gap": trtr - tstr}
