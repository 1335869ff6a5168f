"""Cross-validation plumbing of DeepCAGE: folds, known/novel loci, streaming loaders."""

import pickle

import lightning as L
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from genomebook.datasets.accessibility import (
    AccessibilityData,
    AccessibilityDataModule,
    LocusDataset,
    cell_type_folds,
    known_novel_loci,
    one_hot_codes,
)
from genomebook.workflows.deepcage import predict_matrix


def tiny_data(n_loci: int = 40, n_cells: int = 10, n_tfs: int = 3, seq_len: int = 12,
              seed: int = 0) -> AccessibilityData:
    """A hand-made AccessibilityData with random arrays (fixed seed)."""
    rng = np.random.default_rng(seed)
    return AccessibilityData(
        codes=rng.integers(0, 5, size=(n_loci, seq_len), dtype=np.uint8),
        motif_scores=rng.normal(size=(n_loci, n_tfs)).astype(np.float32),
        expression=rng.normal(size=(n_cells, n_tfs)).astype(np.float32),
        labels=(rng.random((n_loci, n_cells)) < 0.4).astype(np.int8),
        signal=rng.random((n_loci, n_cells)).astype(np.float32),
        loci=pd.DataFrame({"chrom": ["chr1"] * n_loci, "start": np.arange(n_loci) * 200,
                           "end": np.arange(n_loci) * 200 + 200}),
        tfs=[f"TF{i}" for i in range(n_tfs)],
        cell_types=[f"cell{i}" for i in range(n_cells)],
    )


# --------------------------------------------------------------------------- folds


def test_folds_partition_and_sizes():
    folds = cell_type_folds(55, 5, seed=3)
    assert len(folds) == 5
    tests = np.concatenate([te for _, te in folds])
    assert np.array_equal(np.sort(tests), np.arange(55))  # a partition
    for train, test in folds:
        assert len(test) == 11 and len(train) == 44
        assert np.array_equal(test, np.sort(test)) and np.array_equal(train, np.sort(train))
        assert np.intersect1d(train, test).size == 0
        assert np.array_equal(np.union1d(train, test), np.arange(55))
    sizes = [len(te) for _, te in cell_type_folds(12, 5)]
    assert sorted(sizes) == [2, 2, 2, 3, 3]


def test_folds_deterministic_by_seed():
    a, b, c = cell_type_folds(55, 5, 1), cell_type_folds(55, 5, 1), cell_type_folds(55, 5, 2)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c))
    # shuffled: the first fold is not simply 0..10
    assert not np.array_equal(a[0][1], np.arange(11))


def test_folds_bad_arguments():
    with pytest.raises(ValueError, match="n_folds"):
        cell_type_folds(3, 5)
    with pytest.raises(ValueError, match="at least 2"):
        cell_type_folds(10, 1)


# --------------------------------------------------------------------------- known / novel

LABELS = np.array([[1, 1, 0, 0, 0],   # known (2 training positives)
                   [1, 0, 0, 1, 1],   # novel (1 train, 2 test)
                   [1, 1, 1, 1, 1],   # known, so not novel
                   [0, 0, 0, 1, 0],   # neither
                   [0, 0, 1, 1, 1],   # novel
                   [0, 0, 0, 0, 0]],  # neither
                  dtype=np.int8)


def test_known_novel_hand_made():
    known, novel = known_novel_loci(LABELS, [0, 1, 2], [3, 4], min_positive=2)
    assert known.tolist() == [True, False, True, False, False, False]
    assert novel.tolist() == [False, True, False, False, True, False]
    known1, novel1 = known_novel_loci(LABELS, [0, 1, 2], [3, 4], min_positive=1)
    assert known1.tolist() == [True, True, True, False, True, False]
    assert novel1.tolist() == [False, False, False, True, False, False]
    # cell order does not matter; training on the last columns swaps the roles
    known2, novel2 = known_novel_loci(LABELS, [4, 3], [2, 1, 0], min_positive=2)
    assert known2.tolist() == [False, True, True, False, True, False]
    assert novel2.tolist() == [True, False, False, False, False, False]


def test_known_novel_chunks_and_memmap(tmp_path, monkeypatch):
    labels = tiny_data(n_loci=37).labels
    want = known_novel_loci(labels, [0, 1, 2, 3, 4, 5], [6, 7, 8, 9])
    np.save(tmp_path / "labels.npy", labels)
    mm = np.load(tmp_path / "labels.npy", mmap_mode="r")
    monkeypatch.setattr("genomebook.datasets.accessibility._CHUNK_ROWS", 5)  # chunks that do not divide 37
    got = known_novel_loci(mm, [0, 1, 2, 3, 4, 5], [6, 7, 8, 9])
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])
    assert not (got[0] & got[1]).any()


def test_known_novel_bad_arguments():
    with pytest.raises(ValueError, match="share cell types"):
        known_novel_loci(LABELS, [0, 1, 2], [2, 3])
    with pytest.raises(ValueError, match="train_cells has indices"):
        known_novel_loci(LABELS, [0, 9], [3])


# --------------------------------------------------------------------------- one-hot


def test_one_hot_codes_exact():
    codes = np.array([[0, 1, 2, 3, 4], [4, 3, 3, 0, 1]], dtype=np.uint8)
    x = one_hot_codes(codes)
    assert x.dtype == torch.float32 and tuple(x.shape) == (2, 4, 5)
    expected0 = [[1, 0, 0, 0, 0],
                 [0, 1, 0, 0, 0],
                 [0, 0, 1, 0, 0],
                 [0, 0, 0, 1, 0]]
    expected1 = [[0, 0, 0, 1, 0],
                 [0, 0, 0, 0, 1],
                 [0, 0, 0, 0, 0],
                 [0, 1, 1, 0, 0]]
    assert x[0].tolist() == expected0 and x[1].tolist() == expected1
    assert torch.equal(one_hot_codes(torch.from_numpy(codes)), x)
    with pytest.raises(ValueError, match=r"\(B, L\)"):
        one_hot_codes(codes[0])
    with pytest.raises(ValueError, match="valid codes"):
        one_hot_codes(np.array([[0, 7]], dtype=np.uint8))


# --------------------------------------------------------------------------- dataset


def test_dataset_item_and_collate_contents():
    data = tiny_data()
    loci, cells = np.array([7, 2, 30, 2]), np.array([5, 1, 8])
    ds = LocusDataset(data, loci, cells, target="signal")
    assert len(ds) == 4
    codes, motif, y = ds[2]
    assert np.array_equal(codes, data.codes[30])
    assert np.array_equal(motif, data.motif_scores[30])
    assert np.array_equal(y, data.signal[30, [5, 1, 8]])

    batch = ds.collate(ds.__getitems__([0, 1, 2, 3]))
    assert set(batch) == {"x", "motif", "expr", "y"}
    assert tuple(batch["x"].shape) == (4, 4, 12) and batch["x"].dtype == torch.float32
    assert torch.equal(batch["x"], one_hot_codes(data.codes[loci]))
    assert np.array_equal(batch["motif"].numpy(), data.motif_scores[loci])
    assert np.array_equal(batch["expr"].numpy(), data.expression[[5, 1, 8]])
    assert batch["y"].dtype == torch.float32
    assert np.array_equal(batch["y"].numpy(), data.signal[loci][:, [5, 1, 8]])

    # the per-item path (list of tuples) gives the same batch, in the items' order
    slow = ds.collate([ds[i] for i in [3, 0]])
    fast = ds.collate(ds.__getitems__([3, 0]))
    for k in slow:
        assert torch.equal(slow[k], fast[k])
    labels = LocusDataset(data, loci, cells).collate(ds.__getitems__([0]))
    assert labels["y"].shape == (1, 3)
    assert np.array_equal(LocusDataset(data, loci, cells)[0][2], data.labels[7, [5, 1, 8]])


def test_dataset_in_a_dataloader_keeps_order():
    data = tiny_data()
    loci = np.arange(39, -1, -1)
    ds = LocusDataset(data, loci, [0, 9])
    batches = list(torch.utils.data.DataLoader(ds, batch_size=7, collate_fn=ds.collate))
    assert [len(b["y"]) for b in batches] == [7, 7, 7, 7, 7, 5]
    y = torch.cat([b["y"] for b in batches]).numpy()
    assert np.array_equal(y, data.labels[loci][:, [0, 9]].astype(np.float32))


def test_dataset_bad_arguments():
    data = tiny_data()
    with pytest.raises(ValueError, match="target"):
        LocusDataset(data, [0], [0], target="peaks")
    with pytest.raises(ValueError, match="loci has indices"):
        LocusDataset(data, [0, 40], [0])
    with pytest.raises(ValueError, match="cells is empty"):
        LocusDataset(data, [0], [])


# --------------------------------------------------------------------------- datamodule


def test_datamodule_splits():
    data = tiny_data()
    train, test = cell_type_folds(data.n_cells, 5, seed=0)[1]
    dm = AccessibilityDataModule(data, train, test, n_val_cells=2, batch_size=8, seed=4)
    assert set(dm.val_cells) <= set(train) and len(dm.val_cells) == 2
    assert np.intersect1d(dm.val_cells, dm.fit_cells).size == 0
    assert np.array_equal(np.union1d(dm.val_cells, dm.fit_cells), train)
    assert np.array_equal(dm.test_cells, test)
    known, novel = known_novel_loci(data.labels, train, test)
    assert np.array_equal(dm.known, known) and np.array_equal(dm.novel, novel)
    assert np.array_equal(dm.known_idx, np.flatnonzero(known))
    assert np.array_equal(dm.novel_idx, np.flatnonzero(novel))

    seen = np.concatenate([b["y"].numpy() for b in dm.train_dataloader()])
    assert seen.shape == (len(dm.known_idx), len(dm.fit_cells))
    b = next(iter(dm.train_dataloader()))
    assert np.array_equal(b["expr"].numpy(), data.expression[dm.fit_cells])
    v = next(iter(dm.val_dataloader()))
    assert np.array_equal(v["expr"].numpy(), data.expression[dm.val_cells])
    known_loader, novel_loader = dm.test_dataloader()
    yk = torch.cat([b["y"] for b in known_loader]).numpy()
    assert np.array_equal(yk, data.labels[dm.known_idx][:, test].astype(np.float32))
    for b in novel_loader:
        assert np.array_equal(b["expr"].numpy(), data.expression[test])
        assert b["y"].shape[1] == len(test)

    # fraction of validation cells; the same seed gives the same split and shuffles
    assert len(AccessibilityDataModule(data, train, test, n_val_cells=0.25).val_cells) == 2
    dm2 = AccessibilityDataModule(data, train, test, n_val_cells=2, batch_size=8, seed=4)
    assert np.array_equal(dm2.val_cells, dm.val_cells)
    first = [b["motif"] for b in dm.train_dataloader()]
    again = [b["motif"] for b in dm2.train_dataloader()]
    assert all(torch.equal(a, b) for a, b in zip(first, again))
    loader = dm.train_dataloader()
    e1, e2 = (torch.cat([b["motif"] for b in loader]) for _ in range(2))
    assert not torch.equal(e1, e2)  # reshuffled each epoch
    assert torch.allclose(e1.sum(0), e2.sum(0))  # the same loci, another order


def test_datamodule_subsamples_and_errors():
    data = tiny_data()
    train, test = cell_type_folds(data.n_cells, 5)[0]
    dm = AccessibilityDataModule(data, train, test, max_train_loci=5, max_val_loci=3, seed=1)
    assert len(dm.train_idx) == 5 and len(dm.val_idx) == 3
    assert set(dm.train_idx) <= set(dm.known_idx) and set(dm.val_idx) <= set(dm.known_idx)
    assert AccessibilityDataModule(data, train, test, n_val_cells=0).val_dataloader() == []
    with pytest.raises(ValueError, match="at least one to fit"):
        AccessibilityDataModule(data, train, test, n_val_cells=len(train))
    with pytest.raises(ValueError, match="no known loci"):
        AccessibilityDataModule(data, train, test, known_min_positive=99)


def test_memmap_round_trip(tmp_path):
    data = tiny_data(n_loci=50)
    data.save(tmp_path / "world")
    mm = AccessibilityData.load(tmp_path / "world", mmap=True)
    for name in ("codes", "motif_scores", "expression", "labels", "signal"):
        assert isinstance(getattr(mm, name), np.memmap), name
    train, test = cell_type_folds(mm.n_cells, 5)[2]
    dm = AccessibilityDataModule(mm, train, test, batch_size=16)
    ds = dm.train_dataloader().dataset
    assert isinstance(ds.codes, np.memmap) and isinstance(ds.values, np.memmap)
    n = 0
    for loader in [dm.train_dataloader(), dm.val_dataloader(), *dm.test_dataloader()]:
        for b in loader:
            n += len(b["y"])
            assert b["x"].shape[1:] == (4, mm.seq_len)
    assert n == 2 * len(dm.known_idx) + len(dm.val_idx) + len(dm.novel_idx)
    # the same batches as from the in-RAM arrays
    ram = AccessibilityDataModule(data, train, test, batch_size=16)
    for a, b in zip(dm.test_known_dataloader(), ram.test_known_dataloader()):
        assert all(torch.equal(a[k], b[k]) for k in a)
    # pickling (DataLoader workers) keeps the file mapping instead of copying the arrays
    blob = pickle.dumps(ds)
    back = pickle.loads(blob)
    assert isinstance(back.codes, np.memmap) and isinstance(back.motif_scores, np.memmap)
    assert len(blob) < mm.codes.nbytes + mm.signal.nbytes
    assert np.array_equal(back.collate(back.__getitems__([0, 3]))["y"].numpy(),
                          ds.collate(ds.__getitems__([0, 3]))["y"].numpy())


# --------------------------------------------------------------------------- prediction


def toy_fn(x, motif, expr):
    """(B, K) = motif.sum(1)[:, None] + expr.sum(1)[None, :]."""
    return motif.sum(1)[:, None] + expr.sum(1)[None, :]


class ToyModule(nn.Module):
    """Adds the number of A bases, so the sequence input is checked too."""

    def __init__(self, task=None):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        if task is not None:
            self.hparams = {"task": task}

    def forward(self, x, motif, expr):
        return self.scale * (toy_fn(x, motif, expr) + x[:, 0].sum(1)[:, None])


def test_predict_matrix_exact_values_and_order():
    data = tiny_data()
    loci, cells = np.array([33, 4, 17, 0, 25, 4, 39]), np.array([9, 2, 5])
    want = (data.motif_scores[loci].sum(1)[:, None]
            + data.expression[cells].sum(1)[None, :])
    got = predict_matrix(toy_fn, data, loci, cells, batch_size=3)
    assert got.shape == (7, 3) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)

    n_a = (data.codes[loci] == 0).sum(1)[:, None]
    model = ToyModule().train()
    raw = predict_matrix(model, data, loci, cells, batch_size=2)
    np.testing.assert_allclose(raw, want + n_a, rtol=1e-6, atol=1e-5)
    assert model.training  # mode restored
    clf = predict_matrix(ToyModule("classification"), data, loci, cells)
    np.testing.assert_allclose(clf, 1 / (1 + np.exp(-(want + n_a))), rtol=1e-5, atol=1e-6)
    reg = predict_matrix(ToyModule("regression"), data, loci, cells)
    np.testing.assert_allclose(reg, want + n_a, rtol=1e-6, atol=1e-5)
    forced = predict_matrix(toy_fn, data, loci, cells, probabilities=True)
    np.testing.assert_allclose(forced, 1 / (1 + np.exp(-want)), rtol=1e-5, atol=1e-6)
    none = predict_matrix(model, data, np.zeros(0, dtype=int), cells)
    assert none.shape == (0, 3) and none.dtype == np.float32


def test_predict_matrix_bad_model():
    data = tiny_data()
    with pytest.raises(ValueError, match=r"\(B, K\)"):
        predict_matrix(lambda x, m, e: m, data, [0, 1], [0, 1])
    with pytest.raises(ValueError, match="task"):
        predict_matrix(ToyModule("ranking"), data, [0], [0])


def test_datamodule_drives_a_lightning_trainer():
    assert isinstance(AccessibilityDataModule(tiny_data(), *cell_type_folds(10, 5)[0], known_min_positive=1),
                      L.LightningDataModule)

    class Toy(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.w = nn.Linear(3, 1)
            self.k = []

        def forward(self, x, motif, expr):
            return self.w(motif) + expr.sum(1)[None, :]

        def training_step(self, batch, i):
            logits = self(batch["x"], batch["motif"], batch["expr"])
            return nn.functional.binary_cross_entropy_with_logits(logits, batch["y"])

        def validation_step(self, batch, i):
            self.k.append(("val", batch["y"].shape[1]))

        def test_step(self, batch, i, dataloader_idx=0):
            self.k.append((f"test{dataloader_idx}", batch["y"].shape[1]))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = tiny_data(n_loci=60)
    train, test = cell_type_folds(data.n_cells, 5)[0]
    dm = AccessibilityDataModule(data, train, test, n_val_cells=3, known_min_positive=1,
                                 batch_size=16)
    assert len(dm.novel_idx) > 0  # both test loaders have batches
    model = Toy()
    trainer = L.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False,
                        num_sanity_val_steps=0)
    trainer.fit(model, datamodule=dm)
    trainer.test(model, datamodule=dm, verbose=False)
    assert {k for k in model.k} == {("val", 3), ("test0", 2), ("test1", 2)}
