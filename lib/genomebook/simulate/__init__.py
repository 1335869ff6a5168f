"""Synthetic worlds: background DNA from Markov chains, and motif sites planted with known ground truth."""

from genomebook.simulate.accessibility import AccessibilityWorld, accessibility_world
from genomebook.simulate.background import MarkovBackground, composition
from genomebook.simulate.grammar import GrammarWorld, motif_grammar_world
from genomebook.simulate.plant import plant, random_positions, sample_sites

__all__ = ["AccessibilityWorld", "GrammarWorld", "MarkovBackground", "accessibility_world", "composition",
           "motif_grammar_world", "plant", "random_positions", "sample_sites"]
