"""Command-line interface: a thin typer layer over the library.

Model options are generated from the estimators' parameter tables (names, defaults and a
one-sentence help text each), so every default lives in exactly one place. Table commands
live here; ``synthboost images ...`` in :mod:`synthboost.cli.images`.
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import json
import re
import sys
import time
import typing
import warnings
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from ..errors import ConditionError, ParameterError, SynthboostError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="synthboost: GANs for small datasets, and whether synthetic data boosts your model.",
)


def _note(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one plain line on stderr (not Python's file:line: Category: text + source line)."""
    typer.echo(f"note: {message}", err=True)


def load_family_model(path: Path, cls: type, family: str):
    """The model saved in ``path`` if it is a ``cls``; else one line naming its class and the command
    that samples it (a table model given to `images sample`, an image model to `series sample`, ...)."""
    from ..synthesizers import ImageGAN, TimeSeriesGAN, load

    gan = load(path)
    if not isinstance(gan, cls):
        other = ("synthboost images sample" if isinstance(gan, ImageGAN) else
                 "synthboost series sample" if isinstance(gan, TimeSeriesGAN) else "synthboost sample")
        raise ParameterError(f"{str(path)!r} holds a {type(gan).__name__}, not {family} model; use `{other}`")
    return gan


def _friendly(fn: Callable) -> Callable:
    """Print a SynthboostError as one line on stderr and exit 1, without a traceback; warnings
    (e.g. images resized) as one line each."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _note
                return fn(*args, **kwargs)
        except SynthboostError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from None

    return wrapper


# -- options generated from an estimator's signature ---------------------------------
def _param_docs(cls: type) -> dict[str, str]:
    """One-sentence help per parameter: the class's parameter table where it has one, else the
    numpy-style docstrings (``name : type`` + indented text; a subclass's entries override its bases')."""
    table = getattr(cls, "param_table", None)
    if table is not None and cls.param_table():
        return {n: p.help for n, p in cls.param_table().items()}
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("synthboost"):
            docs.update(_own_param_docs(klass))
    return docs


def _own_param_docs(cls: type) -> dict[str, str]:
    doc = inspect.cleandoc(cls.__doc__ or "")
    docs: dict[str, str] = {}
    names: list[str] = []
    for line in doc.splitlines():
        m = re.match(r"^([a-z_][a-z0-9_, ]*) : ", line)
        if m:
            names = [n.strip() for n in m.group(1).split(",")]
            for n in names:
                docs[n] = ""
        elif line.startswith("    ") and names:
            for n in names:
                docs[n] = (docs[n] + " " + line.strip()).strip()
        elif not line.strip():
            continue
        else:
            names = []
    return docs


def _option_spec(hint: Any) -> tuple[Any, Callable[[Any], Any] | None]:
    """Typer-compatible annotation for a signature hint, and a converter for list-valued ones."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    base = args[0] if args else hint
    optional = type(None) in typing.get_args(hint)
    origin = typing.get_origin(base)
    if origin in (collections.abc.Sequence, list, tuple):
        (elem,) = typing.get_args(base)[:1] or (str,)

        def convert(text: Any, elem=elem) -> Any:
            if text is None or not isinstance(text, str):
                return text
            items = _comma_items(text, repr(text))
            try:
                return [elem(t) for t in items]
            except ValueError:
                raise ParameterError(f"cannot read {text!r} as a comma-separated list of {elem.__name__}") from None

        return Optional[str], convert
    if optional and base in (int, float, str):
        # an optional value may be switched off on the command line with "none"
        def convert_optional(text: Any, base=base) -> Any:
            if text is None or not isinstance(text, str):
                return text
            if text.strip().lower() in ("", "none"):
                return None
            try:
                return base(text)
            except ValueError:
                raise ParameterError(f"cannot read {text!r} as {base.__name__} (or none)") from None

        return Optional[str], convert_optional
    if base in (int, float, str, bool):
        return (Optional[base] if optional else base), None
    return Optional[str], None


def estimator_options(cls: type, skip: tuple[str, ...] = ()) -> tuple[list[inspect.Parameter], dict[str, Callable]]:
    hints = typing.get_type_hints(cls.__init__)
    docs = _param_docs(cls)
    params, converters = [], {}
    for name, p in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or name in skip:
            continue
        annotation, convert = _option_spec(hints.get(name, str))
        if convert:
            converters[name] = convert
        default = p.default
        if isinstance(default, (list, tuple)):
            default = ",".join(map(str, default))
        flag = "--" + name.replace("_", "-")
        decls = [f"{flag}/--no-{name.replace('_', '-')}"] if annotation is bool else [flag]
        option = typer.Option(default, *decls, help=docs.get(name, ""), rich_help_panel="Model options")
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation))
    return params, converters


def _with_estimator_options(cls: type, skip: tuple[str, ...] = ()):
    """Decorator: the command receives the estimator's options as ``model_params``."""

    def decorate(fn: Callable) -> Callable:
        extra, converters = estimator_options(cls, skip)
        own = [p for p in inspect.signature(fn).parameters.values() if p.name != "model_params"]

        @functools.wraps(fn)
        def wrapper(**kwargs):
            model_params = {}
            for p in extra:
                value = kwargs.pop(p.name)
                model_params[p.name] = converters[p.name](value) if p.name in converters else value
            return fn(model_params=model_params, **kwargs)

        del wrapper.__wrapped__  # typer must see the generated signature, not fn's
        wrapper.__signature__ = inspect.Signature(own + extra)
        return wrapper

    return decorate


def _with_model_options(models: dict[str, type], flag: str = "model"):
    """Decorator: the options of several estimators (``--model NAME`` picks one). An option the
    models share appears once; every option defaults to the chosen model's own default (an unset
    option is not passed), and an option of another model is refused with the model it belongs to.
    The command receives ``model_cls`` and ``model_params``."""

    def decorate(fn: Callable) -> Callable:
        per_model = {name: estimator_options(cls) for name, cls in models.items()}
        options: dict[str, inspect.Parameter] = {}
        specs: dict[str, dict[str, typer.models.OptionInfo]] = {}  # option -> model -> its own typer option
        for mname, (params, _) in per_model.items():
            for p in params:
                specs.setdefault(p.name, {})[mname] = p.default
                if p.name in options:
                    continue
                is_bool = p.annotation is bool or p.annotation == Optional[bool]
                decls = list(p.default.param_decls) + (["--generators"] if p.name == "n_generators" else [])
                options[p.name] = inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=Optional[bool] if is_bool else Optional[str],
                                                    default=typer.Option(None, *decls, show_default=False,
                                                                         rich_help_panel="Model options"))
        owners = {name: list(by) for name, by in specs.items()}
        for name, by in specs.items():  # say which model an option belongs to, and each model's default
            helps = {m: o.help or "" for m, o in by.items()}
            defaults = {m: _show(o.default) for m, o in by.items()}
            text = next(iter(helps.values())) if len(set(helps.values())) == 1 else \
                " ".join(f"{m}: {h}" for m, h in helps.items())
            only = "" if len(by) == len(models) else f" ({', '.join(by)} only)"
            default = next(iter(defaults.values())) if len(set(defaults.values())) == 1 else \
                ", ".join(f"{m} {d}" for m, d in defaults.items())
            options[name].default.help = f"{text}{only} (default: {default})"
        own = [p for p in inspect.signature(fn).parameters.values() if p.name not in ("model_params", "model_cls")]

        @functools.wraps(fn)
        def wrapper(**kwargs):
            choice = kwargs[flag]
            if choice not in models:
                raise ParameterError(f"--{flag} {choice!r} must be one of {', '.join(models)}")
            cls = models[choice]
            params, converters = per_model[choice]
            hints = {p.name: p.annotation for p in params}
            given = {n: kwargs.pop(n) for n in options}
            wrong = [n for n, v in given.items() if v is not None and n not in hints]
            if wrong:
                raise ParameterError(f"--{wrong[0].replace('_', '-')} is an option of --{flag} "
                                     f"{' or '.join(owners[wrong[0]])}, not of {choice}")
            model_params = {}
            for n, v in given.items():
                if v is None:
                    continue
                if n in converters:
                    v = converters[n](v)
                elif hints[n] in (int, float):
                    try:
                        v = hints[n](v)
                    except ValueError:
                        raise ParameterError(f"--{n.replace('_', '-')} {v!r} is not {hints[n].__name__}") from None
                elif hints[n] == Optional[str] and isinstance(v, str) and v.isdigit():
                    v = int(v)  # e.g. MADGAN's share: a name or a number of stages
                model_params[n] = v
            return fn(model_cls=cls, model_params=model_params, **kwargs)

        del wrapper.__wrapped__
        wrapper.__signature__ = inspect.Signature(own + list(options.values()))
        return wrapper

    return decorate


def _show(value: Any) -> str:
    return "none" if value is None else str(value)


# -- commands -----------------------------------------------------------------------
from ..synthesizers import ConfidenceGAN, TabularGAN  # noqa: E402  (after the helpers it relies on)
from ..baselines import AUGMENTERS  # noqa: E402


@app.command()
@_friendly
@_with_estimator_options(TabularGAN)
def fit(
    data: Path = typer.Argument(..., help="Training table: CSV, Parquet or ARFF."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Class column to condition on."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory to write the model to."),
    resume: bool = typer.Option(False, help="Continue from checkpoint_dir if a checkpoint is there."),
    no_header: bool = typer.Option(False, "--no-header", help="The CSV has no header row: columns are named 0, 1, ..."),
    model_params: Optional[dict] = None,
) -> None:
    """Fit a TabularGAN on DATA and save it to a model directory."""
    from ..io import check_model_dir, read_table
    from ..report.plots import plot_history

    df = read_table(data, header=not no_header)
    check_model_dir(output)  # a path a model cannot go to fails now, not after minutes of training
    t0 = time.perf_counter()
    gan = TabularGAN(**model_params).fit(df, target=target, resume=resume)
    gan.save(output)
    plot_history(gan.history_, Path(output) / "history.png")
    typer.echo(f"fitted {len(df)} rows x {df.shape[1]} columns in {time.perf_counter() - t0:.1f} s")
    typer.echo(f"model:   {output}")
    typer.echo(f"history: {Path(output) / 'history.png'}")


def parse_conditions(items: List[str] | None) -> dict[str, str] | None:
    conditions = {}
    for item in items or []:
        col, sep, value = item.partition("=")
        if not sep or not col:
            raise ConditionError(f"--condition {item!r} must look like COLUMN=VALUE")
        if col in conditions and conditions[col] != value:
            raise ConditionError(f"--condition gives {col!r} twice ({conditions[col]!r} and {value!r}); give it once")
        conditions[col] = value
    return conditions or None


@app.command()
@_friendly
def sample(
    model: Path = typer.Argument(..., help="Model directory written by `synthboost fit`."),
    n: int = typer.Option(1000, "-n", "--n", help="Number of rows to generate."),
    output: Path = typer.Option(..., "--output", "-o", help="Output table (.csv or .parquet)."),
    condition: Optional[List[str]] = typer.Option(None, "--condition", "-c", help="COLUMN=VALUE; all rows get it."),
    seed: Optional[int] = typer.Option(None, help="Random seed for this draw."),
) -> None:
    """Generate N synthetic rows from a saved model."""
    from ..io import write_table

    gan = load_family_model(model, TabularGAN, "a table")
    df = gan.sample(n, conditions=parse_conditions(condition), random_state=seed)
    write_table(df, output)
    typer.echo(f"wrote {len(df)} rows to {output}")


@app.command()
@_friendly
def datasets(data_dir: Optional[Path] = typer.Option(None, help="Folder with the real datasets.")) -> None:
    """List the datasets `synthboost.datasets.load` knows, and whether each is available."""
    from .. import datasets as ds

    root = ds.resolve_data_dir(data_dir)
    for info in ds.available():
        there = info.source in ("sklearn", "generated") or (root / info.source).exists()
        typer.echo(f"{info.name:20s} {info.kind:7s} {'yes' if there else 'no ':3s}  {info.description}")
    typer.echo(f"data directory: {root} (set SYNTHBOOST_DATA to change it)")


def load_data(spec: str, target: Optional[str], header: bool = True) -> tuple["pd.DataFrame", str, str]:
    """DATA is a table file or a dataset name (see `synthboost datasets`): (frame, target, name)."""
    from .. import datasets as ds
    from ..io import read_table

    path = Path(spec)
    if path.suffix or path.exists():
        df = read_table(path, header=header)
        if not target:
            raise ParameterError(f"--target is required for a data file; columns of {path.name} are {list(df.columns)}")
        return df, target, path.stem
    if ds.info(spec).kind != "table":
        raise ParameterError(f"{spec!r} is a{'n image' if ds.info(spec).kind == 'images' else ' series'} dataset; this "
                             "command works on tables" + (" (use `synthboost images ...`)" if ds.info(spec).kind == "images" else ""))
    df, default_target = ds.load(spec)
    return df, target or default_target, spec


def _boost_defaults() -> dict[str, Any]:
    from ..experiments.boost import run_boost

    return {k: p.default for k, p in inspect.signature(run_boost).parameters.items()}


def _csv(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _comma_items(text: str, label: str) -> list[str]:
    """The stripped items of a comma list; a trailing comma is allowed ("50,100," as typed; "7," is the
    list holding 7), an empty item inside is not. An empty text gives no items."""
    parts = [t.strip() for t in text.split(",")]
    if len(parts) > 1 and parts[-1] == "":
        parts = parts[:-1]
    if parts == [""]:
        return []
    if "" in parts:
        raise ParameterError(f"{label} has an empty item; write a comma-separated list like 50,100")
    return parts


def _split(text: str, what: str, kind: type = str) -> list:
    parts = _comma_items(text, f"--{what} {text!r}")
    try:
        items = [kind(t) for t in parts]
    except ValueError:
        raise ParameterError(f"--{what} {text!r} must be a comma-separated list of {kind.__name__}s") from None
    if not items:
        raise ParameterError(f"--{what} needs at least one value")
    return items


def _json_object(text: str, flag: str, what: str) -> dict:
    """A --...-params flag: a JSON object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise ParameterError(f"{flag} {text!r} is not JSON; write e.g. '{{\"epochs\": 50}}'") from None
    if not isinstance(value, dict):
        raise ParameterError(f"{flag} must be a JSON object of {what}")
    return value


def _ratio(text: str) -> Any:
    """--ratio: one non-negative number or 'auto'."""
    if text.strip() == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        raise ParameterError(f"--ratio {text!r} must be one number >= 0 (synthetic rows per real row) or 'auto'") from None
    return value


_BD = _boost_defaults()


@app.command()
@_friendly
def boost(
    data: str = typer.Argument(..., help="Table file (CSV, Parquet, ARFF) or dataset name (see `synthboost datasets`)."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Class column (default: the dataset's)."),
    sizes: str = typer.Option(_csv(_BD["sizes"]), help="Training sizes n, comma-separated."),
    seeds: str = typer.Option(str(_BD["seeds"]), help="Number of seeds, or a comma-separated list of seeds."),
    augmenters: str = typer.Option(_csv(_BD["augmenters"]), help="Augmenters: " + ", ".join(AUGMENTERS) + "."),
    models: str = typer.Option(_csv(_BD["models"]), help="Models: logreg, rf, hgb, mlp."),
    ratio: str = typer.Option(str(_BD["ratio"]), help="Synthetic rows per real row, or 'auto'."),
    test_size: float = typer.Option(_BD["test_size"], help="Share of rows held out for testing."),
    positive_class: Optional[str] = typer.Option(None, help="Positive class for F1/precision/recall (default: the minority class)."),
    n_jobs: int = typer.Option(_BD["n_jobs"], "--n-jobs", "-j", help="Cells run in parallel (joblib)."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://host:8786."),
    output: Path = typer.Option(..., "--output", "-o", help="Run directory (results.csv, config.json, showcase/)."),
    overwrite: bool = typer.Option(False, help="Discard earlier results in the run directory."),
    report: bool = typer.Option(True, help="Build report.html when the grid is done."),
    no_header: bool = typer.Option(False, "--no-header", help="The CSV has no header row: columns are named 0, 1, ..."),
) -> None:
    """Run (or resume) the boosting experiment: does augmentation beat real rows alone?"""
    from ..experiments.boost import run_boost

    df, target, name = load_data(data, target, header=not no_header)
    seed_list = _split(seeds, "seeds", int)
    if "," not in seeds:
        seed_list = seed_list[0]
    if positive_class is not None and target in df.columns:  # match the column's type
        match = [v for v in df[target].dropna().unique() if str(v) == positive_class]
        positive_class = match[0] if match else positive_class
    results = run_boost(
        df,
        target,
        sizes=_split(sizes, "sizes", int),
        seeds=seed_list,
        augmenters=_split(augmenters, "augmenters"),
        models=_split(models, "models"),
        output=output,
        ratio=_ratio(ratio),
        test_size=test_size,
        positive_class=positive_class,
        dataset_name=name,
        n_jobs=n_jobs,
        scheduler=scheduler,
        overwrite=overwrite,
    )
    finish_boost(results, output, report)


def finish_boost(results, output: Path, report: bool, metric: str = "roc_auc") -> None:
    """The end of a boosting command: the one-screen summary, the results path, the report."""
    from ..report.text import print_summary

    print_summary(results, metric=metric, echo=typer.echo)
    typer.echo(f"results: {output / 'results.csv'}")
    if report:
        from ..report.html import build_report

        typer.echo(f"report:  {build_report(output, metric=metric)}")


@app.command("report")
@_friendly
def report_cmd(
    run_dir: Path = typer.Argument(..., help="Run directory written by `synthboost boost`."),
    metric: Optional[str] = typer.Option(None, help="Metric for curves, gains and tests (default: roc_auc for tables, accuracy for images, mae for series)."),
) -> None:
    """Build RUN_DIR/report.html (static, images embedded) from a boosting run."""
    from ..report.html import build_report

    typer.echo(f"report: {build_report(run_dir, metric=metric)}")


@app.command()
@_friendly
def demo(
    output: Path = typer.Option(Path("runs/demo"), "--output", "-o", help="Folder for the demo's outputs."),
    dataset: str = typer.Option("breast_cancer", help="Dataset name (see `synthboost datasets`)."),
    seeds: int = typer.Option(5, help="Number of seeds."),
    n_jobs: int = typer.Option(2, "--n-jobs", "-j", help="Cells run in parallel."),
) -> None:
    """The main job: a small boosting experiment on an embedded dataset, with its report."""
    from ..demo import run_demo

    run_demo(output, dataset=dataset, seeds=seeds, n_jobs=n_jobs, echo=typer.echo)


@app.command()
@_friendly
@_with_estimator_options(ConfidenceGAN, skip=("classifier", "positive_class", "verbose", "random_state"))
def confidence(
    data: str = typer.Argument(..., help="Table file (CSV, Parquet, ARFF) or dataset name (see `synthboost datasets`)."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Class column (default: the dataset's)."),
    classifier: str = typer.Option("rf", help='Black box: rf, logreg, hgb, mlp, or a JSON description '
                                   '{"model": "rf", "params": {...}} (inline or a .json file).'),
    positive_class: Optional[str] = typer.Option(None, help="Class whose probability is the confidence (required for more than two classes)."),
    n: int = typer.Option(1000, "-n", "--n", help="Rows to generate."),
    target_confidence: str = typer.Option("0.05:0.95", "--confidence", help="A value like 0.8 or a range LOW:HIGH (uniform)."),
    candidates: int = typer.Option(1, help="Generate this many rows per target and keep the one the black box scores closest."),
    screen: Optional[int] = typer.Option(None, help="Rows per target (per candidate) the surrogate picks from, no black-box "
                                         "calls (default 4 for the closed loop, 1 for confidence_loss=0)."),
    test_size: float = typer.Option(0.3, help="Share of rows held out for the diagnostics."),
    seed: int = typer.Option(0, help="Random seed (split, black box, GAN)."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory for rows.csv, figures/, report.html, summary.json."),
    no_header: bool = typer.Option(False, "--no-header", help="The CSV has no header row: columns are named 0, 1, ..."),
    model_params: Optional[dict] = None,
) -> None:
    """Train a black-box classifier and a ConfidenceGAN; write rows at the requested confidence and a report."""
    from ..experiments.confidence import run_confidence
    from ..report.confidence import write_run
    from ..io import check_output_dir
    from ..synthesizers.confidence import parse_confidence

    import numpy as np

    parse_confidence(target_confidence, 1, np.random.default_rng(0))  # fail before training on a bad value
    df, target, _ = load_data(data, target, header=not no_header)
    check_output_dir(output)  # an existing file fails now, not after minutes of training
    t0 = time.perf_counter()
    run = run_confidence(df, target, classifier=classifier, n=n, confidence=target_confidence,
                         positive_class=positive_class, test_size=test_size, candidates=candidates, screen=screen,
                         gan_params=dict(model_params, verbose=True), random_state=seed, echo=typer.echo)
    summary = write_run(run, output)
    typer.echo(f"confidence MAE {summary['confidence_mae']:.3f} (achieved std {summary['achieved_std']:.3f}); "
               f"column-shape similarity {summary['column_shape_similarity']:.3f}; black box AUC {summary['black_box_roc_auc']:.3f}")
    typer.echo(f"finished in {time.perf_counter() - t0:.0f} s")
    typer.echo(f"rows:   {summary['rows']}")
    typer.echo(f"report: {summary['report']}")


from . import images as _images  # noqa: E402,F401  (registers `synthboost images ...`)
from . import series as _series  # noqa: E402,F401  (registers `synthboost series ...`)


def main() -> None:
    app(prog_name="synthboost")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
