"""Matplotlib plots as pure functions: data in, PNG file out (written atomically)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..io import atomic_write


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_history(history: pd.DataFrame, path: str | os.PathLike, title: str = "GAN training") -> Path:
    """Training curves: losses on the left, D(real) and D(fake) on the right.

    For wgan/wgan-gp the right panel shows mean critic values instead of probabilities.
    """
    plt = _figure()
    fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=(11, 4))
    e = history["epoch"]
    ax_l.plot(e, history["g_loss"], label="G loss")
    ax_l.plot(e, history["d_loss"], label="D loss")
    ax_l.plot(e, history["d_loss_real"], label="D loss (real)", alpha=0.6, lw=1)
    ax_l.plot(e, history["d_loss_fake"], label="D loss (fake)", alpha=0.6, lw=1)
    if "gp" in history and history["gp"].abs().sum() > 0:
        ax_l.plot(e, history["gp"], label="gradient penalty", alpha=0.6, lw=1, ls="--")
    if "g_aux" in history and history["g_aux"].abs().sum() > 0:
        ax_l.plot(e, history["g_aux"], label="G auxiliary (confidence gap)", alpha=0.8, lw=1, ls="--")
    ax_l.set(xlabel="epoch", ylabel="loss", title="losses")
    ax_l.legend(fontsize=8)
    probabilistic = history["d_real"].between(0, 1).all() and history["d_fake"].between(0, 1).all()
    ax_r.plot(e, history["d_real"], label="D(real)")
    ax_r.plot(e, history["d_fake"], label="D(fake)")
    if probabilistic:
        ax_r.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax_r.set(ylim=(0, 1), ylabel="mean probability")
    else:
        ax_r.set(ylabel="mean critic value")
    ax_r.set(xlabel="epoch", title="discriminator outputs")
    ax_r.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)
    return path
