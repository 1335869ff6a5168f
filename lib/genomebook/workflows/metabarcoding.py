"""12S metabarcoding with small transformers and k-mer classifiers: the metagenomics_12s chapter's logic.

"Which fish is this 12S read from?" (Small transformers thesis, Lorello 2021, sections 4.2.3,
5.3 and B.4). The data layer (:mod:`genomebook.datasets.metabarcoding`) gives references,
noisy copies and splits; this module puts them together for the chapter and scores them:

* :func:`reference_table` / :func:`library_table` - the 12S records
  (MitoFish / mitohelper through the registry, or a reader's FASTA + taxonomy), the chapter's
  references (``per_species`` records per species, at most ``n_species`` species) and the
  whole library (one record per species).
* :func:`samples_and_splits` - the thesis's 32 samples per reference and the two splits (the
  thesis's random 81/9/10, and by source with every species kept in training);
  :func:`straddle_table` counts the test samples whose own reference has copies in training.
* :func:`topk_species` / :func:`hits` / :func:`cross_entropy` / :func:`score_rows` /
  :func:`paired_difference` / :func:`unpaired_difference` / :func:`error_share_difference` -
  top-k species, top-1 / top-5 and cross-entropy with bootstrap intervals over test references
  (all noisy copies of one reference resampled together), and the comparisons the claims use;
  :func:`predict_logits` scores new reads with a fine-tuned model.
* :func:`kmer_topk` - the k-mer naive Bayes / nearest-neighbour baselines on a split;
  :func:`shared_ranks` - the lowest rank each prediction shares with the truth.
* :func:`pmifish_reads` / :func:`trim_primer` / :func:`merge_pairs` / :func:`read_reads` /
  :func:`dereplicate` / :func:`species_list` - the real MiFish eDNA sample of the PMiFish
  pipeline: primer-trimmed, merged read pairs, their unique sequences, and the species list a
  classifier makes of them.
"""

from __future__ import annotations

import gzip
import os
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from genomebook.datasets import metabarcoding as mb
from genomebook.datasets import registry
from genomebook.datasets._io import existing_file, iter_lines, read_fasta_records
from genomebook.models.kmer_classifiers import KmerNaiveBayes, KmerNearestNeighbour
from genomebook.seq import SequenceError, is_gzip, reverse_complement
from genomebook.workflows.transfer import pad_batch

__all__ = ["SPLIT_NAMES", "READ_DATASETS", "PRIMER_DATASET", "reference_table", "library_table",
           "data_card", "samples_and_splits", "fitted_rows", "straddle_table", "topk_species", "hits",
           "cross_entropy", "score_rows", "paired_difference", "unpaired_difference", "error_share_difference",
           "predict_logits", "kmer_topk", "shared_ranks", "read_primers", "trim_primer", "merge_pairs",
           "pmifish_reads", "read_reads", "dereplicate", "species_list"]

#: The chapter's two splits of the same samples: the thesis's, and no reference on two sides.
SPLIT_NAMES = ("random (thesis)", "by source")
#: The PMiFish example run: paired-end MiFish reads of one real eDNA sample (R1, R2).
READ_DATASETS = ("pmifish_sample_reads_R1", "pmifish_sample_reads_R2")
PRIMER_DATASET = "pmifish_primers"

_IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT",
          "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT"}
_CODE = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _CODE[_b] = _i


# --------------------------------------------------------------------------- references and samples

def reference_table(table: pd.DataFrame, n_species: int | None, *, seed: int = 0, per_species: int = 2,
                    include: Sequence[str] = ()) -> pd.DataFrame:
    """The chapter's references: ``per_species`` records of each of ``n_species`` species.

    Species with ``per_species`` eligible records of ``table`` (:func:`genomebook.datasets.metabarcoding.read_library`; chosen by
    :func:`genomebook.datasets.metabarcoding.references_from_table`: a species-level name, no N,
    150-1,200 bp, the longest) are candidates; species named in ``include`` (e.g. those an eDNA
    sample holds) are taken first when eligible, at most half of ``n_species``, and the rest are
    drawn at random (seeded) from the others; all candidates when fewer than ``n_species``
    (None: all). ``attrs["notes"]`` says what was dropped and drawn. Used by the
    metagenomics_12s chapter.
    """
    eligible = mb.references_from_table(table, None, per_species=per_species)
    n_eligible = eligible["species"].nunique()
    where = table.attrs.get("source", "the 12S table")
    if n_eligible < 2:
        raise ValueError(f"{where}: {n_eligible} species have {per_species} eligible records (species-level "
                         "name, no N, 150-1200 bp); the chapter needs at least 2 species.")
    n = None if n_species is None or n_species >= n_eligible else int(n_species)
    notes = list(table.attrs.get("notes", [])) + list(eligible.attrs["notes"])
    if n is None:
        refs = eligible.copy()
        if n_species is not None and n_species > n_eligible:
            notes.append(f"{n_species:,} species asked for, {n_eligible:,} eligible: all are used.")
    else:
        species = np.asarray(sorted(eligible["species"].unique()), dtype=object)
        first = sorted(set(include) & set(species))[:n // 2]
        others = species[~np.isin(species, first)]
        drawn = others[np.random.default_rng(seed).choice(len(others), size=n - len(first), replace=False)]
        refs = eligible[eligible["species"].isin(set(first) | set(drawn))].reset_index(drop=True)
        notes.append(f"{n:,} of {n_eligible:,} eligible species: " + (
            f"{len(first)} found in the eDNA sample, {len(drawn):,} drawn at random (seed {seed}) from the rest."
            if first else f"drawn at random (seed {seed})."))
    refs.attrs["notes"] = notes
    return refs


def library_table(table: pd.DataFrame) -> pd.DataFrame:
    """One reference of every eligible species of ``table`` (the longest record; see
    :func:`genomebook.datasets.metabarcoding.references_from_table`): the reference library a
    classifier of eDNA reads is fitted on. Used by the metagenomics_12s chapter."""
    return mb.references_from_table(table, None, per_species=1)


def data_card(refs: pd.DataFrame, samples: pd.DataFrame) -> pd.DataFrame:
    """One-row summary of the references and samples: species, references, taxa per rank, lengths,
    samples and substitutions. Used by the metagenomics_12s chapter."""
    noisy = samples[samples["copy"] > 0]
    return pd.DataFrame([{
        "species": refs["species"].nunique(), "references": len(refs),
        "genera": refs["genus"].nunique(), "families": refs["family"].nunique(),
        "orders": refs["order"].nunique(), "classes": refs["class"].nunique(),
        "median bp": int(refs["length"].median()), "shortest bp": int(refs["length"].min()),
        "longest bp": int(refs["length"].max()), "samples": len(samples),
        "samples per species": len(samples) // max(refs["species"].nunique(), 1),
        "substitution rate of copies": f"{noisy['rate'].min():.3f}-{noisy['rate'].max():.3f}" if len(noisy) else "-",
    }])


def samples_and_splits(refs: pd.DataFrame, n_copies: int, *, seed: int = 0
                       ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The thesis's samples (each reference plus ``n_copies`` noisy copies,
    :func:`genomebook.datasets.metabarcoding.noisy_copies`) and both splits of them, keyed by
    :data:`SPLIT_NAMES`: the thesis's random 81/9/10 of samples, and by source (a reference and
    its copies on one side; each species keeps one reference in training, its others go whole to
    dev/test). Used by the metagenomics_12s chapter."""
    samples = mb.noisy_copies(refs, n_copies, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the shortfall, if any, shows in split_summary
        by_source = mb.split_by_source(samples, seed=seed, species_in_train=True)
    return samples, {SPLIT_NAMES[0]: mb.split_random(samples, seed=seed), SPLIT_NAMES[1]: by_source}


def straddle_table(samples: pd.DataFrame, splits: dict[str, np.ndarray]) -> pd.DataFrame:
    """For each split and its dev/test parts: samples, and how many have a noisy copy of their
    own reference in training (the copies that straddle) and their species in training. Used by
    the metagenomics_12s chapter."""
    rows = []
    for name, split in splits.items():
        split = np.asarray(split, dtype=object)
        train_src = set(samples["source_id"][split == "train"])
        train_sp = set(samples["species"][split == "train"])
        for part in ("dev", "test"):
            sel = samples[split == part]
            own = sel["source_id"].isin(train_src)
            rows.append({"split": name, "part": part, "samples": len(sel),
                         "own reference copied in train": int(own.sum()),
                         "fraction": float(own.mean()) if len(sel) else float("nan"),
                         "species in train": int(sel["species"].isin(train_sp).sum())})
    return pd.DataFrame(rows)


def fitted_rows(split: Sequence[str], n_rows: int | None, *, seed: int = 0) -> np.ndarray:
    """Indices (sorted) of the training samples the models are fitted on: every sample of
    ``split == "train"``, or a seeded random ``n_rows`` of them (the profile's ``train_rows``:
    at small profiles, so that scoring the fitted rows fits the time budget). Used by the
    metagenomics_12s chapter."""
    train = np.flatnonzero(np.asarray(split, dtype=object) == "train")
    if n_rows is None or n_rows >= len(train):
        return train
    if n_rows < 1:
        raise ValueError(f"train_rows must be at least 1 (or None for all); got {n_rows}.")
    return np.sort(np.random.default_rng(seed).choice(train, size=int(n_rows), replace=False))


# --------------------------------------------------------------------------- scores

def topk_species(scores: np.ndarray, classes: Sequence[str], k: int) -> np.ndarray:
    """(N, k) class names of the k highest scores per row, highest first (ties: the class listed
    first). Used by the metagenomics_12s chapter for the transformers' logits."""
    scores = np.asarray(scores, dtype=float)
    k = min(int(k), scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.asarray(classes, dtype=object)[order]


def hits(true_species: Sequence[str], top: np.ndarray, k: int) -> np.ndarray:
    """(N,) bool: is the true species among the first ``k`` of ``top`` (N, >= k)? Used by the
    metagenomics_12s chapter."""
    true = np.asarray(true_species, dtype=object)
    top = np.asarray(top, dtype=object)
    if top.ndim != 2 or len(top) != len(true):
        raise ValueError(f"top must be (N, k) with N = {len(true)}; got {top.shape}.")
    return (top[:, :k] == true[:, None]).any(axis=1)


def _group_sums(values: np.ndarray, groups: Sequence[Any] | None, n_boot: int, seed: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column sums and counts of ``values`` (N, m) on the whole set and on ``n_boot`` resamples of
    its groups (all samples of a group drawn together; None: every sample its own group)."""
    v = np.asarray(values, dtype=float)
    v = v[:, None] if v.ndim == 1 else v
    if groups is None:
        codes = np.arange(len(v))
    else:
        _, codes = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    sums = np.zeros((codes.max() + 1 if len(codes) else 0, v.shape[1]))
    np.add.at(sums, codes, v)
    counts = np.bincount(codes, minlength=len(sums)).astype(float)
    idx = np.random.default_rng(seed).integers(0, len(sums), size=(n_boot, len(sums)))
    return sums.sum(0), counts.sum(), sums[idx].sum(1), counts[idx].sum(1)


def _mean_ci(values: np.ndarray, groups: Sequence[Any] | None, n_boot: int, seed: int
             ) -> tuple[float, float, float]:
    if not len(values):
        return (float("nan"),) * 3
    total, n, boot, nb = _group_sums(values, groups, n_boot, seed)
    lo, hi = np.quantile(boot[:, 0] / nb, [0.025, 0.975])
    return float(total[0] / n), float(lo), float(hi)


def _units(groups: Sequence[Any] | None, n: int) -> int:
    return n if groups is None else len(set(map(str, groups)))


def cross_entropy(logits: np.ndarray, y: Sequence[int]) -> np.ndarray:
    """(N,) cross-entropy (nats) of each row's true class ``y`` under the softmax of ``logits``
    (N, C): the thesis's loss, per sample. Used by the metagenomics_12s chapter."""
    z = np.asarray(logits, dtype=float)
    m = z.max(1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(1, keepdims=True)))[:, 0]
    return lse - z[np.arange(len(z)), np.asarray(y, dtype=np.int64)]


def score_rows(model: str, split: str, true_species: Sequence[str], top: np.ndarray, *,
               loss: np.ndarray | None = None, groups: Sequence[Any] | None = None, n_boot: int = 1000,
               seed: int = 0) -> list[dict[str, Any]]:
    """Rows (model, split, score, value, ci_low, ci_high, n, samples) of top-1, top-5 and, when
    per-sample ``loss`` (cross-entropy) is given, its mean, with 95% percentile-bootstrap
    intervals. ``groups`` (e.g. each test sample's reference): the unit resampled, all samples of
    a group together (noisy copies of one sequence are not independent); ``n`` counts the units.
    Used by the metagenomics_12s chapter."""
    rows = []
    per = {f"top-{k}": hits(true_species, top, k).astype(float) for k in (1, 5)}
    if loss is not None:
        per["loss"] = np.asarray(loss, dtype=float)
    for score, v in per.items():
        value, lo, hi = _mean_ci(v, groups, n_boot, seed)
        rows.append({"model": model, "split": split, "score": score, "value": value, "ci_low": lo,
                     "ci_high": hi, "n": _units(groups, len(v)), "samples": len(v)})
    return rows


def paired_difference(a: np.ndarray, b: np.ndarray, *, groups: Sequence[Any] | None = None, n_boot: int = 1000,
                      seed: int = 0) -> dict[str, float]:
    """mean(a) - mean(b) of per-sample scores on the same test samples (e.g. top-1 hits of two
    models), with a paired percentile-bootstrap interval over samples (or over ``groups``, all
    samples of a group resampled together). Used by the metagenomics_12s chapter."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired scores must be aligned; got {a.shape} and {b.shape}.")
    value, lo, hi = _mean_ci(a - b, groups, n_boot, seed)
    return {"value": value, "ci_low": lo, "ci_high": hi, "n": _units(groups, len(a))}


def unpaired_difference(a: np.ndarray, b: np.ndarray, *, groups_a: Sequence[Any] | None = None,
                        groups_b: Sequence[Any] | None = None, n_boot: int = 1000, seed: int = 0
                        ) -> dict[str, float]:
    """mean(a) - mean(b) of per-sample scores on different test sets (e.g. top-1 on two splits),
    each resampled on its own (by its groups when given). ``n`` is the smaller number of units.
    Used by the metagenomics_12s chapter."""
    ta, na, ba, nba = _group_sums(a, groups_a, n_boot, seed)
    tb, nb, bb, nbb = _group_sums(b, groups_b, n_boot, seed + 1)
    lo, hi = np.quantile(ba[:, 0] / nba - bb[:, 0] / nbb, [0.025, 0.975])
    return {"value": float(ta[0] / na - tb[0] / nb), "ci_low": float(lo), "ci_high": float(hi),
            "n": int(min(_units(groups_a, len(a)), _units(groups_b, len(b))))}


def error_share_difference(ranks_a: Sequence[str], ranks_b: Sequence[str], *, at_or_below: str = "order",
                           groups: Sequence[Any] | None = None, n_boot: int = 1000, seed: int = 0
                           ) -> dict[str, float]:
    """Share of wrong predictions whose species share ``at_or_below`` or a lower rank, model a
    minus model b, on the same test samples. ``ranks_a`` / ``ranks_b``: per test sample the
    lowest shared rank of the prediction (``"species"`` when right; see
    :func:`genomebook.datasets.metabarcoding.lowest_shared_rank`). Samples (or ``groups``) are
    resampled together for both models (paired bootstrap); resamples where a model makes no
    error are dropped. ``n``: the smaller number of errors. Used by the metagenomics_12s chapter
    (the thesis: mitochondrial pre-training errs at a lower rank)."""
    order = mb.SHARED_RANKS
    cut = order.index(at_or_below)
    ra = np.asarray([order.index(str(r)) for r in ranks_a])
    rb = np.asarray([order.index(str(r)) for r in ranks_b])
    cols = np.stack([(ra > 0) & (ra <= cut), ra > 0, (rb > 0) & (rb <= cut), rb > 0], axis=1).astype(float)
    total, _, boot, _ = _group_sums(cols, groups, n_boot, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = total[0] / total[1] - total[2] / total[3]
        d = boot[:, 0] / boot[:, 1] - boot[:, 2] / boot[:, 3]
    d = d[np.isfinite(d)]
    lo, hi = np.quantile(d, [0.025, 0.975]) if len(d) else (float("nan"),) * 2
    return {"value": float(value), "ci_low": float(lo), "ci_high": float(hi), "n": int(min(total[1], total[3]))}


def predict_logits(task: Any, rows: Sequence[Sequence[int]], *, batch: int = 64, length: int | None = None
                   ) -> np.ndarray:
    """Logits (N, C) of a fine-tuned class head (:class:`genomebook.models.transfer.TransferTask`)
    on new id rows (e.g. eDNA reads), padded to ``length`` (the flatten pooling needs
    ``max_tokens``). Used by the metagenomics_12s chapter."""
    batches = [pad_batch(rows[i:i + batch], np.zeros(len(rows[i:i + batch]), dtype=np.int64), length)
               for i in range(0, len(rows), batch)]
    return task.predict_logits(batches).numpy()


def kmer_topk(kind: str, train_seqs: Sequence[str], train_species: Sequence[str],
              queries: dict[str, Sequence[str]], *, k: int = 8, top: int = 5) -> dict[str, np.ndarray]:
    """(N, top) species of each query set (name -> sequences) by a k-mer classifier fitted on the
    training samples: ``kind`` "naive Bayes" (:class:`~genomebook.models.kmer_classifiers.KmerNaiveBayes`,
    RDP's) or "nearest neighbour" (:class:`~genomebook.models.kmer_classifiers.KmerNearestNeighbour`).
    Used by the metagenomics_12s chapter."""
    models = {"naive Bayes": KmerNaiveBayes, "nearest neighbour": KmerNearestNeighbour}
    if kind not in models:
        raise ValueError(f"kind must be one of {', '.join(models)}; got {kind!r}.")
    fitted = models[kind](k).fit(list(train_seqs), np.asarray(train_species, dtype=object))
    return {name: fitted.predict_topk(list(q), top) for name, q in queries.items()}


def shared_ranks(true_species: Sequence[str], predicted_species: Sequence[str], taxonomy: pd.DataFrame
                 ) -> np.ndarray:
    """Per prediction the lowest rank the true and predicted species share: ``"species"`` when
    right, else genus ... class or :data:`genomebook.datasets.metabarcoding.NO_SHARED_RANK`.
    ``taxonomy``: a table with the rank columns (e.g. the references). Used by the
    metagenomics_12s chapter."""
    t = np.asarray(true_species, dtype=object)
    out = np.full(len(t), "species", dtype=object)
    err = mb.error_table(t, predicted_species, taxonomy)
    out[err["position"].to_numpy()] = err["shared_rank"].astype(str).to_numpy()
    return out


# --------------------------------------------------------------------------- the MiFish eDNA reads

def read_primers(path: str | os.PathLike) -> dict[str, str]:
    """The active MiFish primer pair of a PMiFish ``Primers.txt`` (lines starting with '#' are
    inactive): ``{"forward": ..., "reverse": ...}`` with the leading N spacer removed (IUPAC kept).
    Used by the metagenomics_12s chapter."""
    section, out = None, {}
    for i, line in iter_lines(path, "PMiFish primer file"):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        low = s.lower()
        if low.startswith("forward"):
            section = "forward"
        elif low.startswith("reverse"):
            section = "reverse"
        elif not s.startswith(">") and section and section not in out:
            out[section] = s.upper().lstrip("N")
    if set(out) != {"forward", "reverse"}:
        raise SequenceError(f"{path}: found primers {sorted(out)}; expected an active 'Forward primers' and "
                            "'Reverse primers' sequence (the PMiFish Primers.txt layout).")
    return out


def trim_primer(reads: Sequence[str], primer: str, *, max_offset: int = 10, max_mismatches: int = 3
                ) -> np.ndarray:
    """Where the insert starts in each read: the end of ``primer`` (IUPAC codes allowed) found at
    an offset 0..``max_offset`` (the N spacer of MiFish reads is up to 6 bases) with at most
    ``max_mismatches`` mismatches (the lowest-mismatch offset wins); -1 when not found. Used by
    the metagenomics_12s chapter."""
    allowed = np.zeros((len(primer), 5), dtype=bool)
    for i, b in enumerate(primer.upper()):
        if b not in _IUPAC:
            raise ValueError(f"primer {primer!r}: {b!r} at position {i + 1} is not an IUPAC base.")
        allowed[i, [("ACGT".index(x)) for x in _IUPAC[b]]] = True
    width = len(primer) + max_offset
    codes = np.full((len(reads), width), 4, dtype=np.uint8)
    for i, r in enumerate(reads):
        r = r[:width].upper().encode("ascii", errors="replace")
        codes[i, :len(r)] = _CODE[np.frombuffer(r, dtype=np.uint8)]
    mism = np.stack([(~allowed[np.arange(len(primer)), codes[:, o:o + len(primer)]]).sum(1)
                     for o in range(max_offset + 1)], axis=1)
    best = mism.argmin(1)
    ok = mism[np.arange(len(reads)), best] <= max_mismatches
    return np.where(ok, best + len(primer), -1)


def merge_pairs(r1: Sequence[str], r2: Sequence[str], q1: Sequence[str] | None = None,
                q2: Sequence[str] | None = None, *, seed_len: int = 12, min_overlap: int = 20,
                max_mismatch: float = 0.1) -> list[str | None]:
    """Merge each read pair (``r1`` forward, ``r2`` reverse, both primer-trimmed) into one
    amplicon: ``r2`` is reverse-complemented and placed where a ``seed_len``-mer from its start
    (then from 12 and 24 bases in) occurs in ``r1``; the overlap (at least ``min_overlap`` bases,
    at most ``max_mismatch`` mismatching) takes the base of higher quality (``q1``/``q2``, FASTQ
    strings; R1 when equal or none). None where a pair does not merge. Used by the
    metagenomics_12s chapter (our simple merger; PMiFish uses USEARCH's)."""
    out: list[str | None] = []
    for i, (a, b) in enumerate(zip(r1, r2)):
        b = reverse_complement(b)
        qb = q2[i][::-1] if q2 is not None else None
        qa = q1[i] if q1 is not None else None
        merged = None
        for start in (0, 12, 24):
            seed = b[start:start + seed_len]
            if len(seed) < seed_len:
                break
            pos = a.find(seed)
            if pos < 0:
                continue
            o = pos - start                         # where b starts in a's coordinates
            if o < 0:
                break
            n = min(len(a) - o, len(b))
            if n < min_overlap:
                break
            x, y = a[o:o + n], b[:n]
            if sum(c != d for c, d in zip(x, y)) > max_mismatch * n:
                break
            if qa is not None and qb is not None:
                over = "".join(c if qa[o + j] >= qb[j] else d for j, (c, d) in enumerate(zip(x, y)))
            else:
                over = x
            merged = a[:o] + over + b[n:]
            break
        out.append(merged)
    return out


def _fastq(path: Path) -> tuple[list[str], list[str], list[str]]:
    names, seqs, quals = [], [], []
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        lines = [ln.rstrip("\r\n") for ln in fh]
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) % 4:
        raise SequenceError(f"{path}: {len(lines)} lines, not a multiple of 4; a FASTQ record is 4 lines "
                            "(@name, sequence, +, qualities).")
    for i in range(0, len(lines), 4):
        h, s, plus, q = lines[i:i + 4]
        if not h.startswith("@") or not plus.startswith("+") or len(s) != len(q):
            raise SequenceError(f"{path}, line {i + 1}: not a FASTQ record (@name / sequence / + / qualities of "
                                "the sequence's length).")
        names.append(h[1:].split()[0] if h[1:].split() else "")
        seqs.append(s.upper())
        quals.append(q)
    return names, seqs, quals


def pmifish_reads(r1_path: str | os.PathLike | None = None, r2_path: str | os.PathLike | None = None,
                  primer_path: str | os.PathLike | None = None, *, min_length: int = 120, max_length: int = 250
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The PMiFish example eDNA sample, primer-trimmed and merged: ``(reads, steps)``.

    Reads :data:`READ_DATASETS` and :data:`PRIMER_DATASET` through the registry (or the given
    paths), finds the forward primer in R1 and the reverse primer in R2
    (:func:`trim_primer`), merges the inserts (:func:`merge_pairs`) and keeps merged amplicons
    of ``min_length``-``max_length`` bp without N (the MiFish insert is ~170 bp). ``reads``:
    name, sequence; ``steps``: how many read pairs each step kept. Used by the metagenomics_12s chapter.
    """
    r1_path = Path(r1_path) if r1_path else registry.fetch(READ_DATASETS[0])
    r2_path = Path(r2_path) if r2_path else registry.fetch(READ_DATASETS[1])
    primer_path = Path(primer_path) if primer_path else registry.fetch(PRIMER_DATASET)
    primers = read_primers(primer_path)
    n1, s1, q1 = _fastq(existing_file(r1_path, "R1 FASTQ"))
    n2, s2, q2 = _fastq(existing_file(r2_path, "R2 FASTQ"))
    if n1 != n2:
        raise SequenceError(f"{r1_path} and {r2_path} do not list the same reads in the same order; give the two "
                            "files of one paired-end run.")
    f = trim_primer(s1, primers["forward"])
    r = trim_primer(s2, primers["reverse"])
    both = np.flatnonzero((f >= 0) & (r >= 0))
    merged = merge_pairs([s1[i][f[i]:] for i in both], [s2[i][r[i]:] for i in both],
                         [q1[i][f[i]:] for i in both], [q2[i][r[i]:] for i in both])
    ok = [(n1[i], m) for i, m in zip(both, merged) if m is not None]
    kept = [(n, m) for n, m in ok if min_length <= len(m) <= max_length and "N" not in m]
    steps = pd.DataFrame({"step": ["read pairs", "both primers found", "pairs merged",
                                   f"{min_length}-{max_length} bp, no N"],
                          "reads": [len(n1), len(both), len(ok), len(kept)]})
    reads = pd.DataFrame(kept, columns=["name", "sequence"])
    return reads, steps


def read_reads(path: str | os.PathLike) -> pd.DataFrame:
    """A reader's eDNA reads (``reads_path``): FASTA or FASTQ (plain or gzip) of merged,
    primer-trimmed amplicons, one read per record. Returns name, sequence (upper case); a letter
    that is not A/C/G/T/N stops with the file and record. Used by the metagenomics_12s chapter."""
    path = existing_file(path, "eDNA reads file (reads_path)")
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
        first = next((ln for ln in fh if ln.strip()), "")
    if first.startswith("@"):
        names, seqs, _ = _fastq(path)
    elif first.startswith(">"):
        recs = read_fasta_records(path)
        names = [h.split()[0] if h.split() else f"read{i}" for i, (_, h, _) in enumerate(recs)]
        seqs = [s.upper() for _, _, s in recs]
    else:
        raise SequenceError(f"{path}: starts with {first.strip()[:30]!r}; expected a FASTA ('>name') or FASTQ "
                            "('@name') file of merged, primer-trimmed reads.")
    for name, s in zip(names, seqs):
        bad = set(s) - set("ACGTN")
        if bad:
            raise SequenceError(f"{path}, read {name!r}: letter(s) {''.join(sorted(bad))} are not A/C/G/T/N.")
        if len(s) < 20:
            raise SequenceError(f"{path}, read {name!r}: {len(s)} bp; reads need at least 20 bp (8-mers for the "
                                "k-mer classifiers, words for the tokeniser). Drop short reads first.")
    if not seqs:
        raise SequenceError(f"{path}: no reads.")
    return pd.DataFrame({"name": names, "sequence": seqs})


def dereplicate(reads: pd.DataFrame, *, min_count: int = 2) -> pd.DataFrame:
    """Unique read sequences with their read counts (most frequent first), keeping those seen at
    least ``min_count`` times (singletons are mostly sequencing errors; denoising pipelines drop
    them). Used by the metagenomics_12s chapter."""
    u = reads["sequence"].value_counts()
    u = u[u >= min_count]
    return pd.DataFrame({"sequence": u.index.to_numpy(), "reads": u.to_numpy()})


def species_list(uniques: pd.DataFrame, calls: dict[str, Sequence[str]], *, by: str, top: int = 15
                 ) -> pd.DataFrame:
    """Species list of an eDNA sample: reads per species called by the classifier ``by`` (a key of
    ``calls``: classifier name -> species per unique sequence), most reads first (``top`` rows),
    with the reads each other classifier gives that species and its own top call on the same
    reads. Used by the metagenomics_12s chapter."""
    df = uniques[["reads"]].assign(**{k: np.asarray(v, dtype=object) for k, v in calls.items()})
    total = df["reads"].sum()
    out = df.groupby(by, sort=False)["reads"].sum().sort_values(ascending=False).head(top).rename("reads")
    out = out.to_frame().rename_axis(f"species ({by})").reset_index()
    out.insert(2, "share of reads", out["reads"] / max(total, 1))
    for other in calls:
        if other == by:
            continue
        same = df[df[by].isin(out.iloc[:, 0])]
        agree = same[same[by] == same[other]].groupby(by)["reads"].sum()
        major = same.groupby([by, other])["reads"].sum().reset_index().sort_values("reads", ascending=False) \
            .drop_duplicates(by).set_index(by)[other]
        out[f"{other}: same call (reads)"] = out.iloc[:, 0].map(agree).fillna(0).astype(int)
        out[f"{other}: its main call on these reads"] = out.iloc[:, 0].map(major)
    return out
