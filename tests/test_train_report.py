"""train (profiles, seeding, trainer) and report (results store, claims) on tiny inputs."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from genomebook import report, train
from genomebook.models import MotifCNN, SequenceModel


def test_profile_sizes_and_overrides():
    smoke = train.profile("motifs", "smoke")
    book = train.profile("motifs", "book")
    assert smoke["n_sequences"] < book["n_sequences"] < train.profile("motifs", "paper")["n_sequences"]
    assert train.profile("motifs", "smoke", epochs=7)["epochs"] == 7
    assert train.profile("motifs", "smoke", epochs=None)["epochs"] == smoke["epochs"]


def test_profile_errors_name_the_fix():
    with pytest.raises(ValueError, match="smoke, book, paper"):
        train.profile("motifs", "huge")
    with pytest.raises(KeyError, match="known chapters: .*motifs"):
        train.profile("nope", "book")
    with pytest.raises(KeyError, match="sizes are"):
        train.profile("motifs", "book", n_layers=3)


def test_every_profile_has_the_same_keys():
    table = train._profile_table()
    for chapter, profiles in table.items():
        assert set(profiles) == set(train.PROFILES), chapter
        keys = {p: set(v) for p, v in profiles.items()}
        assert len({frozenset(k) for k in keys.values()}) == 1, f"{chapter}: {keys}"


def test_seed_everything_repeats_draws():
    train.seed_everything(5)
    a = (np.random.rand(3), torch.rand(3))
    train.seed_everything(5)
    b = (np.random.rand(3), torch.rand(3))
    assert np.array_equal(a[0], b[0]) and torch.equal(a[1], b[1])


def _fit_tiny(seed):
    train.seed_everything(seed)
    g = torch.Generator().manual_seed(0)
    x = torch.zeros(64, 4, 20)
    x[:, 0] = 1  # all A
    y = torch.arange(64) % 2
    x[y == 1, :, 8:11] = 0
    x[y == 1, 2, 8:11] = 1  # GGG in positives
    dl = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=g)
    val = DataLoader(TensorDataset(x, y), batch_size=16)
    model = SequenceModel(MotifCNN(n_filters=4, filter_width=5, hidden=4), lr=0.05)
    hist = train.History()
    trainer = train.fit(model, train_dataloaders=dl, val_dataloaders=val, max_epochs=15,
                        patience=None, progress=False, callbacks=[hist])
    with torch.no_grad():
        p = torch.sigmoid(model(x))
    return p, hist.frame(), trainer


def test_trainer_learns_and_is_deterministic():
    p1, curves, trainer = _fit_tiny(0)
    p2, _, _ = _fit_tiny(0)
    assert torch.equal(p1, p2)
    assert list(curves["epoch"]) == list(range(15))
    assert {"train_loss", "val_loss", "val_auroc"} <= set(curves.columns)
    assert curves[["train_loss", "val_loss"]].notna().all().all()  # both losses of every epoch
    assert curves["val_auroc"].iloc[-1] == 1.0
    assert trainer.accelerator.__class__.__name__ == "CPUAccelerator"


def test_results_store_writes_atomically(tmp_path):
    store = report.ResultsStore("demo", "smoke", 3, root=tmp_path)
    df = pd.DataFrame({"a": [1, 2], "b": [0.5, 1 / 3]})
    path = store.table("t", df)
    assert path == tmp_path / "demo" / "smoke" / "seed3" / "tables" / "t.csv"
    assert path.read_text() == "a,b\n1,0.5\n2,0.333333\n"
    assert [p.name for p in path.parent.iterdir()] == ["t.csv"]  # no temp file left

    class Broken(pd.DataFrame):
        def to_csv(self, *a, **k):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.table("t", Broken({"a": [9]}))
    assert path.read_text() == "a,b\n1,0.5\n2,0.333333\n"  # the good table survived
    assert sorted(p.name for p in path.parent.iterdir()) == ["t.csv"]
    store.record(data_source="simulated")
    store.record(seconds=1.5)
    meta = json.loads((store.dir / "run.json").read_text())
    assert meta == {"data_source": "simulated", "chapter": "demo", "profile": "smoke", "seed": 3,
                    "seconds": 1.5}
    # a new run of the same chapter, profile and seed starts a fresh record: nothing stale survives
    again = report.ResultsStore("demo", "smoke", 3, root=tmp_path)
    again.record(data_source="real")
    assert json.loads((store.dir / "run.json").read_text()) == {"data_source": "real", "chapter": "demo",
                                                                "profile": "smoke", "seed": 3}


def test_figures_are_png_and_svg_and_reproducible(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    report.set_style()
    store = report.ResultsStore("demo", "smoke", 0, root=tmp_path)
    outs = []
    for _ in range(2):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [1, 0])
        png, svg = store.figure("line", fig)
        outs.append((png.read_bytes(), svg.read_bytes()))
        plt.close(fig)
    assert outs[0][0][:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in outs[0][1]
    assert outs[0] == outs[1]


def test_claims_outcomes():
    claims = [
        report.Claim("a beats b", 0.8, 0.5, ">="),
        report.Claim("a beats b by 0.5", 0.3, 0.5, ">="),
        report.Claim("error below 0.1", 0.1, 0.1, "<"),
        report.Claim("needs ground truth", float("nan"), 1, ">="),
        report.Claim("also needs it", None, 1, ">="),
    ]
    df = report.claims_table(claims, profile="book", data_source="simulated")
    assert list(df["outcome"]) == ["supported", "not supported", "not supported",
                                   "not testable here", "not testable here"]
    assert list(df["test"]) == [">= 0.5", ">= 0.5", "< 0.1", ">= 1", ">= 1"]
    assert set(df["profile"]) == {"book"} and set(df["data_source"]) == {"simulated"}
    assert math.isnan(df["value"].iloc[3])
    assert report.tally(claims) == (1, 2, ["a beats b by 0.5", "error below 0.1"])  # untestable counted in neither
    with pytest.raises(ValueError, match="op must be one of"):
        report.Claim("x", 1, 1, "==")
    html = report.style_claims(df).to_html()
    assert "#f6d5d5" in html and "#d8f0d8" in html


def test_published_vs_reproduced_orders_columns():
    df = report.published_vs_reproduced([
        {"quantity": "auPR known", "published": 0.418, "reference": "Fig 2A", "reproduced": 0.4,
         "ci_low": 0.35, "ci_high": 0.45},
        {"quantity": "auPR novel", "reference": "Fig 2A", "reproduced": 0.2, "note": "x"},
    ])
    assert list(df.columns) == ["quantity", "published", "reference", "reproduced", "ci_low",
                                "ci_high", "note"]
    assert df["published"].iloc[0] == 0.418 and pd.isna(df["published"].iloc[1])
