"""TimeSeriesGAN against TimeGAN's scores on sines (and Stocks), 2 CPU cores, no GPU.

    sines   fit on --n windows of TimeGAN's sines (length 24, 5 features) per setting and seed;
            discriminative score (post-hoc GRU, held-out 20 %, 2000 iterations; also the best of
            --disc-restarts GRUs chosen on a validation part of the training windows) and predictive
            score (GRU trained on the generated windows, MAE on real ones) of as many generated
            windows, next to the predictive score of the same GRU trained on real windows
    stocks  the same on TimeGAN's Stocks (windows of 24 days, stride 1, MinMax as TimeGAN): --n random
            windows to train on, scored against other windows (up to --n) of the same days
    peer    the same windows (sines, or --dataset stocks) for our GAN and the `timegan` package from PyPI
            (TensorFlow TimeGAN, in .venv-timegan: see bench/peer_timegan.py), in one run, one after the
            other; both scored by our metric code in our GAN's [0, 1] scale; fit time as a ratio
    continue  chickenpox: TimeSeriesGAN(context=c) fitted on the weeks before the test period (a gap of
            one window before it), then at every --every-th week of the test period it continues the
            last c observed weeks by h = window - c weeks: MAE of the median of 200 paths and CRPS,
            against the naive, seasonal-naive (52 weeks) and pooled ridge-on-lags (4 lags) forecasts
    warmstart  chickenpox, windows of --window weeks of one county each: a source model fitted on all
            weeks of counties 0-9; then on counties 10-19's first --target-steps weeks, a cold fit and a
            warm start (init_model=source), --epochs each; every --every epochs the discriminative
            score of generated windows against those counties' later weeks (never trained on): the
            epochs each run needs to reach the cold run's final score
    cost    chickenpox with the defaults (or --configs): --epochs epochs timed per generator step, the
            default fit's time extrapolated from its step count, peak memory of the process
    missing  sines with --missing-share of the values missing completely at random: the same GAN fitted on
            the complete windows, on the gappy ones with missing="mask", and on the gappy ones filled by linear
            interpolation along time (what one would do without a mask); all three scored as `sines` against
            complete real windows none of them saw, in the sines' own [0, 1] units
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
    if n <= 0 or n >= len(w):
        return w
    # Stocks has no second draw: the scoring windows of seed s + 1000 are the windows seed s left out
    # (disjoint windows, but windows of stride 1 share days; TimeGAN scores against its training data)
    order = np.random.default_rng(seed % 1000).permutation(len(w))
    part = order[:n] if seed < 1000 else order[n:2 * n]
    return w[np.sort(part)]


def _robust(held: np.ndarray, fake: np.ndarray, seed: int, restarts: int) -> dict:
    """The discriminative score's best of ``restarts`` classifiers (chosen on a validation part of
    the training windows) and the share of test windows it named real (0 or 1: one class for all)."""
    from synthboost.metrics.timeseries import discriminative_score

    d = discriminative_score(held, fake, seed=seed, restarts=restarts, return_details=True)
    return {"discriminative_best": round(d["score"], 4), "named_real": round(d["named_real"], 3),
            "validation": d["validation"]}


def run(a) -> None:
    from synthboost import TimeSeriesGAN
    from synthboost.metrics.timeseries import cross_correlation_difference, discriminative_score, predictive_score

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
                   **_robust(held, f, seed, a.disc_restarts),
                   "predictive": round(predictive_score(held, f, seed=seed), 4),
                   "predictive_real": round(predictive_score(held, r, seed=seed), 4),
                   "cross_correlation": round(cross_correlation_difference(held, f), 4)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(f"\n{a.cmd}, {a.n} windows, seeds 0-{a.seeds - 1} (mean ± 95 % t-interval)\n")
    print(f"| setting | fit s | G steps | discriminative | best of {a.disc_restarts} | predictive | predictive (real) | "
          "cross-corr. diff. |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for cfg in dict.fromkeys(r["config"] for r in rows):
        g = [r for r in rows if r["config"] == cfg]
        col = lambda k: ci([r[k] for r in g])  # noqa: E731
        print(f"| {cfg} | {np.mean([r['fit_s'] for r in g]):.0f} | {g[0]['g_steps']} | {col('discriminative')} | "
              f"{col('discriminative_best')} | "
              f"{col('predictive')} | {col('predictive_real')} | {col('cross_correlation')} |")


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
        dated = SeriesData(x[train.start:train.stop], pox.columns, times=pox.times[train.start:train.stop], step=pox.step)
        m = TimeSeriesGAN(window=T, context=c, scaling="log1p", random_state=seed, verbose=False, **cfg).fit(dated)
        fit_s = time.perf_counter() - t0
        ridge = RidgeLags(4).fit(x[train.start:train.stop])
        errs = {k: [] for k in ("gan_median", "naive", "seasonal_naive", "ridge_lags")}
        scores, parity = [], {"truth": [], "GAN median": [], "ridge on lags": [], "naive": []}
        origins = list(range(test.start, test.stop - h + 1, a.every))
        fan_origins = set(origins[:: max(1, len(origins) // 4)][:4]) if seed == 0 else set()  # four, spread out
        fans = []
        for origin in origins:
            hist, truth = x[:origin], x[origin:origin + h]  # everything observed up to the origin
            start = pox.times[origin - c] if cfg.get("calendar", "none") != "none" else None  # the first given week
            paths = m.sample(200, context=hist[-c:], start=start, random_state=origin)
            ridge_f = ridge.predict(hist, h)
            if origin in fan_origins:
                fans.append({"observed": hist[-c:, 0], "truth": truth[:, 0], "paths": paths[:, :, 0],
                             "label": f"{pox.columns[0]}, from {pox.times[origin].date()}",
                             "baselines": {"ridge on lags": ridge_f[:, 0]}})
            scores.append(crps(paths, truth))
            for k, f in (("gan_median", np.median(paths, axis=0)), ("naive", naive(hist, h)),
                         ("seasonal_naive", seasonal_naive(hist, h, 52)), ("ridge_lags", ridge_f)):
                errs[k].append(np.abs(f - truth).mean())
                name = {"gan_median": "GAN median", "ridge_lags": "ridge on lags", "naive": "naive"}.get(k)
                if name:
                    parity[name].append(f)
            parity["truth"].append(truth)
        if seed == 0:  # the study's parity plot, every county and horizon step of every origin; fans of county 0
            from synthboost.report.series import plot_fans, plot_parity

            plot_fans(fans, f"bench/figures/series_continue_fans{a.tag}.png",
                      title=f"chickenpox: 200 sample paths of the next {h} weeks from the last {c} (seed 0)")

            truth = np.concatenate(parity.pop("truth"))
            plot_parity(truth, {k: np.concatenate(v) for k, v in parity.items()},
                        f"bench/figures/series_continue_parity{a.tag}.png",
                        title=f"chickenpox, next {h} weeks from the last {c}: cases per county-week")
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


def peer(a) -> None:
    import os
    import subprocess
    import tempfile

    from synthboost import TimeSeriesGAN
    from synthboost.metrics.timeseries import cross_correlation_difference, discriminative_score, predictive_score

    torch.set_num_threads(a.threads)
    python = os.path.join(os.path.dirname(__file__), "..", ".venv-timegan", "bin", "python")
    if not os.path.exists(python):
        raise SystemExit("the peer needs .venv-timegan (python3.10 -m venv .venv-timegan && "
                         ".venv-timegan/bin/pip install timegan==0.1.13)")
    cfg = json.loads(a.configs[0])
    rows = []
    for seed in range(a.seeds):
        real = _windows(a.dataset, a.n, seed)
        held_raw = _windows(a.dataset, a.n, seed + 1000)
        t0 = time.perf_counter()
        m = TimeSeriesGAN(random_state=seed, verbose=False, **cfg).fit(real)
        ours_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            with open(f"{tmp}/real.npy", "wb") as fh:
                np.save(fh, real, allow_pickle=False)
            out = subprocess.run([python, os.path.join(os.path.dirname(__file__), "peer_timegan.py"), "--input",
                                  f"{tmp}/real.npy", "--output", f"{tmp}/fake.npy", "--iterations", str(a.peer_iterations),
                                  "--seed", str(seed), "--threads", str(a.threads)],
                                 capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"the peer failed:\n{out.stderr[-3000:]}")
            info = json.loads(out.stdout.strip().splitlines()[-1])
            theirs = np.load(f"{tmp}/fake.npy", allow_pickle=False)
        scale = lambda w: m.scaler_.transform(w.reshape(-1, w.shape[2])).reshape(w.shape)  # noqa: E731
        held, r = scale(held_raw), scale(real)
        row = {"seed": seed, "n": len(real), "ours_fit_s": round(ours_s, 1), "peer_fit_s": info["fit_s"],
               "peer_iterations": a.peer_iterations, "predictive_real": round(predictive_score(held, r, seed=seed), 4)}
        for name, fake in (("ours", m.sample(len(real), random_state=seed)), ("peer", theirs)):
            f = scale(fake)
            row[f"{name}_discriminative"] = round(discriminative_score(held, f, seed=seed), 4)
            row.update({f"{name}_{k}": v for k, v in _robust(held, f, seed, a.disc_restarts).items()})
            row[f"{name}_predictive"] = round(predictive_score(held, f, seed=seed), 4)
            row[f"{name}_cross_correlation"] = round(cross_correlation_difference(held, f), 4)
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(f"\n{a.dataset}, {a.n} windows, seeds 0-{a.seeds - 1}; ours: {cfg or 'defaults'}; peer: timegan from PyPI, "
          f"{a.peer_iterations} iterations per phase (the paper: 50000)\n")
    print(f"| model | fit s | discriminative | best of {a.disc_restarts} | predictive | predictive (real) | cross-corr. diff. |\n"
          "|---|---:|---:|---:|---:|---:|---:|")
    for name in ("ours", "peer"):
        g = lambda k: ci([r[k] for r in rows])  # noqa: E731
        print(f"| {name} | {np.mean([r[name + '_fit_s'] for r in rows]):.0f} | {g(name + '_discriminative')} | "
              f"{g(name + '_discriminative_best')} | {g(name + '_predictive')} | {g('predictive_real')} | {g(name + '_cross_correlation')} |")
    print(f"\nfit time peer / ours: {np.mean([r['peer_fit_s'] / r['ours_fit_s'] for r in rows]):.2f}")


def warmstart(a) -> None:
    from synthboost import TimeSeriesGAN, datasets
    from synthboost.data.sequences import make_windows
    from synthboost.metrics.timeseries import discriminative_score

    torch.set_num_threads(a.threads)
    x = datasets.load("hungary_chickenpox").values
    T = a.window

    def pooled(v):  # (steps, F) -> windows of one county each (N * F, T, 1)
        w = make_windows(v, T)
        return np.ascontiguousarray(w.transpose(0, 2, 1)).reshape(-1, T, 1)

    source, target = pooled(x[:, :10]), pooled(x[: a.target_steps, 10:])
    held = pooled(x[a.target_steps + T:, 10:])  # the target counties' later weeks, after a gap of one window
    cfg = {"scaling": "log1p", **json.loads(a.configs[0])}
    rows = []
    for seed in range(a.seeds):
        t0 = time.perf_counter()
        src = TimeSeriesGAN(window=T, random_state=seed + 100, verbose=False, **cfg).fit(source)
        src_s = time.perf_counter() - t0
        curves = {}
        for name, init in (("cold", None), ("warm", src)):
            curve = []

            def score(trainer, row, m=None, curve=curve):
                if row["epoch"] % a.every == 0:
                    gan = score.model
                    fake = gan._generate(len(held), torch.Generator().manual_seed(seed))
                    real = gan.scaler_.transform(held.reshape(-1, 1)).reshape(held.shape)
                    curve.append((row["epoch"], discriminative_score(real, fake, seed=seed)))

            m = TimeSeriesGAN(window=T, epochs=a.epochs, init_model=init, random_state=seed, verbose=False, **cfg)
            score.model = m
            t0 = time.perf_counter()
            m.fit(target, callbacks=[score])
            curves[name] = (curve, time.perf_counter() - t0)
        goal = curves["cold"][0][-1][1]  # the cold run's final score
        reach = {k: next((e for e, d in c if d <= goal), None) for k, (c, _) in curves.items()}
        row = {"seed": seed, "source_fit_s": round(src_s, 1), "goal": round(goal, 4),
               **{f"{k}_curve": [(e, round(d, 4)) for e, d in c] for k, (c, _) in curves.items()},
               **{f"{k}_fit_s": round(t, 1) for k, (_, t) in curves.items()},
               **{f"{k}_epochs_to_goal": v for k, v in reach.items()}}
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(f"\nchickenpox warm start: source counties 0-9 ({len(source)} windows of {T} weeks), target counties "
          f"10-19's first {a.target_steps} weeks ({len(target)} windows), scored on their later weeks ({len(held)} "
          f"windows); {a.epochs} epochs, scored every {a.every}; seeds 0-{a.seeds - 1}\n")
    print("| seed | goal (cold final score) | cold epochs to goal | warm epochs to goal | warm score at first check | cold score at first check |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['seed']} | {r['goal']} | {r['cold_epochs_to_goal']} | {r['warm_epochs_to_goal']} | "
              f"{r['warm_curve'][0][1]} | {r['cold_curve'][0][1]} |")


def cost(a) -> None:
    """Chickenpox with the defaults: a short fit of --epochs epochs timed per generator step, the
    full default fit's time extrapolated from its step count, and the process's peak memory."""
    import resource

    from synthboost import TimeSeriesGAN, datasets

    torch.set_num_threads(a.threads)
    pox = datasets.load("hungary_chickenpox")
    cfg = json.loads(a.configs[0])
    t0 = time.perf_counter()
    m = TimeSeriesGAN(epochs=a.epochs, random_state=0, verbose=False, **cfg).fit(pox)
    fit_s = time.perf_counter() - t0
    tc = m.training_config_
    steps = tc.epochs * -(-m.n_windows_ // tc.batch_size)
    full = TimeSeriesGAN(**cfg)  # the epochs the defaults would train on these windows
    default_epochs = full._training_config(m.n_windows_, full._objective()).epochs
    default_steps = default_epochs * -(-m.n_windows_ // tc.batch_size)
    ms = 1000 * fit_s / steps
    row = {"config": cfg or "defaults", "threads": a.threads, "windows": m.n_windows_, "epochs_run": tc.epochs,
           "g_steps_run": steps, "ms_per_g_step": round(ms, 1), "default_epochs": default_epochs,
           "default_g_steps": default_steps, "default_fit_min_extrapolated": round(ms * default_steps / 60000, 1),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(row), flush=True)


def _interpolate(w: np.ndarray) -> np.ndarray:
    """Each window's gaps (NaN) filled by linear interpolation along time, the ends by the nearest value."""
    out = w.copy()
    t = np.arange(w.shape[1])
    for i in range(w.shape[0]):
        for j in range(w.shape[2]):
            v = w[i, :, j]
            ok = np.isfinite(v)
            out[i, :, j] = np.interp(t, t[ok], v[ok]) if ok.any() else 0.5
    return out


def missing(a) -> None:
    from synthboost import TimeSeriesGAN
    from synthboost.metrics.timeseries import discriminative_score, predictive_score

    torch.set_num_threads(a.threads)
    rows = []
    for cfg_s in a.configs:
        cfg = json.loads(cfg_s)
        for seed in range(a.seeds):
            real = _windows("sines", a.n, seed)
            gappy = np.where(np.random.default_rng([seed, 7]).random(real.shape) < a.missing_share, np.nan, real)
            held = _windows("sines", a.n, seed + 1000)  # complete real windows no model saw
            ref = round(predictive_score(held, real, seed=seed), 4)  # the real-data reference, once per seed
            for variant, x, extra in (("complete", real, {}), ("mask", gappy, {"missing": "mask"}),
                                      ("interpolated", _interpolate(gappy), {})):
                t0 = time.perf_counter()
                m = TimeSeriesGAN(random_state=seed, verbose=False, **{**cfg, **extra}).fit(x)
                fit_s = time.perf_counter() - t0
                f = m.sample(len(real), random_state=seed)
                row = {"config": ", ".join(f"{k}={v}" for k, v in cfg.items()) or "defaults", "seed": seed,
                       "variant": variant, "missing_share": a.missing_share, "fit_s": round(fit_s, 1),
                       "discriminative": round(discriminative_score(held, f, seed=seed), 4),
                       "predictive": round(predictive_score(held, f, seed=seed), 4),
                       "predictive_real": ref}
                print(json.dumps(row), flush=True)
                rows.append(row)
    print(f"\nsines, {a.n} windows, {a.missing_share:.0%} of the values missing at random, seeds 0-{a.seeds - 1}\n")
    print("| setting | trained on | fit s | discriminative | predictive | predictive (real) |\n|---|---|---:|---:|---:|---:|")
    for cfg in dict.fromkeys(r["config"] for r in rows):
        for v in ("complete", "mask", "interpolated"):
            g = [r for r in rows if r["config"] == cfg and r["variant"] == v]
            print(f"| {cfg} | {v} | {np.mean([r['fit_s'] for r in g]):.0f} | {ci([r['discriminative'] for r in g])} | "
                  f"{ci([r['predictive'] for r in g])} | {ci([r['predictive_real'] for r in g])} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["sines", "stocks", "continue", "upsample", "warmstart", "peer", "cost",
                                        "missing"])
    ap.add_argument("--n", type=int, default=2000, help="training windows (stocks: 0 = all)")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--configs", nargs="+", default=["{}"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--disc-restarts", type=int, default=5,
                    help="sines, stocks, peer: the discriminative score also as the best of this many classifiers")
    ap.add_argument("--window", type=int, default=16)
    ap.add_argument("--context", type=int, default=12)
    ap.add_argument("--test-steps", type=int, default=104)
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--dataset", default="sines", choices=["sines", "stocks"], help="peer: the windows")
    ap.add_argument("--peer-iterations", type=int, default=2000, help="peer: TimeGAN iterations per phase")
    ap.add_argument("--epochs", type=int, default=100, help="warmstart: epochs of the cold and the warm fit; cost: epochs of the timed fit")
    ap.add_argument("--target-steps", type=int, default=200, help="warmstart: weeks of the target counties trained on")
    ap.add_argument("--missing-share", type=float, default=0.3, help="missing: share of values removed at random")
    ap.add_argument("--tag", default="", help="continue: a suffix of the figure files (e.g. _calendar)")
    a = ap.parse_args()
    {"continue": continuation, "upsample": upsampling, "warmstart": warmstart, "peer": peer, "cost": cost,
     "missing": missing}.get(a.cmd, run)(a)


if __name__ == "__main__":
    main()
