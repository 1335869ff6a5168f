"""DNABERT's CNN / CNN+LSTM / CNN+GRU / DeePromoter baselines and the SequenceClassifier wrapper."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from genomebook.models.lightning import SequenceClassifier
from genomebook.models.promoter_cnns import (
    CNNGRU,
    CNNGRUConfig,
    CNNLSTM,
    CNNLSTMConfig,
    DeePromoter,
    DeePromoterConfig,
    PromoterCNN,
    PromoterCNNConfig,
)
from genomebook.train import fit

NETS = {"cnn": PromoterCNN, "cnn_lstm": CNNLSTM, "cnn_gru": CNNGRU, "deepromoter": DeePromoter}

# Small enough that a few CPU steps on 128 x 70 bp take well under a second.
TINY_TRUNK = dict(conv_channels=(16,), conv_widths=(6,), conv_dropout=0.0, hidden=16, dropout=0.0)
TINY = {
    "cnn": lambda n: PromoterCNN(PromoterCNNConfig(**TINY_TRUNK, n_classes=n)),
    "cnn_lstm": lambda n: CNNLSTM(CNNLSTMConfig(**TINY_TRUNK, rnn_hidden=8, n_classes=n)),
    "cnn_gru": lambda n: CNNGRU(CNNGRUConfig(**TINY_TRUNK, rnn_hidden=8, n_classes=n)),
    "deepromoter": lambda n: DeePromoter(DeePromoterConfig(
        conv_widths=(7, 5), n_filters=8, lstm_hidden=8, hidden=16, pooled_length=8, dropout=0.0,
        n_classes=n)),
}



@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread: these nets are tiny, and on a shared 2-core machine more threads
    only contend (a 1 s test becomes 10-30 s)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


MOTIFS = ("TATAAA", "GGGCGG")          # class 1 and class 2 of the toy task
BASES = "ACGT"


def toy_task(n: int = 128, length: int = 70, n_classes: int = 2, seed: int = 0):
    """Random one-hot DNA; class k > 0 has MOTIFS[k-1] planted at a random position, class 0 none."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    y = torch.arange(n) % n_classes
    for i in range(n):
        if y[i] > 0:
            start = int(torch.randint(0, length - 6, (1,), generator=g))
            idx[i, start:start + 6] = torch.tensor([BASES.index(b) for b in MOTIFS[int(y[i]) - 1]])
    x = nn.functional.one_hot(idx, 4).float().transpose(1, 2).contiguous()
    return x, y


@pytest.mark.parametrize("name", list(NETS))
def test_output_shapes_at_all_lengths(name):
    torch.manual_seed(0)
    for n_classes in (1, 3):
        net = NETS[name](n_classes=n_classes).eval()
        for length in (50, 70, 300, 1001):
            with torch.no_grad():
                out = net(torch.zeros(2, 4, length))
            assert out.shape == (2, n_classes), (name, n_classes, length)


def test_configs_and_variants():
    assert DeePromoterConfig().conv_widths == (27, 14, 7)
    x = torch.zeros(2, 4, 120)
    for net in (CNNLSTM(readout="max"), CNNGRU(readout="mean"),
                CNNGRU(bidirectional=False, rnn_layers=2), DeePromoter(concat="length"),
                PromoterCNN(hidden=0, batch_norm=False)):
        assert net.eval()(x).shape == (2, 1)
    with pytest.raises(ValueError, match="readout"):
        CNNLSTM(readout="first")
    with pytest.raises(ValueError, match="concat"):
        DeePromoter(concat="depth")


@pytest.mark.parametrize("name", list(NETS))
@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_few_steps_lower_the_loss_on_a_planted_motif(name, n_classes):
    torch.manual_seed(0)
    x, y = toy_task(n_classes=n_classes)
    net = TINY[name](1 if n_classes == 2 else n_classes)
    module = SequenceClassifier(net, n_classes=n_classes)
    opt = torch.optim.Adam(module.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss, _, _ = module._loss((x, y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], (name, losses[0], losses[-1])


class FixedLogits(nn.Module):
    """A 'net' whose logits are a learnable per-sequence function of the input's first column."""

    def __init__(self, columns: int) -> None:
        super().__init__()
        self.columns = columns
        self.w = nn.Parameter(torch.tensor(1.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.w * (x[:, 0, :].sum(dim=1, keepdim=True) - x[:, 1, :].sum(dim=1, keepdim=True))
        return z if self.columns == 1 else torch.cat([torch.zeros_like(z), z], dim=1)


def test_binary_single_logit_and_two_logits_agree():
    x, y = toy_task(n=32)
    one = SequenceClassifier(FixedLogits(1), n_classes=2)
    two = SequenceClassifier(FixedLogits(2), n_classes=2)
    loss1, _, _ = one._loss((x, y))
    loss2, _, _ = two._loss((x, y))
    torch.testing.assert_close(loss1, loss2)
    p1, p2 = one.predict_proba(x), two.predict_proba(x)
    assert p1.shape == p2.shape == (32, 2)
    torch.testing.assert_close(p1, p2)
    z = FixedLogits(1)(x)
    torch.testing.assert_close(p1[:, 1:], torch.sigmoid(z))      # column 1 = P(positive)


@pytest.mark.parametrize("n_classes,columns", [(2, 1), (2, 2), (3, 3)])
def test_probabilities_sum_to_one(n_classes, columns):
    torch.manual_seed(0)
    x, _ = toy_task(n=16, n_classes=n_classes)
    module = SequenceClassifier(PromoterCNN(n_classes=columns), n_classes=n_classes).eval()
    p = module.predict_step((x, torch.zeros(16)), 0)
    assert p.shape == (16, n_classes)
    assert torch.all((p >= 0) & (p <= 1))
    torch.testing.assert_close(p.sum(dim=1), torch.ones(16))


def test_wrong_output_width_and_n_classes_are_refused():
    x, y = toy_task(n=8, n_classes=3)
    with pytest.raises(ValueError, match="output columns"):
        SequenceClassifier(PromoterCNN(n_classes=1), n_classes=3)._loss((x, y))
    with pytest.raises(ValueError, match="n_classes"):
        SequenceClassifier(PromoterCNN(), n_classes=1)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lightning_fit_logs_val_metrics_and_predicts(n_classes):
    torch.manual_seed(0)
    x, y = toy_task(n=64, n_classes=n_classes)
    train = DataLoader(TensorDataset(x[:48], y[:48]), batch_size=16, shuffle=True)
    val = DataLoader(TensorDataset(x[48:], y[48:]), batch_size=16)
    net = TINY["cnn_gru"](1 if n_classes == 2 else n_classes)
    module = SequenceClassifier(net, n_classes=n_classes, lr=1e-2)
    trainer = fit(module, train_dataloaders=train, val_dataloaders=val, max_epochs=1,
                  progress=False)
    metrics = trainer.callback_metrics
    for key in ("train_loss", "val_loss", "val_accuracy", "val_mcc"):
        assert key in metrics, sorted(metrics)
    assert 0.0 <= float(metrics["val_accuracy"]) <= 1.0
    assert -1.0 <= float(metrics["val_mcc"]) <= 1.0
    probs = torch.cat(trainer.predict(module, val))
    assert probs.shape == (16, n_classes)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(16))
