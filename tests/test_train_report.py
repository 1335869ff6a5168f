"""train (profiles, seeding, trainer) and report (results store, claims) on tiny inputs."""

import json
import math
import os

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from genomebook import profiles, report, train
from genomebook.models import MotifCNN, SequenceClassifier


def test_profile_sizes_and_overrides():
    smoke = profiles.profile("motifs", "smoke")
    book = profiles.profile("motifs", "book")
    assert smoke["n_sequences"] < book["n_sequences"] < profiles.profile("motifs", "paper")["n_sequences"]
    assert profiles.profile("motifs", "smoke", epochs=7)["epochs"] == 7
    assert profiles.profile("motifs", "smoke", epochs=None)["epochs"] == smoke["epochs"]


def test_profile_errors_name_the_fix():
    with pytest.raises(ValueError, match="smoke, book, paper"):
        profiles.profile("motifs", "huge")
    with pytest.raises(KeyError, match="known chapters: .*motifs"):
        profiles.profile("nope", "book")
    with pytest.raises(KeyError, match="sizes are"):
        profiles.profile("motifs", "book", n_layers=3)


def test_every_profile_has_the_same_keys():
    table = profiles.profile_table()
    for chapter, block in table.items():
        blocks = {k: v for k, v in block.items() if k != "extends"}
        assert set(blocks) == set(profiles.PROFILES), chapter
        assert block.get("extends", chapter) in table, f"{chapter} extends an unknown block"
        keys = {p: set(v) for p, v in blocks.items()}
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
    model = SequenceClassifier(MotifCNN(n_filters=4, filter_width=5, hidden=4), lr=0.05, weight_decay=1e-4)
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


def test_number_formats_on_cpu_are_strict_fp32(monkeypatch):
    """CPU: fp32, no TF32, matmul precision untouched; CUDA with bf16: bf16 mixed (chosen, not run)."""
    before = torch.get_float32_matmul_precision()
    trainer = train.make_trainer(max_epochs=1, progress=False)
    fmt = train.number_formats()
    assert trainer.precision == "32-true"
    assert fmt == {"device": "cpu", "precision": "32-true", "tf32": False, "float32_matmul_precision": before,
                   "cpu_threads": torch.get_num_threads(), "mkl_cbwr": os.environ["MKL_CBWR"]}
    assert torch.get_float32_matmul_precision() == before
    assert train.make_trainer(max_epochs=1, progress=False, precision="bf16-mixed").precision == "bf16-mixed"
    assert train.number_formats()["precision"] == "bf16-mixed"
    train.use_precision("bf16-mixed")
    try:
        assert train.make_trainer(max_epochs=1, progress=False).precision == "bf16-mixed"
    finally:
        train.use_precision(None)
    assert train.make_trainer(max_epochs=1, progress=False).precision == "32-true"
    assert train.choose_precision(False) == "32-true"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert train.choose_precision(True) == "bf16-mixed"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert train.choose_precision(True) == "32-true"


def test_loader_options_leave_cpu_loaders_as_they_were():
    assert train.loader_options(cuda=False) == {"pin_memory": False, "num_workers": 0, "persistent_workers": False}
    on_gpu = train.loader_options(cuda=True)
    assert on_gpu["pin_memory"] is True and on_gpu["num_workers"] >= 0
    assert train.loader_options(cuda=True, num_workers=3)["persistent_workers"] is True
    assert train.uses_cuda("cpu") is False and train.uses_cuda("auto", devices=0) is False


def test_without_progress_bars_a_fit_prints_one_summary_line(capsys):
    _, curves, _ = _fit_tiny(2)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert len(lines) == 1, lines  # not one line per epoch
    line = lines[0]
    assert line.startswith("15 epochs in ")
    first, last = curves["train_loss"].iloc[0], curves["train_loss"].iloc[-1]
    assert f"train_loss {first:.4g} → {last:.4g}" in line
    best = curves["val_loss"].idxmin()
    assert f"(best val_loss {curves['val_loss'].min():.4g} at epoch {best + 1})" in line


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
    assert report.tally(claims) == {"supported": 1, "not supported": 2, "inconclusive": 0,
                                    "not testable here": 2}
    with pytest.raises(ValueError, match="op must be one of"):
        report.Claim("x", 1, 1, "==")
    html = report.style_claims(df).to_html()
    assert "#f6d5d5" in html and "#d8f0d8" in html


def test_published_vs_reproduced_orders_columns():
    df = report.published_vs_reproduced([
        {"quantity": "auPR known", "published": 0.418, "published_id": "x.y", "reference": "Fig 2A",
         "reproduced": 0.4, "ci_low": 0.35, "ci_high": 0.45},
        {"quantity": "auPR novel", "reference": "Fig 2A", "reproduced": 0.2, "note": "x"},
    ])
    assert list(df.columns) == ["quantity", "published", "reference", "reproduced", "ci_low",
                                "ci_high", "published_id", "note"]
    assert df["published"].iloc[0] == 0.418 and pd.isna(df["published"].iloc[1])


def test_published_vs_reproduced_refuses_typed_numbers():
    with pytest.raises(ValueError, match="data/published"):
        report.published_vs_reproduced([{"quantity": "auPR", "published": 0.418, "reproduced": 0.4}])


def test_claim_outcome_respects_the_interval():
    def out(v, lo, hi, thr=0.0, op=">="):
        return report.Claim("c", v, thr, op, ci_low=lo, ci_high=hi).outcome
    assert out(0.2, 0.05, 0.3) == "supported"
    assert out(0.2, -0.05, 0.3) == "inconclusive"      # point estimate passes, interval does not
    assert out(-0.2, -0.3, -0.1) == "not supported"
    assert out(-0.2, -0.3, 0.0) == "inconclusive"      # upper end touches the threshold (>= passes)
    assert out(-0.2, -0.3, 0.0, op=">") == "not supported"
    assert out(0.05, 0.01, 0.09, thr=0.1, op="<") == "supported"
    assert out(0.15, 0.05, 0.2, thr=0.1, op="<") == "inconclusive"
    assert out(0.15, 0.12, 0.2, thr=0.1, op="<=") == "not supported"
    assert out(float("nan"), 0.1, 0.2) == "not testable here"
    failed = report.Claim("beats a collapsed run", 0.5, 0.0, ci_low=0.4, ci_high=0.6,
                          failed_reference="random init collapsed to MCC 0 on both seeds")
    assert failed.outcome == "inconclusive"
    with pytest.raises(ValueError, match="both ci_low and ci_high"):
        report.Claim("c", 1, 0, ci_low=0.5)


def test_what_held_names_each_failure_with_its_numbers():
    claims = [report.Claim("A beats B", 0.12, 0.0, ci_low=0.05, ci_high=0.2, n=300),
              report.Claim("A beats C", -0.03, 0.0, ci_low=-0.06, ci_high=-0.01, n=300, detail="A 0.40 vs C 0.43"),
              report.Claim("A beats D", 0.01, 0.0, ci_low=-0.02, ci_high=0.04, n=300),
              report.Claim("planted motif found", None, 1, built_in=""),
              report.Claim("peak at TATA", 0, 0, "<=", built_in="TATA planted at -31..-24")]
    text = report.what_held(claims)
    assert text.startswith("Of 5 claims checked on this run, 2 supported, 1 not supported, "
                           "1 inconclusive, 1 not testable here.")
    assert "- A beats C: -0.03 [-0.06, -0.01], n = 300 (needed >= 0); A 0.40 vs C 0.43." in text
    assert "- A beats D: 0.01 [-0.02, 0.04], n = 300 (needed >= 0)." in text
    assert "- planted motif found: not measurable on this run." in text
    assert "peak at TATA (0) — built into the simulated world" in text
    assert report.what_held([]) == "This run checked no claims."


def test_beats_baseline_claim_uses_a_paired_bootstrap():
    """The k-mer-baseline claim of every sequence chapter: difference > 0 with its whole interval."""
    import numpy as np

    from genomebook.report import beats_baseline

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    good = np.clip(0.6 * y + 0.5 * rng.random(400), 0, 1)
    noise = rng.random(400)
    c = beats_baseline("The CNN", "k-mer baseline", y, good, noise, n_boot=200, seed=0)
    assert c.statement.startswith("The CNN beats the k-mer baseline: its test auROC minus")
    assert c.ci_low > 0 and c.outcome == "supported" and c.n == 400
    assert beats_baseline("DNABERT", "k-mer baseline", y, noise, good, n_boot=200).outcome == "not supported"
    tie = beats_baseline("DNABERT", "k-mer baseline", y, good, good, n_boot=200)
    assert (tie.value, tie.ci_low, tie.ci_high, tie.outcome) == (0.0, 0.0, 0.0, "not supported")  # a tie is not "beats"
    three = np.eye(3)[rng.integers(0, 3, 300)] * 0.7 + 0.1  # (N, 3) probabilities of the true class 0.8
    y3 = three.argmax(1)
    assert beats_baseline("DNABERT", "k-mer baseline", y3, three, np.full((300, 3), 1 / 3), metric="MCC",
                          n_boot=100).outcome == "supported"
