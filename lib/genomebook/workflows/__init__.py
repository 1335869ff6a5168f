"""Workflows: one module per paper family, built from the data, world, model and method layers.

- :mod:`genomebook.workflows.deepcage` — accessibility across cell types (DeepCAGE and its baselines).
- :mod:`genomebook.workflows.dnabert` — k-mer BERT pre-training and fine-tuning (DNABERT) and the CNN baselines.
"""
