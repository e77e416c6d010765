"""Downstream estimators the boosting experiments train: tabular classifiers (and, per family, CNNs)."""

from .tabular import MODELS, SearchedMLP, TorchMLPClassifier, make_model, preprocessor

__all__ = ["MODELS", "SearchedMLP", "TorchMLPClassifier", "make_model", "preprocessor"]
