"""``synthboost series ...``: fit and sample series GANs (continuation with --context)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from ..errors import ParameterError
from . import _friendly, _with_estimator_options, app
from ..synthesizers import TimeSeriesGAN

series_app = typer.Typer(no_args_is_help=True, help="GANs for short multivariate series: windows and continuations.")
app.add_typer(series_app, name="series")


def load_series(spec: str):
    """DATA for the series commands: a series dataset name (see `synthboost datasets`) or a CSV / Parquet table."""
    from .. import datasets as ds
    from ..io import read_table

    if spec in ds.DATASETS:
        if ds.info(spec).kind != "series":
            kind = {"table": "a table", "images": "an image"}.get(ds.info(spec).kind, ds.info(spec).kind)
            raise ParameterError(f"{spec!r} is {kind} dataset; the series commands need a series (see `synthboost datasets`)")
        return ds.load(spec)
    return read_table(Path(spec))


@series_app.command("fit")
@_friendly
@_with_estimator_options(TimeSeriesGAN)
def fit(
    data: str = typer.Argument(..., help="A series dataset name, or a CSV / Parquet table (see --time-column)."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory to write the model to."),
    resume: bool = typer.Option(False, help="Continue from checkpoint_dir if a checkpoint is there."),
    model_params: Optional[dict] = None,
) -> None:
    """Fit a TimeSeriesGAN on windows of DATA and save it (with its training curves)."""
    from ..io import check_output_dir
    from ..report.plots import plot_history

    x = load_series(data)
    check_output_dir(output)
    t0 = time.perf_counter()
    gan = TimeSeriesGAN(**model_params).fit(x, resume=resume)
    gan.save(output)
    plot_history(gan.history_, Path(output) / "history.png")
    typer.echo(f"fitted {gan.n_windows_} windows of {gan.window_} steps x {gan.n_features_} columns in "
               f"{time.perf_counter() - t0:.1f} s")
    typer.echo(f"model: {output}")


@series_app.command("sample")
@_friendly
def sample(
    model: Path = typer.Argument(..., help="Model directory written by `synthboost series fit`."),
    n: int = typer.Option(100, "-n", "--n", help="Number of windows (or, with --context, sample paths)."),
    output: Path = typer.Option(..., "--output", "-o", help="A .csv (the long table) or .npy (an array) file."),
    context: Optional[Path] = typer.Option(None, help="A CSV of the observed series to continue (its last steps are read)."),
    seed: Optional[int] = typer.Option(None, help="Random seed for this draw."),
) -> None:
    """Generate N windows from a saved series model, or N continuations of --context."""
    import numpy as np
    import pandas as pd

    from ..io import read_table, write_table
    from ..synthesizers import load

    gan = load(model)
    if not isinstance(gan, TimeSeriesGAN):
        raise ParameterError(f"{str(model)!r} holds a {type(gan).__name__}, not a series model")
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".npy"):
        raise ParameterError(f"--output {str(output)!r}: use a .csv or a .npy file")
    ctx = read_table(context) if context is not None else None
    out = gan.sample(n, context=ctx, random_state=seed)
    if isinstance(out, np.ndarray):
        if suffix == ".csv":  # the long table of an array model: window/path, step, columns
            name, first = ("path", 1) if gan.context else ("window", 0)
            out = gan._long(out, name, first)
        else:
            _write_npy(output, out)
            return
    elif suffix == ".npy":
        _write_npy(output, out.iloc[:, 2:].to_numpy().reshape(n, -1, gan.n_features_))
        return
    write_table(pd.DataFrame(out), output)
    typer.echo(f"wrote {len(out)} rows to {output}")


def _write_npy(path: Path, array) -> None:
    import numpy as np

    from ..io import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:  # a file object: np.save would add ".npy" to a temp file's name
            np.save(f, array, allow_pickle=False)

    atomic_write(path, write)
    typer.echo(f"wrote {array.shape} to {path}")
