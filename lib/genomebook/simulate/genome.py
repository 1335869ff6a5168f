"""The simulated genome DNABERT's chapters pre-train on: background DNA carrying every world's elements.

DNABERT pre-trained on the human genome, where promoters, TF binding sites and splice sites
sit among much unremarkable DNA. This genome mixes, by length, plain background with the
unlabelled corpora of the promoter, TF-binding and splicing worlds, so masked-LM pre-training
can learn the same elements the fine-tuning tasks later ask about - as in a real genome, and
without ever seeing a label.
"""

from __future__ import annotations

import numpy as np

from genomebook.simulate.background import MarkovBackground

__all__ = ["GENOME_MIX", "dnabert_genome"]

# Share of the genome's bp from each source (chosen). Background dominates, as in a genome.
GENOME_MIX: dict[str, float] = {"background": 0.4, "promoters": 0.2, "tf sites": 0.2, "genes": 0.2}
_CHUNK = 2000  # bp of each background chunk


def dnabert_genome(n_bp: int, *, seed: int = 0) -> list[str]:
    """About ``n_bp`` of simulated DNA as a list of chunks (str), deterministic from ``seed``.

    Sources and shares: :data:`GENOME_MIX` - human-like Markov background, promoters
    (:func:`genomebook.simulate.promoters.promoter_corpus`), TF sites of the five TF tasks
    (:func:`genomebook.simulate.tfbs.tf_corpus`, human) and gene-like DNA with splice sites
    (:func:`genomebook.simulate.splicing.gene_corpus`). Chunks are shuffled together.
    """
    from genomebook.simulate.promoters import promoter_corpus
    from genomebook.simulate.splicing import gene_corpus
    from genomebook.simulate.tfbs import tf_corpus

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
