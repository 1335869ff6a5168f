"""The simulated genome DNABERT's chapters pre-train on: background DNA mixed with every world's elements.

DNABERT pre-trained on the human genome, where promoters, TF binding sites and splice sites
are a small part of much unremarkable DNA. This simulated genome is not like that: by
length, :data:`GENOME_MIX` gives 40% plain background and 60% the unlabelled corpora of the
very worlds the fine-tuning tasks are drawn from (promoters with the promoter tasks' element
plan, a dense sprinkling of the five TF tasks' motifs, genes with the splice task's donor and
acceptor profiles). Masked-LM pre-training therefore sees the fine-tuning tasks' elements far
more often than it would in a real genome, never their labels. :data:`BUILT_IN` declares this
for the chapters' "built into this world" box; claims about pre-training carry the key
``"pretraining"``.
"""

from __future__ import annotations

import numpy as np

from genomebook.simulate.background import MarkovBackground
from genomebook.simulate.builtin import BuiltIn
from genomebook.simulate.mix import GENOME_MIX
from genomebook.simulate.promoters import promoter_corpus
from genomebook.simulate.splicing import gene_corpus
from genomebook.simulate.tfbs import tf_corpus

__all__ = ["BUILT_IN", "GENOME_MIX", "dnabert_genome"]

_CHUNK = 2000  # bp of each background chunk


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


#: What the pre-training genome makes true by construction (shown by every DNABERT chapter on
#: simulated data). Claim key: ``"pretraining"`` (pre-trained vs randomly initialised models,
#: and the human-to-mouse transfer).
BUILT_IN: list[BuiltIn] = [
    BuiltIn(f"{_pct(1 - GENOME_MIX['background'])} of the pre-training genome's bp are drawn from the "
            "fine-tuning worlds' own generators, only "
            f"{_pct(GENOME_MIX['background'])} is plain human-like background: "
            f"{_pct(GENOME_MIX['promoters'])} promoter-world DNA (promoters with the promoter tasks' element "
            "plan, about 50 per Mb of that share), "
            f"{_pct(GENOME_MIX['tf sites'])} background with sites of the five TF tasks' motifs "
            "(one per 500 bp on average, human PPMs), "
            f"{_pct(GENOME_MIX['genes'])} gene-like DNA whose introns carry the splice task's donor, "
            "branch point, polypyrimidine tract and acceptor profiles",
            "masked-LM pre-training sees the fine-tuning tasks' elements far more often than in a real "
            "genome (no labels, no test sequence), which favours 'pre-trained beats random init' and "
            "the human-to-mouse transfer (the mouse tasks use the same five TFs)",
            claims=("pretraining",)),
]


def dnabert_genome(n_bp: int, *, seed: int = 0) -> list[str]:
    """About ``n_bp`` of simulated DNA as a list of chunks (str), deterministic from ``seed``.

    Sources and shares: :data:`GENOME_MIX` - human-like Markov background, promoters
    (:func:`genomebook.simulate.promoters.promoter_corpus`), TF sites of the five TF tasks
    (:func:`genomebook.simulate.tfbs.tf_corpus`, human) and gene-like DNA with splice sites
    (:func:`genomebook.simulate.splicing.gene_corpus`). Chunks are shuffled together. What
    this builds in: :data:`BUILT_IN`.
    """
    if n_bp < 1000:
        raise ValueError(f"n_bp must be at least 1000; got {n_bp}.")
    rng = np.random.default_rng(seed)
    share = {k: int(v * n_bp) for k, v in GENOME_MIX.items()}
    bg = MarkovBackground.human_like()
    chunks = bg.sample(max(1, share["background"] // _CHUNK), _CHUNK, rng)
    chunks += promoter_corpus(share["promoters"], seed=seed + 1)
    chunks += tf_corpus(share["tf sites"], species="human", seed=seed + 2)
    chunks += gene_corpus(share["genes"], seed=seed + 3)
    return [chunks[i] for i in rng.permutation(len(chunks))]
