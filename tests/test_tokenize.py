"""genomebook.tokenize: DNABERT k-mer vocabulary, encode/decode, fast path, HF view, span masking, k-mer files."""

import gzip

import numpy as np
import pytest
import torch

from genomebook.seq import BASE_CODE, SequenceError
from genomebook.tokenize import (CLS_ID, MASK_ID, PAD_ID, SEP_ID, SPECIAL_TOKENS, UNK_ID, KmerTokenizer,
                                 MLMCollator, mask_kmer_spans, span_offsets)
from genomebook.datasets.gue import read_kmer_tsv

KS = (3, 4, 5, 6)


def random_seqs(n, length, seed=0, letters="ACGT"):
    rng = np.random.default_rng(seed)
    lengths = [length] * n if np.isscalar(length) else rng.integers(length[0], length[1] + 1, size=n)
    return ["".join(rng.choice(list(letters), size=int(L))) for L in lengths]


# --------------------------------------------------------------------------- vocabulary


@pytest.mark.parametrize("k", KS)
def test_vocabulary_size_and_first_last_ids(k):
    tok = KmerTokenizer(k)
    assert tok.vocab_size == len(tok) == 4**k + 5
    assert tok.id_to_token[:5] == list(SPECIAL_TOKENS) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert (PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID) == (0, 1, 2, 3, 4)
    assert tok.vocab["A" * k] == 5 and tok.id_to_token[5] == "A" * k
    assert tok.vocab["T" * k] == 4**k + 4 and tok.id_to_token[-1] == "T" * k
    assert tok.vocab["A" * (k - 1) + "C"] == 6
    # id = 5 + base-4 value of the k-mer (A0 C1 G2 T3)
    for kmer in ("ACGT"[:k] + "T" * (k - 4), "GATTACA"[:k], "C" * k):
        value = int("".join(str("ACGT".index(b)) for b in kmer), 4)
        assert tok.vocab[kmer] == 5 + value
    assert tok.id_to_token[5:] == sorted(tok.id_to_token[5:])  # lexicographic ACGT


def test_dnabert_atcg_order_matches_released_vocab():
    # first lines of DNABERT's dnabert-config/bert-config-3/vocab.txt
    tok = KmerTokenizer(3, base_order="ATCG")
    assert tok.id_to_token[:13] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                                    "AAA", "AAT", "AAC", "AAG", "ATA", "ATT", "ATC", "ATG"]
    assert tok.id_to_token[-1] == "GGG"
    seqs = random_seqs(20, 40, seed=3, letters="ACGTN")
    assert torch.equal(tok.batch_encode_equal(seqs)["input_ids"], tok.batch_encode(seqs)["input_ids"])
    clean = random_seqs(20, 40, seed=4)
    assert [tok.decode(tok.encode(s)) for s in clean] == clean


@pytest.mark.parametrize("bad", [2, 7, 0, "6", 6.0, True])
def test_bad_k_raises(bad):
    with pytest.raises(ValueError, match="k must be one of"):
        KmerTokenizer(bad)


# --------------------------------------------------------------------------- encode / decode


def test_encode_example_and_specials():
    tok = KmerTokenizer(3)
    ids = tok.encode("ATGGCT")
    assert tok.tokens("ATGGCT") == ["ATG", "TGG", "GGC", "GCT"]  # the paper's example
    assert ids[0] == CLS_ID and ids[-1] == SEP_ID and len(ids) == 4 + 2
    assert tok.encode("ATGGCT", add_special_tokens=False) == ids[1:-1]
    assert tok.encode("atggct") == ids
    assert tok.encode("AC") == [CLS_ID, SEP_ID]  # shorter than k: no k-mers
    assert KmerTokenizer(5).encode("[CLS]AAAA", add_special_tokens=False)[0] == UNK_ID


@pytest.mark.parametrize("k", KS)
def test_encode_decode_round_trip(k):
    tok = KmerTokenizer(k, max_length=None)
    for s in random_seqs(30, (k, 300), seed=k):
        ids = tok.encode(s)
        assert len(ids) == len(s) - k + 1 + 2
        assert tok.decode(ids) == s
        assert tok.decode(torch.tensor(ids)) == s
        assert tok.decode(np.array(ids + [PAD_ID] * 3)) == s


def test_unknown_for_n_and_other_letters():
    tok = KmerTokenizer(4)
    toks = tok.tokens("ACGTNACGTA")
    assert toks == ["ACGT", "[UNK]", "[UNK]", "[UNK]", "[UNK]", "ACGT", "CGTA"]
    assert tok.tokens("ACGRT") == ["[UNK]", "[UNK]"]
    assert tok.decode(tok.encode("ACGTNACGTA")) == "ACGTNACGTA"  # the N comes back as N
    # bases seen only inside [UNK] k-mers cannot be recovered: they come back as N
    assert tok.decode(tok.encode("ACGTACGNTAC")) == "ACGTACGNNNN"
    with pytest.raises(ValueError, match="disagrees"):
        tok.decode([CLS_ID, tok.vocab["ACGT"], tok.vocab["AAAA"], SEP_ID])
    assert tok.decode([tok.vocab["ACGT"], tok.vocab["AAAA"]], check=False) == "ACGTA"


def test_strict_rejects_non_dna():
    tok = KmerTokenizer(6, strict=True)
    assert tok.encode("ACGTNNACGT")  # N is fine
    with pytest.raises(SequenceError, match="position 4"):
        tok.encode("ACGXACGTAC")
    with pytest.raises(SequenceError, match="not DNA"):
        tok.batch_encode_equal(["ACGTACGT", "ACG-ACGT"])
    assert UNK_ID in KmerTokenizer(6).encode("ACGXACGTAC")  # not strict: [UNK]


def test_truncation_rule():
    k = 6
    tok = KmerTokenizer(k, max_length=12)
    s = random_seqs(1, 40, seed=1)[0]
    ids = tok.encode(s)
    assert len(ids) == 12 and ids[0] == CLS_ID and ids[-1] == SEP_ID
    assert tok.decode(ids) == s[: 10 + k - 1]  # first max_length-2 k-mers kept
    assert tok.batch_encode([s])["input_ids"][0].tolist() == ids
    assert tok.batch_encode_equal([s])["input_ids"][0].tolist() == ids
    with pytest.raises(ValueError, match="truncation=True"):
        tok.encode(s, truncation=False)
    with pytest.raises(ValueError, match="truncation=True"):
        tok.batch_encode_equal([s], truncation=False)
    assert len(tok.encode(s, max_length=20)) == 20
    assert len(KmerTokenizer(k).encode("A" * 600)) == 512  # DNABERT's limit


def test_batch_encode_padding():
    tok = KmerTokenizer(3)
    out = tok.batch_encode(["ACGTA", "ACG", "ACGTACGT"])
    ids, mask = out["input_ids"], out["attention_mask"]
    assert ids.dtype == torch.int64 and ids.shape == (3, 8)
    assert mask.sum(1).tolist() == [5, 3, 8]
    assert (ids[mask == 0] == PAD_ID).all()
    assert ids[1].tolist() == [CLS_ID, tok.vocab["ACG"], SEP_ID] + [PAD_ID] * 5
    assert tok.batch_encode(["ACG"], padding="max_length", max_length=6)["input_ids"].shape == (1, 6)
    with pytest.raises(ValueError, match="padding=True"):
        tok.batch_encode(["ACGTA", "ACG"], padding=False)


# --------------------------------------------------------------------------- fast path


@pytest.mark.parametrize("k", KS)
def test_fast_path_equals_slow_path(k):
    tok = KmerTokenizer(k)
    seqs = random_seqs(50, 200, seed=10 + k, letters="ACGTACGTACGTNacgtRX")
    fast = tok.batch_encode_equal(seqs)
    slow = tok.batch_encode(seqs)
    assert torch.equal(fast["input_ids"], slow["input_ids"])
    assert torch.equal(fast["attention_mask"], slow["attention_mask"])
    codes = BASE_CODE[np.frombuffer("".join(seqs).encode(), dtype=np.uint8)].reshape(50, 200)
    ids = tok.encode_codes(codes)
    assert ids.shape == (50, 200 - k + 1) and ids.dtype == np.int64
    assert np.array_equal(ids, slow["input_ids"][:, 1:-1].numpy())
    assert np.array_equal(tok.encode_codes(codes[0]), ids[0])  # 1-D input
    assert (ids[codes[:, : 200 - k + 1] == 4] == UNK_ID).all()


def test_batch_encode_equal_needs_equal_lengths():
    with pytest.raises(SequenceError, match="equal lengths"):
        KmerTokenizer(3).batch_encode_equal(["ACGT", "ACG"])


# --------------------------------------------------------------------------- vocab files and HF view


@pytest.mark.parametrize("order", ["ACGT", "ATCG"])
def test_vocab_file_round_trip(tmp_path, order):
    tok = KmerTokenizer(4, base_order=order)
    path = tok.save_vocabulary(tmp_path)
    assert path.name == "vocab.txt"
    assert path.read_text().splitlines() == tok.id_to_token
    back = KmerTokenizer.from_vocab(path)
    assert (back.k, back.base_order, back.id_to_token) == (4, order, tok.id_to_token)
    assert KmerTokenizer.from_vocab(tmp_path).k == 4


def test_from_vocab_rejects_other_vocabularies(tmp_path):
    bert = tmp_path / "bert.txt"
    bert.write_text("[PAD]\n[unused0]\nthe\n")
    with pytest.raises(ValueError, match="k-mer vocabulary"):
        KmerTokenizer.from_vocab(bert)
    lines = KmerTokenizer(3).id_to_token
    shuffled = tmp_path / "shuffled.txt"
    shuffled.write_text("\n".join(lines[:5] + lines[5:][::-1]))
    with pytest.raises(ValueError, match="order"):
        KmerTokenizer.from_vocab(shuffled)
    short = tmp_path / "short.txt"
    short.write_text("\n".join(lines[:-1]))
    with pytest.raises(ValueError, match="4\\*\\*k"):
        KmerTokenizer.from_vocab(short)


@pytest.fixture(scope="module")
def hf6():
    tok = KmerTokenizer(6, max_length=64)
    return tok, tok.to_hf()


def test_hf_view_gives_the_same_ids(hf6):
    tok, hf = hf6
    assert len(hf) == tok.vocab_size
    assert (hf.pad_token_id, hf.unk_token_id, hf.cls_token_id, hf.sep_token_id, hf.mask_token_id) == (0, 1, 2, 3, 4)
    seqs = random_seqs(20, (6, 60), seed=5, letters="ACGTACGTNacgt") + ["ACGTAC", "acgtacgtac", "ACGTAR-TAC"]
    for s in seqs:
        assert hf(tok.to_hf_text(s))["input_ids"] == tok.encode(s), s
    texts = [tok.to_hf_text(s) for s in seqs]
    batch = hf(texts, padding=True, return_tensors="pt")
    ours = tok.batch_encode(seqs)
    assert torch.equal(batch["input_ids"], ours["input_ids"])
    assert torch.equal(batch["attention_mask"], ours["attention_mask"])
    long = random_seqs(3, 200, seed=6)  # truncation follows the same rule
    got = hf([tok.to_hf_text(s) for s in long], truncation=True, return_tensors="pt")["input_ids"]
    assert torch.equal(got, tok.batch_encode(long)["input_ids"])


def test_hf_save_and_load_offline(hf6, tmp_path, monkeypatch):
    from transformers import AutoTokenizer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tok, hf = hf6
    hf.save_pretrained(tmp_path)
    back = AutoTokenizer.from_pretrained(str(tmp_path), local_files_only=True)
    s = "ACGTTGCAGGATCCNNACGT"
    assert back(tok.to_hf_text(s))["input_ids"] == tok.encode(s)
    assert back.mask_token == "[MASK]" and back.model_max_length == 64


# --------------------------------------------------------------------------- span masking


def test_span_offsets_match_dnabert_mask_list():
    dnabert = {3: [-1, 1], 4: [-1, 1, 2], 5: [-2, -1, 1, 2], 6: [-2, -1, 1, 2, 3]}
    for k, offsets in dnabert.items():
        assert sorted(offsets + [0]) == list(span_offsets(k))


def _runs(row):
    """(start, length) of the runs of True in a 1-D bool array."""
    out, start = [], None
    for j, v in enumerate(list(row) + [False]):
        if v and start is None:
            start = j
        elif not v and start is not None:
            out.append((start, j - start))
            start = None
    return out


@pytest.mark.parametrize("k", [3, 6])
def test_span_masking_rate_runs_and_specials(k):
    tok = KmerTokenizer(k)
    seqs = random_seqs(200, 510 + k - 1, seed=k)  # 510 k-mers + [CLS] + [SEP] = 512
    ids = tok.batch_encode_equal(seqs)["input_ids"]
    # pad a few rows at the end to check padding is never masked
    ids = torch.cat([ids, torch.full((200, 8), PAD_ID)], dim=1)
    masked, labels = mask_kmer_spans(ids, k, generator=torch.Generator().manual_seed(1))
    is_masked = labels != -100
    rate = is_masked.sum().item() / (ids >= 5).sum().item()
    assert 0.13 <= rate <= 0.17, rate
    assert not is_masked[ids < 5].any()  # [CLS], [SEP], [PAD] never masked
    assert torch.equal(labels[is_masked], ids[is_masked])
    assert (labels[~is_masked] == -100).all()
    assert torch.equal(masked[~is_masked], ids[~is_masked])
    # runs of masked tokens are >= k long, except where clipped at the first/last k-mer
    first, last = 1, 510
    for row in is_masked.numpy():
        for start, length in _runs(row):
            if start != first and start + length - 1 != last:
                assert length >= k, (start, length)
    # 80 / 10 / 10
    n = is_masked.sum().item()
    to_mask = (masked[is_masked] == MASK_ID).sum().item() / n
    unchanged = (masked[is_masked] == ids[is_masked]).sum().item() / n
    assert 0.77 <= to_mask <= 0.83, to_mask
    assert 0.08 <= unchanged <= 0.12 + 1 / 4**k, unchanged
    assert ((masked[is_masked] >= 5) | (masked[is_masked] == MASK_ID)).all()  # random ids are k-mers


def test_span_masking_reproducible_and_special_mask():
    ids = KmerTokenizer(4).batch_encode_equal(random_seqs(8, 100))["input_ids"]
    a = mask_kmer_spans(ids, 4, generator=torch.Generator().manual_seed(7))
    b = mask_kmer_spans(ids, 4, generator=torch.Generator().manual_seed(7))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    keep = torch.zeros_like(ids, dtype=torch.bool)
    keep[:, :50] = True
    _, labels = mask_kmer_spans(ids, 4, mlm_probability=0.5, special_mask=keep)
    assert (labels[:, :50] == -100).all() and (labels[:, 50:] != -100).any()
    with pytest.raises(ValueError, match="another k"):
        mask_kmer_spans(KmerTokenizer(6).batch_encode_equal(["T" * 20])["input_ids"], 3)


def test_mlm_collator_strings_and_tensors():
    tok = KmerTokenizer(6)
    seqs = random_seqs(16, (20, 120), seed=2)
    collate = MLMCollator(tok, mlm_probability=0.3, seed=0)
    batch = collate(seqs)
    assert set(batch) == {"input_ids", "attention_mask", "labels"}
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
    assert (batch["labels"][batch["attention_mask"] == 0] == -100).all()
    assert (batch["labels"] != -100).any()
    again = MLMCollator(tok, mlm_probability=0.3, seed=0)(seqs)
    assert torch.equal(batch["input_ids"], again["input_ids"])
    rows = [torch.tensor(tok.encode(s)) for s in seqs]
    from_ids = MLMCollator(tok, mlm_probability=0.3, seed=0)(rows)
    assert torch.equal(from_ids["labels"], batch["labels"])


# --------------------------------------------------------------------------- k-mer files


def _kmer_text(s, k):
    return " ".join(s[i:i + k] for i in range(len(s) - k + 1))


@pytest.mark.parametrize("compress", [False, True])
def test_read_kmer_tsv_k(tmp_path, compress):
    seqs = random_seqs(5, 30, seed=4)
    text = "sequence\tlabel\n" + "".join(f"{_kmer_text(s, 6)}\t{i % 2}\n" for i, s in enumerate(seqs))
    path = tmp_path / ("dev.tsv.gz" if compress else "dev.tsv")
    if compress:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    df = read_kmer_tsv(path, k=6)
    assert df["sequence"].tolist() == seqs
    assert df["label"].tolist() == [0, 1, 0, 1, 0]
    assert df.attrs["k"] == 6
    with pytest.raises(SequenceError, match="holds 6-mers"):
        read_kmer_tsv(path, k=5)


def test_read_kmer_tsv_k_bad_overlap_names_line(tmp_path):
    good = _kmer_text("ACGTACGTAA", 6)
    bad = "ACGTAC CGTACG TTTTTT"
    path = tmp_path / "train.tsv"
    path.write_text(f"sequence\tlabel\n{good}\t1\n{bad}\t0\n")
    with pytest.raises(SequenceError) as err:
        read_kmer_tsv(path)
    msg = str(err.value)
    assert "train.tsv" in msg and "line 3" in msg and "overlap" in msg and "stride 1" in msg


def test_kmer_file_tokens_equal_ours(tmp_path):
    """The k-mers written in a DNABERT file are exactly tok.tokens() of the sequence read back."""
    tok = KmerTokenizer(5)
    seqs = random_seqs(4, 25, seed=8)
    rows = [_kmer_text(s, 5) for s in seqs]
    path = tmp_path / "k5.tsv"
    path.write_text("sequence\tlabel\n" + "".join(f"{r}\t0\n" for r in rows))
    df = read_kmer_tsv(path)
    assert [tok.tokens(s) for s in df["sequence"]] == [r.split() for r in rows]


def test_mask_tokens_masks_single_tokens_at_the_rate_with_80_10_10():
    """BERT masking for non-overlapping (BPE) vocabularies: one token at a time, specials never."""
    from genomebook.tokenize import mask_tokens

    g = torch.Generator().manual_seed(0)
    ids = torch.randint(5, 3000, (64, 256), generator=g)
    ids[:, 0], ids[:, -1] = CLS_ID, SEP_ID
    pad = torch.zeros_like(ids, dtype=torch.bool)
    pad[:, -20:] = True
    masked, labels = mask_tokens(ids, 3000, special_mask=pad, generator=torch.Generator().manual_seed(1))
    chosen = labels != -100
    assert not chosen[:, 0].any() and not chosen[:, -20:].any()  # specials and padding never
    assert torch.equal(labels[chosen], ids[chosen]) and torch.equal(masked[~chosen], ids[~chosen])
    rate = chosen[:, 1:-20].float().mean().item()
    assert abs(rate - 0.15) < 0.01
    to_mask = (masked[chosen] == MASK_ID).float().mean().item()
    kept = (masked[chosen] == ids[chosen]).float().mean().item()
    assert abs(to_mask - 0.8) < 0.03 and 0.07 < kept < 0.13
    assert int(masked.max()) < 3000
    with pytest.raises(ValueError, match="vocabulary has 100 ids"):
        mask_tokens(ids, 100)
