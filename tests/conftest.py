import os
from pathlib import Path

import pandas as pd
import pytest
import torch

torch.set_num_threads(2)

DATA = Path(os.environ.get("SYNTHBOOST_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
os.environ.setdefault("SYNTHBOOST_DATA", str(DATA))

# a tiny, fast configuration: the tests check behaviour, not sample quality
FAST = dict(epochs=2, batch_size=64, verbose=False, random_state=0)


def need_data(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing on CI; ../shared/data must sit beside the checkout")
        pytest.skip(f"{path} not available")
    return path


@pytest.fixture(scope="session")
def german() -> pd.DataFrame:
    return pd.read_csv(need_data("german_credit.csv"))


@pytest.fixture(scope="session")
def titanic() -> pd.DataFrame:
    from synthboost import datasets

    need_data("titanic.csv")
    return datasets.load("titanic")[0]


@pytest.fixture
def fast() -> dict:
    return dict(FAST)
