"""How the simulated pre-training genome is mixed: the share of its bp from each source.

Read by :mod:`genomebook.simulate.genome` (which draws the genome) and by the task worlds
(:mod:`~genomebook.simulate.tfbs`, :mod:`~genomebook.simulate.splicing`) whose "built into this
world" lists say how much of the pre-training genome their own generators make up.
"""

#: Share of the genome's bp from each source (chosen, not measured from a genome).
GENOME_MIX: dict[str, float] = {"background": 0.4, "promoters": 0.2, "tf sites": 0.2, "genes": 0.2}
