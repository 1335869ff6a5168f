"""genomebook: the library behind an executable book of deep-learning analyses for regulatory genomics."""

import os
import warnings

# Same seed, same tables: Intel MKL (torch's BLAS on x86) may pick a different summation order
# from one run to the next when buffers land at different memory alignments, so two runs of a
# chapter could differ in the last bits and then, through training, in printed digits (seen on
# CI: the motifs chapter's CNN auROC 0.7736 vs 0.773). Conditional numerical reproducibility
# fixes the order, and a fixed thread count (MKL_DYNAMIC off: MKL may otherwise use fewer
# threads on a busy machine) keeps it fixed; both are read when MKL first computes, so they are
# set here, on import, before any chapter computes. Values the reader set are kept.
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")
os.environ.setdefault("MKL_DYNAMIC", "FALSE")

# tqdm.auto (imported with huggingface_hub by transformers and Lightning) warns "IProgress not
# found" in a Jupyter kernel without ipywidgets, printing the virtual environment's path on every
# chapter page. The book shows no notebook progress bars (the runner passes progress=False), and
# the warning fires at import time, before genomebook.chapter.open_run could silence it.
warnings.filterwarnings("ignore", message="IProgress not found")

__version__ = "0.1.0"
