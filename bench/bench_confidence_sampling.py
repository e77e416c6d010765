"""Confidence-targeted generation: sampling-time options of the closed loop on the same fitted networks.

For each dataset and seed: the split, black box and unconditioned TabularGAN of
bench_confidence.py, one default ConfidenceGAN (closed loop); then, without refitting, the
condition calibration over three condition ranges ([-0.25, 1.25], [-0.1, 1.1], [0, 1]: how far
beyond the confidences D saw real rows at G is asked to extrapolate) and the surrogate
screening at 1, 2 and 4 rows per target. 1000 rows with targets uniform in [0.05, 0.95], two
sampling seeds each (averaged per seed). mae: mean |desired - achieved black-box confidence|;
gap: column-shape similarity to the held-out rows minus the unconditioned TabularGAN's. A
second table gives each range's paired difference to the first, seed by seed.

    .venv-bench/bin/python bench/bench_confidence_sampling.py --datasets german_credit --seeds 5
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import torch
from bench_confidence import seed_setup  # the same split, black box and reference (bench/ is on sys.path)
from synthboost import ConfidenceGAN, datasets
from synthboost.base import torch_generator
from synthboost.metrics import column_shape_similarity

RANGES = {"[-0.25, 1.25]": (-0.25, 1.25), "[-0.1, 1.1]": (-0.1, 1.1), "[0, 1]": (0.0, 1.0)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", default="german_credit,pima_diabetes")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rows = []
    for name in a.datasets.split(","):
        df, target = datasets.load(name)
        X, y = df.drop(columns=target), df[target]
        for seed in range(a.seeds):
            Xtr, Xte, _, rf, base, _ = seed_setup(X, y, seed)
            gan = ConfidenceGAN(rf, verbose=False, random_state=seed).fit(Xtr)
            for label, conditions in RANGES.items():
                gan.calibration_ = gan._calibrate(torch_generator(seed + 7, gan.device), conditions)
                for m in (1, 2, 4):
                    for ss in (seed, seed + 100):
                        s = gan.sample(1000, confidence=(0.05, 0.95), screen=m, return_confidence=True, random_state=ss)
                        d, ach = s["desired_confidence"].to_numpy(), s["achieved_confidence"].to_numpy()
                        gap = column_shape_similarity(Xte, s[X.columns]) - base
                        rows.append(dict(dataset=name, seed=seed, range=label, screen=m, mae=np.abs(d - ach).mean(), gap=gap))
            print(f"{name} seed {seed} done", flush=True)
    res = pd.DataFrame(rows).groupby(["dataset", "range", "screen", "seed"], sort=False)[["mae", "gap"]].mean()
    agg = res.groupby(["dataset", "range", "screen"], sort=False).agg(["mean", "std"])
    print("\n| dataset | condition range | screen | mae | shape_gap |\n|---|---|---:|---:|---:|")
    for (ds, rg, m), r in agg.iterrows():
        print(f"| {ds} | {rg} | {m} | {r[('mae', 'mean')]:.3f} ± {r[('mae', 'std')]:.3f} | {r[('gap', 'mean')]:+.3f} ± {r[('gap', 'std')]:.3f} |")
    print(f"\n{a.seeds} seeds, mean ± sd over seeds (each seed the mean of two sampling seeds); targets uniform in [0.05, 0.95].")
    # the ranges share each seed's networks, so compare them seed by seed
    ref = next(iter(RANGES))
    print(f"\n| dataset | condition range | screen | mae - {ref} | shape_gap - {ref} | seeds with higher shape |\n|---|---|---:|---:|---:|---:|")
    for ds in res.index.unique("dataset"):
        for label in list(RANGES)[1:]:
            for m in (1, 2, 4):
                diff = res.loc[(ds, label, m)] - res.loc[(ds, ref, m)]  # (seeds, [mae, gap])
                print(f"| {ds} | {label} | {m} | {diff['mae'].mean():+.4f} ± {diff['mae'].std():.4f} | "
                      f"{diff['gap'].mean():+.4f} ± {diff['gap'].std():.4f} | {(diff['gap'] > 0).sum()} of {len(diff)} |")


if __name__ == "__main__":
    main()
