"""The static HTML report of a boosting run: one self-contained file.

``build_report(run_dir)`` reads what ``synthboost boost`` wrote (``config.json``,
``results.csv``, ``showcase/<augmenter>/``), draws the figures into
``run_dir/figures/`` and writes ``report.html``. The page loads nothing from outside:
every figure is embedded as a base64 ``data:`` URI and the CSS is inline, so the file
can be mailed, archived or opened offline. A tiny inline script counts images that
failed to decode and stores the count in ``<body data-broken-images="...">``.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFileError, ParameterError
from ..io import read_jsonl, read_table, write_text

BASELINE = "none"
#: numeric columns of results.csv that are not quality metrics
_NOT_METRICS = ("seed", "size", "n_real", "n_synthetic", "ratio_used", "augment_s", "model_s", "best_epoch", "complete")

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;
 max-width:1180px;margin:0 auto;padding:16px 28px 48px;line-height:1.45;background:#fff}
h1{font-size:1.7em;margin:.4em 0 .2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
h3{margin:1.3em 0 .4em;color:#333}
nav{font-size:.9em;margin:.4em 0 1em}nav a{margin-right:1em;color:#1a5fb4;text-decoration:none}
table{border-collapse:collapse;font-size:.86em;margin:.5em 0 1em}
th,td{border:1px solid #d6d6d6;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f2f2f2}td.l,th.l{text-align:left}
table.kv td:first-child{text-align:left;font-weight:600;background:#fafafa}table.kv td{text-align:left}
tr.sig-gain td{background:#e3f4e1}tr.sig-loss td{background:#fbe3e3}
.verdict-gain{color:#176b1d;font-weight:700}.verdict-loss{color:#a51d1d;font-weight:700}
figure{margin:.6em 0 1.2em}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
.note{font-size:.88em;color:#555}.warn{background:#fff6e0;border-left:4px solid #e0a800;padding:6px 10px;font-size:.9em}
.muted{color:#888}.showcase{border-top:1px dashed #ccc;margin-top:1.5em}
.grid2{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}.grid2>div{min-width:0}
.embed{flex:0 1 560px}.side{flex:1 1 360px}table.kv td{white-space:normal}
"""

_SCRIPT = """
window.addEventListener("load", function () {
  var imgs = document.getElementsByTagName("img"), broken = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) { broken++; }
  }
  document.body.dataset.brokenImages = String(broken);
});
"""

_METRIC_NOTES = {
    "column_shape_similarity": "1 = identical per-column distributions",
    "association_difference": "0 = identical pairwise associations",
    "detection_auc": "0.5 = a classifier cannot tell synthetic from real",
    "dcr_synthetic_median": "distance of synthetic rows to their closest training row",
    "dcr_holdout_median": "the same for real rows the generator never saw",
    "dcr_ratio": "well below 1 = synthetic rows sit closer to training rows than unseen real rows: memorisation",
    "exact_copy_share": "share of synthetic rows that copy a training row",
}


# -- small helpers --------------------------------------------------------------------
def _e(value: Any) -> str:
    """HTML-escape anything (user data ends up here: column names, augmenter names, ...)."""
    return html.escape(str(value), quote=True)


def _fmt(value: Any, digits: int = 4, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return "n/a"
        if v != 0 and (abs(v) < 10 ** -(digits - 1) or abs(v) >= 1e6):
            return f"{v:+.{digits - 1}e}" if signed else f"{v:.{digits - 1}e}"
        return f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v, digits) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return str(value)


def _fmt_gain(v: float) -> str:
    if v is None or math.isnan(v):
        return "n/a"
    text = f"{v:+.4f}"
    return text[1:] if float(text) == 0 else text


def _fmt_p(p: float) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "n/a"
    return "&lt;0.001" if p < 0.001 else f"{p:.3f}"


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._") or "x"


def _img(path: Path, alt: str, caption: str | None = None, min_width: int | None = None) -> str:
    """An embedded PNG; with ``min_width``, a smaller image (e.g. a grid of 8x8 digits) is shown enlarged
    by a whole factor, pixels kept sharp."""
    raw = Path(path).read_bytes()
    data = base64.b64encode(raw).decode("ascii")
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    style = ""
    if min_width:
        from PIL import Image
        import io

        w = Image.open(io.BytesIO(raw)).size[0]
        if 0 < w < min_width:
            style = f' style="width:{w * min(8, -(-min_width // w))}px;image-rendering:pixelated"'
    return f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}"{style}>{cap}</figure>'


def _kv_table(items: dict[str, Any], notes: dict[str, str] | None = None) -> str:
    notes = notes or {}
    rows = []
    for k, v in items.items():
        note = f' <span class="muted">({_e(notes[k])})</span>' if k in notes else ""
        rows.append(f"<tr><td>{_e(k)}</td><td>{_e(_fmt(v))}{note}</td></tr>")
    return '<table class="kv">' + "".join(rows) + "</table>"


def _metric_call(name: str, *args, **kwargs) -> tuple[Any, str | None]:
    """Call ``synthboost.metrics.<name>``; on failure return (None, message) so the rest of the report survives."""
    try:
        from .. import metrics
    except ImportError as e:  # pragma: no cover - the package ships with metrics
        return None, f"synthboost.metrics cannot be imported ({e})"
    fn = getattr(metrics, name, None)
    if fn is None:
        return None, f"synthboost.metrics.{name} is not available in this installation"
    try:
        return fn(*args, **kwargs), None
    except Exception as e:  # one failing panel must not cost the whole report
        warnings.warn(f"report: {name} failed: {type(e).__name__}: {e}", RuntimeWarning, stacklevel=2)
        return None, f"{name} failed: {type(e).__name__}: {e}"


# -- reading the run directory ---------------------------------------------------------
def _read_config(path: Path) -> dict:
    if not path.is_file():
        raise DataFileError(f"{str(path)!r} is missing; run `synthboost boost` first to create the run directory")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataFileError(f"{str(path)!r} is not valid JSON ({e}); run `synthboost boost` again into a fresh directory") from None
    if not isinstance(config, dict):
        raise DataFileError(f"{str(path)!r} does not hold a boosting configuration; run `synthboost boost` first")
    return config


def _read_results(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataFileError(f"{str(path)!r} is missing; run `synthboost boost` first to create the results")
    try:
        df = pd.read_csv(path, on_bad_lines="skip", dtype={"error": str})
    except Exception as e:
        raise DataFileError(f"cannot read {str(path)!r} ({e}); run `synthboost boost` again") from None
    if "complete" in df.columns:  # the runner marks finished rows; a cut-off last line is dropped
        df = df[df["complete"] == 1]
    from ..experiments.grid import CELL_KEY, latest_attempts

    missing = [c for c in CELL_KEY if c not in df.columns]
    if missing:
        raise DataFileError(f"{str(path)!r} lacks the column(s) {missing}; it is not a results file of `synthboost boost`")
    if df.empty:
        raise DataFileError(f"{str(path)!r} holds no finished results yet; run (or resume) `synthboost boost` first")
    df = latest_attempts(df)  # a retried cell: its latest try
    df["augmenter"] = df["augmenter"].astype(str)
    df["model"] = df["model"].astype(str)
    return df.reset_index(drop=True)


# -- sections ---------------------------------------------------------------------------
def _machines(run: Path) -> str | None:
    """The machines the run's cells were computed on (``machines.jsonl``), in words; None for runs before it."""
    seen: dict[tuple, int] = {}
    for m in read_jsonl(run / "machines.jsonl"):
        if isinstance(m, dict):
            key = (m.get("cpu", "?"), m.get("cpu_capability", "?"), m.get("torch", "?"), m.get("scheduler", "local"))
            seen[key] = seen.get(key, 0) + int(m.get("jobs", 0) or 0)
    words = [f"{cpu} ({cap}), torch {version}{', via Dask' if sched == 'dask' else ''}: {n} jobs"
             for (cpu, cap, version, sched), n in seen.items()]
    if len(words) > 1:
        words.append("one seed's result can differ between CPUs, so compare per-seed values within one machine only")
    return "; ".join(words) or None


def _config_section(config: dict, results: pd.DataFrame, metric: str, machines: str | None = None) -> str:
    seeds = config.get("seeds")
    items = {
        "dataset": config.get("dataset", "?"),
        **({"classes": config.get("classes", "?")} if config.get("kind") == "images" else
           {"columns": config.get("columns", "?"), "target": config.get("target", "?")} if config.get("kind") == "series"
           else {"target": config.get("target", "?")}),
        "sizes": config.get("sizes", sorted(results["size"].unique().tolist())),
        "seeds": f"{len(seeds)} ({_fmt(seeds[:8])}{', …' if len(seeds) > 8 else ''})" if isinstance(seeds, list) else "?",
        "augmenters": config.get("augmenters", sorted(results["augmenter"].unique())),
        "models": config.get("models", sorted(results["model"].unique())),
        "ratio": _ratio_words(config.get("ratio", "?"), config.get("augmenters", results["augmenter"].unique())),
        **({"test set": config["test_set"]} if config.get("test_set") else
           {"test size": config.get("test_size", "?")} if config.get("kind") in (None, "table") else
           # image runs written before the config said which test set they used
           {"test set": f"the dataset's test split ({config.get('test_per_class', '?')} per class), or without one, "
                        f"a {config.get('test_size', '?')} share"} if config.get("kind") == "images" else {}),
        **({"positive class": config.get("positive_class")} if config.get("kind") in (None, "table") else {}),
        **({k.replace("_", " "): config.get(k) for k in ("window", "lags", "difference", "test_steps", "gap", "val_share")}
           if config.get("kind") == "series" else {}),
        "metric in this report": metric,
        "result rows": len(results),
        **({"computed on": machines} if machines else {}),
    }
    items = {k: (_fmt(v) if isinstance(v, list) else f"{v:g}" if isinstance(v, float) else v) for k, v in items.items()}
    return '<section id="config"><h2>Configuration</h2>' + _kv_table(items) + "</section>"


def _ratio_words(ratio, augmenters) -> str:
    """The run's ratio, and that augmenters named ``<name>@<ratio>`` (e.g. cgan@auto) override it."""
    text = f"{ratio:g}" if isinstance(ratio, float) else str(ratio)
    own = [str(a) for a in augmenters if "@" in str(a)]
    return text + (f" ({', '.join(own)}: the ratio after @)" if own else "")


def _errors_note(results: pd.DataFrame) -> str:
    if "error" not in results.columns:
        return ""
    err = results[results["error"].fillna("").astype(str).str.len() > 0]
    if err.empty:
        return ""
    by = err.groupby("augmenter").size()
    parts = ", ".join(f"{_e(a)}: {int(n)}" for a, n in by.items())
    first = _e(err["error"].iloc[0])
    return (
        f'<p class="warn">{len(err)} result row(s) failed and are left out of the statistics ({parts}). '
        f"First error: <code>{first}</code></p>"
    )


def _rows_added_note(results: pd.DataFrame, unit: str = "rows") -> str:
    """Synthetic rows per real row for each augmenter, and the cells that got fewer than they asked for
    (a filter or a peer library that could not supply every row), so equal-size comparisons are not assumed."""
    need = {"seed", "size", "augmenter", "n_real", "n_synthetic", "ratio_used"}
    if not need <= set(results.columns):
        return ""
    ok = results["error"].fillna("").astype(str).str.len() == 0 if "error" in results.columns else True
    cells = results[ok & (results["augmenter"] != BASELINE)].drop_duplicates(["seed", "size", "augmenter"])
    if cells.empty:
        return ""
    parts = []
    for aug, g in cells.groupby("augmenter", sort=True):
        added = (g["n_synthetic"] / g["n_real"]).mean()
        asked = np.round(g["ratio_used"] * g["n_real"])  # "preserve"/"balance" ask for exactly round(ratio * n)
        short = int((g["n_synthetic"] < asked).sum())
        text = f"<b>{_e(aug)}</b> {added:.2f}"
        if g["ratio_used"].nunique() > 1:
            text += f" (ratio chosen per cell: {_fmt(sorted(g['ratio_used'].unique().tolist()))})"
        if short:
            text += f" (fewer rows than asked in {short} of {len(g)} cells, {(asked - g['n_synthetic']).clip(lower=0).sum() / asked.sum():.1%} of the asked rows missing)"
        parts.append(text)
    if unit == "images":
        return '<p class="note">Generated images added per real image, mean over cells: ' + "; ".join(parts) + ".</p>"
    if unit == "pairs":
        return ('<p class="note">Generated (lags &rarr; next) training pairs added per real pair, mean over cells: '
                + "; ".join(parts) + ".</p>")
    return ('<p class="note">Synthetic rows added per real row, mean over cells: ' + "; ".join(parts) +
            ". Rows a filter rejects are replaced by fresh ones; what still could not be supplied is missing, never faked.</p>")


def _summary_section(gains: pd.DataFrame | None, metric: str, baseline_note: str | None, unit: str = "rows") -> str:
    out = ['<section id="summary"><h2>Summary</h2>']
    if gains is None:
        out.append(f'<p class="warn">{_e(baseline_note)}</p></section>')
        return "".join(out)
    if gains.empty:
        out.append('<p class="note">No augmenter could be paired with the baseline.</p></section>')
        return "".join(out)
    out.append("<ul>")
    for aug, g in gains.groupby("augmenter", sort=True):
        n_gain, n_loss = int((g["verdict"] == "gain").sum()), int((g["verdict"] == "loss").sum())
        text = (
            f"<b>{_e(aug)}</b>: significant gain in {n_gain}, significant loss in {n_loss}, "
            f"no significant difference in {len(g) - n_gain - n_loss} of {len(g)} (size, model) comparisons"
        )
        best = g.loc[g["mean_gain"].idxmax()] if g["mean_gain"].notna().any() else None
        if best is not None:
            text += (
                f"; largest mean gain {_fmt_gain(best['mean_gain'])} "
                f"(model {_e(best['model'])}, {_e(best['size'])} {unit})"
            )
        out.append(f"<li>{text}.</li>")
    out.append("</ul>")
    out.append(
        f'<p class="note">Each augmenter is compared with the baseline <code>{BASELINE}</code> on the same seeds '
        f"(same test split and real training rows). Gain = difference in {_e(metric)}, oriented so that positive "
        "means better; 95% percentile-bootstrap confidence interval of the mean gain; two-sided Wilcoxon "
        f"signed-rank test; p-values Holm-adjusted over all {len(gains)} comparisons; significant = adjusted p &lt; 0.05.</p>"
    )
    n_max = int(gains["n"].max())
    floor = len(gains) * 2.0 / 2.0**n_max if n_max > 0 else 1.0  # smallest Holm-adjusted exact Wilcoxon p
    if floor >= 0.05:
        out.append(
            f'<p class="warn">With at most {n_max} paired seeds the smallest attainable two-sided Wilcoxon p-value is '
            f"{2.0 / 2.0**n_max:.3g}; after Holm over {len(gains)} comparisons no result can reach significance. "
            "Run more seeds (or fewer sizes / models / augmenters) for a conclusive answer.</p>"
        )
    out.append("</section>")
    return "".join(out)


def _stats_table(gains: pd.DataFrame) -> str:
    head = (
        '<tr><th class="l">model</th><th>size</th><th class="l">augmenter</th><th>n</th><th>baseline</th>'
        "<th>augmented</th><th>mean gain</th><th>95% CI</th><th>p</th><th>p (Holm)</th>"
        "<th>wins / ties / losses</th><th>verdict</th></tr>"
    )
    rows = []
    order = gains.sort_values(["model", "size", "augmenter"], kind="mergesort")
    for _, r in order.iterrows():
        cls = {"gain": ' class="sig-gain"', "loss": ' class="sig-loss"'}.get(r["verdict"], "")
        vcls = {"gain": "verdict-gain", "loss": "verdict-loss"}.get(r["verdict"], "muted")
        rows.append(
            f"<tr{cls}><td class=\"l\">{_e(r['model'])}</td><td>{_e(r['size'])}</td>"
            f"<td class=\"l\">{_e(r['augmenter'])}</td><td>{int(r['n'])}</td>"
            f"<td>{_fmt(r['mean_baseline'])}</td><td>{_fmt(r['mean_augmented'])}</td>"
            f"<td>{_fmt_gain(r['mean_gain'])}</td>"
            f"<td>[{_fmt_gain(r['ci_low'])}, {_fmt_gain(r['ci_high'])}]</td>"
            f"<td>{_fmt_p(r['p_value'])}</td><td>{_fmt_p(r['p_holm'])}</td>"
            f"<td>{int(r['wins'])} / {int(r['ties'])} / {int(r['losses'])}</td>"
            f'<td class="l {vcls}">{_e(r["verdict"])}</td></tr>'
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _showcase_head(directory: Path) -> tuple[str, str, list[str], dict]:
    """(augmenter, its slug, the section's opening HTML parts, meta.json as a dict) of a showcase folder;
    a meta.json that is not a JSON object is ignored and said."""
    aug = directory.name
    slug = _slug(aug)
    out = [f'<section class="showcase" id="showcase-{_e(slug)}"><h2>Showcase: {_e(aug)}</h2>']
    meta: dict = {}
    meta_path = directory / "meta.json"
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            meta = meta if isinstance(meta, dict) else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            out.append(f'<p class="warn">{_e(meta_path.name)} is not valid JSON and was ignored.</p>')
    return aug, slug, out, meta


def _gan_history_html(directory: Path, figures: Path, slug: str, aug: str) -> str:
    """The showcase's GAN training curves from its history.csv ('' when there are none)."""
    from .plots import plot_history

    if not (directory / "history.csv").is_file():
        return ""
    history = read_table(directory / "history.csv")
    if history.empty:
        return ""
    p = plot_history(history, figures / f"{slug}_history.png", title=f"{aug}: GAN training")
    return "<h3>GAN training curves</h3>" + _img(p, f"{aug} GAN training curves")


def _showcase_section(directory: Path, figures: Path, config: dict) -> str:
    aug, slug, out, meta = _showcase_head(directory)
    frames: dict[str, pd.DataFrame | None] = {}
    for name in ("train", "holdout", "synthetic"):
        p = directory / f"{name}.csv"
        frames[name] = read_table(p) if p.is_file() else None
    train, holdout, synthetic = frames["train"], frames["holdout"], frames["synthetic"]
    facts = {
        "augmenter": meta.get("augmenter", aug),
        "real training rows": len(train) if train is not None else None,
        "synthetic rows": len(synthetic) if synthetic is not None else None,
        "holdout rows": len(holdout) if holdout is not None else None,
        "size": meta.get("size"),
        "seed": meta.get("seed"),
        "target": meta.get("target", config.get("target")),
    }
    out.append('<p class="note">One generator of the grid, shown in detail: it saw only the real training rows below.</p>')
    out.append(_kv_table(facts))

    from .boost_plots import plot_embedding, plot_marginals
    from .plots import plot_history

    history_path = directory / "history.csv"
    if history_path.is_file():
        out.append("<h3>GAN training curves</h3>")
        history = read_table(history_path)
        needed = ["epoch", "g_loss", "d_loss", "d_loss_real", "d_loss_fake", "d_real", "d_fake"]
        lacking = [c for c in needed if c not in history.columns]
        if lacking or history.empty:
            out.append(f'<p class="warn">history.csv lacks the column(s) {_e(lacking)} or rows; no training curves.</p>')
        else:
            p = plot_history(history, figures / f"{slug}_history.png", title=f"{aug}: training history")
            out.append(_img(p, f"{aug} training curves"))

    if train is None or synthetic is None:
        out.append('<p class="warn">train.csv or synthetic.csv is missing; no real-vs-synthetic comparison.</p></section>')
        return "".join(out)

    out.append("<h3>Marginal distributions</h3>")
    p = plot_marginals(train, synthetic, figures / f"{slug}_marginals.png")
    out.append(_img(p, f"{aug} marginals: real vs synthetic"))

    out.append('<div class="grid2"><div class="embed"><h3>Embedding (PCA)</h3>')
    emb, err = _metric_call("embed_2d", train, synthetic, method="pca")
    if err:
        out.append(f'<p class="warn">{_e(err)}</p>')
    else:
        p = plot_embedding(emb, figures / f"{slug}_embedding.png", title=f"{aug}: PCA of real and synthetic rows")
        out.append(_img(p, f"{aug} PCA embedding", "Overlapping clouds mean the generator covers the real data."))

    out.append('</div><div class="side"><h3>Fidelity</h3>')
    fid, err = _metric_call("fidelity_summary", train, synthetic)
    out.append(f'<p class="warn">{_e(err)}</p>' if err else _kv_table(dict(fid), _METRIC_NOTES))
    out.append("<h3>Privacy</h3>")
    if holdout is None:
        out.append('<p class="note">holdout.csv is missing: no comparison with real rows the generator never saw.</p>')
    priv, err = _metric_call("privacy_summary", synthetic, train, holdout)
    out.append(f'<p class="warn">{_e(err)}</p>' if err else _kv_table(dict(priv), _METRIC_NOTES))
    out.append("<h3>Realism</h3>")
    share = meta.get("realism_share")
    if share is None:
        out.append('<p class="note">realism share: n/a (not computed for this augmenter)</p>')
    else:
        out.append(
            _kv_table({"realism share": share}, {"realism share": "share of synthetic rows the discriminator takes for real"})
        )
    out.append("</div></div></section>")
    return "".join(out)


# -- the report ---------------------------------------------------------------------------
def build_report(run_dir: str | os.PathLike, output: str | os.PathLike | None = None, metric: str | None = None) -> Path:
    """Build the static HTML report of a boosting run and return its path.

    ``metric`` defaults to the family's headline metric: ``roc_auc`` for tables, ``accuracy``
    for images, ``mae`` for series.

    Reads ``run_dir/config.json``, ``run_dir/results.csv`` and ``run_dir/showcase/*``;
    writes figures to ``run_dir/figures/`` and the page to ``output`` (default
    ``run_dir/report.html``), atomically.
    """
    from ..experiments.stats import paired_gains
    from .boost_plots import plot_gain_heatmap, plot_learning_curves

    run = Path(run_dir)
    if not run.is_dir():
        raise DataFileError(f"run directory {str(run)!r} does not exist; run `synthboost boost` first")
    config = _read_config(run / "config.json")
    results = _read_results(run / "results.csv")
    images = config.get("kind") == "images"
    series = config.get("kind") == "series"
    metric = metric or ("accuracy" if images else "mae" if series else "roc_auc")
    unit, xlabel = (("images per class", "real images per class") if images else
                    ("steps of history", "history length (steps)") if series else ("rows", "real training rows"))
    numeric = [c for c in results.select_dtypes("number").columns if c not in _NOT_METRICS]
    if metric not in numeric:
        raise ParameterError(f"metric {metric!r} is not a metric column of {str(run / 'results.csv')!r}; choose one of {numeric}")
    figures = run / "figures"
    output = Path(output) if output is not None else run / "report.html"

    gains, baseline_note = None, None
    if BASELINE in set(results["augmenter"]):
        # the task's own orientation, as the run saved it (runs written before it was saved: the global list)
        lower = config.get("lower_is_better")
        lower = (metric in lower) if isinstance(lower, list) else None
        gains = paired_gains(results, metric=metric, baseline=BASELINE, lower_is_better=lower)
    else:
        baseline_note = (
            f"The results hold no baseline rows (augmenter {BASELINE!r}), so no paired statistics can be computed; "
            f"add {BASELINE!r} to the augmenters of `synthboost boost`."
        )

    title = f"synthboost report: {config.get('dataset', run.name)}"
    body = [f"<h1>{_e(title)}</h1>"]
    question = ("Does adding generated images make a CNN better than the real images alone, and than classic augmentation?"
                if images else
                "Do generated windows make a one-step-ahead forecaster better than the real history alone, and than "
                "classic window augmentation? Errors are in z-scored steps of the series (lower is better; gains are "
                "oriented so that positive means lower error)," if series else
                f"Does adding synthetic rows make a classifier better? Target <code>{_e(config.get('target', '?'))}</code>,")
    body.append(
        f'<p class="note">{question} '
        f"metric <code>{_e(metric)}</code>, run directory <code>{_e(run.resolve().name)}</code>.</p>"
    )
    showcases = sorted(p for p in (run / "showcase").glob("*") if p.is_dir()) if (run / "showcase").is_dir() else []
    nav = [("config", "Configuration"), ("summary", "Summary"), ("curves", "Learning curves"), ("gains", "Gain over baseline"), ("stats", "Statistics")]
    if images:
        nav.append(("cnn-curves", "CNN training curves"))
    nav += [(f"showcase-{_slug(p.name)}", f"Showcase: {p.name}") for p in showcases]
    body.append("<nav>" + "".join(f'<a href="#{_e(a)}">{_e(t)}</a>' for a, t in nav) + "</nav>")
    body.append(_config_section(config, results, metric, _machines(run)))
    body.append(_errors_note(results))
    body.append(_summary_section(gains, metric, baseline_note, unit))
    body.append(_rows_added_note(results, "images" if images else "pairs" if series else "rows"))

    p = plot_learning_curves(results, figures / "learning_curves.png", metric=metric, xlabel=xlabel)
    body.append('<section id="curves"><h2>Learning curves</h2>')
    body.append(_img(p, "learning curves", f"Mean {metric} over seeds with a 95% t-interval; dashed black = no augmentation."))
    body.append("</section>")

    body.append('<section id="gains"><h2>Gain over baseline</h2>')
    if gains is None:
        body.append(f'<p class="warn">{_e(baseline_note)}</p>')
    else:
        p = plot_gain_heatmap(gains, figures / "gain_heatmap.png", xlabel=xlabel)
        body.append(_img(p, "gain heatmap", "Blue = augmentation helped, red = it hurt; bold with * = significant after Holm."))
    body.append("</section>")

    body.append('<section id="stats"><h2>Statistics</h2>')
    if gains is None:
        body.append(f'<p class="warn">{_e(baseline_note)}</p>')
    elif gains.empty:
        body.append('<p class="note">No augmenter rows could be paired with baseline rows.</p>')
    else:
        body.append(
            '<p class="note">Paired by seed. Green rows: significant gain; red rows: significant loss '
            "(Holm-adjusted p &lt; 0.05).</p>"
        )
        body.append(_stats_table(gains))
    body.append("</section>")

    if images:
        from .images import cnn_curves_section, image_showcase_section

        body.append(cnn_curves_section(run, figures))
        body.extend(image_showcase_section(d, figures) for d in showcases)
    elif series:
        from .series import series_showcase_section

        body.extend(series_showcase_section(d, figures) for d in showcases)
    else:
        body.extend(_showcase_section(d, figures, config) for d in showcases)

    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style><script>{_SCRIPT}</script></head>\n"
        f"<body>\n{''.join(body)}\n</body></html>\n"
    )
    return write_text(output, page)


__all__ = ["build_report"]
