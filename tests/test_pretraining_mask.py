"""Pre-training that never reads the fine-tuning tasks' validation and test sequences (workflows.dnabert, issue 11)."""

import numpy as np
import pytest

from genomebook.datasets import leakage, registry
from genomebook.workflows import dnabert as ft
from genomebook.simulate import genome


def test_chunks_come_from_documents_long_enough_for_the_batch():
    rng = np.random.default_rng(0)
    corpus = ["A" * 30] * 50 + ["C" * 200]  # many short pieces (as a masked corpus has) and one long document
    batches = ft._chunk_batches(corpus, 20, 4, max_len=64, min_len=16, rng=rng, full_fraction=1.0)
    assert all(len(chunk) == 64 and set(chunk) == {"C"} for b in batches for chunk in b)
    # when no document is long enough, the batch shrinks to its shortest chunk (as before)
    short = ft._chunk_batches(["A" * 30, "C" * 40], 3, 2, max_len=64, min_len=16, rng=rng, full_fraction=1.0)
    assert all(len(set(map(len, b))) == 1 and len(b[0]) <= 40 for b in short)


def test_the_cache_key_changes_with_the_mask(tmp_path):
    rng = np.random.default_rng(1)
    corpus = ["".join(rng.choice(list("ACGT"), 120)) for _ in range(12)]
    sizes = dict(k=3, bert_size="tiny", max_tokens=64, pretrain_steps=2, pretrain_batch=4, pretrain_len=40,
                 pretrain_lr=1e-3)
    plain = ft.pretrain(corpus, sizes, seed=0, n_evals=1, cache_dir=tmp_path)
    masked = ft.pretrain(corpus, sizes, seed=0, n_evals=1, mask={"overlap_k": 30, "datasets": ["x_test"]},
                         cache_dir=tmp_path)
    assert plain.key != masked.key and masked.mask["datasets"] == ["x_test"] and plain.mask == {}


def test_simulated_genome_declares_what_it_builds_in():
    (b,) = genome.BUILT_IN
    assert "60%" in b.what and "40%" in b.what and b.claims == ("pretraining",)


def test_real_corpus_is_masked_against_every_held_out_gue_sequence(tmp_path):
    names = ["epd128_promoters_m499_p100", *ft.heldout_datasets()]
    if not all(registry.available(n) for n in names):
        pytest.skip("EPD / GUE are not in the mirror or cache (set GENOMEBOOK_MIRROR to ../shared/mirror)")
    ft._MASKED.clear()
    mc = ft.real_pretraining_corpus("smoke", cache_dir=tmp_path)
    s = mc.summary
    assert not s["cached"] and s["missing"] == [] and 0 < s["bases_masked"] < sum(map(len, mc.unmasked))
    assert [len(d) for d in mc.masked] == [len(d) for d in mc.unmasked]
    assert all("N" not in p for p in mc.pieces)
    test = list(registry.read("gue_prom_prom_core_all_test")["sequence"])
    before = leakage.leakage_card({"test": test}, pretraining=mc.unmasked)
    after = leakage.leakage_card({"test": test}, pretraining=mc.pieces)
    assert before["any"].sum() > 0 and after["any"].sum() == 0
    ft._MASKED.clear()
    again = ft.real_pretraining_corpus("smoke", cache_dir=tmp_path)  # read back from the disk cache
    assert again.summary["cached"] and again.pieces == mc.pieces
    seqs, desc = ft.pretraining_corpus("smoke", data_source="real", cache_dir=tmp_path)
    assert seqs == mc.pieces and "masked" in desc
