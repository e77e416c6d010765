"""Plots of a boosting experiment: pure functions, data in, PNG file out (atomic writes)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..io import atomic_write
from .plots import _figure

BASELINE = "none"


def _save(fig, path: str | os.PathLike, dpi: int = 100) -> Path:
    plt = _figure()
    path = Path(path)
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi))
    finally:
        plt.close(fig)
    return path


def _need(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ParameterError(f"{what} lacks the column(s) {missing}")


def _augmenter_order(names) -> list[str]:
    names = sorted({str(n) for n in names})
    return ([BASELINE] if BASELINE in names else []) + [n for n in names if n != BASELINE]


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def plot_learning_curves(results: pd.DataFrame, path: str | os.PathLike, metric: str = "roc_auc",
                         xlabel: str = "real training rows") -> Path:
    """One panel per model: mean ``metric`` against training-set size, one line per augmenter.

    The band is a 95 % t-interval of the mean over seeds; the baseline is drawn in black.
    """
    from scipy.stats import t as student_t

    _need(results, ["size", "model", "augmenter", metric], "results")
    plt = _figure()
    df = results.assign(_v=pd.to_numeric(results[metric], errors="coerce"), augmenter=results["augmenter"].astype(str))
    df = df.dropna(subset=["_v"])
    models = sorted(df["model"].astype(str).unique()) or ["(no results)"]
    augmenters = _augmenter_order(df["augmenter"].unique())
    colours = plt.get_cmap("tab10")
    ncols = min(len(models), 3)
    nrows = int(np.ceil(len(models) / ncols))
    # the legend below the panels: as many columns as fit the width (about 1.6 in per entry at
    # font size 9), and the figure grows by one line per legend row, so no entry is cut off
    width = 5.2 * ncols
    leg_cols = max(1, min(len(augmenters), 6, int(width // 1.6)))
    leg_rows = int(np.ceil(len(augmenters) / leg_cols))
    height = 3.9 * nrows + 0.25 * leg_rows
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, sharey=True)
    sizes = sorted(df["size"].unique())
    for i, model in enumerate(models):
        ax = axes.flat[i]
        sub = df[df["model"].astype(str) == model]
        if sub.empty:
            _empty(ax, "no finished results")
            continue
        for j, aug in enumerate(augmenters):
            g = sub[sub["augmenter"] == aug].groupby("size")["_v"]
            stats = pd.DataFrame({"mean": g.mean(), "std": g.std(ddof=1), "n": g.count()}).sort_index()
            if stats.empty:
                continue
            half = student_t.ppf(0.975, np.maximum(stats["n"] - 1, 1)) * stats["std"].fillna(0) / np.sqrt(stats["n"])
            colour = "black" if aug == BASELINE else colours((j - (BASELINE in augmenters)) % 10)
            style = dict(lw=2.2, ls="--") if aug == BASELINE else dict(lw=1.6)
            ax.plot(stats.index, stats["mean"], marker="o", ms=3.5, color=colour, label=aug, **style)
            ax.fill_between(stats.index, stats["mean"] - half, stats["mean"] + half, color=colour, alpha=0.12, lw=0)
        if len(sizes) > 1 and min(sizes) > 0:
            ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.set_xticklabels([str(s) for s in sizes])
        ax.minorticks_off()
        ax.set(title=model, xlabel=xlabel)
        ax.grid(alpha=0.3)
        if i % ncols == 0:
            ax.set_ylabel(metric)
    for ax in list(axes.flat)[len(models) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=leg_cols, frameon=False, fontsize=9)
    fig.suptitle(f"{metric} vs training-set size (mean and 95% CI over seeds)", fontsize=11)
    fig.tight_layout(rect=(0, (0.12 + 0.25 * leg_rows) / height, 1, 1))
    return _save(fig, path)


def plot_gain_heatmap(gains: pd.DataFrame, path: str | os.PathLike, xlabel: str = "real training rows") -> Path:
    """One panel per model: augmenters x sizes, coloured by mean gain (diverging, centred at 0).

    Each cell shows the gain; significant cells (Holm-adjusted) are bold with a ``*``.
    ``gains`` is the table of :func:`synthboost.experiments.stats.paired_gains`.
    """
    _need(gains, ["size", "model", "augmenter", "mean_gain", "significant"], "gains")
    plt = _figure()
    metric = str(gains["metric"].iloc[0]) if "metric" in gains.columns and len(gains) else "metric"
    models = sorted(gains["model"].astype(str).unique())
    if not models:
        fig, ax = plt.subplots(figsize=(6, 2.5))
        _empty(ax, "no augmenter to compare with the baseline")
        fig.suptitle("gain over baseline")
        return _save(fig, path)
    g = gains.assign(model=gains["model"].astype(str), augmenter=gains["augmenter"].astype(str))
    # one run holds one dataset; if several are passed, average them
    cell = g.groupby(["model", "augmenter", "size"]).agg(mean_gain=("mean_gain", "mean"), significant=("significant", "any"))
    cell = cell.reset_index()
    augmenters = _augmenter_order(g["augmenter"].unique())
    sizes = sorted(g["size"].unique())
    vmax = float(np.nanmax(np.abs(cell["mean_gain"]))) if cell["mean_gain"].notna().any() else 0.0
    vmax = vmax if vmax > 0 else 1e-3
    ncols = min(len(models), 3)
    nrows = int(np.ceil(len(models) / ncols))
    w = max(4.0, 1.1 * len(sizes) + 2.4)
    h = max(2.2, 0.5 * len(augmenters) + 1.4)
    fig, axes = plt.subplots(nrows, ncols, figsize=(w * ncols + 1.2, h * nrows + 0.4), squeeze=False, layout="constrained")
    cmap = plt.get_cmap("RdBu")
    im = None
    for i, model in enumerate(models):
        ax = axes.flat[i]
        sub = cell[cell["model"] == model]
        value = sub.pivot(index="augmenter", columns="size", values="mean_gain").reindex(index=augmenters, columns=sizes)
        sig = sub.pivot(index="augmenter", columns="size", values="significant").reindex(index=augmenters, columns=sizes)
        im = ax.imshow(np.ma.masked_invalid(value.to_numpy(float)), cmap=cmap, vmin=-vmax, vmax=vmax, aspect="auto")
        for r, aug in enumerate(augmenters):
            for c, size in enumerate(sizes):
                v = value.loc[aug, size]
                if pd.isna(v):
                    ax.text(c, r, "–", ha="center", va="center", color="grey", fontsize=9)
                    continue
                s = bool(sig.loc[aug, size]) if pd.notna(sig.loc[aug, size]) else False
                colour = "white" if abs(v) > 0.6 * vmax else "black"
                ax.text(
                    c, r, _signed(v) + ("*" if s else ""), ha="center", va="center", fontsize=9,
                    color=colour, fontweight="bold" if s else "normal",
                )
        ax.set_xticks(range(len(sizes)), [str(s) for s in sizes])
        ax.set_yticks(range(len(augmenters)), augmenters)
        ax.set(title=model, xlabel=xlabel)
    for ax in list(axes.flat)[len(models) :]:
        ax.set_visible(False)
    title = f"mean gain in {metric} over the baseline (* = significant after Holm)"
    # a narrow figure (one size, one model) takes the title on two lines rather than cutting it
    fig.suptitle(title if w * ncols + 1.2 >= 0.075 * len(title) else title.replace(" (", "\n("), fontsize=11)
    fig.colorbar(im, ax=list(axes.flat)[: len(models)], shrink=0.9, label="gain (positive = better)")
    return _save(fig, path)


def _signed(v: float, digits: int = 3) -> str:
    text = f"{v:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _categories(real: pd.Series, synth: pd.Series, top: int = 10) -> tuple[pd.Series, pd.Series]:
    def labels(s: pd.Series) -> pd.Series:
        return s.astype(object).where(s.notna(), "NaN").astype(str)

    r, s = labels(real), labels(synth)
    keep = list(r.value_counts().index[:top])
    for v in s.value_counts().index:  # a category only the generator produces is worth seeing
        if len(keep) >= top + 2:
            break
        if v not in keep:
            keep.append(v)
    pooled = "(other)"
    r = r.where(r.isin(keep), pooled)
    s = s.where(s.isin(keep), pooled)
    order = keep + ([pooled] if (pooled in set(r) | set(s)) else [])
    rf = r.value_counts(normalize=True).reindex(order, fill_value=0.0)
    sf = s.value_counts(normalize=True).reindex(order, fill_value=0.0)
    return rf, sf


def plot_marginals(real: pd.DataFrame, synthetic: pd.DataFrame, path: str | os.PathLike, max_columns: int = 12) -> Path:
    """Per-column real vs synthetic distributions (the first ``max_columns`` shared columns).

    Numeric columns: overlaid density histograms on shared bins (the NaN share is in the
    title). Other columns: side-by-side bars of category frequencies, NaN as a category,
    rare categories pooled as "other".
    """
    _need(real, [], "real")
    _need(synthetic, [], "synthetic")
    if max_columns < 1:
        raise ParameterError(f"max_columns={max_columns} must be >= 1")
    plt = _figure()
    columns = [c for c in real.columns if c in synthetic.columns][:max_columns]
    n = max(len(columns), 1)
    ncols = min(n, 4)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.8 * nrows), squeeze=False)
    real_c, synth_c = "#1f77b4", "#ff7f0e"
    for ax, col in zip(axes.flat, columns):
        r, s = real[col], synthetic[col]
        title = str(col)
        if _is_numeric(r) and (_is_numeric(s) or s.isna().all()):
            rv = pd.to_numeric(r, errors="coerce").to_numpy(float)
            sv = pd.to_numeric(s, errors="coerce").to_numpy(float)
            rv, sv = rv[np.isfinite(rv)], sv[np.isfinite(sv)]
            both = np.concatenate([rv, sv])
            if both.size == 0:
                _empty(ax, "all values missing")
            else:
                lo, hi = np.percentile(both, [0.5, 99.5]) if both.size > 20 else (both.min(), both.max())
                if hi <= lo:
                    lo, hi = lo - 0.5, hi + 0.5
                distinct = np.unique(rv)
                if 1 < distinct.size <= 15 and np.all(distinct == np.round(distinct)):
                    # a small integer scale: one bin per value, bars side by side
                    lo, hi = distinct.min() - 0.5, distinct.max() + 0.5
                    bins = np.arange(lo, hi + 0.5, 1.0)
                    data = [(np.clip(v, lo, hi), c) for v, c in ((rv, real_c), (sv, synth_c)) if v.size]
                    ax.hist([d for d, _ in data], bins=bins, density=True, alpha=0.8, color=[c for _, c in data])
                    if distinct.size <= 10:
                        ax.set_xticks(distinct, [f"{v:g}" for v in distinct])
                    else:
                        from matplotlib.ticker import MaxNLocator

                        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                else:
                    bins = np.linspace(lo, hi, 26)
                    if rv.size:
                        ax.hist(np.clip(rv, lo, hi), bins=bins, density=True, alpha=0.5, color=real_c, label="real")
                    if sv.size:
                        ax.hist(np.clip(sv, lo, hi), bins=bins, density=True, alpha=0.5, color=synth_c, label="synthetic")
                ax.set_yticks([])
            nan_r, nan_s = r.isna().mean(), s.isna().mean()
            if nan_r > 0 or nan_s > 0:
                title += f"  (NaN {nan_r:.0%} / {nan_s:.0%})"
        else:
            rf, sf = _categories(r, s)
            x = np.arange(len(rf))
            ax.bar(x - 0.2, rf.to_numpy(), width=0.4, color=real_c, alpha=0.8, label="real")
            ax.bar(x + 0.2, sf.to_numpy(), width=0.4, color=synth_c, alpha=0.8, label="synthetic")
            labels = [lab if len(lab) <= 10 else lab[:9] + "…" for lab in rf.index]
            ax.set_xticks(x, labels, rotation=45 if len(x) > 3 else 0, ha="right" if len(x) > 3 else "center", fontsize=7)
            ax.set_ylabel("share", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
    if not columns:
        _empty(axes.flat[0], "no shared columns")
    for ax in list(axes.flat)[max(len(columns), 1) :]:
        ax.set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=real_c, alpha=0.6), plt.Rectangle((0, 0), 1, 1, color=synth_c, alpha=0.6)]
    fig.legend(handles, ["real", "synthetic"], loc="upper right", ncol=2, frameon=False, fontsize=9)
    n_shared = len([c for c in real.columns if c in synthetic.columns])
    shown = f"all {n_shared}" if n_shared == len(columns) else f"first {len(columns)} of {n_shared}"
    fig.suptitle(f"marginal distributions, real vs synthetic ({shown} columns)", x=0.02, ha="left", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.97 if nrows > 1 else 0.93))
    return _save(fig, path)


def plot_embedding(embedding: pd.DataFrame, path: str | os.PathLike, title: str = "2-D embedding") -> Path:
    """Scatter of an embedding with columns x, y, source ("real" / "synthetic")."""
    _need(embedding, ["x", "y", "source"], "embedding")
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6.2, 5.2))
    styles = {"real": dict(color="#1f77b4", marker="o"), "synthetic": dict(color="#ff7f0e", marker="^")}
    sources = [s for s in ("real", "synthetic") if s in set(embedding["source"])]
    sources += sorted(set(map(str, embedding["source"])) - set(sources))
    for src in sources:
        sub = embedding[embedding["source"].astype(str) == src]
        st = styles.get(src, dict(marker="s"))
        ax.scatter(sub["x"], sub["y"], s=12, alpha=0.55, lw=0, label=f"{src} ({len(sub)})", **st)
    ax.set(title=title, xlabel="component 1", ylabel="component 2")
    if sources:
        ax.legend(fontsize=9, markerscale=1.5)
    else:
        _empty(ax, "empty embedding")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


__all__ = ["plot_learning_curves", "plot_gain_heatmap", "plot_marginals", "plot_embedding"]
