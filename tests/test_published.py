"""Published numbers as data: the loader, and that chapters take every published number from it."""

import re

import pytest
import yaml

from conftest import ROOT
from genomebook import published


def _write(folder, numbers):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "p.yaml").write_text(yaml.safe_dump({"numbers": numbers}))
    published.load.cache_clear()


def test_loader_reads_entries_and_refuses_bad_ones(tmp_path):
    good = {"id": "x.fig1.a", "paper": "X", "where": "Fig 1", "quantity": "auPR of a", "value": 0.418}
    _write(tmp_path / "ok", [good, {**good, "id": "x.fig1.b", "value": "3.37e-5", "note": "pairing is ours"}])
    entries = published.load(tmp_path / "ok")
    assert entries["x.fig1.a"].value == 0.418 and entries["x.fig1.b"].value == pytest.approx(3.37e-5)
    assert entries["x.fig1.b"].reference == "X, Fig 1 (our reading: pairing is ours)"
    _write(tmp_path / "dup", [good, good])
    with pytest.raises(ValueError, match="more than once"):
        published.load(tmp_path / "dup")
    _write(tmp_path / "nan", [{**good, "value": "about 0.4"}])
    with pytest.raises(ValueError, match="not a number"):
        published.load(tmp_path / "nan")
    _write(tmp_path / "short", [{"id": "y", "value": 1}])
    with pytest.raises(ValueError, match="lacks paper"):
        published.load(tmp_path / "short")


def _sources() -> str:
    files = [*(ROOT / "notebooks").rglob("*.py"), *(ROOT / "lib" / "genomebook").rglob("*.py")]
    return "\n".join(p.read_text() for p in files)


def test_every_published_entry_is_used_and_every_id_used_exists():
    published.load.cache_clear()
    entries = published.load()
    text = _sources()

    def used(i: str) -> bool:
        # the whole id as a string literal, or its stem in an f-string that fills in the last part
        stem = i.rsplit(".", 1)[0]
        return any(q in text for q in (f'"{i}"', f"'{i}'", f'f"{stem}.{{', f"f'{stem}.{{"))

    unused = [i for i in entries if not used(i)]
    assert not unused, f"entries of data/published/ no chapter uses: {unused}"


def test_chapters_type_no_published_numbers():
    """A published-vs-reproduced row or claim never carries a typed number: it names an id."""
    for path in (ROOT / "notebooks").rglob("*.py"):
        text = path.read_text()
        typed = re.findall(r"""["']published["']\s*:\s*-?[0-9.]+""", text)
        typed += re.findall(r"""published\s*=\s*-?[0-9][0-9.e-]*[,)]""", text)
        assert not typed, f"{path.name} types published numbers: {typed[:3]}"
