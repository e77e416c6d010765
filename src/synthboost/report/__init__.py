"""Plots (matplotlib, pure functions writing PNGs)."""

from .plots import plot_history

__all__ = ["plot_history"]
