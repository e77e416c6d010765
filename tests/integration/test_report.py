"""The static HTML report of a boosting run, end to end (and rendered in a real browser)."""

import base64
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from synthboost.errors import DataFileError, ParameterError

METRICS = ["roc_auc", "accuracy", "balanced_accuracy", "f1", "precision", "recall", "log_loss"]
SECTIONS = [
    "Configuration",
    "Summary",
    "Learning curves",
    "Gain over baseline",
    "Statistics",
    "Showcase: gan",
    "GAN training curves",
    "Marginal distributions",
    "Embedding (PCA)",
    "Fidelity",
    "Privacy",
    "Realism",
]
N_IMAGES = 5  # learning curves, gain heatmap, GAN history, marginals, embedding


def _results(sizes, seeds, augmenters, models, rng) -> pd.DataFrame:
    effect = {"none": 0.0, "smote": 0.004, "gan": 0.04}
    rows = []
    for seed in seeds:
        for size in sizes:
            base = 0.62 + 0.05 * np.log10(size / sizes[0]) + rng.normal(0, 0.02)
            for aug in augmenters:
                for model in models:
                    auc = float(np.clip(base + effect[aug] + rng.normal(0, 0.01) + (0.02 if model == "rf" else 0), 0, 1))
                    row = dict(
                        dataset="german_credit", seed=seed, size=size, augmenter=aug, model=model,
                        n_real=size, n_synthetic=0 if aug == "none" else size, ratio_used=1.0, roc_auc=auc,
                    )
                    row.update({m: float(np.clip(auc - 0.1 + rng.normal(0, 0.02), 0, 1)) for m in METRICS[1:-1]})
                    row.update(log_loss=float(0.9 - auc / 2 + rng.normal(0, 0.01)), augment_s=0.1, model_s=0.05, error="", complete=1)
                    rows.append(row)
    df = pd.DataFrame(rows)
    # one cell whose filter could not supply every requested row
    df.loc[(df["augmenter"] == "gan") & (df["seed"] == 3) & (df["size"] == sizes[0]), "n_synthetic"] = int(0.8 * sizes[0])
    # one failed cell, as the runner records it: metrics empty, error filled
    failed = dict(df.iloc[-1])
    failed.update({m: np.nan for m in METRICS}, seed=99, error="SchemaError: too few rows of class 'bad'")
    return pd.concat([df, pd.DataFrame([failed])], ignore_index=True)


@pytest.fixture
def run_dir(tmp_path):
    from conftest import need_data

    from synthboost import datasets

    need_data("german_credit.csv")
    df, target = datasets.load("german_credit")
    rng = np.random.default_rng(0)
    run = tmp_path / "run"
    sizes, seeds, augmenters, models = [50, 100, 200], list(range(10)), ["none", "smote", "gan"], ["logreg", "rf"]
    config = dict(
        dataset="german_credit <test&>", target=target, sizes=sizes, seeds=seeds, augmenters=augmenters,
        models=models, ratio=1.0, test_size=0.3, positive_class=None,
    )
    (run / "showcase" / "gan").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps(config))
    _results(sizes, seeds, augmenters, models, rng).to_csv(run / "results.csv", index=False)

    show = run / "showcase" / "gan"
    train, holdout = df.iloc[:200].reset_index(drop=True), df.iloc[200:400].reset_index(drop=True)
    synthetic = train.sample(frac=1.0, random_state=1).reset_index(drop=True)
    for col in synthetic.columns:
        if pd.api.types.is_numeric_dtype(synthetic[col]):
            synthetic[col] = synthetic[col] + rng.normal(0, synthetic[col].std() * 0.2, len(synthetic))
        else:
            synthetic[col] = rng.permutation(synthetic[col].to_numpy())
    train.to_csv(show / "train.csv", index=False)
    holdout.to_csv(show / "holdout.csv", index=False)
    synthetic.to_csv(show / "synthetic.csv", index=False)
    e = np.arange(1, 21)
    pd.DataFrame(
        dict(
            epoch=e, g_loss=1.5 - 0.02 * e, d_loss=1.2 + 0.01 * e, d_loss_real=0.6 + 0.005 * e, d_loss_fake=0.6 + 0.005 * e,
            gp=0.0, d_real=0.7 - 0.005 * e, d_fake=0.3 + 0.005 * e, lr_g=2e-4, lr_d=2e-4, seconds=0.1 * e,
        )
    ).to_csv(show / "history.csv", index=False)
    (show / "meta.json").write_text(json.dumps(dict(augmenter="gan", size=200, seed=0, target=target, realism_share=0.42)))
    return run


def test_report_content(run_dir):
    from synthboost.report.html import build_report

    path = build_report(run_dir)
    assert path == run_dir / "report.html" and path.is_file()
    text = path.read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert f">{heading}<" in text, heading
    # user strings are escaped
    assert "german_credit &lt;test&amp;&gt;" in text and "<test&>" not in text
    # every image is an embedded, decodable PNG; nothing is fetched from outside
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == N_IMAGES
    assert len(re.findall(r"<img", text)) == N_IMAGES
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert sorted(p.name for p in (run_dir / "figures").glob("*.png")) == sorted(
        ["learning_curves.png", "gain_heatmap.png", "gan_history.png", "gan_marginals.png", "gan_embedding.png"]
    )
    # the GAN's clear gain shows up as significant rows; the failed cell is reported
    assert text.count('class="sig-gain"') >= 1
    assert "1 result row(s) failed" in text
    # rows added per augmenter, with the shortfall of the one short cell (the failed cell not counted)
    assert "<b>smote</b> 1.00." in text and "<b>gan</b> 0.99 (fewer rows than asked in 1 of 30 cells, 0.3% of" in text
    for key in ("column_shape_similarity", "association_difference", "detection_auc"):
        assert key in text
    assert "0.4200" in text  # realism share

    other = build_report(run_dir, output=run_dir / "out" / "r.html", metric="log_loss")
    assert other.is_file() and "log_loss" in other.read_text(encoding="utf-8")
    for not_a_metric in ("seed", "size", "model"):
        with pytest.raises(ParameterError, match=f"metric '{not_a_metric}' is not a metric column"):
            build_report(run_dir, metric=not_a_metric)


def test_report_needs_a_run(tmp_path):
    from synthboost.report.html import build_report

    (tmp_path / "config.json").write_text(json.dumps({"dataset": "x"}))
    with pytest.raises(DataFileError, match=r"results\.csv.*synthboost boost"):
        build_report(tmp_path)
    (tmp_path / "config.json").unlink()
    pd.DataFrame(dict(seed=[0], size=[10], augmenter=["none"], model=["m"], roc_auc=[0.5])).to_csv(tmp_path / "results.csv")
    with pytest.raises(DataFileError, match=r"config\.json.*synthboost boost"):
        build_report(tmp_path)


def test_report_renders_in_chromium(run_dir, tmp_path):
    from matplotlib.image import imread

    from synthboost.report.html import build_report

    from conftest import chromium_args, rendered_dom

    path = build_report(run_dir)
    rendered_dom(path, tmp_path / "profile")
    common = chromium_args(tmp_path / "profile")

    shot = tmp_path / "shot.png"
    res = subprocess.run(
        common + [f"--screenshot={shot}", "--window-size=1280,4000", "--hide-scrollbars", path.as_uri()],
        capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 10_000
    pixels = imread(shot)
    assert pixels.std() > 0
    if os.environ.get("SYNTHBOOST_KEEP_SHOT"):
        shutil.copy(shot, os.environ["SYNTHBOOST_KEEP_SHOT"])
