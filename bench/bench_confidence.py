"""Confidence-targeted generation: plain conditioned design vs closed loop, side by side.

For each dataset and seed: a stratified 70/30 split; a 100-tree random forest (the black
box) on the training part; an unconditioned TabularGAN and two ConfidenceGANs
(``confidence_loss=0``: plain; default: closed loop) on the same rows; 1000 rows with
targets uniform in [0.05, 0.95], without and with the condition calibration (one candidate
per target), and calibrated best of 4 by the black box; for the closed loop also with the
surrogate screening (best of 4 by the surrogate, the default) and 1000 rows at the targets of
``sample(n)`` (natural) and at the black box's scores of the held-out rows: realism when the
requested confidences are ones real rows get.
Prints a Markdown table for bench/RESULTS.md.

    .venv-bench/bin/python bench/bench_confidence.py --datasets german_credit,pima_diabetes --seeds 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split

from synthboost import ConfidenceGAN, TabularGAN, datasets
from synthboost.experiments.models import make_model
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
            Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
            rf = make_model("rf", seed).set_params(clf__n_estimators=100).fit(Xtr, ytr)
            t0 = time.perf_counter()
            plain_gan = TabularGAN(verbose=False, random_state=seed).fit(Xtr)
            base_shape = column_shape_similarity(Xte, plain_gan.sample(a.n, random_state=seed))
            rows.append(dict(dataset=name, seed=seed, design="TabularGAN (unconditioned)", candidates=1,
                             shape=base_shape, fit_s=time.perf_counter() - t0))
            for design, lam in (("plain (confidence_loss=0)", 0.0), ("closed loop (default)", None)):
                t0 = time.perf_counter()
                params = {} if lam is None else {"confidence_loss": lam}
                gan = ConfidenceGAN(rf, verbose=False, random_state=seed, **params).fit(Xtr)
                fit_s = time.perf_counter() - t0
                calibration = gan.calibration_
                # the same fitted networks with and without the condition calibration (calibrate=False
                # trains identically and only leaves calibration_ unset)
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
                    rows.append(dict(dataset=name, seed=seed, design=design, targets=targets, calibrated=calibrated, candidates=k,
                                     screen=m, mae=float(np.abs(d - ach).mean()),
                                     worst_bin_mae=worst, bins_on_target=cover, achieved_std=float(ach.std()),
                                     corr=float(np.corrcoef(d, ach)[0, 1]), shape=column_shape_similarity(Xte, s[X.columns]),
                                     shape_gap=column_shape_similarity(Xte, s[X.columns]) - base_shape, fit_s=fit_s))
            print(pd.DataFrame(rows[-11:]).round(3).to_string(index=False), flush=True)
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
        print(f"| {ds} | {design} | {targets} | {cal} | {k} | {'' if design.startswith('TabularGAN') else screen} | "
              + " | ".join(cells) + " |")
    print(f"\n{a.seeds} seeds; mean ± sd over seeds. shape = column-shape similarity to the held-out real rows; "
          "shape_gap = shape minus the unconditioned TabularGAN's of the same seed. targets: uniform in [0.05, 0.95] "
          "(the goal's setting); natural = sample(n) without a confidence; held-out = the black box's scores of the held-out rows.")


if __name__ == "__main__":
    main()
