import gzip
import os

import numpy as np
import pytest
import torch

from genomebook.seq import (
    ALPHABET,
    FastaRecord,
    SequenceError,
    decode_one_hot,
    fetch_region,
    is_gzip,
    kmers,
    one_hot,
    pad_or_trim,
    read_fasta,
    read_fasta_records,
    reverse_complement,
    reverse_complement_one_hot,
    validate,
    write_fasta,
)


def test_alphabet():
    assert ALPHABET == "ACGT"
    assert issubclass(SequenceError, ValueError)


def test_one_hot_exact():
    expected = np.array(
        [
            [1, 0, 0, 0, 0],
            [0, 1, 0, 0, 0],
            [0, 0, 1, 0, 0],
            [0, 0, 0, 1, 0],
        ],
        dtype=np.float32,
    )
    x = one_hot("ACGTN")
    assert x.dtype == np.float32
    np.testing.assert_array_equal(x, expected)


def test_one_hot_batch_lowercase_and_other_letters():
    x = one_hot(["ACGT", "acgt", "NXn-"])
    assert x.shape == (3, 4, 4)
    np.testing.assert_array_equal(x[0], x[1])
    np.testing.assert_array_equal(x[2], np.zeros((4, 4)))
    assert one_hot(["AC"], dtype=np.int8).dtype == np.int8


def test_one_hot_unequal_lengths():
    with pytest.raises(SequenceError, match=r"record #3 has length 2 .*pad_or_trim"):
        one_hot(["ACG", "TTT", "AC"])


def test_decode_round_trip():
    seqs = ["ACGTN", "TTGCA"]
    assert decode_one_hot(one_hot(seqs)) == seqs
    assert decode_one_hot(one_hot("acgtn")) == "ACGTN"
    assert decode_one_hot(torch.from_numpy(one_hot("GATTACA"))) == "GATTACA"


def test_reverse_complement():
    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("acgT") == "Acgt"
    assert reverse_complement("RYKMBV") == "BVKMRY"
    with pytest.raises(SequenceError, match="'X' at position 2"):
        reverse_complement("AXG")


def test_reverse_complement_one_hot_matches_string_rc():
    seqs = ["AACGTN", "GGATCC"]
    x = one_hot(seqs)
    expected = one_hot([reverse_complement(s) for s in seqs])
    np.testing.assert_array_equal(reverse_complement_one_hot(x), expected)
    np.testing.assert_array_equal(reverse_complement_one_hot(x[0]), expected[0])
    t = reverse_complement_one_hot(torch.from_numpy(x))
    assert isinstance(t, torch.Tensor)
    np.testing.assert_array_equal(t.numpy(), expected)


def test_kmers():
    assert kmers("ACGTAC", 3) == ["ACG", "CGT", "GTA", "TAC"]
    assert kmers("ACGTAC", 2, stride=2) == ["AC", "GT", "AC"]
    assert kmers("AC", 3) == []


def test_pad_or_trim():
    assert pad_or_trim("ACGT", 6) == "NACGTN"
    assert pad_or_trim("ACGT", 7) == "NACGTNN"
    assert pad_or_trim("ACGTAC", 4) == "CGTA"
    assert pad_or_trim(["ACGT", "A"], 3, align="left") == ["ACG", "ANN"]
    assert pad_or_trim(["ACGT", "A"], 3, align="right", fill="-") == ["CGT", "--A"]


def test_validate_uppercases_and_allows_n():
    assert validate(["acgtN", "GATTACA"]) == ["ACGTN", "GATTACA"]


def test_validate_bad_letter_message():
    seqs = ["ACGT", "ACGTACGTACGXA"]
    with pytest.raises(SequenceError) as err:
        validate(seqs, ["seq1", "seq7"], source="reads.fa")
    msg = str(err.value)
    assert "reads.fa" in msg
    assert "record 'seq7'" in msg
    assert "letter 'X' at position 12" in msg
    assert "A, C, G, T, N" in msg


def test_validate_default_names_and_other_letters():
    with pytest.raises(SequenceError, match=r"record #2: letter '-' at position 3"):
        validate(["AC", "AC-T"])
    with pytest.raises(SequenceError, match=r"letter ' ' at position 2"):
        validate(["A T"])


def test_validate_empty_sequence():
    with pytest.raises(SequenceError, match=r"record 'b'.*empty"):
        validate(["A", ""], ["a", "b"])


def test_validate_iupac():
    with pytest.raises(SequenceError, match=r"'R' at position 2 is an IUPAC.*allow_iupac=True"):
        validate(["ARG"])
    assert validate(["ARyG"], allow_iupac=True) == ["ANNG"]
    with pytest.raises(SequenceError, match="'X'"):
        validate(["AXG"], allow_iupac=True)


def test_validate_length():
    with pytest.raises(SequenceError, match=r"record 's2': length 3 differs from the required length 4.*pad_or_trim"):
        validate(["ACGT", "ACG"], ["s1", "s2"], length=4)


def test_validate_is_fast():
    import time

    rng = np.random.default_rng(0)
    base = "".join(rng.choice(list("ACGTacgtN"), 1000))
    seqs = [base] * 100_000
    t0 = time.perf_counter()
    out = validate(seqs)
    assert time.perf_counter() - t0 < 5.0
    assert out[0] == base.upper()


@pytest.fixture
def fasta(tmp_path):
    path = tmp_path / "reads.fa"
    path.write_text(">r1 first record\nACGTAC\nGTac\n>r2\nNNNNa\n")
    return path


def test_read_fasta(fasta):
    names, seqs = read_fasta(fasta)
    assert names == ["r1", "r2"]
    assert seqs == ["ACGTACGTAC", "NNNNA"]  # mostly N is fine
    names, seqs = read_fasta(fasta, validate=False)
    assert seqs[0] == "ACGTACGTac"


def test_read_fasta_read_only_dir(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "x.fa"
    path.write_text(">a\nACGT\n>b\nGGCC\n")
    os.chmod(folder, 0o555)
    if os.access(folder, os.W_OK):  # root ignores permissions: pretend, as a normal user would see it
        real_access = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode, **kw: False if str(p) == str(folder) else real_access(p, mode, **kw)
        )
    try:
        assert read_fasta(path) == (["a", "b"], ["ACGT", "GGCC"])
        assert fetch_region(path, "b", 1, 3) == "GC"
        assert not (folder / "x.fa.fai").exists()
    finally:
        os.chmod(folder, 0o755)


def test_read_fasta_gzip(tmp_path):
    path = tmp_path / "x.fa.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(">a\nAC\nGT\n>b\nttt\n")
    assert read_fasta(path) == (["a", "b"], ["ACGT", "TTT"])


def test_read_fasta_uneven_lines(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">a\nACG\nTACGT\nA\n")
    assert read_fasta(path) == (["a"], ["ACGTACGTA"])


def test_read_fasta_empty_file(tmp_path):
    path = tmp_path / "empty.fa"
    path.write_text("")
    with pytest.raises(SequenceError, match=r"empty\.fa contains no FASTA records \(expected lines starting with '>'\)"):
        read_fasta(path)
    path.write_text("ACGT\n")
    with pytest.raises(SequenceError, match="contains no FASTA records"):
        read_fasta(path)


def test_read_fasta_errors_name_file_and_record(tmp_path):
    path = tmp_path / "bad.fa"
    path.write_text(">ok\nACGT\n>seq7\nACGTACGTACGX\n")
    with pytest.raises(SequenceError, match=r"bad\.fa, record 'seq7': letter 'X' at position 12"):
        read_fasta(path)
    with pytest.raises(SequenceError, match=r"bad\.fa, record 'ok': length 4 differs"):
        read_fasta(path, length=12)


def test_read_fasta_duplicate_names(tmp_path):
    path = tmp_path / "dup.fa"
    path.write_text(">a\nACGT\n>b\nAC\n>a\nGG\n")
    with pytest.raises(SequenceError, match=r"record name 'a' occurs more than once"):
        read_fasta(path)


def test_read_fasta_records_keeps_lines_headers_and_raw_sequences(tmp_path):
    path = tmp_path / "r.fa"
    path.write_text("\n>a first\nAC gt\n\n>b\n>c\nnn\n")
    assert read_fasta_records(path) == [FastaRecord(2, "a first", "ACgt"), FastaRecord(5, "b", ""),
                                        FastaRecord(6, "c", "nn")]
    path.write_text("ACGT\n>x\nAC\n")
    with pytest.raises(SequenceError, match=r"r\.fa, line 1: expected a FASTA header starting with '>'"):
        read_fasta_records(path)
    with pytest.raises(FileNotFoundError, match="nope.fa does not exist"):
        read_fasta_records(tmp_path / "nope.fa")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
@pytest.mark.parametrize("gz", [False, True])
def test_read_fasta_any_line_ending(tmp_path, newline, gz):
    text = ">a x\nACGT\nac\n>b\nGG\n"
    lf, other = tmp_path / "lf.fa", tmp_path / ("other.fa.gz" if gz else "other.fa")
    lf.write_text(text)
    data = ("\ufeff" + text).replace("\n", newline).encode()
    other.write_bytes(gzip.compress(data) if gz else data)
    assert is_gzip(other) is gz and not is_gzip(lf)
    assert read_fasta(other) == read_fasta(lf) == (["a", "b"], ["ACGTAC", "GG"])
    assert [tuple(r) for r in read_fasta_records(other)] == [(1, "a x", "ACGTac"), (4, "b", "GG")]


def test_read_fasta_refuses_all_n_empty_and_nameless_records(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">ok\nACGT\n>gap\nNNNN\nnn\n")
    with pytest.raises(SequenceError, match=r"x\.fa, record 'gap' \(line 3\) is all N \(6 bp\)"):
        read_fasta(path)
    assert read_fasta(path, validate=False)[1] == ["ACGT", "NNNNnn"]  # raw reading keeps it
    path.write_text(">ok\nACGT\n>hollow\n>next\nAC\n")
    with pytest.raises(SequenceError, match=r"record 'hollow' \(line 3\): the sequence is empty"):
        read_fasta(path)
    path.write_text(">ok\nACGT\n>\nAC\n")
    with pytest.raises(SequenceError, match=r"x\.fa, line 3: the FASTA header has no name"):
        read_fasta(path)
    path.write_text(">ok\nACGT\n>r\nNRNN\n")
    with pytest.raises(SequenceError, match="record 'r' .line 3. is all N"):  # IUPAC read as N, then all N
        read_fasta(path, allow_iupac=True)


def test_read_fasta_damaged_gzip(tmp_path):
    path = tmp_path / "x.fa.gz"
    full = gzip.compress((">a\n" + "ACGT" * 5000 + "\n").encode())
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(SequenceError, match=r"x\.fa\.gz: the gzip file is truncated or corrupt"):
        read_fasta(path)


def test_write_fasta_round_trip(tmp_path):
    path = tmp_path / "out.fa"
    names, seqs = ["x", "y"], ["ACGT" * 40, "GATTACA"]
    write_fasta(path, names, seqs, width=60)
    lines = path.read_text().splitlines()
    assert lines[0] == ">x" and len(lines[1]) == 60 and lines[3] == "ACGT" * 10
    assert read_fasta(path) == (names, seqs)
    # overwrite: the old index must not be reused
    write_fasta(path, ["z"], ["CCCC"])
    assert read_fasta(path) == (["z"], ["CCCC"])
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_fetch_region(tmp_path):
    path = tmp_path / "genome.fa"
    write_fasta(path, ["chr1", "chr2"], ["AACCGGTTac" * 3, "GGGG"], width=7)
    assert fetch_region(path, "chr1", 2, 6) == "CCGG"
    assert fetch_region(path, "chr1", 8, 12) == "acAA"
    assert fetch_region(path, "chr2", 0, 4) == "GGGG"
    with pytest.raises(SequenceError, match=r"no sequence named 'chrX'; it has 'chr1', 'chr2'"):
        fetch_region(path, "chrX", 0, 1)
    with pytest.raises(SequenceError, match=r"outside chr2 .*length 4"):
        fetch_region(path, "chr2", 2, 5)
    with pytest.raises(SequenceError, match="0-based half-open"):
        fetch_region(path, "chr2", 3, 3)
