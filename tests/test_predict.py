"""The one batched inference function: outputs, batching, modes and devices."""

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from genomebook.predict import model_device, predict


class TwoInputs(torch.nn.Module):
    """Adds its inputs and a bias; dropout makes eval mode visible (it must be off)."""

    def __init__(self):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.tensor(1.0))
        self.drop = torch.nn.Dropout(0.9)

    def forward(self, a, b=None):
        out = a + self.bias if b is None else a + b + self.bias
        return self.drop(out)


def test_predict_batches_give_the_same_outputs_in_eval_mode_and_restore_the_mode():
    net = TwoInputs().train()
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    for bs in (1, 2, 5, 64):
        out = predict(net, x, batch_size=bs)
        assert np.array_equal(out, x + 1)  # no dropout: eval mode during prediction
    assert net.training  # restored
    net.eval()
    predict(net, x)
    assert not net.training


def test_predict_takes_tuples_dicts_datasets_and_a_batch_builder():
    net = TwoInputs()
    a = torch.ones(7, 3)
    b = torch.full((7, 3), 2.0)
    assert np.array_equal(predict(net, (a, b), batch_size=3), np.full((7, 3), 4.0))
    assert np.array_equal(predict(net, {"a": a, "b": b}, batch_size=4), np.full((7, 3), 4.0))
    assert np.array_equal(predict(net, TensorDataset(a, b), batch_size=2), np.full((7, 3), 4.0))
    words = ["A", "CC", "GGG"]
    out = predict(net, words, batch_size=2, batch_fn=lambda ws: torch.tensor([[float(len(w))] for w in ws]))
    assert out.ravel().tolist() == [2.0, 3.0, 4.0]
    assert np.allclose(predict(net, a, transform=torch.sigmoid), 1 / (1 + np.exp(-2.0)))


def test_predict_runs_where_the_model_lives_and_refuses_bad_arguments():
    net = TwoInputs()
    assert model_device(net) == torch.device("cpu") and model_device(len) == torch.device("cpu")
    assert predict(net, np.zeros((0, 2), np.float32)).shape == (0,)
    with pytest.raises(ValueError, match="batch_size"):
        predict(net, np.ones((2, 2), np.float32), batch_size=0)
    with pytest.raises(TypeError, match="callable"):
        predict(3, np.ones((2, 2)))


def test_a_bound_method_runs_on_its_module_in_eval_mode_and_restores_it():
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = torch.nn.Dropout(0.99)
            self.lin = torch.nn.Linear(3, 2)

        def scores(self, x):
            assert not self.training  # predict put the module, not just the method, in eval mode
            return self.lin(self.drop(x))

    net = Net().train()
    out = predict(net.scores, np.ones((4, 3), np.float32), batch_size=3)
    assert out.shape == (4, 2) and net.training
    assert model_device(net.scores) == torch.device("cpu")
