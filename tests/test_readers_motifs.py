"""Motif files in every format a reader may have (MEME, JASPAR, HOMER, TRANSFAC), and motif collections.

Tiny files written here (plain and gzip); every error names the file and the line.
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from genomebook.datasets.motif_files import (motif_collection, motif_file_format, read_jaspar, read_meme,
                                             read_motif_file)
from genomebook.motifs import taxon_for_species
from genomebook.seq import SequenceError

MEME = """MEME version 4

ALPHABET= ACGT

strands: + -

Background letter frequencies
A 0.3 C 0.2 G 0.2 T 0.3

MOTIF MA0004.1 Arnt
letter-probability matrix: alength= 4 w= 3 nsites= 20 E= 0
 0.200000  0.800000  0.000000  0.000000
 0.950000  0.000000  0.050000  0.000000
 0.000000  1.000000  0.000000  0.000000
URL http://jaspar.genereg.net/matrix/MA0004.1

MOTIF STREME-1
letter-probability matrix: alength= 4 w= 2
 0.25 0.25 0.25 0.25
 0.1 0.2 0.3 0.4
"""

JASPAR = """>MA0004.1\tArnt
A  [     4     19      0 ]
C  [    16      0     20 ]
G  [     0      1      0 ]
T  [     0      0      0 ]
>MA0006.1 Ahr::Arnt
1 2 3
4 5 6
7 8 9
0 1 2
"""

HOMER = ">CACGTG\tmyMotif\t6.5\n0.1\t0.7\t0.1\t0.1\n0.8\t0.1\t0.05\t0.05\n"
TRANSFAC = "AC X1\nID One\nPO\tA\tC\tG\tT\n01\t1\t2\t3\t4\n02\t4\t3\t2\t1\n//\n"


def write(tmp_path, name, text, gz=False):
    p = tmp_path / (name + (".gz" if gz else ""))
    p.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return p


@pytest.mark.parametrize("gz", [False, True])
def test_read_meme(tmp_path, gz):
    ms = read_meme(write(tmp_path, "m.meme", MEME, gz))
    assert [m.id for m in ms] == ["MA0004.1", "STREME-1"] and [m.name for m in ms] == ["Arnt", "STREME-1"]
    np.testing.assert_allclose(ms[0].counts[:, 0], [4, 16, 0, 0])  # probabilities × nsites
    np.testing.assert_allclose(ms[1].ppm()[:, 1], [0.1, 0.2, 0.3, 0.4])
    assert ms[1].counts.sum(axis=0)[0] == pytest.approx(100)  # no nsites: × 100


def test_read_meme_errors(tmp_path):
    p = write(tmp_path, "a.meme", MEME.replace("0.950000  0.000000", "0.950000  x"))
    with pytest.raises(SequenceError, match=r"a\.meme, line 13, column C .*'x' is not a number"):
        read_meme(p)
    p = write(tmp_path, "b.meme", MEME.replace("w= 3", "w= 4"))
    with pytest.raises(SequenceError, match=r"line 15 .*not a matrix row"):
        read_meme(p)
    p = write(tmp_path, "c.meme", MEME.replace("ALPHABET= ACGT", "ALPHABET= ACDEFGHIKLMNPQRSTVWY"))
    with pytest.raises(SequenceError, match=r"line 3: alphabet .* only DNA"):
        read_meme(p)
    p = write(tmp_path, "d.meme", MEME.replace(" 0.1 0.2 0.3 0.4", " 0.1 0.2 0.3 0.9"))
    with pytest.raises(SequenceError, match=r"line 20 .*sum to 1.5"):
        read_meme(p)
    p = write(tmp_path, "e.meme", "MEME version 4\n")
    with pytest.raises(SequenceError, match="no MEME motifs found"):
        read_meme(p)


@pytest.mark.parametrize("gz", [False, True])
def test_read_jaspar(tmp_path, gz):
    ms = read_jaspar(write(tmp_path, "m.jaspar", JASPAR, gz))
    assert [(m.id, m.name) for m in ms] == [("MA0004.1", "Arnt"), ("MA0006.1", "Ahr::Arnt")]
    np.testing.assert_allclose(ms[0].counts[:, 1], [19, 0, 1, 0])
    np.testing.assert_allclose(ms[1].counts[:, 0], [1, 4, 7, 0])  # bare rows: A, C, G, T


def test_read_jaspar_errors(tmp_path):
    p = write(tmp_path, "a.jaspar", JASPAR.replace("T  [     0      0      0 ]\n", ""))
    with pytest.raises(SequenceError, match=r"a\.jaspar, line 1: motif 'MA0004.1' has 3 count row"):
        read_jaspar(p)
    p = write(tmp_path, "b.jaspar", JASPAR.replace("19      0 ]", "19 ]"))
    with pytest.raises(SequenceError, match="rows have different lengths"):
        read_jaspar(p)
    p = write(tmp_path, "c.jaspar", JASPAR.replace("16 ", "x6 "))
    with pytest.raises(SequenceError, match=r"line 3 .*'x6' is not a number"):
        read_jaspar(p)


def test_read_motif_file_recognises_each_format(tmp_path):
    files = {"meme": MEME, "jaspar": JASPAR, "homer": HOMER, "transfac": TRANSFAC}
    for fmt, text in files.items():
        p = write(tmp_path, f"m_{fmt}.txt", text)
        assert motif_file_format(p) == fmt
        assert len(read_motif_file(p)) >= 1
    with pytest.raises(SequenceError, match=r"line 1: .*starts no motif format"):
        read_motif_file(write(tmp_path, "x.txt", "hello\n"))


def test_taxon_for_species():
    assert taxon_for_species(["Saccharomyces cerevisiae"] * 3)[0] == "fungi"
    assert taxon_for_species(["Drosophila melanogaster"])[0] == "insects"
    assert taxon_for_species(["Caenorhabditis elegans"])[0] == "nematodes"
    assert taxon_for_species(["Arabidopsis thaliana", "Zea mays", "Oryza sativa"])[0] == "plants"
    taxon, why = taxon_for_species(["Homo sapiens", "Mus musculus"])
    assert taxon == "vertebrates" and "Homo sapiens" in why
    taxon, why = taxon_for_species(["Unknownia foo"])
    assert taxon == "vertebrates" and "not in the book's species table" in why
    assert taxon_for_species([])[0] == "vertebrates"


def test_motif_collection(tmp_path):
    fungi = motif_collection("auto", ["Saccharomyces cerevisiae"])
    assert fungi.taxon == "fungi" and fungi.name == "JASPAR 2024 CORE fungi" and 100 < len(fungi.motifs) < 300
    assert "Saccharomyces cerevisiae" in fungi.why
    assert motif_collection("auto").taxon == "vertebrates" and len(motif_collection("auto").motifs) == 879
    assert motif_collection("plants").taxon == "plants"
    p = write(tmp_path, "mine.meme", MEME)
    own = motif_collection("mine.meme", base_dir=tmp_path)
    assert own.taxon is None and [m.id for m in own.motifs] == ["MA0004.1", "STREME-1"] and "meme format" in own.why
    with pytest.raises(SequenceError, match=r"neither 'auto', a JASPAR group \(vertebrates.*looked for"):
        motif_collection("mammals")
    assert p.exists()
