"""The README's main job: a small boosting experiment on an embedded dataset, with its report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from . import datasets

#: small enough to finish in well under 3 minutes on 2 CPU cores, large enough to say something
DEMO_GRID = dict(sizes=(25, 50, 100), augmenters=("none", "smote", "gan"), models=("logreg", "rf"))


def run_demo(
    output: str | Path = "runs/demo",
    *,
    dataset: str = "breast_cancer",
    seeds: int = 5,
    n_jobs: int = 2,
    echo: Callable[[str], None] = print,
) -> Path:
    """Boost ``dataset`` with SMOTE and the GAN at three small training sizes; returns the report path."""
    from .experiments.boost import run_boost
    from .report.html import build_report
    from .report.text import print_summary

    df, target = datasets.load(dataset)
    out = Path(output)
    echo(f"dataset {dataset}: {len(df)} rows, target {target!r}; {seeds} seeds x sizes {DEMO_GRID['sizes']}")
    t0 = time.perf_counter()
    results = run_boost(df, target, seeds=seeds, output=out, dataset_name=dataset, n_jobs=n_jobs, overwrite=True, **DEMO_GRID)
    report = build_report(out)
    echo("")
    print_summary(results, echo=echo)
    echo("")
    echo(f"finished in {time.perf_counter() - t0:.0f} s")
    echo(f"results  {out / 'results.csv'}")
    echo(f"report   {report}")
    return report


#: digits (8x8) ships with scikit-learn: the image demo needs no data directory
IMAGE_DEMO = dict(sizes=(10, 30), augmenters=("none", "classic", "cgan", "cgan+classic"), models=("cnn",), cnn_epochs=40)


def run_image_demo(output: str | Path = "runs/images-demo", *, seeds: int = 3, n_jobs: int = 2,
                   echo: Callable[[str], None] = print) -> Path:
    """Boost a CNN on scikit-learn's digits with a conditional GAN and classic augmentation; returns the report path."""
    from .experiments.images import run_image_boost
    from .report.html import build_report
    from .report.text import print_summary

    data = datasets.load(datasets.DEFAULT_IMAGES)
    out = Path(output)
    echo(f"dataset digits: {len(data)} images 8x8, {data.n_classes} classes; {seeds} seeds x {IMAGE_DEMO['sizes']} per class")
    t0 = time.perf_counter()
    results = run_image_boost(data, None, seeds=seeds, output=str(out), dataset_name="digits", n_jobs=n_jobs,
                              overwrite=True, **IMAGE_DEMO)
    report = build_report(out, metric="accuracy")
    echo("")
    print_summary(results, metric="accuracy", echo=echo)
    echo("")
    echo(f"finished in {time.perf_counter() - t0:.0f} s")
    echo(f"results  {out / 'results.csv'}")
    echo(f"report   {report}")
    return report
