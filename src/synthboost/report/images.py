"""What the boosting report shows of an image run: CNN training curves per augmenter and, per
generative augmenter, its sample grid (one row per class), generated images above their nearest
real training images, the GAN's training curves and the KID / FID / PRDC / CAS / memorisation table."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import read_jsonl, read_table
from .boost_plots import _augmenter_order, _save
from .html import BASELINE, _e, _fmt, _img, _gan_history_html, _kv_table, _showcase_head, _slug
from .plots import _figure


def read_curves(path: Path) -> pd.DataFrame:
    """Per-epoch CNN curves of a run (curves.jsonl); a line cut short by an interruption is skipped."""
    return pd.DataFrame(read_jsonl(path))


def plot_cnn_curves(curves: pd.DataFrame, path: str | os.PathLike, size: int, model: str) -> Path:
    """Validation loss and accuracy per epoch, mean over seeds, one line per augmenter (train accuracy dotted)."""
    plt = _figure()
    sub = curves[(curves["size"] == size) & (curves["model"] == model)]
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(11, 4))
    colours = plt.get_cmap("tab10")
    augs = _augmenter_order(sub["augmenter"].unique())
    for j, aug in enumerate(augs):
        g = sub[sub["augmenter"] == aug].groupby("epoch")
        colour = "black" if aug == BASELINE else colours((j - (BASELINE in augs)) % 10)
        m = g[["val_loss", "val_accuracy", "train_accuracy"]].mean()
        ax_l.plot(m.index, m["val_loss"], color=colour, label=aug)
        ax_a.plot(m.index, m["val_accuracy"], color=colour, label=aug)
        ax_a.plot(m.index, m["train_accuracy"], color=colour, ls=":", lw=1)
    ax_l.set(xlabel="epoch", ylabel="validation loss", title="validation loss (real images)")
    ax_a.set(xlabel="epoch", ylabel="accuracy", title="validation accuracy (solid), training accuracy (dotted)")
    for ax in (ax_l, ax_a):
        ax.grid(alpha=0.3)
    ax_a.legend(fontsize=8)
    fig.suptitle(f"CNN '{model}' training at {size} real images per class (mean over seeds; runs stop early)")
    fig.tight_layout()
    return _save(fig, path)


def cnn_curves_section(run: Path, figures: Path) -> str:
    curves = read_curves(run / "curves.jsonl")
    out = ['<section id="cnn-curves"><h2>CNN training curves</h2>']
    if curves.empty or "val_accuracy" not in curves:
        out.append('<p class="note">No per-epoch curves were recorded.</p></section>')
        return "".join(out)
    out.append('<p class="note">Does a CNN with generated images "reach good accuracy faster but overfit earlier"? '
               "Mean over seeds of each epoch's validation loss and accuracy (validated on held-out real training "
               "images only); the statistics table has <code>epochs_to_90</code> (first epoch at 90 % of the run's best "
               "validation accuracy) and the results <code>best_epoch</code> (epoch of the lowest validation loss).</p>")
    for size in sorted(curves["size"].unique()):
        for model in sorted(curves["model"].unique()):
            p = plot_cnn_curves(curves, figures / f"cnn_curves_{size}_{_slug(model)}.png", int(size), str(model))
            out.append(_img(p, f"CNN curves at {size} per class", None))
    out.append("</section>")
    return "".join(out)


_QUALITY_NOTES = {
    "kid": "kernel distance to real test images in the feature space (lower is better; prefer it to FID at small n)",
    "cas": "accuracy on real test images of a CNN trained on generated images only",
    "memorisation": "share of generated images closer to a training image than the 5 % closest training pairs "
                    "(real unseen test images give the reference holdout_share)",
}


def image_showcase_section(directory: Path, figures: Path) -> str:
    aug, slug, out, meta = _showcase_head(directory)
    sel = meta.get("selection") or {}
    facts = {"generator": meta.get("generator"), "real images it was fitted on": meta.get("n_train"),
             "synthetic images added": meta.get("n_synthetic"), "images per class": meta.get("size"),
             "seed": meta.get("seed"), "GAN epochs": meta.get("epochs"),
             "epoch picked by validation KID": sel.get("epoch", "last (no selection)")}
    out.append('<p class="note">One generator of the grid, shown in detail: it saw only the real training images of its '
               "cell, less those its CNNs early-stop on. Quality figures are measured against the real test images.</p>")
    out.append(_kv_table(facts))
    if (directory / "grid.png").is_file():
        out.append("<h3>Generated images, one row per class</h3>")
        out.append(_img(directory / "grid.png", f"{aug} samples", "Each row asks the generator for one class.",
                        min_width=400))
    if (directory / "generators.png").is_file():
        out.append("<h3>One row per generator</h3>")
        gd = meta.get("generators") or {}
        cap = "Row j: generator j's image of each class (MAD-GAN: do the generators make different images?)."
        if gd.get("per_generator"):
            cap += " KID per generator: " + ", ".join(f"{r['kid']:.2f}" for r in gd["per_generator"]) + "."
        if gd.get("between_within") is not None:
            cap += (f" Mean feature distance between generators / within one: {gd['between_within']:.2f}"
                    " (> 1: they differ).")
        out.append(_img(directory / "generators.png", f"{aug} generators", cap, min_width=400))
    if (directory / "nearest.png").is_file():
        dist = meta.get("nearest_distances")
        cap = "Top: one generated image per class; bottom: its nearest real training image (pixel distance)."
        if dist:
            cap += " Distances: " + ", ".join(f"{d:.2f}" for d in dist) + "."
        out.append("<h3>Nearest real neighbours</h3>")
        out.append(_img(directory / "nearest.png", f"{aug} nearest neighbours", cap, min_width=400))
    out.append(_gan_history_html(directory, figures, slug, aug))
    out.append("<h3>Quality</h3>")
    if meta.get("quality_error"):
        out.append(f'<p class="warn">{_e(meta["quality_error"])}</p>')
    summary = {"cas": meta.get("cas")}
    mem = meta.get("memorisation") or {}
    if mem:
        summary["memorisation"] = mem.get("share")
        summary["memorisation holdout_share"] = mem.get("holdout_share")
    out.append(_kv_table(summary, _QUALITY_NOTES))
    q = directory / "quality.csv"
    if q.is_file():
        table = read_table(q)
        cols = [c for c in ("feature_net", "class", "n_generated", "n_real", "kid", "kid_std", "fid", "precision", "recall",
                            "density", "coverage") if c in table.columns]
        head = "".join(f"<th>{_e(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{_e(_fmt(r[c], 3) if isinstance(r[c], float) else r[c])}</td>" for c in cols) + "</tr>"
                       for _, r in table[cols].iterrows())
        out.append('<p class="note">KID and FID in the feature space of a small CNN trained on the dataset\'s own '
                   "training pool (<i>trained</i>; not Inception: comparable within this dataset only) and of a randomly "
                   "initialised one (<i>random</i>); precision / recall / density / coverage after Naeem et al. (2020).</p>")
        out.append(f"<table><tr>{head}</tr>{body}</table>")
    out.append("</section>")
    return "".join(out)


__all__ = ["read_curves", "plot_cnn_curves", "cnn_curves_section", "image_showcase_section"]
