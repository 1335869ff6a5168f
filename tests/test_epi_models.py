"""SPEID, EPSAT and EPLAE (genomebook.models.epi): shapes, losses, and paper-size parameter counts."""

import pytest
import torch
from torch import nn

from genomebook.models.epi import (EPLAE, EPSAT, SPEID, EPLAEConfig, EPSATConfig, SPEIDConfig, eplae_loss,
                                   parameter_table)

NO_DROPOUT = {
    SPEIDConfig: dict(merge_dropout=0.0, lstm_dropout=0.0, dropout=0.0),
    EPSATConfig: dict(conv_dropout=0.0, lstm_dropout=0.0, attention_dropout=0.0),
    EPLAEConfig: {},
}
NETS = {"SPEID": (SPEID, SPEIDConfig), "EPSAT": (EPSAT, EPSATConfig), "EPLAE": (EPLAE, EPLAEConfig)}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny nets on a shared 2-core machine: one intra-op thread avoids contention."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def small(name):
    net_cls, config_cls = NETS[name]
    torch.manual_seed(0)
    return net_cls(config_cls.small(**NO_DROPOUT[config_cls]))


def toy_pairs(config, n=32, seed=0):
    """Random one-hot pairs; class 1 has TATAAA planted in the enhancer and GGGCGG in the promoter."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2

    def encode(length, motif):
        idx = torch.randint(0, 4, (n, length), generator=g)
        for i in torch.nonzero(y).flatten():
            s = int(torch.randint(0, length - 6, (1,), generator=g))
            idx[i, s:s + 6] = torch.tensor(["ACGT".index(b) for b in motif])
        return nn.functional.one_hot(idx, 4).float().transpose(1, 2).contiguous()

    return encode(config.enhancer_length, "TATAAA"), encode(config.promoter_length, "GGGCGG"), y


@pytest.mark.parametrize("name", ["SPEID", "EPSAT", "EPLAE"])
def test_small_shapes(name):
    net = small(name)
    e, p, _ = toy_pairs(net.config, n=3)
    out = net(e, p)
    logits = out["logits"] if name == "EPLAE" else out
    assert logits.shape == (3, 2)
    if name == "EPLAE":
        assert [t.shape for t in out["reconstruction"]] == [e.shape, p.shape]
        assert out["latent"].shape == (3, net.config.latent)


@pytest.mark.parametrize("n_convs", [3, 4])
def test_eplae_reconstruction_has_the_input_shape_when_lengths_do_not_halve_evenly(n_convs):
    config = EPLAEConfig.small(enhancer_length=301, promoter_length=203, n_convs=n_convs)
    e, p, _ = toy_pairs(config, n=2)
    rec = EPLAE(config)(e, p)["reconstruction"]
    assert rec[0].shape == e.shape and rec[1].shape == p.shape


@pytest.mark.parametrize("name", ["SPEID", "EPSAT", "EPLAE"])
def test_loss_is_finite_and_falls_on_a_separable_toy(name):
    net = small(name)
    e, p, y = toy_pairs(net.config)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(12):
        out = net(e, p)
        loss = (eplae_loss(out, (e, p), y, model=net) if name == "EPLAE"
                else nn.functional.cross_entropy(out, y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert sum(losses[-3:]) / 3 < losses[0], losses


def test_eplae_loss_terms_add_up():
    net = small("EPLAE")
    e, p, y = toy_pairs(net.config, n=4)
    out = net(e, p)
    t = eplae_loss(out, (e, p), y, l2_weight=1e-5, model=net, return_terms=True)
    assert torch.allclose(t["total"], t["mse"] + t["ce"] + 1e-5 * t["l2"])
    assert torch.allclose(t["mse"], nn.functional.mse_loss(torch.cat([out["reconstruction"][0], out[
        "reconstruction"][1]], dim=2), torch.cat([e, p], dim=2)))
    with pytest.raises(ValueError, match="model="):
        eplae_loss(out, (e, p), y)


def test_speid_is_kerass_sigmoid_with_one_lstm_bias():
    net = small("SPEID").eval()
    e, p, _ = toy_pairs(net.config, n=4)
    logits = net(e, p)
    assert torch.equal(logits[:, 0], torch.zeros(4))          # softmax([0, z]) = sigmoid(z)
    frozen = [n for n, q in net.lstm.named_parameters() if not q.requires_grad]
    assert frozen == ["bias_hh_l0", "bias_hh_l0_reverse"]
    assert all(float(q.abs().sum()) == 0 for n, q in net.lstm.named_parameters() if n in frozen)


def test_speid_and_eplae_name_the_lengths_they_were_built_for():
    e, p, _ = toy_pairs(EPSATConfig.small(), n=2)
    for name in ("SPEID", "EPLAE"):
        with pytest.raises(ValueError, match="enhancer_length=250"):
            small(name)(e[:, :, :250], p)
    with pytest.raises(ValueError, match=r"one-hot \(N, 4, L\)"):
        small("EPSAT")(e.transpose(1, 2), p)


def test_epsat_attention_and_batch_independent_readout():
    net = small("EPSAT").eval()
    e, p, _ = toy_pairs(net.config, n=3)
    attn = net.attention(e, p)
    assert attn.shape[:2] == (3, net.config.n_heads)
    assert torch.allclose(attn.sum(-1), torch.ones(attn.shape[:-1]), atol=1e-5)
    assert torch.allclose(net(e, p)[:1], net(e[:1], p[:1]), atol=1e-5)   # per-sample normalisation


def _lstm(inp, hidden, layers, bias_vectors):
    per_dir = [4 * hidden * ((inp if i == 0 else 2 * hidden) + hidden) + bias_vectors * 4 * hidden
               for i in range(layers)]
    return 2 * sum(per_dir)


def test_paper_size_parameter_counts_follow_the_configs():
    table = parameter_table("paper")
    print("\n" + table[["model", "counted", "parameters"]].to_string(index=False))
    got = {(m, c): n for m, c, n in zip(table.model, table.counted, table.parameters)}

    c = EPSATConfig.paper()
    width = c.n_heads * c.head_size
    epsat = (2 * (4 * c.filter_width * c.n_filters + 2 * c.n_filters)
             + _lstm(c.n_filters, c.lstm_hidden, c.lstm_layers, 2)
             + 3 * (2 * c.lstm_hidden * width + width) + width * c.attention_out + c.attention_out
             + 2 * c.attention_out + 2)
    assert got[("EPSAT", "all parameters")] == epsat

    s = SPEIDConfig.paper()
    steps = (s.enhancer_length - s.filter_width + 1) // s.pool + (s.promoter_length - s.filter_width + 1) // s.pool
    bn = [s.n_filters, 2 * s.lstm_hidden, s.hidden, 1]
    speid = (2 * (4 * s.filter_width * s.n_filters + s.n_filters) + _lstm(s.n_filters, s.lstm_hidden, 1, 1)
             + steps * 2 * s.lstm_hidden * s.hidden + s.hidden + s.hidden + 1 + 2 * sum(bn))
    assert got[("SPEID", "trainable (Keras)")] == speid
    assert got[("SPEID", "trainable + batch-norm moving statistics (Keras total)")] == speid + 2 * sum(bn)

    a = EPLAEConfig.paper()
    flat = sum(L // 2 ** a.n_convs for L in (a.enhancer_length, a.promoter_length)) * a.n_filters
    convs = 4 * a.filter_width * a.n_filters + a.n_filters \
        + (a.n_convs - 1) * (a.n_filters * a.filter_width * a.n_filters + a.n_filters)
    encoder = 2 * convs + flat * a.hidden + a.hidden + a.hidden * a.latent + a.latent
    assert got[("EPLAE", "encoder")] == encoder
    assert got[("EPLAE", "logistic layer")] == 2 * a.latent + 2
