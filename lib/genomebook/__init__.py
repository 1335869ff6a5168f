"""genomebook: the library behind an executable book of deep-learning analyses for regulatory genomics."""

import warnings

# tqdm.auto (imported with huggingface_hub by transformers and Lightning) warns "IProgress not
# found" in a Jupyter kernel without ipywidgets, printing the virtual environment's path on every
# chapter page. The book shows no notebook progress bars (the runner passes progress=False), and
# the warning fires at import time, before genomebook.chapter.open_run could silence it.
warnings.filterwarnings("ignore", message="IProgress not found")

__version__ = "0.1.0"
