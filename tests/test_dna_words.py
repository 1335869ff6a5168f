"""DNA words (genomebook.dna_words): BPE on k-mer and BigBird-style words, Algorithms 1 and 2, tokeniser stats.

The expected outputs of Algorithms 1 and 2 were worked out by hand from the thesis's
pseudo-code (our reading, see the docstrings of bigbird_split and sop_sample) with a
scripted random source: each draw checks the range the algorithm asks for and returns
a value chosen here, so the test fixes both the ranges and the cuts.
"""

import math

import numpy as np
import pytest
import torch

from genomebook.dna_words import (BigBirdBPETokenizer, KmerBPETokenizer, SOPSample, bigbird_split, bigbird_words,
                                  bits_per_base, kmer_words, load_tokenizer, normalise, sop_collate, sop_sample,
                                  tokeniser_stats)
from genomebook.tokenize import KmerTokenizer

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


class Scripted:
    """A random source for the algorithms: each call must ask for the planned range [lo, hi]."""

    def __init__(self, plan):
        self.plan = list(plan)  # [((lo, hi), value), ...], hi included

    def integers(self, low, high):  # numpy's signature: high excluded
        assert self.plan, f"unexpected extra draw in [{low}, {high - 1}]"
        (lo, hi), value = self.plan.pop(0)
        assert (low, high - 1) == (lo, hi), f"draw asked [{low}, {high - 1}], the algorithm says [{lo}, {hi}]"
        assert lo <= value <= hi
        return value

    def done(self):
        return not self.plan


def _random_dna(n_seqs, length, seed):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n_seqs)]


@pytest.fixture(scope="module")
def corpus():
    # random DNA with a planted repeat, so that BPE has frequent pairs to merge
    seqs = _random_dna(30, 600, seed=1)
    return [s[:200] + "GATTACAGATTACA" * 3 + s[242:] for s in seqs]


@pytest.fixture(scope="module")
def bpe6(corpus):
    return KmerBPETokenizer.train(corpus, k=6, vocab_size=300)


# --------------------------------------------------------------------------- words


def test_kmer_words_tail_and_n():
    assert kmer_words("ACGTACGTac", 3) == ["ACG", "TAC", "GTA", "C"]
    assert kmer_words("ACGTACGTac", 3, tail="drop") == ["ACG", "TAC", "GTA"]
    assert kmer_words("acgRyt", 3) == ["ACG", "NNT"]  # IUPAC codes -> N
    assert kmer_words("", 6) == []
    assert normalise("aCgT-nX") == "ACGTNNN"
    with pytest.raises(ValueError):
        kmer_words("ACGT", 0)


# --------------------------------------------------------------------------- BPE on k-mer words


def test_bpe_special_tokens_at_fixed_ids(bpe6):
    assert bpe6.id_to_token[:5] == SPECIALS
    assert [bpe6.vocab[t] for t in SPECIALS] == [0, 1, 2, 3, 4]
    ids = bpe6.encode("ACGTACGTACGT")
    assert ids[0] == 2 and ids[-1] == 3 and all(i >= 5 for i in ids[1:-1])
    assert set("ACGTN") <= set(bpe6.vocab)  # every letter has a token: nothing is [UNK]


def test_bpe_reaches_the_target_vocabulary(bpe6):
    assert bpe6.vocab_size == 300
    assert bpe6.config["vocab_size_target"] == 300
    assert max(len(t) for t in bpe6.id_to_token[5:]) <= 6  # tokens never cross a 6-mer word
    assert 1.0 < bpe6.bases_per_token <= 6.0


def test_bpe_stops_below_the_target_on_a_tiny_corpus():
    # words ACGTAC, GTACGT (by hand, min_frequency 2): GT and AC (3x each) merge, then one of
    # ACGT / GTAC (2x each); after that every pair occurs once -> 5 specials + 5 letters + 3 merges.
    tok = KmerBPETokenizer.train(["ACGTACGTACGT"], k=6, vocab_size=1000)
    assert tok.vocab_size == 13
    assert tok.config["vocab_size_target"] == 1000
    assert {"GT", "AC"} <= set(tok.vocab)


def test_bpe_round_trip(bpe6, corpus):
    held_out = _random_dna(5, 333, seed=7)  # 333 is not a multiple of 6: the tail is a short last word
    for s in held_out + corpus[:3]:
        ids = bpe6.encode(s)
        assert bpe6.decode(ids) == s
        assert bpe6.decode(torch.tensor(ids)) == s
    messy = "acgtNNacgtRYacgtacgtacg"
    assert bpe6.decode(bpe6.encode(messy)) == normalise(messy)
    assert "".join(bpe6.tokens("GATTACAGATTACA")) == "GATTACAGATTACA"
    assert bpe6.encode("", add_special_tokens=False) == []
    assert bpe6.encode_batch(["ACGTAC", "", "GGG"]) == [bpe6.encode("ACGTAC"), [2, 3], bpe6.encode("GGG")]
    # dropping the tail: exact only for lengths that are multiples of k
    drop = KmerBPETokenizer.train(corpus, k=6, vocab_size=100, tail="drop")
    assert drop.decode(drop.encode(held_out[0][:330])) == held_out[0][:330]
    assert drop.decode(drop.encode(held_out[0])) == held_out[0][:330]


def test_bpe_is_deterministic_and_saves(bpe6, corpus, tmp_path):
    again = KmerBPETokenizer.train(corpus, k=6, vocab_size=300)
    assert again.id_to_token == bpe6.id_to_token
    assert again.encode(corpus[0]) == bpe6.encode(corpus[0])
    folder = bpe6.save(tmp_path / "tok")
    assert (folder / "tokenizer.json").exists()
    back = KmerBPETokenizer.load(folder)
    assert isinstance(back, KmerBPETokenizer) and back.k == 6
    assert back.id_to_token == bpe6.id_to_token and back.bases_per_token == bpe6.bases_per_token
    assert back.encode(corpus[1]) == bpe6.encode(corpus[1])
    with pytest.raises(ValueError):
        BigBirdBPETokenizer.load(folder)


# --------------------------------------------------------------------------- Algorithm 1


def test_algorithm1_by_hand():
    seq = "AAAAACCCCCGGGGGTTTTTACGTACGTAC"  # 30 bases
    W = (2, 5)  # word lengths random(2, 5) (scaled down from 50..500)
    plan = [((0, 5), 3),  # start = 3: bases 0..2 skipped
            ((0, 12), 12), (W, 5), (W, 4), (W, 5),  # sentence [3, 15): words 5, 4, then 3 (cut at its end)
            ((0, 12), 0),  # empty sentence: nothing, draw again
            ((0, 12), 12), (W, 2), (W, 5), (W, 5),  # sentence [15, 27): words 2, 5, 5
            ((0, 12), 7), (W, 2), (W, 2)]  # min(3 left, 7) -> sentence [27, 30): words 2, then 1
    rng = Scripted(plan)
    words = bigbird_split(seq, rng, start_max=5, sentence_max=12, word_min=2, word_max=5)
    assert rng.done()
    assert words == ["AACCC", "CCGG", "GGG", "TT", "TTTAC", "GTACG", "TA", "C"]


def test_algorithm1_seeded():
    seq = _random_dna(1, 3000, seed=3)[0]
    gen = np.random.default_rng(11)
    for _ in range(3):
        words = bigbird_split(seq, gen)
        joined = "".join(words)
        start = len(seq) - len(joined)
        assert 0 <= start <= 500 and seq[start:] == joined  # the words tile the sequence after the offset
        assert all(1 <= len(w) <= 500 for w in words)
    # ten passes per chromosome, one random source; the same seed gives the same words
    a = bigbird_words([seq, seq[:900]], seed=5, repeats=10)
    assert a == bigbird_words([seq, seq[:900]], seed=5, repeats=10)
    assert a != bigbird_words([seq, seq[:900]], seed=6, repeats=10)
    assert sum(map(len, a)) > 9 * (3000 - 500 + 900 - 500)
    # start 0 covers every base (how BigBirdBPETokenizer cuts new DNA)
    assert "".join(bigbird_split(seq, 0, start_max=0)) == seq


def test_bigbird_bpe_round_trip_and_determinism(corpus, tmp_path):
    tok = BigBirdBPETokenizer.train(corpus[:10], vocab_size=200, seed=0, repeats=2)
    assert tok.vocab_size == 200 and tok.id_to_token[:5] == SPECIALS
    for s in corpus[10:13] + ["acgtNNNNacgt" * 30]:
        assert tok.decode(tok.encode(s)) == normalise(s)
        assert tok.encode(s) == tok.encode(s)  # words of new DNA are seeded: same tokens every time
    assert BigBirdBPETokenizer.train(corpus[:10], vocab_size=200, seed=0, repeats=2).id_to_token == tok.id_to_token
    back = load_tokenizer(tok.save(tmp_path / "bb"))
    assert isinstance(back, BigBirdBPETokenizer) and back.encode(corpus[12]) == tok.encode(corpus[12])


# --------------------------------------------------------------------------- Algorithm 2


def test_algorithm2_by_hand_swapped():
    sample = list(range(100, 120))  # n = 20: n/10 = 2, 9n/10 = 18
    plan = [((1, 2), 2),  # a: 2 tokens eroded on the left
            ((18, 19), 18),  # c: 2 tokens eroded on the right
            ((4, 16), 7),  # b in [a + 2, c - 2]
            ((0, 1), 1)]  # swap
    rng = Scripted(plan)
    out = sop_sample(sample, rng)
    assert rng.done()
    first, second = list(range(102, 107)), list(range(107, 118))
    assert out.input_ids == [2, *second, 3, *first, 3]
    assert out.token_type_ids == [0] * 13 + [1] * 6
    assert out.label == 1 and out.cuts == (2, 7, 18)


def test_algorithm2_by_hand_kept_in_order():
    sample = list(range(200, 225))  # n = 25: n/10 = 2, 9n/10 = 22
    rng = Scripted([((1, 2), 1), ((22, 24), 24), ((3, 22), 22), ((0, 1), 0)])
    out = sop_sample(np.array(sample), rng, cls_id=7, sep_id=8)
    assert rng.done()
    assert out.input_ids == [7, *range(201, 222), 8, 222, 223, 8]
    assert out.token_type_ids == [0] * 23 + [1] * 3
    assert out.label == 0 and out.cuts == (1, 22, 24)


def test_algorithm2_seeded_properties(bpe6, corpus):
    n = 255
    sample = list(range(1000, 1000 + n))
    gen = np.random.default_rng(0)
    labels = []
    for _ in range(200):
        s = sop_sample(sample, gen)
        a, b, c = s.cuts
        assert 1 <= a <= 25 and 229 <= c <= 254 and b - a >= 25 and c - b >= 25
        assert len(s.input_ids) == c - a + 3 <= n + 1 and len(s.token_type_ids) == len(s.input_ids)
        body = [i for i in s.input_ids if i >= 1000]
        assert sorted(body) == sample[a:c]
        labels.append(s.label)
    assert 70 < sum(labels) < 130  # swapped about half the time
    assert sop_sample(sample, 3) == sop_sample(sample, 3)
    # from DNA: encoded without specials, cut to fit a window of 64 tokens
    s = sop_sample(corpus[0], 1, tokenizer=bpe6, max_tokens=64)
    assert len(s.input_ids) <= 64
    batch = sop_collate([s, sop_sample(sample, 2)])
    assert batch["input_ids"].shape == batch["token_type_ids"].shape == batch["attention_mask"].shape
    assert batch["input_ids"].shape[0] == 2 and batch["sentence_order_label"].shape == (2,)
    assert int(batch["attention_mask"][0].sum()) == len(s.input_ids)
    with pytest.raises(ValueError):
        sop_sample(list(range(9)), 0)


# --------------------------------------------------------------------------- comparing tokenisers


def test_bits_per_base_known_answers():
    # a uniform guess over A/C/G/T is 2 bits per base, whatever the token length
    assert bits_per_base(math.log(4), n_tokens=1000, n_bases=1000) == pytest.approx(2.0)
    assert bits_per_base(math.log(4**6), n_tokens=100, n_bases=600) == pytest.approx(2.0)
    assert bits_per_base(math.log(4**9), n_tokens=100, n_bases=900) == pytest.approx(2.0)
    assert bits_per_base(0.0, 10, 10) == 0.0


def test_tokeniser_stats_on_toy_dna():
    # all training words are ACGTAC: BPE ends with the one 6-mer as a token (4 merges)
    tok = KmerBPETokenizer.train(["ACGTAC" * 50], k=6, vocab_size=100)
    assert tok.vocab_size == 14 and "ACGTAC" in tok.vocab
    st = tokeniser_stats(tok, ["ACGTAC" * 10], repeats=2)
    assert (st.n_bases, st.n_tokens, st.vocab_used) == (60, 10, 1)
    assert st.tokens_per_kb == pytest.approx(1000 / 6) and st.vocab_share == pytest.approx(1 / 9)
    assert st.bits_per_base(math.log(4**6)) == pytest.approx(2.0)
    assert st.bp_per_s > 0 and not st.overlapping and st.name == "6-mer BPE"
    # DNABERT's overlapping 3-mers: L-k+1 tokens per sequence, max_length ignored, N-k-mers are [UNK]
    kt = KmerTokenizer(3, max_length=16)
    st = tokeniser_stats(kt, ["A" * 100, "C" * 100, "ACGNA"])
    assert (st.n_bases, st.n_tokens, st.vocab_used) == (205, 98 + 98 + 3, 3)  # AAA, CCC, ACG
    assert st.vocab_share == pytest.approx(3 / 64) and st.unk_share == pytest.approx(2 / 199)
    assert st.overlapping and st.tokens_per_kb == pytest.approx(1000 * 199 / 205)
    # a uniform guess over 3-mers: each base is counted in up to 3 tokens -> about 6, not 2, bits per base
    assert st.bits_per_base(math.log(64)) == pytest.approx(6 * 199 / 205)
    assert set(st.as_row()) >= {"tokens_per_kb", "vocab_used", "vocab_share", "bp_per_s"}


def test_hugging_face_view_gives_the_same_ids(bpe6):
    hf = bpe6.to_hf()
    s, t = "ACGTTGCAGATTACAGGA", "TTGACCA"
    assert hf(bpe6.to_hf_text(s))["input_ids"] == bpe6.encode(s)
    pair = hf(bpe6.to_hf_text(s), bpe6.to_hf_text(t), return_token_type_ids=True)
    n_a = len(bpe6.encode(s))
    assert pair["input_ids"] == bpe6.encode(s) + bpe6.encode(t, add_special_tokens=False) + [3]
    assert pair["token_type_ids"] == [0] * n_a + [1] * (len(pair["input_ids"]) - n_a)
    assert hf.mask_token_id == 4 and hf.pad_token_id == 0


# --------------------------------------------------------------------------- the one MLM collator


def test_mlm_collator_masks_bpe_tokens_and_sop_samples(bpe6, corpus):
    """MLMCollator with a BPE tokeniser: BERT token masking (no k-mer spans), specials never masked;
    with Algorithm 2 samples it keeps segments and swap labels."""
    from genomebook.tokenize import IGNORE_INDEX, MASK_ID, MLMCollator

    collate = MLMCollator(bpe6, mlm_probability=0.15, seed=0)
    out = collate(corpus[:8])
    enc = bpe6.encode_batch(corpus[:8])
    assert out["input_ids"].shape == (8, max(map(len, enc)))
    sel = out["labels"] != IGNORE_INDEX
    truth = torch.nn.utils.rnn.pad_sequence([torch.tensor(e) for e in enc], batch_first=True)
    assert torch.equal(out["labels"][sel], truth[sel])  # labels are the true ids
    assert bool((truth[sel] >= 5).all())  # never a special
    assert 0.08 < float(sel.sum()) / float((truth >= 5).sum()) < 0.22
    assert float((out["input_ids"][sel] == MASK_ID).float().mean()) > 0.6
    # dynamic masking: the next call draws new masks; the same seed repeats them
    again = collate(corpus[:8])
    assert not torch.equal(again["labels"], out["labels"])
    assert torch.equal(MLMCollator(bpe6, seed=0)(corpus[:8])["labels"], out["labels"])

    rng = np.random.default_rng(0)
    samples = [sop_sample(bpe6.encode(s, add_special_tokens=False), rng, max_tokens=64) for s in corpus[:6]]
    sop = MLMCollator(bpe6, seed=1)(samples)
    plain = sop_collate(samples)
    assert torch.equal(sop["sentence_order_label"], plain["sentence_order_label"])
    assert torch.equal(sop["token_type_ids"], plain["token_type_ids"])
    assert torch.equal(sop["attention_mask"], plain["attention_mask"])
    kept = sop["labels"] == IGNORE_INDEX
    assert torch.equal(sop["input_ids"][kept & (plain["input_ids"] < 5)], plain["input_ids"][kept & (plain["input_ids"] < 5)])
    assert bool((plain["input_ids"][sop["labels"] != IGNORE_INDEX] >= 5).all())
