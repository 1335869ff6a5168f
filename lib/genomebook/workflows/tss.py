"""TSS localisation across species: the thesis's samples, scores in tokens and bases, baselines.

The workflow of the tss_localisation chapter (thesis section 4.2.2, 5.2, appendix B.3):

* :func:`samples` - every promoter as the thesis's token-level sample
  (:func:`genomebook.datasets.tss.tss_sample`: the window split at the TSS, each half
  tokenised, 0..``max_before`` tokens before the TSS and the rest after), with the DNA the
  sample covers and the TSS's base index in it, so base-level models see the same DNA.
* :func:`parts` - ``{"train": (rows, targets), ...}`` for
  :func:`genomebook.workflows.transfer.finetune`.
* :func:`base_to_token` - a base-level prediction (PWM scan, CNN) as the token that holds it.
* :func:`score_samples` / :func:`accuracy_table` - per-sample hit and error in bp, and
  accuracy per group with bootstrap intervals.
* :class:`TokenLengthLocator` - a locator that sees only how many bases each token holds, not
  which bases: it measures how much the split-then-tokenise sample gives away by itself.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from genomebook import metrics
from genomebook.datasets import epd
from genomebook.datasets import tss as tss_data
from genomebook.tokenize import CLS_ID, SEP_ID

__all__ = ["reader_promoters", "samples", "parts", "base_to_token", "score_samples", "accuracy_table", "TokenLengthLocator"]


def reader_promoters(path: Any, name: str, tss_index: int | None = None,
                     window: Sequence[int] = tss_data.COMMON_WINDOW) -> pd.DataFrame:
    """A reader's promoter FASTA as one more species: read with
    :func:`genomebook.datasets.epd.read_promoter_fasta` (TSS from EPD-style ``range a to b``
    headers, or ``tss_index`` for every record) and cropped to ``window``
    (:func:`genomebook.datasets.tss.crop_promoters`). Raises ValueError naming the file when no
    record covers the window. Used by the tss_localisation chapter."""
    raw = epd.read_promoter_fasta(path, tss_index=tss_index)
    if raw["tss_index"].isna().all():
        raise ValueError(f"{path}: no TSS position: give tss_index (the 0-based TSS base of every record) or "
                         "EPD-style headers with 'range -a to b'.")
    table = tss_data.crop_promoters(raw, window, species=name, source=str(path))
    if table.empty:
        a, b = window
        raise ValueError(f"{path}: no record covers {-a} bases before and {b} after its TSS (the window "
                         f"{a}..{b}); {'; '.join(table.attrs.get('notes', []))}")
    return table


def samples(tokenizer: Any, table: pd.DataFrame, *, max_tokens: int, max_before: int, seed: int = 0,
            kind: str = "thesis", crop_bp: int | None = None) -> pd.DataFrame:
    """One sample per promoter of ``table`` (columns of :func:`genomebook.datasets.tss.promoters`).

    ``kind="thesis"``: the thesis's sample (:func:`genomebook.datasets.tss.tss_sample`: the
    window split at the TSS, each half tokenised on its own, 0..``max_before`` tokens before
    the TSS, the rest after, at most ``max_tokens`` ids). ``kind="crop"``: a crop of
    ``crop_bp`` bases with the TSS at a random offset 0..``max_before`` bases
    (:func:`~genomebook.datasets.tss.tss_base_sample`), tokenised as one piece, so no word
    boundary marks the TSS; the target is the token that holds the TSS base.

    Returns the table's ``id`` and ``species`` with ``ids`` (``[CLS] ... [SEP]``), ``target``
    (index of the TSS token), ``lengths`` (bases under each position, 0 for
    ``[CLS]``/``[SEP]``), ``dna`` (the bases the sample covers) and ``tss_base`` (index of the
    TSS base in ``dna``). One seeded draw per promoter, in table order. Used by the
    tss_localisation chapter.
    """
    if kind not in ("thesis", "crop"):
        raise ValueError(f"kind must be 'thesis' or 'crop'; got {kind!r}.")
    rng = np.random.default_rng(seed)
    seqs, tss_idx = list(table["sequence"]), [int(t) for t in table["tss"]]
    if kind == "crop":
        if not crop_bp:
            raise ValueError("kind='crop' needs crop_bp (the crop's length in bases).")
        crops = [tss_data.tss_base_sample(s, t, rng, length=int(crop_bp), max_before=int(max_before))
                 for s, t in zip(seqs, tss_idx)]
        encoded = tokenizer.encode_batch([c for c, _ in crops], add_special_tokens=False)
    else:
        before = tokenizer.encode_batch([s[:t] for s, t in zip(seqs, tss_idx)], add_special_tokens=False)
        after = tokenizer.encode_batch([s[t:] for s, t in zip(seqs, tss_idx)], add_special_tokens=False)
    out = []
    for i in range(len(seqs)):
        if kind == "crop":
            ids = [CLS_ID, *encoded[i][:int(max_tokens) - 2], SEP_ID]
        else:
            ids, target = tss_data.tss_sample(before[i], after[i], rng, max_tokens=max_tokens, max_before=max_before)
        lengths = [0, *(len(tokenizer.id_to_token[j]) for j in ids[1:-1]), 0]
        if kind == "crop":
            tss_base = crops[i][1]
            target = int(base_to_token([tss_base], [lengths])[0])
            if sum(lengths) <= tss_base:
                raise ValueError(f"{table['id'].iloc[i]}: {max_tokens} tokens do not reach the TSS at base "
                                 f"{tss_base} of the crop; raise max_tokens or lower max_before.")
        else:
            tss_base = int(sum(lengths[:target]))
        out.append({"id": table["id"].iloc[i], "species": table["species"].iloc[i], "ids": ids, "target": target,
                    "lengths": lengths, "dna": tokenizer.decode(ids), "tss_base": tss_base})
    return pd.DataFrame(out)


def parts(sample_table: pd.DataFrame, split: Sequence[str] | None = None, **extra: pd.DataFrame
          ) -> dict[str, tuple[list[list[int]], np.ndarray]]:
    """``{"train": (rows, targets), "dev": ..., "test": ...}`` from ``sample_table`` and its ``split``
    (train/dev/test per row), plus any ``extra`` sample tables by name (e.g. other species).
    Used by the tss_localisation chapter."""
    out = {}
    if split is not None:
        split = np.asarray(split)
        for name in ("train", "dev", "test"):
            sub = sample_table[split == name]
            out[name] = (list(sub["ids"]), sub["target"].to_numpy())
    for name, sub in extra.items():
        out[name] = (list(sub["ids"]), sub["target"].to_numpy())
    return out


def base_to_token(pred_base: Sequence[int], lengths: Sequence[Sequence[int]]) -> np.ndarray:
    """The position (index into the sample's ids) of the token holding each predicted base.

    ``pred_base``: index into the sample's ``dna``; ``lengths``: the sample's ``lengths``
    column. Used by the tss_localisation chapter to score base-level locators in tokens.
    """
    out = []
    for p, lens in zip(pred_base, lengths):
        starts = tss_data.token_starts(lens)
        pos = np.nonzero((np.asarray(lens) > 0) & (starts <= int(p)))[0]
        out.append(int(pos[-1]) if len(pos) else 1)
    return np.asarray(out, dtype=np.int64)


def score_samples(sample_table: pd.DataFrame, pred_token: Sequence[int] | None = None, *,
                  pred_base: Sequence[int] | None = None) -> pd.DataFrame:
    """Per sample: ``hit`` (the predicted token is the TSS token) and ``error_bp`` (signed bases
    from the TSS; for a token prediction, the predicted token's first base minus the TSS, as
    :func:`genomebook.datasets.tss.base_error`). Give token predictions (a transformer's
    arg-max) or base predictions (a base-level locator; its token is :func:`base_to_token`).
    Used by the tss_localisation chapter."""
    if (pred_token is None) == (pred_base is None):
        raise ValueError("give exactly one of pred_token (token positions) or pred_base (base indices).")
    if pred_base is not None:
        pred_base = np.asarray(pred_base, dtype=np.int64)
        pred_token = base_to_token(pred_base, sample_table["lengths"])
        error = pred_base - sample_table["tss_base"].to_numpy()
    else:
        pred_token = np.asarray(pred_token, dtype=np.int64)
        error = np.array([int(tss_data.base_error(p, t, tss_data.token_starts(lens)))
                          for p, t, lens in zip(pred_token, sample_table["target"], sample_table["lengths"])])
    return pd.DataFrame({"id": sample_table["id"].to_numpy(), "species": sample_table["species"].to_numpy(),
                         "hit": (pred_token == sample_table["target"].to_numpy()).astype(int), "error_bp": error})


def accuracy_table(scored: pd.DataFrame, by: str = "species", *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Accuracy per group of ``scored`` (:func:`score_samples`) with a bootstrap 95% interval over
    samples, the number of samples, the median absolute error in bp and the share within 10 bp.
    Used by the tss_localisation chapter."""
    rows = []
    for name, g in scored.groupby(by, sort=False):
        ci = metrics.mean_ci(g["hit"].to_numpy(float), n_boot=n_boot, seed=seed)
        rows.append({by: name, "accuracy": float(g["hit"].mean()), "ci_low": ci[1], "ci_high": ci[2], "n": len(g),
                     "median_abs_error_bp": float(np.median(np.abs(g["error_bp"]))),
                     "within_10bp": float((np.abs(g["error_bp"]) <= 10).mean())})
    return pd.DataFrame(rows)


class TokenLengthLocator:
    """Guesses the TSS token from token lengths alone (how many bases each token holds, never which).

    Each position is described by the lengths of the ``context`` tokens on each side (0 past
    the ends) and whether it is the first, second, ... token; a logistic regression scores
    positions as "TSS token or not"; the arg-max over a sample's positions is the guess. If it
    finds the TSS far above chance, the sample's tokenisation (each half cut into k-mer words
    from its own start, so the upstream half ends in a short left-over word) gives the answer
    away without any sequence. Used by the tss_localisation chapter.
    """

    def __init__(self, context: int = 3, seed: int = 0) -> None:
        self.context, self.seed = int(context), int(seed)
        self.model: LogisticRegression | None = None

    def _features(self, lengths: Sequence[int]) -> np.ndarray:
        lens = np.asarray(lengths, dtype=float)
        c = self.context
        padded = np.concatenate([np.zeros(c), lens, np.zeros(c)])
        cols = [padded[i:i + len(lens)] for i in range(2 * c + 1)]
        short = [(col > 0) & (col < 4) for col in cols]  # words cut short
        return np.column_stack([*cols, *short])

    def fit(self, sample_table: pd.DataFrame) -> "TokenLengthLocator":
        """Fit on samples (``lengths`` and ``target`` columns of :func:`samples`)."""
        X = np.concatenate([self._features(l) for l in sample_table["lengths"]])
        y = np.concatenate([np.arange(len(l)) == t for l, t in zip(sample_table["lengths"], sample_table["target"])])
        self.model = LogisticRegression(max_iter=1000, class_weight="balanced", random_state=self.seed).fit(X, y)
        return self

    def predict(self, sample_table: pd.DataFrame) -> np.ndarray:
        """The guessed TSS position of each sample (index into its ids; never ``[CLS]``/``[SEP]``)."""
        if self.model is None:
            raise RuntimeError("TokenLengthLocator: call fit before predict.")
        out = []
        for lens in sample_table["lengths"]:
            s = self.model.decision_function(self._features(lens))
            s[np.asarray(lens) == 0] = -np.inf
            out.append(int(np.argmax(s)))
        return np.asarray(out, dtype=np.int64)
