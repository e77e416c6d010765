"""Ad-hoc comparison of ImageGAN settings on one subsample: fit time, KID against the test split
in the dataset's feature net, label agreement of that net with the asked labels, and CAS.

    python bench/tune_image_gan.py --dataset mnist --per-class 100 --configs '{}' '{"dropout": 0.0}'
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from synthboost import ImageGAN, datasets
from synthboost.metrics.images import cas, dataset_feature_net, kid


def subsample(data, per_class: int, seed: int):
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.choice(np.flatnonzero(data.labels == c), per_class, replace=False) for c in range(data.n_classes)])
    return data.subset(np.sort(idx))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="mnist")
    ap.add_argument("--per-class", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--grid-dir", default="bench/out/tune")
    ap.add_argument("--configs", nargs="+", default=["{}"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    train, test = datasets.load(a.dataset), datasets.load(a.dataset, split="test")
    test = subsample(test, min(200, min(test.counts().values())), 0)
    net = dataset_feature_net(train)
    clf_feats = net.features(test)
    sub = subsample(train, a.per_class, a.seed)
    import os
    os.makedirs(a.grid_dir, exist_ok=True)
    for text in a.configs:
        cfg = json.loads(text)
        t0 = time.perf_counter()
        gan = ImageGAN(random_state=a.seed, verbose=False, **cfg).fit(sub)
        fit_s = time.perf_counter() - t0
        n = 200 * train.n_classes
        fake = gan.sample(n, np.repeat(np.arange(train.n_classes), 200), random_state=1)
        k = kid(clf_feats, net.features(fake), n_subsets=50)[0]
        with torch.no_grad():
            from synthboost.models.vision import images_to_tensor
            agree = float((net.net(images_to_tensor(fake.images)).argmax(1).numpy() == fake.labels).mean())
        c = cas(fake, test, seed=0)
        tag = "_".join(f"{k}-{v}" for k, v in cfg.items()) or "defaults"
        gan.save_grid(f"{a.grid_dir}/{a.dataset}_{a.per_class}_{tag}.png")
        print(json.dumps({"dataset": a.dataset, "per_class": a.per_class, "seed": a.seed, "config": cfg, "fit_s": round(fit_s, 1),
                          "epochs": gan.training_config_.epochs, "kid": round(k, 4), "label_agreement": round(agree, 3),
                          "cas": round(c, 3), "selected": gan.selection_ and gan.selection_["epoch"]}), flush=True)


if __name__ == "__main__":
    main()
