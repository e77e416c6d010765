"""The shared GAN training engine."""

from .engine import HISTORY_COLUMNS, BatchSource, Trainer, TrainingConfig

__all__ = ["Trainer", "TrainingConfig", "BatchSource", "HISTORY_COLUMNS"]
