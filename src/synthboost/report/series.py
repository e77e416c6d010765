"""What the boosting report shows of a series run's generator: real and generated windows side by
side, their mean autocorrelation by lag, PCA and t-SNE of both, the GAN's training curves and its
scores (TimeGAN's discriminative score, autocorrelation difference, marginal KS); the study's
parity plot of forecasts against the truth; and continuation fans (sample paths of a context
model against what happened)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .boost_plots import _save
from .html import _e, _img, _gan_history_html, _kv_table, _showcase_head
from .plots import _figure

_NOTES = {
    "discriminative score": "|accuracy - 0.5| of a GRU telling real from generated windows on held-out 20 % "
                            "(0 = it cannot tell them apart)",
    "autocorrelation difference": "mean |ACF real - ACF generated| over lags 1 .. T/2 (0 = the same dynamics)",
    "marginal KS": "two-sample Kolmogorov-Smirnov statistic of all values (0 = the same distribution)",
}


def _acf(w: np.ndarray, max_lag: int) -> np.ndarray:
    """Mean over windows (N, T) of the autocorrelation at lags 1 .. max_lag."""
    x = w - w.mean(axis=1, keepdims=True)
    var = (x ** 2).sum(axis=1) + 1e-12
    return np.array([((x[:, k:] * x[:, :-k]).sum(axis=1) / var).mean() for k in range(1, max_lag + 1)])


def plot_windows(real: np.ndarray, synthetic: np.ndarray, path: str | os.PathLike, n: int = 12) -> Path:
    """Left: ``n`` real windows; middle: ``n`` generated ones (same axes); right: mean ACF of both."""
    plt = _figure()
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(13, 3.8))
    lim = np.quantile(np.concatenate([real.ravel(), synthetic.ravel()]), [0.005, 0.995])
    steps = np.arange(real.shape[1])
    for ax, w, name, colour in ((a, real, "real", "tab:blue"), (b, synthetic, "generated", "tab:orange")):
        for row in w[:n]:
            ax.plot(steps, row, color=colour, alpha=0.55, lw=1)
        ax.set(title=f"{name} windows ({min(n, len(w))} of {len(w)})", xlabel="step", ylim=lim)
        ax.grid(alpha=0.3)
    a.set_ylabel("scaled value")
    lags = np.arange(1, max(2, real.shape[1] // 2) + 1)
    c.plot(lags, _acf(real, len(lags)), "o-", color="tab:blue", label="real")
    c.plot(lags, _acf(synthetic, len(lags)), "s--", color="tab:orange", label="generated")
    c.axhline(0, color="grey", lw=0.8)
    c.set(title="mean autocorrelation", xlabel="lag", ylabel="ACF")
    c.legend(fontsize=8)
    c.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def _embeddings(real: np.ndarray, synthetic: np.ndarray, figures: Path, slug: str, aug: str) -> str:
    from ..metrics.timeseries import embed_windows
    from .boost_plots import plot_embedding

    out = ['<div class="grid2">']
    for method, name in (("pca", "PCA"), ("tsne", "t-SNE")):
        out.append(f'<div class="embed"><h3>{name} of real and generated windows</h3>')
        try:
            emb = embed_windows(real[:, :, None], synthetic[:, :, None], method=method, max_windows=500)
        except Exception as e:  # a figure must not cost the page
            out.append(f'<p class="warn">{_e(f"{type(e).__name__}: {e}")}</p></div>')
            continue
        p = plot_embedding(emb, figures / f"{slug}_{method}.png", title=f"{aug}: {name} of windows")
        out.append(_img(p, f"{aug} {name}", "Overlapping clouds would mean that the generator covers the real windows.") + "</div>")
    return "".join(out) + "</div>"


def plot_parity(truth: np.ndarray, predicted: dict[str, np.ndarray], path: str | os.PathLike,
                title: str = "forecast against truth") -> Path:
    """The study's parity plot: predicted against true values, one panel per method, R² in its title."""
    from ..metrics.timeseries import r_squared

    plt = _figure()
    fig, axes = plt.subplots(1, len(predicted), figsize=(4.2 * len(predicted), 4), squeeze=False)
    y = np.asarray(truth, dtype=np.float64).ravel()
    lim = (min(y.min(), *(np.min(p) for p in predicted.values())), max(y.max(), *(np.max(p) for p in predicted.values())))
    for ax, (name, p) in zip(axes[0], predicted.items()):
        ax.scatter(y, np.asarray(p).ravel(), s=6, alpha=0.4, lw=0)
        ax.plot(lim, lim, color="grey", lw=0.8)
        ax.set(title=f"{name}: R² = {r_squared(y, p):.2f}", xlabel="true", ylabel="predicted", xlim=lim, ylim=lim)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_fans(panels: list[dict], path: str | os.PathLike, title: str = "continuations") -> Path:
    """One panel per dict: ``observed`` (c,) the steps the model was given, ``truth`` (h,) what came
    next, ``paths`` (n, h) sample paths, optional ``label`` and ``baselines`` {name: (h,)}. The fan
    shows the median and the 50 % and 80 % bands of the paths."""
    plt = _figure()
    cols = min(2, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 3.4 * rows), squeeze=False)
    for ax, p in zip(axes.ravel(), panels):
        obs, truth, paths = (np.asarray(p[k], dtype=np.float64) for k in ("observed", "truth", "paths"))
        c, h = len(obs), len(truth)
        past, ahead = np.arange(-c + 1, 1), np.arange(1, h + 1)
        lo80, lo50, med, hi50, hi80 = np.quantile(paths, [0.1, 0.25, 0.5, 0.75, 0.9], axis=0)
        ax.fill_between(ahead, lo80, hi80, color="tab:orange", alpha=0.2, lw=0, label="80 % of paths")
        ax.fill_between(ahead, lo50, hi50, color="tab:orange", alpha=0.4, lw=0, label="50 % of paths")
        ax.plot(ahead, med, color="tab:orange", lw=1.8, label="median path")
        ax.plot(past, obs, color="black", lw=1.4, label="given")
        ax.plot(np.r_[0, ahead], np.r_[obs[-1], truth], color="black", lw=1.4, ls="--", label="what happened")
        for (name, f), style in zip(p.get("baselines", {}).items(), (":", "-.")):
            ax.plot(ahead, f, color="tab:blue", lw=1.2, ls=style, label=name)
        ax.axvline(0.5, color="grey", lw=0.8)
        ax.set(title=p.get("label", ""), xlabel="step (0 = the last given one)")
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


def series_showcase_section(directory: Path, figures: Path) -> str:
    aug, slug, out, meta = _showcase_head(directory)
    out.append('<p class="note">One generator of the grid, shown in detail: it saw only the fitting steps of its cell '
               "(the history less its validation tail and a gap), cut into windows of one column each.</p>")
    out.append(_kv_table({"generator": meta.get("generator"), "real windows it was fitted on": meta.get("n_train"),
                          "generated pairs added": meta.get("n_synthetic_pairs"), "history length": meta.get("size"),
                          "seed": meta.get("seed"), "GAN epochs": meta.get("epochs")}))
    path = directory / "windows.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        if "real" in arrays and "synthetic" in arrays:
            out.append("<h3>Real and generated windows</h3>")
            p = plot_windows(arrays["real"], arrays["synthetic"], figures / f"{slug}_windows.png")
            out.append(_img(p, f"{aug} windows", "Windows in the experiment's scaled units (z-scored steps); right: "
                                                 "mean autocorrelation by lag."))
            out.append(_embeddings(arrays["real"], arrays["synthetic"], figures, slug, aug))
    out.append(_gan_history_html(directory, figures, slug, aug))
    out.append("<h3>Quality</h3>")
    if meta.get("quality_error"):
        out.append(f'<p class="warn">{_e(meta["quality_error"])}</p>')
    out.append(_kv_table({"discriminative score": meta.get("discriminative_score"),
                          "autocorrelation difference": meta.get("autocorrelation_difference"),
                          "marginal KS": meta.get("marginal_ks")}, _NOTES))
    out.append("</section>")
    return "".join(out)


__all__ = ["series_showcase_section", "plot_windows", "plot_parity", "plot_fans"]
