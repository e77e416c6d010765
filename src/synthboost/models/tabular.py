"""Classifiers of the boosting experiment, each a pipeline that takes mixed-type DataFrames.

``logreg``, ``rf``, ``hgb`` (HistGradientBoosting, the gradient-boosting reference) and
``mlp``: a PyTorch network with dropout whose hyperparameters (layers, units, dropout,
learning rate, activation) are chosen by a randomized search validated on the real
training rows only (synthetic rows are trained on, never validated on).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd
import torch
from scipy.stats import loguniform
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.utils import _safe_indexing

from ..errors import ParameterError


def _as_str(X):
    df = pd.DataFrame(X)
    return df.astype(str).where(df.notna(), "__nan__")  # missing is a category of its own


def preprocessor() -> ColumnTransformer:
    """Numeric: median-impute + standardize; everything else: one-hot (missing as a category)."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        FunctionTransformer(_as_str),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    return ColumnTransformer(
        [
            ("num", numeric, make_column_selector(dtype_include="number", dtype_exclude="bool")),
            ("cat", categorical, make_column_selector(dtype_exclude=["number"])),
            ("bool", categorical, make_column_selector(dtype_include="bool")),
        ],
        sparse_threshold=0.0,
    )


class TorchMLPClassifier(ClassifierMixin, BaseEstimator):
    """A small dense network with dropout, trained with Adam on cross-entropy.

    For the few hundred rows of the boosting experiment a full pass is a handful of
    mini-batches, so training is fast on a CPU.
    """

    def __init__(
        self,
        hidden_layers: int = 2,
        units: int = 64,
        dropout: float = 0.2,
        lr: float = 1e-3,
        activation: str = "relu",
        epochs: int = 100,
        batch_size: int = 64,
        weight_decay: float = 1e-4,
        random_state: int | None = None,
    ):
        self.hidden_layers = hidden_layers
        self.units = units
        self.dropout = dropout
        self.lr = lr
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.random_state = random_state

    _ACT = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "elu": torch.nn.ELU, "leaky_relu": torch.nn.LeakyReLU}

    def fit(self, X, y):
        if self.activation not in self._ACT:
            raise ParameterError(f"activation={self.activation!r} must be one of {list(self._ACT)}")
        X = torch.as_tensor(np.asarray(X, dtype=np.float32))  # (N, F)
        self.classes_, codes = np.unique(np.asarray(y), return_inverse=True)
        t = torch.as_tensor(codes, dtype=torch.long)  # (N,)
        g = torch.Generator().manual_seed(int(self.random_state or 0))
        with torch.random.fork_rng():  # layer init and dropout draw from this seed, not the global stream
            torch.manual_seed(int(self.random_state or 0))
            layers, width = [], X.shape[1]
            for _ in range(self.hidden_layers):
                layers += [torch.nn.Linear(width, self.units), self._ACT[self.activation](), torch.nn.Dropout(self.dropout)]
                width = self.units
            layers.append(torch.nn.Linear(width, len(self.classes_)))
            self.net_ = torch.nn.Sequential(*layers)
            opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            self.net_.train()
            for _ in range(self.epochs):
                for idx in torch.randperm(len(X), generator=g).split(self.batch_size):
                    # minimise cross-entropy of the class logits
                    loss = torch.nn.functional.cross_entropy(self.net_(X[idx]), t[idx])
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
        self.net_.eval()
        return self

    @torch.no_grad()
    def predict_proba(self, X):
        logits = self.net_(torch.as_tensor(np.asarray(X, dtype=np.float32)))  # (N, K)
        return torch.softmax(logits, dim=1).numpy().astype(np.float64)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]


class SearchedMLP(ClassifierMixin, BaseEstimator):
    """The MLP with hyperparameters (layers, units, dropout, learning rate, activation) from a
    randomized search with 3-fold CV, validated on the *real* rows only, then refit on all rows.

    ``fit(X, y, n_real=k)``: the first k rows are real (``GANResampler`` and the baselines put the
    real rows first), the rest synthetic. Scoring the search on synthetic rows would reward
    configurations that fit the generator (or, with oversampled copies on both sides of a fold,
    memorise them); here the synthetic rows change what is trained, not how it is chosen.
    """

    def __init__(self, random_state: int = 0, n_iter: int = 8):
        self.random_state = random_state
        self.n_iter = n_iter

    def _base(self) -> Pipeline:
        return Pipeline([("prep", preprocessor()), ("clf", TorchMLPClassifier(random_state=self.random_state))])

    def fit(self, X, y, n_real: int | None = None):
        k = len(X) if n_real is None else int(n_real)
        if not 0 < k <= len(X):
            raise ParameterError(f"n_real={n_real!r} must be between 1 and the number of rows ({len(X)})")
        space = {
            "clf__hidden_layers": [1, 2, 3],
            "clf__units": [16, 32, 64, 128],
            "clf__dropout": [0.0, 0.1, 0.3, 0.5],
            "clf__lr": loguniform(3e-4, 1e-2),
            "clf__activation": ["relu", "tanh", "elu"],
        }
        search = RandomizedSearchCV(
            self._base(),
            space,
            n_iter=self.n_iter,
            cv=StratifiedKFold(3, shuffle=True, random_state=self.random_state),
            scoring="roc_auc_ovr",
            random_state=self.random_state,
            error_score=0.5,
            refit=False,
        )
        rows = np.arange(k)
        search.fit(_safe_indexing(X, rows), _safe_indexing(y, rows))
        self.best_params_ = search.best_params_
        self.cv_results_ = search.cv_results_
        # with n_real == len(X) this is exactly RandomizedSearchCV's own refit
        self.best_estimator_ = self._base().set_params(**self.best_params_).fit(X, y)
        self.classes_ = self.best_estimator_.classes_
        return self

    def predict_proba(self, X):
        return self.best_estimator_.predict_proba(X)

    def predict(self, X):
        return self.best_estimator_.predict(X)


def _mlp(random_state: int, n_iter: int = 8) -> SearchedMLP:
    return SearchedMLP(random_state=random_state, n_iter=n_iter)


MODELS: dict[str, Callable[[int], object]] = {
    "logreg": lambda rs: Pipeline([("prep", preprocessor()), ("clf", LogisticRegression(max_iter=2000, C=1.0))]),
    "rf": lambda rs: Pipeline(
        [("prep", preprocessor()), ("clf", RandomForestClassifier(n_estimators=200, n_jobs=1, random_state=rs))]
    ),
    "hgb": lambda rs: Pipeline([("prep", preprocessor()), ("clf", HistGradientBoostingClassifier(random_state=rs))]),
    "mlp": _mlp,
}


def make_model(name: str, random_state: int = 0):
    """A fresh, unfitted classifier by name (see ``MODELS``)."""
    if name not in MODELS:
        raise ParameterError(f"unknown model {name!r}; choose from {', '.join(MODELS)}")
    return MODELS[name](random_state)
