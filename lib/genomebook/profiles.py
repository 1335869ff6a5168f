"""Sizes of every chapter at each profile (smoke / book / paper), read from ``profiles.yaml``.

A chapter asks for its sizes once, through :func:`genomebook.chapter.open_run`; workflows that
need the sizes of a shared block (e.g. DNABERT pre-training) call :func:`profile` directly.

Examples
--------
>>> profile("motifs", "smoke", epochs=3)["epochs"]
3
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["BUDGET_SECONDS", "BOOK_BUDGET_SECONDS", "PROFILES", "profile", "profile_table"]

PROFILES = ("smoke", "book", "paper")

#: Wall-clock budget of one chapter run on 2 CPU cores, per profile (the header of
#: ``profiles.yaml``; ``paper`` runs on a GPU for hours and has none). The runs page shows each
#: chapter's time beside it.
BUDGET_SECONDS = {"smoke": 60, "book": 300}
#: Budget of the whole ``make book`` (every chapter at ``book``) on 2 CPU cores.
BOOK_BUDGET_SECONDS = {"book": 2400}


@lru_cache(maxsize=1)
def profile_table() -> dict[str, dict[str, dict[str, Any]]]:
    """Every block of ``profiles.yaml``: chapter -> profile (and optional ``extends``) -> sizes."""
    text = resources.files("genomebook").joinpath("profiles.yaml").read_text()
    return yaml.safe_load(text)


def profile(chapter: str, name: str = "book", **overrides: Any) -> dict[str, Any]:
    """Sizes of ``chapter`` at profile ``name`` (smoke/book/paper); non-None overrides win.

    A chapter's block may name the block it ``extends`` (e.g. the DNABERT task chapters extend
    ``dnabert_pretraining``): the parent's sizes come first and the chapter's own win.
    """
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}; got {name!r}.")
    table = profile_table()
    if chapter not in table:
        raise KeyError(
            f"No sizes for chapter {chapter!r} in genomebook/profiles.yaml; "
            f"known chapters: {', '.join(sorted(table))}."
        )
    block = table[chapter]
    sizes = dict(profile(block["extends"], name)) if "extends" in block else {}
    sizes.update(block[name])
    unknown = set(overrides) - set(sizes)
    if unknown:
        raise KeyError(
            f"{', '.join(sorted(unknown))} not a size of chapter {chapter!r}; "
            f"sizes are {', '.join(sorted(sizes))}."
        )
    sizes.update({k: v for k, v in overrides.items() if v is not None})
    return sizes
