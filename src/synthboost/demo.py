"""The README's main job: fit a TabularGAN on an embedded dataset and measure its rows."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from sklearn.model_selection import train_test_split

from . import datasets
from .io import write_json, write_table
from .metrics import column_shape_similarity, tstr_auc
from .report.plots import plot_history
from .synthesizers import TabularGAN


def run_demo(
    output: str | Path = "runs/demo",
    *,
    dataset: str = "breast_cancer",
    epochs: int | None = None,
    seed: int = 0,
    echo: Callable[[str], None] = print,
) -> dict:
    """Split the data, fit on the training part only, sample, and score against the held-out part."""
    out = Path(output)
    df, target = datasets.load(dataset)
    train, test = train_test_split(df, test_size=0.3, stratify=df[target], random_state=seed)
    echo(f"dataset {dataset}: {len(train)} training rows, {len(test)} held-out rows, target {target!r}")

    t0 = time.perf_counter()
    gan = TabularGAN(epochs=epochs, random_state=seed).fit(train, target=target)
    fit_s = time.perf_counter() - t0
    synthetic = gan.sample(len(train))

    summary = {
        "dataset": dataset,
        "rows_train": len(train),
        "rows_test": len(test),
        "epochs": gan.training_config_.epochs,
        "fit_seconds": round(fit_s, 2),
        "column_shape_similarity": round(column_shape_similarity(train, synthetic), 4),
        "auc_train_real_test_real": round(tstr_auc(train, test, target, seed), 4),
        "auc_train_synthetic_test_real": round(tstr_auc(synthetic, test, target, seed), 4),
    }
    paths = {
        "synthetic rows": write_table(synthetic, out / "synthetic.csv"),
        "training curves": plot_history(gan.history_, out / "history.png", f"TabularGAN on {dataset}"),
        "model": gan.save(out / "model"),
        "summary": write_json(out / "summary.json", summary),
    }
    echo("")
    echo(f"{'metric':36s} value")
    echo(f"{'-' * 36} ------")
    for key in ("fit_seconds", "column_shape_similarity", "auc_train_real_test_real", "auc_train_synthetic_test_real"):
        echo(f"{key:36s} {summary[key]}")
    echo("")
    for what, path in paths.items():
        echo(f"{what:16s} {path}")
    return summary
