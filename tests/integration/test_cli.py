import pandas as pd
import pytest
from typer.testing import CliRunner

from synthboost import ConditionError
from synthboost.cli import app

runner = CliRunner()


def test_fit_sample_round_trip(tmp_path):
    from conftest import need_data

    data = need_data("german_credit.csv")
    model = tmp_path / "model"
    r = runner.invoke(
        app, ["fit", str(data), "--target", "class", "-o", str(model), "--epochs", "2", "--no-verbose",
              "--hidden-dims", "16,32", "--random-state", "0"]
    )
    assert r.exit_code == 0, r.output
    assert (model / "model.safetensors").exists() and (model / "history.png").exists()
    out = tmp_path / "syn.parquet"
    r = runner.invoke(app, ["sample", str(model), "-n", "120", "-o", str(out), "--condition", "class=bad"])
    assert r.exit_code == 0, r.output
    syn = pd.read_parquet(out)
    assert len(syn) == 120 and (syn["class"] == "bad").all()
    assert list(syn.columns) == list(pd.read_csv(data).columns)


def test_fit_options_come_from_the_estimator_signature():
    from synthboost import TabularGAN
    import inspect

    r = runner.invoke(app, ["fit", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0
    for name in inspect.signature(TabularGAN.__init__).parameters:
        if name != "self":
            assert "--" + name.replace("_", "-") in r.output, name


@pytest.mark.parametrize("cls_name", ["TabularGAN", "ConfidenceGAN", "ImageGAN"])
def test_every_estimator_option_has_help_text(cls_name):
    # inherited parameters (ConfidenceGAN's objective, lr, ...) take their base class's text
    import inspect

    import synthboost
    from synthboost.cli import _param_docs

    cls = getattr(synthboost, cls_name)
    docs = _param_docs(cls)
    missing = [n for n in inspect.signature(cls.__init__).parameters if n not in ("self", "classifier") and not docs.get(n)]
    assert not missing
    # short plain sentences: one line, no docstring markup
    assert all(len(t) < 130 and "``" not in t and ":mod:" not in t and ":func:" not in t for t in docs.values())


def test_a_headerless_csv_is_read_with_numbered_columns(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    rows = [f"P{i}_ECOLI  {rng.uniform():.2f}  {rng.uniform():.2f}  {rng.uniform():.2f}  {'cp' if i % 2 else 'im'}"
            for i in range(60)]
    (tmp_path / "ecoli.data").write_text("\n".join(rows) + "\n")  # space-aligned, no header, as UCI's ecoli
    r = runner.invoke(app, ["fit", str(tmp_path / "ecoli.data"), "--no-header", "--target", "4", "-o", str(tmp_path / "m"),
                            "--epochs", "1", "--no-verbose", "--categorical", "0"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["fit", str(tmp_path / "ecoli.data"), "--target", "4", "-o", str(tmp_path / "m2"), "--epochs", "1"])
    assert r.exit_code == 1  # with the first row taken as column names there is no column "4"


def test_a_subclass_parameter_text_overrides_its_base_class_text():
    from synthboost import ConfidenceGAN, TabularGAN
    from synthboost.cli import _param_docs

    own, base = _param_docs(ConfidenceGAN), _param_docs(TabularGAN)
    assert own["epochs"] != base["epochs"] and "4000" in own["epochs"]
    assert own["objective"] == base["objective"]  # inherited, not redefined


def test_errors_are_one_line_without_traceback(tmp_path):
    r = runner.invoke(app, ["fit", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "m")])
    assert r.exit_code == 1
    assert "error:" in r.output and "missing.csv" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["sample", str(tmp_path / "nomodel"), "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 1 and "does not exist" in r.output
    csv = tmp_path / "t.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": ["u", "v", "u"]}).to_csv(csv, index=False)
    r = runner.invoke(app, ["fit", str(csv), "--target", "nope", "-o", str(tmp_path / "m"), "--epochs", "1"])
    assert r.exit_code == 1 and "target column 'nope'" in r.output
    r = runner.invoke(app, ["fit", str(csv), "-o", str(tmp_path / "m"), "--objective", "lsgan"])
    assert r.exit_code == 1 and "objective" in r.output
    r = runner.invoke(app, ["fit", str(csv), "-o", str(tmp_path / "m"), "--hidden-dims", "64,,32"])
    assert r.exit_code == 1 and "empty item" in r.output
    boost = ["boost", "iris", "--seeds", "1", "--sizes", "30", "--augmenters", "smote", "--models", "logreg", "--no-report"]
    for extra, message in ((["--ratio", "-1"], "ratio=-1.0 must be a number >= 0"),
                           (["--ratio", "1,2"], "--ratio '1,2' must be one number"),
                           (["--sizes", "30,,60"], "empty item"),
                           (["--sizes", ",30"], "empty item")):
        r = runner.invoke(app, boost + extra + ["-o", str(tmp_path / "b")])
        assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output, r.output
        assert not (tmp_path / "b" / "config.json").exists()  # refused before anything is written
    for command in (["boost", "mnist", "-o", str(tmp_path / "b")], ["confidence", "mnist", "-o", str(tmp_path / "c")]):
        r = runner.invoke(app, command)
        assert r.exit_code == 1 and "'mnist' is an image dataset" in r.output
    # a trailing comma is fine: "7," is the one seed 7 (a bare 7 would be seven seeds)
    r = runner.invoke(app, ["boost", "iris", "--seeds", "7,", "--sizes", "30,", "--augmenters", "none,", "--models",
                            "logreg", "-o", str(tmp_path / "b7"), "--no-report"])
    assert r.exit_code == 0, r.output
    assert pd.read_csv(tmp_path / "b7" / "results.csv")["seed"].tolist() == [7]
    r = runner.invoke(app, boost + ["--positive-class", "setosa", "-o", str(tmp_path / "b")])
    assert r.exit_code == 1 and "positive_class applies to two-class targets" in r.output
    r = runner.invoke(app, ["confidence", "breast_cancer", "--classifier", str(tmp_path / "nofile.json"), "-o", str(tmp_path / "c")])
    assert r.exit_code == 1 and "nofile.json' does not exist" in r.output
    # an output directory that is a file fails before any training
    for command in (["fit", str(csv), "--epochs", "1"], ["confidence", "breast_cancer", "--epochs", "1"]):
        r = runner.invoke(app, command + ["-o", str(csv)])
        assert r.exit_code == 1 and "exists and is not a directory" in r.output and "epoch" not in r.output
    from synthboost.cli import parse_conditions

    assert parse_conditions(["y=u", "y=u"]) == {"y": "u"}
    with pytest.raises(ConditionError, match="gives 'y' twice"):
        parse_conditions(["y=u", "y=v"])


def test_datasets_lists_builtins_and_files():
    r = runner.invoke(app, ["datasets"])
    assert r.exit_code == 0
    assert "breast_cancer" in r.output and "german_credit" in r.output and "data directory" in r.output
    assert "digits" in r.output and "images" in r.output


def test_demo_runs_the_boosting_experiment_and_writes_its_report(tmp_path, monkeypatch):
    from synthboost import GANResampler, TabularGAN
    from synthboost.baselines import AUGMENTERS

    # the real demo trains full GANs; here a 2-epoch one checks the wiring
    monkeypatch.setitem(AUGMENTERS, "gan", lambda random_state=None, ratio=1.0: GANResampler(
        TabularGAN(epochs=2, batch_size=32, verbose=False), ratio=ratio, min_label_confidence=None, random_state=random_state))
    out = tmp_path / "demo"
    r = runner.invoke(app, ["demo", "-o", str(out), "--seeds", "2", "-j", "1"])
    assert r.exit_code == 0, r.output
    assert (out / "report.html").stat().st_size > 10_000 and (out / "results.csv").exists()
    assert str(out / "report.html") in r.output
    # the one-screen summary: one line per size x model x augmenter compared with 'none'
    for word in ("smote", "gan", "logreg", "rf"):
        assert word in r.output


def test_python_dash_m_entry_point():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "synthboost", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "fit" in r.stdout and "sample" in r.stdout
