"""DeepCAGE inputs from real-data files: read counts per bin, TF expression profiles, motif scores.

Tiny files are written here (plain and gzip); expected values are computed by hand in the
comments, and every error message is checked for the file, the line / row and the fix.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genomebook.datasets.deepcage import expression_profiles
from genomebook.datasets.peaks import normalise_counts, pooled_bin_counts, read_bin_counts
from genomebook.datasets.windows import bin_windows, window_motif_scores
from genomebook.motifs import Motif
from genomebook.seq import SequenceError


def write(tmp_path: Path, name: str, text: str, gz: bool = False) -> Path:
    p = tmp_path / (name + (".gz" if gz else ""))
    data = text.encode()
    p.write_bytes(gzip.compress(data) if gz else data)
    return p


def raises(match_all: list[str], fn, *args, exc=SequenceError, **kw) -> str:
    with pytest.raises(exc) as info:
        fn(*args, **kw)
    msg = str(info.value)
    for s in match_all:
        assert s in msg, f"{s!r} not in {msg!r}"
    return msg


# --------------------------------------------------------------------------- read counts per bin

COUNTS = "chrom\tstart\tend\tcount\n# a comment\nchr1\t0\t200\t3\nchr1\t200\t400\t0\r\n\nchr2\t0\t200\t12.0\n"


@pytest.mark.parametrize("gz", [False, True])
def test_read_bin_counts(tmp_path, gz):
    df = read_bin_counts(write(tmp_path, "c.bedgraph", COUNTS, gz))
    assert df.columns.tolist() == ["chrom", "start", "end", "count"]
    assert df["chrom"].tolist() == ["chr1", "chr1", "chr2"]
    assert df["start"].tolist() == [0, 200, 0] and df["end"].tolist() == [200, 400, 200]
    assert df["count"].tolist() == [3, 0, 12]
    assert df["count"].dtype == np.int64 and df["start"].dtype == np.int64
    # without header, 'track' line
    df = read_bin_counts(write(tmp_path, "d.txt", "track type=bedGraph\nchrX\t5\t9\t7\n", gz))
    assert df.to_numpy().tolist() == [["chrX", 5, 9, 7]]


@pytest.mark.parametrize("text, parts", [
    ("chr1\t0\t200\t3\nchr1\t200\t400\n", ["line 2", "found 3 tab-separated field(s), expected 4"]),
    ("chr1\t0\t200\t3\nchr1 200 400 5\n", ["line 2", "found 1 tab-separated", "Separate the columns with tabs"]),
    ("chr1\t0\t200\t3\n\nchr1\t200\t400\t-2\n", ["line 3", "count -2 is negative", "column order"]),
    ("chr1\t0\t200\t2.5\n", ["line 1", "count '2.5' is not a read count", "whole numbers >= 0"]),
    ("chr1\t0\t200\tNA\n", ["line 1", "count 'NA' is not a read count"]),
    ("chr1\t0\t200\t1\nchr1\tx\t400\t1\n", ["line 2", "start 'x' is not an integer"]),
    ("chr1\t300\t200\t1\n", ["line 1", "start 300 >= end 200", "start < end"]),
    ("chr1\t-5\t200\t1\n", ["line 1", "start -5 is negative"]),
    ("\t0\t200\t1\n", ["line 1", "empty chromosome name"]),
    ("# only a comment\nchrom\tstart\tend\tcount\n", ["no bins found"]),
])
def test_read_bin_counts_errors(tmp_path, text, parts):
    path = write(tmp_path, "bad.txt", text)
    raises([str(path), *parts], read_bin_counts, path)


def test_read_bin_counts_missing_and_damaged(tmp_path):
    raises([str(tmp_path / "nope.txt"), "does not exist"], read_bin_counts, tmp_path / "nope.txt")
    broken = tmp_path / "t.txt.gz"
    broken.write_bytes(gzip.compress(COUNTS.encode())[:-12])
    raises([str(broken), "truncated or corrupt"], read_bin_counts, broken)


BINS = pd.DataFrame({"chrom": ["chr1", "chr1", "chr1", "chr2"], "start": [0, 200, 400, 0],
                     "end": [200, 400, 600, 200]})


def test_pooled_bin_counts(tmp_path):
    r1 = write(tmp_path, "r1.txt", "chr1\t0\t200\t3\nchr1\t200\t400\t1\nchr2\t0\t200\t5\nchr9\t0\t200\t7\n")
    r2 = write(tmp_path, "r2.txt", "chrom\tstart\tend\tcount\nchr1\t400\t600\t2\nchr1\t0\t200\t4\n", gz=True)
    # chr1:0-200 3 + 4 = 7; chr1:200-400 1 + 0 (absent from r2) = 1; chr1:400-600 0 + 2 = 2;
    # chr2:0-200 5 + 0 = 5; chr9:0-200 is not a bin and is ignored
    out = pooled_bin_counts([r1, r2], BINS)
    assert out.dtype == np.int64 and out.tolist() == [7, 1, 2, 5]
    assert pooled_bin_counts(r1, BINS).tolist() == [3, 1, 0, 5]  # one path


def test_pooled_bin_counts_errors(tmp_path):
    dup = write(tmp_path, "dup.txt", "chr1\t0\t200\t3\nchr1\t200\t400\t1\n\nchr1\t0\t200\t4\n")
    raises([str(dup), "lines 1 and 4", "chr1:0-200 is listed twice", "one line per bin"],
           pooled_bin_counts, [dup], BINS)
    other = write(tmp_path, "ens.txt", "1\t0\t200\t3\n")
    raises([str(other), "none of its 1 bins is in bins", "'chr1' vs '1'"], pooled_bin_counts, [other], BINS)
    raises(["bins rows 0 and 2 are the same bin chr1:0-200", "drop_duplicates"], pooled_bin_counts, [dup],
           pd.concat([BINS.iloc[:2], BINS.iloc[:1]]), exc=ValueError)
    raises(["bins needs columns chrom, start, end; missing end"], pooled_bin_counts, [dup],
           BINS.drop(columns="end"), exc=ValueError)
    raises(["at least one count file"], pooled_bin_counts, [], BINS, exc=ValueError)


# --------------------------------------------------------------------------- normalise_counts


def test_normalise_counts_hand():
    # [[1,4],[3,0]]: N_k = (1+3, 4+0) = (4, 4), N = 4 -> N/N_k = 1 -> log1p(n)
    out = normalise_counts(np.array([[1, 4], [3, 0]]))
    assert out.dtype == np.float32 and out.shape == (2, 2)
    np.testing.assert_allclose(out, [[math.log(2), math.log(5)], [math.log(4), 0.0]], rtol=1e-6)
    # [[1,4],[3,2]]: N_k = (4, 6), N = 4: column 0 x 4/4, column 1 x 4/6
    #   log1p(1) = log 2; log1p(4 * 4/6) = log(1 + 8/3) = log(11/3)
    #   log1p(3) = log 4; log1p(2 * 4/6) = log(1 + 4/3) = log(7/3)
    out = normalise_counts(pd.DataFrame([[1, 4], [3, 2]], columns=["K562", "HepG2"]))
    np.testing.assert_allclose(out, [[math.log(2), math.log(11 / 3)], [math.log(4), math.log(7 / 3)]], rtol=1e-6)
    # given depth (10, 20): N = 10 -> column 0 x 1, column 1 x 1/2
    #   [[log1p(1), log1p(2)], [log1p(3), log1p(1)]]
    out = normalise_counts([[1, 4], [3, 2]], depth=[10, 20])
    np.testing.assert_allclose(out, [[math.log(2), math.log(3)], [math.log(4), math.log(2)]], rtol=1e-6)


def test_normalise_counts_errors():
    raises(["total count N_k of column 1 ('HepG2') is 0", "Drop that cell type"], normalise_counts,
           pd.DataFrame([[1, 0], [3, 0]], columns=["K562", "HepG2"]), exc=ValueError)
    raises(["depth N_k of column 0 is 0"], normalise_counts, [[1, 2]], depth=[0, 5], exc=ValueError)
    raises(["counts[1, 0] is -1.0 in column 0", ">= 0"], normalise_counts, [[1, 2], [-1, 2]], exc=ValueError)
    raises(["counts[0, 1] is nan"], normalise_counts, [[1, np.nan]], exc=ValueError)
    raises(["depth has 1 values for 2 cell-type columns"], normalise_counts, [[1, 2]], depth=[3], exc=ValueError)
    raises(["must be 2-D", "column_stack"], normalise_counts, [1, 2, 3], exc=ValueError)


# --------------------------------------------------------------------------- expression_profiles

# log(TPM + 1) of 4 samples (2 replicates of cell types X and Y) for TFs A, B, C; G is not a TF
LOG = pd.DataFrame([[1.0, 2, 3, 9], [2.0, 4, 0, 9], [3.0, 1, 2, 9], [0.0, 5, 1, 9]],
                   index=["s1", "s2", "s3", "s4"], columns=["A", "B", "C", "G"])
TPM = np.expm1(LOG)
CELL = {"s1": "X", "s2": "X", "s3": "Y", "s4": "Y"}
# Quantile normalisation of A, B, C across samples:
#   sorted rows s1 [1,2,3], s2 [0,2,4], s3 [1,2,3], s4 [0,1,5]
#   reference = column means [(1+0+1+0)/4, (2+2+2+1)/4, (3+4+3+5)/4] = [0.5, 1.75, 3.75]
#   s1 (A,B,C ranks 0,1,2) -> [0.5, 1.75, 3.75];  s2 (ranks 1,2,0) -> [1.75, 3.75, 0.5]
#   s3 (ranks 2,0,1) -> [3.75, 0.5, 1.75];         s4 (ranks 0,2,1) -> [0.5, 3.75, 1.75]
# Replicate means: X = (s1 + s2)/2 = [1.125, 2.75, 2.125]; Y = (s3 + s4)/2 = [2.125, 2.125, 1.75]
EXPECTED = [[1.125, 2.75, 2.125], [2.125, 2.125, 1.75]]


def test_expression_profiles_hand():
    out = expression_profiles(TPM, CELL, ["A", "B", "C"])
    assert out.index.tolist() == ["X", "Y"] and out.columns.tolist() == ["A", "B", "C"]
    np.testing.assert_allclose(out.to_numpy(), EXPECTED)
    # G is the largest value of every sample, so normalising over all genes leaves A, B, C alone
    # (reference [0.5, 1.75, 3.75, 9]); G is not in the result
    out = expression_profiles(TPM, pd.Series(CELL), ["C", "A", "B"], normalise_over="all")
    np.testing.assert_allclose(out.to_numpy(), np.array(EXPECTED)[:, [2, 0, 1]])
    # a TF repeated in tfs (one column per motif) is normalised once and repeated in the result
    out = expression_profiles(TPM, CELL, ["A", "B", "C", "A"])
    assert out.columns.tolist() == ["A", "B", "C", "A"]
    np.testing.assert_allclose(out.to_numpy(), np.array(EXPECTED)[:, [0, 1, 2, 0]])
    # normalise_over="tfs" normalises over the requested TFs only: A, B alone give other values
    #   sorted rows s1 [1,2] s2 [2,4] s3 [1,3] s4 [0,5] -> reference [1, 3.5]
    #   s1 -> A 1, B 3.5; s2 -> A 1, B 3.5; s3 -> A 3.5, B 1; s4 -> A 1, B 3.5
    #   X = [1, 3.5]; Y = [(3.5+1)/2, (1+3.5)/2] = [2.25, 2.25]
    np.testing.assert_allclose(expression_profiles(TPM, CELL, ["A", "B"]).to_numpy(), [[1, 3.5], [2.25, 2.25]])


def test_expression_profiles_duplicate_gene_columns():
    same = pd.concat([TPM, TPM[["A"]]], axis=1)  # columns A, B, C, G, A (identical) -> kept once
    np.testing.assert_allclose(expression_profiles(same, CELL, ["A", "B", "C"]).to_numpy(), EXPECTED)
    diff = same.copy()
    diff.iloc[2, 4] = 7.0
    raises(["gene 'A' occurs in columns 1 and 5 with different values", "row 's3'", "one column per gene"],
           expression_profiles, diff, CELL, ["A", "B", "C"])


def test_expression_profiles_missing_tfs():
    raises(["1 of 4 TF(s) are not columns of tpm: Z", "missing='zero'", "missing='drop'"],
           expression_profiles, TPM, CELL, ["A", "B", "C", "Z"])
    with pytest.warns(UserWarning, match="Z; they are left out"):
        out = expression_profiles(TPM, CELL, ["A", "Z", "B", "C"], missing="drop")
    assert out.columns.tolist() == ["A", "B", "C"]
    np.testing.assert_allclose(out.to_numpy(), EXPECTED)
    # missing="zero": Z = TPM 0 (log 0) in every sample, normalised with A, B, C:
    #   rows (A,B,C,Z): s1 [1,2,3,0] s2 [2,4,0,0] s3 [3,1,2,0] s4 [0,5,1,0]
    #   sorted: [0,1,2,3] [0,0,2,4] [0,1,2,3] [0,0,1,5] -> reference [0, 0.5, 1.75, 3.75]
    #   s1 -> A .5, B 1.75, C 3.75, Z 0; s2: C, Z tie at ranks 0,1 -> (0 + .5)/2 = .25, A 1.75, B 3.75
    #   s3 -> A 3.75, B .5, C 1.75, Z 0; s4: A, Z tie -> .25, C 1.75, B 3.75
    #   X = (s1+s2)/2: A 1.125, B 2.75, C 2.0, Z .125;  Y = (s3+s4)/2: A 2.0, B 2.125, C 1.75, Z .125
    with pytest.warns(UserWarning, match="Z; they are set to TPM 0"):
        out = expression_profiles(TPM, CELL, ["A", "B", "C", "Z"], missing="zero")
    np.testing.assert_allclose(out.to_numpy(), [[1.125, 2.75, 2.0, 0.125], [2.0, 2.125, 1.75, 0.125]])


def test_expression_profiles_errors():
    raises(["1 sample(s) have no cell type", "'s4'", "Map every row label"], expression_profiles, TPM,
           {"s1": "X", "s2": "X", "s3": "Y"}, ["A"])
    neg = TPM.copy()
    neg.loc["s2", "B"] = -1.0
    raises(["TPM -1.0 at sample 's2', gene 'B'", "not already-logged"], expression_profiles, neg, CELL, ["A", "B"])
    nan = TPM.copy()
    nan.loc["s1", "C"] = np.nan
    raises(["TPM nan at sample 's1', gene 'C'", "Fill it"], expression_profiles, nan, CELL, ["C"])
    twice = pd.concat([TPM, TPM.iloc[:1]])
    raises(["sample 's1' occurs in several rows"], expression_profiles, twice, CELL, ["A"])
    src = TPM.copy()
    src.attrs["source"] = "user_tpm.tsv"
    raises(["expression_profiles (user_tpm.tsv)", "TF(s) are not columns of tpm: Q"], expression_profiles,
           src, CELL, ["Q"])
    with pytest.raises(ValueError, match="missing must be"):
        expression_profiles(TPM, CELL, ["A"], missing="nan")
    with pytest.raises(ValueError, match="normalise_over must be"):
        expression_profiles(TPM, CELL, ["A"], normalise_over="genes")


# --------------------------------------------------------------------------- motif scores in windows

# chr1 (60 bp): C background (partly soft-masked) with the site GAT at 55-57
# chr2 (30 bp): T background with ATC (= GAT on the reverse strand) at 10-12
CHR1 = "C" * 20 + "c" * 20 + "C" * 15 + "GAT" + "CC"
CHR2 = "T" * 10 + "ATC" + "T" * 17
# motif 'GAT', counts per column of 8 -> probabilities; log2(p / 0.25) with pseudocount 0:
#   column 1 (1,1,4,2)/8 -> A -1, C -1, G +1, T 0
#   column 2 (4,1,1,2)/8 -> A +1, C -1, G -1, T 0
#   column 3 (2,1,1,4)/8 -> A 0,  C -1, G -1, T +1
GAT = Motif("M1", "GAT", np.array([[1, 4, 2], [1, 1, 1], [4, 1, 1], [2, 2, 4]]))
# one-column motif (1,1,4,2)/8: A -1, C -1, G +1, T 0; on the reverse strand a base scores as its
# complement, so the best of both strands per base is A 0, C 1, G 1, T 0; N scores 0
G1 = Motif("M2", "G", np.array([[1], [1], [4], [2]]))

# window 20 around each bin's midpoint (bins listed out of order, across chromosomes)
WBINS = pd.DataFrame({"chrom": ["chr1", "chr2", "chr1", "chr1", "chr1", "chr2"],
                      "start": [45, 5, 0, 50, 20, 20], "end": [55, 15, 10, 60, 30, 30]})
# row 0 chr1 mid 50 -> [40, 60): holds GAT -> 1+1+1 = 3; G1: C present -> 1
# row 1 chr2 mid 10 -> [0, 20): holds ATC (reverse strand GAT) -> 3; G1: C of ATC -> 1
# row 2 chr1 mid 5 -> [-5, 15): 5 N of padding, then C. A site may overlap the padding (N adds 0):
#       NNC read on the reverse strand is GNN -> +1 + 0 + 0 = 1 (NNN gives 0, CCC at best -1) -> 1;
#       clipping the window to the chromosome instead of padding would give -1. G1 -> 1
# row 3 chr1 mid 55 -> [45, 65): GAT at 55 and N padding past the end (60) -> 3; G1 -> 1
# row 4 chr1 mid 25 -> [15, 35): only C: best is the reverse strand GGG = -1; G1 -> 1
# row 5 chr2 mid 25 -> [15, 35): T and 5 N: TTT forward 0+0+1 = 1 (reverse AAA -1+1+0 = 0);
#       G1: T 0, N 0 -> 0
EXPECTED_SCORES = [[3, 1], [3, 1], [1, 1], [3, 1], [-1, 1], [1, 0]]


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "genome.fa"
    path.write_text(f">chr1 test\n{CHR1[:25]}\n{CHR1[25:50]}\n{CHR1[50:]}\n>chr2\n{CHR2[:25]}\n{CHR2[25:]}\n")
    return path


def test_bin_windows():
    w = bin_windows(WBINS, 20)
    assert w["chrom"].tolist() == WBINS["chrom"].tolist()
    assert w["start"].tolist() == [40, 0, -5, 45, 15, 15] and w["end"].tolist() == [60, 20, 15, 65, 35, 35]
    # a 200 bp bin and the paper's 1000 bp window: [s - 400, s + 600)
    w = bin_windows(pd.DataFrame({"chrom": ["chr1"], "start": [1000], "end": [1200]}))
    assert (w["start"].iloc[0], w["end"].iloc[0]) == (600, 1600)


@pytest.mark.parametrize("batch_size", [1024, 2])
def test_window_motif_scores_hand(fasta, batch_size):
    out = window_motif_scores(fasta, WBINS, [GAT, G1], window=20, batch_size=batch_size, pseudocount=0.0)
    assert out.dtype == np.float32 and out.shape == (6, 2)
    np.testing.assert_allclose(out, EXPECTED_SCORES, atol=1e-6)


def test_window_motif_scores_default_pseudocount(fasta):
    # counts (0,0,8,0), pseudocount 0.8 split evenly: p_G = 8.2/8.8, others 0.2/8.8
    #   G (or C on the reverse strand): log2(8.2/8.8 / 0.25) = log2(32.8/8.8); A, T: log2(0.8/8.8) < 0
    g = Motif("M3", "G", np.array([[0], [0], [8], [0]]))
    out = window_motif_scores(fasta, WBINS, [g], window=20)
    best = math.log2(32.8 / 8.8)
    np.testing.assert_allclose(out[:, 0], [best, best, best, best, best, 0.0], rtol=1e-6)  # row 5: T and N


def test_window_motif_scores_errors(fasta, tmp_path):
    bad = pd.concat([WBINS, pd.DataFrame({"chrom": ["chr3"], "start": [0], "end": [10]})], ignore_index=True)
    raises([str(fasta), "no sequence named 'chr3'", "'chr1', 'chr2'", "genome build"], window_motif_scores,
           fasta, bad, [G1], window=20)
    far = pd.DataFrame({"chrom": ["chr2"], "start": [100], "end": [110]})
    raises(["bins row 0 (chr2:100-110) lies outside chr2", str(fasta), "length 30", "hg19 vs hg38"],
           window_motif_scores, fasta, far, [G1], window=20)
    raises(["is 3 bp wide, longer than the 2 bp window"], window_motif_scores, fasta, WBINS, [GAT], window=2,
           exc=ValueError)
    raises([str(tmp_path / "none.fa"), "does not exist"], window_motif_scores, tmp_path / "none.fa", WBINS, [G1])
    gz = tmp_path / "genome.fa.gz"
    gz.write_bytes(gzip.compress(fasta.read_bytes()))
    raises([str(gz), "bgzip"], window_motif_scores, gz, WBINS, [G1], window=20)
    raises(["missing end"], window_motif_scores, fasta, WBINS.drop(columns="end"), [G1], exc=ValueError)
    raises(["bins row 1 has start 15, end 5"], window_motif_scores, fasta,
           pd.DataFrame({"chrom": ["chr1", "chr1"], "start": [0, 15], "end": [10, 5]}), [G1], exc=ValueError)
    raises(["no motifs given"], window_motif_scores, fasta, WBINS, [], exc=ValueError)
