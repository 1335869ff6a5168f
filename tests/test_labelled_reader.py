"""A reader's own labelled sequences: matching, padding and messages that name the fix."""

import numpy as np
import pytest

from genomebook.datasets import read_labelled_sequences
from genomebook.datasets.labelled import UNEQUAL, length_summary
from genomebook.seq import SequenceError


def _write(tmp_path, fasta, labels, name="labels.tsv"):
    fa = tmp_path / "seqs.fa"
    fa.write_text(fasta)
    lab = tmp_path / name
    lab.write_text(labels)
    return fa, lab


def test_reads_matches_by_name_and_pads_only_when_asked(tmp_path):
    fa, lab = _write(tmp_path, ">s1\nACGT\n>s2\nac\n>s3\nACGTAC\n",
                     "name\tlabel\ns3\t1\ns1\t0\ns2\t1\n")
    with pytest.raises(SequenceError) as err:
        read_labelled_sequences(fa, lab)
    assert str(err.value) == (
        f"{fa}: the sequences have 3 different lengths (label 0: 4 bp, label 1: 2–6 bp). A model "
        "could learn the label from a sequence's length or its padding, so nothing is changed "
        "without asking: pass unequal='pad' to centre-pad with N to the longest, or 'crop' to "
        "centre-crop to the shortest (in a chapter: the parameter unequal_lengths); the chapter "
        "will say which it did.")
    names, seqs, y = read_labelled_sequences(fa, lab, unequal="pad")
    assert names == ["s1", "s2", "s3"]
    assert seqs == ["NACGTN", "NNACNN", "ACGTAC"]
    assert y.tolist() == [0, 1, 1]
    assert read_labelled_sequences(fa, lab, unequal="crop")[1] == ["CG", "AC", "GT"]
    assert read_labelled_sequences(fa, lab, unequal="pad", length=7)[1][2] == "ACGTACN"
    assert read_labelled_sequences(fa, lab, unequal="crop", length=1)[1] == ["C", "A", "G"]


@pytest.mark.parametrize("kwargs, message", [
    ({"length": 4}, r"2 of 3 sequences are not length=4 bp \(3 different lengths: label 0: 4 bp, "
                    r"label 1: 2–6 bp\)\. .*pass unequal='pad' \(to the longest, 6 bp\)"),
    ({"length": 8}, r"3 of 3 sequences .* pass unequal='pad' to centre-pad with N to 8 bp \("),
    ({"unequal": "pad", "length": 5}, r"unequal='pad' cannot shorten, but length=5 is less than the "
                                      r"longest sequence \(6 bp"),
    ({"unequal": "crop", "length": 3}, r"unequal='crop' cannot lengthen, but length=3 is more than the "
                                       r"shortest sequence \(2 bp"),
])
def test_lengths_that_cannot_be_met_are_refused(tmp_path, kwargs, message):
    fa, lab = _write(tmp_path, ">s1\nACGT\n>s2\nac\n>s3\nACGTAC\n", "name\tlabel\ns3\t1\ns1\t0\ns2\t1\n")
    with pytest.raises(SequenceError, match=message) as err:
        read_labelled_sequences(fa, lab, **kwargs)
    assert str(fa) in str(err.value)


def test_equal_lengths_pass_through_whatever_unequal_says(tmp_path):
    fa, lab = _write(tmp_path, ">a\nACGT\n>b\nGGTT\n", "name\tlabel\na\t1\nb\t0\n")
    for unequal in UNEQUAL:
        assert read_labelled_sequences(fa, lab, unequal=unequal)[1] == ["ACGT", "GGTT"]
    assert read_labelled_sequences(fa, lab, length=4)[1] == ["ACGT", "GGTT"]
    with pytest.raises(ValueError, match="unequal must be one of error, pad, crop; got 'trim'"):
        read_labelled_sequences(fa, lab, unequal="trim")


def test_length_summary():
    table = length_summary(["ACGT", "AC", "ACGTAC", "A"], np.array([0, 1, 1, 1]))
    assert table.index.name == "label" and list(table.columns) == ["n", "min", "median", "max"]
    assert table.loc[0].tolist() == [1, 4, 4.0, 4] and table.loc[1].tolist() == [3, 1, 2.0, 6]
    assert table["n"].dtype == np.int64 and table["median"].dtype == np.float64


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_and_cr_files_read_like_lf(tmp_path, newline):
    fasta, labels = ">a one\nACGT\nAC\n>b\nGGTTCC\n", "name\tlabel\na\t1\nb\t0\n"
    lf = _write(tmp_path, fasta, labels)
    (tmp_path / "crlf").mkdir()
    fa, lab = tmp_path / "crlf" / "seqs.fa", tmp_path / "crlf" / "labels.tsv"
    fa.write_bytes(fasta.replace("\n", newline).encode())
    lab.write_bytes(("\ufeff" + labels).replace("\n", newline).encode())  # as Excel saves it
    names, seqs, y = read_labelled_sequences(fa, lab)
    assert (names, seqs, y.tolist()) == (["a", "b"], ["ACGTAC", "GGTTCC"], [1, 0])
    assert read_labelled_sequences(*lf)[1] == seqs


def test_csv_labels(tmp_path):
    fa, lab = _write(tmp_path, ">a\nAC\n>b\nGT\n", "name,label\na,1\nb,0\n", "labels.csv")
    assert read_labelled_sequences(fa, lab)[2].tolist() == [1, 0]


@pytest.mark.parametrize("labels, message", [
    ("name\tlabel\ns1\t0\n", r"1 FASTA record\(s\) have no label \(first: 's2'\)"),
    ("name\tlabel\ns1\t0\ns2\t1\nzz\t1\n", r"1 label row\(s\) match no FASTA record \(first: 'zz'\)"),
    ("name\tlabel\ns1\t0\ns2\t2\n", r"line 3 \(record 's2'\): label '2' is not 0 or 1"),
    ("id\ty\ns1\t0\n", r"missing column\(s\) label, name"),
    ("name\tlabel\ns1\t1\ns2\t1\n", "every label is 1"),
    ("name\tlabel\ns1\t1\ns1\t0\ns2\t1\n", "record 's1' has more than one label"),
    ("", "the label file is empty"),
])
def test_bad_labels_name_the_file_and_fix(tmp_path, labels, message):
    fa, lab = _write(tmp_path, ">s1\nACGT\n>s2\nACGA\n", labels)
    with pytest.raises(SequenceError, match=message) as err:
        read_labelled_sequences(fa, lab)
    assert str(lab) in str(err.value) or str(fa) in str(err.value)


def test_missing_label_file(tmp_path):
    fa, _ = _write(tmp_path, ">s1\nACGT\n", "")
    with pytest.raises(FileNotFoundError, match="nope.tsv does not exist"):
        read_labelled_sequences(fa, tmp_path / "nope.tsv")
