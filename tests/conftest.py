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


def chromium() -> str:
    """Debian's chromium (make test installs it); on CI its absence fails, elsewhere it skips."""
    import shutil

    exe = shutil.which("chromium") or shutil.which("chromium-browser") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing on CI; the report must be checked in a real browser")
        pytest.skip("chromium not installed (make test installs it)")
    return exe


def chromium_args(profile: Path) -> list[str]:
    """Headless chromium on this closed network: no background connections, a fresh profile."""
    return [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            f"--user-data-dir={profile}", "--virtual-time-budget=5000"]


def rendered_dom(page: Path, profile: Path) -> str:
    """The DOM of ``page`` after Chromium loaded it; fails unless every embedded image decoded."""
    import subprocess

    dom = subprocess.run(chromium_args(profile) + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-broken-images="0"' in dom.stdout, dom.stdout[:500]
    return dom.stdout
