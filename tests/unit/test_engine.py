import math

import pandas as pd
import pytest
import torch

from synthboost import TabularGAN
from synthboost.errors import ModelFileError, ParameterError, TrainingDivergedError
from synthboost.nn.objectives import BCEObjective
from synthboost.training.engine import HISTORY_COLUMNS, one_cycle


def test_history_has_one_row_per_epoch(german, fast):
    gan = TabularGAN(**{**fast, "epochs": 3}).fit(german.head(200), target="class")
    h = gan.history_
    assert list(h.columns) == HISTORY_COLUMNS
    assert h["epoch"].tolist() == [1, 2, 3]
    assert h[["g_loss", "d_loss"]].notna().all().all()
    assert h["d_real"].between(0, 1).all() and h["d_fake"].between(0, 1).all()
    assert (h["seconds"] > 0).all()


def test_callback_can_stop_training(german, fast):
    seen = []

    def stop_after_two(trainer, row):
        seen.append(row["epoch"])
        return row["epoch"] >= 2

    gan = TabularGAN(**{**fast, "epochs": 10}).fit(german.head(200), callbacks=[stop_after_two])
    assert seen == [1, 2] and len(gan.history_) == 2


class FlakyBCE(BCEObjective):
    """Returns a NaN discriminator loss on the first `bad` calls (simulated divergence)."""

    def __init__(self, bad):
        super().__init__()
        self.bad = bad

    def discriminator_loss(self, *args):
        losses = super().discriminator_loss(*args)
        if self.bad > 0:
            self.bad -= 1
            return dict(losses, d_loss=losses["d_loss"] * float("nan"))
        return losses


def test_divergence_guard_raises_or_recovers(german, fast, monkeypatch):
    import synthboost.synthesizers._gan as tab

    monkeypatch.setattr(tab, "get_objective", lambda name: FlakyBCE(bad=10**6))
    with pytest.raises(TrainingDivergedError, match="diverged"):
        TabularGAN(**{**fast, "on_divergence": "raise"}).fit(german.head(100))
    with pytest.raises(TrainingDivergedError, match="recoveries"):
        TabularGAN(**fast).fit(german.head(100))  # never recovers

    monkeypatch.setattr(tab, "get_objective", lambda name: FlakyBCE(bad=1))
    gan = TabularGAN(**{**fast, "epochs": 3}).fit(german.head(100))
    assert len(gan.history_) == 3
    assert gan.history_["lr_g"].iloc[-1] == pytest.approx(2e-4 / 2)  # rolled back, LR halved
    assert all(p.isfinite().all() for p in gan.generator_.parameters())


def test_resume_from_checkpoint_equals_uninterrupted_run(german, fast, tmp_path):
    df = german.head(200)
    full = TabularGAN(**{**fast, "epochs": 4}).fit(df, target="class")
    ck = str(tmp_path / "ck")
    # interrupted after 2 epochs (a callback stops it), then resumed to 4
    TabularGAN(**{**fast, "epochs": 4, "checkpoint_dir": ck, "checkpoint_every": 1}).fit(
        df, target="class", callbacks=[lambda t, row: row["epoch"] == 2]
    )
    resumed = TabularGAN(**{**fast, "epochs": 4, "checkpoint_dir": ck, "checkpoint_every": 1}).fit(
        df, target="class", resume=True
    )
    assert resumed.history_["epoch"].tolist() == [1, 2, 3, 4]
    pd.testing.assert_frame_equal(
        full.history_.drop(columns="seconds"), resumed.history_.drop(columns="seconds"), check_exact=False, rtol=1e-5
    )
    pd.testing.assert_frame_equal(full.sample(50), resumed.sample(50))


def test_one_cycle_schedule_shape():
    lrs = [one_cycle(1.0, s, 100) for s in range(100)]
    assert lrs[0] == pytest.approx(1 / 25)
    assert max(lrs) == pytest.approx(1.0, rel=1e-3)
    assert lrs[-1] < 1e-3
    assert math.isclose(lrs[lrs.index(max(lrs))], 1.0, rel_tol=1e-3)


def test_ctrl_c_leaves_a_resumable_checkpoint(german, fast, tmp_path):
    df = german.head(200)
    full = TabularGAN(**{**fast, "epochs": 3}).fit(df)
    ck = str(tmp_path / "ck")

    def interrupt(trainer, row):
        if row["epoch"] == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        TabularGAN(**{**fast, "epochs": 3, "checkpoint_dir": ck, "checkpoint_every": 100}).fit(df, callbacks=[interrupt])
    resumed = TabularGAN(**{**fast, "epochs": 3, "checkpoint_dir": ck}).fit(df, resume=True)
    assert resumed.history_["epoch"].tolist() == [1, 2, 3]
    pd.testing.assert_frame_equal(full.sample(30), resumed.sample(30))
    # a checkpoint of another objective (other optimizers) or no checkpoint folder at all: clear errors
    with pytest.raises(ModelFileError, match="optimizers.*another objective"):
        TabularGAN(**{**fast, "epochs": 3, "checkpoint_dir": ck, "objective": "wgan"}).fit(df, resume=True)
    with pytest.raises(ParameterError, match="checkpoint_dir=, which is not set"):
        TabularGAN(**{**fast, "epochs": 3}).fit(df, resume=True)
