"""Boosting experiments: the grid runner, paired statistics, hyper-parameter search."""

from .boost import BoostConfig, read_results, run_boost, split
from .stats import holm, paired_gains, summary_table

__all__ = ["BoostConfig", "holm", "paired_gains", "read_results", "run_boost", "split", "summary_table"]
