"""What a simulated world makes true by construction.

Every world declares, next to its code, the properties it builds in and which results they
make true or favour. The chapter shows them in a "Built into this world" box beside the
claims, and marks the claims that test the world rather than the method
(``report.Claim(built_in=...)``).

Examples
--------
>>> b = BuiltIn("TATA box planted at -31..-24 in every TATA promoter",
...             "an attention or saliency peak at -30..-20 is an input, not a discovery",
...             claims=("attention",))
>>> built_in_table([b])["claims it affects"].tolist()
['attention']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import pandas as pd


@dataclass(frozen=True)
class BuiltIn:
    """One property of a simulated world.

    ``what``: the property in words (with numbers); ``consequence``: what result it makes
    true or favours; ``claims``: short keys of the chapter claims it bears on (the chapter
    uses the same keys when it marks those claims).
    """

    what: str
    consequence: str
    claims: tuple[str, ...] = ()


def built_in_table(items: Iterable[BuiltIn]) -> pd.DataFrame:
    """The "built into this world" table: one row per property (what, consequence, claims)."""
    return pd.DataFrame([{"built into this world": b.what, "what it makes true or favours": b.consequence,
                          "claims it affects": ", ".join(b.claims)} for b in items],
                        columns=["built into this world", "what it makes true or favours", "claims it affects"])


def affecting(items: Iterable[BuiltIn], key: str) -> str:
    """The properties of ``items`` that bear on claim ``key``, joined into one sentence ('' if none)."""
    return "; ".join(b.what for b in items if key in b.claims)
