"""Promises of the project's own files: layout, environment.yml = pyproject, the TOC."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_top_level_layout():
    for name in ("README.md", "environment.yml", "pyproject.toml", "Makefile", "_config.yml",
                 ".ci/run", "book/_toc.yml", "lib/genomebook", "notebooks/tasks", "tests", "data"):
        assert (ROOT / name).exists(), name


def test_environment_yml_lists_the_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | {d for deps in project["optional-dependencies"].values()
                                             for d in deps}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert set(pip) - {"-e ."} == wanted
    assert "python=3.11" in env["dependencies"]


def test_every_chapter_is_in_the_toc_and_no_ipynb_is_committed():
    toc = (ROOT / "book" / "_toc.yml").read_text()
    for py in (ROOT / "notebooks").glob("*/*.py"):
        if not py.name.startswith("_"):
            assert f"notebooks/{py.parent.name}/{py.stem}" in toc, py
    assert not list((ROOT / "notebooks").rglob("*.ipynb"))


def test_chapters_have_one_parameters_cell():
    for py in (ROOT / "notebooks").glob("*/*.py"):
        text = py.read_text()
        assert len(re.findall(r'^# %% tags=\["parameters"\]', text, flags=re.M)) == 1, py
        assert re.search(r"^profile = ", text, flags=re.M), f"{py} has no profile parameter"
        assert re.search(r"^seed = ", text, flags=re.M), f"{py} has no seed parameter"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make book" in readme and "make test" in readme
