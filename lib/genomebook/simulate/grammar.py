"""A labelled world whose labels follow a motif grammar: one motif alone, or a pair together.

The teaching world of the motifs chapter. With motifs ``[A, B, C]`` a sequence is positive
when it carries A, or carries both B and C; carrying only B or only C ("decoys") is not
enough. Every site is sampled from its JASPAR PPM and written on a random strand at a
random position, and the planted sites are kept as ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from genomebook.simulate.background import MarkovBackground
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.plant import plant, random_positions

# Sequence groups of the world, their share, their label and the motifs they carry
# (indices into [A, B, C]).
GROUPS: dict[str, tuple[float, int, tuple[int, ...]]] = {
    "A": (0.25, 1, (0,)),
    "B+C": (0.25, 1, (1, 2)),
    "B only": (0.125, 0, (1,)),
    "C only": (0.125, 0, (2,)),
    "none": (0.25, 0, ()),
}


LABEL_NOISE = 0.02  # default share of labels flipped


@dataclass
class GrammarWorld:
    """Sequences, labels and ground truth of a motif-grammar world."""

    sequences: list[str]
    labels: np.ndarray  # (N,) int 0/1, after label noise
    group: np.ndarray  # (N,) str, one of GROUPS
    sites: pd.DataFrame  # planted sites: seq_index, motif_id, start, end, strand, site
    motif_ids: list[str]
    label_noise: float

    @property
    def rule(self) -> str:
        a, b, c = self.motif_ids
        return f"positive ⇔ {a} present, or {b} and {c} both present"

    @property
    def built_in(self) -> list[BuiltIn]:
        """What this world makes true by construction (shown beside the motifs chapter's claims)."""
        a, b, c = self.motif_ids
        shares = ", ".join(f"{g} {v[0]:.1%}" for g, v in GROUPS.items())
        return [
            BuiltIn(f"The label is a function of three JASPAR motifs only: positive when {a} is "
                    f"present, or {b} and {c} both are ({self.label_noise:.0%} of labels flipped)",
                    "a model that finds these three motifs and the and-rule can reach the best "
                    "possible score; nothing else in the sequence carries the label",
                    claims=("scanner", "pair rule")),
            BuiltIn(f"Each motif is planted as one site sampled from its JASPAR PPM, random strand "
                    f"and position, into a first-order Markov background (groups: {shares})",
                    "the planted motifs are the only over-represented words, so first-layer filters "
                    "that match JASPAR are expected to match these three",
                    claims=("recovery",)),
            BuiltIn(f"Decoys ({b} only, {c} only) are negative by rule, at a quarter of the sequences",
                    "the pair rule is present and measurable; a linear motif scanner cannot express it",
                    claims=("pair rule",)),
        ]


def motif_grammar_world(
    ppms: list[np.ndarray],
    motif_ids: list[str],
    n: int,
    length: int,
    seed: int,
    *,
    label_noise: float = LABEL_NOISE,
    background: MarkovBackground | None = None,
) -> GrammarWorld:
    """Simulate ``n`` sequences of ``length`` bp labelled by the grammar A or (B and C).

    ``ppms`` are three (4, w) PPMs in the order A, B, C. A fraction ``label_noise`` of
    labels is flipped, so no model can be perfect. Deterministic for a seed.
    """
    if len(ppms) != 3 or len(motif_ids) != 3:
        raise ValueError(f"The grammar needs exactly three motifs (A, B, C); got {len(ppms)}.")
    rng = np.random.default_rng(seed)
    background = background or MarkovBackground.human_like()
    names = list(GROUPS)
    shares = np.array([GROUPS[g][0] for g in names])
    group_idx = rng.choice(len(names), size=n, p=shares / shares.sum())
    group = np.array(names, dtype=object)[group_idx]
    carried = [GROUPS[g][2] for g in group]
    counts = np.array([len(c) for c in carried])
    which = np.array([m for c in carried for m in c], dtype=np.int64)
    widths = np.array([ppms[m].shape[1] for m in which], dtype=np.int64)
    starts = random_positions(counts, length, widths, rng)
    seq_index = np.repeat(np.arange(n), counts)
    strands = rng.choice([1, -1], size=len(which))
    seqs = background.sample(n, length, rng)
    seqs, sites = plant(seqs, {motif_ids[i]: ppms[i] for i in range(3)},
                        motif_ids=[motif_ids[m] for m in which], positions=starts,
                        strands=strands, rng=rng, seq_index=seq_index)
    labels = np.array([GROUPS[g][1] for g in group], dtype=np.int64)
    flip = rng.random(n) < label_noise
    labels[flip] = 1 - labels[flip]
    return GrammarWorld(seqs, labels, group.astype(str), sites, list(motif_ids), label_noise)
