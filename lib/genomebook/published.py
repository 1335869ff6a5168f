"""Published numbers as data: every number from a paper that the book shows, read from
``data/published/*.yaml`` (one file per paper or benchmark).

Each entry has an ``id`` (how chapters and claims name it), the ``paper``, ``where`` in the
paper it is (table, figure, section), the ``quantity`` in words, its ``value`` (and optional
``unit``), a ``note`` when the pairing or label is our reading rather than the paper's
words, and optionally ``low`` and ``high``: the spread the paper reports around the value
(its interval or range, or value ± its standard deviation written out; both or neither). Chapters never type a published number: they ask for it by id, so a test can check
that every entry is used and every published number shown comes from the file.

Used by every chapter (through :func:`value`, :func:`row` and ``report.Claim(published=...)``).

Examples
--------
>>> entry = next(iter(load().values()))
>>> get(entry.id) == entry
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "published"
FIELDS = ("id", "paper", "where", "quantity", "value")


@dataclass(frozen=True)
class Published:
    """One published number: ``value`` as the paper reports it (``unit`` says the scale)."""

    id: str
    paper: str
    where: str
    quantity: str
    value: float
    unit: str = ""
    note: str = ""
    low: float | None = None
    high: float | None = None

    @property
    def has_spread(self) -> bool:
        """Whether the paper reports a spread (``low``..``high``) for this number."""
        return self.low is not None and self.high is not None

    @property
    def reference(self) -> str:
        """``'<paper>, <where>'``, plus ``' (our reading: …)'`` when the label is ours."""
        ref = f"{self.paper}, {self.where}"
        return f"{ref} (our reading: {self.note})" if self.note else ref


@lru_cache(maxsize=4)
def load(folder: str | Path | None = None) -> dict[str, Published]:
    """All entries of the published-numbers files (``<folder>/*.yaml``), by id (parsed once).

    Each file holds ``numbers:``, a list of entries; ids are unique across all files.
    """
    folder = Path(folder) if folder is not None else DEFAULT_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise FileNotFoundError(f"{folder}: no published-numbers files (*.yaml); run from a "
                                "genomebook checkout (data/published/).")
    entries: dict[str, Published] = {}
    for path in files:
        raw = yaml.safe_load(path.read_text()) or {}
        for i, item in enumerate(raw.get("numbers") or []):
            missing = [f for f in FIELDS if f not in item]
            if missing:
                raise ValueError(f"{path}: entry {i} ({item.get('id', '?')}) lacks {', '.join(missing)}.")
            if item["id"] in entries:
                raise ValueError(f"{path}: id {item['id']!r} occurs more than once in data/published/.")
            try:
                value = float(item["value"])
            except (TypeError, ValueError):
                raise ValueError(f"{path}: {item['id']}: value {item['value']!r} is not a number.") from None
            if ("low" in item) != ("high" in item):
                raise ValueError(f"{path}: {item['id']}: give both low and high (the paper's spread), or neither.")
            try:
                low, high = ((float(item["low"]), float(item["high"])) if "low" in item else (None, None))
            except (TypeError, ValueError):
                raise ValueError(f"{path}: {item['id']}: low/high {item['low']!r}, {item['high']!r} "
                                 "are not numbers.") from None
            entries[item["id"]] = Published(str(item["id"]), str(item["paper"]), str(item["where"]),
                                            str(item["quantity"]), value, str(item.get("unit", "") or ""),
                                            str(item.get("note", "") or ""), low, high)
    return entries


def get(id: str) -> Published:
    """The entry ``id``; an unknown id stops with the ids that share its prefix."""
    entries = load()
    if id not in entries:
        prefix = id.split(".")[0]
        near = sorted(k for k in entries if k.startswith(prefix))
        raise KeyError(f"{id!r} is not in data/published/*.yaml; ids starting with {prefix!r}: "
                       f"{', '.join(near) or 'none'}.")
    return entries[id]


def value(id: str) -> float:
    """The published value of entry ``id``."""
    return get(id).value


def row(id: str, reproduced: Any = None, ci_low: Any = None, ci_high: Any = None,
        quantity: str | None = None, **extra: Any) -> dict[str, Any]:
    """One row of a published-vs-reproduced table: the paper's number (by id) beside ours.

    ``quantity`` defaults to the entry's own wording; ``extra`` columns (e.g. ``note``) pass
    through. ``reproduced`` None means not reproduced on this run.
    """
    e = get(id)
    return {"quantity": quantity or e.quantity, "published": e.value, "reference": e.reference,
            "reproduced": reproduced, "ci_low": ci_low, "ci_high": ci_high, "published_id": e.id,
            **extra}
