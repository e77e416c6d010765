"""ImageGAN's cost and quality on real image sets (2 CPU cores, no GPU).

    cost         fit time, seconds per epoch, peak memory (each fit in a fresh process) and the
                 sampling rate of the defaults, at --per-class images per class
    cas          classification accuracy score: a CNN trained on generated images only (--syn-per-class
                 per class), validated on the real training images and tested on the real test split
                 (1000 images, 100 per class), against the same CNN trained on the real images; also
                 the fitted model's sampling rate (best of 3 runs of sample(10000))
    diffaugment  KID (dataset feature net) against the test split with and without DiffAugment (--arms: the
                 default under ADA, DiffAugment at p = 1, none)
    variants     ImageGAN variants (--variants: name -> parameters) fitted on the same subsample: KID,
                 precision / recall / coverage (dataset feature net, whole test split) and memorisation
                 (against the test split as unseen reference); seed 0's grids under --figures
    sampling     images per second of sample(10000) by the chunk it runs the generator on (one model,
                 --per-class images per class, 1 epoch: sampling cost does not depend on training),
                 and whether a chunk gives the same images as the default one

    .venv/bin/python bench/bench_images.py cost --datasets mnist,cifar10 --per-class 100
    .venv/bin/python bench/bench_images.py cas --datasets mnist,fashion_mnist --per-class 100 --seeds 3
    .venv/bin/python bench/bench_images.py diffaugment --datasets fruits360_10,cifar10 --per-class 30,60 --seeds 3 \\
        --figures bench/figures
    .venv/bin/python bench/bench_images.py diffaugment --datasets fruits360_10 --per-class 60 --seeds 3 \\
        --arms diffaugment-p1 --rows earlier_call.log     # one arm more, paired with an earlier call's `none`
    .venv/bin/python bench/bench_images.py variants --datasets fruits360_10 --per-class 10 --seeds 2 \
        --variants '{"cgan": {}, "cgan-no-diffaugment": {"diffaugment": null}, "per-class": {"mode": "per_class"}}'
    .venv/bin/python bench/bench_images.py sampling --datasets mnist,cifar10 --per-class 50 --chunks 128,256,512,1024

Results are JSON lines on stdout (and a Markdown summary at the end); seeds pick the
training subsample and the GAN's initialisation.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time
from pathlib import Path

import numpy as np
import torch


def subsample(data, per_class: int, seed: int):
    rng = np.random.default_rng([seed, per_class])
    idx = np.concatenate([rng.choice(np.flatnonzero(data.labels == c), per_class, replace=False) for c in range(data.n_classes)])
    return data.subset(np.sort(idx))


def ci(values) -> str:
    from scipy.stats import t

    v = np.asarray(values, float)
    if len(v) < 2:
        return f"{v.mean():.3f}"
    half = t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return f"{v.mean():.3f} ± {half:.3f}"


def _cost_child(name: str, per_class: int, seed: int, params: dict, q) -> None:
    from synthboost import ImageGAN, datasets

    torch.set_num_threads(2)
    sub = subsample(datasets.load(name), per_class, seed)
    t0 = time.perf_counter()
    gan = ImageGAN(random_state=seed, verbose=False, **params).fit(sub)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    gan.sample(10000, random_state=0)
    rate = 10000 / (time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    q.put({"dataset": name, "per_class": per_class, "seed": seed, "params": params, "fit_s": round(fit_s, 1),
           "epochs": gan.training_config_.epochs, "steps": gan.training_config_.epochs * -(-len(sub) // gan.training_config_.batch_size),
           "s_per_epoch": round(float(gan.history_["seconds"].mean()), 3), "images_per_s": round(rate), "peak_gib": round(peak, 2),
           "side": gan.image_shape_[0], "width": gan.width_})


def cost(a) -> None:
    rows = []
    for name in a.datasets:
        for seed in range(a.seeds):
            q = mp.get_context("spawn").Queue()
            p = mp.get_context("spawn").Process(target=_cost_child, args=(name, a.per_class[0], seed, a.params, q))
            p.start()
            r = q.get()
            p.join()
            print(json.dumps(r), flush=True)
            rows.append(r)
    print("\n| dataset | per class | fit (s) | s / epoch | peak memory (GiB) | sampling (images/s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in a.datasets:
        rs = [r for r in rows if r["dataset"] == name]
        print(f"| {name} | {a.per_class[0]} | {ci([r['fit_s'] for r in rs])} | {ci([r['s_per_epoch'] for r in rs])} | "
              f"{max(r['peak_gib'] for r in rs):.2f} | {ci([r['images_per_s'] for r in rs])} |")


def sampling(a) -> None:
    from synthboost import ImageGAN, datasets
    from synthboost.synthesizers import image as image_module

    torch.set_num_threads(a.threads)
    default = image_module.SAMPLE_CHUNK
    print("| dataset | side | chunk | images/s (best of 3) | same images as chunk " + str(default) + " |")
    print("|---|---:|---:|---:|---|")
    for name in a.datasets:
        sub = subsample(datasets.load(name), a.per_class[0], 0)
        gan = ImageGAN(epochs=1, random_state=0, verbose=False).fit(sub)
        gan.sample(256, random_state=0)  # warm-up
        ref = gan.sample(10000, random_state=0).images
        try:
            for chunk in a.chunks:
                image_module.SAMPLE_CHUNK = chunk
                times = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    out = gan.sample(10000, random_state=0).images
                    times.append(time.perf_counter() - t0)
                r = {"dataset": name, "chunk": chunk, "images_per_s": round(10000 / min(times)),
                     "identical": bool(np.array_equal(out, ref))}
                print(f"| {name} | {gan.image_shape_[0]} | {chunk} | {r['images_per_s']} | "
                      f"{'yes' if r['identical'] else 'no'} |", flush=True)
        finally:
            image_module.SAMPLE_CHUNK = default


def cas_bench(a) -> None:
    from synthboost import ImageGAN, datasets
    from synthboost.models.vision import CNNClassifier

    torch.set_num_threads(a.threads)
    rows = []
    for name in a.datasets:
        train, test = datasets.load(name), datasets.load(name, split="test")
        test = subsample(test, 100, 0)
        for per in a.per_class:
            for seed in range(a.seeds):
                sub = subsample(train, per, seed)
                real = CNNClassifier(random_state=seed).fit(sub.images, sub.labels)
                real_acc = float((real.predict(test.images) == test.labels).mean())
                gan = ImageGAN(random_state=seed, verbose=False, **a.params).fit(sub)
                rate = sampling_rate(gan)
                k = a.syn_per_class
                fake = gan.sample(k * sub.n_classes, np.repeat(np.arange(sub.n_classes), k), random_state=seed)
                syn = CNNClassifier(random_state=seed).fit(np.concatenate([sub.images, fake.images]),
                                                           np.concatenate([sub.labels, fake.labels]), n_real=len(sub),
                                                           train_real=False)
                cas = float((syn.predict(test.images) == test.labels).mean())
                r = {"dataset": name, "per_class": per, "seed": seed, "params": a.params, "syn_per_class": k,
                     "real_acc": real_acc, "cas": cas, "ratio": cas / real_acc, "images_per_s": rate}
                print(json.dumps(r), flush=True)
                rows.append(r)
    print("\n| dataset | per class | CNN on real | CNN on generated only (CAS) | CAS / real | sampling (images/s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in a.datasets:
        for per in a.per_class:
            rs = [r for r in rows if r["dataset"] == name and r["per_class"] == per]
            print(f"| {name} | {per} | {ci([r['real_acc'] for r in rs])} | {ci([r['cas'] for r in rs])} | "
                  f"{ci([r['ratio'] for r in rs])} | {ci([r['images_per_s'] for r in rs])} |")


def sampling_rate(gan, n: int = 10000, repeats: int = 3) -> int:
    """Images per second of ``sample(n)``, best of ``repeats`` after a warm-up."""
    gan.sample(256, random_state=0)
    best = min(_timed(lambda: gan.sample(n, random_state=0)) for _ in range(repeats))
    return round(n / best)


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def _fit_variants(a, variants: dict, figure_prefix: str):
    """Fit every variant (name -> ImageGAN parameters) on each dataset x per-class x seed subsample;
    yields (dataset, per, seed, label, gan, sub, test, net, fit seconds) and saves seed 0's grids under --figures."""
    from synthboost import ImageGAN, datasets
    from synthboost.metrics.images import dataset_feature_net

    torch.set_num_threads(a.threads)
    for name in a.datasets:
        # the feature net is trained on the dataset's full training split (its own, not Inception)
        train, test = datasets.load(name), datasets.load(name, split="test")
        net = dataset_feature_net(train)
        for per in a.per_class:
            for seed in range(a.seeds):
                sub = subsample(train, per, seed)
                for label, params in variants.items():
                    gan = ImageGAN(random_state=seed, verbose=False, **{**a.params, **params})
                    fit_s = _timed(lambda: gan.fit(sub))
                    yield name, per, seed, label, gan, sub, test, net, fit_s
                    if a.figures and seed == 0:
                        Path(a.figures).mkdir(parents=True, exist_ok=True)
                        gan.save_grid(Path(a.figures) / f"{figure_prefix}_{name}_{per}_{label}.png", per_class=8)


# the arms of `diffaugment`: the default (probability adapted by ADA from 0), Zhao et al.'s DiffAugment
# (every op on every image, p = 1) and no DiffAugment
DIFFAUGMENT_ARMS = {"diffaugment": {"diffaugment": "color,translation,cutout"},
                    "diffaugment-p1": {"diffaugment": "color,translation,cutout", "ada_target": None},
                    "none": {"diffaugment": None}}


def diffaugment(a) -> None:
    from synthboost.metrics.images import kid

    test_features = {}
    # rows of an earlier call (its JSON lines) join the table, so an arm can be added without refitting the others
    rows = [json.loads(line) for f in a.rows for line in Path(f).read_text().splitlines() if line.startswith("{")]
    policies = {arm: DIFFAUGMENT_ARMS[arm] for arm in a.arms}
    for name, per, seed, label, gan, sub, test, net, _fit_s in _fit_variants(a, policies, "diffaugment"):
        if name not in test_features:
            test_features[name] = net.features(test)
        fake = gan.sample(len(test), test.labels, random_state=seed)
        k = kid(test_features[name], net.features(fake), n_subsets=50)[0]
        r = {"dataset": name, "per_class": per, "seed": seed, "diffaugment": label, "kid": k,
             "steps": int(gan.training_config_.epochs * -(-len(sub) // gan.training_config_.batch_size)),
             "fit_s": round(float(gan.history_["seconds"].sum()), 1)}
        if "augment_p" in gan.history_:  # the adaptive probability at the end, and its peak
            r.update(final_p=round(float(gan.history_["augment_p"].iloc[-1]), 3),
                     max_p=round(float(gan.history_["augment_p"].max()), 3))
        print(json.dumps(r), flush=True)
        rows.append(r)
    print("\n| dataset | per class | arm | KID with it | KID without | paired difference (with - without) | lower with |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for name in a.datasets:
        for per in a.per_class:
            kids = {arm: {r["seed"]: r["kid"] for r in rows if r["dataset"] == name and r["per_class"] == per
                          and r["diffaugment"] == arm} for arm in DIFFAUGMENT_ARMS}
            o = kids["none"]
            for arm, w in kids.items():
                seeds = [s for s in w if s in o]  # paired by seed
                if arm == "none" or not seeds:
                    continue
                d = [w[s] - o[s] for s in seeds]
                print(f"| {name} | {per} | {arm} | {ci([w[s] for s in seeds])} | {ci([o[s] for s in seeds])} "
                      f"| {ci(d)} | {sum(x < 0 for x in d)}/{len(d)} |")


def variants(a) -> None:
    from synthboost.metrics.images import memorisation, quality_table

    rows = []
    for name, per, seed, label, gan, sub, test, net, fit_s in _fit_variants(a, a.variants, "variants"):
        fake = gan.sample(len(test), test.labels, random_state=seed)
        q = quality_table(fake, test, net, per_class=False)[0]
        m = memorisation(fake, sub, test)
        r = {"dataset": name, "per_class": per, "seed": seed, "variant": label, "kid": q["kid"],
             "precision": q["precision"], "recall": q["recall"], "coverage": q["coverage"],
             "memorisation": m["share"], "memorisation_reference": m["holdout_share"], "fit_s": round(fit_s, 1)}
        print(json.dumps(r), flush=True)
        rows.append(r)
    print("\n| dataset | per class | variant | KID | precision | recall | coverage | memorisation (reference) | fit s |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for name in a.datasets:
        for per in a.per_class:
            for label in a.variants:
                rr = [r for r in rows if r["dataset"] == name and r["per_class"] == per and r["variant"] == label]
                col = lambda k: ci([r[k] for r in rr])  # noqa: E731
                print(f"| {name} | {per} | {label} | {col('kid')} | {col('precision')} | {col('recall')} | {col('coverage')} "
                      f"| {col('memorisation')} ({col('memorisation_reference')}) | {col('fit_s')} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["cost", "cas", "diffaugment", "sampling", "variants"])
    ap.add_argument("--datasets", default="mnist")
    ap.add_argument("--per-class", default="100")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--params", default="{}", help="ImageGAN parameters as JSON")
    ap.add_argument("--figures", default="", help="folder for seed 0's sample grids (diffaugment, variants)")
    ap.add_argument("--variants", default='{"default": {}}', help="variants: JSON object, name -> ImageGAN parameters")
    ap.add_argument("--chunks", default="128,256,512,1024", help="generator chunk sizes (sampling)")
    ap.add_argument("--syn-per-class", type=int, default=500, help="generated images per class the CAS CNN trains on")
    ap.add_argument("--arms", default="diffaugment,none", help=f"diffaugment: the arms to fit, of {','.join(DIFFAUGMENT_ARMS)}")
    ap.add_argument("--rows", default="", help="diffaugment: JSON-lines output of earlier calls (comma list) to add to the table")
    a = ap.parse_args()
    a.datasets = [d for d in a.datasets.split(",") if d]
    a.per_class = [int(p) for p in a.per_class.split(",") if p]
    a.params = json.loads(a.params)
    a.chunks = [int(c) for c in a.chunks.split(",") if c]
    a.variants = json.loads(a.variants)
    a.arms = [x for x in a.arms.split(",") if x]
    a.rows = [x for x in a.rows.split(",") if x]
    if unknown := set(a.arms) - set(DIFFAUGMENT_ARMS):
        ap.error(f"--arms: {sorted(unknown)} unknown; choose from {','.join(DIFFAUGMENT_ARMS)}")
    {"cost": cost, "cas": cas_bench, "diffaugment": diffaugment, "sampling": sampling, "variants": variants}[a.what](a)


if __name__ == "__main__":
    main()
