"""How long must the grid's CNN train? Accuracy on MNIST's fixed test set (100 per class) of the
small CNN at 10 and 25 training images per class (the grid's cells of seeds 0 and 1), with and
without the study's classic transforms, for three (most epochs, patience) budgets.

    .venv/bin/python -W ignore bench/bench_cnn_budget.py
"""

import numpy as np

from synthboost import datasets
from synthboost.experiments.images import ImageBoostConfig, ImageTask
from synthboost.models.vision import CNNClassifier

train_all, test_all = datasets.load("mnist"), datasets.load("mnist", split="test")
task = ImageTask(train_all, test_all, ImageBoostConfig("mnist", [10], [0], [], []))
print("| per class | seed | augmentation | epochs, patience | accuracy | best epoch | epochs run |")
print("|---:|---:|---|---|---:|---:|---:|")
for size in (10, 25):
    for seed in (0, 1):
        train, test = task.cell_data(seed, size)
        for aug in (None, "classic"):
            for epochs, patience in ((60, 10), (300, 20), (300, 40)):
                c = CNNClassifier(augment=aug, epochs=epochs, patience=patience, random_state=seed)
                c.fit(train.images, train.labels, classes=np.arange(10))
                acc = (c.predict(test.images) == test.labels).mean()
                print(f"| {size} | {seed} | {aug or 'none'} | {epochs}, {patience} | {acc:.3f} | {c.best_epoch_} | "
                      f"{len(c.history_)} |", flush=True)
