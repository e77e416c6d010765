"""TimeSeriesGAN against TimeGAN's scores on sines (and Stocks), 2 CPU cores, no GPU.

    sines   fit on --n windows of TimeGAN's sines (length 24, 5 features) per setting and seed;
            discriminative score (post-hoc GRU, held-out 20 %, 2000 iterations) and predictive
            score (GRU trained on the generated windows, MAE on real ones) of as many generated
            windows, next to the predictive score of the same GRU trained on real windows
    stocks  the same on TimeGAN's Stocks (windows of 24 days, stride 1, MinMax as TimeGAN)
    continue  chickenpox: TimeSeriesGAN(context=c) fitted on the weeks before the test period (a gap of
            one window before it), then at every --every-th week of the test period it continues the
            last c observed weeks by h = window - c weeks: MAE of the median of 200 paths and CRPS,
            against the naive, seasonal-naive (52 weeks) and pooled ridge-on-lags (4 lags) forecasts
    upsample  Stocks: TimeSeriesGAN(upsample_factor=5) fitted on the first 80 % of the days; the last
            20 % (never seen) averaged over weeks of 5 days and filled in again; RMSE per column
            (in units) against linear and cubic-spline interpolation through the weekly means

    .venv/bin/python bench/bench_series.py sines --n 2000 --seeds 1 --configs '{}' '{"architecture": "conv"}'

Scores are computed in the GAN's own scaled space ([0, 1] per column, as TimeGAN's are);
results are JSON lines and a Markdown table at the end.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from bench_images import ci  # bench/ is on sys.path when a script in it runs


def _windows(name: str, n: int, seed: int) -> np.ndarray:
    from synthboost import datasets
    from synthboost.data.sequences import make_windows

    if name == "sines":
        return datasets.load("sines", n=n, seed=seed).values
    w = make_windows(datasets.load("stock_data").values, 24)
    return w if n <= 0 or n >= len(w) else w[np.sort(np.random.default_rng(seed).choice(len(w), n, replace=False))]


def run(a) -> None:
    from synthboost import TimeSeriesGAN
    from synthboost.metrics.timeseries import discriminative_score, predictive_score

    torch.set_num_threads(a.threads)
    rows = []
    for cfg_s in a.configs:
        cfg = json.loads(cfg_s)
        for seed in range(a.seeds):
            real = _windows(a.cmd, a.n, seed)
            t0 = time.perf_counter()
            m = TimeSeriesGAN(random_state=seed, verbose=False, **cfg).fit(real)
            fit_s = time.perf_counter() - t0
            fake = m.sample(len(real), random_state=seed)
            scale = lambda w: m.scaler_.transform(w.reshape(-1, w.shape[2])).reshape(w.shape)  # noqa: E731
            r, f = scale(real), scale(fake)
            held = scale(_windows(a.cmd, a.n, seed + 1000))  # real windows the GAN never saw
            row = {"config": ", ".join(f"{k}={v}" for k, v in cfg.items()) or "defaults", "seed": seed,
                   "fit_s": round(fit_s, 1), "g_steps": int(m.training_config_.epochs * -(-len(real) // m.training_config_.batch_size)),
                   "discriminative": round(discriminative_score(held, f, seed=seed), 4),
                   "predictive": round(predictive_score(held, f, seed=seed), 4),
                   "predictive_real": round(predictive_score(held, r, seed=seed), 4)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(f"\n{a.cmd}, {a.n} windows, seeds 0-{a.seeds - 1} (mean ± 95 % t-interval)\n")
    print("| setting | fit s | G steps | discriminative | predictive | predictive (real) |\n|---|---:|---:|---:|---:|---:|")
    for cfg in dict.fromkeys(r["config"] for r in rows):
        g = [r for r in rows if r["config"] == cfg]
        col = lambda k: ci([r[k] for r in g])  # noqa: E731
        print(f"| {cfg} | {np.mean([r['fit_s'] for r in g]):.0f} | {g[0]['g_steps']} | {col('discriminative')} | "
              f"{col('predictive')} | {col('predictive_real')} |")


def continuation(a) -> None:
    from synthboost import SeriesData, TimeSeriesGAN, datasets
    from synthboost.data.sequences import chronological_split
    from synthboost.metrics.timeseries import crps
    from synthboost.models.forecast import RidgeLags, naive, seasonal_naive

    torch.set_num_threads(a.threads)
    pox = datasets.load("hungary_chickenpox")
    x, T, c = pox.values, a.window, a.context
    h = T - c
    train, test = chronological_split(len(x), T, a.test_steps)
    cfg = json.loads(a.configs[0])
    rows = []
    for seed in range(a.seeds):
        t0 = time.perf_counter()
        m = TimeSeriesGAN(window=T, context=c, scaling="log1p", random_state=seed, verbose=False, **cfg).fit(SeriesData(x[train.start:train.stop], pox.columns))
        fit_s = time.perf_counter() - t0
        ridge = RidgeLags(4).fit(x[train.start:train.stop])
        errs = {k: [] for k in ("gan_median", "naive", "seasonal_naive", "ridge_lags")}
        scores = []
        for origin in range(test.start, test.stop - h + 1, a.every):
            hist, truth = x[:origin], x[origin:origin + h]  # everything observed up to the origin
            paths = m.sample(200, context=hist[-c:], random_state=origin)
            scores.append(crps(paths, truth))
            for k, f in (("gan_median", np.median(paths, axis=0)), ("naive", naive(hist, h)),
                         ("seasonal_naive", seasonal_naive(hist, h, 52)), ("ridge_lags", ridge.predict(hist, h))):
                errs[k].append(np.abs(f - truth).mean())
        row = {"seed": seed, "fit_s": round(fit_s, 1), "origins": len(scores), "gan_crps": round(float(np.mean(scores)), 2),
               **{f"mae_{k}": round(float(np.mean(v)), 2) for k, v in errs.items()}}
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(f"\nchickenpox, window {T} = context {c} + horizon {h} weeks, test period the last {a.test_steps} weeks, "
          f"seeds 0-{a.seeds - 1}\n")
    print("| forecast | MAE (cases per county-week) |\n|---|---:|")
    for k in ("gan_median", "naive", "seasonal_naive", "ridge_lags"):
        print(f"| {k} | {ci([r['mae_' + k] for r in rows])} |")
    print(f"| GAN CRPS | {ci([r['gan_crps'] for r in rows])} |")


def upsampling(a) -> None:
    from scipy.interpolate import CubicSpline

    from synthboost import SeriesData, TimeSeriesGAN, datasets

    torch.set_num_threads(a.threads)
    st = datasets.load("stock_data")
    x, f = st.values, 5
    cut = int(0.8 * len(x)) // f * f
    test = x[cut: cut + (len(x) - cut) // f * f]
    coarse = test.reshape(-1, f, x.shape[1]).mean(axis=1)
    centres = np.arange(len(coarse)) * f + (f - 1) / 2
    steps = np.arange(len(test))
    lin = np.stack([np.interp(steps, centres, coarse[:, j]) for j in range(x.shape[1])], axis=1)
    cub = CubicSpline(centres, coarse, axis=0)(steps)
    rmse = lambda y: np.sqrt(((y - test) ** 2).mean(axis=0) / (test.std(axis=0) ** 2))  # noqa: E731  (per column, / its sd)
    cfg = json.loads(a.configs[0])
    rows = []
    for seed in range(a.seeds):
        t0 = time.perf_counter()
        m = TimeSeriesGAN(window=20, upsample_factor=f, random_state=seed, verbose=False, **cfg).fit(
            SeriesData(x[:cut], st.columns))
        fit_s = time.perf_counter() - t0
        gan = m.upsample(coarse, random_state=seed)
        row = {"seed": seed, "fit_s": round(fit_s, 1), "gan": rmse(gan).round(4).tolist(),
               "linear": rmse(lin).round(4).tolist(), "cubic": rmse(cub).round(4).tolist(),
               "block_mean_error": float(np.abs(gan.reshape(-1, f, x.shape[1]).mean(axis=1) - coarse).max())}
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(f"\nStocks, {len(test)} unseen days from {len(coarse)} weekly means, RMSE / sd per column, mean over "
          f"columns, seeds 0-{a.seeds - 1}\n")
    print("| method | RMSE / sd |\n|---|---:|")
    for k in ("gan", "linear", "cubic"):
        print(f"| {k} | {ci([np.mean(r[k]) for r in rows])} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["sines", "stocks", "continue", "upsample"])
    ap.add_argument("--n", type=int, default=2000, help="training windows (stocks: 0 = all)")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--configs", nargs="+", default=["{}"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--window", type=int, default=16)
    ap.add_argument("--context", type=int, default=12)
    ap.add_argument("--test-steps", type=int, default=104)
    ap.add_argument("--every", type=int, default=4)
    a = ap.parse_args()
    {"continue": continuation, "upsample": upsampling}.get(a.cmd, run)(a)


if __name__ == "__main__":
    main()
