"""The `synthboost confidence` job: black box, ConfidenceGAN, rows and diagnostics in one call."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import ParameterError, SchemaError


def make_classifier(spec: str, random_state: int = 0):
    """A classifier from a name (``rf``, ``logreg``, ``hgb``, ``mlp``) or a JSON description
    ``{"model": "rf", "params": {"clf__n_estimators": 100}}`` (inline or a .json file): no pickle."""
    from ..models.tabular import MODELS, make_model

    if spec in MODELS:
        return make_model(spec, random_state)
    if spec.endswith(".json") and not spec.lstrip().startswith("{"):
        if not Path(spec).is_file():
            raise ParameterError(f"classifier description file {spec!r} does not exist")
        text = Path(spec).read_text()
    else:
        text = spec
    try:
        desc = json.loads(text)
    except json.JSONDecodeError:
        raise ParameterError(f"--classifier {spec!r} is neither a model name ({', '.join(MODELS)}) nor a JSON description "
                             'like {"model": "rf", "params": {"clf__n_estimators": 100}}') from None
    if not isinstance(desc, dict) or desc.get("model") not in MODELS:
        raise ParameterError(f"a classifier description needs \"model\" in {list(MODELS)}; got {desc!r}")
    params = desc.get("params", {})
    if not isinstance(params, dict):
        raise ParameterError(f"a classifier description's \"params\" must be an object of parameter: value; got {params!r}")
    model = make_model(desc["model"], random_state)
    try:
        return model.set_params(**params)
    except ValueError as e:
        raise ParameterError(f"classifier parameters {desc.get('params')!r} do not fit model {desc['model']!r}: {e}") from None


@dataclass
class ConfidenceRun:
    """What the confidence job made: the fitted model, the held-out rows, the generated rows
    (with desired and achieved confidence) and the settings; ``report.confidence.write_run`` writes it."""

    gan: Any
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_test: pd.Series
    rows: pd.DataFrame
    target: str
    settings: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def run_confidence(
    data: pd.DataFrame,
    target: str,
    *,
    classifier: str = "rf",
    n: int = 1000,
    confidence: Any = (0.05, 0.95),
    positive_class: Any = None,
    test_size: float = 0.3,
    candidates: int = 1,
    screen: int | None = None,
    gan_params: dict | None = None,
    random_state: int = 0,
    echo: Callable[[str], None] = print,
) -> ConfidenceRun:
    """Split ``data``; fit the black box and the ConfidenceGAN on the training part; sample
    ``n`` rows at ``confidence`` (every argument is checked before training)."""
    from sklearn.model_selection import train_test_split

    from ..synthesizers.confidence import ConfidenceGAN, parse_confidence

    if target not in data.columns:
        raise SchemaError(f"target column {target!r} is not in the data; columns are {list(data.columns)}")
    df = data.dropna(subset=[target])
    y = df[target]
    if y.nunique() < 2:
        raise SchemaError(f"target column {target!r} has a single class; a classifier needs at least two")
    if positive_class is not None:  # match the column's type ("1" on the command line vs 1 in the data)
        match = [v for v in y.unique() if str(v) == str(positive_class)]
        if not match:
            raise ParameterError(f"positive class {positive_class!r} is not a value of {target!r}: {sorted(map(str, y.unique()))}")
        positive_class = match[0]
    # every sampling argument is checked before minutes of training, not after
    gan = ConfidenceGAN(None, positive_class=positive_class, random_state=random_state, **(gan_params or {}))
    gan._check_request(n, candidates, screen, min_n=1)  # a report needs rows
    parse_confidence(confidence, int(n), np.random.default_rng(0))
    X = df.drop(columns=target)
    try:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_size, stratify=y, random_state=random_state)
    except ValueError as e:  # test_size out of range, or a class too rare to split by class
        raise ParameterError(f"cannot split {len(df)} rows into training and held-out parts with test_size={test_size!r} "
                             f"stratified by {target!r}: {e}") from None
    clf = make_classifier(classifier, random_state)
    try:
        clf.fit(Xtr, ytr)
    except (ValueError, TypeError) as e:  # e.g. a parameter value of the wrong type, which sklearn checks at fit
        raise ParameterError(f"the black box {classifier!r} cannot be trained on the {len(Xtr)} training rows: {e}") from None
    echo(f"black box {classifier}: trained on {len(Xtr)} rows; {len(Xte)} held out")
    gan = gan.set_params(classifier=clf).fit(Xtr)
    with warnings.catch_warnings(record=True) as caught:  # shown on the console and in the report
        warnings.simplefilter("always")
        rows = gan.sample(n, confidence=confidence, candidates=candidates, screen=screen, return_confidence=True)
    notes = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    for note in notes:
        echo(f"warning: {note}")
    settings = dict(classifier=classifier, positive_class=gan.positive_class_, requested=str(confidence),
                    candidates=candidates, screen=gan._screen_for(screen))
    return ConfidenceRun(gan, Xtr, Xte, yte, rows, target, settings, notes)
