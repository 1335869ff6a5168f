"""Leakage checks (genomebook.datasets.leakage) on tiny hand-made splits with exact counts."""

import numpy as np
import pytest
from datasketch import MinHash

from genomebook.datasets import leakage as L
from genomebook.datasets.leakage import PRETRAINING, leakage_card, leaked, mask_corpus
from genomebook.seq import SequenceError, reverse_complement

COMP = str.maketrans("ACGT", "TGCA")


def random_dna(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), n))


def substitute(s: str, positions) -> str:
    """s with the base at each position replaced by the next letter of ACGT (a sure change)."""
    out = list(s)
    for p in positions:
        out[p] = "ACGT"[("ACGT".index(out[p]) + 1) % 4]
    return "".join(out)


def row(card, query, reference, cls="all"):
    sel = card[(card["query"] == query) & (card["reference"] == reference) & (card["class"] == cls)]
    assert len(sel) == 1, (query, reference, cls)
    return sel.iloc[0]


def counts(r):
    return (int(r["n"]), int(r["exact"]), int(r["revcomp"]), int(r["near"]), int(r["any"]))


@pytest.fixture(scope="module")
def world():
    """train: 6 random 200-mers; test: one of each kind of leak and two clean sequences."""
    rng = np.random.default_rng(7)
    train = [random_dna(rng, 200) for _ in range(6)]
    test = [
        train[0],                                        # exact
        reverse_complement(train[1]),                    # reverse complement
        substitute(train[2], [100]),                     # near: one substitution
        reverse_complement(substitute(train[3], [50])),  # near on the other strand
        substitute(train[4], range(0, 200, 5)),          # 40 substitutions: related, not near
        random_dna(rng, 200),                            # unrelated
    ]
    labels = {"train": [0, 1, 0, 1, 0, 1], "test": [1, 1, 0, 0, 1, 0]}
    return train, test, labels, rng


# --------------------------------------------------------------------------- k-mers and MinHash


def test_canonical_kmers_match_a_plain_python_count():
    seqs = ["ACGTTGCAAC", "AC", "ACGNACGTAA", "ttttt"]
    canon, owner = L._canonical_kmers([s.upper() for s in seqs], 3)
    code = lambda w: int("".join(str("ACGT".index(b)) for b in w), 4)  # noqa: E731
    expected, owners = [], []
    for i, s in enumerate(seqs):
        s = s.upper()
        for j in range(len(s) - 2):
            w = s[j:j + 3]
            if "N" not in w:
                expected.append(min(code(w), code(w.translate(COMP)[::-1])))
                owners.append(i)
    assert canon.tolist() == expected
    assert owner.tolist() == owners
    # ACG and its reverse complement CGT are one canonical 3-mer
    assert canon[0] == canon[1] == code("ACG")


@pytest.mark.parametrize("k", [1, 2, 5, 8, 13, 16, 30, 31, 32])
def test_window_codes_of_every_length(k):
    rng = np.random.default_rng(k)
    s = random_dna(rng, 70) + "N" + random_dna(rng, 10)
    codes, _ = L._joined_codes([s])
    fwd, rev, valid = L._window_codes(codes, k)
    code = lambda w: int("".join(str("ACGT".index(b)) for b in w), 4)  # noqa: E731
    windows = [s[i:i + k] for i in range(len(s) - k + 1)]
    assert valid.tolist() == ["N" not in w for w in windows]
    assert [int(c) for c, v in zip(fwd, valid) if v] == [code(w) for w in windows if "N" not in w]
    clean = [w for w in windows if "N" not in w]
    assert [int(c) for c, v in zip(rev, valid) if v] == [code(reverse_complement(w)) for w in clean]


def test_signatures_equal_datasketch_minhash_with_the_same_hash():
    rng = np.random.default_rng(0)
    seqs = [random_dna(rng, n) for n in (50, 8, 120)] + ["ACG"]
    canon, owner = L._canonical_kmers(seqs, 8)
    sig, has = L._signatures(canon, owner, len(seqs), 64, 3)
    assert has.tolist() == [True, True, True, False]
    for i in range(3):
        m = MinHash(num_perm=64, seed=3, hashfunc=lambda c: int(L._hash32(np.array([c], dtype=np.uint64))[0]))
        m.update_batch([int(c) for c in canon[owner == i]])
        np.testing.assert_array_equal(sig[i], m.hashvalues)


def test_lsh_bands_guarantee_every_pair_over_the_threshold_is_a_candidate():
    assert L._lsh_params(64, 0.8) == (13, 4)       # 52 equal slots needed, at most 12 differ
    assert L._slots_needed(64, 0.8) == 52
    assert L._slots_needed(64, 0.75) == 48
    assert L._lsh_params(64, 1.0) == (2, 32)         # datasketch needs two bands


def test_near_duplicates_equal_a_brute_force_comparison_of_signatures():
    rng = np.random.default_rng(3)
    ref = [random_dna(rng, 400) for _ in range(40)]
    # 1 to 10 substitutions: canonical 8-mer Jaccard from about 0.96 down to about 0.66
    query = [substitute(ref[i], rng.choice(400, size=1 + i // 4, replace=False)) for i in range(40)]
    card = leakage_card({"train": ref, "test": query})
    qc, qo = L._canonical_kmers(query, 8)
    rc, ro = L._canonical_kmers(ref, 8)
    qs, _ = L._signatures(qc, qo, 40, 64, 0)
    rs, _ = L._signatures(rc, ro, 40, 64, 0)
    agree = (qs[:, None, :] == rs[None, :, :]).sum(axis=2).max(axis=1)
    expected = int((agree >= 52).sum())
    assert 5 < expected < 35          # the sweep straddles the threshold
    assert counts(row(card, "test", "train")) == (40, 0, 0, expected, expected)


# --------------------------------------------------------------------------- the card


def test_card_counts_each_kind_of_duplicate_once(world):
    train, test, labels, _ = world
    card = leakage_card({"train": train, "test": test})
    assert list(card.columns) == ["query", "reference", "class", "n", "exact", "revcomp", "near", "any",
                                  "fraction", "method"]
    r = row(card, "test", "train")
    assert counts(r) == (6, 1, 1, 2, 4)
    assert r["fraction"] == pytest.approx(4 / 6)
    assert r["method"] == "MinHash LSH, canonical 8-mers, Jaccard ≥ 0.8, 64 permutations"
    assert len(card) == 1


def test_leaked_flags_the_same_sequences(world):
    train, test, _, _ = world
    assert leaked(test, [train]).tolist() == [True, True, True, True, False, False]
    assert leaked(test, [train[2:], train[:2]]).tolist() == [True, True, True, True, False, False]
    assert leaked(test, [train[5:]]).tolist() == [False] * 6
    assert leaked(test, []).tolist() == [False] * 6


def test_card_per_class(world):
    train, test, labels, _ = world
    card = leakage_card({"train": train, "test": test}, labels)
    assert card["class"].tolist() == [0, 1, "all"]
    assert counts(row(card, "test", "train", 0)) == (3, 0, 0, 2, 2)   # test 2, 3 near; 5 clean
    assert counts(row(card, "test", "train", 1)) == (3, 1, 1, 0, 2)   # test 0 exact, 1 rc; 4 clean
    assert counts(row(card, "test", "train", "all")) == (6, 1, 1, 2, 4)


def test_default_pairs_follow_split_order_and_a_stricter_threshold_drops_near(world):
    train, test, _, _ = world
    dev = [test[0], test[5]]
    card = leakage_card({"train": train, "dev": dev, "test": test}, near_threshold=1.0, k=6, num_perm=128)
    assert list(zip(card["query"], card["reference"])) == [("dev", "train"), ("test", "train"), ("test", "dev")]
    assert counts(row(card, "dev", "train")) == (2, 1, 0, 0, 1)
    assert counts(row(card, "test", "train")) == (6, 1, 1, 0, 2)
    assert counts(row(card, "test", "dev")) == (6, 2, 0, 0, 2)
    assert row(card, "test", "dev")["method"] == "MinHash LSH, canonical 6-mers, Jaccard ≥ 1, 128 permutations"


def test_lowercase_and_short_sequences(world):
    train, _, _, _ = world
    splits = {"train": [train[0].lower(), "ACGTA", "GGN"],
              "test": [train[0], "acgta", "TACGT", "GGGGG", "ggn", "NCC", "A" * 7]}
    card = leakage_card(splits)
    # train[0] and acgta exact; TACGT = rc(ACGTA); ggn exact, NCC = rc(GGN); the rest clean
    assert counts(row(card, "test", "train")) == (7, 3, 2, 0, 5)
    assert leaked(splits["test"], [splits["train"]]).tolist() == [True, True, True, False, True, True, False]


def test_bad_input_is_named():
    with pytest.raises(SequenceError, match="split 'test'.*record #2.*'X'"):
        leakage_card({"train": ["ACGT"], "test": ["ACGT", "ACXT"]})
    with pytest.raises(ValueError, match="labels of shape"):
        leakage_card({"train": ["ACGT"], "test": ["ACGT"]}, {"test": [0, 1]})
    with pytest.raises(ValueError, match="unknown split"):
        leakage_card({"train": ["ACGT"], "test": ["ACGT"]}, against=[("test", "dev")])
    with pytest.raises(ValueError, match="no pretraining corpus"):
        leakage_card({"train": ["ACGT"], "test": ["ACGT"]}, against=[("test", PRETRAINING)])
    with pytest.raises(TypeError, match="list of splits"):
        leaked(["ACGT"], ["ACGT"])
    with pytest.raises(ValueError, match="between 1 and 32"):
        leakage_card({"train": ["ACGT"]}, overlap_k=33)


# --------------------------------------------------------------------------- pre-training corpus


@pytest.fixture(scope="module")
def corpus(world):
    """Three documents: one holds 40 bp of test[5], one holds test[4][20:80] on the reverse strand."""
    train, test, _, rng = world

    def plant(source: str, start: int, end: int, flank: int) -> str:
        """source[start:end] between random flanks that do not continue it, so exactly it is shared."""
        left, right = random_dna(rng, flank), random_dna(rng, flank)
        left = left[:-1] + substitute(source[start - 1], [0])
        right = substitute(source[end], [0]) + right[1:]
        return left + source[start:end] + right

    doc0 = plant(test[5], 100, 140, 300)                      # bases 300..340
    doc1 = reverse_complement(plant(test[4], 20, 80, 500))     # bases 500..560
    doc2 = random_dna(rng, 800)
    return [doc0.lower(), doc1, doc2]


def test_pretraining_overlap(world, corpus):
    train, test, labels, _ = world
    short = test[4][30:70]                       # a 40-mer, in doc1 on the reverse strand
    splits = {"train": train, "test": test + [short]}
    card = leakage_card(splits, {"test": labels["test"] + [1]}, pretraining=corpus,
                        against=[("test", "train")])
    # the pair list names no corpus, so every split is also compared with it
    assert list(zip(card["query"], card["reference"], card["class"])) == [
        ("test", "train", 0), ("test", "train", 1), ("test", "train", "all"), ("train", PRETRAINING, "all"),
        ("test", PRETRAINING, 0), ("test", PRETRAINING, 1), ("test", PRETRAINING, "all")]
    pre = row(card, "test", PRETRAINING)
    assert counts(pre) == (7, 1, 0, 2, 3)        # short is a substring; test[4] and test[5] share 30-mers
    assert pre["method"] == "shared 30-mer (either strand)"
    assert counts(row(card, "train", PRETRAINING)) == (6, 0, 0, 0, 0)
    by_class = leakage_card(splits, {"test": labels["test"] + [1]}, pretraining=corpus,
                            against=[("test", PRETRAINING)])
    assert counts(row(by_class, "test", PRETRAINING, 0)) == (3, 0, 0, 1, 1)   # test[5]
    assert counts(row(by_class, "test", PRETRAINING, 1)) == (4, 1, 0, 1, 2)   # short, test[4]
    assert leaked(test + [short], [], pretraining=corpus).tolist() == [False] * 4 + [True] * 3


def test_mask_corpus_removes_every_shared_kmer(world, corpus):
    train, test, _, _ = world
    short = test[4][30:70]
    masked, summary = mask_corpus(corpus, test + [short])
    assert summary == {"documents": 3, "documents_touched": 2, "bases_masked": 100,
                       "fraction_masked": 100 / sum(map(len, corpus))}
    assert [len(d) for d in masked] == [len(d) for d in corpus]
    assert masked[0] == corpus[0][:300].upper() + "N" * 40 + corpus[0][340:].upper()
    assert masked[1] == corpus[1][:500] + "N" * 60 + corpus[1][560:]
    assert masked[2] == corpus[2]
    card = leakage_card({"test": test + [short]}, pretraining=masked)
    assert counts(row(card, "test", PRETRAINING)) == (7, 0, 0, 0, 0)
    assert not leaked(test + [short], [], pretraining=masked).any()


def test_all_kmers_in_the_corpus_but_not_as_one_piece():
    rng = np.random.default_rng(11)
    q = random_dna(rng, 70)
    repeat = q[:30]
    # every 30-mer of q lies in q[:50] or q[21:], but q itself is nowhere; q[:30] occurs 4 times
    corpus = [q[:50] + "N" + repeat + random_dna(rng, 5) + repeat, reverse_complement(q[21:]) + repeat]
    card = leakage_card({"q": [q, q[:50], q[10:60], reverse_complement(q[25:])]}, pretraining=corpus)
    assert counts(row(card, "q", PRETRAINING)) == (4, 2, 0, 2, 4)   # q[:50], rc(q[25:]) are substrings


def test_mask_corpus_masks_short_sequences_literally():
    corpus = ["AAAACGTTGCAAAA", "TTTTTTTT"]
    masked, summary = mask_corpus(corpus, ["TGCAACG", "CCC"], overlap_k=10)  # rc of CGTTGCA, no 10-mer
    assert masked == ["AAAANNNNNNNAAA", "TTTTTTTT"]
    assert summary["bases_masked"] == 7 and summary["documents_touched"] == 1
    card = leakage_card({"x": ["TGCAACG", "CCC"]}, pretraining=masked, overlap_k=10)
    assert counts(row(card, "x", PRETRAINING)) == (2, 0, 0, 0, 0)
    before = leakage_card({"x": ["TGCAACG", "CCC"]}, pretraining=corpus, overlap_k=10)
    assert counts(row(before, "x", PRETRAINING)) == (2, 1, 0, 0, 1)
