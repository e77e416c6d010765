"""``synthboost series ...``: fit, sample (continuation with --context) and upsample series GANs, and
the forecasting boost experiment."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from ..errors import ParameterError
from . import _friendly, _json_object, _ratio, _split, _with_estimator_options, app, load_family_model
from ..synthesizers import TimeSeriesGAN

series_app = typer.Typer(no_args_is_help=True, help="GANs for short multivariate series: windows, continuations, higher "
                         "resolution, and whether their windows boost a forecaster.")
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
    from ..io import check_model_dir
    from ..report.plots import plot_history

    x = load_series(data)
    check_model_dir(output)  # a path a model cannot go to fails now, not after training
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
    start: Optional[str] = typer.Option(None, help="A model fitted with --calendar: the date the windows begin on "
                                                   "(default: dates of the training windows; a --context table with "
                                                   "the time column gives its own)."),
    seed: Optional[int] = typer.Option(None, help="Random seed for this draw."),
) -> None:
    """Generate N windows from a saved series model, or N continuations of --context."""
    import numpy as np
    import pandas as pd

    from ..io import read_table, write_table

    gan = load_family_model(model, TimeSeriesGAN, "a series")
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".npy"):
        raise ParameterError(f"--output {str(output)!r}: use a .csv or a .npy file")
    ctx = read_table(context) if context is not None else None
    out = gan.sample(n, context=ctx, start=start, random_state=seed)
    if isinstance(out, np.ndarray):
        if suffix == ".csv":  # the long table of an array model: window/path, step, columns
            name, first = ("path", 1) if gan.context else ("window", 0)
            out = gan._long(out, name, first)
        else:
            _write_npy(output, out)
            return
    elif suffix == ".npy":
        _write_npy(output, out[gan.columns_].to_numpy(dtype=float).reshape(n, -1, gan.n_features_))
        return
    write_table(pd.DataFrame(out), output)
    typer.echo(f"wrote {len(out)} rows to {output}")


@series_app.command("upsample")
@_friendly
def upsample(
    model: Path = typer.Argument(..., help="Model directory of a TimeSeriesGAN fitted with --upsample-factor."),
    coarse: Path = typer.Argument(..., help="A CSV of the coarse series: one column per feature the model knows "
                                            "(each value the mean of FACTOR fine steps); other columns are ignored."),
    factor: Optional[int] = typer.Option(None, help="Fine steps per coarse step; must be the model's upsample factor "
                                                    "(default: the model's)."),
    output: Path = typer.Option(..., "--output", "-o", help="A .csv file: the fine series, one row per fine step."),
    seed: Optional[int] = typer.Option(None, help="Random seed for this draw."),
) -> None:
    """A fine series consistent with COARSE (every block of FACTOR fine steps averages to its coarse value)."""
    import pandas as pd

    from ..errors import SchemaError
    from ..io import read_table, write_table

    gan = load_family_model(model, TimeSeriesGAN, "a series")
    if gan.upsample_factor <= 1:
        raise ParameterError(f"{str(model)!r} was not fitted for higher resolution; fit it with --upsample-factor")
    if factor is not None and factor != gan.upsample_factor:
        raise ParameterError(f"--factor {factor}: this model makes {gan.upsample_factor} fine steps per coarse step")
    table = read_table(coarse)
    missing = [c for c in gan.columns_ if c not in table.columns]
    if missing:
        raise SchemaError(f"{str(coarse)!r} lacks the column(s) {missing}; the model knows {gan.columns_}")
    fine = gan.upsample(table[gan.columns_].to_numpy(dtype=float), random_state=seed)
    out = pd.DataFrame(fine, columns=gan.columns_)
    out.insert(0, "coarse_step", [i // gan.upsample_factor for i in range(len(out))])
    out.insert(0, "step", range(len(out)))
    write_table(out, output)
    typer.echo(f"wrote {len(out)} fine steps ({len(table)} coarse x {gan.upsample_factor}) to {output}")


@series_app.command("boost")
@_friendly
def boost(
    data: str = typer.Argument(..., help="A series dataset name, or a CSV / Parquet table (see --time-column)."),
    time_column: Optional[str] = typer.Option(None, help="Table input: the time column (its step is inferred)."),
    columns: Optional[str] = typer.Option(None, help="Table input: value columns, comma-separated (default: every numeric one)."),
    sizes: str = typer.Option("52,104,208", help="History lengths in steps (the most recent before the test period)."),
    seeds: str = typer.Option("10", help="Number of seeds, or a comma-separated list of seeds."),
    augmenters: str = typer.Option("none,jitter,scaling,magnitude-warp,time-warp,window-slice,gan",
                                   help="Augmenters: none, jitter, scaling, magnitude-warp, time-warp, window-slice, gan."),
    models: str = typer.Option("ridge,gru", help="Forecasters: ridge (ridge on lags), gru (a small GRU)."),
    ratio: str = typer.Option("1.0", help="Generated training pairs per real pair, or 'auto'."),
    window: int = typer.Option(8, help="Steps of the windows the augmenters and the GAN work on."),
    lags: int = typer.Option(4, help="Past steps a forecaster reads."),
    difference: bool = typer.Option(True, help="Forecast first differences (the chickenpox benchmark's form)."),
    test_steps: Optional[int] = typer.Option(None, help="Steps of the test period (default: the last fifth)."),
    gap: Optional[int] = typer.Option(None, help="Steps between a history and the test period (default and least: one window)."),
    gan_params: str = typer.Option("{}", help='TimeSeriesGAN parameters, as JSON, e.g. {"epochs": 50}.'),
    n_jobs: int = typer.Option(1, "--n-jobs", "-j", help="Cells run in parallel (joblib)."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://host:8786."),
    output: Path = typer.Option(..., "--output", "-o", help="Run directory (results.csv, config.json, showcase/)."),
    overwrite: bool = typer.Option(False, help="Discard earlier results in the run directory."),
    report: bool = typer.Option(True, help="Build report.html when the grid is done."),
) -> None:
    """Run (or resume) the forecasting boost experiment: do generated windows beat the real history alone and classic augmentation?"""
    from ..containers import SeriesData
    from ..data.sequences import from_frame
    from ..experiments.series import run_series_boost
    from . import finish_boost

    x = load_series(data)
    if not isinstance(x, SeriesData):
        x = from_frame(x, time_column, _split(columns, "columns") if columns else None)
    for note in x.notes:
        typer.echo(note)
    seed_list = _split(seeds, "seeds", int)
    results = run_series_boost(x, sizes=_split(sizes, "sizes", int), seeds=seed_list if "," in seeds else seed_list[0],
                               augmenters=_split(augmenters, "augmenters"), models=_split(models, "models"),
                               output=str(output), ratio=_ratio(ratio), window=window, lags=lags, difference=difference,
                               test_steps=test_steps, gap=gap,
                               gan_params=_json_object(gan_params, "--gan-params", "TimeSeriesGAN parameters"),
                               dataset_name=data if "/" not in data and "." not in data else Path(data).stem,
                               n_jobs=n_jobs, scheduler=scheduler, overwrite=overwrite)
    finish_boost(results, output, report, metric="mae")


def _write_npy(path: Path, array) -> None:
    import numpy as np

    from ..io import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:  # a file object: np.save would add ".npy" to a temp file's name
            np.save(f, array, allow_pickle=False)

    atomic_write(path, write)
    typer.echo(f"wrote {array.shape} to {path}")
