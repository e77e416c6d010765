"""Paired statistics across image boosting runs that differ only in `--gan-params` (e.g. MAD-GAN's
loss): each run's generative augmenters are renamed `<augmenter>[<label>]`, the runs are joined on
their cells (dataset, seed, size, model), and every renamed augmenter is compared with `none` and
with the `--baseline` run's arm (Holm within each table). The `none` cells must agree across
runs (same seeds, sizes and data), else the runs are not paired and the script stops.

    .venv/bin/python bench/compare_runs.py --runs ce=bench/out/madgan_grid minimax=bench/out/madgan_q1_minimax \\
        hinge=bench/out/madgan_q1_hinge --dataset mnist --augmenter madgan --baseline ce
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from synthboost.experiments import paired_gains
from synthboost.experiments.grid import read_results
from synthboost.experiments.images import COLUMNS

from bench_image_boost import table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", nargs="+", required=True, help="label=output directory of bench_image_boost.py")
    ap.add_argument("--dataset", default="mnist")
    ap.add_argument("--augmenter", default="madgan", help="the arm each run contributes")
    ap.add_argument("--baseline", required=True, help="the label of the run every other run is compared with")
    a = ap.parse_args()
    runs = dict(r.split("=", 1) for r in a.runs)
    if a.baseline not in runs:
        raise SystemExit(f"--baseline {a.baseline!r} is not one of the labels {sorted(runs)}")
    key = ["dataset", "seed", "size", "model"]
    parts, none = [], None
    for label, where in runs.items():
        res = read_results(Path(where) / a.dataset / "results.csv", COLUMNS)
        res = res[res["error"].fillna("") == ""]
        base = res[res["augmenter"] == "none"][key + ["accuracy"]].sort_values(key).reset_index(drop=True)
        if none is None:
            none, parts = base, [res[res["augmenter"] == "none"]]
        elif not (len(base) == len(none) and np.allclose(base["accuracy"], none["accuracy"])):
            raise SystemExit(f"run {label!r}: its `none` cells differ from the first run's; the runs are not paired")
        arm = res[res["augmenter"] == a.augmenter].copy()
        arm["augmenter"] = f"{a.augmenter}[{label}]"
        parts.append(arm)
    res = pd.concat(parts, ignore_index=True)
    arms = [f"{a.augmenter}[{label}]" for label in runs]
    print(f"## {a.dataset}: accuracy gain over `none` ({res['seed'].nunique()} seeds)\n")
    table(paired_gains(res, metric="accuracy"), "none accuracy", arms)
    base = f"{a.augmenter}[{a.baseline}]"
    print(f"\n## {a.dataset}: accuracy against `{base}`\n")
    table(paired_gains(res[res["augmenter"] != "none"], metric="accuracy", baseline=base), f"{base} accuracy",
          [x for x in arms if x != base])


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
