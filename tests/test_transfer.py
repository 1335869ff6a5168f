"""Fine-tuning heads on the small language models (models.transfer) and the transfer workflow."""

import numpy as np
import pytest
import torch

from genomebook.dna_words import KmerBPETokenizer
from genomebook.models.language import build_language_model
from genomebook.models.transfer import TransferModel, TransferTask, encoder_states
from genomebook.workflows import transfer

LM = {"model_size": "tiny", "max_tokens": 32}


def _ids(n=6, t=12, vocab=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, vocab, (n, t), generator=g)
    ids[:, 0] = 2
    ids[0, 8:] = 0  # one padded row
    return ids, (ids != 0).long()


@pytest.mark.parametrize("name", ["Longformer", "ELMo"])
def test_heads_shapes_and_padding(name):
    kw = {"objective": "masked"} if name == "ELMo" else {"max_tokens": 32}
    enc = build_language_model(name, "tiny", vocab_size=40, **kw)
    ids, mask = _ids()
    assert encoder_states(enc, ids, mask).shape[:2] == (6, 12)
    pos = TransferModel(enc, "position")(ids, mask)
    assert pos.shape == (6, 12) and torch.isinf(pos[0, 8:]).all() and torch.isfinite(pos[1]).all()
    assert TransferModel(enc, "class", 7)(ids, mask).shape == (6, 7)
    flat = TransferModel(enc, "labels", 5, pooling="flatten", hidden=16, max_tokens=12)
    assert flat(ids, mask).shape == (6, 5)
    with pytest.raises(ValueError, match="max_tokens=12"):
        flat(ids[:, :10], mask[:, :10])
    with pytest.raises(ValueError, match="head must be"):
        TransferModel(enc, "regression")


def test_labels_loss_weights_positives():
    enc = build_language_model("ELMo", "tiny", vocab_size=40, objective="masked")
    logits, target = torch.zeros(4, 3), torch.tensor([[1., 0, 0]] * 4)
    plain = TransferTask(TransferModel(enc, "labels", 3)).loss(logits, target)
    weighted = TransferTask(TransferModel(enc, "labels", 3), pos_weight=8).loss(logits, target)
    # log 2 per label; positives (1 of 3) weighted 8: (8 + 2) / 3 x log 2
    assert float(plain) == pytest.approx(np.log(2))
    assert float(weighted) == pytest.approx(10 / 3 * np.log(2), rel=1e-5)


def test_finetune_learns_a_position_and_caches(tmp_path):
    rng = np.random.default_rng(0)
    dna = "".join(rng.choice(list("ACGT"), 3000))
    tok = KmerBPETokenizer.train([dna], 3, 80)
    enc = transfer.Encoder("untrained", "ELMo", tok, None, LM)
    # the target is the token right after a marker id: learnable from content alone
    def part(n, seed):
        r = np.random.default_rng(seed)
        rows, target = [], []
        for _ in range(n):
            row = [2, *r.integers(10, tok.vocab_size, 15).tolist(), 3]
            j = int(r.integers(2, 15))
            row[j - 1] = 5
            rows.append(row)
            target.append(j)
        return rows, np.array(target)
    parts = {"train": part(256, 1), "dev": part(64, 2), "test": part(64, 3)}
    sizes = {"epochs": 8, "batch": 32, "steps_per_epoch": None, "lr": 0.01}
    ft = transfer.finetune(enc, "position", parts, sizes, dropout=0.0, seed=0, cache_dir=tmp_path)
    acc = (ft.logits["test"].argmax(1) == parts["test"][1]).mean()
    assert acc > 0.5, acc  # chance is 1/16
    assert list(ft.history["val_loss"])[-1] < list(ft.history["val_loss"])[0]
    again = transfer.finetune(enc, "position", parts, sizes, dropout=0.0, seed=0, cache_dir=tmp_path)
    assert again.cached and np.array_equal(again.logits["test"], ft.logits["test"])


def test_cls_rows_and_pad_batch():
    tok = KmerBPETokenizer.train(["ACGTACGTTTGACCA" * 20], 3, 40)
    rows = transfer.cls_rows(tok, ["ACGTACGTTTGACCA" * 4, "ACG"], 6)
    assert rows[0][0] == 2 and rows[0][-1] == 3 and len(rows[0]) == 6 and len(rows[1]) == 3
    b = transfer.pad_batch(rows, [1, 0])
    assert b["input_ids"].shape == (2, 6) and b["attention_mask"][1].tolist() == [1, 1, 1, 0, 0, 0]
    with pytest.raises(ValueError, match="at least 3"):
        transfer.cls_rows(tok, ["ACGT"], 2)
