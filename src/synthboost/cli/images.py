"""``synthboost images ...``: fit, sample, boost and the image demo."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from ..errors import ParameterError
from . import _comma_items, _csv, _friendly, _json_object, _ratio, _split, _with_model_options, app, load_family_model
from ..augment.images import IMAGE_AUGMENTERS
from ..synthesizers import MADGAN, ImageGAN

images_app = typer.Typer(no_args_is_help=True, help="GANs for small labelled image sets, and whether their images boost a CNN.")
app.add_typer(images_app, name="images")


def load_images(spec: str, split: Optional[str] = None, with_test: bool = False):
    """DATA for the image commands: a dataset name (see `synthboost datasets`), an image folder
    (root/<class>/<file>), an IDX, CIFAR .bin, .npz or .npy file. Returns (data, test or None, name);
    the test split of a split dataset only ``with_test``."""
    from .. import datasets as ds
    from ..io.images import read_images

    if spec in ds.DATASETS:
        info = ds.info(spec)
        if info.kind != "images":
            kind = {"table": "a table", "series": "a series"}.get(info.kind, info.kind)
            raise ParameterError(f"{spec!r} is {kind} dataset; the image commands need images (see `synthboost datasets`)")
        data = ds.load(spec, split=split or ("train" if info.splits else None))
        test = ds.load(spec, split="test") if with_test and info.splits and split in (None, "train") else None
        return data, test, spec
    path = Path(spec)
    return read_images(path), None, path.stem or path.name


IMAGE_MODELS = {"imagegan": ImageGAN, "madgan": MADGAN}


@images_app.command("fit")
@_friendly
@_with_model_options(IMAGE_MODELS)
def fit(
    data: str = typer.Argument(..., help="A dataset name, an image folder (root/<class>/<file>), an IDX, .npz or .npy file."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory to write the model to."),
    model: str = typer.Option("imagegan", help="imagegan (a conditional DCGAN, or one per class) or madgan (k generators)."),
    split: Optional[str] = typer.Option(None, help="train or test, for datasets that come split."),
    resume: bool = typer.Option(False, help="Continue from checkpoint_dir if a checkpoint is there."),
    model_cls: Optional[type] = None,
    model_params: Optional[dict] = None,
) -> None:
    """Fit an image GAN on DATA and save it (with a grid of generated images and the training curves)."""
    from ..io import check_model_dir
    from ..report.plots import plot_history

    images, _, _ = load_images(data, split)
    check_model_dir(output)  # a path a model cannot go to fails now, not after training
    t0 = time.perf_counter()
    gan = model_cls(**model_params)
    if isinstance(gan, MADGAN) and gan.conditioning is None:
        images = images.images if hasattr(images, "images") else images  # an unlabelled MAD-GAN
    gan.fit(images, resume=resume)
    extra = {"grid.png": gan.save_grid, "history.png": lambda p: plot_history(gan.history_, p)}
    if isinstance(gan, MADGAN) and gan.n_generators > 1:
        extra["generators.png"] = lambda p: gan.save_grid(p, rows="generator")
    gan.save(output, extra=extra)  # the model and its pictures are put in place together
    if "generators.png" in extra:
        typer.echo(f"one row per generator: {Path(output) / 'generators.png'}")
    H, W, C = gan.image_shape_
    typer.echo(f"fitted {len(images)} images ({H}x{W}x{C}, {len(gan.class_names_)} classes) in {time.perf_counter() - t0:.1f} s")
    typer.echo(f"model:   {output}")
    typer.echo(f"samples: {Path(output) / 'grid.png'}")


@images_app.command("sample")
@_friendly
def sample(
    model: Path = typer.Argument(..., help="Model directory written by `synthboost images fit`."),
    n: int = typer.Option(64, "-n", "--n", help="Number of images."),
    label: Optional[str] = typer.Option(None, help="Class of every image, named as in the data (default: the training mix)."),
    output: Path = typer.Option(..., "--output", "-o", help="A folder (PNG files under OUT/<class>/), a .png grid or a .npz file."),
    seed: Optional[int] = typer.Option(None, help="Random seed for this draw."),
    generator: Optional[int] = typer.Option(None, help="MAD-GAN: sample generator J only (default: all, uniformly)."),
) -> None:
    """Generate N images from a saved image model."""
    from ..io.images import check_image_folder, write_image_folder, write_npz

    if not output.suffix:
        check_image_folder(output)  # before loading and sampling
    gan = load_family_model(model, ImageGAN, "an image")
    if isinstance(gan, MADGAN):
        data = gan.sample(n, label, generator=generator, random_state=seed)
    elif generator is not None:
        raise ParameterError(f"--generator picks one of a MAD-GAN's generators; {str(model)!r} holds a {type(gan).__name__}")
    else:
        data = gan.sample(n, label, random_state=seed)
    suffix = output.suffix.lower()
    if suffix == ".png":
        data.save_grid(output)
    elif suffix == ".npz":
        write_npz(data, output)
    elif suffix:
        raise ParameterError(f"--output {str(output)!r}: use a folder, a .png grid or a .npz file")
    else:
        write_image_folder(data, output)
    typer.echo(f"wrote {len(data)} images to {output}")


@images_app.command("boost")
@_friendly
def boost(
    data: str = typer.Argument(..., help="A dataset name, an image folder, an IDX, .npz or .npy file."),
    sizes: str = typer.Option("10,25,50,100", help="Training images per class, comma-separated."),
    seeds: str = typer.Option("10", help="Number of seeds, or a comma-separated list of seeds."),
    augmenters: str = typer.Option("none,classic,cgan,cgan+classic", help="Augmenters: " + ", ".join(IMAGE_AUGMENTERS)
                                   + "; a generative and a classic one joined by + (cgan+trivialaugment); a generative one may end in @<ratio> (madgan@4)."),
    models: str = typer.Option("cnn", help="CNNs: cnn (the study's small CNN), resnet."),
    ratio: str = typer.Option("1.0", help="Synthetic images per real image, or 'auto': 0 unless a ratio beats the real images alone by more than chance on held-out real images."),
    test_size: float = typer.Option(0.3, help="Share held out for testing when the data has no test split."),
    test_per_class: int = typer.Option(100, help="Test images per class taken from the data's test split."),
    gan_params: str = typer.Option("{}", help='ImageGAN parameters for every generator, as JSON, e.g. {"epochs": 50}.'),
    cnn_epochs: int = typer.Option(300, help="Most CNN epochs (early stopping on real validation images)."),
    cnn_patience: int = typer.Option(40, help="Epochs without a better validation loss before a CNN stops."),
    n_jobs: int = typer.Option(1, "--n-jobs", "-j", help="Cells run in parallel (joblib)."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address, e.g. tcp://host:8786."),
    output: Path = typer.Option(..., "--output", "-o", help="Run directory (results.csv, curves.jsonl, config.json, showcase/)."),
    overwrite: bool = typer.Option(False, help="Discard earlier results in the run directory."),
    report: bool = typer.Option(True, help="Build report.html when the grid is done."),
) -> None:
    """Run (or resume) the image boosting experiment: do GAN images beat real images alone and classic augmentation?"""
    from ..experiments.images import run_image_boost
    from . import finish_boost

    train, test, name = load_images(data, with_test=True)
    params = _json_object(gan_params, "--gan-params", "ImageGAN parameters")
    seed_list = _split(seeds, "seeds", int)
    results = run_image_boost(train, test, sizes=_split(sizes, "sizes", int), seeds=seed_list if "," in seeds else seed_list[0],
                              augmenters=_split(augmenters, "augmenters"), models=_split(models, "models"),
                              output=str(output), ratio=_ratio(ratio), test_size=test_size, test_per_class=test_per_class,
                              gan_params=params, cnn_epochs=cnn_epochs, cnn_patience=cnn_patience, dataset_name=name, n_jobs=n_jobs,
                              scheduler=scheduler, overwrite=overwrite)
    finish_boost(results, output, report, metric="accuracy")


@images_app.command("demo")
@_friendly
def demo(
    output: Path = typer.Option(Path("runs/images-demo"), "--output", "-o", help="Folder for the demo's outputs."),
    seeds: int = typer.Option(3, help="Number of seeds."),
    n_jobs: int = typer.Option(2, "--n-jobs", "-j", help="Cells run in parallel."),
) -> None:
    """A small image boosting experiment on scikit-learn's digits (8x8), with its report."""
    from ..demo import run_image_demo

    run_image_demo(output, seeds=seeds, n_jobs=n_jobs, echo=typer.echo)


__all__ = ["images_app", "load_images"]
