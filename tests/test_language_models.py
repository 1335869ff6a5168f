"""DNA language models of the Small-transformers chapter: Longformer, Longalbert, ELMo; one loss interface."""

import math

import pytest
import torch

from genomebook.dna_words import sop_collate, sop_sample
from genomebook.models.language import (LANGUAGE_MODELS, ELMoLM, LongalbertConfig, LongalbertLM, LongformerLM,
                                        LongformerLMConfig, all_token_accuracy, build_language_model,
                                        copy_baseline_accuracy, language_model_config, masked_token_accuracy,
                                        parameter_count, size_table)
from genomebook.tokenize import CLS_ID, IGNORE_INDEX, MASK_ID, PAD_ID, SEP_ID

pytestmark = pytest.mark.filterwarnings("ignore:.*padded to be a multiple")

V = 40  # 5 specials + 35 word tokens
TRANSFORMERS = ("Longformer", "Longalbert", "Large Longformer")


@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread: the models are tiny, and on a shared 2-core machine more threads
    only contend (20 steps take 0.3 s instead of 5-30 s)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny(name, **kw):
    kw.setdefault("max_tokens", 32)
    if name != "ELMo":
        kw.setdefault("attention_dropout", 0.0)
        kw.setdefault("hidden_dropout", 0.0)
    else:
        kw.setdefault("dropout", 0.0)
    torch.manual_seed(0)
    return build_language_model(name, "tiny", vocab_size=V, **{k: v for k, v in kw.items()
                                                                 if not (name == "ELMo" and k == "max_tokens")})


def batch(seed=0, n=4, t=20):
    """Right-padded rows [CLS] words [SEP] [PAD]..., 15% of word positions masked 80/10/10."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, V, (n, t), generator=g)
    lengths = torch.tensor([t, t - 3, t - 6, t][:n])
    pos = torch.arange(t)[None]
    ids[:, 0] = CLS_ID
    ids[torch.arange(n), lengths - 1] = SEP_ID
    ids[pos >= lengths[:, None]] = PAD_ID
    mask = (pos < lengths[:, None]).long()
    word = ids >= 5
    masked = word & (torch.rand(ids.shape, generator=g) < 0.15)
    masked[:, 2] = word[:, 2]  # at least one per row
    labels = torch.where(masked, ids, torch.full_like(ids, IGNORE_INDEX))
    inp = ids.clone()
    u = torch.rand(ids.shape, generator=g)
    inp[masked & (u < 0.8)] = MASK_ID
    rnd = masked & (u >= 0.8) & (u < 0.9)
    inp[rnd] = torch.randint(5, V, (int(rnd.sum()),), generator=g)
    return {"input_ids": inp, "attention_mask": mask, "labels": labels}


@pytest.mark.parametrize("name", LANGUAGE_MODELS)
def test_logits_shapes_and_common_outputs(name):
    model = tiny(name)
    b = batch()
    out = model(**b)
    assert set(out) >= {"loss", "mlm_loss", "sop_loss", "logits", "sop_logits"}
    assert out["logits"].shape == (4, 20, V)
    assert out["sop_loss"] is None and out["sop_logits"] is None
    assert torch.isfinite(out["loss"]) and out["loss"] is out["mlm_loss"]
    if name != "ELMo":  # without labels there is nothing to score
        assert model(b["input_ids"], b["attention_mask"])["loss"] is None


@pytest.mark.parametrize("name", LANGUAGE_MODELS)
def test_loss_decreases_on_a_repeated_batch(name):
    model = tiny(name)
    b = batch(seed=1)
    opt = torch.optim.Adam(model.parameters(), lr=3e-2 if name == "ELMo" else 3e-3)  # LSTMs take a larger rate
    losses = []
    for _ in range(20):
        loss = model(**b)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(math.isfinite(x) for x in losses)
    assert losses[-1] < 0.75 * losses[0], losses


def test_elmo_masked_objective_learns_and_scores_masked_positions():
    model = tiny("ELMo", objective="masked")
    b = batch(seed=2)
    out = model(**b)
    sel = b["labels"] != IGNORE_INDEX
    expected = torch.nn.functional.cross_entropy(out["logits"][sel], b["labels"][sel])
    assert torch.allclose(out["mlm_loss"], expected)
    opt = torch.optim.Adam(model.parameters(), lr=3e-2)
    first = out["loss"].item()
    for _ in range(20):
        loss = model(**b)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.75 * first


def test_elmo_directions_never_see_the_token_they_predict_and_ignore_padding():
    model = tiny("ELMo").eval()
    b = batch(seed=3)
    ids, mask = b["labels"].where(b["labels"] != IGNORE_INDEX, b["input_ids"]), b["attention_mask"]
    out = model(ids, mask)
    t = 8
    changed = ids.clone()
    changed[0, t] = 5 if ids[0, t] != 5 else 6
    out2 = model(changed, mask)
    # forward logits at <= t read tokens < t only; backward logits at >= t read tokens > t only
    assert torch.allclose(out["logits"][0, : t + 1], out2["logits"][0, : t + 1], atol=1e-6)
    assert not torch.allclose(out["logits"][0, t + 1], out2["logits"][0, t + 1])
    assert torch.allclose(out["backward_logits"][0, t:], out2["backward_logits"][0, t:], atol=1e-6)
    assert not torch.allclose(out["backward_logits"][0, t - 1], out2["backward_logits"][0, t - 1])
    # more right-padding changes nothing, and an MLM batch is read with its labels restored
    pad = torch.nn.functional.pad
    out3 = model(pad(ids, (0, 5)), pad(mask, (0, 5)))
    assert torch.allclose(out3["mlm_loss"], out["mlm_loss"], atol=1e-6)
    assert torch.allclose(model(**b)["mlm_loss"], out["mlm_loss"], atol=1e-6)
    # targets: word tokens; forward from position 1 on, backward up to the second-to-last real token
    assert int(out["n_predicted"]) == 2 * int((ids >= 5).sum())  # rows run [CLS] ... [SEP]: every word twice
    with pytest.raises(ValueError, match="right-padded"):
        model(ids, mask.flip(1))


def test_longalbert_shares_one_layer_across_depth():
    counts = {n: parameter_count(tiny("Longalbert", num_layers=n)) for n in (1, 2, 6)}
    assert len(set(counts.values())) == 1, counts
    grows = {n: parameter_count(tiny("Longformer", num_layers=n)) for n in (1, 2)}
    assert grows[2] > grows[1]
    model = tiny("Longalbert", num_layers=4, num_groups=2)
    layers = model.longformer.encoder.layer
    assert len(layers) == 4 and len(model.shared_layers) == 2
    assert layers[0] is layers[1] and layers[2] is layers[3] and layers[1] is not layers[2]  # ALBERT's grouping
    assert parameter_count(model) == parameter_count(tiny("Longalbert", num_layers=2, num_groups=2))
    b = batch()
    att = model.encode(b["input_ids"], b["attention_mask"], output_attentions=True).attentions
    assert len(att) == 4  # the shared layers are applied num_layers times
    # depth matters: the same weights applied twice differ from once
    one, two = tiny("Longalbert", num_layers=1).eval(), tiny("Longalbert", num_layers=2).eval()
    missing, unexpected = two.load_state_dict(one.state_dict(), strict=False)
    assert not unexpected and all(".layer.1." in k for k in missing)
    h1 = one.encode(b["input_ids"], b["attention_mask"]).last_hidden_state
    h2 = two.encode(b["input_ids"], b["attention_mask"]).last_hidden_state
    assert not torch.allclose(h1, h2)


def test_longalbert_factorised_embedding_and_tied_head():
    model = tiny("Longalbert")
    c = model.config
    assert c.embedding_size < c.hidden_size
    emb = model.longformer.embeddings
    assert emb.word_embeddings.weight.shape == (V, c.embedding_size)
    assert emb.projection.weight.shape == (c.hidden_size, c.embedding_size)
    assert model.lm_head.decoder.weight is emb.word_embeddings.weight
    lf = tiny("Longformer")
    assert lf.lm_head.decoder.weight is lf.longformer.embeddings.word_embeddings.weight


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_global_attention_on_cls(name):
    model = tiny(name).eval()
    b = batch()
    ids = b["input_ids"]
    assert torch.equal(model.global_attention_mask(ids), (ids == CLS_ID).long())
    out = model.encode(ids, b["attention_mask"], output_attentions=True)
    assert len(out.global_attentions) == model.config.num_layers
    assert all(g.shape[0] == 4 and g.shape[-1] == 1 for g in out.global_attentions)  # one global token: [CLS]
    no_cls = ids.clone()
    no_cls[:, 0] = 5
    assert model.encode(no_cls, b["attention_mask"], output_attentions=True).global_attentions is None


@pytest.mark.parametrize("name", ("Longformer", "Longalbert"))
def test_sop_head_shape_and_loss(name):
    model = tiny(name, sop=True)
    samples = [sop_sample(list(range(5, 35)), seed) for seed in range(4)]
    b = sop_collate(samples)
    labels = torch.full_like(b["input_ids"], IGNORE_INDEX)
    labels[:, 3] = b["input_ids"][:, 3]
    b["input_ids"][:, 3] = MASK_ID
    out = model(labels=labels, **b)
    assert out["sop_logits"].shape == (4, 2)
    assert torch.isfinite(out["sop_loss"]) and 0.3 < out["sop_loss"].item() < 1.5  # near ln 2 untrained
    assert torch.allclose(out["loss"], out["mlm_loss"] + out["sop_loss"])
    only_sop = model(b["input_ids"], b["attention_mask"], b["token_type_ids"],
                     sentence_order_label=b["sentence_order_label"])
    assert only_sop["mlm_loss"] is None and only_sop["loss"] is only_sop["sop_loss"]
    with pytest.raises(ValueError, match="SOP head"):
        tiny(name)(b["input_ids"], b["attention_mask"], sentence_order_label=b["sentence_order_label"])


def test_masked_and_all_token_accuracy_on_a_hand_made_example():
    # true row: [CLS] 7 8 9 10 11 [SEP] [PAD]; positions 2 and 4 masked (8 -> [MASK], 10 -> 12 random)
    inp = torch.tensor([[CLS_ID, 7, MASK_ID, 9, 12, 11, SEP_ID, PAD_ID]])
    labels = torch.tensor([[-100, -100, 8, -100, 10, -100, -100, -100]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1, 1, 0]])
    pred = torch.tensor([[CLS_ID, 7, 8, 9, 12, 5, SEP_ID, 13]])  # right at 2, wrong at 4 (copied), wrong at 5
    logits = torch.nn.functional.one_hot(pred, V).float()
    assert masked_token_accuracy(logits, labels) == 0.5  # 1 of the 2 masked positions
    assert all_token_accuracy(logits, inp, labels, mask) == 5 / 7  # 7 non-pad positions; wrong at 4 and 5
    assert copy_baseline_accuracy(inp, labels, mask) == 5 / 7  # only the two corrupted positions differ
    copy = torch.nn.functional.one_hot(inp, V).float()
    assert masked_token_accuracy(copy, labels) == 0.0  # copying earns nothing on masked positions
    assert all_token_accuracy(copy, inp, labels, mask) == copy_baseline_accuracy(inp, labels, mask)
    # without a mask, [PAD] positions are left out; without labels the inputs are the truth
    assert all_token_accuracy(logits, inp, labels) == 5 / 7
    assert all_token_accuracy(copy, inp) == 1.0
    assert math.isnan(masked_token_accuracy(logits, torch.full_like(labels, -100)))


def test_configs_follow_the_thesis_and_reject_bad_sizes():
    small = language_model_config("Longformer")
    assert (small.num_layers, small.num_heads, small.max_tokens, small.attention_window, small.hidden_size) == \
        (2, 8, 256, 16, 256)
    large = language_model_config("Large Longformer")
    assert (large.num_layers, large.num_heads, large.attention_window, large.hidden_size) == (4, 32, 64, 256)
    la = language_model_config("Longalbert")
    assert isinstance(la, LongalbertConfig) and la.num_groups == 1 and la.intermediate_size == 16384
    assert la.embedding_size < la.hidden_size
    elmo = language_model_config("ELMo")
    assert (elmo.num_layers, elmo.hidden_size) == (2, 256)
    assert isinstance(build_language_model("ELMo", "tiny", vocab_size=V), ELMoLM)
    assert type(tiny("Longformer")) is LongformerLM and isinstance(tiny("Longalbert"), LongalbertLM)
    with pytest.raises(ValueError, match="even"):
        LongformerLMConfig(attention_window=15)
    with pytest.raises(ValueError, match="multiple of num_heads"):
        LongformerLMConfig(hidden_size=100, num_heads=8)
    with pytest.raises(KeyError, match="choose from"):
        language_model_config("BigBird")
    with pytest.raises(TypeError, match="no field"):
        language_model_config("ELMo", attention_window=4)
    with pytest.raises(ValueError, match="exceed the model"):
        tiny("Longformer")(torch.full((1, 40), 7))
    with pytest.raises(ValueError, match="outside the vocabulary"):
        tiny("Longformer")(torch.full((1, 10), V))


def test_size_table_counts_what_is_built():
    table = size_table(vocab_size=V, size="tiny")
    assert list(table["model"]) == list(LANGUAGE_MODELS)
    assert set(table["thesis_parameters"]) == {"not reported"}
    built = {name: parameter_count(build_language_model(name, "tiny", vocab_size=V)) for name in LANGUAGE_MODELS}
    assert dict(zip(table["model"], table["parameters"])) == built
    assert table["thesis_source"].str.contains("4.1.3|B.1").all()


# --------------------------------------------------------------------------- training pieces


@pytest.mark.parametrize("name", ("Longformer", "Longalbert", "ELMo"))
def test_masked_logits_are_the_forward_logits_at_masked_positions(name):
    model = tiny(name, **({"objective": "masked"} if name == "ELMo" else {})).eval()
    b = batch()
    with torch.no_grad():
        full = model(**b)["logits"]
        at, targets, _ = model.masked_logits(b["input_ids"], b["attention_mask"], None, b["labels"])
    sel = b["labels"] != IGNORE_INDEX
    assert at.shape == (int(sel.sum()), V)
    assert torch.allclose(at, full[sel], atol=1e-5)
    assert torch.equal(targets, b["labels"][sel])


@pytest.mark.filterwarnings("ignore:.*self.trainer. reference is not registered")
def test_task_scores_add_up_and_learn():
    """LanguageModelTask: per-row scores agree with the pooled metrics; a few steps lower the loss."""
    from genomebook.models.language import LanguageModelTask

    model = tiny("Longformer")
    task = LanguageModelTask(model, lr=3e-3)
    b = batch()
    task.eval()
    s = task.score(b)
    sel = b["labels"] != IGNORE_INDEX
    assert torch.equal(s["masked"], sel.sum(1))
    with torch.no_grad():
        logits = model(**b)["logits"]
    assert math.isclose(float(s["masked_correct"].sum()) / int(sel.sum()), masked_token_accuracy(logits, b["labels"]))
    assert math.isclose(float(s["all_correct"].sum()) / float(s["tokens"].sum()),
                        all_token_accuracy(logits, b["input_ids"], b["labels"], b["attention_mask"]))
    assert math.isclose(float(s["copy_correct"].sum()) / float(s["tokens"].sum()),
                        copy_baseline_accuracy(b["input_ids"], b["labels"], b["attention_mask"]))
    assert bool((s["sop_correct"] == -1).all())  # no SOP labels in this batch
    # the training path scores the same masked positions (no all-token extras)
    light = task.score(b, all_tokens=False)
    assert set(light) == {"nll", "masked", "masked_correct", "sop_correct"}
    assert torch.allclose(light["nll"], s["nll"], atol=1e-4)
    task.train()
    opt = task.configure_optimizers()
    first = float(task.training_step(b, 0).detach())
    for _ in range(25):
        loss = task.training_step(b, 0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss.detach()) < first


def test_ngram_baseline_by_hand():
    from genomebook.models.language import NGramMaskedLM

    # (l, v, r) counts: (2, 6, 7) twice, (2, 8, 7) once -> between 2 and 7 the model says 6
    m = NGramMaskedLM().fit([[2, 6, 7, 3], [2, 6, 7, 3], [2, 8, 7, 3]])
    ids = torch.tensor([[2, MASK_ID, 7, 3], [9, MASK_ID, 7, 3], [9, MASK_ID, 9, 3], [9, 9, 9, MASK_ID]])
    labels = torch.full_like(ids, IGNORE_INDEX)
    labels[:3, 1] = 6
    labels[3, 3] = 3  # a masked [SEP]: no context seen before it either
    pred = m.predict(ids, labels)
    # row 0: (2, 7) seen -> 6; row 1: left 9 unseen, right 7 seen -> 6 (most frequent before 7);
    # rows 2-3: nothing seen -> the most frequent word token overall, 7 (ties: smallest id)
    assert pred.tolist() == [6, 6, 7, 7]
