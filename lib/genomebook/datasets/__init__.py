"""Readers of real and user data, returning plain tables and arrays with validated columns."""

from genomebook.datasets.labelled import read_labelled_sequences

__all__ = ["read_labelled_sequences"]
