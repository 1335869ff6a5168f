"""Readers of sequence-centred real data: GUE/DNABERT, EPD, MitoFish 12S, mitogenomes/genomes, BED peaks.

Each reader runs on tiny files written here (plain and gzip) with exact expected values and
asserted error messages, and on the real files of the data mirror when it is present.
"""

import gzip
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genomebook.datasets import epd, genomes, gue, mitofish, peaks
from genomebook.seq import SequenceError
from genomebook.tokenize import detokenize_kmers

from conftest import mirror_file


def write(tmp_path: Path, name: str, text: str, gz: bool = False) -> Path:
    path = tmp_path / name
    data = text.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def raises(match: str, *parts: str):
    """Context: SequenceError matching ``match`` whose message also contains every part."""
    class _Ctx:
        def __enter__(self):
            self.cm = pytest.raises(SequenceError, match=match)
            self.info = self.cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            out = self.cm.__exit__(*exc)
            for p in parts:
                assert p in str(self.info.value), (p, str(self.info.value))
            return out
    return _Ctx()


# --------------------------------------------------------------------------- shared helpers


def test_truncated_gzip_names_the_file(tmp_path):
    data = gzip.compress(("sequence,label\n" + "ACGTACGT,1\n" * 5000).encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with raises("truncated or corrupt", str(path), "Download or copy it again"):
        gue.read_gue_csv(path)
    bed = tmp_path / "cut.bed.gz"
    full = gzip.compress(b"".join(b"chr1\t%d\t%d\n" % (i, i + 5) for i in range(5000)))
    bed.write_bytes(full[: len(full) // 2])
    with raises("truncated or corrupt", str(bed)):
        peaks.read_bed(bed)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv: GUE CSV file does not exist"):
        gue.read_gue_csv(tmp_path / "nope.csv")


# --------------------------------------------------------------------------- GUE / DNABERT


@pytest.mark.parametrize("gz", [False, True])
def test_read_gue_csv(tmp_path, gz):
    path = write(tmp_path, "dev.csv", "sequence,label\r\nACGTN,1\nacgta,0\nTTTTT,2\nGGGGG,1\n", gz)
    df = gue.read_gue_csv(path)
    assert list(df.columns) == ["sequence", "label"]
    assert df["sequence"].tolist() == ["ACGTN", "ACGTA", "TTTTT", "GGGGG"]
    assert df["label"].tolist() == [1, 0, 2, 1] and df["label"].dtype == np.int64
    assert gue.class_balance(df) == {0: 1, 1: 2, 2: 1} == df.attrs["class_balance"]


@pytest.mark.parametrize("text, match, parts", [
    ("seq,lab\nACGT,1\n", "header is 'seq,lab', expected 'sequence,label'", ["line 1"]),
    ("sequence,label\nACGT,1\nACXT,0\n", "letter 'X' at position 3", ["record 'line 3'", "allowed are A, C, G, T, N"]),
    ("sequence,label\nACGT,yes\n", "line 2: label 'yes' is not an integer", ["whole numbers"]),
    ("sequence,label\nACGT,1,2\n", "line 2: found 3 comma-separated fields, expected 2", ["Remove extra commas"]),
    ("sequence,label\n", "no data rows after the header", []),
    ("", "the file is empty", []),
])
def test_read_gue_csv_errors(tmp_path, text, match, parts):
    path = write(tmp_path, "bad.csv", text)
    with raises(match, path.name, *parts):
        gue.read_gue_csv(path)


def test_read_gue_csv_length(tmp_path):
    path = write(tmp_path, "x.csv", "sequence,label\nACGT,1\nACG,0\n")
    with raises("length 3 differs from the required length 4", "record 'line 3'", "pad_or_trim"):
        gue.read_gue_csv(path, length=4)


def test_detokenize_kmers():
    assert detokenize_kmers("ACG CGT GTA") == "ACGTA"
    assert detokenize_kmers(["ACGTAC", "CGTACG"]) == "ACGTACG"
    assert detokenize_kmers("ACGTAC") == "ACGTAC"
    with pytest.raises(SequenceError, match=r"token 3 \('TTT'\) does not overlap token 2 \('CGT'\) by 2 bases"):
        detokenize_kmers("ACG CGT TTT")
    with pytest.raises(SequenceError, match=r"token 2 \('CG'\) has length 2 but token 1 has length 3"):
        detokenize_kmers("ACG CG")
    with pytest.raises(SequenceError, match="no k-mer tokens"):
        detokenize_kmers("  ")


@pytest.mark.parametrize("header", ["sequence\tlabel\r\n", "sequence  label\r\n", ""])
@pytest.mark.parametrize("gz", [False, True])
def test_read_kmer_tsv(tmp_path, header, gz):
    path = write(tmp_path, "dev.tsv", header + "ACG CGT GTA\t1\r\nTTG TGC GCA\t0\r\n", gz)
    df = gue.read_kmer_tsv(path)
    assert df["sequence"].tolist() == ["ACGTA", "TTGCA"]
    assert df["label"].tolist() == [1, 0]
    assert df.attrs["k"] == 3


@pytest.mark.parametrize("text, match, parts", [
    ("sequence\tlabel\nACG CGT\t1\nACG GGG\t0\n", r"line 3: token 2 \('GGG'\) does not overlap", ["stride 1"]),
    ("sequence\tlabel\nACG CGT 1\n", "line 2: no tab found", ["Separate the k-mers from the label with a tab"]),
    ("sequence\tlabel\nACG CGT\tx\n", "line 2: label 'x' is not an integer", []),
    ("ACG CGT\t1\nACGT CGTA\t0\n", r"different k-mer sizes \[3, 4\]", []),
])
def test_read_kmer_tsv_errors(tmp_path, text, match, parts):
    path = write(tmp_path, "bad.tsv", text)
    with raises(match, str(path), *parts):
        gue.read_kmer_tsv(path)


def test_real_gue_csv():
    df = gue.read_gue_csv(mirror_file("gue/tf/0/test.csv.gz"), length=101)
    assert len(df) == 1000 and gue.class_balance(df) == {0: 500, 1: 500}
    core = gue.read_gue_csv(mirror_file("gue/prom/prom_core_all/dev.csv.gz"), length=70)
    assert len(core) == 5920 and set(core["label"]) == {0, 1}


def test_real_kmer_tsv():
    df = gue.read_kmer_tsv(mirror_file("dnabert_sample/prom-core_6_dev.tsv.gz"), length=70)  # header has spaces + CRLF
    assert len(df) == 5919 and df.attrs["k"] == 6
    assert gue.class_balance(df) == {0: 3004, 1: 2915}
    ft = gue.read_kmer_tsv(mirror_file("dnabert_sample/ft_6_dev.tsv.gz"), length=101)
    assert len(ft) == 1000
    snp = gue.read_kmer_tsv(mirror_file("dnabert_sample/snp_examples_dev.tsv"))  # no header
    assert len(snp) == 6 and snp["label"].tolist() == [0, 23, 104, 125, 240, 325]


# --------------------------------------------------------------------------- EPD

DEPICTER = (">1FP001834 MMP8_1              :+U  EU:NC; range  -4 to    2.\r\n"
            "ACGTAcg\r\n>2FP003020 TSC22D3_1   :+U  EU:NC; range  -4 to    2.\r\nTTTTAAA\r\n")


@pytest.mark.parametrize("gz", [False, True])
def test_read_promoter_fasta_depicter(tmp_path, gz):
    folder = tmp_path / "H_sapiens_TATA"
    folder.mkdir()
    df = epd.read_promoter_fasta(write(folder, "Ptest.fa", DEPICTER, gz))
    assert df["name"].tolist() == ["1FP001834", "2FP003020"]
    assert df["sequence"].tolist() == ["ACGTACG", "TTTTAAA"]
    assert df["tss_index"].tolist() == [4, 4]
    assert df["upstream"].tolist() == [4, 4] and df["downstream"].tolist() == [2, 2]
    assert df["species"].tolist() == ["H. sapiens"] * 2
    assert df.attrs["positive"] is True


def test_read_promoter_fasta_classic_epd_and_tss_index(tmp_path):
    path = write(tmp_path, "epd.seq", ">EP1 (+) Hs gene A; range -2 to 1.\nNNAC\n>EP2 (-) Dm g B; range -2 to 1.\nACGT\n")
    df = epd.read_promoter_fasta(path, species="ignored")
    assert df["species"].tolist() == ["Hs", "Dm"] and df["tss_index"].tolist() == [2, 2]
    plain = write(tmp_path, "w.fa", ">a\nACGTACGT\n>b\nTTTTCCCC\n")
    df = epd.read_promoter_fasta(plain, tss_index=3, species="D. rerio")
    assert df["tss_index"].tolist() == [3, 3] and df["downstream"].tolist() == [4, 4]
    assert df["species"].tolist() == ["D. rerio"] * 2


def test_read_promoter_fasta_negatives_and_known_files(tmp_path):
    folder = tmp_path / "M_musculus_TATA"
    folder.mkdir()
    neg = epd.read_promoter_fasta(write(folder, "Ntest.fa.gz", ">123\r\nacgt\r\n", gz=True))
    assert neg["tss_index"].isna().all() and neg["sequence"].tolist() == ["ACGT"]
    assert neg["species"].tolist() == ["M. musculus"] and neg.attrs["positive"] is False
    known = epd.read_promoter_fasta(write(tmp_path, "zebrafishPromoters_converted.fa", ">z\n" + "A" * 1000 + "\n"))
    assert known["tss_index"].tolist() == [400] and known["downstream"].tolist() == [599]
    assert known["species"].tolist() == ["D. rerio"]


@pytest.mark.parametrize("text, kwargs, match, parts", [
    (">x\nACGT\n", {}, "the header has no 'range A to B' and no tss_index was given",
     ["record 'x' (line 1)", "Pass tss_index="]),
    (">x range -4 to 2.\nACGT\n", {}, r"header says range -4 to 2 \(7 bp", ["record 'x'", "the sequence has 4 bp"]),
    (">x\nACGT\n", {"tss_index": 9}, "tss_index=9 is outside the 4 bp sequence", ["0-based index 0..3"]),
    (">x range -1 to 2.\nAXGT\n", {}, "letter 'X' at position 2", ["record 'x'"]),
    ("ACGT\n>x\nAC\n", {}, "line 1: expected a FASTA header starting with '>'", ["Is it really a FASTA file?"]),
])
def test_read_promoter_fasta_errors(tmp_path, text, kwargs, match, parts):
    path = write(tmp_path, "p.fa", text)
    with raises(match, path.name, *parts):
        epd.read_promoter_fasta(path, **kwargs)


def test_species_from_path():
    assert epd.species_from_path("depicter_epd/A_thaliana_nonTATA/Ptest.fa.gz") == "A. thaliana"
    assert epd.species_from_path("epdnew_promotershape/celegans_200.fa.gz") == "C. elegans"
    assert epd.species_from_path("mine/promoters.fa") is None


DAT = """ID   sesn-1_2   preliminary; multiple; NEM.
XX
GN   Name=sesn-1;
DE   SEStriN homolog
OS   Caenorhabditis elegans.
XX
DR   GENOME; NC_003279.6; NC_003279; [34608, -15037813].
DR   UCSC; ce6 chrI - 34608
XX
SE   aattatagacgcacaaacatttaaaaaagattgaaagaacgatttggttAGTTGGGCGTA
XX
FP   sesn-1_2            : M  EU:NC_003279.6       1-     34608;     1.
XX
//
ID   Y48G1C.12_1   preliminary; region; NEM.
GN   Name=Y48G1C.12;
OS   Caenorhabditis elegans.
DR   UCSC; ce6 chrI + 47150
SE   
FP   Y48G1C.12_1         : R  EU:NC_003279.6       1+     47151;     3.
//
"""


@pytest.mark.parametrize("gz", [False, True])
def test_read_epdnew_dat(tmp_path, gz):
    df = epd.read_epdnew_dat(write(tmp_path, "Ce.dat", DAT, gz))
    assert df["id"].tolist() == ["sesn-1_2", "Y48G1C.12_1"]
    assert df["gene"].tolist() == ["sesn-1", "Y48G1C.12"]
    assert df["species"].tolist() == ["Caenorhabditis elegans"] * 2
    assert df["assembly"].tolist() == ["ce6"] * 2 and df["chrom"].tolist() == ["chrI"] * 2
    assert df["accession"].tolist() == ["NC_003279.6"] * 2
    assert df["strand"].tolist() == ["-", "+"] and df["tss"].tolist() == [34608, 47151]
    assert df["sequence"].iloc[0] == "AATTATAGACGCACAAACATTTAAAAAAGATTGAAAGAACGATTTGGTTAGTTGGGCGTA"
    assert pd.isna(df["sequence"].iloc[1])  # empty SE line (as in the real Gg file)
    assert df["tss_index"].iloc[0] == 49 and pd.isna(df["tss_index"].iloc[1])


@pytest.mark.parametrize("text, match", [
    (DAT.rsplit("//", 1)[0], r"the last entry \('Y48G1C.12_1', from line 15\) does not end with '//'"),
    ("ID   a_1 x.\n//\n", r"entry ending at line 2 \(starting at line 1\): no FP line"),
    ("ID   a_1 x.\nFP   junk\n//\n", "line 2: cannot read the FP line"),
    ("\n", "no entries found"),
])
def test_read_epdnew_dat_errors(tmp_path, text, match):
    path = write(tmp_path, "bad.dat", text)
    with raises(match, str(path)):
        epd.read_epdnew_dat(path)


@pytest.mark.parametrize("gz", [False, True])
def test_read_sga(tmp_path, gz):
    path = write(tmp_path, "x.sga", "NC_000001.11\tTSS\t959256\t-\t1\tNOC2L_1\nNC_000002.12\tTSS\t5\t+\t1\tB_1\n", gz)
    df = epd.read_sga(path)
    assert df.to_dict("list") == {"chrom": ["NC_000001.11", "NC_000002.12"], "position": [959256, 5],
                                  "strand": ["-", "+"], "promoter_id": ["NOC2L_1", "B_1"]}
    assert df["position"].dtype == np.int64


@pytest.mark.parametrize("line, match", [
    ("chr1\tTSS\t10\t+\n", "line 2: found 4 tab-separated columns, SGA needs 6"),
    ("chr1\tTSS\tten\t+\t1\tA\n", "line 2: position 'ten' is not an integer"),
    ("chr1\tTSS\t0\t+\t1\tA\n", "line 2: position 0 is below 1"),
    ("chr1\tTSS\t5\tx\t1\tA\n", "line 2: strand 'x' must be"),
])
def test_read_sga_errors(tmp_path, line, match):
    path = write(tmp_path, "bad.sga", "chr1\tTSS\t5\t+\t1\tOK_1\n" + line)
    with raises(match, str(path)):
        epd.read_sga(path)


def test_real_promoter_fastas():
    df = epd.read_promoter_fasta(mirror_file("depicter_epd/H_sapiens_TATA/Ptest.fa.gz"))
    assert len(df) == 293 and set(df["sequence"].str.len()) == {300}
    assert set(df["tss_index"]) == {249} and set(df["species"]) == {"H. sapiens"}
    neg = epd.read_promoter_fasta(mirror_file("depicter_epd/M_musculus_TATA/Ntest.fa.gz"))
    assert len(neg) == 308 and neg["tss_index"].isna().all()
    assert neg["sequence"].str.isupper().all()  # the mouse negatives are stored all lower case
    ce = epd.read_promoter_fasta(mirror_file("epdnew_promotershape/celegans_200.fa.gz"))
    assert len(ce) == 7120 and set(ce["sequence"].str.len()) == {401} and set(ce["tss_index"]) == {200}
    assert set(ce["species"]) == {"C. elegans"}
    e128 = epd.read_promoter_fasta(mirror_file("epd_sib_swiss/epd128_epd.seq.gz"))
    assert len(e128) == 4806 and set(e128["sequence"].str.len()) == {600} and set(e128["tss_index"]) == {499}
    counts = e128["species"].value_counts()
    assert counts["Hs"] == 1867 and counts["Dm"] == 1885 and counts["Mm"] == 194
    zf = epd.read_promoter_fasta(mirror_file("seqpattern_zebrafish/zebrafishPromoters_converted.fa.gz"))
    assert len(zf) == 1000 and set(zf["sequence"].str.len()) == {1000} and set(zf["tss_index"]) == {400}
    assert (zf["sequence"].str[399:401] == "CA").sum() == 467


def test_real_epdnew_dat_and_sga():
    dat = epd.read_epdnew_dat(mirror_file("epd_sib_swiss/epdnew_dat/Ce_EPDnew_001_ce6.dat.gz"))
    assert len(dat) == 7120 and set(dat["tss_index"]) == {49}
    assert set(dat["sequence"].str.len()) == {60}
    sga = epd.read_sga(mirror_file("epd_sib_swiss/epdnew_sga/Ce_EPDnew_001_ce6.sga.gz"))
    merged = dat.merge(sga, left_on="id", right_on="promoter_id")
    assert len(merged) == 7120
    assert (merged["tss"] == merged["position"]).all() and (merged["strand_x"] == merged["strand_y"]).all()
    gg = epd.read_epdnew_dat(mirror_file("epd_sib_swiss/epdnew_dat/Gg_EPDnew_001_galGal5.dat.gz"))
    assert len(gg) == 6127 and gg["sequence"].isna().sum() == 1  # PPIB_1 has an empty SE line
    hs = epd.read_sga(mirror_file("epd_sib_swiss/epdnew_sga/Hs_EPDnew_006_hg38.sga.gz"))
    assert len(hs) == 29598 and hs["chrom"].iloc[0] == "NC_000001.11"
    assert hs.iloc[0][["position", "strand", "promoter_id"]].tolist() == [959256, "-", "NOC2L_1"]


# --------------------------------------------------------------------------- MitoFish 12S

TAX = ("Feature ID\tTaxon\n"
       "A1\td__Eukaryota;p__Chordata;c__Actinopteri;o__Cypriniformes;f__Cyprinidae;g__Gymnocypris;s__Gymnocypris eckloni\n"
       "B2\td__Eukaryota;p__Chordata;c__Actinopteri;o__;f__Salmonidae\n"
       'C3\t"d__Eukaryota;g__Salvelinus;s__""Salvelinus sp. 7, sensu B."""\n')


@pytest.mark.parametrize("gz", [False, True])
def test_read_taxonomy(tmp_path, gz):
    df = mitofish.read_taxonomy(write(tmp_path, "tax.tsv", TAX, gz))
    assert list(df.columns) == ["id", *mitofish.RANKS]
    assert df.iloc[0].tolist() == ["A1", "Eukaryota", "Chordata", "Actinopteri", "Cypriniformes", "Cyprinidae",
                                   "Gymnocypris", "Gymnocypris eckloni"]
    assert df.iloc[1][["class", "family"]].tolist() == ["Actinopteri", "Salmonidae"]
    assert df.iloc[1][["order", "genus", "species"]].isna().all()
    assert df.iloc[2][["genus", "species"]].tolist() == ["Salvelinus", "Salvelinus sp. 7, sensu B."]


@pytest.mark.parametrize("text, match, parts", [
    ("ID\tTaxon\nA\td__X\n", "line 1: header is 'ID<TAB>Taxon', expected 'Feature ID<TAB>Taxon'", []),
    ("Feature ID\tTaxon\nA\td__X\nB d__X\n", "line 3: found 1 column, expected 'id<TAB>taxon'", []),
    ("Feature ID\tTaxon\nA\td__X\nB\td__X;Chordata\n", r"line 3 \(id 'B'\): field 'Chordata' is not",
     ["d__Domain;p__Phylum"]),
    ("Feature ID\tTaxon\nA\td__X\nA\td__Y\n", "id 'A' has more than one taxonomy line", []),
])
def test_read_taxonomy_errors(tmp_path, text, match, parts):
    path = write(tmp_path, "tax.tsv", text)
    with raises(match, str(path), *parts):
        mitofish.read_taxonomy(path)


@pytest.mark.parametrize("gz", [False, True])
def test_read_12s_join(tmp_path, gz):
    fa = write(tmp_path, "seqs.fa", ">A1\nACGTR\n>B2\nacgt\n>Z9\nGGGG\n", gz)
    seqs = mitofish.read_12s_fasta(fa)
    assert seqs.to_dict("list") == {"id": ["A1", "B2", "Z9"], "sequence": ["ACGTN", "ACGT", "GGGG"]}
    assert seqs.attrs["n_ambiguous"] == 1
    tax = write(tmp_path, "tax.tsv", TAX)
    with pytest.warns(UserWarning, match=r"1 sequence id\(s\) of seqs.fa have no taxonomy .*'Z9'"):
        df = mitofish.read_12s(fa, tax)
    assert df["id"].tolist() == ["A1", "B2"] and df["family"].tolist() == ["Cyprinidae", "Salmonidae"]
    assert df.attrs["ids_without_taxonomy"] == ["Z9"] and df.attrs["taxonomy_without_sequence"] == ["C3"]
    with pytest.warns(UserWarning):
        assert len(mitofish.read_12s(fa, tax, how="left")) == 3


def test_read_12s_fasta_duplicate(tmp_path):
    path = write(tmp_path, "d.fa", ">A\nAC\n>A\nGT\n")
    with raises("id 'A' occurs more than once", str(path), "Remove or rename"):
        mitofish.read_12s_fasta(path)


def test_read_table(tmp_path):
    df = mitofish.read_table(write(tmp_path, "f.tsv", "Family\tFamilyID\nMyxinidae\t1\nPetromyzontidae\t2\n"))
    assert df.to_dict("list") == {"Family": ["Myxinidae", "Petromyzontidae"], "FamilyID": [1, 2]}
    assert df["FamilyID"].dtype == np.int64
    txt = mitofish.read_table(write(tmp_path, "g.tsv", "Family\tFamilyID\nA\t1\nB\t407a\n"))
    assert txt["FamilyID"].tolist() == ["1", "407a"]
    with raises("line 1: header 'Family' is not", "Family<TAB>FamilyID"):
        mitofish.read_table(write(tmp_path, "h.tsv", "Family\nA\n"))
    with raises("line 3: found 1 columns, the header has 2"):
        mitofish.read_table(write(tmp_path, "i.tsv", "Family\tFamilyID\nA\t1\nB\n"))
    with raises(r"missing column\(s\) Order"):
        mitofish.read_table(write(tmp_path, "j.tsv", "Family\tFamilyID\nA\t1\n"), columns=["Order"])


@pytest.fixture(scope="module")
def real_12s():
    fa = mirror_file("mitohelper_12S/12S-seqs-derep-uniq.dna-sequences.fasta.gz")
    tax = mirror_file("mitohelper_12S/12S-tax-derep-uniq.taxonomy.tsv.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every sequence has a taxonomy
        return mitofish.read_12s(fa, tax)


def test_real_12s(real_12s):
    df = real_12s
    assert len(df) == 38350 and df["species"].nunique() == 15333
    assert df["class"].value_counts()["Actinopteri"] == 36752
    assert df.attrs["ids_without_taxonomy"] == [] and df.attrs["n_ambiguous"] > 0
    assert df["sequence"].str.len().between(52, 9583).all()
    quoted = df.loc[df["id"] == "PQ423886", "species"].item()  # the one CSV-quoted taxon line
    assert quoted == "Salvelinus sp. 7 sensu Bogutskaya, Naseka, 2004"
    assert len(mitofish.read_table(mirror_file("mitohelper_12S/FotW5_family.tsv"))) == 540
    order = mitofish.read_table(mirror_file("mitohelper_12S/FotW5_order.tsv"), columns=["Order", "OrderID"])
    assert len(order) == 85 and order["OrderID"].dtype == np.int64 and order["OrderID"].max() == 85


# --------------------------------------------------------------------------- mitogenomes and genomes


@pytest.mark.parametrize("gz", [False, True])
def test_read_mitogenomes(tmp_path, gz):
    text = (">KF597303.1 Cetorhinus maximus mitochondrion, complete genome\nACGT\nacgy\n"
            ">X1.1 UNVERIFIED: Sander vitreus voucher L1 mitochondrion, complete genome\nAAAA\n"
            ">ND5 CDS - NC_088089.1--Madrepora_piresae\nATGC\n")
    df = genomes.read_mitogenomes(write(tmp_path, "m.fa", text, gz))
    assert df["accession"].tolist() == ["KF597303.1", "X1.1", "NC_088089.1"]
    assert df["species"].tolist() == ["Cetorhinus maximus", "Sander vitreus", "Madrepora piresae"]
    assert df["sequence"].tolist() == ["ACGTACGN", "AAAA", "ATGC"]
    assert df["length"].tolist() == [8, 4, 4] and df["n_ambiguous"].tolist() == [1, 0, 0]
    assert df["gene"].tolist()[2] == "ND5" and df["feature"].tolist()[2] == "CDS"
    assert df["description"].iloc[0] == "Cetorhinus maximus mitochondrion, complete genome"


def test_read_mitogenomes_errors(tmp_path):
    with raises("record 'A1' .line 1.: the sequence is empty"):
        genomes.read_mitogenomes(write(tmp_path, "e.fa", ">A1 Xus yus\n>B2 Xus yus\nACGT\n"))
    with raises("letter '!' at position 2", "record 'A1'"):
        genomes.read_mitogenomes(write(tmp_path, "f.fa", ">A1 Xus yus\nA!GT\n"))


@pytest.mark.parametrize("gz", [False, True])
def test_read_genome(tmp_path, gz):
    path = write(tmp_path, "g.fa", ">chr1 first\nACGTRY\nNNac\n>chrM\nGGGG\n", gz)
    g = genomes.read_genome(path)
    assert list(g) == ["chr1", "chrM"] and g.lengths == {"chr1": 10, "chrM": 4}
    assert g["chr1"] == "ACGTNNNNAC" and g["chrM"] == "GGGG"
    assert g.n_ambiguous["chr1"] == 2 and g.indexed is (not gz)
    assert g.fetch("chr1", 2, 5) == "GTN" and g.total_length == 14
    with raises(r"region chr1:8-12 is outside chr1 of g.fa \(length 10\)"):
        g.fetch("chr1", 8, 12)
    with pytest.raises(KeyError, match="has no sequence named 'chr2'"):
        g["chr2"]


def test_real_mitogenomes_and_genomes():
    shark = genomes.read_mitogenomes(mirror_file("unikseq_mitogenomes/shark.fa.gz"))
    assert len(shark) == 189 and shark["length"].between(16664, 17051).all()
    assert shark["species"].value_counts()["Cetorhinus maximus"] == 24
    teleost = genomes.read_mitogenomes(mirror_file("unikseq_mitogenomes/teleost.fa.gz"))
    assert len(teleost) == 872 and teleost["length"].between(15596, 17580).all()
    coral = genomes.read_mitogenomes(mirror_file("oceangenomes_coral_mito/coral_mito_refdb.label.fasta.gz"))
    assert len(coral) == 3776 and coral["accession"].nunique() == 221
    ecoli = genomes.read_genome(mirror_file("mcb185_small_genomes/GCF_000005845.2_ASM584v2_genomic.fna.gz"))
    assert ecoli.lengths == {"NC_000913.3": 4641652} and ecoli.n_ambiguous == {"NC_000913.3": 0}
    assert ecoli.fetch("NC_000913.3", 0, 10) == "AGCTTTTCAT"
    worm = genomes.read_genome(mirror_file("mcb185_small_genomes/C.elegans.fa.gz"))
    assert len(worm) == 7 and worm.total_length == 1002861


# --------------------------------------------------------------------------- BED / peaks

NARROW = ("track name=x\n# comment\nbrowser position chr1\n"
          "chr1\t100\t200\tp1\t50\t.\t3.5\t10.2\t8.1\t40\n"
          "chr2\t0\t10\tp2\t0\t+\t1\t2\t3\t5\n")


@pytest.mark.parametrize("gz", [False, True])
def test_read_bed_narrowpeak(tmp_path, gz):
    df = peaks.read_bed(write(tmp_path, "x.narrowPeak", NARROW, gz))
    assert list(df.columns) == peaks.NARROWPEAK_COLUMNS
    assert df["start"].tolist() == [100, 0] and df["end"].tolist() == [200, 10]
    assert df["signalValue"].tolist() == [3.5, 1.0] and df["peak"].tolist() == [40, 5]
    assert df["peak"].dtype == np.int64 and df["strand"].tolist() == [".", "+"]


def test_read_bed3_and_bed6(tmp_path):
    b3 = peaks.read_bed(write(tmp_path, "a.bed", "chr1\t5\t9\nchrX\t0\t1\n"))
    assert b3.to_dict("list") == {"chrom": ["chr1", "chrX"], "start": [5, 0], "end": [9, 1]}
    b6 = peaks.read_bed(write(tmp_path, "b.bed", "chr1\t5\t9\tn\t0\t-\n"), min_columns=6)
    assert list(b6.columns) == ["chrom", "start", "end", "name", "score", "strand"]


@pytest.mark.parametrize("text, kwargs, match, parts", [
    ("chr1\t1\t5\nchr1\t5\n", {}, "line 2: found 2 columns, BED needs at least 3 \\(chrom, start, end\\)",
     ["Separate columns with tabs"]),
    ("chr1\t1\t5\n", {"min_columns": 6}, "line 1: found 3 columns, BED needs at least 6", []),
    ("chr1\t1\t5\nchr1\t1.5\t5\n", {}, "line 2: start '1.5' is not an integer", ["0-based coordinates"]),
    ("chr1\t1\tend\n", {}, "line 1: end 'end' is not an integer", []),
    ("#c\nchr1\t9\t5\n", {}, "line 2: start 9 > end 5", ["BED needs start <= end"]),
    ("chr1\t-3\t5\n", {}, "line 1: start -3 is negative", ["Clip the interval at 0"]),
    ("chr1\t1\t5\nchr1\t1\t5\tx\n", {}, "line 2: found 4 columns but the first data line has 3", []),
    ("track x\n", {}, "no intervals found", []),
])
def test_read_bed_errors(tmp_path, text, kwargs, match, parts):
    path = write(tmp_path, "bad.bed", text)
    with raises(match, str(path), *parts):
        peaks.read_bed(path, **kwargs)


def test_narrowpeak_to_bin_labels(tmp_path):
    bins = pd.DataFrame({"chrom": ["chr1"] * 4 + ["chr2", "chr3"], "start": [0, 100, 200, 300, 0, 0],
                         "end": [100, 200, 300, 400, 100, 100]})
    r1 = write(tmp_path, "r1.bed", "chr1\t150\t250\nchr2\t99\t100\n")       # bins 1, 2, chr2
    r2 = write(tmp_path, "r2.bed.gz", "chr1\t199\t201\nchr1\t0\t1000\n", gz=True)  # nested peaks: all chr1
    r3 = write(tmp_path, "r3.bed", "chr1\t300\t301\nchr2\t100\t200\n")     # bin 3 (chr2 peak only touches)
    assert peaks.narrowpeak_to_bin_labels([r1], bins).tolist() == [0, 1, 1, 0, 1, 0]
    assert peaks.narrowpeak_to_bin_labels([r1, r2, r3], bins).tolist() == [0, 1, 1, 1, 0, 0]
    assert peaks.narrowpeak_to_bin_labels([r1, r3], bins).tolist() == [0, 1, 1, 1, 1, 0]  # >= half of 2
    y = peaks.narrowpeak_to_bin_labels([peaks.read_bed(r2)], bins)
    assert y.dtype == np.int8 and y.tolist() == [1, 1, 1, 1, 0, 0]
    with pytest.raises(ValueError, match="missing end"):
        peaks.narrowpeak_to_bin_labels([r1], bins.drop(columns="end"))


def test_real_bed_peaks():
    folder = mirror_file("deephaem_dnase_deepsea_example/example_peaks")
    files = sorted(folder.glob("*_10k_sample.bed.gz"))
    assert len(files) == 5
    df = peaks.read_bed(files[0])
    assert df.shape == (10000, 3) and (df["end"] - df["start"]).between(200, 3087).all()
    bins = pd.DataFrame({"chrom": "chr1", "start": np.arange(0, 20_000_000, 200)})
    bins["end"] = bins["start"] + 200
    frames = [peaks.read_bed(f) for f in files]
    single = [peaks.narrowpeak_to_bin_labels([f], bins) for f in frames]
    majority = peaks.narrowpeak_to_bin_labels(frames, bins)
    votes = np.sum(single, axis=0)
    assert (majority == (votes >= 2.5)).all() and 0 < majority.sum() < min(s.sum() for s in single)
