"""Device-resident accessibility batches (DeviceLoci) give the DataLoader path's batches, on CPU."""

import numpy as np
import pandas as pd
import pytest
import torch

from genomebook import train
from genomebook.models import CellTypeModel, cross_cell_model
from genomebook.datasets.accessibility import AccessibilityData, AccessibilityDataModule, DeviceArrays, DeviceLoci
from genomebook.workflows.deepcage import predict_matrix


def _data(n_loci=150, n_cells=9, seq_len=30, n_tfs=5, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 5, size=(n_loci, seq_len)).astype(np.uint8)
    labels = (rng.random((n_loci, n_cells)) < 0.3).astype(np.int8)
    return AccessibilityData(
        codes=codes, motif_scores=rng.random((n_loci, n_tfs), dtype=np.float32),
        expression=rng.random((n_cells, n_tfs), dtype=np.float32), labels=labels,
        signal=rng.random((n_loci, n_cells), dtype=np.float32),
        loci=pd.DataFrame({"chrom": "chr1", "start": np.arange(n_loci) * 200, "end": np.arange(n_loci) * 200 + 200}),
        tfs=[f"tf{i}" for i in range(n_tfs)], cell_types=[f"c{i}" for i in range(n_cells)])


def _same(a, b):
    a, b = list(a), list(b)
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        assert set(x) == set(y) == {"x", "motif", "expr", "y"}
        for k in x:
            assert x[k].dtype == y[k].dtype and x[k].shape == y[k].shape, k
            assert torch.equal(x[k], y[k]), k


@pytest.mark.parametrize("target", ["labels", "signal"])
def test_device_loci_equal_dataloader_over_epochs(tmp_path, target):
    data = AccessibilityData.load(_data().save(tmp_path / "d"))  # memory-mapped, as the chapters read it
    dm = AccessibilityDataModule(data, np.arange(7), np.array([7, 8]), target=target, n_val_cells=2,
                                 known_min_positive=1, batch_size=16, seed=3)
    assert dm.on_device() is None  # default on CPU: DataLoaders
    loader = dm.loader(dm.train_idx, dm.fit_cells, shuffle=True)
    device = dm.device_loader(dm.train_idx, dm.fit_cells, shuffle=True, device="cpu")
    assert len(loader) == len(device)
    for _ in range(3):  # each epoch reshuffles; the orders must stay in step
        _same(loader, device)
    _same(dm.loader(dm.val_idx, dm.val_cells), dm.device_loader(dm.val_idx, dm.val_cells, device="cpu"))
    _same(dm.test_novel_dataloader() if len(dm.novel_idx) else dm.test_known_dataloader(),
          dm.device_loader(dm.novel_idx if len(dm.novel_idx) else dm.known_idx, dm.test_cells, device="cpu"))


def test_forced_device_batches_train_like_dataloaders():
    data = _data(n_loci=120, seq_len=40)
    def run(device_batches):
        dm = AccessibilityDataModule(data, np.arange(7), np.array([7, 8]), n_val_cells=2, known_min_positive=1,
                                     batch_size=32, seed=0, device_batches=device_batches)
        train.seed_everything(0)
        module = CellTypeModel(cross_cell_model("DeepCAGE", n_tfs=5, width=0.25, layers_per_block=1))
        train.fit(module, datamodule=dm, max_epochs=2, progress=False)
        served = type(dm.train_dataloader()).__name__
        return served, [p.detach().clone() for p in module.parameters()]

    (kind_a, a), (kind_b, b) = run(False), run(True)
    assert (kind_a, kind_b) == ("DataLoader", "DeviceLoci")
    assert all(torch.equal(x, y) for x, y in zip(a, b))


def test_device_arrays_check_codes_once():
    bad = _data()
    bad.codes[0, 0] = 7
    with pytest.raises(ValueError, match="A0 C1 G2 T3 N4"):
        DeviceArrays(bad, "cpu")
    arrays = DeviceArrays(_data(), "cpu", targets=("labels",))
    with pytest.raises(ValueError, match="not copied"):
        DeviceLoci(arrays, np.arange(3), np.arange(2), "signal")


def test_predict_matrix_device_batches_give_the_same_numbers():
    data = _data(n_loci=70, seq_len=40)
    torch.manual_seed(0)
    module = CellTypeModel(cross_cell_model("DeepCAGE", n_tfs=5, width=0.25, layers_per_block=1))
    loci, cells = np.array([5, 1, 60, 1, 33]), np.array([8, 2, 4])
    a = predict_matrix(module, data, loci, cells, batch_size=2)
    b = predict_matrix(module, data, loci, cells, batch_size=2, device_batches=True,
                       arrays=DeviceArrays(data, "cpu", targets=("labels",)))
    c = predict_matrix(module, data, loci, cells, batch_size=2, device_batches=True)
    assert a.shape == (5, 3) and np.array_equal(a, b) and np.array_equal(a, c)
