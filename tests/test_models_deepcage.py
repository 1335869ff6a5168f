"""Cross-cell-type models (DeepCAGE, ChromDragoNN-like, sequence-only adapters), baselines, CellTypeModel."""

import lightning as L
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from genomebook.models import (
    Basset,
    BassetConfig,
    BIRDLike,
    CellTypeModel,
    ChromDragoNNConfig,
    ChromDragoNNLike,
    DanQ,
    DanQConfig,
    DeepCAGE,
    DeepCAGEConfig,
    DeepSEA,
    DeepSEAConfig,
    DenseNetConfig,
    DenseNetTrunk,
    ResidualCNNConfig,
    SequenceOnly,
    TrainingMean,
)

T, K, B = 6, 5, 3
TINY_DENSE = DenseNetConfig(n_filters=16, growth_rate=8, bottleneck=16, layers_per_block=2)


def one_hot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    return torch.nn.functional.one_hot(idx, 4).float().transpose(1, 2).contiguous()


def inputs(length: int = 200, n: int = B, k: int = K, seed: int = 0):
    g = torch.Generator().manual_seed(seed + 1)
    return one_hot(n, length, seed), torch.rand(n, T, generator=g), torch.rand(k, T, generator=g)


def tiny_deepcage(**flags) -> DeepCAGE:
    torch.manual_seed(0)
    return DeepCAGE(DeepCAGEConfig(trunk=TINY_DENSE, n_tfs=T, hidden=16, **flags))


FLAGS = [dict(), dict(use_expression=False), dict(use_motif_scores=False),
         dict(use_expression=False, use_motif_scores=False)]


@pytest.mark.parametrize("flags", FLAGS, ids=["full", "no_expr", "no_motif", "trunk_only"])
def test_deepcage_variants_shapes_and_per_pair_equivalence(flags):
    net = tiny_deepcage(**flags).eval()
    for length in (200, 1000):
        x, motif, expr = inputs(length)
        with torch.no_grad():
            shared = net(x, motif, expr)
            naive = net.forward_per_pair(x, motif, expr)
        assert shared.shape == naive.shape == (B, K)
        assert torch.allclose(shared, naive, atol=1e-5)


def test_deepcage_paper_defaults_forward_and_first_activations():
    torch.manual_seed(0)
    net = DeepCAGE(DeepCAGEConfig()).eval()
    assert net.config.trunk.n_filters == 160 and net.config.hidden == 512
    x = one_hot(2, 1000)
    with torch.no_grad():
        out = net(x, torch.rand(2, 402), torch.rand(4, 402))
        acts = net.trunk.first_activations(x)
    assert out.shape == (2, 4)
    assert acts.shape == (2, 160, 1000) and acts.min() >= 0
    assert net.trunk.first_conv.kernel_size == (15,) and net.trunk.first_conv.in_channels == 4


def test_trunk_out_features_matches_forward():
    for pool in ("max", "avg", "avgmax"):
        trunk = DenseNetTrunk(DenseNetConfig(**{**TINY_DENSE.__dict__, "global_pool": pool}))
        assert trunk.eval()(one_hot(2, 150)).shape == (2, trunk.out_features)
    with pytest.raises(ValueError, match="global_pool"):
        DenseNetTrunk(global_pool="flat")


def test_cell_type_invariance_without_expression():
    x, motif, expr = inputs()
    with torch.no_grad():
        out = tiny_deepcage(use_expression=False).eval()(x, motif, expr)
    assert torch.allclose(out, out[:, :1].expand_as(out))
    # ... while with expression the cell types differ.
    with torch.no_grad():
        full = tiny_deepcage().eval()(x, motif, expr)
    assert not torch.allclose(full, full[:, :1].expand_as(full))


def test_deepcage_rejects_bad_shapes():
    x, motif, expr = inputs()
    with pytest.raises(ValueError, match="n_tfs"):
        tiny_deepcage()(x, motif[:, :4], expr[:, :4])
    with pytest.raises(ValueError, match=r"\(B, K, T\) with B = "):
        tiny_deepcage()(x, motif, expr[None])
    with pytest.raises(ValueError, match=r"\(K, T\)"):
        tiny_deepcage()(x, motif, expr[None, None])


def test_per_locus_expression_gives_the_same_outputs():
    """(B, K, T) expression (used for per-locus gradients) equals the shared (K, T) one."""
    x, motif, expr = inputs()
    per_locus = expr[None].expand(x.shape[0], -1, -1)
    for net in (tiny_deepcage().eval(), tiny_deepcage(use_motif_scores=False).eval()):
        with torch.no_grad():
            torch.testing.assert_close(net(x, motif, per_locus), net(x, motif, expr))


def test_chromdragonn_like_shapes_and_ignores_motifs():
    torch.manual_seed(0)
    net = ChromDragoNNLike(ChromDragoNNConfig(
        trunk=ResidualCNNConfig(n_filters=8, n_stages=2, blocks_per_stage=1), n_tfs=T,
        expr_embedding=8, hidden=8)).eval()
    x, motif, expr = inputs(200)
    with torch.no_grad():
        out = net(x, motif, expr)
        assert torch.equal(out, net(x, None, expr))
    assert out.shape == (B, K)


SEQ_NETS = {
    "basset": lambda: Basset(BassetConfig(conv_channels=(8, 8, 8), hidden=(16, 16))),
    "deepsea": lambda: DeepSEA(DeepSEAConfig(conv_channels=(8, 8, 8), pooled_length=8, hidden=16)),
    "danq": lambda: DanQ(DanQConfig(n_filters=8, lstm_hidden=4, pooled_length=8, hidden=16)),
}


@pytest.mark.parametrize("name", sorted(SEQ_NETS))
def test_sequence_only_nets(name):
    torch.manual_seed(0)
    net = SequenceOnly(SEQ_NETS[name]()).eval()
    for length in (100, 200, 1000):
        x, motif, expr = inputs(length)
        with torch.no_grad():
            out = net(x, motif, expr)
        assert out.shape == (B, K)
        assert torch.equal(out, out[:, :1].expand_as(out))
    # multi-task net alone, and the adapter refuses it
    multi = type(net.net)(type(net.net.config)(**{**net.net.config.__dict__, "n_outputs": 3}))
    assert multi.eval()(one_hot(2, 300)).shape == (2, 3)
    with pytest.raises(ValueError, match="one output"):
        SequenceOnly(multi)(*inputs())


def test_paper_default_baseline_sizes():
    assert BassetConfig().conv_channels == (300, 200, 200) and BassetConfig().pools == (3, 4, 4)
    assert DeepSEAConfig().conv_channels == (320, 480, 960) and DeepSEAConfig().hidden == 925
    assert DanQConfig().filter_width == 26 and DanQConfig().lstm_hidden == 320


# --------------------------------------------------------------------------- baselines


def test_training_mean_hand_values():
    y = np.array([[1.0, 0.0, 1.0, 0.0],
                  [1.0, 1.0, 1.0, np.nan],
                  [0.0, 0.0, 0.0, 0.0]])
    pred = TrainingMean().fit(y).predict(3)
    expected = np.array([[0.5] * 3, [1.0] * 3, [0.0] * 3])
    np.testing.assert_array_equal(pred, expected)
    with pytest.raises(RuntimeError, match="fit"):
        TrainingMean().predict(2)


def test_bird_like_recovers_exact_linear_relationship():
    rng = np.random.default_rng(0)
    n_tf, n_train, n_loci = 4, 12, 7
    expr_train = rng.normal(size=(n_train, n_tf)) * [1.0, 3.0, 0.5, 2.0] + 5.0
    expr_test = rng.normal(size=(3, n_tf)) + 5.0
    w, a = rng.normal(size=(n_loci, n_tf)), rng.normal(size=n_loci)
    bird = BIRDLike(n_components=10, ridge=1e-12).fit(expr_train, a[:, None] + w @ expr_train.T)
    assert bird.components_.shape == (n_tf, n_tf)           # capped at the rank
    np.testing.assert_allclose(bird.predict(expr_test), a[:, None] + w @ expr_test.T, atol=1e-8)


def test_bird_like_ridge_and_components():
    rng = np.random.default_rng(1)
    expr = rng.normal(size=(10, 6))
    y = rng.normal(size=(5, 10))
    # one component, hand-computed: intercept = locus mean, slope = s / (s^2 + ridge) * u . (y - mean)
    bird = BIRDLike(n_components=1, ridge=2.0).fit(expr, y)
    z = (expr - expr.mean(0)) / expr.std(0)
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    score = z @ vt[0]
    slope = (y - y.mean(1, keepdims=True)) @ u[:, 0] * s[0] / (s[0] ** 2 + 2.0)
    np.testing.assert_allclose(bird.predict(expr), y.mean(1)[:, None] + np.outer(slope, score),
                               atol=1e-10)
    # infinite ridge -> the training mean
    flat = BIRDLike(ridge=1e12).fit(expr, y).predict(expr[:3])
    np.testing.assert_allclose(flat, np.repeat(y.mean(1)[:, None], 3, 1), atol=1e-9)


# --------------------------------------------------------------------------- Lightning wrapper


def toy_batch(seed: int = 0, classification: bool = True) -> dict[str, torch.Tensor]:
    """Accessible when the first TF's motif score times its expression is high."""
    x, motif, expr = inputs(100, n=16, k=4, seed=seed)
    signal = motif[:, None, 0] * expr[None, :, 0]
    y = (signal > signal.median()).float() if classification else signal * 3.0
    return {"x": x, "motif": motif, "expr": expr, "y": y}


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_cell_type_model_learns_toy_problem(task):
    torch.manual_seed(0)
    net = DeepCAGE(DeepCAGEConfig(trunk=DenseNetConfig(n_filters=4, growth_rate=2, bottleneck=4,
                                                       layers_per_block=1, n_blocks=1, dropout=0.0),
                                  n_tfs=T, hidden=16, dropout=0.0))
    model = CellTypeModel(net, task=task, lr=1e-2)
    assert model.hparams.task == task and "net" not in model.hparams
    batch = toy_batch(classification=task == "classification")
    with torch.no_grad():
        first = float(model.eval()._loss(batch)[0])
    model.train()
    trainer = L.Trainer(max_epochs=30, check_val_every_n_epoch=10, logger=False,
                        enable_checkpointing=False, enable_progress_bar=False,
                        enable_model_summary=False, accelerator="cpu")
    loader = DataLoader([batch], batch_size=None)                # one (loci x cells) batch
    trainer.fit(model, train_dataloaders=loader, val_dataloaders=loader)
    metrics = trainer.callback_metrics
    name = "val_auprc" if task == "classification" else "val_pearson"
    assert {"train_loss", "val_loss", name} <= set(metrics)
    with torch.no_grad():
        last = float(model.eval()._loss(batch)[0])
    assert last < 0.7 * first
    assert float(metrics[name]) > (0.85 if task == "classification" else 0.7)


def test_cell_type_model_ignores_nan_targets_and_predicts_probabilities():
    model = CellTypeModel(tiny_deepcage(), task="classification").eval()
    batch = toy_batch()
    y_nan = batch["y"].clone()
    y_nan[0, :] = float("nan")
    y_nan[3, 2] = float("nan")
    with torch.no_grad():
        out = model(batch["x"], batch["motif"], batch["expr"])
        loss_nan = model._loss({**batch, "y": y_nan})[0]
    mask = ~torch.isnan(y_nan)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(out[mask], batch["y"][mask])
    assert torch.isfinite(loss_nan) and torch.allclose(loss_nan, expected, atol=1e-6)
    all_nan = model._loss({**batch, "y": torch.full_like(y_nan, float("nan"))})[0]
    assert float(all_nan.detach()) == 0.0
    # gradients flow only from observed pairs, and none become NaN
    model.train()
    model.zero_grad()
    model._loss({**batch, "y": y_nan})[0].backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)

    probs = model.eval().predict_step(batch, 0)
    assert probs.shape == (16, 4) and probs.min() >= 0 and probs.max() <= 1
    # a collated (B, K, T) expression stack is accepted
    stacked = {**batch, "expr": batch["expr"][None].expand(16, -1, -1)}
    assert torch.allclose(model.predict_step(stacked, 0), probs)
    regression = CellTypeModel(tiny_deepcage(), task="regression").eval()
    assert torch.allclose(regression.predict_step(batch, 0), regression(batch["x"], batch["motif"],
                                                                         batch["expr"]))
    with pytest.raises(ValueError, match="classification, regression"):
        CellTypeModel(tiny_deepcage(), task="ranking")


def test_cell_type_model_validation_metrics():
    for task, name in (("classification", "val_auprc"), ("regression", "val_pearson")):
        model = CellTypeModel(tiny_deepcage(), task=task).eval()
        batch = toy_batch(classification=task == "classification")
        batch["y"][1, 1] = float("nan")
        model.log = lambda *a, **k: None                      # outside a Trainer
        model.validation_step(batch, 0)
        value = model.val_metric.compute()
        assert model.metric_name == name and torch.isfinite(value)
        assert -1.0 <= float(value) <= 1.0


def test_scaled_shrinks_widths_only():
    from genomebook.models import BassetConfig, DeepCAGEConfig
    from genomebook.models.sizes import scaled

    b = scaled(BassetConfig(), 0.1)
    assert b.conv_channels == (30, 20, 20) and b.hidden == (100, 100)
    assert b.conv_widths == (19, 11, 7) and b.pools == (3, 4, 4) and b.n_outputs == 1
    d = scaled(DeepCAGEConfig(n_tfs=30), 0.01)
    assert d.trunk.n_filters == 4 and d.trunk.growth_rate == 4  # floor of 4 channels
    assert d.trunk.filter_width == 15 and d.n_tfs == 30 and d.hidden == 5
    assert scaled(DeepCAGEConfig(), 1.0) == DeepCAGEConfig()
    with pytest.raises(TypeError):
        scaled(BassetConfig, 0.5)
