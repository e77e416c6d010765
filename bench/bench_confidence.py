"""Confidence-targeted generation: plain conditioned design vs closed loop, side by side.

For each dataset and seed: a stratified 70/30 split; a 100-tree random forest (the black
box) on the training part; an unconditioned TabularGAN and two ConfidenceGANs
(``confidence_loss=0``: plain; default: closed loop) on the same rows; 1000 rows with
targets uniform in [0.05, 0.95], without and with the condition calibration (one candidate
per target), and calibrated best of 4 by the black box; for the closed loop also with the
surrogate screening (best of 4 by the surrogate, the default) and 1000 rows at the targets of
``sample(n)`` (natural) and at the black box's scores of the held-out rows: realism when the
requested confidences are ones real rows get. As a reference for the realism cost of the
requested distribution itself: real training rows picked so that their (5-fold
cross-validated, so honest) black-box scores match the same uniform targets, against real
training rows resampled plainly; a perfect conditional generator would land there.
Prints a Markdown table for bench/RESULTS.md.

    .venv-bench/bin/python bench/bench_confidence.py --datasets german_credit,pima_diabetes --seeds 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split

from synthboost import ConfidenceGAN, TabularGAN, datasets
from synthboost.models.tabular import make_model
from synthboost.metrics import column_shape_similarity


def spread(desired: np.ndarray, achieved: np.ndarray) -> tuple[float, float]:
    """(share of the 9 tenths of [0.05, 0.95] whose rows land on average within 0.1 of the bin's
    mean target, worst per-bin MAE)."""
    edges = np.linspace(0.05, 0.95, 10)
    idx = np.clip(np.digitize(desired, edges[1:-1]), 0, 8)
    hit, worst = 0, 0.0
    for i in range(9):
        m = idx == i
        if m.any():
            hit += abs(achieved[m].mean() - desired[m].mean()) <= 0.1
            worst = max(worst, float(np.abs(achieved[m] - desired[m]).mean()))
    return hit / 9, worst


def real_rows_at(targets: np.ndarray, scores: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Index of a real row per target, drawn among the rows whose score is nearest (ties broken at
    random: a 100-tree forest's scores are multiples of 0.01)."""
    dist = np.abs(scores[None, :] - targets[:, None])  # (n_targets, n_rows)
    near = dist <= dist.min(axis=1, keepdims=True) + 0.005
    return np.array([rng.choice(np.flatnonzero(r)) for r in near])


def seed_setup(X: pd.DataFrame, y: pd.Series, seed: int, n: int = 1000):
    """One seed's stratified 70/30 split, black box (a 100-tree forest on the 70 %) and realism reference
    (an unconditioned TabularGAN's column shape on ``n`` rows): (Xtr, Xte, ytr, rf, base_shape, base_fit_s)."""
    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    rf = make_model("rf", seed).set_params(clf__n_estimators=100).fit(Xtr, ytr)
    t0 = time.perf_counter()
    base_shape = column_shape_similarity(Xte, TabularGAN(verbose=False, random_state=seed).fit(Xtr).sample(n, random_state=seed))
    return Xtr, Xte, ytr, rf, base_shape, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default="german_credit,pima_diabetes")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rows = []
    for name in a.datasets.split(","):
        df, target = datasets.load(name)
        X, y = df.drop(columns=target), df[target]
        for seed in range(a.seeds):
            Xtr, Xte, ytr, rf, base_shape, base_fit_s = seed_setup(X, y, seed, a.n)
            rows.append(dict(dataset=name, seed=seed, design="TabularGAN (unconditioned)", candidates=1,
                             shape=base_shape, fit_s=base_fit_s))
            # the realism cost of the request itself: real rows at the uniform targets vs real rows
            rng = np.random.default_rng(seed)
            cv = StratifiedKFold(5, shuffle=True, random_state=seed)
            oof = cross_val_predict(make_model("rf", seed).set_params(clf__n_estimators=100), Xtr, ytr, cv=cv,
                                    method="predict_proba")[:, -1]  # (n_train,) positive = last class, as ConfidenceGAN
            want = rng.uniform(0.05, 0.95, a.n)
            for design, idx in (("real rows (resampled)", rng.choice(len(Xtr), a.n)),
                                ("real rows at the targets", real_rows_at(want, oof, rng))):
                sh = column_shape_similarity(Xte, Xtr.iloc[idx])
                row = dict(dataset=name, seed=seed, design=design, candidates=1, shape=sh, shape_gap=sh - base_shape)
                if design.endswith("targets"):
                    row.update(targets="uniform", mae=float(np.abs(oof[idx] - want).mean()),
                               corr=float(np.corrcoef(want, oof[idx])[0, 1]), achieved_std=float(oof[idx].std()))
                rows.append(row)
            for design, lam in (("plain (confidence_loss=0)", 0.0), ("closed loop (default)", None)):
                t0 = time.perf_counter()
                params = {} if lam is None else {"confidence_loss": lam}
                gan = ConfidenceGAN(rf, verbose=False, random_state=seed, **params).fit(Xtr)
                fit_s = time.perf_counter() - t0
                calibration = gan.calibration_
                # the same fitted networks with and without the condition calibration (only calibration_
                # is switched here; natural_confidence_quantiles_ stays, used by the `natural` targets)
                held_out = np.random.default_rng(seed).choice(gan.confidence_of(Xte), a.n)  # (n,) scores of unseen real rows
                # (calibrated, black-box candidates, surrogate screen, targets)
                runs = [(False, 1, 1, "uniform"), (True, 1, 1, "uniform"), (True, 4, 1, "uniform")]
                if lam is None:  # + surrogate screening (the default); realism at confidences real rows get
                    runs += [(True, 1, 4, "uniform"), (True, 4, 4, "uniform"), (True, 1, 4, "natural"), (True, 1, 4, "held-out")]
                for calibrated, k, m, targets in runs:
                    gan.calibration_ = calibration if calibrated else None
                    want = {"uniform": (0.05, 0.95), "natural": None, "held-out": held_out}[targets]
                    s = gan.sample(a.n, confidence=want, candidates=k, screen=m, return_confidence=True, random_state=seed)
                    d, ach = s["desired_confidence"].to_numpy(), s["achieved_confidence"].to_numpy()
                    cover, worst = spread(d, ach)
                    shape = column_shape_similarity(Xte, s[X.columns])
                    rows.append(dict(dataset=name, seed=seed, design=design, targets=targets, calibrated=calibrated, candidates=k,
                                     screen=m, mae=float(np.abs(d - ach).mean()),
                                     worst_bin_mae=worst, bins_on_target=cover, achieved_std=float(ach.std()),
                                     corr=float(np.corrcoef(d, ach)[0, 1]), shape=shape,
                                     shape_gap=shape - base_shape, fit_s=fit_s))
            print(pd.DataFrame(rows[-13:]).round(3).to_string(index=False), flush=True)
    res = pd.DataFrame(rows)
    res["calibrated"] = res["calibrated"].map({True: "yes", False: "no"}).fillna("")
    res["targets"] = res["targets"].fillna("")
    res["screen"] = res["screen"].fillna(1).astype(int)
    agg = res.groupby(["dataset", "design", "targets", "calibrated", "candidates", "screen"], sort=False).agg(["mean", "std"])
    cols = ["mae", "worst_bin_mae", "bins_on_target", "achieved_std", "corr", "shape", "shape_gap", "fit_s"]
    print(f"\n| dataset | design | targets | calibrated | candidates | screen | " + " | ".join(cols) + " |")
    print("|---|---|---|---|---:|---:|" + "---:|" * len(cols))
    for (ds, design, targets, cal, k, screen), r in agg.iterrows():
        cells = []
        for c in cols:
            m, sd = r.get((c, "mean"), np.nan), r.get((c, "std"), np.nan)
            cells.append("" if pd.isna(m) else f"{m:.3f} ± {0 if pd.isna(sd) else sd:.3f}" if c != "fit_s" else f"{m:.0f}")
        print(f"| {ds} | {design} | {targets} | {cal} | {k} | {'' if design.startswith(('TabularGAN', 'real')) else screen} | "
              + " | ".join(cells) + " |")
    print(f"\n{a.seeds} seeds; mean ± sd over seeds. shape = column-shape similarity to the held-out real rows; "
          "shape_gap = shape minus the unconditioned TabularGAN's of the same seed. targets: uniform in [0.05, 0.95] "
          "(the goal's setting); natural = sample(n) without a confidence; held-out = the black box's scores of the held-out rows.")


if __name__ == "__main__":
    main()
