"""TSS localisation data (genomebook.datasets.tss): the thesis's sample built by hand with a scripted
rng, the base-level crop, the crop to a common window, errors in bases, the homology split on a
planted near-duplicate pair, and the real promoters of every species lined up at the TSS."""

import numpy as np
import pandas as pd
import pytest

from conftest import MIRROR
from genomebook.datasets import epd, registry
from genomebook.datasets import tss as T
from genomebook.datasets.leakage import leakage_card
from genomebook.tokenize import CLS_ID, PAD_ID, SEP_ID


class Scripted:
    """An rng whose integers(low, high) returns the scripted values and records the calls."""

    def __init__(self, *values):
        self.values, self.calls = list(values), []

    def integers(self, low, high):
        self.calls.append((low, high))
        return self.values.pop(0)


BEFORE = list(range(100, 110))   # 10 tokens upstream of the TSS
AFTER = list(range(200, 220))    # 20 tokens from the TSS on


def test_sample_takes_n_tokens_before_the_tss_and_fills_from_after():
    rng = Scripted(3)
    ids, target = T.tss_sample(BEFORE, AFTER, rng, max_tokens=8, max_before=4)
    assert rng.calls == [(0, 5)]                           # random(0, 4), both ends included
    assert ids == [CLS_ID, 107, 108, 109, 200, 201, 202, SEP_ID]
    assert target == 4 and ids[target] == AFTER[0]          # first token after the TSS


def test_sample_with_no_tokens_before():
    ids, target = T.tss_sample(BEFORE, AFTER, Scripted(0), max_tokens=8, max_before=4)
    assert ids == [CLS_ID, 200, 201, 202, 203, 204, 205, SEP_ID] and target == 1


def test_sample_range_capped_by_what_exists_and_short_after():
    rng = Scripted(2)
    ids, target = T.tss_sample([7, 8], [20, 21], rng, max_tokens=8, max_before=4)
    assert rng.calls == [(0, 3)]                           # only 2 tokens exist before the TSS
    assert ids == [CLS_ID, 7, 8, 20, 21, SEP_ID] and target == 3


def test_sample_thesis_sizes_and_errors():
    rng = np.random.default_rng(0)
    for _ in range(20):
        ids, target = T.tss_sample(list(range(5, 400)), list(range(500, 900)), rng)
        assert len(ids) == 256 and ids[0] == CLS_ID and ids[-1] == SEP_ID
        assert 1 <= target <= 201 and ids[target] == 500
    with pytest.raises(ValueError, match="no tokens after the TSS"):
        T.tss_sample(BEFORE, [], rng)
    with pytest.raises(ValueError, match="max_before"):
        T.tss_sample(BEFORE, AFTER, rng, max_tokens=8, max_before=6)


def test_batch_pads_and_keeps_targets():
    batch = T.tss_batch([([CLS_ID, 5, 6, SEP_ID], 2), ([CLS_ID, 7, SEP_ID], 1)])
    assert batch["input_ids"].tolist() == [[CLS_ID, 5, 6, SEP_ID], [CLS_ID, 7, SEP_ID, PAD_ID]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    assert batch["labels"].tolist() == [2, 1]


def test_base_sample_crop_and_offset():
    seq = "ACGTACGTTG"                                       # TSS at index 6 (G)
    rng = Scripted(4)
    crop, target = T.tss_base_sample(seq, 6, rng, length=6, max_before=5)
    assert rng.calls == [(2, 6)]     # offset >= 6 + 6 - 10 = 2 (room after), <= min(5, 6, 5)
    assert crop == seq[2:8] and len(crop) == 6 and target == 4 and crop[target] == seq[6]
    with pytest.raises(ValueError, match="no crop of 11 bp"):
        T.tss_base_sample(seq, 6, rng, length=11, max_before=5)


def test_token_starts_and_base_error():
    starts = T.token_starts([0, 4, 9, 3, 0])                # [CLS] 4 bp 9 bp 3 bp [SEP]
    assert starts.tolist() == [0, 0, 4, 13, 16]
    assert int(T.base_error(3, 2, starts)) == 9 and int(T.base_error(1, 2, starts)) == -4
    batch = T.token_starts([[0, 4, 9, 3, 0], [0, 2, 2, 0, 0]])
    assert T.base_error([3, 1], [2, 2], batch).tolist() == [9, -2]
    with pytest.raises(ValueError, match="0..4"):
        T.base_error(5, 2, starts)


def test_crop_to_window_puts_the_tss_at_one_index(tmp_path):
    fa = tmp_path / "toy.fa"
    fa.write_text(">P1 a; range -5 to 4.\nAAAAACGGGG\n"     # TSS at index 5 (C)
                  ">P2 b; range -2 to 4.\nTTCGGGG\n"          # only 2 bp upstream: cannot cover -3
                  ">P3 c; range -5 to 4.\nANAAACGGGG\n"       # N outside the window: kept
                  ">P4 d; range -5 to 4.\nAAANACGGGG\n")      # N inside the window: dropped
    table = epd.read_promoter_fasta(fa, species="X. toy")
    out = T.crop_promoters(table, (-3, 2))
    assert out.columns.tolist() == ["id", "species", "sequence", "tss", "source"]
    assert out["id"].tolist() == ["P1", "P3"]
    assert out["sequence"].tolist() == ["AAACGG", "AAACGG"] and (out["tss"] == 3).all()
    assert all(s[t] == "C" for s, t in zip(out["sequence"], out["tss"]))
    assert out["species"].tolist() == ["X. toy", "X. toy"]
    notes = " ".join(out.attrs["notes"])
    assert "1 of 4 record(s) dropped: they do not cover the window -3..2" in notes
    assert "1 record(s) dropped: more than 0 N" in notes and "repeat an earlier window" in notes
    with pytest.raises(ValueError, match="a <= 0 <= b"):
        T.crop_promoters(table, (1, 3))


def test_common_window_and_species_errors():
    assert T.COMMON_WINDOW == (-200, 100) == T.common_window()
    assert T.resolve_species("human") == T.resolve_species("Hs") == "H. sapiens"
    with pytest.raises(ValueError, match=r"'platypus'.*H\. sapiens.*P\. falciparum"):
        T.promoters("platypus")
    with pytest.raises(ValueError, match=r"S\. cerevisiae.*-200\.\.200.*-300\.\.100"):
        T.promoters("yeast", window=(-300, 100))             # checked before any file is read


def test_homology_split_keeps_a_planted_pair_together():
    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("ACGT"), 150)) for _ in range(60)]
    near = list(seqs[7])
    near[75] = "A" if near[75] != "A" else "C"
    seqs.append("".join(near))                  # row 60: row 7 with one substitution (Jaccard ~0.9)
    table = pd.DataFrame({"sequence": seqs})
    straddled = 0
    for seed in range(8):
        plain = T.random_split(table, seed=seed)
        assert [int((plain == s).sum()) for s in ("train", "dev", "test")] == [50, 5, 6]
        straddled += plain[7] != plain[60]
        split = T.homology_split(table, seed=seed)
        assert split[7] == split[60]
        card = leakage_card({s: [q for q, x in zip(seqs, split) if x == s] for s in ("train", "dev", "test")})
        assert card["any"].sum() == 0
    assert straddled > 0                                    # the plain split does separate the pair


@pytest.mark.skipif(not all(registry.available(s.registry, mirror=MIRROR) for s in T.PROMOTER_SOURCES.values()),
                    reason=f"promoter files not in the mirror at {MIRROR}: set GENOMEBOOK_MIRROR")
def test_real_promoters_line_up_at_the_tss():
    a, b = T.COMMON_WINDOW
    counts = {}
    for species in T.PROMOTER_SOURCES:
        df = T.promoters(species, mirror=MIRROR, download=False)
        counts[species] = len(df)
        assert len(df) > 0 and (df["species"] == species).all()
        assert (df["sequence"].str.len() == b - a + 1).all() and (df["tss"] == -a).all()
        if len(df) >= 1000:   # the initiator's A is the most frequent base-letter at the TSS
            arr = np.array([list(s) for s in df["sequence"]])
            a_freq = (arr[:, -a - 10:-a + 11] == "A").mean(0)
            assert int(np.argmax(a_freq)) == 10, (species, a_freq.round(2))
    assert counts["H. sapiens"] > 1000 and counts["C. elegans"] > 5000
    few = T.promoters("mouse", max_records=5, mirror=MIRROR, download=False)
    assert len(few) == 5 and "kept 5 of" in few.attrs["notes"][-1]
