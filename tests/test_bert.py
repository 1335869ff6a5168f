"""DNABERT models: configs, masked-LM pre-training, fine-tuning from a pre-trained encoder, DNABERT-XL."""

import math

import pytest
import torch
from torch.utils.data import DataLoader

from genomebook.models.bert import (
    BertClassifier,
    BertMLM,
    BertXLClassifier,
    bert_config,
    masked_lm_metrics,
    n_pieces_for,
    split_pieces,
)
from genomebook.tokenize import CLS_ID, MASK_ID, PAD_ID, SEP_ID, KmerTokenizer, MLMCollator
from genomebook.train import History, fit

# training_step / validation_step are called without a Trainer here, whose self.log then warns.
pytestmark = pytest.mark.filterwarnings("ignore:You are trying to `self.log\\(\\)`")

K = 3
TOK = KmerTokenizer(K)
V = TOK.vocab_size  # 69


def tiny(**kw):
    """The tiny size with two layers, so per-layer attention shapes are checked."""
    return bert_config("tiny", V, **{"num_hidden_layers": 2, **kw})


def seeded(seed, factory, *args, **kwargs):
    torch.manual_seed(seed)
    return factory(*args, **kwargs)


def random_ids(n, t, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, V, (n, t), generator=g)
    ids[:, 0], ids[:, -1] = CLS_ID, SEP_ID
    return ids


# --------------------------------------------------------------------------- configs


def test_config_sizes():
    expected = {"tiny": (1, 32, 2, 64), "small": (2, 64, 4, 256), "base": (12, 768, 12, 3072)}
    for size, (layers, hidden, heads, inter) in expected.items():
        c = bert_config(size, 4**6 + 5)
        assert (c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.intermediate_size) == \
            (layers, hidden, heads, inter)
        assert c.vocab_size == 4101 and c.max_position_embeddings == 512 and c.pad_token_id == PAD_ID
        assert c._attn_implementation == "eager"
    c = tiny(max_position=32, hidden_dropout_prob=0.0)
    assert c.max_position_embeddings == 32 and c.hidden_dropout_prob == 0.0 and c.vocab_size == V
    with pytest.raises(ValueError, match="size must be one of"):
        bert_config("large", V)
    with pytest.raises(ValueError, match="multiple of num_attention_heads"):
        bert_config("tiny", V, num_attention_heads=3)


# --------------------------------------------------------------------------- masked LM


def periodic_corpus(n, length=40, seed=0):
    """Rotations of a period-8 motif: every masked span is predictable from its context."""
    motif = "ACGTTGCA"
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, 8, (n,), generator=g).tolist()
    return [(motif * (length // 8 + 2))[s:s + length] for s in starts]


def test_mlm_training_lowers_masked_loss_and_schedule_ends_at_zero():
    torch.manual_seed(0)
    collate = MLMCollator(TOK, mlm_probability=0.15, seed=0)
    train = DataLoader(periodic_corpus(64, seed=1), batch_size=16, shuffle=True, collate_fn=collate)
    val = DataLoader(periodic_corpus(32, seed=2), batch_size=16, collate_fn=MLMCollator(TOK, seed=3))
    held_out = MLMCollator(TOK, mlm_probability=0.15, seed=4)(periodic_corpus(32, seed=5))
    mlm = BertMLM(tiny(), lr=5e-3, warmup=0.1)

    def held_out_loss():
        mlm.eval()
        with torch.no_grad():
            loss = masked_lm_metrics(mlm(held_out["input_ids"], held_out["attention_mask"]),
                                     held_out["labels"])["loss"]
        mlm.train()
        return loss

    before = held_out_loss()
    assert abs(before - math.log(V)) < 0.7  # about uniform over the vocabulary at initialisation
    history = History()
    trainer = fit(mlm, train_dataloaders=train, val_dataloaders=val, max_epochs=4, progress=False,
                  callbacks=[history])
    after = held_out_loss()
    assert after < before - 1.0, (before, after)
    frame = history.frame()
    assert {"train_loss", "val_loss", "val_perplexity", "val_masked_accuracy"} <= set(frame.columns)
    assert frame["val_perplexity"].iloc[-1] == pytest.approx(math.exp(frame["val_loss"].iloc[-1]), rel=1e-5)
    assert frame["val_loss"].iloc[-1] < frame["val_loss"].iloc[0]
    # Step-wise schedule sized by the Trainer: 4 epochs x 4 batches = 16 steps, ends at lr 0.
    config = trainer.lr_scheduler_configs[0]
    assert config.interval == "step" and trainer.global_step == 16
    assert config.scheduler.get_last_lr()[0] == pytest.approx(0.0, abs=1e-12)


def test_masked_metrics_count_only_masked_tokens():
    mlm = seeded(0, BertMLM, tiny()).eval()
    ids = random_ids(3, 12, seed=1)
    labels = torch.full_like(ids, -100)
    masked = [(0, 2), (0, 3), (0, 4), (1, 7), (2, 1), (2, 5), (2, 6), (2, 9)]
    inputs = ids.clone()
    for n, t in masked:
        labels[n, t] = ids[n, t]
        inputs[n, t] = MASK_ID
    batch = {"input_ids": inputs, "attention_mask": torch.ones_like(ids), "labels": labels}
    with torch.no_grad():
        logits = mlm(inputs, batch["attention_mask"])
    # By hand, over the 8 masked positions only.
    nll = sum(-torch.log_softmax(logits[n, t], -1)[labels[n, t]].item() for n, t in masked)
    correct = sum(int(logits[n, t].argmax() == labels[n, t]) for n, t in masked)
    m = masked_lm_metrics(logits, labels)
    assert m["n_masked"] == 8
    assert m["loss"] == pytest.approx(nll / 8, rel=1e-5)
    assert m["perplexity"] == pytest.approx(math.exp(nll / 8), rel=1e-5)
    assert m["accuracy"] == pytest.approx(correct / 8)
    everywhere = torch.nn.functional.cross_entropy(logits.view(-1, V), ids.view(-1)).item()
    assert abs(m["loss"] - everywhere) > 1e-4  # a loss over all tokens would not pass
    # The module's validation pools masked tokens over batches (1 + 7 masked tokens here).
    for i, rows in enumerate(([1], [0, 2])):
        mlm.validation_step({k: v[rows] for k, v in batch.items()}, i)
    assert mlm.val_nll.compute().item() == pytest.approx(nll / 8, rel=1e-5)
    assert mlm.val_acc.compute().item() == pytest.approx(correct / 8, abs=1e-6)


def test_scheduler_linear_warmup_then_linear_decay_to_zero():
    for warmup in (4, 0.25):  # 4 steps, or 25% of 16
        mlm = BertMLM(tiny(), lr=1e-3, warmup=warmup, total_steps=16)
        conf = mlm.configure_optimizers()
        opt, sched = conf["optimizer"], conf["lr_scheduler"]["scheduler"]
        assert isinstance(sched, torch.optim.lr_scheduler.LambdaLR) and conf["lr_scheduler"]["interval"] == "step"
        lrs = [sched.get_last_lr()[0]]
        for _ in range(16):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        expected = [1e-3 * i / 4 for i in range(5)] + [1e-3 * (16 - i) / 12 for i in range(5, 17)]
        assert lrs == pytest.approx(expected, abs=1e-12)
        assert lrs[4] == pytest.approx(1e-3) and lrs[-1] == 0.0
    # DNABERT's AdamW: betas (0.9, 0.98), eps 1e-6, no decay on biases and LayerNorm weights.
    groups = opt.param_groups
    assert groups[0]["betas"] == (0.9, 0.98) and groups[0]["eps"] == 1e-6
    assert groups[0]["weight_decay"] == 0.01 and groups[1]["weight_decay"] == 0.0
    names = {id(p): n for n, p in mlm.named_parameters()}
    assert all(names[id(p)].endswith("bias") or "LayerNorm" in names[id(p)] for p in groups[1]["params"])
    assert not any(names[id(p)].endswith("bias") for p in groups[0]["params"])
    with pytest.raises(ValueError, match="fraction"):
        BertMLM(tiny(), warmup=1.5, total_steps=10).configure_optimizers()
    with pytest.raises(RuntimeError, match="total_steps"):
        BertMLM(tiny()).configure_optimizers()


# --------------------------------------------------------------------------- fine-tuning


def test_from_pretrained_mlm_copies_encoder_and_keeps_fresh_head():
    mlm = seeded(1, BertMLM, tiny())
    with torch.no_grad():  # stands for pre-training: the encoder must be copied, not re-drawn
        for p in mlm.encoder.parameters():
            p.add_(0.01 * torch.randn_like(p))
    pre = seeded(0, BertClassifier.from_pretrained_mlm, mlm, num_labels=3)
    rnd = seeded(0, BertClassifier, mlm.config, num_labels=3)
    src = mlm.encoder.state_dict()
    enc = pre.encoder.state_dict()
    assert set(src) == {k for k in enc if not k.startswith("pooler.")}
    for key, value in src.items():
        assert torch.equal(enc[key], value), key
    rnd_enc = rnd.encoder.state_dict()
    assert all(not torch.equal(rnd_enc[k], v) for k, v in src.items() if "LayerNorm" not in k and "bias" not in k)
    # Same seed: the heads (pooler + linear classifier) are identical, newly initialised.
    head = {k: v for k, v in pre.model.state_dict().items() if k.startswith(("classifier.", "bert.pooler."))}
    assert len(head) == 4 and pre.model.classifier.out_features == 3
    for key, value in head.items():
        assert torch.equal(value, rnd.model.state_dict()[key]), key
    # Copies, not shared tensors.
    with torch.no_grad():
        pre.encoder.embeddings.word_embeddings.weight.zero_()
    assert mlm.encoder.embeddings.word_embeddings.weight.abs().sum() > 0
    # The XL classifier takes the same encoder.
    xl = BertXLClassifier.from_pretrained_mlm(mlm, num_labels=2, n_pieces=2)
    assert torch.equal(xl.encoder.embeddings.word_embeddings.weight, mlm.encoder.embeddings.word_embeddings.weight)


def test_classifier_logits_probabilities_and_attentions():
    clf = seeded(0, BertClassifier, tiny(), num_labels=3)
    ids = random_ids(4, 12)
    mask = torch.ones_like(ids)
    ids[3, 8:], mask[3, 8:] = PAD_ID, 0
    batch = {"input_ids": ids, "attention_mask": mask, "labels": torch.tensor([0, 1, 2, 1])}
    probs = clf.eval().predict_step(batch, 0)
    assert probs.shape == (4, 3) and torch.allclose(probs.sum(1), torch.ones(4))
    clf.train()
    loss = clf.training_step(batch, 0)
    loss.backward()
    assert loss.ndim == 0 and clf.model.classifier.weight.grad is not None
    att = clf.attentions(ids, mask)
    assert att.shape == (2, 4, 2, 12, 12)  # (layers, N, heads, T, T)
    assert torch.allclose(att.sum(-1), torch.ones(2, 4, 2, 12), atol=1e-5)
    assert att[:, 3, :, :, 8:].abs().max() < 1e-6  # no attention to padding
    assert clf.training  # mode restored
    fast = seeded(0, BertClassifier, tiny(attn_implementation="sdpa"), num_labels=3)
    assert fast.attentions(ids, mask).shape == (2, 4, 2, 12, 12)
    assert fast.encoder.config._attn_implementation == "sdpa"


# --------------------------------------------------------------------------- DNABERT-XL


def test_split_pieces_shapes_order_and_framing():
    assert n_pieces_for(100, 32) == 4 and n_pieces_for(510) == 1 and n_pieces_for(511) == 2
    assert n_pieces_for(996) == 2 and n_pieces_for(0) == 1  # 1001 bp, k = 6: two pieces
    long = random_ids(1, 102, seed=2)  # [CLS] + 100 k-mers + [SEP]
    short = torch.full((1, 102), PAD_ID)
    short[0, :47] = random_ids(1, 47, seed=3)[0]  # [CLS] + 45 k-mers + [SEP], padded
    ids = torch.cat([long, short])
    mask = (ids != PAD_ID).long()
    out = split_pieces(ids, mask, max_position=32)
    assert out["input_ids"].shape == (2, 4, 32) == out["attention_mask"].shape
    assert out["attention_mask"].sum(-1).tolist() == [[32, 32, 32, 12], [32, 17, 2, 2]]
    pieces = out["input_ids"]
    assert (pieces[:, :, 0] == CLS_ID).all()
    for n, n_kmers in ((0, 100), (1, 45)):
        kmers = [pieces[n, p, 1:m - 1] for p, m in enumerate(out["attention_mask"][n].sum(-1).tolist())]
        assert torch.equal(torch.cat(kmers), ids[n, 1:n_kmers + 1])  # consecutive, in order
        for p, m in enumerate(out["attention_mask"][n].sum(-1).tolist()):
            assert pieces[n, p, m - 1] == SEP_ID and (pieces[n, p, m:] == PAD_ID).all()
    # Unframed rows give the same pieces.
    assert torch.equal(split_pieces(long[:, 1:-1], max_position=32)["input_ids"], pieces[:1])
    # At most 510 k-mers: one piece, the ordinary framed input.
    row = random_ids(2, 512, seed=4)
    one = split_pieces(row)
    assert one["input_ids"].shape == (2, 1, 512) and torch.equal(one["input_ids"][:, 0], row)
    assert one["attention_mask"].all()
    assert split_pieces(ids, mask, max_position=32, n_pieces=5)["input_ids"].shape == (2, 5, 32)
    with pytest.raises(ValueError, match="needs 4 pieces"):
        split_pieces(ids, mask, max_position=32, n_pieces=3)


def test_xl_classifier_concatenates_piece_cls_vectors():
    cfg = tiny(max_position=32)
    xl = seeded(0, BertXLClassifier, cfg, num_labels=2, n_pieces=4).eval()
    ids = random_ids(2, 102, seed=5)  # 100 k-mers: 4 pieces of <= 30
    assert xl.classifier.in_features == 4 * xl.config.hidden_size
    emb = xl.piece_embeddings(ids)
    assert emb.shape == (2, 4, xl.config.hidden_size)
    pieces = split_pieces(ids, max_position=32)
    with torch.no_grad():
        for p in range(4):
            ref = xl.bert(input_ids=pieces["input_ids"][:, p],
                          attention_mask=pieces["attention_mask"][:, p]).last_hidden_state[:, 0]
            assert torch.allclose(emb[:, p], ref, atol=1e-5)
        logits = xl(ids)
        assert torch.allclose(logits, xl.classifier(emb.flatten(1)), atol=1e-5)
    assert logits.shape == (2, 2)
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": torch.tensor([0, 1])}
    assert torch.allclose(xl.predict_step(batch, 0).sum(1), torch.ones(2))
    xl.train()
    xl.training_step(batch, 0).backward()
    assert xl.bert.embeddings.word_embeddings.weight.grad is not None
    with pytest.raises(ValueError, match="n_pieces=4"):
        xl(random_ids(1, 140))  # 138 k-mers need 5 pieces
