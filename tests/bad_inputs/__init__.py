"""The corpus of bad inputs a reader might hand the book, made by the tests.

``make_corpus(folder)`` writes every bad file into ``folder`` and returns their paths by
name; ``tests/test_bad_inputs.py`` checks that each one stops with a message naming the
file, the record or line, and the fix. Nothing here is committed as data: the files are
written fresh by every test session.
"""

from __future__ import annotations

import gzip
from pathlib import Path


def _write(path: Path, text: str, newline: str = "\n", gz: bool = False) -> Path:
    """Write ``text`` with the given line ending (bytes as written, no platform translation)."""
    data = text.replace("\n", newline).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _records(prefix: str, lengths: list[int]) -> str:
    """FASTA text of records prefix1, prefix2, ... with the given lengths (60 letters a line)."""
    out = []
    for i, n in enumerate(lengths, 1):
        s = ("ACGGTCAT" * (n // 8 + 1))[:n]
        out.append(f">{prefix}{i}\n" + "\n".join(s[j:j + 60] for j in range(0, n, 60)) + "\n")
    return "".join(out)


def make_corpus(folder: Path) -> dict[str, Path]:
    """Write every bad input under ``folder``; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    f: dict[str, Path] = {}
    f["empty_fasta"] = _write(folder / "empty.fa", "")
    f["non_dna_fasta"] = _write(folder / "non_dna.fa", ">ok\nACGTACGT\n>bad1\nACGTXCGT\n")
    f["iupac_fasta"] = _write(folder / "iupac.fa", ">r1\nACGTACGT\n>r2\nACRTACGT\n")
    f["lowercase_n_runs_fasta"] = _write(folder / "soft.fa", ">r1\nacgtNNNNNNacgt\n>r2\nACGTNNNNNNACGT\n")
    f["wrong_length_fasta"] = _write(folder / "lengths.fa", ">r1\nACGTACGT\n>r2\nACGTAC\n")
    f["count_mismatch_fasta"] = _write(folder / "three.fa", ">r1\nACGT\n>r2\nACGA\n>r3\nTTTT\n")
    f["count_mismatch_labels"] = _write(folder / "two.tsv", "name\tlabel\nr1\t1\nr2\t0\n")
    f["bed_too_few_columns"] = _write(folder / "two_cols.bed", "chr1\t100\t200\nchr1\t300\n")
    f["bed_start_after_end"] = _write(folder / "reversed.bed", "chr1\t100\t200\nchr2\t500\t400\n")
    f["tsv_duplicated_tf"] = _write(
        folder / "dup_tf.tsv", "gene\tK562\tHepG2\nGATA1\t10\t0.5\nTAL1\t4\t1\nGATA1\t9\t0.4\n")
    f["tsv_missing_tf"] = _write(folder / "missing_tf.tsv", "gene\tK562\tHepG2\nGATA1\t10\t0.5\n")
    f["matrix_duplicated_tf"] = _write(
        folder / "dup_matrix.txt", "#cell\tAR\tGATA1\tAR\n1\t1.0\t2.0\t3.0\n2\t1.5\t0.0\t2.5\n")
    # A reader's labelled sequences whose classes differ in length: positives 180-250 bp,
    # negatives 300 bp. Padding them silently would let a model read the label off the Ns.
    f["unequal_by_class_fasta"] = _write(folder / "unequal.fa",
                                         _records("pos", [180, 250, 220]) + _records("neg", [300, 300]))
    f["unequal_by_class_labels"] = _write(
        folder / "unequal.tsv", "name\tlabel\n" + "".join(f"pos{i}\t1\n" for i in (1, 2, 3))
        + "".join(f"neg{i}\t0\n" for i in (1, 2)))
    f["all_n_fasta"] = _write(folder / "all_n.fa", ">ok\nACGTNNNN\n>gap7\nNNNNNNNN\nnnnn\n>ok2\nACGTACGT\n")
    f["empty_record_fasta"] = _write(folder / "empty_record.fa", ">r1\nACGT\n>r2\n>r3\nACGT\n")
    # The same two labelled records with Windows (CRLF) and old-Mac (CR) line endings, and
    # CRLF inside a gzip file: all read exactly as the LF text.
    lf_fasta, lf_labels = ">s1 first\nACGTAC\nGT\n>s2\nggccaatt\n", "name\tlabel\ns1\t1\ns2\t0\n"
    f["crlf_fasta"] = _write(folder / "crlf.fa", lf_fasta, "\r\n")
    f["crlf_labels"] = _write(folder / "crlf.tsv", lf_labels, "\r\n")
    f["cr_fasta"] = _write(folder / "cr.fa", lf_fasta, "\r")
    f["gz_crlf_fasta"] = _write(folder / "crlf.fa.gz", lf_fasta, "\r\n", gz=True)
    full = gzip.compress(("sequence,label\n" + "ACGTACGTAC,1\n" * 4000).encode())
    (folder / "truncated.csv.gz").write_bytes(full[: len(full) // 2])
    f["truncated_gzip"] = folder / "truncated.csv.gz"
    return f
