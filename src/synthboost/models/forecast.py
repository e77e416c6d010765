"""Forecasting baselines for series (T, F): what a generator's continuation must beat.

- :func:`naive`: every future step repeats the last observed one.
- :func:`seasonal_naive`: step t repeats the value one season (e.g. 52 weeks) before it.
- :class:`RidgeLags`: a linear AR(p) on the last ``lags`` steps, pooled over the series (one set
  of coefficients for every column, as on the chickenpox benchmark's 4-lag form), fitted by
  ridge regression and rolled forward step by step.
- :class:`GRUForecaster`: a small GRU reading the last ``lags`` steps of one series and
  predicting the next (pooled over series, like RidgeLags), early-stopped on validation pairs.

Both also fit on ready-made pairs (``fit_pairs(X (n, lags), y (n,))``, ``predict_next(X)``): the
forecasting boost experiment cuts real and augmented windows into such pairs.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError, SchemaError


def _history(x: np.ndarray, need: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) < need:
        raise SchemaError(f"a history of shape {x.shape}: need (steps >= {need}, F)")
    return x


def naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """(horizon, F): the last observed step, repeated."""
    x = _history(history, 1)
    return np.repeat(x[-1:], horizon, axis=0)


def seasonal_naive(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """(horizon, F): step h is the value ``season`` steps before it (cycling through the last season)."""
    x = _history(history, season)
    return np.stack([x[len(x) - season + (h % season)] for h in range(horizon)])


class RidgeLags:
    def __init__(self, lags: int = 4, alpha: float = 1.0):
        if isinstance(lags, bool) or not isinstance(lags, (int, np.integer)) or lags < 1:
            raise ParameterError(f"lags={lags!r} must be a positive integer")
        self.lags, self.alpha = int(lags), float(alpha)

    def fit(self, series: np.ndarray) -> "RidgeLags":
        """``series`` (T, F): rows (x[t-p..t-1, f], 1) -> x[t, f] pooled over every t and f."""
        return self.fit_pairs(*lag_pairs(_history(series, self.lags + 2), self.lags))

    def fit_pairs(self, X: np.ndarray, y: np.ndarray, X_val=None, y_val=None) -> "RidgeLags":
        """X (n, lags) oldest lag first, y (n,) the next value; a validation set is not needed."""
        from sklearn.linear_model import Ridge

        self.model_ = Ridge(alpha=self.alpha).fit(X, y)
        return self

    def predict_next(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(X)

    def predict(self, history: np.ndarray, horizon: int) -> np.ndarray:
        """(horizon, F): rolled forward from the last ``lags`` steps of ``history``."""
        x = list(_history(history, self.lags)[-self.lags:])
        out = []
        for _ in range(horizon):
            window = np.stack(x[-self.lags:]).T  # (F, p)
            nxt = self.model_.predict(window)
            out.append(nxt)
            x.append(nxt)
        return np.stack(out)


def lag_pairs(series: np.ndarray, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """``series`` (T, F) or windows (N, T, F) -> (X (n, lags), y (n,)): every run of lags + 1
    consecutive steps of every column (within a window), oldest lag first."""
    x = np.asarray(series, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    if x.shape[1] <= lags:
        return np.zeros((0, lags)), np.zeros(0)
    lagged = np.lib.stride_tricks.sliding_window_view(x, lags + 1, axis=1)  # (N, T - lags, F, lags + 1)
    return lagged[..., :lags].reshape(-1, lags), lagged[..., lags].reshape(-1)


def _lag_gru(hidden: int):
    from torch import nn

    class LagGRU(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(1, hidden, batch_first=True)
            self.head = nn.Linear(hidden, 1)

        def forward(self, x):  # (B, lags) -> GRU over (B, lags, 1) -> last state (B, hidden) -> (B,)
            h, _ = self.gru(x.unsqueeze(-1))
            return self.head(h[:, -1]).squeeze(-1)

    return LagGRU()


class GRUForecaster:
    """One-step-ahead GRU on (n, lags) inputs: GRU(1 -> hidden) over the lags, a linear head on the
    last state; MSE, Adam, mini-batches of ``batch``; the epoch with the lowest validation MSE is
    kept (``patience`` epochs without improvement stop it). Weights and batches draw from
    ``random_state`` only."""

    def __init__(self, hidden: int = 16, epochs: int = 200, patience: int = 20, batch: int = 256, lr: float = 3e-3,
                 random_state: int = 0):
        self.hidden, self.epochs, self.patience, self.batch, self.lr = hidden, epochs, patience, batch, lr
        self.random_state = random_state

    def fit_pairs(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None,
                  y_val: np.ndarray | None = None) -> "GRUForecaster":
        import torch

        from ..nn.init import build, init_weights

        g = torch.Generator().manual_seed(int(self.random_state))
        net = build(lambda: _lag_gru(self.hidden))
        init_weights(net, g)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
        has_val = X_val is not None and len(X_val)
        Xv = torch.as_tensor(X_val if has_val else X, dtype=torch.float32)
        yv = torch.as_tensor(y_val if has_val else y, dtype=torch.float32)
        best, best_state, since = np.inf, None, 0
        self.history_ = []
        for epoch in range(self.epochs):
            net.train()
            for idx in torch.randperm(len(Xt), generator=g).split(self.batch):
                opt.zero_grad()
                loss = ((net(Xt[idx]) - yt[idx]) ** 2).mean()  # one-step MSE
                loss.backward()
                opt.step()
            net.eval()
            with torch.no_grad():
                val = float(((net(Xv) - yv) ** 2).mean())
            self.history_.append({"epoch": epoch + 1, "val_mse": val})
            if val < best - 1e-9:
                best, since = val, 0
                best_state = {k: v.clone() for k, v in net.state_dict().items()}
            else:
                since += 1
                if since >= self.patience:
                    break
        net.load_state_dict(best_state)
        self.net_, self.best_epoch_ = net.eval(), int(np.argmin([h["val_mse"] for h in self.history_]) + 1)
        return self

    def predict_next(self, X: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.net_(torch.as_tensor(X, dtype=torch.float32)).numpy().astype(np.float64)


__all__ = ["naive", "seasonal_naive", "RidgeLags", "GRUForecaster", "lag_pairs"]
