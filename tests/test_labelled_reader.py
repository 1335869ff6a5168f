"""A reader's own labelled sequences: matching, padding and messages that name the fix."""

import pytest

from genomebook.datasets import read_labelled_sequences
from genomebook.seq import SequenceError


def _write(tmp_path, fasta, labels, name="labels.tsv"):
    fa = tmp_path / "seqs.fa"
    fa.write_text(fasta)
    lab = tmp_path / name
    lab.write_text(labels)
    return fa, lab


def test_reads_matches_by_name_and_pads(tmp_path):
    fa, lab = _write(tmp_path, ">s1\nACGT\n>s2\nac\n>s3\nACGTAC\n",
                     "name\tlabel\ns3\t1\ns1\t0\ns2\t1\n")
    names, seqs, y = read_labelled_sequences(fa, lab)
    assert names == ["s1", "s2", "s3"]
    assert [len(s) for s in seqs] == [6, 6, 6]
    assert seqs[1] == "NNACNN"
    assert y.tolist() == [0, 1, 1]


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
