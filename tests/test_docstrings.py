"""The examples in the package's docstrings run and give what they show (numpy-style ``Examples``)."""

import doctest
import importlib
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lib" / "genomebook"
MODULES = sorted(
    "genomebook." + ".".join(p.relative_to(PKG).with_suffix("").parts).removesuffix(".__init__")
    for p in PKG.rglob("*.py") if p.name != "__main__.py" and ">>>" in p.read_text()
)


def test_some_modules_have_examples():
    assert len(MODULES) >= 3, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_every_public_function_and_class_says_what_it_does():
    """Module-level public functions and classes have a docstring (framework hooks are exempt)."""
    import ast

    missing = []
    for path in sorted(PKG.rglob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_") \
                    and not ast.get_docstring(node):
                missing.append(f"{path.relative_to(PKG)}:{node.lineno} {node.name}")
    assert not missing, "\n".join(missing)
