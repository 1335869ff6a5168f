"""Synthetic worlds: background DNA from Markov chains, and motif sites planted with known ground truth."""

from genomebook.simulate.background import MarkovBackground, composition
from genomebook.simulate.plant import plant, random_positions, sample_sites

__all__ = ["MarkovBackground", "composition", "plant", "random_positions", "sample_sites"]
