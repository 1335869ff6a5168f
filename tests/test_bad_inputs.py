"""Every bad input stops with a message naming the file, the record or line, and the fix."""

import subprocess
import sys

import pytest
import yaml

from bad_inputs import make_corpus
from conftest import ROOT
from genomebook import book, seq, train
from genomebook.datasets import deepcage, gue, peaks, read_labelled_sequences, registry
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
        train.profile("motifs", "huge")
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
