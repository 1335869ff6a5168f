"""A reader's accessibility data as plain files (labels.tsv, counts.tsv, expression.tsv, windows.fa or
genome.fa + loci.bed): genomebook.datasets.accessibility_files and the chapters' data_dir."""

import numpy as np
import pandas as pd
import pytest

from conftest import run_book
from genomebook.datasets.accessibility import AccessibilityData
from genomebook.datasets.accessibility_files import (
    READER, describe_files, is_plain_folder, read_accessibility_files,
)
from genomebook.datasets.deepcage import log_tpm, quantile_normalise
from genomebook.seq import SequenceError, write_fasta
from genomebook.simulate import accessibility_world
from genomebook.workflows.deepcage import load_or_simulate

LETTERS = np.frombuffer(b"ACGTN", dtype=np.uint8)


def _seq(codes_row) -> str:
    return LETTERS[np.minimum(codes_row, 4)].tobytes().decode()


@pytest.fixture(scope="module")
def world():
    return accessibility_world(n_loci=150, n_cells=6, seq_len=200, n_tfs=8, n_drivers=3, seed=1)


def write_plain(folder, world, *, tfs_by_cells=True):
    """The world's data as a reader would have it: labels, counts, TPM expression, windows.fa."""
    d = world.data
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"{c}:{s}-{e}" for c, s, e in zip(d.loci["chrom"], d.loci["start"], d.loci["end"])]
    pd.DataFrame(np.asarray(d.labels), index=pd.Index(names, name="locus"),
                 columns=d.cell_types).to_csv(folder / "labels.tsv", sep="\t")
    pd.DataFrame(world.counts, index=pd.Index(names, name="locus"),
                 columns=d.cell_types).to_csv(folder / "counts.tsv", sep="\t")
    tpm = pd.DataFrame(np.expm1(np.asarray(d.expression)), index=pd.Index(d.cell_types, name="cell_type"),
                       columns=d.tfs)
    (tpm.T.rename_axis("tf") if tfs_by_cells else tpm).to_csv(folder / "expression.tsv", sep="\t")
    write_fasta(folder / "windows.fa", names, [_seq(r) for r in np.asarray(d.codes)])
    return names


def test_plain_folder_reads_like_the_world(tmp_path, world):
    folder = tmp_path / "plain"
    write_plain(folder, world)
    assert is_plain_folder(folder) and not is_plain_folder(world.data.save(tmp_path / "saved"))
    data = read_accessibility_files(folder)
    d = world.data
    assert (data.n_loci, data.n_cells, data.n_tfs, data.seq_len) == (150, 6, 8, 200)
    np.testing.assert_array_equal(np.asarray(data.codes), np.asarray(d.codes))
    np.testing.assert_array_equal(np.asarray(data.labels), np.asarray(d.labels))
    np.testing.assert_allclose(np.asarray(data.signal), np.asarray(d.signal), rtol=1e-5)  # same normalisation
    # TPM -> log(TPM + 1), quantile normalised over the TFs, as the world's own expression was made
    tpm = pd.read_csv(folder / "expression.tsv", sep="\t", index_col=0).T
    np.testing.assert_allclose(np.asarray(data.expression), quantile_normalise(log_tpm(tpm)).to_numpy(), rtol=1e-6)
    assert np.corrcoef(np.asarray(data.expression).ravel(), np.asarray(d.expression).ravel())[0, 1] > 0.99
    np.testing.assert_allclose(np.asarray(data.motif_scores), np.asarray(d.motif_scores), atol=1e-4)  # same scanner
    card = describe_files(data).set_index("field")["value"]
    assert card["loci"] == "150" and card["cell types"] == "6" and card["window (bp)"].startswith("200")
    assert card["positive labels (locus × cell type)"] == f"{np.asarray(d.labels).mean():.1%}"
    assert data.meta["reader"] == READER

    # cell types × TFs works too, and without counts the signal is empty unless the chapter needs it
    other = tmp_path / "other"
    write_plain(other, world, tfs_by_cells=False)
    (other / "counts.tsv").unlink()
    data2 = read_accessibility_files(other)
    np.testing.assert_allclose(np.asarray(data2.expression), np.asarray(data.expression))
    assert np.isnan(np.asarray(data2.signal)).all() and any("No counts.tsv" in n for n in data2.meta["notes"])
    with pytest.raises(FileNotFoundError, match="counts.tsv or signal.tsv"):
        read_accessibility_files(other, need_signal=True)

    # load_or_simulate: the plain folder is written in the saved format and read memory-mapped
    loaded, w, source = load_or_simulate({}, data_dir=folder, expression_source="simulated", motif_source="jaspar",
                                         seed=0, folder=tmp_path / "out")
    assert w is None and source == "user files" and (tmp_path / "out" / "labels.npy").exists()
    assert loaded.meta["reader"] == READER and describe_files(loaded)["value"].iloc[2] == "150"


def test_genome_and_bed(tmp_path):
    rng = np.random.default_rng(0)
    chroms = {"chrA": 30_000, "chrB": 20_000}
    genome = {c: "".join(rng.choice(list("ACGT"), n)) for c, n in chroms.items()}
    write_fasta(tmp_path / "genome.fa", list(genome), list(genome.values()))
    starts = {"chrA": np.arange(0, 30_000, 400)[:75], "chrB": np.arange(100, 19_800, 260)[:75]}
    bed = pd.DataFrame([(c, int(s), int(s) + 200) for c in chroms for s in starts[c]])
    bed[3] = [f"locus{i}" for i in range(len(bed))]
    bed.to_csv(tmp_path / "loci.bed", sep="\t", header=False, index=False)
    cells = [f"cell{k}" for k in range(6)]
    labels = pd.DataFrame(rng.integers(0, 2, (len(bed), 6)), index=pd.Index(bed[3], name="locus"), columns=cells)
    labels.iloc[::-1].to_csv(tmp_path / "labels.tsv", sep="\t")  # any row order
    pd.DataFrame(rng.gamma(2.0, 20.0, (3, 6)), index=pd.Index(["CTCF", "GATA1", "NOTATF"], name="tf"),
                 columns=cells).to_csv(tmp_path / "expression.tsv", sep="\t")
    data = read_accessibility_files(tmp_path, window=300)
    assert (data.n_loci, data.n_cells, data.seq_len) == (150, 6, 300) and data.tfs == ["CTCF", "GATA1"]
    assert any("NOTATF" in n for n in data.meta["notes"])
    assert any("padded with N" in n for n in data.meta["notes"])  # the first window starts before 0
    np.testing.assert_array_equal(np.asarray(data.labels), labels.to_numpy())  # in loci.bed order
    mid = (bed[1].iloc[5] + bed[2].iloc[5]) // 2
    assert _seq(np.asarray(data.codes)[5]) == genome["chrA"][mid - 150: mid + 150]
    assert _seq(np.asarray(data.codes)[0]).startswith("N" * 50)

    # a locus off the chromosome end: another genome build
    bed.loc[len(bed) - 1, [1, 2]] = [19_950, 20_150]
    bed.to_csv(tmp_path / "loci.bed", sep="\t", header=False, index=False)
    with pytest.raises(SequenceError, match=r"loci.bed: locus 'locus149' \(chrB:19950-20150\) runs past the end"):
        read_accessibility_files(tmp_path, window=300)


def test_errors_name_the_file_and_the_fix(tmp_path, world):
    folder = tmp_path / "plain"
    names = write_plain(folder, world)

    (folder / "expression.tsv").rename(folder / "expr.tsv")
    with pytest.raises(FileNotFoundError, match=r"no expression.tsv .*TF expression"):
        read_accessibility_files(folder)
    (folder / "expr.tsv").rename(folder / "expression.tsv")

    expr = pd.read_csv(folder / "expression.tsv", sep="\t", index_col=0)
    expr.rename(columns={world.data.cell_types[0]: "liver"}).to_csv(folder / "expression.tsv", sep="\t")
    with pytest.raises(SequenceError, match=rf"cell types do not match.*labels.tsv.*{world.data.cell_types[0]}.*liver"):
        read_accessibility_files(folder)
    expr.to_csv(folder / "expression.tsv", sep="\t")

    seqs = [_seq(r) for r in np.asarray(world.data.codes)]
    write_fasta(folder / "windows.fa", names, seqs[:3] + [seqs[3][:150]] + seqs[4:])
    with pytest.raises(SequenceError, match=rf"windows.fa, record '{names[3]}' .*150 bp.*one length"):
        read_accessibility_files(folder)
    write_fasta(folder / "windows.fa", names, seqs)

    labels = pd.read_csv(folder / "labels.tsv", sep="\t", index_col=0)
    labels.iloc[4, 2] = 3
    labels.to_csv(folder / "labels.tsv", sep="\t")
    with pytest.raises(SequenceError, match=r"labels.tsv, line 6, column 4 .*3 is not 0 or 1"):
        read_accessibility_files(folder)

    with pytest.raises(FileNotFoundError, match="no such folder"):
        read_accessibility_files(tmp_path / "nowhere")


@pytest.mark.slow
def test_chromatin_accessibility_chapter_on_plain_files(tmp_path, world):
    folder = tmp_path / "plain"
    write_plain(folder, world)
    proc = run_book("run", "chromatin_accessibility", "-p", "profile", "smoke", "-p", "epochs", "1",
                    "-p", "data_dir", str(folder), "--site", str(tmp_path / "site"), results=tmp_path / "results")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = tmp_path / "results" / "chromatin_accessibility" / "smoke" / "seed0" / "tables"
    claims = pd.read_csv(out / "claims.csv")
    assert set(claims["data_source"]) == {"user files"}
    # this chapter's claims need no ground truth: all are evaluated, except those on novel loci
    # when a small fold has none ("not testable here", never supported)
    untestable = claims.loc[claims["outcome"] == "not testable here", "claim"]
    assert untestable.str.contains("novel loci").all(), untestable.tolist()
    card = pd.read_csv(out / "your_files.csv").set_index("field")["value"]
    assert card["loci"] == "150" and card["cell types"] == "6"
