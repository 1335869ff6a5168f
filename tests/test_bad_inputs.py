"""Every bad input stops with a message naming the file, the record or line, and the fix."""

import subprocess
import sys

import pytest
import yaml

from bad_inputs import make_corpus
from conftest import ROOT
from genomebook import book, profiles, seq
from genomebook.datasets import deepcage, gue, peaks, read_labelled_sequences, registry
from genomebook.datasets.labelled import length_summary
from genomebook.seq import SequenceError


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("bad_inputs"))


def _message(exc_type, func, *args, **kwargs) -> str:
    with pytest.raises(exc_type) as err:
        func(*args, **kwargs)
    return str(err.value)


def test_empty_fasta(corpus):
    msg = _message(SequenceError, seq.read_fasta, corpus["empty_fasta"])
    assert str(corpus["empty_fasta"]) in msg and "no FASTA records" in msg and "'>'" in msg


def test_non_dna_letter(corpus):
    msg = _message(SequenceError, seq.read_fasta, corpus["non_dna_fasta"])
    assert str(corpus["non_dna_fasta"]) in msg
    assert "record 'bad1'" in msg and "'X' at position 5" in msg and "Fix the record" in msg


def test_iupac_code_is_refused_then_read_as_n_on_request(corpus):
    msg = _message(SequenceError, seq.read_fasta, corpus["iupac_fasta"])
    assert "record 'r2'" in msg and "'R' at position 3" in msg and "allow_iupac=True" in msg
    assert seq.read_fasta(corpus["iupac_fasta"], allow_iupac=True)[1][1] == "ACNTACGT"


def test_lowercase_and_n_runs_are_accepted(corpus):
    names, seqs = seq.read_fasta(corpus["lowercase_n_runs_fasta"])
    assert seqs == ["ACGTNNNNNNACGT", "ACGTNNNNNNACGT"]
    x = seq.one_hot(seqs)
    assert x[:, :, 4:10].sum() == 0 and x.sum() == 16  # N columns are all zeros


def test_wrong_length(corpus):
    msg = _message(SequenceError, seq.read_fasta, corpus["wrong_length_fasta"], length=8)
    assert "record 'r2'" in msg and "length 6 differs from the required length 8" in msg
    assert "pad_or_trim" in msg


def test_fasta_labels_count_mismatch(corpus):
    msg = _message(SequenceError, read_labelled_sequences, corpus["count_mismatch_fasta"],
                   corpus["count_mismatch_labels"])
    assert str(corpus["count_mismatch_fasta"]) in msg and str(corpus["count_mismatch_labels"]) in msg
    assert "3 records" in msg and "2 labels" in msg and "'r3'" in msg
    assert "exactly one label row" in msg


def test_unequal_lengths_by_class_stop_by_default(corpus):
    fa, lab = corpus["unequal_by_class_fasta"], corpus["unequal_by_class_labels"]
    msg = _message(SequenceError, read_labelled_sequences, fa, lab)
    assert str(fa) in msg and "4 different lengths" in msg
    assert "label 0: 300 bp, label 1: 180–250 bp" in msg
    assert "unequal='pad' to centre-pad with N to the longest" in msg
    assert "'crop' to centre-crop to the shortest" in msg and "unequal_lengths" in msg


@pytest.mark.parametrize("unequal, length", [("pad", 300), ("crop", 180)])
def test_unequal_lengths_pad_or_crop_on_request(corpus, unequal, length):
    data = read_labelled_sequences(corpus["unequal_by_class_fasta"],
                                   corpus["unequal_by_class_labels"], unequal=unequal)
    seqs, y = data.seqs, data.labels
    assert {len(s) for s in seqs} == {length} and y.tolist() == [1, 1, 1, 0, 0]
    table = length_summary(seqs, y)
    assert table["min"].tolist() == table["max"].tolist() == [length, length]
    if unequal == "pad":  # the 180 bp positive: 60 N each side
        assert seqs[0][:60] == seqs[0][-60:] == "N" * 60 and "N" not in seqs[0][60:240]
    else:  # the 300 bp negatives: 60 bp cut from each end
        assert seqs[3] == seq.read_fasta(corpus["unequal_by_class_fasta"])[1][3][60:240]


def test_all_n_record(corpus):
    msg = _message(SequenceError, seq.read_fasta, corpus["all_n_fasta"])
    assert str(corpus["all_n_fasta"]) in msg and "record 'gap7' (line 3) is all N (12 bp)" in msg
    assert "Remove the record" in msg
    assert seq.read_fasta(corpus["all_n_fasta"], validate=False)[1][1] == "NNNNNNNNnnnn"


def test_empty_record(corpus):
    msg = _message(SequenceError, seq.read_fasta, corpus["empty_record_fasta"])
    assert str(corpus["empty_record_fasta"]) in msg and "record 'r2' (line 3): the sequence is empty" in msg
    assert "Remove the record or give it bases" in msg


@pytest.mark.parametrize("name", ["crlf_fasta", "cr_fasta", "gz_crlf_fasta"])
def test_windows_and_old_mac_line_endings_read_like_lf(corpus, name):
    data = read_labelled_sequences(corpus[name], corpus["crlf_labels"])
    assert (data.names, data.seqs, data.labels.tolist()) == (["s1", "s2"], ["ACGTACGT", "GGCCAATT"], [1, 0])
    assert [tuple(r) for r in seq.read_fasta_records(corpus[name])] == [
        (1, "s1 first", "ACGTACGT"), (4, "s2", "ggccaatt")]


def test_bed_with_too_few_columns(corpus):
    msg = _message(SequenceError, peaks.read_bed, corpus["bed_too_few_columns"])
    assert str(corpus["bed_too_few_columns"]) in msg and "line 2" in msg
    assert "found 2 columns" in msg and "at least 3" in msg


def test_bed_start_after_end(corpus):
    msg = _message(SequenceError, peaks.read_bed, corpus["bed_start_after_end"])
    assert str(corpus["bed_start_after_end"]) in msg and "line 2" in msg
    assert "start 500 > end 400" in msg


def test_tsv_with_duplicated_tf(corpus):
    msg = _message(SequenceError, deepcage.read_tf_expression_tsv, corpus["tsv_duplicated_tf"])
    assert str(corpus["tsv_duplicated_tf"]) in msg and "GATA1" in msg and "line" in msg


def test_tsv_with_missing_tf(corpus):
    msg = _message(SequenceError, deepcage.read_tf_expression_tsv, corpus["tsv_missing_tf"],
                   tfs=["GATA1", "TAL1"])
    assert str(corpus["tsv_missing_tf"]) in msg and "TAL1" in msg and "missing='drop'" in msg


def test_expression_matrix_duplicated_tf_handled_explicitly(corpus):
    msg = _message(SequenceError, deepcage.read_expression_matrix, corpus["matrix_duplicated_tf"],
                   duplicates="error")
    assert str(corpus["matrix_duplicated_tf"]) in msg and "AR" in msg
    # the default keeps one column per TF only when the repeats are identical; these differ
    msg = _message(SequenceError, deepcage.read_expression_matrix, corpus["matrix_duplicated_tf"])
    assert "AR" in msg
    kept = deepcage.read_expression_matrix(corpus["matrix_duplicated_tf"], duplicates="keep")
    assert list(kept.columns) == ["AR", "GATA1", "AR#2"]


def test_truncated_gzip(corpus):
    msg = _message(SequenceError, gue.read_gue_csv, corpus["truncated_gzip"])
    assert str(corpus["truncated_gzip"]) in msg and "truncated or corrupt" in msg
    assert "Download or copy it again" in msg


def test_checksum_mismatch(corpus, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "x").mkdir(parents=True)
    (mirror / "x" / "data.csv").write_text("sequence,label\nACGT,1\n")
    reg = tmp_path / "registry.yaml"
    reg.write_text(yaml.safe_dump({"demo_csv": {
        "task": "demo", "scale": "book", "url": "https://example.org/data.csv",
        "content_sha256": "0" * 64, "mirror_path": "x/data.csv", "stored_as": "as_upstream",
        "licence": "CC0", "citation": "nobody", "reader": "genomebook.datasets.gue.read_gue_csv",
        "chapters": []}}))
    monkeypatch.setenv("GENOMEBOOK_REGISTRY", str(reg))
    msg = _message(registry.DataUnavailable, registry.fetch, "demo_csv", mirror=mirror,
                   cache=tmp_path / "cache", download=False)
    assert "demo_csv" in msg and str(mirror / "x" / "data.csv") in msg
    assert "0" * 64 in msg and "GENOMEBOOK_MIRROR" in msg


def test_unknown_parameter_is_refused_with_the_valid_ones():
    ch = book.find_chapter("motifs", ROOT)
    with pytest.raises(book.ChapterError) as err:
        book.check_parameters(ch, {"n_sequence": 5}, {"n_sequences": None, "seed": 0})
    assert "motifs.py" in str(err.value) and "'n_sequence'" in str(err.value)
    assert "n_sequences, seed" in str(err.value)


def test_bad_parameter_value():
    with pytest.raises(ValueError, match="profile must be one of smoke, book, paper; got 'huge'"):
        profiles.profile("motifs", "huge")
    with pytest.raises(ValueError, match="data_source must be one of auto, simulated, real"):
        registry.resolve_source("mirror", ["gue_tf_0_test"])


def test_cli_reports_a_bad_value_from_inside_the_chapter(tmp_path):
    """A bad value stops the chapter at its first cell; the summary names the problem."""
    proc = subprocess.run([sys.executable, "-m", "genomebook.book", "run", "motifs", "-p",
                           "profile", "huge", "--site", str(tmp_path / "site")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "GENOMEBOOK_RESULTS": str(tmp_path / "r")})
    assert proc.returncode == 1
    assert "profile must be one of smoke, book, paper; got 'huge'" in proc.stdout
    assert not (tmp_path / "r").exists()  # nothing written for a run that stopped
