"""Plain-text summaries of a boosting run (the console's view of the report)."""

from __future__ import annotations

from typing import Callable

import pandas as pd


def print_summary(results: "pd.DataFrame", metric: str = "roc_auc", echo: Callable[[str], None] = print,
                  lower_is_better: bool | None = None) -> None:
    """One screen: mean metric per model and augmenter (rows) and training size (columns),
    with the gain over `none` (positive = better; ``lower_is_better`` as in ``paired_gains``) and
    its significance where the baseline ran."""
    from ..experiments.stats import paired_gains

    ok = results[results["error"].fillna("") == ""]
    table = ok.pivot_table(index=["model", "augmenter"], columns="size", values=metric, aggfunc="mean")
    gains = None
    if "none" in set(ok["augmenter"]) and ok["augmenter"].nunique() > 1 and ok["seed"].nunique() > 1:
        gains = paired_gains(ok, metric=metric, lower_is_better=lower_is_better).set_index(["model", "augmenter", "size"])
    sizes = list(table.columns)
    echo(f"mean {metric} on the held-out test sets ({ok['seed'].nunique()} seeds); "
         "in brackets: gain over 'none', * = significant after Holm correction")
    echo(f"{'model':8s} {'augmenter':18s} " + " ".join(f"{'n=' + str(n):>17s}" for n in sizes))
    # 'none' first within each model, then the augmenters in the order they were run
    order = list(dict.fromkeys(["none"] + list(ok["augmenter"])))
    table = table.sort_index(key=lambda idx: idx.map(order.index) if idx.name == "augmenter" else idx)
    for (model, aug), row in table.iterrows():
        cells = []
        for n in sizes:
            text = f"{row[n]:.3f}"
            if gains is not None and (model, aug, n) in gains.index:
                g = gains.loc[(model, aug, n)]
                text += f" ({g['mean_gain']:+.3f}{'*' if g['significant'] else ' '})"
            cells.append(f"{text:>17s}")
        echo(f"{model:8s} {aug:18s} " + " ".join(cells))
    failed = results[results["error"].fillna("") != ""]
    if len(failed):
        echo(f"{len(failed)} result rows failed; see the 'error' column of results.csv")
