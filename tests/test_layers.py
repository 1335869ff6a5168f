"""The package's layers: a module imports only from its own layer or below (DESIGN's layer table)."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lib" / "genomebook"

# Bottom to top. `metrics` sits with the data layer because the Lightning wrappers log with it
# (it is pure NumPy/SciPy and imports nothing of genomebook); `profiles` (sizes read from
# profiles.yaml) sits there too because workflows and the chapter skeleton both read it.
LAYERS = {
    "data": ["profiles", "seq", "metrics", "motifs", "tokenize", "dna_words", "datasets"],
    "worlds": ["simulate"],
    "models": ["models", "train"],
    "methods": ["predict", "interpret", "attention", "discovery", "variants", "adversarial"],
    "workflows": ["workflows"],
    "book": ["report", "published", "chapter", "site", "book"],
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
    assert not bad, "\n".join(bad)


def test_no_private_names_cross_modules():
    bad = []
    for path, _ in _modules():
        for _, module, names in _imports(path):
            if module.startswith("genomebook"):
                bad += [f"{path.relative_to(PKG)}: {module}.{n}" for n in names if n.startswith("_")]
    assert not bad, "\n".join(bad)


# Libraries slow to import (or optional) may be imported inside a function; each such import
# says why in a comment on its line or just above its group of imports.
SLOW_OPTIONAL = {"transformers", "tokenizers", "papermill", "jupytext", "nbformat", "logomaker", "matplotlib",
                 "seaborn", "IPython", "memelite", "pyjaspar", "pooch", "selenium"}


def _body_imports():
    for path, _ in _modules():
        src = path.read_text().splitlines()
        for fn in ast.walk(ast.parse("\n".join(src))):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        yield path, src, fn, node


def test_function_body_imports_are_only_slow_optional_libraries_and_say_why():
    bad = []
    for path, src, fn, node in _body_imports():
        mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        where = f"{path.relative_to(PKG)}:{node.lineno} in {fn.name}()"
        bad += [f"{where} imports {m}" for m in mods if m.split(".")[0] not in SLOW_OPTIONAL]
        k, said = node.lineno - 1, False
        while k >= 0 and not said and src[k].strip().startswith(("import ", "from ", "#")):
            said, k = "#" in src[k], k - 1
        if not said:
            bad.append(f"{where}: say why {mods[0]} is imported here (a comment)")
    assert not bad, "\n".join(bad)
