"""The image boosting experiment on digits: leakage-safety, shared generators, resume, report, CLI."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthboost import ImageData, ParameterError, datasets
from synthboost.cli import app
from synthboost.experiments import images as exp
from synthboost.models.vision import CNNClassifier

SEEN: list = []
GAN = {"epochs": 1, "select_epoch": None}


@pytest.fixture
def spy(monkeypatch):
    real = exp.fit_generator

    def spying(name, train, seed, params=None):
        SEEN.append((name, train.images.copy()))
        return real(name, train, seed, params)

    monkeypatch.setattr(exp, "fit_generator", spying)
    SEEN.clear()
    return datasets.load("digits")


def keys(images: np.ndarray) -> set:
    return {x.tobytes() for x in images}


def test_generators_see_only_their_cells_training_images_and_are_shared(spy, tmp_path):
    data = spy
    kw = dict(sizes=[5, 8], seeds=2, augmenters=["none", "classic", "cgan", "cgan+classic", "synthetic-only"],
              models=["cnn"], output=str(tmp_path / "run"), gan_params=GAN, cnn_epochs=2, progress=False)
    res = exp.run_image_boost(data, None, **kw)
    assert len(res) == 2 * 2 * 5 and (res["error"] == "").all()
    assert res[["accuracy", "balanced_accuracy", "macro_f1"]].apply(lambda c: c.between(0, 1)).all().all()
    assert (res.loc[res.augmenter == "cgan", "n_synthetic"] == res.loc[res.augmenter == "cgan", "n_real"]).all()
    assert len(SEEN) == 4  # one conditional GAN per (seed, size), shared by its three augmenters
    task = exp.ImageTask(data, None, exp.ImageBoostConfig("d", [5, 8], [0, 1], [], []))
    for (name, seen), (seed, size) in zip(SEEN, [(s, n) for s in (0, 1) for n in (5, 8)]):
        train, test = task.cell_data(seed, size)
        # the generator saw the cell's training images less the ones every CNN of the cell early-stops on
        _, val = CNNClassifier(random_state=seed).validation_split(train.labels, np.arange(10))
        assert keys(seen) == keys(train.images) - keys(train.images[val]) and not keys(seen) & keys(test.images)
        assert len(seen) == 10 * size - len(val) and len(val) == 10 * round(0.2 * size)
    show = tmp_path / "run" / "showcase"
    assert {p.name for p in show.iterdir()} == {"cgan", "cgan+classic", "synthetic-only"}
    assert {"grid.png", "nearest.png", "history.csv", "meta.json", "quality.csv"} <= {p.name for p in (show / "cgan").iterdir()}
    meta = json.loads((show / "cgan" / "meta.json").read_text())
    assert 0 <= meta["cas"] <= 1 and 0 <= meta["memorisation"]["share"] <= 1
    assert json.loads((show / "cgan+classic" / "meta.json").read_text())["augmenter"] == "cgan+classic"
    assert json.loads((show / "synthetic-only" / "meta.json").read_text())["n_synthetic"] == 80
    curves = [json.loads(l) for l in (tmp_path / "run" / "curves.jsonl").read_text().splitlines()]
    assert {c["augmenter"] for c in curves} == set(kw["augmenters"]) and all("val_accuracy" in c for c in curves)
    # resume: nothing recomputed; extending adds only the new seed
    again = exp.run_image_boost(data, None, **kw)
    assert len(SEEN) == 4 and len(again) == len(res)
    # a showcase lost (or never made, its cell having finished in another grid) is made again, rows untouched
    import shutil

    shutil.rmtree(show / "cgan")
    before = (tmp_path / "run" / "results.csv").read_bytes()
    exp.run_image_boost(data, None, **kw)
    assert (show / "cgan" / "grid.png").exists() and len(SEEN) == 5
    assert (tmp_path / "run" / "results.csv").read_bytes() == before
    more = exp.run_image_boost(data, None, **dict(kw, seeds=3, augmenters=["none", "cgan"]))
    assert len(SEEN) == 7 and len(more) == 3 * 2 * 5 - 2 * 3


def test_auto_ratio_is_chosen_on_held_out_training_images(spy, tmp_path):
    res = exp.run_image_boost(spy, None, sizes=[6], seeds=1, augmenters=["cgan"], models=["cnn"], ratio="auto",
                              output=str(tmp_path / "auto"), gan_params=GAN, cnn_epochs=2, progress=False)
    (name, seen), = SEEN  # one generator, fitted once: it makes the ratios' images and the final ones
    train, _ = exp.ImageTask(spy, None, exp.ImageBoostConfig("d", [6], [0], [], [])).cell_data(0, 6)
    assert keys(seen) < keys(train.images) and len(seen) == 50  # the GAN never saw the 10 validation images
    assert res["ratio_used"].iloc[0] in (0.0, 0.5, 1.0, 2.0, 4.0)
    assert (tmp_path / "auto" / "showcase" / "cgan" / "grid.png").exists()  # shown even where 'auto' chose 0


def test_images_at_a_side_the_networks_do_not_train_at_are_resized_once(tmp_path):
    d = datasets.load("digits")
    padded = ImageData(np.pad(d.images, ((0, 0), (1, 1), (1, 1), (0, 0))), d.labels, d.class_names)  # 10x10
    with pytest.warns(UserWarning, match="10x10 are resized to 8x8"):
        res = exp.run_image_boost(padded, None, sizes=[3], seeds=1, augmenters=["none", "cgan"], models=["cnn"],
                                  output=str(tmp_path / "r"), gan_params=GAN, cnn_epochs=1, progress=False)
    assert (res["error"] == "").all() and len(res) == 2


def test_bad_grids_fail_before_anything_is_written(tmp_path):
    d = datasets.load("digits")
    cases = [(dict(augmenters=["none", "magic"]), "unknown augmenter 'magic'"), (dict(models=["vgg"]), "unknown model"),
             (dict(sizes=[1]), "too small"), (dict(sizes=[500]), "more than the training pool"),
             (dict(ratio=-1), "ratio"), (dict(gan_params={"wings": 2}), "not ImageGAN parameters"),
             (dict(augmenters=["madgan"], gan_params={"mode": "per_class"}), "not MADGAN parameters"),
             (dict(augmenters=["cgan"], gan_params={"ema": 2}), "ema"), (dict(cnn_epochs=0), "cnn_epochs"),
             (dict(augmenters=["cgan"], ratio="auto", sizes=[2]), "too small for ratio='auto'")]
    for change, match in cases:
        with pytest.raises(ParameterError, match=match):
            exp.run_image_boost(d, None, **{**dict(sizes=[5], seeds=1, augmenters=["none"], models=["cnn"],
                                                   output=str(tmp_path / "x"), progress=False), **change})
    assert not (tmp_path / "x").exists()


def test_cli_images_fit_sample_boost_and_report(tmp_path):
    runner = CliRunner()
    np.savez(tmp_path / "d.npz", images=datasets.load("digits").images[:200], labels=datasets.load("digits").labels[:200])
    model = tmp_path / "m"
    r = runner.invoke(app, ["images", "fit", str(tmp_path / "d.npz"), "-o", str(model), "--epochs", "1",
                            "--select-epoch", "none", "--no-verbose", "--random-state", "0"])
    assert r.exit_code == 0, r.output
    assert (model / "grid.png").exists() and (model / "model.safetensors").exists()
    r = runner.invoke(app, ["images", "sample", str(model), "-n", "12", "--label", "7", "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["7"] and len(list((tmp_path / "out" / "7").iterdir())) == 12
    r = runner.invoke(app, ["images", "sample", str(model), "-n", "3", "--label", "eleven", "-o", str(tmp_path / "o2")])
    assert r.exit_code == 1 and "'eleven' is not a class" in r.output
    r = runner.invoke(app, ["images", "sample", str(model), "-n", "30", "-o", str(tmp_path / "s.npz")])
    assert r.exit_code == 0 and len(np.load(tmp_path / "s.npz")["labels"]) == 30
    r = runner.invoke(app, ["sample", str(model), "-n", "3", "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 1 and "not a table model" in r.output
    run = tmp_path / "run"
    r = runner.invoke(app, ["images", "boost", "digits", "--sizes", "5", "--seeds", "2", "--augmenters", "none,cgan",
                            "--gan-params", json.dumps(GAN), "--cnn-epochs", "2", "-o", str(run)])
    assert r.exit_code == 0, r.output
    assert "cgan" in r.output and (run / "report.html").exists()
    html = (run / "report.html").read_text()
    assert "Showcase: cgan" in html and "CNN training curves" in html
    (run / "report.html").unlink()
    r = runner.invoke(app, ["report", str(run)])  # the image run's own metric, not the tables' roc_auc
    assert r.exit_code == 0, r.output
    html = (run / "report.html").read_text()
    assert "metric <code>accuracy</code>" in html
    # digits has no test split: the report says the seed draws a share, not a fixed split
    assert "30% of the images, stratified, drawn by each seed" in html and "the dataset's test split" not in html
    from conftest import rendered_dom

    rendered_dom(run / "report.html", tmp_path / "profile")


def test_joblib_and_dask_give_the_serial_results(tmp_path):
    from distributed import LocalCluster

    d = datasets.load("digits")
    kw = dict(sizes=[5], seeds=2, augmenters=["none", "cgan"], models=["cnn"], gan_params=GAN, cnn_epochs=2, progress=False)
    cols = ["seed", "size", "augmenter", "model", "accuracy", "log_loss"]

    def run(name, **extra):
        res = exp.run_image_boost(d, None, output=str(tmp_path / name), **kw, **extra)
        return res[cols].sort_values(cols[:4]).reset_index(drop=True)

    serial = run("s")
    pd.testing.assert_frame_equal(serial, run("p", n_jobs=2))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        pd.testing.assert_frame_equal(serial, run("d", scheduler=cluster.scheduler_address))


def test_images_sample_refuses_a_table_model(tmp_path):
    from conftest import need_data

    from synthboost import TabularGAN

    df = pd.read_csv(need_data("german_credit.csv")).head(100)
    TabularGAN(epochs=1, verbose=False, random_state=0).fit(df).save(tmp_path / "t")
    r = CliRunner().invoke(app, ["images", "sample", str(tmp_path / "t"), "-n", "3", "-o", str(tmp_path / "o")])
    assert r.exit_code == 1 and "not an image model" in r.output and not (tmp_path / "o").exists()


def test_madgan_augmenters_share_one_fit_and_show_each_generator(spy, tmp_path):
    res = exp.run_image_boost(spy, None, sizes=[5], seeds=1, augmenters=["none", "madgan", "madgan+classic"],
                              models=["cnn"], output=str(tmp_path / "m"), gan_params={"epochs": 1, "n_generators": 2},
                              cnn_epochs=2, progress=False)
    assert (res["error"] == "").all() and len(SEEN) == 1 and SEEN[0][0] == "madgan"
    mad = res[res.augmenter == "madgan"]
    assert (mad["n_synthetic"] == mad["n_real"]).all()
    show = tmp_path / "m" / "showcase" / "madgan"
    assert (show / "generators.png").is_file()
    meta = json.loads((show / "meta.json").read_text())
    assert len(meta["generators"]["per_generator"]) == 2 and "quality_error" not in meta


def test_ratio_suffixed_augmenters_compare_ratios_on_one_fit(spy, tmp_path):
    augs = ["none", "cgan@0.5", "cgan@2", "cgan+classic@auto"]
    res = exp.run_image_boost(spy, None, sizes=[6], seeds=1, augmenters=augs, models=["cnn"],
                              output=str(tmp_path / "r"), gan_params=GAN, cnn_epochs=2, progress=False)
    assert (res["error"] == "").all() and len(SEEN) == 1  # one GAN fit serves every ratio
    by = res.set_index("augmenter")
    n = int(by.loc["none", "n_real"])
    assert by.loc["cgan@0.5", "ratio_used"] == 0.5 and by.loc["cgan@0.5", "n_synthetic"] == n // 2
    assert by.loc["cgan@2", "ratio_used"] == 2.0 and by.loc["cgan@2", "n_synthetic"] == 2 * n
    assert by.loc["cgan+classic@auto", "ratio_used"] in (0.0, 0.5, 1.0, 2.0, 4.0)
    assert CliRunner().invoke(app, ["report", str(tmp_path / "r")]).exit_code == 0
    html = (tmp_path / "r" / "report.html").read_text()  # the run's ratio row names the augmenters that override it
    assert "<td>1 (cgan@0.5, cgan@2, cgan+classic@auto: the ratio after @)</td>" in html
    for change, match in [(["classic@2"], "takes no @<ratio>"), (["cgan@-1"], "ratio of augmenter 'cgan@-1'"),
                          (["cgan@lots"], "ratio of augmenter"), (["magic@2"], "unknown augmenter 'magic'"),
                          (["cgan@auto"], "too small for ratio='auto'")]:
        with pytest.raises(ParameterError, match=match):
            exp.run_image_boost(spy, None, sizes=[2], seeds=1, augmenters=change, models=["cnn"],
                                output=str(tmp_path / "bad"), progress=False)
    assert not (tmp_path / "bad").exists()


def test_cli_images_fit_refuses_a_foreign_folder_before_training_and_notes_in_one_line(tmp_path, monkeypatch):
    from synthboost.synthesizers import ImageGAN

    def no_training(*a, **k):
        raise AssertionError("trained before the output path was checked")

    digits = datasets.load("digits")
    np.savez(tmp_path / "d.npz", images=digits.images[:60], labels=digits.labels[:60])
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_text("mine")
    with monkeypatch.context() as m:
        m.setattr(ImageGAN, "fit", no_training)
        r = CliRunner().invoke(app, ["images", "fit", str(tmp_path / "d.npz"), "-o", str(foreign), "--epochs", "1"])
    assert r.exit_code == 1 and "holds files that are not a synthboost model" in r.output
    assert [p.name for p in foreign.iterdir()] == ["todo.txt"]
    # an IDX file without its labels file beside it: said in one plain line, then read unlabelled
    a = digits.images[:40, :, :, 0]
    idx = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape) + a.tobytes()
    (tmp_path / "my-images-idx3-ubyte").write_bytes(idx)
    r = CliRunner().invoke(app, ["images", "fit", str(tmp_path / "my-images-idx3-ubyte"), "-o", str(tmp_path / "m"),
                                 "--epochs", "1", "--select-epoch", "none", "--no-verbose"])
    assert r.exit_code == 0, r.output
    notes = [ln for ln in r.output.splitlines() if "no labels file" in ln]
    assert len(notes) == 1 and notes[0].startswith("note: ") and "UserWarning" not in r.output
    assert {"grid.png", "history.png", "model.json"} <= {p.name for p in (tmp_path / "m").iterdir()}


def test_epochs_to_baseline_races_every_arm_to_the_baseline_bar():
    """An arm that plateaus low reaches 90 % of its *own* best early; against the `none` arm's bar it is slow."""
    def curve(aug, accs, seed=0):
        return [dict(seed=seed, size=10, model="cnn", augmenter=aug, epoch=i + 1, val_accuracy=a) for i, a in enumerate(accs)]

    c = pd.DataFrame(curve("none", [0.2, 0.5, 0.8, 1.0]) + curve("low", [0.5, 0.5, 0.5]) + curve("fast", [0.95, 1.0])
                     + curve("none", [0.5, 0.5], seed=1) + curve("low", [0.1, 0.45], seed=1))
    e = exp.epochs_to_baseline(c).set_index(["seed", "augmenter"])
    assert e.loc[(0, "none"), "epochs_to_baseline_90"] == 4 and e.loc[(0, "fast"), "epochs_to_baseline_90"] == 1
    assert e.loc[(0, "low"), "epochs_to_baseline_90"] == 4 and not e.loc[(0, "low"), "reached"]  # censored: 3 epochs + 1
    assert e.loc[(1, "low"), "epochs_to_baseline_90"] == 2 and e.loc[(1, "low"), "reached"]  # 0.45 >= 0.9 * 0.5
    own = c.groupby(["seed", "augmenter"]).apply(lambda g: g.loc[g.val_accuracy >= 0.9 * g.val_accuracy.max(), "epoch"].min())
    assert own[(0, "low")] == 1  # what epochs_to_90 says: the low plateau looks fastest
    with pytest.raises(Exception, match="val_accuracy"):
        exp.epochs_to_baseline(c.drop(columns="val_accuracy"))


def test_cli_images_demo_runs_the_grid_and_writes_its_report(tmp_path, monkeypatch):
    """The demo's wiring (its real settings are timed in bench/RESULTS.md): a tiny grid, a summary, a report."""
    from synthboost import demo

    monkeypatch.setattr(demo, "IMAGE_DEMO", dict(sizes=(5,), augmenters=("none", "cgan"), models=("cnn",), cnn_epochs=2,
                                                 gan_params=GAN))
    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["images", "demo", "-o", str(out), "--seeds", "2", "-j", "1"])
    assert r.exit_code == 0, r.output
    assert "dataset digits: 1797 images 8x8, 10 classes" in r.output and "finished in" in r.output
    res = pd.read_csv(out / "results.csv")
    assert set(res["augmenter"]) == {"none", "cgan"} and (res["error"].fillna("") == "").all()
    assert (out / "report.html").is_file()


def test_a_generator_joins_any_classic_augmenter_and_shares_its_fit():
    from synthboost.augment.images import check_image_augmenter

    spec = check_image_augmenter("cgan+trivialaugment@2")
    assert (spec.generator, spec.classic, spec.train_real, spec.ratio) == ("cgan", "trivialaugment", True, 2.0)
    assert check_image_augmenter("per-class+randaugment").classic == "randaugment"
    task = exp.ImageTask(datasets.load("digits"), None, exp.ImageBoostConfig("digits", [5], [0], [], ["cnn"]))
    assert task.jobs(["none", "cgan", "cgan+trivialaugment", "trivialaugment"]) == [
        ["none"], ["cgan", "cgan+trivialaugment"], ["trivialaugment"]]
    # a classic one cannot lead, nor join another classic one or a generator that trains on no real image
    for bad in ["trivialaugment+cgan", "classic+trivialaugment", "synthetic-only+classic", "cgan+magic", "cgan+classic+classic"]:
        with pytest.raises(ParameterError, match=re.escape(f"unknown augmenter '{bad}'") + r".*cgan\+trivialaugment"):
            check_image_augmenter(bad)


def test_a_fixed_test_split_is_described_by_what_it_holds(tmp_path):
    # a class with fewer test images than test_per_class keeps all of them: the report must not say 5 per class
    d = datasets.load("digits")
    test_idx = np.concatenate([np.flatnonzero(d.labels == c)[:3 if c == 0 else 8] for c in range(d.n_classes)])
    train = d.subset(np.setdiff1d(np.arange(len(d)), test_idx))
    res = exp.run_image_boost(train, d.subset(test_idx), sizes=[3], seeds=1, augmenters=["none"], models=["cnn"],
                              test_per_class=5, cnn_epochs=1, output=str(tmp_path / "run"), progress=False)
    assert (res["error"] == "").all()
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["test_set"] == "the dataset's test split, 48 images, 3-5 per class (the same for every seed)"
