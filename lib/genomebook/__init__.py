"""genomebook: the library behind an executable book of deep-learning analyses for regulatory genomics."""

__version__ = "0.1.0"
