"""Real and user data: the registry (``data/registry.yaml``) and one reader per kind of file.

Readers return plain tables and arrays with validated columns; bad input stops with a
message naming the file, the line or record, and the fix. ``python -m genomebook.datasets``
lists, fetches and verifies registered datasets.
"""

from genomebook.datasets import registry
from genomebook.datasets.labelled import read_labelled_sequences
from genomebook.datasets.registry import DataUnavailable, available, fetch, read, resolve_source

__all__ = ["DataUnavailable", "available", "fetch", "read", "read_labelled_sequences", "registry",
           "resolve_source"]
