"""A reader's accessibility data as plain files -> :class:`~genomebook.datasets.accessibility.AccessibilityData`.

The chapters ``chromatin_accessibility`` and ``deepcage`` take ``data_dir``: a folder written
by :meth:`AccessibilityData.save` (``.npy`` arrays), or a folder of the plain files below,
read by :func:`read_accessibility_files`. A folder without any ``.npy`` file is read as plain
files (:func:`is_plain_folder`). All files may be plain or gzip (``.gz`` added to the name).

``labels.tsv`` (required)
    Loci × cell types peak calls, tab-separated: a header ``locus<TAB>cell type 1<TAB>...``
    (the first header field is free), then one row per locus, its name first, then ``0`` or
    ``1`` per cell type (1 = peak). Peaks are not derived from signal by a threshold.
``counts.tsv`` or ``signal.tsv`` (optional; the ``deepcage`` chapter needs one)
    The same loci and cell types. ``counts.tsv``: read counts (whole numbers >= 0), turned
    into the signal the simulated world uses, ``log1p(N n_lk / N_k)`` with ``N_k`` the total
    count of cell type k and ``N = min_k N_k``
    (:func:`genomebook.datasets.peaks.normalise_counts`, DeepCAGE's normalisation).
    ``signal.tsv``: a signal already normalised, used as given.
``expression.tsv`` (required)
    TF expression in TPM (not logged), TFs × cell types (first column the TF symbols, header
    the cell types) or cell types × TFs; the side whose names are the cell types of
    ``labels.tsv`` is the cell axis. Its cell types must be those of ``labels.tsv``. As in the
    simulated and real-expression paths, the TFs kept get ``log(TPM + 1)`` and quantile
    normalisation across cell types (:func:`genomebook.datasets.deepcage.log_tpm`,
    :func:`~genomebook.datasets.deepcage.quantile_normalise`).
``loci.bed`` (optional)
    ``chrom<TAB>start<TAB>end[<TAB>name]`` (0-based, half-open), one line per locus; without a
    name column a locus is named ``chrom:start-end``. Without ``loci.bed`` the row names of
    ``labels.tsv`` must be ``chrom:start-end``.
``windows.fa`` or ``genome.fa`` (one of them)
    ``windows.fa``: one record per locus, named as the loci, all of one length (the window).
    ``genome.fa``: the genome the loci are on (plain, bgzip or gzip; read with
    :func:`genomebook.datasets.genomes.read_genome`); the window is ``window`` bp centred on
    each locus's midpoint (:func:`genomebook.datasets.windows.bin_windows`), padded with N
    where it runs past a chromosome end; a locus itself past the end is an error.

IUPAC ambiguity letters read as N. Motif scores: each TF of ``expression.tsv`` gets one motif
of ``motif_source`` by name (case-insensitive; the first motif of that name), and the best
log-odds score of that motif over each window, both strands, is computed with
:func:`genomebook.motifs.scan` as the simulated world does; TFs without a motif are left out
(listed in the notes). Errors are :class:`genomebook.seq.SequenceError` naming the file, the
line or record, and the fix.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from genomebook.datasets import registry
from genomebook.datasets._io import MissingFileError, count_ambiguous, read_fasta_records, read_lines, read_table
from genomebook.datasets.accessibility import AccessibilityData, one_hot_codes
from genomebook.datasets.deepcage import log_tpm, quantile_normalise
from genomebook.datasets.genomes import read_genome
from genomebook.datasets.motif_files import read_motif_file
from genomebook.datasets.peaks import normalise_counts, read_bed
from genomebook.datasets.windows import bin_windows
from genomebook.motifs import JASPAR_TAXA, Motif, load_jaspar, log_odds, scan
from genomebook.seq import BASE_CODE, SequenceError, validate

__all__ = ["READER", "DEFAULT_WINDOW", "describe_files", "is_plain_folder", "read_accessibility_files"]

#: ``meta["reader"]`` of data read from plain files.
READER = "plain files (genomebook.datasets.accessibility_files)"
#: Window (bp) read around each locus from ``genome.fa`` when none is given: DeepCAGE's 1000 bp.
DEFAULT_WINDOW = 1000
_LOCUS = re.compile(r"^(?P<chrom>[^:\s]+):(?P<start>\d+)-(?P<end>\d+)$")
_SCAN_BATCH = 1024
_FOLDER_HELP = ("A plain folder holds labels.tsv (loci × cell types, 0/1), expression.tsv (TPM), windows.fa or "
                "genome.fa, and optionally loci.bed and counts.tsv or signal.tsv (see book/your-data.md, "
                "'Accessibility across cell types').")


def _find(folder: Path, stem: str) -> Path | None:
    """``folder/stem`` or ``folder/stem.gz``; None when neither exists (both: an error)."""
    plain, gz = folder / stem, folder / f"{stem}.gz"
    if plain.exists() and gz.exists():
        raise SequenceError(f"{folder}: holds both {stem} and {stem}.gz; keep one of them.")
    return plain if plain.exists() else gz if gz.exists() else None


def _need(folder: Path, stem: str, what: str) -> Path:
    path = _find(folder, stem)
    if path is None:
        raise MissingFileError(f"{folder}: no {stem} (or {stem}.gz): {what} is missing. {_FOLDER_HELP}")
    return path


def is_plain_folder(data_dir: str | os.PathLike) -> bool:
    """True when ``data_dir`` is a folder holding no ``.npy`` file (read as plain files), False for a
    folder written by :meth:`AccessibilityData.save`. A missing folder raises naming where it was
    looked for. Used by :func:`genomebook.workflows.deepcage.load_or_simulate` (the chapters
    ``chromatin_accessibility`` and ``deepcage``)."""
    d = Path(data_dir).expanduser()
    if not d.is_dir():
        raise MissingFileError(f"data_dir={str(data_dir)!r}: no such folder (looked for {d.absolute()}; relative "
                               f"paths are read from {Path.cwd()}). Give a folder of plain files or one written "
                               f"by AccessibilityData.save. {_FOLDER_HELP}")
    return not any(d.glob("*.npy"))


# --------------------------------------------------------------------------- tables


def _data_line(path: Path, row: int) -> int:
    """File line (1-based) of data row ``row`` (0-based, after the header); blank lines are skipped
    as pandas skips them."""
    k = -1
    for i, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        if k == row:
            return i
        k += 1
    return -1


def _read_matrix(path: Path, what: str) -> pd.DataFrame:
    """A tab-separated table with a header and row names -> DataFrame of float (rows × columns).

    Checked: unique, non-empty row and column names; every value a finite number."""
    raw = read_table(path, sep="\t", dtype=str, keep_default_na=False, header=None)
    if raw.shape[1] < 2 or len(raw) < 2:
        raise SequenceError(f"{path}: expected a header line and one row per {what} (tab-separated, the "
                            f"first column naming the row); found {len(raw)} line(s) x {raw.shape[1]} column(s).")
    header = [str(h).strip() for h in raw.iloc[0].tolist()]
    cols = header[1:]
    for k, c in enumerate(cols):
        if not c:
            raise SequenceError(f"{path}, line 1, column {k + 2}: empty column name. Name every column.")
    dup = pd.Series(cols)[pd.Series(cols).duplicated()]
    if len(dup):
        raise SequenceError(f"{path}, line 1: column {dup.iloc[0]!r} occurs twice. Give each column a unique name.")
    body = raw.iloc[1:]
    names = body.iloc[:, 0].astype(str).str.strip().to_numpy()
    empty = np.flatnonzero(names == "")
    if empty.size:
        raise SequenceError(f"{path}, line {_data_line(path, int(empty[0]))}, column 1: empty row name. "
                            "Name every row (a locus name, a TF symbol or a cell type).")
    first: dict[str, int] = {}
    for i, n in enumerate(names):
        if n in first:
            raise SequenceError(f"{path}, line {_data_line(path, i)}: row {n!r} occurs twice (also line "
                                f"{_data_line(path, first[n])}). Keep one row per {what}.")
        first[n] = i
    values = body.iloc[:, 1:].apply(lambda s: pd.to_numeric(s.str.strip(), errors="coerce")).to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise SequenceError(f"{path}, line {_data_line(path, i)}, column {j + 2} ({cols[j]!r}): "
                            f"{body.iloc[i, j + 1]!r} is not a number. Give a number in every cell.")
    return pd.DataFrame(values, index=pd.Index(names, name=header[0] or "name"), columns=cols)


def _check_values(path: Path, df: pd.DataFrame, ok: np.ndarray, need: str) -> None:
    if not ok.all():
        i, j = map(int, np.argwhere(~ok)[0])
        raise SequenceError(f"{path}, line {_data_line(path, i)}, column {j + 2} ({df.columns[j]!r}): "
                            f"{df.iat[i, j]:g} is not {need}.")


def _same_names(path: Path, got, want, what: str, where: str) -> None:
    got, want = list(got), list(want)
    missing = [n for n in want if n not in set(got)]
    extra = [n for n in got if n not in set(want)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} {what} of {where} missing ({', '.join(map(str, missing[:5]))}"
                         f"{', ...' if len(missing) > 5 else ''})")
        if extra:
            parts.append(f"{len(extra)} not in {where} ({', '.join(map(str, extra[:5]))}"
                         f"{', ...' if len(extra) > 5 else ''})")
        raise SequenceError(f"{path}: its {what} do not match those of {where}: {'; '.join(parts)}. Give the "
                            f"same {what} in both files (names are compared exactly, case included).")


# --------------------------------------------------------------------------- loci


def _loci_from_names(path: Path, names) -> pd.DataFrame:
    rows = []
    for i, n in enumerate(names):
        m = _LOCUS.match(str(n))
        if m is None:
            raise SequenceError(f"{path}, line {_data_line(path, i)}: row name {n!r} is not 'chrom:start-end', "
                                "and the folder has no loci.bed. Name the rows chrom:start-end (0-based, "
                                "half-open) or add loci.bed (chrom, start, end, name).")
        start, end = int(m["start"]), int(m["end"])
        if start >= end:
            raise SequenceError(f"{path}, line {_data_line(path, i)}: locus {n!r} has start >= end; give "
                                "chrom:start-end with start < end (0-based, half-open).")
        rows.append((m["chrom"], start, end, str(n)))
    return pd.DataFrame(rows, columns=["chrom", "start", "end", "name"])


def _loci_from_bed(path: Path) -> pd.DataFrame:
    bed = read_bed(path)
    loci = bed[["chrom", "start", "end"]].copy()
    loci["chrom"] = loci["chrom"].astype(str)
    if "name" in bed.columns:
        loci["name"] = bed["name"].astype(str).str.strip()
    else:
        loci["name"] = [f"{c}:{s}-{e}" for c, s, e in zip(loci["chrom"], loci["start"], loci["end"])]
    empty = loci["start"].to_numpy() >= loci["end"].to_numpy()
    if empty.any():
        j = int(np.flatnonzero(empty)[0])
        raise SequenceError(f"{path}: locus {j + 1} ({loci['name'].iloc[j]}) is empty (start {loci['start'].iloc[j]}"
                            f" = end); give loci with start < end.")
    dup = loci["name"][loci["name"].duplicated()]
    if len(dup):
        raise SequenceError(f"{path}: locus name {dup.iloc[0]!r} occurs more than once; give each locus a unique "
                            "name (column 4), or leave the column out to name loci chrom:start-end.")
    return loci.reset_index(drop=True)


# --------------------------------------------------------------------------- sequences


def _codes(seqs: list[str]) -> np.ndarray:
    """Upper-case strings of one length -> (n, L) uint8 codes A0 C1 G2 T3, N4."""
    if not seqs:
        return np.zeros((0, 0), dtype=np.uint8)
    buf = np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)
    return BASE_CODE[buf].reshape(len(seqs), -1)


def _window_sequences(path: Path, loci: pd.DataFrame, window: int | None, notes: list[str]) -> np.ndarray:
    records = read_fasta_records(path)
    names = [r.header.split()[0] if r.header else "" for r in records]
    by_name: dict[str, int] = {}
    for i, (r, n) in enumerate(zip(records, names)):
        if not n:
            raise SequenceError(f"{path}, line {r.line}: the header has no name; name each record after its locus.")
        if n in by_name:
            raise SequenceError(f"{path}, line {r.line}: record {n!r} occurs twice (also line "
                                f"{records[by_name[n]].line}); give one window per locus.")
        by_name[n] = i
    _same_names(path, names, loci["name"], "record names", "the loci")
    order = [by_name[n] for n in loci["name"]]
    first = records[order[0]]
    length = len(first.sequence)
    for i in order:
        r = records[i]
        if len(r.sequence) != length:
            raise SequenceError(f"{path}, record {names[i]!r} (line {r.line}): {len(r.sequence)} bp, but record "
                                f"{names[order[0]]!r} (line {first.line}) has {length} bp. Every window must have "
                                "one length: cut them to the same length centred on each locus (or give genome.fa "
                                "and a window).")
    if window is not None and int(window) != length:
        raise SequenceError(f"{path}: the windows are {length} bp but window={window} was given; window applies "
                            "to genome.fa only. Leave it out (None), or give windows of that length.")
    raw = [records[i].sequence for i in order]
    n_amb = sum(count_ambiguous(s) for s in raw)
    seqs = validate(raw, [names[i] for i in order], allow_iupac=True, source=path)
    if n_amb:
        notes.append(f"{n_amb:,} IUPAC ambiguity letters in {path.name} read as N.")
    return _codes(seqs)


def _genome_sequences(path: Path, loci: pd.DataFrame, loci_file: Path, window: int,
                      notes: list[str]) -> np.ndarray:
    genome = read_genome(path)
    absent = sorted(set(loci["chrom"]) - set(genome.lengths))
    if absent:
        shown = ", ".join(repr(k) for k in list(genome.lengths)[:5])
        raise SequenceError(f"{path} has no sequence named {', '.join(map(repr, absent[:5]))} (chromosome of "
                            f"loci in {loci_file.name}); it has {shown}{', ...' if len(genome) > 5 else ''} "
                            f"({len(genome)} in all). Check the chromosome naming ('chr1' vs '1') and the genome "
                            "build.")
    size = loci["chrom"].map(genome.lengths).to_numpy(dtype=np.int64)
    off = loci["end"].to_numpy(dtype=np.int64) > size
    if off.any():
        j = int(np.flatnonzero(off)[0])
        r = loci.iloc[j]
        raise SequenceError(f"{loci_file}: locus {r['name']!r} ({r['chrom']}:{r['start']}-{r['end']}) runs past the "
                            f"end of {r['chrom']} in {path.name} (length {size[j]:,}); {int(off.sum())} locus/loci "
                            "do. Is genome.fa the genome build of the loci (e.g. hg19 vs hg38)? Remove such loci.")
    win = bin_windows(loci[["chrom", "start", "end"]], int(window))
    seqs, padded = [], 0
    for c, s, e, n in zip(win["chrom"], win["start"].to_numpy(), win["end"].to_numpy(), size):
        lo, hi = max(0, int(s)), min(int(n), int(e))
        part = genome.fetch(c, lo, hi)
        left, right = lo - int(s), int(e) - hi
        if left or right:
            padded += 1
            part = "N" * left + part + "N" * right
        seqs.append(part)
    if padded:
        notes.append(f"{padded:,} windows run past a chromosome end and are padded with N.")
    n_amb = sum(genome.n_ambiguous.values())
    if n_amb:
        notes.append(f"{n_amb:,} IUPAC ambiguity letters of {path.name} (chromosomes read) read as N.")
    return _codes(seqs)


# --------------------------------------------------------------------------- motifs


def _motif_source(motif_source: str, mirror) -> tuple[list[Motif], str]:
    """(motifs, description) of the chapter's ``motif_source`` for a reader's files."""
    spec = str(motif_source)
    if spec == "jaspar":
        return load_jaspar(), "JASPAR 2024 CORE vertebrates"
    if spec in JASPAR_TAXA:
        return load_jaspar(tax_group=spec), f"JASPAR 2024 CORE {spec}"
    if spec == "hocomoco":  # as the simulated world reads them
        table = registry.read("deepcage_hocomoco_core_tsv", mirror=mirror)
        names = dict(zip(table["motif_id"], table["tf"]))
        return (registry.read("deepcage_hocomoco_core_homer", mirror=mirror, names=names),
                "HOCOMOCO v11 core (DeepCAGE's motifs)")
    path = Path(spec).expanduser()
    if not path.exists():
        raise MissingFileError(
            f"motif_source={spec!r} is neither 'jaspar', 'hocomoco', a JASPAR group ({', '.join(JASPAR_TAXA)}) nor "
            f"an existing motif file (looked for {path.absolute()}; relative paths are read from {Path.cwd()}).")
    return read_motif_file(path), f"{path.name} (motif file)"


def _motif_scores(codes: np.ndarray, motifs: list[Motif]) -> np.ndarray:
    """(n_loci, n_tfs) best log-odds score of each motif over each window, both strands."""
    pwms = [log_odds(m.counts) for m in motifs]
    out = np.empty((codes.shape[0], len(motifs)), dtype=np.float32)
    for lo in range(0, codes.shape[0], _SCAN_BATCH):
        out[lo: lo + _SCAN_BATCH] = scan(one_hot_codes(codes[lo: lo + _SCAN_BATCH]), pwms).max_score
    return out


# --------------------------------------------------------------------------- the reader


def _expression(path: Path, cell_types: list[str], labels_path: Path) -> tuple[pd.DataFrame, str]:
    """expression.tsv as cell types × TFs (TPM) in the order of ``cell_types``, and its orientation."""
    table = _read_matrix(path, "TF or cell type")
    cells = set(cell_types)
    by_cols, by_rows = len(cells & set(table.columns)), len(cells & set(table.index))
    if by_rows > by_cols:
        tpm, orient, names = table, "cell types × TFs", table.index
    else:
        tpm, orient, names = table.T, "TFs × cell types", table.columns
    if max(by_rows, by_cols) == 0:
        raise SequenceError(f"{path}: none of its row or column names is a cell type of {labels_path.name} "
                            f"({', '.join(cell_types[:5])}{', ...' if len(cell_types) > 5 else ''}). Give TFs × cell "
                            "types (first column the TF symbols, header the cell types) or cell types × TFs, with "
                            f"the cell types named as in {labels_path.name}.")
    _same_names(path, names, cell_types, "cell types", labels_path.name)
    neg = tpm.to_numpy() < 0
    if neg.any():
        i, j = map(int, np.argwhere(neg)[0])
        row, col = (i, j) if orient == "cell types × TFs" else (j, i)
        raise SequenceError(f"{path}, line {_data_line(path, row)}, column {col + 2}: {tpm.iat[i, j]:g} is negative. "
                            "Give TPM (>= 0), not log values: the chapter applies log(TPM + 1) itself.")
    return tpm.loc[cell_types], orient


def read_accessibility_files(data_dir: str | os.PathLike, *, motif_source: str = "jaspar",
                             window: int | None = None, need_signal: bool = False,
                             mirror=None) -> AccessibilityData:
    """Read a folder of plain files (see the module docstring) into an :class:`AccessibilityData`.

    ``motif_source``: ``"jaspar"`` (JASPAR 2024 CORE vertebrates), a JASPAR group
    (``"insects"``, ``"plants"``, ...), ``"hocomoco"`` (DeepCAGE's HOCOMOCO v11 core, from the
    registry; ``mirror`` goes to it) or the path of a MEME, JASPAR, HOMER or TRANSFAC motif file.
    ``window``: bp read around each locus from ``genome.fa`` (None: :data:`DEFAULT_WINDOW`);
    with ``windows.fa`` the records' length is the window. ``need_signal``: a missing
    ``counts.tsv``/``signal.tsv`` is an error (the ``deepcage`` chapter's regression); otherwise
    the signal is NaN, with a note. ``meta`` holds the reader (:data:`READER`), the files read,
    how signal and expression were made, the TFs left out, and ``notes`` (lines to print);
    :func:`describe_files` turns it into a data card. Used by the chapters
    ``chromatin_accessibility`` and ``deepcage`` through
    :func:`genomebook.workflows.deepcage.load_or_simulate`.
    """
    folder = Path(data_dir).expanduser()
    is_plain_folder(folder)  # a missing folder raises here
    notes: list[str] = []
    files: dict[str, str] = {}

    # ---- labels (and the loci)
    labels_path = _need(folder, "labels.tsv", "the peak calls (loci × cell types, 0/1)")
    files["labels"] = labels_path.name
    labels = _read_matrix(labels_path, "locus")
    _check_values(labels_path, labels, np.isin(labels.to_numpy(), (0.0, 1.0)),
                  "0 or 1 (1 = peak); labels.tsv holds peak calls (counts go in counts.tsv)")
    cell_types = list(labels.columns)
    bed_path = _find(folder, "loci.bed")
    if bed_path is not None:
        files["loci"] = bed_path.name
        loci = _loci_from_bed(bed_path)
        _same_names(labels_path, labels.index, loci["name"], "loci (row names)", bed_path.name)
        loci_file = bed_path
    else:
        loci = _loci_from_names(labels_path, labels.index)
        loci_file = labels_path
    labels = labels.loc[loci["name"]]

    # ---- signal
    counts_path, signal_path = _find(folder, "counts.tsv"), _find(folder, "signal.tsv")
    if counts_path is not None and signal_path is not None:
        raise SequenceError(f"{folder}: holds both {counts_path.name} and {signal_path.name}; give read counts "
                            "(counts.tsv, normalised here) or a normalised signal (signal.tsv), not both.")
    if counts_path is not None or signal_path is not None:
        path = counts_path or signal_path
        files["signal"] = path.name
        table = _read_matrix(path, "locus")
        _same_names(path, table.index, loci["name"], "loci (row names)", loci_file.name)
        _same_names(path, table.columns, cell_types, "cell types (header)", labels_path.name)
        if counts_path is not None:
            x = table.to_numpy()
            _check_values(path, table, (x >= 0) & (x == np.floor(x)), "a read count (a whole number >= 0)")
        table = table.loc[loci["name"], cell_types]
        if counts_path is not None:
            x = table.to_numpy()
            try:
                signal = normalise_counts(table)
            except ValueError as exc:
                raise SequenceError(f"{path}: {exc}") from None
            depth = x.sum(axis=0)
            how = f"log1p(N n/N_k) of counts.tsv, N = min_k N_k = {depth.min():,.0f} (DeepCAGE's normalisation)"
        else:
            signal = table.to_numpy(dtype=np.float32)
            how = "signal.tsv, used as given"
    elif need_signal:
        raise MissingFileError(f"{folder}: no counts.tsv or signal.tsv: this chapter also predicts the signal "
                               "(regression). Add read counts per locus and cell type (counts.tsv) or a normalised "
                               f"signal (signal.tsv), with the loci and cell types of {labels_path.name}.")
    else:
        signal = np.full(labels.shape, np.nan, dtype=np.float32)
        how = "none (no counts.tsv or signal.tsv; this chapter uses the peak labels only)"
        notes.append("No counts.tsv or signal.tsv: the signal is left empty (NaN); the peak labels are used.")

    # ---- expression and motifs
    expr_path = _need(folder, "expression.tsv", "the TF expression (TPM, TFs × cell types)")
    files["expression"] = expr_path.name
    tpm, orient = _expression(expr_path, cell_types, labels_path)
    collection, motif_text = _motif_source(motif_source, mirror)
    by_name: dict[str, Motif] = {}
    for m in collection:
        by_name.setdefault(m.name.upper(), m)
    tfs = [t for t in tpm.columns if t.upper() in by_name]
    without = [t for t in tpm.columns if t.upper() not in by_name]
    if not tfs:
        raise SequenceError(f"{expr_path}: none of its {tpm.shape[1]} TFs ({', '.join(list(tpm.columns)[:5])}"
                            f"{', ...' if tpm.shape[1] > 5 else ''}) has a motif in {motif_text}. Use TF symbols "
                            "as the motif names (case is ignored), or choose another motif_source (a JASPAR group "
                            "or your own motif file).")
    if without:
        notes.append(f"{len(without)} of {tpm.shape[1]} TFs of {expr_path.name} have no motif in {motif_text} and "
                     f"are left out: {', '.join(without[:10])}{', ...' if len(without) > 10 else ''}.")
    motifs = [Motif(by_name[t.upper()].id, t, by_name[t.upper()].counts) for t in tfs]
    tpm = tpm[tfs]
    top = float(tpm.to_numpy().max())
    if top <= 20:
        notes.append(f"The largest expression value in {expr_path.name} is {top:g}: if these are already log "
                     "values, give TPM instead (the chapter applies log(TPM + 1) itself).")
    expression = quantile_normalise(log_tpm(tpm)).to_numpy(dtype=np.float32)

    # ---- sequences
    win_path, genome_path = _find(folder, "windows.fa"), _find(folder, "genome.fa")
    if win_path is not None and genome_path is not None:
        raise SequenceError(f"{folder}: holds both {win_path.name} and {genome_path.name}; give the windows "
                            "(windows.fa) or the genome to cut them from (genome.fa), not both.")
    if win_path is not None:
        files["sequences"] = win_path.name
        codes = _window_sequences(win_path, loci, window, notes)
        window_from = f"the records of {win_path.name}"
    elif genome_path is not None:
        files["sequences"] = genome_path.name
        w = DEFAULT_WINDOW if window is None else window
        if not isinstance(w, (int, np.integer)) or isinstance(w, bool) or w < 1:
            raise ValueError(f"window={window!r}: give a whole number of bp >= 1 (or None for {DEFAULT_WINDOW}).")
        codes = _genome_sequences(genome_path, loci, loci_file, int(w), notes)
        window_from = f"{int(w)} bp centred on each locus, from {genome_path.name}"
    else:
        raise MissingFileError(f"{folder}: no windows.fa or genome.fa: the sequences are missing. Give one record "
                               "per locus (windows.fa, named as the loci, all one length) or the genome the loci "
                               "are on (genome.fa; the window parameter sets the length read).")
    wide = [m for m in motifs if m.width > codes.shape[1]]
    if wide:
        raise SequenceError(f"{motif_text}: motif {wide[0].id} ({wide[0].name}, {wide[0].width} bp) is longer than "
                            f"the {codes.shape[1]} bp windows; use longer windows.")
    motif_scores = _motif_scores(codes, motifs)

    lab = labels.to_numpy(dtype=np.int8)
    meta = {"reader": READER, "folder": str(folder.absolute()), "files": files, "window_from": window_from,
            "signal_from": how, "expression_from": (f"{expr_path.name} ({orient}, TPM): log(TPM + 1), quantile "
                                                    "normalised across cell types over the TFs kept"),
            "motif_source": motif_text, "motif_ids": [m.id for m in motifs],
            "tfs_in_expression": len(tfs) + len(without),
            "tfs_without_motif": without, "positive_share": float(lab.mean()), "notes": notes}
    return AccessibilityData(codes=codes, motif_scores=motif_scores, expression=expression, labels=lab,
                             signal=np.asarray(signal, dtype=np.float32),
                             loci=loci[["chrom", "start", "end", "name"]], tfs=tfs, cell_types=cell_types, meta=meta)


def describe_files(data: AccessibilityData) -> pd.DataFrame:
    """Data card (field, value) of data read by :func:`read_accessibility_files`: the reader's numbers
    (loci, cell types, TFs, window, share of positive labels) and how each array was made. Shown
    by the chapters ``chromatin_accessibility`` and ``deepcage`` in their "Your data" cell."""
    meta = data.meta
    labels = np.asarray(data.labels)
    rows = [
        ("folder", meta.get("folder", "")),
        ("files", ", ".join(meta.get("files", {}).values())),
        ("loci", f"{data.n_loci:,}"),
        ("cell types", str(data.n_cells)),
        ("TFs (with a motif / in the expression table)", f"{data.n_tfs} / {meta.get('tfs_in_expression', data.n_tfs)}"),
        ("window (bp)", f"{data.seq_len} ({meta.get('window_from', '')})"),
        ("positive labels (locus × cell type)", f"{labels.mean():.1%}"),
        ("signal", meta.get("signal_from", "")),
        ("expression", meta.get("expression_from", "")),
        ("motifs", meta.get("motif_source", "")),
    ]
    return pd.DataFrame(rows, columns=["field", "value"])
