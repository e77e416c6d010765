"""Does it boost? The issue-3 benchmark: GAN rows vs none / SMOTE / CTGAN on real tables.

For each dataset, ``run_boost`` runs the grid (resumable: re-running skips finished
cells) into ``bench/out/boost/<dataset>/``; then the paired statistics are printed as
Markdown for bench/RESULTS.md. Holm's correction runs within each dataset over every
(size, model, augmenter) comparison with ``none``.

    .venv-bench/bin/python bench/bench_boost.py --datasets german_credit,pima_diabetes,titanic,adult \\
        --sizes 50,100,200,500 --seeds 20 --augmenters none,smote,gan,gan-auto,ctgan --models logreg,rf,hgb -j 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synthboost import datasets
from synthboost.experiments import paired_gains, read_results, run_boost


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def fmt_gain(r) -> str:
    star = "**" if r.verdict != "n.s." else ""
    return f"{star}{r.mean_gain:+.3f}{star} [{r.ci_low:+.3f}, {r.ci_high:+.3f}] p={r.p_holm:.2g}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="german_credit,pima_diabetes,titanic,adult")
    ap.add_argument("--sizes", default="50,100,200,500")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--augmenters", default="none,smote,gan,gan-auto,ctgan")
    ap.add_argument("--models", default="logreg,rf,hgb")
    ap.add_argument("-j", "--n-jobs", type=int, default=2)
    ap.add_argument("--out", default="bench/out/boost")
    ap.add_argument("--stats-only", action="store_true", help="print the tables from finished results, run nothing")
    a = ap.parse_args()
    sizes = [int(s) for s in _csv(a.sizes)]
    augs, models = _csv(a.augmenters), _csv(a.models)

    tables = []
    for name in _csv(a.datasets):
        out = Path(a.out) / name
        if a.stats_only:
            res = read_results(out / "results.csv")
        else:
            df, target = datasets.load(name)
            t0 = time.perf_counter()
            res = run_boost(df, target, sizes=sizes, seeds=a.seeds, augmenters=augs, models=models, output=out,
                            dataset_name=name, n_jobs=a.n_jobs)
            print(f"{name}: {time.perf_counter() - t0:.0f} s wall in this call", flush=True)
        tables.append((name, res))

    print("\n## ROC AUC gain over `none` (mean [95% bootstrap CI] Holm-adjusted Wilcoxon p; bold = significant)\n")
    all_gains = []
    for name, res in tables:
        g = paired_gains(res)  # Holm within this dataset
        all_gains.append(g)
        others = [x for x in augs if x != "none"]
        print(f"\n### {name} ({res['seed'].nunique()} seeds)\n")
        print("| size | model | none AUC | " + " | ".join(others) + " |")
        print("|---:|---|---:|" + "---|" * len(others))
        for (size, model), gg in g.groupby(["size", "model"]):
            cells = {r.augmenter: fmt_gain(r) for r in gg.itertuples()}
            print(f"| {size} | {model} | {gg['mean_baseline'].iloc[0]:.3f} | " + " | ".join(cells.get(x, "") for x in others) + " |")

    g = pd.concat(all_gains, ignore_index=True)
    print("\n## Goals\n")
    small = g[g["size"] <= 200]
    for aug in [x for x in augs if x != "none"]:
        s = g[g.augmenter == aug]
        sig_ds = sorted(small[(small.augmenter == aug) & (small.verdict == "gain")]["dataset"].unique())
        print(f"- `{aug}`: mean gain {s.mean_gain.mean():+.4f} over all cells ({(s.mean_gain > 0).sum()}/{len(s)} positive); "
              f"significant gains {int((s.verdict == 'gain').sum())}, significant losses {int((s.verdict == 'loss').sum())}; "
              f"datasets with a significant gain at n<=200: {', '.join(sig_ds) or 'none'}")

    print("\n## Wall time per cell (seconds: augmenter fit+sample, then all models), mean over seeds\n")
    res = pd.concat([r for _, r in tables], ignore_index=True)
    res = res[res["complete"].astype(bool)] if "complete" in res.columns else res
    cell = res.groupby(["dataset", "seed", "size", "augmenter"]).agg(augment_s=("augment_s", "first"), model_s=("model_s", "sum"))
    t = cell.groupby(["dataset", "size", "augmenter"]).mean().unstack("augmenter")
    print("| dataset | size | " + " | ".join(augs) + " |")
    print("|---|---:|" + "---:|" * len(augs))
    for (ds, size), row in t.iterrows():
        print(f"| {ds} | {size} | " + " | ".join(
            f"{row[('augment_s', x)]:.1f} + {row[('model_s', x)]:.1f}" if ('augment_s', x) in row.index else "" for x in augs) + " |")
    errors = res["error"].dropna() if "error" in res.columns else []
    errors = [e for e in errors if str(e) not in ("", "nan")]
    print(f"\nfailed cells: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
