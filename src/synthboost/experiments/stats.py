"""Statistics of a boosting experiment: is augmenter X better than no augmentation?

Every comparison is *paired by seed*: seed s fixes the test split and the real training
subsample, so the baseline ("none") and an augmenter trained on seed s differ only by
the augmentation. For each (dataset, size, model, augmenter) we look at the per-seed
differences ``d`` and report

- the mean gain and a 95 % percentile-bootstrap confidence interval of that mean,
- a two-sided Wilcoxon signed-rank p-value (robust to a skewed ``d``),
- Holm-Bonferroni adjusted p-values across *all* comparisons of the table, because a
  grid of sizes x models x augmenters makes many tests and some would "win" by chance,
- wins / ties / losses over the seeds and a plain verdict.

Gains are oriented so that **positive always means "augmentation helped"**: for
metrics where higher is better ``gain = augmented - baseline``; for metrics where lower
is better ``gain = baseline - augmented``. Each grid task declares which of its metrics
those are (``task.lower_is_better``, saved in the run's ``config.json``);
:data:`LOWER_IS_BETTER` is the fallback for a caller that does not say.
"""

from __future__ import annotations

import warnings
import zlib
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError

#: metrics where a smaller value is better; their gain is ``baseline - augmented``. The fallback of
#: :func:`paired_gains` when its caller does not pass ``lower_is_better`` (the tasks declare their own)
LOWER_IS_BETTER = frozenset({"log_loss", "brier", "brier_score", "epochs_to_90", "epochs_to_baseline_90", "mae", "rmse", "mase", "mse", "crps"})

#: significance level of the verdict (applied to the Holm-adjusted p-value)
ALPHA = 0.05

GAIN_COLUMNS = [
    "dataset",
    "size",
    "model",
    "augmenter",
    "metric",
    "n",
    "mean_baseline",
    "mean_augmented",
    "mean_gain",
    "ci_low",
    "ci_high",
    "p_value",
    "p_holm",
    "wins",
    "ties",
    "losses",
    "significant",
    "verdict",
]

_KEYS = ["dataset", "size", "model"]


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values, in the input order.

    With the m non-NaN p-values sorted ascending, ``p_adj[(i)] = max_{j<=i} min(1, (m-j+1) p[(j)])``
    (0-based ``j``: ``(m - j) p``). The result is monotone in the raw p-values and capped
    at 1; NaN entries stay NaN and do not count towards m.
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise ParameterError("p-values must lie in [0, 1]")
    idx = np.flatnonzero(ok)
    order = np.argsort(p[ok], kind="mergesort")
    scaled = (m - np.arange(m)) * p[ok][order]
    adjusted = np.minimum(1.0, np.maximum.accumulate(scaled))
    out[idx[order]] = adjusted
    return out


def _check(results: pd.DataFrame, metric: str, baseline: str) -> pd.DataFrame:
    if not isinstance(results, pd.DataFrame):
        raise ParameterError(f"results must be a pandas DataFrame, got {type(results).__name__}")
    df = results.copy()
    if "dataset" not in df.columns:
        df["dataset"] = ""
    missing = [c for c in ("seed", "size", "augmenter", "model", metric) if c not in df.columns]
    if missing:
        raise ParameterError(
            f"results lack the column(s) {missing}; expected a results table written by `synthboost boost` "
            f"(columns: dataset, seed, size, augmenter, model and the metric {metric!r})"
        )
    if "complete" in df.columns:  # the runner's marker of finished rows
        df = df[df["complete"] == 1]
    df["augmenter"] = df["augmenter"].astype(str)
    if baseline not in set(df["augmenter"]):
        found = sorted(set(df["augmenter"]))
        raise ParameterError(
            f"baseline augmenter {baseline!r} is not in the results (augmenters found: {found}); "
            f"include {baseline!r} in the experiment's augmenters or pass baseline= one of those"
        )
    df[metric] = pd.to_numeric(df[metric], errors="coerce")
    # a resumed run may hold a cell twice: the last row wins
    return df.drop_duplicates(subset=["dataset", "seed", "size", "model", "augmenter"], keep="last")


def _bootstrap_ci(d: np.ndarray, n_boot: int, rng: np.random.Generator) -> tuple[float, float]:
    n = len(d)
    if n == 0:
        return np.nan, np.nan
    if n == 1 or n_boot <= 0:
        return float(d.mean()), float(d.mean())
    means = d[rng.integers(0, n, size=(n_boot, n))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def _wilcoxon(d: np.ndarray) -> float:
    from scipy.stats import wilcoxon

    if len(d) < 2:
        return np.nan
    if np.all(d == 0):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-sample / ties notes: the p-value stays valid
        return float(wilcoxon(d, zero_method="zsplit", alternative="two-sided").pvalue)


def paired_gains(
    results: pd.DataFrame,
    metric: str = "roc_auc",
    baseline: str = "none",
    n_boot: int = 2000,
    random_state: int = 0,
    tie_tol: float = 1e-9,
    lower_is_better: bool | None = None,
) -> pd.DataFrame:
    """Paired comparison of every augmenter against ``baseline`` (see the module doc).

    Rows of an augmenter are paired with baseline rows of the same (dataset, seed, size,
    model); pairs where either metric value is NaN (a failed cell) are dropped.
    ``gain`` is oriented so that positive means better (``baseline - augmented`` where
    ``lower_is_better``; ``None`` looks the metric up in :data:`LOWER_IS_BETTER`). Differences with ``|d| <= tie_tol`` count as
    ties and as exact zeros in the Wilcoxon test (``zero_method="zsplit"``; all-zero
    differences give p = 1; fewer than 2 pairs give NaN). ``p_holm`` adjusts over all
    rows of the returned table; ``significant`` is ``p_holm < 0.05`` and ``verdict`` is
    ``"gain"`` / ``"loss"`` for significant positive / negative mean gains, else ``"n.s."``.

    The bootstrap of each row draws from its own generator, seeded by ``random_state``
    and the row's key, so the result is deterministic and a row's interval does not
    depend on which other rows the table holds.
    """
    if n_boot < 0:
        raise ParameterError(f"n_boot={n_boot} must be >= 0")
    if not tie_tol >= 0:
        raise ParameterError(f"tie_tol={tie_tol} must be >= 0")
    df = _check(results, metric, baseline)
    if lower_is_better is None:
        lower_is_better = metric in LOWER_IS_BETTER
    elif not isinstance(lower_is_better, (bool, np.bool_)):
        raise ParameterError(f"lower_is_better={lower_is_better!r} must be True, False or None")
    sign = -1.0 if lower_is_better else 1.0
    cols = ["dataset", "seed", "size", "model", metric]
    base = df.loc[df["augmenter"] == baseline, cols].rename(columns={metric: "_base"})
    aug = df.loc[df["augmenter"] != baseline, cols + ["augmenter"]].rename(columns={metric: "_aug"})
    pairs = aug.merge(base, on=["dataset", "seed", "size", "model"], how="inner")
    pairs = pairs.dropna(subset=["_base", "_aug"])

    rows = []
    for key, g in pairs.groupby(_KEYS + ["augmenter"], sort=True):
        dataset, size, model, augmenter = key
        d = sign * (g["_aug"].to_numpy(float) - g["_base"].to_numpy(float))
        d = np.where(np.abs(d) <= tie_tol, 0.0, d)
        seed = [int(random_state) & 0xFFFFFFFF, zlib.crc32(repr((str(dataset), int(size), str(model), str(augmenter))).encode())]
        lo, hi = _bootstrap_ci(d, n_boot, np.random.default_rng(seed))
        rows.append(
            dict(
                dataset=dataset,
                size=size,
                model=model,
                augmenter=augmenter,
                metric=metric,
                n=len(d),
                mean_baseline=float(g["_base"].mean()),
                mean_augmented=float(g["_aug"].mean()),
                mean_gain=float(d.mean()),
                ci_low=lo,
                ci_high=hi,
                p_value=_wilcoxon(d),
                wins=int((d > 0).sum()),
                ties=int((d == 0).sum()),
                losses=int((d < 0).sum()),
            )
        )
    out = pd.DataFrame(rows, columns=[c for c in GAIN_COLUMNS if c not in ("p_holm", "significant", "verdict")])
    out["p_holm"] = holm(out["p_value"].to_numpy(float)) if len(out) else np.array([], dtype=float)
    out["significant"] = (out["p_holm"] < ALPHA).astype(bool)
    out["verdict"] = np.where(
        out["significant"] & (out["mean_gain"] > 0), "gain", np.where(out["significant"] & (out["mean_gain"] < 0), "loss", "n.s.")
    )
    out = out[GAIN_COLUMNS]
    return out.astype({"n": int, "wins": int, "ties": int, "losses": int}).reset_index(drop=True)


def summary_table(results: pd.DataFrame, metric: str = "roc_auc") -> pd.DataFrame:
    """Mean and standard deviation of ``metric`` over seeds, long format.

    Columns: (dataset, when there are several,) size, model, augmenter, n (seeds with a value), mean, std; sorted by size,
    model, then augmenter with ``"none"`` first. Failed cells (NaN metric) are not counted.
    """
    if not isinstance(results, pd.DataFrame):
        raise ParameterError(f"results must be a pandas DataFrame, got {type(results).__name__}")
    missing = [c for c in ("size", "augmenter", "model", metric) if c not in results.columns]
    if missing:
        raise ParameterError(f"results lack the column(s) {missing}; expected a results table written by `synthboost boost`")
    df = results
    if "complete" in df.columns:
        df = df[df["complete"] == 1]
    df = df.assign(_v=pd.to_numeric(df[metric], errors="coerce"), augmenter=df["augmenter"].astype(str))
    keys = (["dataset"] if "dataset" in df.columns and df["dataset"].nunique() > 1 else []) + ["size", "model", "augmenter"]
    g = df.groupby(keys, sort=True)["_v"]  # several datasets in one table stay apart
    out = pd.DataFrame({"n": g.count(), "mean": g.mean(), "std": g.std(ddof=1)}).reset_index()
    out["_first"] = out["augmenter"] != "none"
    out = out.sort_values(keys[:-1] + ["_first", "augmenter"], kind="mergesort").drop(columns="_first")
    return out.reset_index(drop=True)


__all__ = ["holm", "paired_gains", "summary_table", "LOWER_IS_BETTER", "ALPHA", "GAIN_COLUMNS"]
