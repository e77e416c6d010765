"""Diagnostics of confidence-targeted generation: PNG figures and one static HTML page.

``confidence_report(...)`` takes a fitted :class:`~synthboost.ConfidenceGAN`, held-out real
rows with their labels and the generated rows (with ``desired_confidence`` and
``achieved_confidence``), draws every figure into ``output/figures/`` and writes
``output/report.html`` (figures embedded, nothing loaded from outside).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io import write_table, write_text
from .boost_plots import _save
from .html import _CSS, _SCRIPT, _e, _fmt, _img, _kv_table
from .plots import _figure, plot_history


def plot_roc(y_true: np.ndarray, score: np.ndarray, path: str | os.PathLike, title: str = "black box on held-out rows") -> Path:
    """ROC curve of positive-class scores against binary labels (1 = positive)."""
    from sklearn.metrics import roc_auc_score, roc_curve

    plt = _figure()
    fpr, tpr, _ = roc_curve(y_true, score)
    fig, ax = plt.subplots(figsize=(5, 4.6))
    ax.plot(fpr, tpr, lw=2, label=f"ROC AUC {roc_auc_score(y_true, score):.3f}")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=title, xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def plot_confidence_histograms(real_conf: np.ndarray, real_positive: np.ndarray, generated_conf: np.ndarray,
                               path: str | os.PathLike, positive: Any = "positive",
                               generated_called: np.ndarray | None = None) -> Path:
    """Black-box confidence of real rows by true class (left) and of generated rows by the class the
    black box gives them (right; generated rows have no true class). ``generated_called``: whether the
    black box predicts ``positive`` for each generated row (default: P >= 0.5, exact for two classes)."""
    plt = _figure()
    bins = np.linspace(0, 1, 21)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4), sharex=True)
    a.hist(real_conf[real_positive], bins, alpha=0.6, label=f"class {positive} ({int(real_positive.sum())})")
    a.hist(real_conf[~real_positive], bins, alpha=0.6, label=f"other classes ({int((~real_positive).sum())})")
    a.set(title="real held-out rows", xlabel=f"P({positive})", ylabel="rows")
    a.legend(fontsize=9)
    called = generated_conf >= 0.5 if generated_called is None else np.asarray(generated_called, bool)
    b.hist(generated_conf[called], bins, alpha=0.6, label=f"called {positive} ({int(called.sum())})")
    b.hist(generated_conf[~called], bins, alpha=0.6, label=f"called another class ({int((~called).sum())})")
    b.set(title=f"generated rows ({len(generated_conf)}), by the black box's call", xlabel=f"achieved P({positive})")
    b.legend(fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def plot_desired_vs_achieved(desired: np.ndarray, achieved: np.ndarray, path: str | os.PathLike) -> Path:
    """Scatter of the black box's score against the requested confidence, with the identity line."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(5.4, 5))
    ax.scatter(desired, achieved, s=8, alpha=0.4, lw=0)
    ax.plot([0, 1], [0, 1], color="k", lw=1, ls="--", label="identity")
    mae = float(np.mean(np.abs(desired - achieved))) if len(desired) else float("nan")
    ax.set(xlabel="desired confidence", ylabel="achieved confidence (black box)", xlim=(0, 1), ylim=(0, 1),
           title=f"desired vs achieved (MAE {mae:.3f})")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def per_bin_error(desired: np.ndarray, achieved: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Mean absolute error and mean achieved confidence per bin of the desired confidence."""
    edges = np.linspace(0, 1, n_bins + 1)
    idx = np.clip(np.digitize(desired, edges[1:-1]), 0, n_bins - 1)
    rows = []
    for i in range(n_bins):
        m = idx == i
        if m.any():
            rows.append(dict(bin=f"{edges[i]:.1f}-{edges[i + 1]:.1f}", rows=int(m.sum()),
                             mean_desired=float(desired[m].mean()), mean_achieved=float(achieved[m].mean()),
                             mae=float(np.abs(desired[m] - achieved[m]).mean())))
    return pd.DataFrame(rows)


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(_fmt(v, 3))}</td>" for v in r) + "</tr>" for r in df.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def confidence_report(gan, real: pd.DataFrame, y_real: pd.Series, generated: pd.DataFrame, output: str | os.PathLike,
                      *, title: str = "confidence-targeted generation", extra: dict | None = None,
                      tsne_rows: int = 1000, embed_real: pd.DataFrame | None = None,
                      random_state: int = 0) -> tuple[Path, dict]:
    """Draw the diagnostics into ``output/figures`` and write ``output/report.html``.

    ``real``/``y_real``: held-out real rows and labels (never seen by the black box or the
    GAN); ``generated``: rows from ``gan.sample(..., return_confidence=True)``;
    ``embed_real``: the real rows of the t-SNE (default ``real``; up to ``tsne_rows`` of each).
    Returns the page's path and the summary numbers.
    """
    from sklearn.metrics import accuracy_score, roc_auc_score

    from ..metrics import column_shape_similarity, embed_2d, nearest_real_rows
    from .boost_plots import plot_embedding

    out = Path(output)
    fig_dir = out / "figures"
    cols = list(gan.schema_.names)
    pos = gan.positive_class_
    is_pos = np.asarray([str(v) == str(pos) for v in y_real])
    real_conf = gan.confidence_of(real[cols])
    bb = gan._black_box().classifier
    pred = np.asarray(bb.predict(real[cols]))
    desired, achieved = generated["desired_confidence"].to_numpy(float), generated["achieved_confidence"].to_numpy(float)
    gen = generated[cols]
    # the black box's own call on each generated row (with 3+ classes P(positive) < 0.5 can still win)
    called = np.asarray([str(v) == str(pos) for v in bb.predict(gen)]) if len(gen) else np.zeros(0, bool)

    summary: dict[str, Any] = dict(extra or {})
    summary.update(
        black_box_accuracy=float(accuracy_score(np.asarray(y_real).astype(str), pred.astype(str))),
        black_box_roc_auc=float(roc_auc_score(is_pos, real_conf)) if 0 < is_pos.sum() < len(is_pos) else float("nan"),
        generated_rows=len(generated),
        confidence_mae=float(np.abs(desired - achieved).mean()),
        achieved_std=float(achieved.std()),
        desired_achieved_correlation=float(np.corrcoef(desired, achieved)[0, 1]) if len(desired) > 2 else float("nan"),
        column_shape_similarity=float(column_shape_similarity(real[cols], gen)),
        # bce: P(real) > 0.5; wgan objectives: critic value >= the median of the real rows'
        realism_share_generated=gan.realism_share(generated, real[cols]),
        realism_share_real=gan.realism_share(real[cols], real[cols]),
    )
    bins = per_bin_error(desired, achieved)
    rng = np.random.default_rng(random_state)
    probe = real[cols].iloc[[int(rng.integers(len(real)))]]
    near = nearest_real_rows(probe, gen, k=min(5, len(gen)))  # nearest *generated* rows of one real test row

    figs = {
        "roc": plot_roc(is_pos.astype(int), real_conf, fig_dir / "roc.png"),
        "hist": plot_confidence_histograms(real_conf, is_pos, achieved, fig_dir / "confidence_histograms.png", pos,
                                          generated_called=called),
        "scatter": plot_desired_vs_achieved(desired, achieved, fig_dir / "desired_vs_achieved.png"),
        "history": plot_history(gan.history_, fig_dir / "history.png", title="ConfidenceGAN training"),
    }
    emb_real = (real if embed_real is None else embed_real)[cols]
    emb = embed_2d(emb_real, gen, method="tsne", max_rows=tsne_rows, random_state=random_state)
    figs["tsne"] = plot_embedding(emb, fig_dir / "tsne.png", title=f"t-SNE of {min(len(emb_real), tsne_rows)} real vs "
                                  f"{min(len(gen), tsne_rows)} generated rows")

    notes = {
        "confidence_mae": "mean |desired - achieved|; 0 = every row scored exactly as asked",
        "achieved_std": "spread of the achieved confidences; a collapsed generator has a narrow band",
        "column_shape_similarity": "1 = identical per-column distributions (generated vs held-out real)",
        "realism_share_generated": "share of generated rows the discriminator takes for real, at their desired confidence",
        "realism_share_real": "the same for held-out real rows, at the black box's confidence (reference)",
    }
    body = [f"<h1>{_e(title)}</h1>",
            f'<p class="note">Rows a black-box classifier scores at a chosen probability of class '
            f"<code>{_e(pos)}</code>. Real rows below are held out: neither the black box nor the GAN saw them.</p>",
            "<h2>Summary</h2>", _kv_table(summary, notes),
            "<h2>Black box on held-out rows</h2>", '<div class="grid2"><div>', _img(figs["roc"], "ROC curve"), "</div></div>",
            "<h2>Confidence distributions</h2>", _img(figs["hist"], "confidence histograms"),
            "<h2>Desired vs achieved confidence</h2>", '<div class="grid2"><div class="embed">',
            _img(figs["scatter"], "desired vs achieved"), '</div><div class="side">', _table(bins), "</div></div>",
            "<h2>Real vs generated rows</h2>", _img(figs["tsne"], "t-SNE"),
            "<h3>Nearest generated rows of a random held-out real row</h3>",
            '<div style="overflow-x:auto">', _table(pd.concat([probe.assign(query="real row", distance=0.0), near.drop(columns=["query", "rank"]).assign(query="generated")],
                             ignore_index=True)[["query", "distance"] + cols]), "</div>",
            "<h2>Training</h2>", _img(figs["history"], "training history")]
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style><script>{_SCRIPT}</script></head>\n"
            f"<body>\n{''.join(body)}\n</body></html>\n")
    write_table(bins, fig_dir / "per_bin_error.csv")
    return write_text(out / "report.html", page), summary


__all__ = ["confidence_report", "per_bin_error", "plot_confidence_histograms", "plot_desired_vs_achieved", "plot_roc"]


def write_run(run, output: str | os.PathLike) -> dict:
    """Write a confidence job's ``rows.csv``, figures, ``report.html`` and ``summary.json`` into
    ``output``; returns the summary with the paths of the report and the rows."""
    import json

    out = Path(output)
    write_table(run.rows, out / "rows.csv")
    extra = dict(run.settings, **({"warning": " ".join(run.warnings)} if run.warnings else {}))
    page, summary = confidence_report(run.gan, run.X_test, run.y_test, run.rows, out,
                                      title=f"confidence-targeted generation: {run.target}",
                                      embed_real=pd.concat([run.X_test, run.X_train]), extra=extra)
    write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))
    return dict(summary, report=str(page), rows=str(out / "rows.csv"))
