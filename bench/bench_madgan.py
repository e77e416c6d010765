"""MADGAN's questions on real image sets (2 CPU cores, no GPU): what the loss and the number of
generators do to the images, and what k costs.

    quality  fit one MADGAN per setting and seed on --per-class images per class; KID of 2000 generated
             images (the uniform mixture) against the test split in the feature space of a CNN trained
             on the dataset's training split (not Inception), label agreement with that CNN, class
             shares (mode coverage), per-generator KID and the between/within-generator distance
             ratio; grids with one row per generator under --figures
    cost     seconds per epoch against k (a few epochs, each fit in a fresh process)

    .venv/bin/python bench/bench_madgan.py quality --dataset mnist --per-class 100 --seeds 3 \\
        --configs '{"n_generators": 1}' '{"n_generators": 4}'
    .venv/bin/python bench/bench_madgan.py cost --dataset mnist --per-class 100 --ks 1,2,4,8

Results are JSON lines on stdout and a Markdown table at the end; a seed picks the training
subsample and the model's initialisation.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from pathlib import Path

import numpy as np
import torch

from bench_images import ci, subsample  # bench/ is on sys.path when a script in it runs


def _label(cfg: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in cfg.items()) or "defaults"


def quality(a) -> None:
    from synthboost import MADGAN, datasets
    from synthboost.metrics.images import dataset_feature_net, generator_diagnostics

    torch.set_num_threads(a.threads)
    train, test = datasets.load(a.dataset), datasets.load(a.dataset, split="test")
    net = dataset_feature_net(train)  # cached; trained on the full training split
    ref = subsample(test, 200, 0)
    rows = []
    for cfg_s in a.configs:
        cfg = json.loads(cfg_s)
        for seed in range(a.seeds):
            sub = subsample(train, a.per_class, seed)
            t0 = time.perf_counter()
            m = MADGAN(random_state=seed, verbose=False, **cfg)
            m.fit(sub if m.conditioning is not None else sub.images)
            fit_s = time.perf_counter() - t0
            d = generator_diagnostics(m, ref, net, n=2000, seed=seed)
            if m.conditioning is not None:  # the asked (label) or the labeller's (classifier) labels against the feature CNN
                s = m.sample(2000, random_state=seed)
                d["agreement"] = float((net.probabilities(s).argmax(1) == s.labels).mean())
            shares = np.asarray(d["class_shares"])
            row = {"config": _label(cfg), "seed": seed, "fit_s": round(fit_s, 1),
                   "s_per_epoch": round(float(m.history_["seconds"].mean()), 3), "kid": round(d["kid"], 3),
                   "agreement": round(d.get("agreement", float("nan")), 3),
                   "min_share": round(float(shares.min()), 3), "max_share": round(float(shares.max()), 3),
                   "classes_5_15": int(((shares >= 0.05) & (shares <= 0.15)).sum()),
                   "between_within": round(d["between_within"], 3),
                   "kid_per_generator": [round(r["kid"], 3) for r in d["per_generator"]],
                   "g_shares": [[round(x, 2) for x in r["class_shares"]] for r in d["per_generator"]]}
            print(json.dumps(row), flush=True)
            rows.append(row)
            if a.figures and seed == 0:
                Path(a.figures).mkdir(parents=True, exist_ok=True)
                tag = "_".join(f"{k}-{v}" for k, v in cfg.items()) or "defaults"
                m.save_grid(Path(a.figures) / f"madgan_{a.dataset}_{a.per_class}_{tag}.png", per_class=10, rows="generator")
    print(f"\n{a.dataset}, {a.per_class} per class, seeds 0-{a.seeds - 1} (mean ± 95 % t-interval)\n")
    print("| setting | fit s | s / epoch | KID | agreement | class shares min-max | classes in [5 %, 15 %] | between / within |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    for cfg in dict.fromkeys(r["config"] for r in rows):
        g = [r for r in rows if r["config"] == cfg]
        col = lambda k: ci([r[k] for r in g])  # noqa: E731
        print(f"| {cfg} | {np.mean([r['fit_s'] for r in g]):.0f} | {col('s_per_epoch')} | {col('kid')} | {col('agreement')} | "
              f"{np.mean([r['min_share'] for r in g]):.3f}-{np.mean([r['max_share'] for r in g]):.3f} | "
              f"{np.mean([r['classes_5_15'] for r in g]):.1f} | {col('between_within')} |")


def _cost_child(dataset: str, per_class: int, k: int, epochs: int, q) -> None:
    from synthboost import MADGAN, datasets

    torch.set_num_threads(2)
    sub = subsample(datasets.load(dataset), per_class, 0)
    m = MADGAN(n_generators=k, epochs=epochs, random_state=0, verbose=False).fit(sub)
    sec = m.history_["seconds"].to_numpy()[1:]  # the first epoch warms up
    q.put({"k": k, "s_per_epoch": float(sec.mean()), "steps_per_epoch": -(-len(sub) // m.training_config_.batch_size),
           "batch": m.training_config_.batch_size})


def cost(a) -> None:
    ctx = mp.get_context("spawn")
    rows = []
    for k in [int(x) for x in a.ks.split(",")]:
        q = ctx.Queue()
        p = ctx.Process(target=_cost_child, args=(a.dataset, a.per_class, k, a.epochs, q))
        p.start()
        row = q.get()
        p.join()
        print(json.dumps(row), flush=True)
        rows.append(row)
    base = rows[0]["s_per_epoch"]
    print(f"\n| k | batch | s / epoch | vs k = {rows[0]['k']} |\n|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['k']} | {r['batch']} | {r['s_per_epoch']:.3f} | {r['s_per_epoch'] / base:.2f}x |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--dataset", default="mnist")
    q.add_argument("--per-class", type=int, default=100)
    q.add_argument("--seeds", type=int, default=3)
    q.add_argument("--configs", nargs="+", default=['{"n_generators": 1}', '{"n_generators": 4}'])
    q.add_argument("--threads", type=int, default=2)
    q.add_argument("--figures", default="bench/figures")
    c = sub.add_parser("cost")
    c.add_argument("--dataset", default="mnist")
    c.add_argument("--per-class", type=int, default=100)
    c.add_argument("--ks", default="1,2,4,8")
    c.add_argument("--epochs", type=int, default=6)
    a = ap.parse_args()
    {"quality": quality, "cost": cost}[a.cmd](a)


if __name__ == "__main__":
    main()
