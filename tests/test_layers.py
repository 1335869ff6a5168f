"""The package's layers: a module imports only from its own layer or below (DESIGN's layer table)."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lib" / "genomebook"

# Bottom to top. `metrics` sits with the data layer because the Lightning wrappers log with it
# (it is pure NumPy/SciPy and imports nothing of genomebook).
LAYERS = {
    "data": ["seq", "metrics", "motifs", "tokenize", "datasets"],
    "worlds": ["simulate"],
    "models": ["models", "train"],
    "methods": ["predict", "interpret", "attention", "discovery", "variants", "adversarial"],
    "workflows": ["workflows", "accessibility", "finetune"],  # the two god modules, to be split (issue 12)
    "book": ["profiles", "report", "published", "chapter", "book"],
}
RANK = {mod: i for i, mods in enumerate(LAYERS.values()) for mod in mods}


def _top(module: str) -> str:
    return module.split(".")[1] if module.startswith("genomebook.") else module


def _modules():
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).with_suffix("")
        parts = rel.parts
        if parts == ("__init__",):
            continue
        yield path, parts[0]


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield node, a.name, []


def test_every_module_has_a_layer():
    missing = sorted({top for _, top in _modules()} - set(RANK))
    assert not missing, f"modules without a layer in the table: {missing}"


# Imports that still go up a layer, to be removed by issue 12 ("layers"); the list may only shrink:
# a new upward import fails the test, and so does a listed one that is gone (delete it here).
KNOWN_UPWARD = {
    "finetune.py (finetune) imports report",                    # the pre-training cache: atomic_write, results_root
    "simulate/accessibility.py (simulate) imports accessibility",  # AccessibilityData, to move to datasets/
}


def test_no_module_imports_a_layer_above_its_own():
    bad = []
    for path, top in _modules():
        for _, module, names in _imports(path):
            if not module.startswith("genomebook"):
                continue
            targets = [_top(module)] if module != "genomebook" else names
            for target in targets:
                if target in RANK and RANK[target] > RANK[top]:
                    bad.append(f"{path.relative_to(PKG)} ({top}) imports {target}")
    assert set(bad) - KNOWN_UPWARD == set(), "\n".join(sorted(set(bad) - KNOWN_UPWARD))
    assert KNOWN_UPWARD - set(bad) == set(), f"fixed, remove from KNOWN_UPWARD: {KNOWN_UPWARD - set(bad)}"


def test_no_private_names_cross_modules():
    bad = []
    for path, _ in _modules():
        for _, module, names in _imports(path):
            if module.startswith("genomebook"):
                bad += [f"{path.relative_to(PKG)}: {module}.{n}" for n in names if n.startswith("_")]
    assert not bad, "\n".join(bad)
