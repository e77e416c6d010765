"""Speed and quality of TabularGAN side by side with CTGAN, in the same run, on 2 CPU threads.

For each dataset: one stratified 70/30 split (seeded); every synthesizer is fitted on
the training part only, at its defaults. Reported per synthesizer:

* fit time (total) and seconds per epoch;
* sampling speed (decoded rows/s for 100k rows);
* column-shape similarity to the training rows (mean of 1-KS numeric / 1-TVD categorical);
* TSTR ROC AUC: a HistGradientBoosting classifier trained on synthetic rows, scored on the
  held-out real rows (TRTR, trained on the real training rows, is the reference).

Usage (see bench/RESULTS.md for recorded runs):

    python bench/bench_core.py                                   # all datasets, ours + CTGAN
    python bench/bench_core.py --datasets german_credit --objectives bce,wgan,wgan-gp --no-ctgan
    python bench/bench_core.py --datasets german_credit,titanic,adult --objectives bce,bce/mode --no-ctgan
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split

from synthboost import TabularGAN, datasets
from synthboost.metrics import column_shape_similarity, tstr_auc

torch.set_num_threads(2)
OUT = Path(__file__).parent / "out"


def load(name: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    df, target = datasets.load(name)
    if name == "adult":
        df = df.sample(10_000, random_state=0).reset_index(drop=True)
    train, test = train_test_split(df, test_size=0.3, stratify=df[target], random_state=seed)
    return train.reset_index(drop=True), test.reset_index(drop=True), target


def run_ours(train, target, seed, objective, **params):
    objective, _, sampling = objective.partition("/")  # "bce/mode" = bce with categorical_sampling="mode"
    if sampling:
        params = {**params, "categorical_sampling": sampling}
    objective, _, n_critic = objective.partition(":")  # "wgan-gp:1" = wgan-gp with n_critic=1
    if n_critic:
        params = {**params, "n_critic": int(n_critic)}
    gan = TabularGAN(objective=objective, random_state=seed, verbose=False, **params)
    t0 = time.perf_counter()
    gan.fit(train, target=target)
    fit_s = time.perf_counter() - t0
    epochs = len(gan.history_)
    t0 = time.perf_counter()
    gan.sample(100_000)
    rate = 100_000 / (time.perf_counter() - t0)
    return gan.sample(len(train)), fit_s, fit_s / epochs, epochs, rate


def run_ctgan(train, target, seed, epochs):
    from ctgan import CTGAN

    discrete = [c for c in train.columns if not pd.api.types.is_numeric_dtype(train[c]) or c == target]
    # CTGAN cannot take NaN in discrete columns: give them an explicit category
    data = train.copy()
    for c in discrete:
        if data[c].isna().any():
            data[c] = data[c].astype(object).where(data[c].notna(), "__missing__")
    model = CTGAN(epochs=epochs, verbose=False, enable_gpu=False) if epochs else CTGAN(verbose=False, enable_gpu=False)
    model.set_random_state(seed)
    t0 = time.perf_counter()
    model.fit(data, discrete_columns=discrete)
    fit_s = time.perf_counter() - t0
    n_epochs = model._epochs
    t0 = time.perf_counter()
    model.sample(100_000)
    rate = 100_000 / (time.perf_counter() - t0)
    syn = model.sample(len(train))
    for c in discrete:
        if (syn[c] == "__missing__").any():
            syn[c] = syn[c].where(syn[c] != "__missing__")
        syn[c] = syn[c].astype(train[c].dtype)
    return syn, fit_s, fit_s / n_epochs, n_epochs, rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="breast_cancer,german_credit,adult")
    ap.add_argument("--objectives", default="bce", help="TabularGAN objectives, comma-separated; NAME:K sets n_critic=K, NAME/mode sets categorical_sampling='mode'")
    ap.add_argument("--seeds", default="0", help="comma-separated split/model seeds")
    ap.add_argument("--no-ctgan", action="store_true")
    ap.add_argument("--ctgan-epochs", type=int, default=0, help="0 = CTGAN's default (300)")
    ap.add_argument("--param", action="append", default=[], help="extra TabularGAN param, e.g. epochs=500")
    args = ap.parse_args()
    extra = {}
    for p in args.param:
        k, v = p.split("=", 1)
        extra[k] = json.loads(v) if v[:1].isdigit() or v[:1] in "[-" or v in ("true", "false", "null") else v

    rows = []
    for name in args.datasets.split(","):
        for seed in map(int, args.seeds.split(",")):
            train, test, target = load(name, seed)
            trtr = tstr_auc(train, test, target, seed)
            runs = [(f"synthboost[{o}]", lambda o=o: run_ours(train, target, seed, o, **extra)) for o in args.objectives.split(",")]
            if not args.no_ctgan:
                runs.append(("ctgan", lambda: run_ctgan(train, target, seed, args.ctgan_epochs)))
            for tool, fn in runs:
                syn, fit_s, epoch_s, epochs, rate = fn()
                row = dict(
                    dataset=name, seed=seed, tool=tool, rows=len(train), epochs=epochs,
                    fit_s=round(fit_s, 2), s_per_epoch=round(epoch_s, 4), sample_rows_per_s=int(rate),
                    shape=round(column_shape_similarity(train, syn), 4),
                    tstr_auc=round(tstr_auc(syn, test, target, seed), 4), trtr_auc=round(trtr, 4),
                )
                rows.append(row)
                print(json.dumps(row), flush=True)
    res = pd.DataFrame(rows)
    OUT.mkdir(exist_ok=True)
    res.to_csv(OUT / f"bench_core_{int(time.time())}.csv", index=False)
    summary = res.groupby(["dataset", "tool"]).mean(numeric_only=True).drop(columns="seed").round(4)
    print("\n" + summary.to_string())
    if not args.no_ctgan:
        print("\nratios vs CTGAN (mean over seeds; >1 = synthboost faster):")
        for name in res["dataset"].unique():
            ct = summary.loc[(name, "ctgan")]
            for tool in [t for t in res["tool"].unique() if t != "ctgan"]:
                ours = summary.loc[(name, tool)]
                print(
                    f"  {name:14s} {tool:22s} fit x{ct.fit_s / ours.fit_s:.1f}  per-epoch x{ct.s_per_epoch / ours.s_per_epoch:.1f}"
                    f"  sampling x{ours.sample_rows_per_s / ct.sample_rows_per_s:.1f}  shape {ours['shape'] - ct['shape']:+.3f}"
                    f"  TSTR AUC {ours.tstr_auc - ct.tstr_auc:+.3f}"
                )


if __name__ == "__main__":
    main()
