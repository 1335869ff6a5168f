"""DeepCAGE inputs: the TF expression matrix of 55 ENCODE cell types, cell lists, and transforms.

Files (DeepCAGE repository, kimmo1019/DeepCAGE; plain or gzip):

* ``tf_gexp_matrix.txt`` — header ``#cell`` + 769 TF symbols, one column per HOCOMOCO v11
  FULL human mono motif, in the order of ``HOCOMOCOv11_full_HUMAN_mono_homer_format_0.001.motif``;
  a TF with several motifs repeats (``AR`` ×3) with identical values. Rows: DeepCAGE
  cell id (1–61 with gaps), values ENCODE polyA RNA-seq TPM. Read by
  :func:`read_expression_matrix`.
* ``cells.txt`` — ``id<TAB>biosample``, ids 1–55 (:func:`read_cells`).
* ``bam.info`` — ``cell_id<TAB>ENCSR...<TAB>ENCFF....bam``, ids 1–61 with gaps
  (:func:`read_bam_info`).

The two id spaces are reconciled by :func:`match_cells` (see its docstring).
:func:`expression_profiles` turns a samples × genes TPM table into the per-cell-type TF
profiles of the paper (log(TPM + 1), quantile normalisation, replicate means).
Errors are :class:`genomebook.seq.SequenceError` naming the file, line/row, column and fix.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from genomebook.datasets._io import read_table
from genomebook.seq import SequenceError

__all__ = [
    "read_expression_matrix",
    "log_tpm",
    "quantile_normalise",
    "average_replicates",
    "restrict_to_tfs",
    "read_cells",
    "read_bam_info",
    "match_cells",
    "read_tf_expression_tsv",
    "expression_profiles",
]

_MISSING_TOKENS = {"", "na", "nan", "n/a", "null", "none", "-", "."}


def _py(x):
    """numpy scalars as plain Python values (for readable messages)."""
    return x.item() if hasattr(x, "item") else x


def _numeric_block(path, raw: pd.DataFrame, *, row_what: str, row_offset: int = 2) -> pd.DataFrame:
    """Convert a str DataFrame to float; a missing / non-numeric / negative / infinite cell raises.

    ``row_offset``: file line of the first data row (2 after a header line).
    """
    out = raw.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = out.isna().to_numpy() | ~np.isfinite(out.to_numpy()) | (out.to_numpy() < 0)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        tok = str(raw.iat[i, j]).strip()
        row, col = _py(raw.index[i]), raw.columns[j]
        where = f"{path}, line {i + row_offset} ({row_what} {row!r}), column {col!r}"
        if tok.lower() in _MISSING_TOKENS:
            raise SequenceError(f"{where}: value is missing ({tok!r}). Every {row_what} needs a TPM for "
                                "every TF: fill it in (0 if not expressed) or drop the column/row.")
        raise SequenceError(f"{where}: {tok!r} is not a non-negative number. Values must be TPM >= 0.")
    return out


def _dup_labels(cols: Sequence[str]) -> tuple[list[str], dict[str, list[int]]]:
    """Unique labels ``X, X#2, X#3`` and mapping TF -> positions."""
    seen: dict[str, list[int]] = {}
    labels = []
    for k, c in enumerate(cols):
        seen.setdefault(c, []).append(k)
        n = len(seen[c])
        labels.append(c if n == 1 else f"{c}#{n}")
    return labels, seen


def read_expression_matrix(path: str | os.PathLike, *, duplicates: str = "first") -> pd.DataFrame:
    """The DeepCAGE TF expression matrix: cells × TFs, TPM (float), index = cell id (int).

    ``duplicates`` says what to do with TF symbols that occur in several columns (one
    column per HOCOMOCO motif, so ``AR`` occurs 3 times):

    * ``"first"`` (default): one column per TF (first occurrence order), after checking
      that its repeated columns are identical (else an error naming the TF and columns).
      On the real file 769 columns become 678 TFs.
    * ``"keep"``: all columns in file (= motif) order, labelled ``AR``, ``AR#2``, ``AR#3``...
    * ``"error"``: raise, listing the duplicated TFs.

    ``df.attrs["motif_index"]`` maps each returned column label to the list of 0-based
    file columns (= motif positions in the HOCOMOCO full HOMER file) it stands for, so
    that TF-level values can be expanded back to motif order.
    Missing or non-numeric values raise, naming the line, the cell id and the TF column.
    """
    if duplicates not in ("first", "keep", "error"):
        raise ValueError(f"duplicates must be 'first', 'keep' or 'error', got {duplicates!r}")
    raw = read_table(path, sep="\t", dtype=str, keep_default_na=False, header=None)
    header = [str(h).strip() for h in raw.iloc[0].tolist()]
    if header[0].lstrip("#").strip().lower() not in ("cell", "cell_id", "id"):
        raise SequenceError(f"{path}, line 1: first header field is {header[0]!r}; expected '#cell' then "
                            "one TF symbol per column (the DeepCAGE tf_gexp_matrix layout).")
    tfs = header[1:]
    if not tfs:
        raise SequenceError(f"{path}, line 1: no TF columns after '#cell'. Add one column per TF.")
    empty = [k + 2 for k, t in enumerate(tfs) if not t]
    if empty:
        raise SequenceError(f"{path}, line 1, column {empty[0]}: empty TF symbol. Name every column.")
    body = raw.iloc[1:]
    if body.empty:
        raise SequenceError(f"{path}: no cell rows after the header. Add one row per cell type.")
    ids = body.iloc[:, 0].str.strip()
    ok = ids.str.fullmatch(r"[0-9]+")
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 2}, column '#cell': cell id {ids.iloc[i]!r} is not a "
                            "positive integer. The first column holds the DeepCAGE cell id.")
    ids = ids.astype(int)
    dup = ids.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 2}: cell id {ids.iloc[i]} repeats. Keep one row per cell "
                            "(average replicates first).")
    labels, positions = _dup_labels(tfs)
    values = body.iloc[:, 1:].copy()
    values.index = pd.Index(ids.to_numpy(), name="cell_id")
    values.columns = labels
    df = _numeric_block(path, values, row_what="cell")
    repeated = {t: p for t, p in positions.items() if len(p) > 1}
    if duplicates == "error" and repeated:
        lst = ", ".join(f"{t} (x{len(p)})" for t, p in repeated.items())
        raise SequenceError(f"{path}, line 1: {len(repeated)} TF(s) occur in several columns: {lst}. Use "
                            "duplicates='first' (one column per TF) or 'keep' (one per motif).")
    if duplicates == "keep":
        df.attrs["motif_index"] = {lab: [k] for k, lab in enumerate(labels)}
        return df
    for t, p in repeated.items():
        block = df.iloc[:, p].to_numpy()
        diff = ~np.isclose(block, block[:, :1], rtol=1e-9, atol=1e-12)
        if diff.any():
            i, j = map(int, np.argwhere(diff)[0])
            raise SequenceError(
                f"{path}: TF {t!r} occurs in columns {', '.join(str(k + 2) for k in p)} with different values "
                f"(cell {_py(df.index[i])}, line {i + 2}: {block[i, 0]} vs {block[i, j]}). Give one column per TF, "
                "or read with duplicates='keep'.")
    first = [p[0] for p in positions.values()]
    out = df.iloc[:, first].copy()
    out.columns = list(positions)
    out.attrs["motif_index"] = {t: list(p) for t, p in positions.items()}
    return out


# --------------------------------------------------------------------------- transforms


def _check_frame(df: pd.DataFrame, what: str) -> np.ndarray:
    x = df.to_numpy(dtype=float)
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise SequenceError(f"{what}: value at row {_py(df.index[i])!r}, column {df.columns[j]!r} is missing or "
                            "infinite. Fill or drop it first.")
    return x


def log_tpm(df: pd.DataFrame, *, base: float | None = None) -> pd.DataFrame:
    """``log(TPM + 1)`` elementwise (natural log; ``base=2`` or ``10`` for other bases).

    Negative or missing values raise (TPM is >= 0).
    """
    x = _check_frame(df, "log_tpm")
    if (x < 0).any():
        i, j = map(int, np.argwhere(x < 0)[0])
        raise SequenceError(f"log_tpm: negative TPM {x[i, j]} at row {_py(df.index[i])!r}, column "
                            f"{df.columns[j]!r}. Give raw TPM (>= 0), not already-logged values.")
    y = np.log1p(x)
    if base is not None:
        y = y / np.log(base)
    return pd.DataFrame(y, index=df.index, columns=df.columns)


def quantile_normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Quantile-normalise across cells (rows): every row gets the same distribution.

    The reference distribution is the mean over rows of the sorted row values. Each value
    is replaced by the reference at its rank within its row; tied values get the average
    rank, and a fractional rank ``k + 0.5`` takes the mean of the reference at ``k`` and
    ``k + 1`` (linear interpolation). Rows are cells, columns TFs.
    """
    x = _check_frame(df, "quantile_normalise")
    if x.size == 0:
        return df.copy()
    ref = np.sort(x, axis=1).mean(axis=0)
    ranks = pd.DataFrame(x).rank(axis=1, method="average").to_numpy() - 1.0  # 0-based
    grid = np.arange(ref.size, dtype=float)
    out = np.vstack([np.interp(r, grid, ref) for r in ranks])
    return pd.DataFrame(out, index=df.index, columns=df.columns)


def average_replicates(df: pd.DataFrame, groups: Mapping | Sequence | pd.Series) -> pd.DataFrame:
    """Mean of the rows of each group; index = group names in order of first appearance.

    ``groups`` is a mapping row label -> group, or a sequence/Series aligned with the rows.
    """
    if isinstance(groups, Mapping):
        missing = [r for r in df.index if r not in groups]
        if missing:
            raise SequenceError(f"average_replicates: row(s) {missing[:5]} have no group. Give a group for "
                                "every row label.")
        g = [groups[r] for r in df.index]
    else:
        if isinstance(groups, pd.Series) and groups.index.equals(df.index):
            g = groups.tolist()
        else:
            g = list(groups)
        if len(g) != len(df):
            raise SequenceError(f"average_replicates: {len(g)} group labels for {len(df)} rows. Give one "
                                "group per row.")
        if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in g):
            raise SequenceError("average_replicates: a row has no group (None/NaN). Give a group for every row.")
    key = pd.Series(g, index=df.index, name="group")
    return df.groupby(key, sort=False).mean()


def restrict_to_tfs(df: pd.DataFrame, tfs: Iterable[str], *, missing: str = "error") -> pd.DataFrame:
    """Columns ``tfs`` of ``df`` in that order.

    TFs absent from ``df``: ``missing="error"`` (default) raises listing them; ``"drop"``
    leaves them out with a warning; ``"nan"`` adds them as all-NaN columns with a warning.
    """
    if missing not in ("error", "drop", "nan"):
        raise ValueError(f"missing must be 'error', 'drop' or 'nan', got {missing!r}")
    tfs = list(dict.fromkeys(tfs))
    absent = [t for t in tfs if t not in df.columns]
    if absent:
        msg = (f"{len(absent)} of {len(tfs)} TF(s) are not in the expression table: "
               f"{', '.join(absent[:20])}{' ...' if len(absent) > 20 else ''}")
        if missing == "error":
            raise SequenceError(msg + ". Add their columns, or pass missing='drop' (leave them out) or "
                                "missing='nan' (fill with NaN).")
        warnings.warn(msg + ("; they are left out." if missing == "drop" else "; filled with NaN."), stacklevel=2)
        if missing == "drop":
            tfs = [t for t in tfs if t in df.columns]
            return df.loc[:, tfs].copy()
    return df.reindex(columns=tfs)


# --------------------------------------------------------------------------- cell lists


def read_cells(path: str | os.PathLike) -> pd.DataFrame:
    """DeepCAGE ``cells.txt``: DataFrame ``[cell_id, biosample]`` (ids 1..N, no header)."""
    df = read_table(path, sep="\t", header=None, dtype=str, keep_default_na=False)
    if df.shape[1] != 2:
        raise SequenceError(f"{path}, line 1: {df.shape[1]} tab-separated column(s), expected 2 "
                            "('id<TAB>biosample name').")
    df.columns = ["cell_id", "biosample"]
    ok = df["cell_id"].str.strip().str.fullmatch(r"[0-9]+")
    if not ok.all():
        i = int(np.flatnonzero(~ok.to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 1}, column 1: {df['cell_id'].iloc[i]!r} is not an integer id. "
                            "Lines are 'id<TAB>biosample name'.")
    df["cell_id"] = df["cell_id"].astype(int)
    df["biosample"] = df["biosample"].str.strip()
    if (df["biosample"] == "").any():
        i = int(np.flatnonzero((df["biosample"] == "").to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 1}, column 2: empty biosample name. Fill it in.")
    if df["cell_id"].duplicated().any():
        i = int(np.flatnonzero(df["cell_id"].duplicated().to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 1}: cell id {df['cell_id'].iloc[i]} repeats. Ids must be unique.")
    return df


def read_bam_info(path: str | os.PathLike) -> pd.DataFrame:
    """DeepCAGE ``bam.info``: DataFrame ``[cell_id, dnase_experiment, bam_accession]``.

    No header; columns cell id (int), ENCODE DNase-seq experiment (``ENCSR...``) and BAM
    file (``ENCFF....bam``; the ``.bam`` suffix is dropped in ``bam_accession``).
    """
    df = read_table(path, sep="\t", header=None, dtype=str, keep_default_na=False)
    if df.shape[1] != 3:
        raise SequenceError(f"{path}, line 1: {df.shape[1]} tab-separated column(s), expected 3 "
                            "('cell_id<TAB>ENCSR...<TAB>ENCFF....bam').")
    df.columns = ["cell_id", "dnase_experiment", "bam_accession"]
    for col, pat, what in (("cell_id", r"[0-9]+", "an integer cell id"),
                           ("dnase_experiment", r"ENCSR[0-9A-Z]+", "an ENCODE experiment accession (ENCSR...)"),
                           ("bam_accession", r"ENCFF[0-9A-Z]+(\.bam)?", "an ENCODE file accession (ENCFF....bam)")):
        v = df[col].str.strip()
        ok = v.str.fullmatch(pat)
        if not ok.all():
            i = int(np.flatnonzero(~ok.to_numpy())[0])
            raise SequenceError(f"{path}, line {i + 1}, column {col}: {v.iloc[i]!r} is not {what}.")
        df[col] = v
    df["cell_id"] = df["cell_id"].astype(int)
    df["bam_accession"] = df["bam_accession"].str.replace(r"\.bam$", "", regex=True)
    if df["cell_id"].duplicated().any():
        i = int(np.flatnonzero(df["cell_id"].duplicated().to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 1}: cell id {df['cell_id'].iloc[i]} repeats. Ids must be unique.")
    return df


def match_cells(
    expression_ids: Iterable[int],
    cells: pd.DataFrame | str | os.PathLike,
    bam_info: pd.DataFrame | str | os.PathLike,
) -> pd.DataFrame:
    """Biosample names for the expression-matrix cell ids.

    The id mismatch: ``tf_gexp_matrix`` rows and ``bam.info`` use DeepCAGE's original cell
    ids (1–61 with gaps 5, 33, 42, 53, 55, 59 — 6 cell types dropped from an alphabetical
    list of 61), while ``cells.txt`` numbers the 55 remaining cell types 1–55. Both files
    list the same 55 cell types in the same (case-insensitive alphabetical) order, so the
    mapping is by rank: the k-th row of ``cells.txt`` (sorted by its id) is the k-th row of
    ``bam.info`` (sorted by its id). Looking up an expression id directly in ``cells.txt``
    is wrong from id 5 on.

    Verified on the real files: 55 ↔ 55 one to one, the expression ids equal the
    ``bam.info`` ids, and marker TFs peak in the expected cell types only under this
    mapping (GATA1 and TAL1 → K562, HNF4A → HepG2, PAX5 → GM12878, ESR1 → MCF-7,
    POU5F1 → H1-hESC, MYOD1 → skeletal muscle myoblast), whereas the naive id lookup
    gives e.g. PAX5 → GM23338, MYOD1 → spleen.

    Returns a DataFrame indexed by expression id (in the given order) with columns
    ``cells_txt_id``, ``biosample``, ``dnase_experiment``, ``bam_accession``.
    """
    cells_name = cells if not isinstance(cells, pd.DataFrame) else "cells table"
    bam_name = bam_info if not isinstance(bam_info, pd.DataFrame) else "bam.info table"
    if not isinstance(cells, pd.DataFrame):
        cells = read_cells(cells)
    if not isinstance(bam_info, pd.DataFrame):
        bam_info = read_bam_info(bam_info)
    c = cells.sort_values("cell_id").reset_index(drop=True)
    b = bam_info.sort_values("cell_id").reset_index(drop=True)
    if len(c) != len(b):
        raise SequenceError(f"match_cells: {cells_name} has {len(c)} cell types but {bam_name} has {len(b)} "
                            "rows; they must list the same cell types in the same order (one line each).")
    if c["cell_id"].tolist() != list(range(1, len(c) + 1)):
        raise SequenceError(f"match_cells: {cells_name} ids are not 1..{len(c)}; the rank mapping needs the "
                            "cells.txt numbering (line numbers).")
    table = pd.DataFrame({
        "cells_txt_id": c["cell_id"].to_numpy(),
        "biosample": c["biosample"].to_numpy(),
        "dnase_experiment": b["dnase_experiment"].to_numpy(),
        "bam_accession": b["bam_accession"].to_numpy(),
    }, index=pd.Index(b["cell_id"].to_numpy(), name="cell_id"))
    ids = [int(i) for i in expression_ids]
    unknown = [i for i in ids if i not in table.index]
    if unknown:
        raise SequenceError(f"match_cells: expression cell id(s) {unknown[:10]} are not in {bam_name} "
                            f"(ids {table.index.min()}-{table.index.max()}). Expression rows must use the "
                            "bam.info id space.")
    return table.loc[ids]


# --------------------------------------------------------------------------- user TPM tables


def read_tf_expression_tsv(
    path: str | os.PathLike, *, tfs: Iterable[str] | None = None, missing: str = "error"
) -> pd.DataFrame:
    """A user's TPM table: rows = genes, columns = samples; returns samples × genes (float).

    The first column holds gene (TF) symbols; its header is free (e.g. ``gene``); the
    other header fields are sample names. Tab-separated, plain or gzip. Checked: no gene
    symbol occurs twice (error naming the TF and both lines), sample names are unique,
    every value is a number >= 0 (error naming line, gene and sample). With ``tfs`` the
    result is restricted to those TFs in that order; absent TFs are handled as in
    :func:`restrict_to_tfs` (``missing="error"`` names them and the file).
    The orientation (samples × TFs) matches :func:`read_expression_matrix`.
    """
    raw = read_table(path, sep="\t", dtype=str, keep_default_na=False, header=None)
    if raw.shape[1] < 2 or len(raw) < 2:
        raise SequenceError(f"{path}: expected a header 'gene<TAB>sample1<TAB>...' and one row per gene "
                            f"(rows = genes, columns = samples); found {len(raw)} line(s) x {raw.shape[1]} "
                            "column(s).")
    header = [str(h).strip() for h in raw.iloc[0].tolist()]
    samples = header[1:]
    for k, s in enumerate(samples):
        if not s:
            raise SequenceError(f"{path}, line 1, column {k + 2}: empty sample name. Name every column.")
    dups = pd.Series(samples)[pd.Series(samples).duplicated()]
    if len(dups):
        raise SequenceError(f"{path}, line 1: sample column {dups.iloc[0]!r} repeats. Give each sample a "
                            "unique name (rows = genes, columns = samples).")
    body = raw.iloc[1:]
    genes = body.iloc[:, 0].str.strip()
    if (genes == "").any():
        i = int(np.flatnonzero((genes == "").to_numpy())[0])
        raise SequenceError(f"{path}, line {i + 2}, column 1: empty gene symbol. Fill it in or delete the row.")
    first_line: dict[str, int] = {}
    for i, g in enumerate(genes):
        if g in first_line:
            raise SequenceError(f"{path}, line {i + 2}: TF {g!r} occurs twice (lines {first_line[g]} and "
                                f"{i + 2}). Keep one row per TF (sum or average duplicates first).")
        first_line[g] = i + 2
    values = body.iloc[:, 1:].copy()
    values.index = pd.Index(genes.to_numpy(), name="gene")
    values.columns = samples
    df = _numeric_block(path, values, row_what="gene").T
    df.index.name = "sample"
    if tfs is not None:
        try:
            df = restrict_to_tfs(df, tfs, missing=missing)
        except SequenceError as exc:
            raise SequenceError(f"{path}: {exc}") from None
    return df


# --------------------------------------------------------------------------- per-cell-type profiles


def _merge_duplicate_columns(df: pd.DataFrame, what: str) -> pd.DataFrame:
    """Duplicated column labels: identical columns kept once, different ones raise naming them."""
    if df.columns.is_unique:
        return df
    x = df.to_numpy(dtype=float)
    keep = []
    seen: dict = {}
    for j, c in enumerate(df.columns):
        if c not in seen:
            seen[c] = j
            keep.append(j)
            continue
        first = seen[c]
        same = (x[:, j] == x[:, first]) | (np.isnan(x[:, j]) & np.isnan(x[:, first]))
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            raise SequenceError(
                f"{what}: gene {c!r} occurs in columns {first + 1} and {j + 1} with different values (row "
                f"{_py(df.index[i])!r}: {x[i, first]:g} vs {x[i, j]:g}). Keep one column per gene (sum or "
                "choose the right one) before building profiles.")
    return df.iloc[:, keep]


def expression_profiles(
    tpm: pd.DataFrame,
    cell_of_sample: Mapping | pd.Series,
    tfs: Iterable[str],
    *,
    missing: str = "error",
    normalise_over: str = "tfs",
) -> pd.DataFrame:
    """TF expression profile per cell type: tpm (samples × genes, TPM) -> DataFrame (cell types × tfs), float.

    DeepCAGE (Methods, "gene expression"): ``log(TPM + 1)`` (:func:`log_tpm`, natural
    log) -> quantile normalisation across samples, i.e. every sample (row) gets the same
    distribution (:func:`quantile_normalise`) -> mean of the replicate samples of each
    cell type (:func:`average_replicates`; cell types in order of first appearance in
    ``tpm``) -> the columns ``tfs`` in that order (:func:`restrict_to_tfs`).

    ``normalise_over`` chooses the genes the quantile normalisation sees:

    * ``"tfs"`` (default): only the TFs, as the paper reads ("The expression levels of the
      402 core TFs were ... extracted. After further log transformation and quantile
      normalization ..."; Figure 1: "extracted and quantile normalized").
    * ``"all"``: every gene column of ``tpm``, restricting to the TFs after averaging.

    ``cell_of_sample`` maps every row label of ``tpm`` (sample) to its cell type (a dict
    or a Series indexed by sample); samples without a cell type raise, extra entries are
    ignored.

    Gene columns: a gene that occurs in several columns of ``tpm`` is kept once when the
    columns are identical and raises, naming the gene and columns, when they differ. TFs
    of ``tfs`` that are not columns of ``tpm``: ``missing="error"`` (default) raises
    listing them; ``"zero"`` adds them as TPM 0 (not expressed) before the log and the
    normalisation, with a warning; ``"drop"`` leaves them out of the result, with a
    warning. A TF repeated in ``tfs`` (one column per motif, e.g. ``AR`` ×3 in
    HOCOMOCO order) is normalised once and repeated in the result, so the columns line up
    with a (loci × motifs) score matrix.
    """
    if missing not in ("error", "zero", "drop"):
        raise ValueError(f"missing must be 'error', 'zero' or 'drop', got {missing!r}")
    if normalise_over not in ("tfs", "all"):
        raise ValueError(f"normalise_over must be 'tfs' or 'all', got {normalise_over!r}")
    if not isinstance(tpm, pd.DataFrame):
        raise TypeError(f"expression_profiles: tpm must be a DataFrame (samples × genes); got {type(tpm).__name__}")
    what = f"expression_profiles ({tpm.attrs['source']})" if tpm.attrs.get("source") else "expression_profiles"
    tfs = [str(t) for t in tfs]
    if not tfs:
        raise ValueError("expression_profiles: tfs is empty; give the TF symbols (one per motif).")
    if tpm.shape[0] == 0 or tpm.shape[1] == 0:
        raise SequenceError(f"{what}: tpm has shape {tpm.shape}; it needs samples as rows and genes as columns.")
    if not tpm.index.is_unique:
        dup = tpm.index[tpm.index.duplicated()][0]
        raise SequenceError(f"{what}: sample {_py(dup)!r} occurs in several rows. Give each replicate a unique "
                            "row label (rows = samples, columns = genes).")
    df = _merge_duplicate_columns(tpm, what)
    unique_tfs = list(dict.fromkeys(tfs))
    absent = [t for t in unique_tfs if t not in df.columns]
    if absent:
        msg = (f"{what}: {len(absent)} of {len(unique_tfs)} TF(s) are not columns of tpm: "
               f"{', '.join(absent[:20])}{' ...' if len(absent) > 20 else ''}")
        if missing == "error":
            raise SequenceError(msg + ". Check the gene symbols (HGNC, same case), or pass missing='zero' "
                                "(TPM 0) or missing='drop' (leave them out).")
        if missing == "zero":
            warnings.warn(msg + "; they are set to TPM 0.", stacklevel=2)
            df = pd.concat([df, pd.DataFrame(0.0, index=df.index, columns=absent)], axis=1)
        else:
            warnings.warn(msg + "; they are left out.", stacklevel=2)
            unique_tfs = [t for t in unique_tfs if t not in absent]
            tfs = [t for t in tfs if t not in absent]
            if not tfs:
                raise SequenceError(msg + ". None of the TFs is left; check the gene symbols.")
    if normalise_over == "tfs":
        df = restrict_to_tfs(df, unique_tfs)
    df = df.astype(float)
    samples = list(df.index)
    if isinstance(cell_of_sample, pd.Series):
        cell_of_sample = cell_of_sample.to_dict()
    no_cell = [s for s in samples if s not in cell_of_sample or pd.isna(cell_of_sample[s])]
    if no_cell:
        raise SequenceError(f"{what}: {len(no_cell)} sample(s) have no cell type in cell_of_sample: "
                            f"{', '.join(repr(_py(s)) for s in no_cell[:10])}{' ...' if len(no_cell) > 10 else ''}. "
                            "Map every row label of tpm to its cell type.")
    x = df.to_numpy()
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        fix = ("Give raw TPM (>= 0), not already-logged values." if np.isfinite(x[i, j]) else
               "Fill it (0 if not expressed) or drop the sample / gene.")
        raise SequenceError(f"{what}: TPM {x[i, j]} at sample {_py(df.index[i])!r}, gene {df.columns[j]!r} is not "
                            f"a number >= 0. {fix}")
    profiles = average_replicates(quantile_normalise(log_tpm(df)), {s: cell_of_sample[s] for s in samples})
    profiles.index.name = "cell_type"
    out = profiles.loc[:, tfs]  # restrict (normalise_over='all') and repeat per motif, in tfs order
    return out.copy()
