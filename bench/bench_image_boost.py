"""Does it boost images? The image boosting grid on real image sets, and its paired statistics as
Markdown for bench/RESULTS.md (accuracy gain over `none`; epochs to 90 % of each run's own best and to
90 % of the `none` arm's best in the same cell; every `X+<classic>` over that classic augmenter
(`cgan+trivialaugment` over `trivialaugment`); `madgan`
and `madgan+classic` over `cgan` and `cgan+classic`). Holm's correction runs within each dataset over
the comparisons of one table. An augmenter name may end in `@<ratio>` (`madgan@4`, `madgan@auto`):
the ratios of one generator then share its fit in each cell.

    .venv/bin/python bench/bench_image_boost.py --datasets mnist,fashion_mnist --sizes 10,25,50 --seeds 10 \\
        --augmenters none,classic,cgan,cgan+classic,per-class,recipe -j 2
    .venv/bin/python bench/bench_image_boost.py --datasets mnist --sizes 10 --seeds 10 \\
        --augmenters none,madgan@0.5,madgan@1,madgan@2,madgan@4,madgan@8,madgan@auto -j 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synthboost import datasets
from synthboost.augment.images import check_image_augmenter
from synthboost.experiments import paired_gains
from synthboost.experiments.grid import read_results
from synthboost.experiments.images import COLUMNS, epochs_to_baseline, run_image_boost


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def fmt(r) -> str:
    star = "**" if r.verdict != "n.s." else ""
    return f"{star}{r.mean_gain:+.3f}{star} [{r.ci_low:+.3f}, {r.ci_high:+.3f}] p={r.p_holm:.2g} ({r.wins}/{r.ties}/{r.losses})"


def table(g: pd.DataFrame, baseline_label: str, others: list[str]) -> None:
    print(f"| size | model | {baseline_label} | " + " | ".join(others) + " |")
    print("|---:|---|---:|" + "---|" * len(others))
    for (size, model), gg in g.groupby(["size", "model"]):
        cells = {r.augmenter: fmt(r) for r in gg.itertuples()}
        print(f"| {size} | {model} | {gg['mean_baseline'].iloc[0]:.3f} | " + " | ".join(cells.get(x, "") for x in others) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="mnist,fashion_mnist,cifar10,fruits360_10")
    ap.add_argument("--sizes", default="10,25,50,100")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--seed-start", type=int, default=0, help="seeds are seed-start .. seed-start + seeds - 1")
    ap.add_argument("--augmenters", default=None, help="default none,classic,cgan,cgan+classic; with --stats-only: those in the results")
    ap.add_argument("--models", default="cnn")
    ap.add_argument("--ratio", default="1.0")
    ap.add_argument("--gan-params", default="{}")
    ap.add_argument("--cnn-epochs", type=int, default=300)
    ap.add_argument("--cnn-patience", type=int, default=40)
    ap.add_argument("-j", "--n-jobs", type=int, default=2)
    ap.add_argument("--out", default="bench/out/image_boost")
    ap.add_argument("--stats-only", action="store_true")
    a = ap.parse_args()
    augs = _csv(a.augmenters or "none,classic,cgan,cgan+classic")
    ratio = a.ratio if a.ratio == "auto" else float(a.ratio)
    results = []
    for name in _csv(a.datasets):
        out = Path(a.out) / name
        if a.stats_only:
            res = read_results(out / "results.csv", COLUMNS)
        else:
            train, test = datasets.load(name), datasets.load(name, split="test")
            t0 = time.perf_counter()
            seeds = list(range(a.seed_start, a.seed_start + a.seeds))
            res = run_image_boost(train, test, sizes=[int(s) for s in _csv(a.sizes)], seeds=seeds, augmenters=augs,
                                  models=_csv(a.models), output=str(out), ratio=ratio, gan_params=json.loads(a.gan_params),
                                  cnn_epochs=a.cnn_epochs, cnn_patience=a.cnn_patience, dataset_name=name, n_jobs=a.n_jobs)
            print(f"{name}: {time.perf_counter() - t0:.0f} s wall in this call", flush=True)
        results.append((name, res))
        if a.stats_only and a.augmenters is None:  # every augmenter the run holds, in the order it was run
            augs = list(dict.fromkeys(augs[:1] + list(res["augmenter"])))

    # epochs to the `none` arm's bar (90 % of its best validation accuracy in the same cell), from curves.jsonl
    for i, (name, res) in enumerate(results):
        curves = Path(a.out) / name / "curves.jsonl"
        if curves.is_file() and "none" in augs:
            e = epochs_to_baseline(pd.read_json(curves, lines=True))
            results[i] = (name, res.merge(e, on=["seed", "size", "model", "augmenter"], how="left"))
    for metric in ("accuracy", "epochs_to_90", "epochs_to_baseline_90"):
        print(f"\n## {metric}: gain over `none` (mean [95% CI] Holm p (wins/ties/losses); bold = significant)\n")
        for name, res in results:
            if metric not in res:
                continue
            if metric == "epochs_to_baseline_90":
                short = res[~res["reached"].fillna(True).astype(bool)].groupby("augmenter").size()
                print(f"runs that never reached the bar (counted as their last epoch + 1): {short.to_dict() or 'none'}")
            g = paired_gains(res, metric=metric)
            print(f"\n### {name} ({res['seed'].nunique()} seeds)\n")
            table(g, f"none {metric}", [x for x in augs if x != "none"])
    # goal (b)/(c): a generator plus classic augmentation against classic alone, and MAD-GAN
    # against the conditional GAN with the same classic setting (Holm within each comparison set)
    specs = {a: check_image_augmenter(a) for a in augs}
    pairs = [(k, [a for a, s in specs.items() if s.generator and s.classic == ks.classic])
             for k, ks in specs.items() if ks.generator is None and ks.classic]
    pairs += [(base, [a for a, s in specs.items() if (s.generator or "").startswith("madgan")
                      and s.classic == specs[base].classic])
              for base in ("cgan", "cgan+classic") if base in augs]
    for base, others in pairs:
        if base not in augs or not others:
            continue
        print(f"\n## accuracy: against `{base}`\n")
        for name, res in results:
            sub = res[res["augmenter"].isin([base] + others)]
            if sub["augmenter"].nunique() > 1:
                g = paired_gains(sub, metric="accuracy", baseline=base)
                print(f"\n### {name}\n")
                table(g, f"{base} accuracy", others)
    print("\n## Wall time per job (seconds: generator fit + sample, then CNN training), mean over seeds\n")
    res = pd.concat([r for _, r in results], ignore_index=True)
    t = res.groupby(["dataset", "size", "augmenter"]).agg(augment_s=("augment_s", "mean"), model_s=("model_s", "mean"))
    print(t.round(1).to_string())
    errors = [e for e in res["error"].fillna("") if e]
    print(f"\nfailed cells: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
