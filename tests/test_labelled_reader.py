"""A reader's own labelled sequences: matching, padding and messages that name the fix."""

import gzip

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
    data = read_labelled_sequences(fa, lab, unequal="pad")
    names, seqs, y = data.names, data.seqs, data.labels
    assert data.lengths.tolist() == [4, 2, 6] and data.format == "fasta+labels" and data.split is None
    assert names == ["s1", "s2", "s3"]
    assert seqs == ["NACGTN", "NNACNN", "ACGTAC"]
    assert y.tolist() == [0, 1, 1]
    assert read_labelled_sequences(fa, lab, unequal="crop").seqs == ["CG", "AC", "GT"]
    assert read_labelled_sequences(fa, lab, unequal="pad", length=7).seqs[2] == "ACGTACN"
    assert read_labelled_sequences(fa, lab, unequal="crop", length=1).seqs == ["C", "A", "G"]


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
        assert read_labelled_sequences(fa, lab, unequal=unequal).seqs == ["ACGT", "GGTT"]
    assert read_labelled_sequences(fa, lab, length=4).seqs == ["ACGT", "GGTT"]
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
    data = read_labelled_sequences(fa, lab)
    assert (data.names, data.seqs, data.labels.tolist()) == (["a", "b"], ["ACGTAC", "GGTTCC"], [1, 0])
    assert read_labelled_sequences(*lf).seqs == data.seqs


def test_csv_labels(tmp_path):
    fa, lab = _write(tmp_path, ">a\nAC\n>b\nGT\n", "name,label\na,1\nb,0\n", "labels.csv")
    assert read_labelled_sequences(fa, lab).labels.tolist() == [1, 0]


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


# --------------------------------------------------------------------------- every format


def _gz(path):
    """A gzip copy of ``path`` next to it (``name.gz``)."""
    out = path.with_name(path.name + ".gz")
    out.write_bytes(gzip.compress(path.read_bytes()))
    return out


def _fasta(path, records):
    path.write_text("".join(f">{n}\n{s}\n" for n, s in records))
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_gue_style_csv_with_optional_columns(tmp_path, gz):
    csv = tmp_path / "data.csv"
    csv.write_text("sequence,label,split,tss,species,batch\n"
                   "acgtac,1,train,2,yeast,a\nGGTTCC,0,val,0,yeast,b\nTTTTAA,1,test,5,mouse,a\n")
    data = read_labelled_sequences(_gz(csv) if gz else csv)
    assert data.format == "csv" and data.names == ["data_2", "data_3", "data_4"]
    assert data.seqs == ["ACGTAC", "GGTTCC", "TTTTAA"] and data.labels.tolist() == [1, 0, 1]
    assert data.split.tolist() == ["train", "dev", "test"]  # val is read as dev
    assert data.extra["tss"].tolist() == [2, 0, 5] and data.extra["species"].tolist() == ["yeast", "yeast", "mouse"]
    assert data.extra["batch"].tolist() == ["a", "b", "a"]
    assert any("batch kept as given but not used" in n for n in data.notes)
    assert data.classes == ["negatives", "positives"]
    assert data.counts().loc["train", 1] == 1 and list(data.counts().index) == ["train", "dev", "test"]
    assert "3 sequences (1 negatives, 2 positives)" in data.describe()


@pytest.mark.parametrize("gz", [False, True])
def test_gue_style_folder_gives_the_split(tmp_path, gz):
    folder = tmp_path / "gue"
    folder.mkdir()
    for split, rows in {"train": "ACGT,1\nGGCC,0\nAAGT,1\n", "dev": "TTGA,0\n", "test": "CCAA,1\nGATC,0\n"}.items():
        f = folder / f"{split}.csv"
        f.write_text("sequence,label\n" + rows)
        if gz:
            _gz(f)
            f.unlink()
    (folder / "README.txt").write_text("not data")
    data = read_labelled_sequences(folder)
    assert data.format == "csv folder" and len(data.files) == 3
    assert data.split.tolist() == ["train"] * 3 + ["dev", "test", "test"]
    assert data.names[:2] == ["train_2", "train_3"] and data.names[3] == "dev_2"
    assert data.labels.tolist() == [1, 0, 1, 0, 1, 0]


def test_tsv_table_and_val_file_read_as_dev(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    for split in ("train", "val", "test"):
        (folder / f"{split}.tsv").write_text("name\tsequence\tlabel\n" f"{split}A\tACGT\t1\n{split}B\tGGCC\t0\n")
    data = read_labelled_sequences(folder)
    assert sorted(set(data.split)) == ["dev", "test", "train"] and data.names[0] == "trainA"


@pytest.mark.parametrize("how", ["folder", "mapping", "text", "numbers", "gz"])
def test_one_fasta_per_class(tmp_path, how):
    pos = _fasta(tmp_path / "positives.fa", [("p1", "ACGT"), ("p2", "AACC")])
    neg = _fasta(tmp_path / "negatives.fa", [("n1", "GGTT")])
    if how == "folder":
        source = tmp_path
    elif how == "mapping":
        source = {"negatives": neg, "positives": pos}
    elif how == "text":
        source = f"positives={pos}, negatives={neg}"
    elif how == "numbers":
        source = f"1={pos};0={neg}"
    else:
        source = {"pos": _gz(pos), "neg": _gz(neg)}
    data = read_labelled_sequences(source)
    assert data.format == "fasta per class" and data.split is None
    assert dict(zip(data.names, data.labels.tolist())) == {"p1": 1, "p2": 1, "n1": 0}
    assert data.classes[1] in ("positives", "pos", "1")


def test_more_classes_by_name_in_the_order_given(tmp_path):
    files = {c: _fasta(tmp_path / f"{c}.fa", [(f"{c}1", "ACGT")]) for c in ("donor", "acceptor", "none")}
    data = read_labelled_sequences(",".join(f"{c}={p}" for c, p in files.items()), n_classes=3)
    assert data.labels.tolist() == [0, 1, 2] and data.classes == ["donor", "acceptor", "none"]
    with pytest.raises(SequenceError, match="3 class file\\(s\\) given; this task needs 'positives=...'"):
        read_labelled_sequences(files)


def test_labels_table_with_split_tss_and_species_moves_tss_with_padding(tmp_path):
    fa, lab = _write(tmp_path, ">a\nACGTAC\n>b\nGG\n>c\nTTAA\n",
                     "name\tlabel\tsplit\ttss\tspecies\nc\t1\tTest\t3\tfly\nb\t0\tvalidation\t1\tfly\n"
                     "a\t1\ttrain\t0\tfly\n")
    data = read_labelled_sequences(fa, lab, unequal="pad")
    assert data.split.tolist() == ["train", "dev", "test"]
    assert data.seqs == ["ACGTAC", "NNGGNN", "NTTAAN"] and data.lengths.tolist() == [6, 2, 4]
    assert data.extra["tss"].tolist() == [0, 3, 4]  # shifted by the N added on the left
    with pytest.raises(SequenceError, match="cropping to 2 bp cuts off its TSS .* unequal='pad'"):
        read_labelled_sequences(fa, lab, unequal="crop")


def test_relative_paths_are_read_from_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "x.csv").write_text("sequence,label\nACGT,1\nGGCC,0\n")
    monkeypatch.chdir(tmp_path)
    assert read_labelled_sequences("x.csv").files == [tmp_path / "x.csv"]
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert len(read_labelled_sequences("../x.csv", base_dir=other)) == 2
    with pytest.raises(FileNotFoundError) as err:
        read_labelled_sequences("data/missing.csv")
    assert str(err.value) == (f"data/missing.csv does not exist: no such sequence file or folder (looked for "
                              f"{tmp_path / 'data/missing.csv'}; relative paths are read from {tmp_path}). "
                              "Check the path, or give it as an absolute path.")
    with pytest.raises(FileNotFoundError, match="no such FASTA file of class 'negatives'"):
        read_labelled_sequences("positives=x.csv,negatives=nope.fa")


# --------------------------------------------------------------------------- duplicate names


def test_duplicate_names_stop_with_a_count_or_are_renamed(tmp_path, capsys):
    pos = _fasta(tmp_path / "pos.fa", [("a", "ACGT"), ("b", "ACGA"), ("a", "ACGC"), ("a.2", "ACCC")])
    neg = _fasta(tmp_path / "neg.fa", [("b", "GGTT"), ("a", "GGTA")])
    pairs = {"positives": pos, "negatives": neg}
    with pytest.raises(SequenceError) as err:
        read_labelled_sequences(pairs)
    msg = str(err.value)
    assert f"{pos}, {neg}: 2 record name(s) occur more than once (3 repeat(s) among 6 records; " \
           f"first: 'a' at {pos}, line 1 and {pos}, line 5)" in msg
    assert "Pass duplicate_names='rename' (a chapter parameter too)" in msg
    data = read_labelled_sequences(pairs, duplicate_names="rename")
    assert data.names == ["a", "b", "a.3", "a.2", "b.2", "a.4"]
    assert data.labels.tolist() == [1, 1, 1, 1, 0, 0]
    assert "duplicate_names='rename'" in capsys.readouterr().out and data.notes


def test_duplicate_names_with_a_label_table_cannot_be_matched(tmp_path):
    fa, lab = _write(tmp_path, ">a\nACGT\n>a\nGGCC\n", "name\tlabel\na\t1\n")
    for how in ("error", "rename"):
        with pytest.raises(SequenceError, match="matched to the FASTA by name.*data_path='positives="):
            read_labelled_sequences(fa, lab, duplicate_names=how)
    with pytest.raises(ValueError, match="duplicate_names must be one of error, rename; got 'drop'"):
        read_labelled_sequences(fa, lab, duplicate_names="drop")


# --------------------------------------------------------------------------- every error names file, line and fix


@pytest.mark.parametrize("text, message", [
    ("seq,label\nACGT,1\n", r"missing column\(s\) sequence; found seq, label\. .*header 'sequence,label'"),
    ("sequence,label\nACGXT,1\nGGCC,0\n", r"line 2, record 'bad_2': letter 'X' at position 4 is not DNA"),
    ("sequence,label\nACGT,1\nGGRC,0\n", r"line 3, record 'bad_3': letter 'R' .* pass allow_iupac=True"),
    ("sequence,label\nACGT,1\nnnnn,0\n", r"line 3, record 'bad_3' is all N \(4 bp\).*Remove the row"),
    ("sequence,label\nACGT,1\n,0\n", r"line 3, record 'bad_3': the sequence is empty"),
    ("sequence,label\nACGT,1\nGGCC,yes\n", r"line 3 \(record 'bad_3'\): label 'yes' is not 0 or 1"),
    ("sequence,label,split\nACGT,1,train\nGGCC,0,holdout\n", r"line 3: split 'holdout' is not one of train, "
                                                             r"dev \(or val\), test.*remove it"),
    ("sequence,label,split\nACGT,1,train\nGGCC,0,dev\n", r"split column holds only dev, train; it needs "
                                                         r"train and test rows"),
    ("sequence,label,tss\nACGT,1,2\nGGCC,0,-1\n", r"line 3: tss '-1' is not a position"),
    ("sequence,label,tss\nACGT,1,2\nGGCC,0,4\n", r"record 'bad_3': tss 4 is outside its 4 bp sequence"),
    ("sequence,label\nACGT,1\nGGCC,1\n", r"every label is 1; a classifier needs at least two classes"),
    ("sequence,label\n", r"the table has a header but no rows"),
    ("", r"the file is empty"),
    ("sequence,label\nACGT,1\nGGCCAA,0\n", r"2 different lengths.*unequal_lengths"),
])
def test_bad_tables_name_the_file_line_and_fix(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(SequenceError, match=message) as err:
        read_labelled_sequences(path)
    assert str(path) in str(err.value)


def test_iupac_codes_read_as_n_when_allowed(tmp_path):
    path = tmp_path / "iupac.csv"
    path.write_text("sequence,label\nACGT,1\nGGRC,0\n")
    assert read_labelled_sequences(path, allow_iupac=True).seqs == ["ACGT", "GGNC"]


def test_damaged_gzip_table(tmp_path):
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(b"sequence,label\n" + b"ACGT,1\n" * 2000)[:60])
    with pytest.raises(SequenceError, match="gzip") as err:
        read_labelled_sequences(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("files, message", [
    ({"notes.txt": "x"}, r"a folder must hold train\.csv, dev\.csv, test\.csv .* it holds notes\.txt"),
    ({"train.csv": "sequence,label\nACGT,1\n", "dev.csv": "sequence,label\nACGT,1\n"},
     r"has dev\.csv, train\.csv but no test file"),
    ({"train.csv": "sequence,label\nACGT,1\n", "dev.csv": "sequence,label\nA,1\n",
      "val.csv": "sequence,label\nA,1\n", "test.csv": "sequence,label\nA,1\n"},
     r"both dev\.csv and val\.csv give the dev split"),
    ({"train.csv": "sequence,label,split\nACGT,1,train\n", "test.csv": "sequence,label,split\nACGT,0,test\n"},
     r"train\.csv: has a split column, but the file name already says 'train'"),
    ({"positives.fa": ">a\nACGT\n"}, r"a folder must hold .* or one positives\.fa and one negatives\.fa"),
])
def test_bad_folders(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(SequenceError, match=message) as err:
        read_labelled_sequences(tmp_path)
    assert str(tmp_path) in str(err.value)


def test_misused_sources(tmp_path):
    fa = _fasta(tmp_path / "x.fa", [("a", "ACGT")])
    with pytest.raises(SequenceError, match=r"x\.fa is a FASTA file, and no labels were given\. Give "
                                            r"labels_path .* data_path='positives=pos\.fa"):
        read_labelled_sequences(fa)
    with pytest.raises(SequenceError, match="is a folder; its files carry their labels"):
        read_labelled_sequences(tmp_path, fa)
    with pytest.raises(SequenceError, match="class 'positives' is given twice"):
        read_labelled_sequences(f"positives={fa},positives={fa}")
    with pytest.raises(SequenceError, match=r"this task needs 'positives=\.\.\.' and 'negatives=\.\.\.'"):
        read_labelled_sequences({"promoter": fa, "background": fa})


def test_chapter_split_uses_the_datas_split_or_a_stratified_one():
    from genomebook.datasets.labelled import chapter_split

    labels = np.array([0, 1] * 50)
    split = np.array(["train"] * 80 + ["test"] * 20)
    parts, notes = chapter_split(labels, split, seed=0)
    assert len(parts["test"]) == 20 and len(parts["train"]) + len(parts["dev"]) == 80 and len(parts["dev"]) == 12
    assert "no dev rows" in notes[0] and "the data's own" in notes[1]
    parts, notes = chapter_split(labels, None, seed=0)
    assert [len(parts[k]) for k in ("train", "dev", "test")] == [70, 15, 15]
    assert sorted(np.concatenate(list(parts.values()))) == list(range(100)) and "70/15/15" in notes[0]


def test_user_source_and_caps(tmp_path):
    """The chapters' three data parameters, and the profile's caps applied to a reader's splits with a note."""
    from genomebook.datasets.labelled import cap_splits, chapter_split, user_source

    assert user_source() is None
    assert user_source("a.fa", "a.tsv") == "a.fa" and user_source(data_path="d") == "d"
    with pytest.raises(ValueError, match="not both"):
        user_source("a.fa", None, "d")
    with pytest.raises(ValueError, match="give fasta_path too"):
        user_source(None, "a.tsv")
    (tmp_path / "t.csv").write_text("sequence,label\n" + "".join(
        f"{'ACGT' * 5 if i % 4 else 'TTGA' * 5},{int(i % 4 == 0)}\n" for i in range(200)))
    data = read_labelled_sequences(tmp_path / "t.csv")
    parts, _ = chapter_split(data.labels, seed=0)
    kept, notes = cap_splits(data, {"train": 40, "test": None}, parts, seed=0)
    assert len(kept["train"]) == 40 and set(kept["train"]) <= set(parts["train"])
    assert abs(data.labels[kept["train"]].mean() - 0.25) < 0.03  # stratified: the class shares stay
    assert np.array_equal(kept["test"], parts["test"]) and np.array_equal(kept["dev"], parts["dev"])
    assert notes == [f"train: 40 of {len(parts['train'])} records used (the profile's cap; raise it with the "
                     "chapter's size parameter or profile='paper')"]
