"""Table readers: motif files, DeepCAGE expression and cells, EP pair tables, DeepSEA examples.

Each reader runs on tiny files written here (plain and gzip), every error message is
checked for the file, the line/column/record and the fix, and each reader runs on the
real mirror file when the mirror exists (counts from ../shared/mirror/MANIFEST.tsv).
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genomebook.datasets import _io
from genomebook.datasets.deepcage import (
    average_replicates,
    log_tpm,
    match_cells,
    quantile_normalise,
    read_bam_info,
    read_cells,
    read_expression_matrix,
    read_tf_expression_tsv,
    restrict_to_tfs,
)
from genomebook.datasets.deepsea import labels_to_matrix, read_examples, read_feature_names
from genomebook.datasets.motif_files import read_hocomoco_table, read_homer, read_homer_thresholds, read_transfac
from genomebook.datasets.targetfinder import PAIR_COLUMNS, read_epiann_split, read_pairs
from genomebook.seq import SequenceError

from conftest import mirror_file


def write(tmp_path: Path, name: str, text: str, gz: bool = False) -> Path:
    p = tmp_path / (name + (".gz" if gz else ""))
    data = text.encode()
    p.write_bytes(gzip.compress(data) if gz else data)
    return p


def raises(match_all: list[str], fn, *args, **kw) -> str:
    with pytest.raises(SequenceError) as exc:
        fn(*args, **kw)
    msg = str(exc.value)
    for s in match_all:
        assert s in msg, f"{s!r} not in {msg!r}"
    return msg


# --------------------------------------------------------------------------- _io


def test_io_plain_gzip_crlf_and_truncated(tmp_path):
    p = write(tmp_path, "a.txt", "x\r\ny\r\n")
    g = write(tmp_path, "b.dat", "x\ny\n", gz=True)  # gzip detected by magic bytes, not the name
    assert _io.read_lines(p) == _io.read_lines(g) == ["x", "y"]
    assert _io.open_text(p).read() == "x\ny\n"
    trunc = tmp_path / "t.gz"
    trunc.write_bytes(gzip.compress(b"a\tb\n" * 1000)[:40])
    raises([str(trunc), "truncated or corrupt", "Download or copy it again"], _io.read_text, trunc)
    with pytest.raises(_io.MissingFileError, match="does not exist"):
        _io.read_text(tmp_path / "nope.txt")
    with pytest.raises(FileNotFoundError):
        _io.read_table(tmp_path / "nope.txt")
    bad = tmp_path / "bin.txt"
    bad.write_bytes(b"ok\n\xff\xfe\n")
    raises([str(bad), "line 2", "UTF-8"], _io.read_text, bad)
    e = write(tmp_path, "e.tsv", "")
    raises([str(e), "empty"], _io.read_table, e)
    r = write(tmp_path, "r.csv", "a,b\n1,2\n1,2,3,4\n")
    raises([str(r), "same number"], _io.read_table, r)


# --------------------------------------------------------------------------- TRANSFAC

TRANSFAC = """AC MA0001.3
XX
ID AGL3
XX
DE MA0001.3 AGL3 ; From JASPAR
PO\tA\tC\tG\tT
01\t0.0\t92.0\t0.0\t3.0
02\t0.0\t79.0\t0.0\t16.0
03\t82.0\t1.0\t2.0\t10.0
XX
CC tax_group:plants
//
AC MA9999.1
ID TEST
P0 T G C A
1 1 2 3 4 N
2 0 0 0 10 A
//
"""


@pytest.mark.parametrize("gz", [False, True])
def test_read_transfac(tmp_path, gz):
    ms = read_transfac(write(tmp_path, "m.transfac", TRANSFAC, gz))
    assert [(m.id, m.name, m.width) for m in ms] == [("MA0001.3", "AGL3", 3), ("MA9999.1", "TEST", 2)]
    np.testing.assert_array_equal(ms[0].counts, [[0, 0, 82], [92, 79, 1], [0, 0, 2], [3, 16, 10]])
    # header order T G C A is respected; trailing consensus letter ignored
    np.testing.assert_array_equal(ms[1].counts, [[4, 10], [3, 0], [2, 0], [1, 0]])


def test_read_transfac_errors(tmp_path):
    p = write(tmp_path, "a.transfac", TRANSFAC.replace("02\t0.0\t79.0", "02\t0.0\tx79"))
    raises([str(p), "line 8", "column C", "'x79' is not a number"], read_transfac, p)
    p = write(tmp_path, "b.transfac", TRANSFAC.replace("03\t82.0\t1.0\t2.0\t10.0", "03\t82.0\t1.0\t2.0"))
    raises([str(p), "line 9", "3 value column(s), expected 4", "'NN a c g t'"], read_transfac, p)
    p = write(tmp_path, "c.transfac", TRANSFAC.replace("01\t0.0\t92.0", "01\t-1\t92.0"))
    raises([str(p), "line 7", "column A", "negative count", ">= 0"], read_transfac, p)
    p = write(tmp_path, "d.transfac", TRANSFAC.replace("PO\tA\tC\tG\tT", "PO\tA\tC\tG\tU"))
    raises([str(p), "line 6", "four bases"], read_transfac, p)
    p = write(tmp_path, "e.transfac", "AC X1\nID Y\n//\n")
    raises([str(p), "record X1", "no count matrix", "PO A C G T"], read_transfac, p)
    p = write(tmp_path, "f.transfac", "XX\n\n")
    raises([str(p), "no TRANSFAC matrices", "'//' separators"], read_transfac, p)
    p = write(tmp_path, "g.transfac", "AC X1\n01 1 2 3 4\n//\n")
    raises([str(p), "line 2", "before the 'PO A C G T' header"], read_transfac, p)
    p = write(tmp_path, "h.transfac", "AC X1\nPO A C G T\n01 1 2 3 4\nAC X2\n")
    raises([str(p), "line 4", "not closed", "'//'"], read_transfac, p)


def test_read_transfac_real():
    ms = read_transfac(mirror_file("mcb185_small_genomes/jaspar2024_core.transfac.gz"))
    assert len(ms) == 2346
    assert (ms[0].id, ms[0].name, ms[0].width) == ("MA0001.3", "AGL3", 10)
    np.testing.assert_array_equal(ms[0].counts[:, 0], [0, 92, 0, 3])
    assert len({m.id for m in ms}) == 2346


# --------------------------------------------------------------------------- HOMER

HOMER = (">dKhGCG\tAHR_HUMAN.H11MO.0.B\t3.3775\n"
         "0.25\t0.25\t0.25\t0.25\n0.1\t0.2\t0.3\t0.4\n"
         ">ACG\tAR_HUMAN.H11MO.1.A\t5.5\textra\n"
         "1\t0\t0\t0\n0 1 0 0\n")


@pytest.mark.parametrize("gz", [False, True])
def test_read_homer(tmp_path, gz):
    p = write(tmp_path, "m.motif", HOMER, gz)
    ms = read_homer(p)
    assert [(m.id, m.name, m.width) for m in ms] == [("AHR_HUMAN.H11MO.0.B", "AHR_HUMAN.H11MO.0.B", 2),
                                                     ("AR_HUMAN.H11MO.1.A", "AR_HUMAN.H11MO.1.A", 2)]
    assert [m.name for m in read_homer(p, names={"AR_HUMAN.H11MO.1.A": "AR"})] == ["AHR_HUMAN.H11MO.0.B", "AR"]
    np.testing.assert_allclose(ms[0].counts, [[25, 10], [25, 20], [25, 30], [25, 40]])  # probability x 100
    np.testing.assert_allclose(ms[0].ppm(), [[.25, .1], [.25, .2], [.25, .3], [.25, .4]])
    np.testing.assert_allclose(read_homer(p, scale=1.0)[1].counts, [[1, 0], [0, 1], [0, 0], [0, 0]])
    th = read_homer_thresholds(p)
    assert th.columns.tolist() == ["motif_id", "consensus", "threshold"]
    assert th.values.tolist() == [["AHR_HUMAN.H11MO.0.B", "dKhGCG", 3.3775], ["AR_HUMAN.H11MO.1.A", "ACG", 5.5]]


def test_read_homer_errors(tmp_path):
    p = write(tmp_path, "a.motif", HOMER.replace("\t3.3775", "\tabc"))
    raises([str(p), "line 1", "column 3", "'abc'", "is not a number"], read_homer, p)
    p = write(tmp_path, "b.motif", HOMER.replace("0.1\t0.2\t0.3\t0.4", "0.1\t0.2\t0.3"))
    raises([str(p), "line 3", "AHR_HUMAN.H11MO.0.B", "3 column(s), expected 4"], read_homer, p)
    p = write(tmp_path, "c.motif", HOMER.replace("0.1\t0.2\t0.3\t0.4", "0.1\t0.2\tnan\t0.4"))
    raises([str(p), "line 3", "column G", "'nan' is not a number"], read_homer, p)
    p = write(tmp_path, "d.motif", HOMER.replace("0.1\t0.2\t0.3\t0.4", "1\t2\t3\t4"))
    raises([str(p), "line 3", "sum to 10", "summing to 1"], read_homer, p)
    p = write(tmp_path, "e.motif", "0.25 0.25 0.25 0.25\n")
    raises([str(p), "line 1", "before any '>' header"], read_homer, p)
    p = write(tmp_path, "f.motif", ">ACG AR 5\n1 0 0 0\n")
    raises([str(p), "line 1", "1 tab-separated field(s)", "'>consensus<TAB>motif_id<TAB>threshold'"], read_homer, p)
    p = write(tmp_path, "g.motif", HOMER + ">X\tAR_HUMAN.H11MO.1.A\t1\n1 0 0 0\n")
    raises([str(p), "line 7", "repeats (first at line 4)", "unique id"], read_homer, p)
    p = write(tmp_path, "h.motif", ">X\tM1\t1\n>Y\tM2\t1\n1 0 0 0\n")
    raises([str(p), "line 1", "'M1' has no matrix rows"], read_homer, p)
    p = write(tmp_path, "i.motif", "\n")
    raises([str(p), "no HOMER motifs"], read_homer, p)


def test_read_homer_real():
    full = mirror_file("deepcage/motif_db/HOCOMOCOv11_full_HUMAN_mono_homer_format_0.001.motif.gz")
    core = mirror_file("deepcage/motif_db/HOCOMOCOv11_core_HUMAN_mono_homer_format_0.001.motif.gz")
    ms = read_homer(full)
    assert len(ms) == 769
    assert ms[0].id == ms[0].name == "AHR_HUMAN.H11MO.0.B"
    np.testing.assert_allclose(ms[0].ppm().sum(axis=0), 1.0)
    th = read_homer_thresholds(full)
    assert th.iloc[0].tolist() == ["AHR_HUMAN.H11MO.0.B", "dKhGCGTGh", pytest.approx(3.3775)]
    # MANIFEST says "400 PWMs" for core; the file holds 401 '>' records (and its table 401 rows)
    assert len(read_homer(core)) == 401


# --------------------------------------------------------------------------- HOCOMOCO table

HOCO = ("Model\tLOGO\tTranscription factor\tModel length\tQuality\tTF family\tEntrezGene\tUniProt ID\n"
        "AHR_HUMAN.H11MO.0.B\t\tAHR\t9\tB\tPAS domain factors{1.2.5}\t196\tAHR_HUMAN\n"
        "AR_HUMAN.H11MO.0.A\t\tAR\t18\tA\tSteroid hormone receptors (NR3){2.1.1}\t367\tANDR_HUMAN\n")


@pytest.mark.parametrize("gz", [False, True])
def test_read_hocomoco_table(tmp_path, gz):
    df = read_hocomoco_table(write(tmp_path, "h.tsv", HOCO, gz))
    assert df.columns.tolist() == ["motif_id", "LOGO", "Transcription factor", "Model length", "Quality",
                                   "TF family", "EntrezGene", "UniProt ID", "tf"]
    assert df["motif_id"].tolist() == ["AHR_HUMAN.H11MO.0.B", "AR_HUMAN.H11MO.0.A"]
    assert df["tf"].tolist() == ["AHR", "AR"]
    assert df["Model length"].tolist() == [9, 18]
    assert df["LOGO"].isna().all()


def test_read_hocomoco_table_errors(tmp_path):
    p = write(tmp_path, "a.tsv", HOCO.replace("Transcription factor", "Factor"))
    raises([str(p), "line 1", "'Transcription factor'", "header must be the HOCOMOCO one"], read_hocomoco_table, p)
    p = write(tmp_path, "b.tsv", HOCO.replace("AR_HUMAN.H11MO.0.A", "AHR_HUMAN.H11MO.0.B"))
    raises([str(p), "line 3", "'AHR_HUMAN.H11MO.0.B' repeats", "one row per model"], read_hocomoco_table, p)
    p = write(tmp_path, "c.tsv", HOCO.replace("\t18\t", "\teighteen\t"))
    raises([str(p), "line 3", "'Model length'", "positive integer"], read_hocomoco_table, p)
    p = write(tmp_path, "d.tsv", HOCO.replace("\tA\tSteroid", "\tE\tSteroid"))
    raises([str(p), "line 3", "'Quality'", "A, B, C, D"], read_hocomoco_table, p)
    p = write(tmp_path, "e.tsv", HOCO.replace("\t\tAR\t", "\t\t\t"))
    raises([str(p), "line 3", "empty TF symbol", "gene symbol"], read_hocomoco_table, p)


def test_read_hocomoco_table_real():
    full = read_hocomoco_table(mirror_file("deepcage/motif_db/HUMAN_mono_motifs_full.tsv.gz"))
    core = read_hocomoco_table(mirror_file("deepcage/motif_db/HUMAN_mono_motifs_core.tsv.gz"))
    assert len(full) == 769 and len(core) == 401
    assert full.iloc[0][["motif_id", "tf", "Quality"]].tolist() == ["AHR_HUMAN.H11MO.0.B", "AHR", "B"]
    # 'Transcription factor' may list several symbols; tf keeps the first
    hsfy = full[full["Transcription factor"] == "HSFY1; HSFY2"]
    assert hsfy["tf"].tolist() == ["HSFY1"]
    assert full.loc[full["motif_id"].str.startswith("ANDR_"), "tf"].unique().tolist() == ["AR"]
    homer = read_homer_thresholds(mirror_file("deepcage/motif_db/HOCOMOCOv11_full_HUMAN_mono_homer_format_0.001.motif.gz"))
    assert full["motif_id"].tolist() == homer["motif_id"].tolist()  # same order as the HOMER file


# --------------------------------------------------------------------------- DeepCAGE expression

EXPR = ("#cell\tAHR\tAR\tAR\tAR\tGATA1\n"
        "1\t9.5\t4.0\t4.0\t4.0\t0\n"
        "2\t11\t0.5\t0.5\t0.5\t3\n"
        "6\t0.0\t1\t1\t1\t2.5\n")


@pytest.mark.parametrize("gz", [False, True])
def test_read_expression_matrix(tmp_path, gz):
    p = write(tmp_path, "e.txt", EXPR, gz)
    df = read_expression_matrix(p)
    assert df.index.tolist() == [1, 2, 6] and df.index.name == "cell_id"
    assert df.columns.tolist() == ["AHR", "AR", "GATA1"]
    assert df.loc[2].tolist() == [11.0, 0.5, 3.0]
    assert df.attrs["motif_index"] == {"AHR": [0], "AR": [1, 2, 3], "GATA1": [4]}
    keep = read_expression_matrix(p, duplicates="keep")
    assert keep.columns.tolist() == ["AHR", "AR", "AR#2", "AR#3", "GATA1"]
    assert keep.attrs["motif_index"]["AR#3"] == [3]
    assert keep.loc[6].tolist() == [0.0, 1.0, 1.0, 1.0, 2.5]
    raises([str(p), "line 1", "1 TF(s) occur in several columns: AR (x3)", "duplicates='first'"],
           read_expression_matrix, p, duplicates="error")


def test_read_expression_matrix_errors(tmp_path):
    p = write(tmp_path, "a.txt", EXPR.replace("2\t11\t0.5\t0.5\t0.5", "2\t11\t0.5\t0.7\t0.5"))
    raises([str(p), "TF 'AR'", "columns 3, 4, 5", "cell 2, line 3", "duplicates='keep'"], read_expression_matrix, p)
    p = write(tmp_path, "b.txt", EXPR.replace("6\t0.0", "6\tNA"))
    raises([str(p), "line 4", "cell 6", "column 'AHR'", "missing", "fill it in"], read_expression_matrix, p)
    p = write(tmp_path, "c.txt", EXPR.replace("\t2.5\n", "\t\n"))
    raises([str(p), "line 4", "cell 6", "column 'GATA1'", "missing"], read_expression_matrix, p)
    p = write(tmp_path, "d.txt", EXPR.replace("\t3\n", "\t-3\n"))
    raises([str(p), "line 3", "column 'GATA1'", "'-3'", "TPM >= 0"], read_expression_matrix, p)
    p = write(tmp_path, "e.txt", EXPR.replace("#cell", "gene"))
    raises([str(p), "line 1", "expected '#cell'"], read_expression_matrix, p)
    p = write(tmp_path, "f.txt", EXPR.replace("\n6\t", "\nK562\t"))
    raises([str(p), "line 4", "'K562' is not a positive integer"], read_expression_matrix, p)
    p = write(tmp_path, "g.txt", EXPR.replace("\n6\t", "\n2\t"))
    raises([str(p), "line 4", "cell id 2 repeats"], read_expression_matrix, p)
    with pytest.raises(ValueError, match="duplicates must be"):
        read_expression_matrix(write(tmp_path, "h.txt", EXPR), duplicates="mean")


def test_log_tpm_exact():
    df = pd.DataFrame({"A": [0.0, math.e - 1], "B": [3.0, 1.0]}, index=[1, 2])
    out = log_tpm(df)
    np.testing.assert_allclose(out.to_numpy(), [[0.0, math.log(4)], [1.0, math.log(2)]])
    np.testing.assert_allclose(log_tpm(df, base=2).to_numpy(), [[0.0, 2.0], [math.log2(math.e), 1.0]])
    assert out.index.tolist() == [1, 2] and out.columns.tolist() == ["A", "B"]
    raises(["negative TPM -1.0", "row 2", "column 'B'", "not already-logged"], log_tpm,
           pd.DataFrame({"A": [0.0, 1.0], "B": [3.0, -1.0]}, index=[1, 2]))
    raises(["row 1", "column 'A'", "missing or infinite"], log_tpm, pd.DataFrame({"A": [np.nan]}, index=[1]))


def test_quantile_normalise_exact():
    df = pd.DataFrame([[5, 2, 3, 4], [4, 1, 4, 2], [3, 4, 6, 8]], index=["c1", "c2", "c3"],
                      columns=["W", "X", "Y", "Z"], dtype=float)
    # sorted rows: [2,3,4,5], [1,2,4,4], [3,4,6,8] -> mean reference [2, 3, 14/3, 17/3]
    # c2 has a tie (4, 4) at ranks 3 and 4 -> average rank 3.5 -> (14/3 + 17/3) / 2 = 31/6
    expected = [[17 / 3, 2, 3, 14 / 3], [31 / 6, 2, 31 / 6, 3], [2, 3, 14 / 3, 17 / 3]]
    out = quantile_normalise(df)
    np.testing.assert_allclose(out.to_numpy(), expected)
    assert out.index.tolist() == ["c1", "c2", "c3"] and out.columns.tolist() == ["W", "X", "Y", "Z"]
    # without ties every row holds exactly the reference values
    no_ties = quantile_normalise(df.drop(index="c2"))
    np.testing.assert_allclose(np.sort(no_ties.to_numpy(), axis=1), [[2.5, 3.5, 5, 6.5]] * 2)


def test_average_replicates_and_restrict():
    df = pd.DataFrame({"A": [1.0, 3.0, 10.0], "B": [2.0, 4.0, 0.0]}, index=["r1", "r2", "r3"])
    out = average_replicates(df, {"r1": "K562", "r2": "K562", "r3": "HepG2"})
    assert out.index.tolist() == ["K562", "HepG2"]
    assert out.to_numpy().tolist() == [[2.0, 3.0], [10.0, 0.0]]
    assert average_replicates(df, ["x", "y", "x"]).to_numpy().tolist() == [[5.5, 1.0], [3.0, 4.0]]
    raises(["row(s) ['r3'] have no group"], average_replicates, df, {"r1": "a", "r2": "a"})
    raises(["2 group labels for 3 rows"], average_replicates, df, ["a", "b"])
    assert restrict_to_tfs(df, ["B", "A"]).columns.tolist() == ["B", "A"]
    raises(["2 of 3 TF(s) are not in the expression table: GATA1, TAL1", "missing='drop'"],
           restrict_to_tfs, df, ["A", "GATA1", "TAL1"])
    with pytest.warns(UserWarning, match="GATA1; they are left out"):
        assert restrict_to_tfs(df, ["GATA1", "A"], missing="drop").columns.tolist() == ["A"]
    with pytest.warns(UserWarning, match="filled with NaN"):
        out = restrict_to_tfs(df, ["GATA1", "A"], missing="nan")
    assert out.columns.tolist() == ["GATA1", "A"] and out["GATA1"].isna().all()


def test_read_expression_matrix_real():
    path = mirror_file("deepcage/tf_gexp_matrix.txt.gz")
    keep = read_expression_matrix(path, duplicates="keep")
    assert keep.shape == (55, 769)
    assert keep.columns[5:8].tolist() == ["AR", "AR#2", "AR#3"]
    df = read_expression_matrix(path)
    assert df.shape == (55, 678)  # 769 motif columns -> 678 distinct TFs (86 TFs repeat, all identical)
    assert sum(len(v) for v in df.attrs["motif_index"].values()) == 769
    assert df.attrs["motif_index"]["AR"] == [5, 6, 7]
    gaps = sorted(set(range(1, 62)) - set(df.index))
    assert gaps == [5, 33, 42, 53, 55, 59]
    assert df.loc[1, "AHR"] == pytest.approx(9.53785714286)
    with pytest.raises(SequenceError, match="86 TF"):
        read_expression_matrix(path, duplicates="error")
    # motif order is the HOCOMOCO full HOMER order
    homer = read_homer_thresholds(mirror_file("deepcage/motif_db/HOCOMOCOv11_full_HUMAN_mono_homer_format_0.001.motif.gz"))
    table = read_hocomoco_table(mirror_file("deepcage/motif_db/HUMAN_mono_motifs_full.tsv.gz")).set_index("motif_id")
    assert [c.split("#")[0] for c in keep.columns] == table.loc[homer["motif_id"], "tf"].tolist()
    x = log_tpm(df)
    q = quantile_normalise(x).to_numpy()
    np.testing.assert_allclose(q.max(axis=1), q.max(), rtol=1e-12)  # every cell reaches the same top value
    for xr, qr in zip(x.to_numpy(), q):  # order within each cell is preserved
        assert (np.diff(qr[np.argsort(xr, kind="stable")]) >= -1e-12).all()


# --------------------------------------------------------------------------- cells / bam.info

CELLS = "1\tA549\n2\tadrenal gland\n3\tBE2C\n"
BAM = "1\tENCSR000ELW\tENCFF798MMO.bam\n2\tENCSR080PZL\tENCFF890JQE.bam\n6\tENCSR000EMD\tENCFF392YDK.bam\n"


@pytest.mark.parametrize("gz", [False, True])
def test_cells_bam_match(tmp_path, gz):
    c = write(tmp_path, "cells.txt", CELLS.replace("\n", "\r\n"), gz)
    b = write(tmp_path, "bam.info", BAM, gz)
    cells, bam = read_cells(c), read_bam_info(b)
    assert cells.values.tolist() == [[1, "A549"], [2, "adrenal gland"], [3, "BE2C"]]
    assert bam.values.tolist() == [[1, "ENCSR000ELW", "ENCFF798MMO"], [2, "ENCSR080PZL", "ENCFF890JQE"],
                                   [6, "ENCSR000EMD", "ENCFF392YDK"]]
    m = match_cells([6, 1], c, b)
    assert m.index.tolist() == [6, 1]
    assert m["biosample"].tolist() == ["BE2C", "A549"] and m["cells_txt_id"].tolist() == [3, 1]
    assert m.loc[6, "bam_accession"] == "ENCFF392YDK"
    raises(["expression cell id(s) [3]", str(b), "bam.info id space"], match_cells, [3], c, b)
    short = write(tmp_path, "short.txt", "1\tA549\n2\tadrenal gland\n")
    raises([str(short), "has 2 cell types", str(b), "has 3 rows"], match_cells, [1], short, b)


def test_cells_bam_errors(tmp_path):
    p = write(tmp_path, "a.txt", "1\tA549\nx\tBE2C\n")
    raises([str(p), "line 2", "'x' is not an integer id"], read_cells, p)
    p = write(tmp_path, "b.txt", "1\tA549\textra\n")
    raises([str(p), "3 tab-separated column(s), expected 2"], read_cells, p)
    p = write(tmp_path, "c.txt", "1\tA549\n1\tBE2C\n")
    raises([str(p), "line 2", "cell id 1 repeats"], read_cells, p)
    p = write(tmp_path, "d.info", BAM.replace("ENCSR080PZL", "SRX123"))
    raises([str(p), "line 2", "dnase_experiment", "'SRX123'", "ENCSR"], read_bam_info, p)
    p = write(tmp_path, "e.info", "1\tENCSR000ELW\n")
    raises([str(p), "2 tab-separated column(s), expected 3"], read_bam_info, p)


def test_match_cells_real():
    cells = read_cells(mirror_file("deepcage/cells.txt"))
    bam = read_bam_info(mirror_file("deepcage/bam.info"))
    expr = read_expression_matrix(mirror_file("deepcage/tf_gexp_matrix.txt.gz"))
    assert len(cells) == 55 and cells["cell_id"].tolist() == list(range(1, 56))
    assert len(bam) == 55 and bam["cell_id"].max() == 61
    assert sorted(bam["cell_id"]) == sorted(expr.index)
    m = match_cells(expr.index, cells, bam)
    assert len(m) == 55 and m["biosample"].is_unique and m["dnase_experiment"].is_unique
    assert m.loc[21, "biosample"] == "GM12878" and m.loc[30, "biosample"] == "K562"
    assert m.loc[61, "biosample"] == "vagina" and m.loc[6, "biosample"] == "BE2C"
    # marker TFs peak in their cell types under this mapping
    name = m["biosample"]
    assert name[expr["GATA1"].idxmax()] == "K562"
    assert name[expr["HNF4A"].idxmax()] == "HepG2"
    assert name[expr["PAX5"].idxmax()] == "GM12878"
    assert name[expr["ESR1"].idxmax()] == "MCF-7"
    assert name[expr["POU5F1"].idxmax()] == "H1-hESC"


# --------------------------------------------------------------------------- user TPM table

TPM = "gene\tS1\tS2\nGATA1\t1.5\t0\nTAL1\t2\t4\n"


@pytest.mark.parametrize("gz", [False, True])
def test_read_tf_expression_tsv(tmp_path, gz):
    p = write(tmp_path, "tpm.tsv", TPM, gz)
    df = read_tf_expression_tsv(p)
    assert df.index.tolist() == ["S1", "S2"] and df.columns.tolist() == ["GATA1", "TAL1"]
    assert df.to_numpy().tolist() == [[1.5, 2.0], [0.0, 4.0]]
    assert read_tf_expression_tsv(p, tfs=["TAL1"]).columns.tolist() == ["TAL1"]


def test_read_tf_expression_tsv_errors(tmp_path):
    p = write(tmp_path, "a.tsv", TPM + "GATA1\t1\t1\n")
    raises([str(p), "line 4", "TF 'GATA1' occurs twice (lines 2 and 4)", "one row per TF"], read_tf_expression_tsv, p)
    p = write(tmp_path, "b.tsv", TPM)
    raises([str(p), "1 of 2 TF(s) are not in the expression table: MYOD1", "missing='drop'"],
           read_tf_expression_tsv, p, tfs=["GATA1", "MYOD1"])
    p = write(tmp_path, "c.tsv", TPM.replace("\t4\n", "\tNA\n"))
    raises([str(p), "line 3", "gene 'TAL1'", "column 'S2'", "missing"], read_tf_expression_tsv, p)
    p = write(tmp_path, "d.tsv", TPM.replace("S2", "S1"))
    raises([str(p), "line 1", "sample column 'S1' repeats"], read_tf_expression_tsv, p)
    p = write(tmp_path, "e.tsv", TPM.replace("\t1.5\t", "\thigh\t"))
    raises([str(p), "line 2", "gene 'GATA1'", "column 'S1'", "'high' is not a non-negative number"],
           read_tf_expression_tsv, p)
    p = write(tmp_path, "f.tsv", "gene\n")
    raises([str(p), "rows = genes, columns = samples"], read_tf_expression_tsv, p)


# --------------------------------------------------------------------------- EP pairs

TF_CSV = ("label,enhancer_distance_to_promoter,enhancer_chrom,enhancer_start,enhancer_end,enhancer_name,"
          "promoter_chrom,promoter_start,promoter_end,promoter_name\n"
          "1,54601,chr1,841000,841200,IMR90|chr1:841000-841200,chr1,895800,896000,IMR90|chr1:895800-896000\n"
          "0,1000.0,chr2,100,300,IMR90|chr2:100-300,chr2,1300,1500,IMR90|chr2:1300-1500\n")
TRANSEPI = ("label,enh_name,prom_name,celltype,chrom,enhancer_distance_to_promoter,CTCF (enhancer),DNase (window)\n"
            "1,chr1:9685722-9686400|GM12878|_,chr1:9747084-9749721|GM12878|_,GM12878,chr1,62342,0.5,0.00013288\n"
            "0,chrX:10-20|GM12878|_,chrX:100-200|GM12878|_,GM12878,chrX,135,0,1\n")
EP2VEC = ("bin,enhancer_chrom,enhancer_distance_to_promoter,enhancer_end,enhancer_name,enhancer_start,label,"
          "promoter_chrom,promoter_end,promoter_name,promoter_start,CTCF (enhancer)\n"
          '"[33835, 131310.8]",chr1,119012,3421842,HUVEC|chr1:3420459-3421842,3420459,1,chr1,3541719,'
          "HUVEC|chr1:3540856-3541719,3540856,0.25\n")


@pytest.mark.parametrize("gz", [False, True])
def test_read_pairs_formats(tmp_path, gz):
    tf = read_pairs(write(tmp_path, "IMR90.csv", TF_CSV, gz))
    assert tf.columns.tolist() == PAIR_COLUMNS + ["enhancer_name", "promoter_name"]
    assert tf.iloc[0, :9].tolist() == [1, "chr1", 841000, 841200, "chr1", 895800, 896000, 54601, "IMR90"]
    assert tf["distance"].tolist() == [54601, 1000] and tf["label"].tolist() == [1, 0]
    # TransEPI: comma-separated despite .tsv; coordinates from the names
    te = read_pairs(write(tmp_path, "Whalen.GM12878.tsv", TRANSEPI, gz))
    assert te.columns.tolist() == PAIR_COLUMNS + ["enhancer_name", "promoter_name", "CTCF (enhancer)", "DNase (window)"]
    assert te.iloc[0, :9].tolist() == [1, "chr1", 9685722, 9686400, "chr1", 9747084, 9749721, 62342, "GM12878"]
    assert te.iloc[1, :9].tolist() == [0, "chrX", 10, 20, "chrX", 100, 200, 135, "GM12878"]
    assert te["DNase (window)"].tolist() == [0.00013288, 1.0]
    ep = read_pairs(write(tmp_path, "HUVECtrain.csv", EP2VEC, gz))
    assert ep.iloc[0, :9].tolist() == [1, "chr1", 3420459, 3421842, "chr1", 3540856, 3541719, 119012, "HUVEC"]
    assert ep["bin"].tolist() == ["[33835, 131310.8]"] and ep["CTCF (enhancer)"].tolist() == [0.25]
    # tab-separated user table without names or distance
    user = read_pairs(write(tmp_path, "mine.tsv", "label\tenhancer_chrom\tenhancer_start\tenhancer_end\t"
                            "promoter_chrom\tpromoter_start\tpromoter_end\n1\tchr3\t1\t5\tchr3\t10\t20\n", gz))
    assert user.iloc[0, :7].tolist() == [1, "chr3", 1, 5, "chr3", 10, 20]
    assert np.isnan(user["distance"].iloc[0]) and user["cell"].iloc[0] is None


def test_read_pairs_errors(tmp_path):
    p = write(tmp_path, "a.csv", TF_CSV.replace("\n0,1000.0", "\n2,1000.0"))
    raises([str(p), "line 3", "column 'label'", "'2' is not 0 or 1", "Labels must be 1"], read_pairs, p)
    p = write(tmp_path, "b.csv", TF_CSV.replace("chr2,100,300", "chr2,300,100"))
    raises([str(p), "line 3", "enhancer start 300 is not less than end 100", "start < end"], read_pairs, p)
    p = write(tmp_path, "c.csv", TF_CSV.replace(",chr2,1300", ",2,1300"))
    raises([str(p), "line 3", "column 'promoter_chrom'", "'2' is not a UCSC name", "'chr1'"], read_pairs, p)
    p = write(tmp_path, "d.csv", TF_CSV.replace(",chr2,1300", ",chr3,1300"))
    raises([str(p), "line 3", "same chromosome"], read_pairs, p)
    p = write(tmp_path, "e.csv", TF_CSV.replace("promoter_start", "prom_start"))
    raises([str(p), "line 1", "missing column(s) promoter_start"], read_pairs, p)
    p = write(tmp_path, "f.csv", TF_CSV.replace("label,", "y,", 1))
    raises([str(p), "line 1", "no 'label' column"], read_pairs, p)
    p = write(tmp_path, "g.tsv", TRANSEPI.replace("chrX:10-20|GM12878|_", "enh42"))
    raises([str(p), "line 3", "column 'enh_name'", "'enh42' has no 'chr:start-end' part"], read_pairs, p)
    p = write(tmp_path, "h.csv", TF_CSV.replace(",841000,841200,", ",841000,8412x0,"))
    raises([str(p), "line 2", "column 'enhancer_end'", "'8412x0' is not a non-negative integer"], read_pairs, p)
    p = write(tmp_path, "i.csv", TF_CSV.replace("\n1,54601,", "\n1,-5,"))
    raises([str(p), "line 2", "enhancer_distance_to_promoter", "'-5'"], read_pairs, p)
    p = write(tmp_path, "j.tsv", TRANSEPI.replace(",GM12878,chrX,", ",GM12878,chr9,"))
    raises([str(p), "line 3", "column 'chrom' is 'chr9'", "'chrX'"], read_pairs, p)


@pytest.mark.parametrize("rel,n,pos,cell,ncol", [
    ("targetfinder_epi/original_pairs/IMR90.pairs.csv.gz", 26254, 1254, "IMR90", 11),
    ("targetfinder_epi/cboep_TargetFinder-P_CBMF-N/IMR90.csv.gz", 1742, 1254, "IMR90", 11),
    ("targetfinder_epi/transepi_whalen_pairs_features/Whalen.GM12878.HiC-Whalen.targetfinder_features.tsv.gz",
     12128, 2113, "GM12878", 9 + 2 + 24),
    ("targetfinder_epi/ep2vec_targetfinder_features/HUVECtrain.csv.gz", 3044, 1524, "HUVEC", 87),
])
def test_read_pairs_real(rel, n, pos, cell, ncol):
    df = read_pairs(mirror_file(rel))
    assert df.shape == (n, ncol) and int(df["label"].sum()) == pos
    assert set(df["cell"]) == {cell}
    assert (df["enhancer_start"] < df["enhancer_end"]).all()


def test_read_pairs_real_same_pairs():
    """TargetFinder's IMR90 pairs and TransEPI's IMR90 copy hold the same coordinates and labels."""
    a = read_pairs(mirror_file("targetfinder_epi/original_pairs/IMR90.pairs.csv.gz"))
    b = read_pairs(mirror_file("targetfinder_epi/transepi_whalen_pairs_features/"
                               "Whalen.IMR90.HiC-Whalen.targetfinder_features.tsv.gz"))
    key = PAIR_COLUMNS[:7]
    pd.testing.assert_frame_equal(a[key].sort_values(key).reset_index(drop=True),
                                  b[key].sort_values(key).reset_index(drop=True))


BED_E = "1\tchr1\t839600\t842599\n0\tchr2\t100\t3099\n"
BED_P = "1\tchr1\t894900\t896899\n0\tchr2\t5000\t6999\n"


@pytest.mark.parametrize("gz", [False, True])
def test_read_epiann_split(tmp_path, gz):
    df = read_epiann_split(write(tmp_path, "e.bed", BED_E, gz), write(tmp_path, "p.bed", BED_P, gz),
                           write(tmp_path, "l.txt", "1\n0\n", gz))
    assert df.columns.tolist() == PAIR_COLUMNS[:7]
    assert df.values.tolist() == [[1, "chr1", 839600, 842599, "chr1", 894900, 896899],
                                  [0, "chr2", 100, 3099, "chr2", 5000, 6999]]


def test_read_epiann_split_errors(tmp_path):
    e, p = write(tmp_path, "e.bed", BED_E), write(tmp_path, "p.bed", BED_P)
    lab3 = write(tmp_path, "l3.txt", "1\n0\n0\n")
    raises([str(e), ": 2 rows", str(p), str(lab3), ": 3 rows", "same split"], read_epiann_split, e, p, lab3)
    flip = write(tmp_path, "flip.txt", "0\n1\n")
    raises([str(e), "line 1", "disagrees with", str(flip)], read_epiann_split, e, p, flip)
    bad = write(tmp_path, "bad.txt", "1\nyes\n")
    raises([str(bad), "line 2", "'yes' is not 0 or 1"], read_epiann_split, e, p, bad)
    p5 = write(tmp_path, "p5.bed", BED_P.replace("5000\t6999", "6999\t5000"))
    raises([str(p5), "line 2", "promoter start 6999 is not less than end 5000"],
           read_epiann_split, e, p5, write(tmp_path, "l.txt", "1\n0\n"))
    p3 = write(tmp_path, "p3.bed", "chr1\t1\t2\n")
    raises([str(p3), "3 tab-separated column(s), expected 4"], read_epiann_split, e, p3, flip)


def test_read_epiann_split_real():
    d = "targetfinder_epi/epiann_IMR90_3kb2kb/"
    tr = read_epiann_split(mirror_file(d + "train_imbalanced.IMR90_enhancer.bed.gz"),
                           mirror_file(d + "train_imbalanced.IMR90_promoter.bed.gz"),
                           mirror_file(d + "train_imbalanced.IMR90_label.txt.gz"))
    assert len(tr) == 23629 and int(tr["label"].sum()) == 1129
    assert set(tr["enhancer_end"] - tr["enhancer_start"]) == {2999}
    assert set(tr["promoter_end"] - tr["promoter_start"]) == {1999}
    te = read_epiann_split(mirror_file(d + "test.IMR90_enhancer_test.bed.gz"),
                           mirror_file(d + "test.IMR90_promoter_test.bed.gz"),
                           mirror_file(d + "test.IMR90_label_test.txt.gz"))
    assert len(te) == 2625 and int(te["label"].sum()) == 125
    assert len(tr) + len(te) == 26254


# --------------------------------------------------------------------------- DeepSEA

EXAMPLES = ("chr1\t0\t8\t10,18,3\tACGTNNac\n"
            "chr1\t8\t12\t\tGGGG\n"
            "chr2\t100\t104\t918\tTTTT\n")


@pytest.mark.parametrize("gz", [False, True])
def test_read_examples_and_matrix(tmp_path, gz):
    df = read_examples(write(tmp_path, "ex.txt", EXAMPLES, gz))
    assert df.columns.tolist() == ["chrom", "start", "end", "labels", "sequence"]
    assert df["labels"].tolist() == [[3, 10, 18], [], [918]]
    assert df["sequence"].tolist() == ["ACGTNNAC", "GGGG", "TTTT"]
    y = labels_to_matrix(df)
    assert y.shape == (3, 919) and y.dtype == np.uint8
    assert np.flatnonzero(y[0]).tolist() == [3, 10, 18] and y[1].sum() == 0 and y[2, 918] == 1
    raises(["row 2 has label index 918 outside 0..163", "n_labels"], labels_to_matrix, df, 164)


def test_read_examples_errors(tmp_path):
    p = write(tmp_path, "a.txt", EXAMPLES.replace("10,18,3", "10;18"))
    raises([str(p), "line 1", "column 4 (label_ids)", "'10;18'", "comma-separated"], read_examples, p)
    p = write(tmp_path, "b.txt", EXAMPLES.replace("GGGG", "GGXG"))
    raises([str(p), "line 2", "column 5 (sequence)", "'X' is not A/C/G/T/N"], read_examples, p)
    p = write(tmp_path, "c.txt", EXAMPLES.replace("TTTT", "TTT"))
    raises([str(p), "line 3", "length 3 but end - start = 4"], read_examples, p)
    p = write(tmp_path, "d.txt", "chr1\t0\t4\tACGT\n")
    raises([str(p), "line 1", "4 tab-separated field(s), expected 5"], read_examples, p)
    p = write(tmp_path, "e.txt", EXAMPLES.replace("chr2\t100", "chr2\tabc"))
    raises([str(p), "line 3", "column 2 (start)", "'abc'"], read_examples, p)
    p = write(tmp_path, "f.txt", EXAMPLES.replace("chr2\t100\t104", "chr2\t104\t100"))
    raises([str(p), "line 3", "need 0 <= start < end"], read_examples, p)


def test_read_feature_names(tmp_path):
    ds = read_feature_names(write(tmp_path, "n.txt", "8988T|DNase|None\nNA|NA|NA\nA549|CTCF|EtOH_0.02pct\n"))
    assert ds.columns.tolist() == ["index", "cell", "assay", "treatment", "name"]
    assert ds.iloc[:, :4].values.tolist() == [[0, "8988T", "DNase", "None"], [1, None, None, None],
                                              [2, "A549", "CTCF", "EtOH_0.02pct"]]
    bel = read_feature_names(write(tmp_path, "b.txt", "BE2_C_DNase_None\nA549_ATF3_EtOH_0.02pct\n"
                                   "A549_DNase_None\nIshikawa_DNase_Estradiol_100nM_1hr\n", gz=True))
    assert bel[["cell", "assay", "treatment"]].values.tolist() == [
        ["BE2_C", "DNase", "None"], ["A549", "ATF3", "EtOH_0.02pct"], ["A549", "DNase", "None"],
        ["Ishikawa", "DNase", "Estradiol_100nM_1hr"]]
    bas = read_feature_names(write(tmp_path, "c.txt", "8988T\nAoSMC\n"))
    assert bas[["index", "cell", "assay", "treatment"]].values.tolist() == [[0, "8988T", "DNase", "None"],
                                                                           [1, "AoSMC", "DNase", "None"]]
    p = write(tmp_path, "d.txt", "8988T|DNase|None\nA549|CTCF\n")
    raises([str(p), "line 2", "2 '|'-separated field(s), expected 3"], read_feature_names, p)
    p = write(tmp_path, "e.txt", "8988T|DNase|None\n\nA549|CTCF|None\n")
    raises([str(p), "line 2", "blank line", "label index"], read_feature_names, p)


def test_deepsea_real():
    ex = read_examples(mirror_file("deephaem_dnase_deepsea_example/example_training_set_format_for_processing.txt.gz"))
    assert len(ex) == 50 and set(ex["end"] - ex["start"]) == {1000}
    assert max(max(lab) for lab in ex["labels"] if lab) == 917
    y = labels_to_matrix(ex)
    assert y.shape == (50, 919) and y[:, 917].any()
    names = read_feature_names(mirror_file("deepsea_basset_labels/DeepSEA_predictor.names.txt"))
    assert len(names) == 919
    na = names[names["cell"].isna()]
    assert na["index"].tolist() == [576] and na["name"].tolist() == ["NA|NA|NA"]
    assert (names["assay"] == "DNase").sum() == 125
    bel = read_feature_names(mirror_file("deepsea_basset_labels/DeepSEA_beluga_predictor_names.txt.gz"))
    assert len(bel) == 2002 and bel["cell"].notna().all() and (bel["assay"] != "").all()
    assert bel.loc[bel["name"] == "HSMM_emb_DNase_None", ["cell", "assay"]].values.tolist() == [["HSMM_emb", "DNase"]]
    bas = read_feature_names(mirror_file("deepsea_basset_labels/Basset_target_labels.txt"))
    assert len(bas) == 164 and bas["cell"].iloc[:3].tolist() == ["8988T", "AoSMC", "Chorion"]
