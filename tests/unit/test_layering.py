"""Imports only point down the data flow (../shared/ARCHITECTURE.md), checked on the source:
every import statement of a module, including those inside functions.

Two uses across the list are allowed on purpose: ``metrics`` are pure functions any layer may
call (ImageGAN's KID-based epoch selection), and ``augment`` uses ``models`` for the tabular
label filter and the inner cross-validation of ratio='auto'."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "synthboost"

#: package (or module) -> what it must never import, as ``synthboost.<name>`` prefixes
FORBIDDEN = {
    "layout": ["data", "nn", "training", "synthesizers", "augment", "baselines", "models", "metrics", "experiments",
               "report", "cli", "demo"],
    "nn": ["data", "datasets", "training", "synthesizers", "augment", "baselines", "models", "metrics", "experiments",
           "report", "cli", "demo"],
    "data": ["nn", "training", "synthesizers", "augment", "baselines", "models", "metrics", "experiments", "report",
             "cli", "demo"],
    "training": ["data", "datasets", "synthesizers", "augment", "baselines", "models", "metrics", "experiments",
                 "report", "cli", "demo"],
    "synthesizers": ["augment", "baselines", "models", "experiments", "report", "cli", "demo"],
    "augment": ["experiments", "report", "cli", "demo"],
    "baselines": ["experiments", "report", "cli", "demo"],
    "models": ["experiments", "report", "cli", "demo", "augment", "baselines"],
    "metrics": ["experiments", "report", "cli", "demo", "augment", "baselines"],
    "experiments": ["report", "cli", "demo"],
    "report": ["cli", "demo"],
    "demo": ["cli"],
}


def imported(path: Path) -> set[str]:
    """Absolute names (synthboost.x.y) of everything a module imports."""
    rel = path.relative_to(SRC.parent).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return {m for m in out if m.startswith("synthboost")}


def modules():
    for path in sorted(SRC.rglob("*.py")):
        top = path.relative_to(SRC).parts[0].removesuffix(".py")
        if top in FORBIDDEN:
            yield pytest.param(path, top, id=str(path.relative_to(SRC)))


@pytest.mark.parametrize("path, top", list(modules()))
def test_imports_point_down_the_data_flow(path, top):
    bad = sorted(m for m in imported(path) for f in FORBIDDEN[top]
                 if m == f"synthboost.{f}" or m.startswith(f"synthboost.{f}."))
    assert not bad, f"{path.relative_to(SRC)} imports {bad}"
