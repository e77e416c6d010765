"""Fidelity: how closely synthetic columns follow the real ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from ..data.schema import infer_schema, numeric_values
from ..errors import SchemaError


def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame) -> pd.DataFrame:
    """Per-column similarity in [0, 1]: 1 - KS statistic for numeric, 1 - TVD for categorical.

    Missingness counts as a category for categorical columns; numeric columns are
    compared on their present values. Returns columns ``column``, ``kind``, ``metric``, ``score``.
    """
    missing = [c for c in real.columns if c not in synthetic.columns]
    if missing:
        raise SchemaError(f"synthetic data lacks columns {missing} of the real data")
    schema = infer_schema(real)
    rows = []
    for spec in schema.columns:
        r, s = real[spec.name], synthetic[spec.name]
        if spec.kind == "categorical":
            pr = r.astype(object).where(r.notna(), "<NA>").value_counts(normalize=True)
            ps = s.astype(object).where(s.notna(), "<NA>").value_counts(normalize=True)
            pr.index, ps.index = pr.index.map(str), ps.index.map(str)
            tvd = 0.5 * pr.sub(ps, fill_value=0).abs().sum()
            rows.append((spec.name, spec.kind, "1-TVD", 1.0 - float(tvd)))
        else:
            a, b = numeric_values(r, spec.kind), numeric_values(s, spec.kind)
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            score = 0.0 if b.size == 0 else 1.0 - float(ks_2samp(a, b).statistic)
            rows.append((spec.name, spec.kind, "1-KS", score))
    return pd.DataFrame(rows, columns=["column", "kind", "metric", "score"])


def column_shape_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Mean of :func:`column_shapes` scores (1.0 = identical marginals)."""
    return float(column_shapes(real, synthetic)["score"].mean())
