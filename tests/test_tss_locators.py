"""TSS locators without a transformer (genomebook.models.tss_locators): the PWM scan and the per-base CNN."""

import numpy as np
import pytest
import torch

from genomebook import motifs, seq
from genomebook.models import tss_locators as tl

INR = "TCAGTCTT"          # JASPAR POL002.1 consensus, its A (index 2) on the TSS
TATA = "TATAAAAG"         # POL012.1 columns 1..8: a box at -31 puts the matrix's start at -32


def _windows(n, length, rng, *, inr=INR, inr_ppm=None, tata_share=0.5, min_tss=40):
    """Random windows with an Inr planted on a random TSS and a TATA box at -31 in a share of them."""
    seqs, tss, has_tata = [], [], []
    for _ in range(n):
        s = list(rng.choice(list("ACGT"), length))
        t = int(rng.integers(min_tss, length - 8))
        site = inr if inr_ppm is None else motifs.sample_site(inr_ppm, rng)
        s[t - 2:t + 6] = site
        box = bool(rng.random() < tata_share)
        if box:
            s[t - 31:t - 23] = TATA
        seqs.append("".join(s))
        tss.append(t)
        has_tata.append(box)
    return seqs, np.array(tss), np.array(has_tata)


@pytest.fixture(scope="module")
def locator_and_data():
    rng = np.random.default_rng(1)
    train_seqs, train_tss, _ = _windows(600, 200, rng)
    test_seqs, test_tss, _ = _windows(200, 200, rng)
    return tl.PWMLocator().fit(train_seqs, train_tss), test_seqs, test_tss


def test_pwm_locator_finds_a_planted_inr_and_learns_the_tata_offset(locator_and_data):
    loc, seqs, tss = locator_and_data
    pred = loc.predict(seqs)
    assert pred.shape == (200,) and pred.dtype == np.int64
    assert (pred == tss).mean() >= 0.9                     # exact base for most windows
    table = loc.offset_table()
    assert int(table.loc[table["probability"].idxmax(), "offset"]) == -32
    assert 0.35 < table.attrs["tata_fraction"] < 0.65      # half the windows carry a box
    assert set(loc.grid_.columns) == {"weight", "accuracy", "median_abs_error"}


def test_pwm_scores_have_one_value_per_base_and_one_hot_input_agrees(locator_and_data):
    loc, seqs, _ = locator_and_data
    s = loc.scores(seqs[:5])
    assert s.shape == (5, 200) and np.isfinite(s).all()
    np.testing.assert_allclose(loc.scores(seq.one_hot(seqs[:5])), s)
    # a TSS at the window's first base: the Inr overhangs the start (reads as N) and is still found
    edge = [INR[2:] + "G" * 50]
    assert loc.predict(edge)[0] == 0


def test_tata_term_rescues_a_weak_inr():
    """With Inr sites drawn from the (weak) INR matrix, the TATA box at -31 is what finds the TSS."""
    rng = np.random.default_rng(2)
    ppm = motifs.load_jaspar(ids=tl.INR_ID, release=tl.JASPAR_RELEASE)[0].ppm(0.8)
    seqs, tss, _ = _windows(800, 150, rng, inr_ppm=ppm, tata_share=1.0)
    loc = tl.PWMLocator().fit(seqs, tss)
    grid = loc.grid_.set_index("weight")["accuracy"]
    assert loc.tata_weight_ > 0
    assert grid[loc.tata_weight_] > grid[0.0] + 0.2


def test_pwm_locator_errors_name_the_problem(locator_and_data):
    loc, seqs, tss = locator_and_data
    with pytest.raises(RuntimeError, match="not fitted"):
        tl.PWMLocator().predict(seqs)
    with pytest.raises(ValueError, match="outside 0..199"):
        tl.PWMLocator().fit(seqs[:3], [0, 5, 200])
    with pytest.raises(ValueError, match="one TSS index per window"):
        tl.PWMLocator().fit(seqs[:3], [0, 5])
    with pytest.raises(seq.SequenceError, match="pad_or_trim"):
        loc.predict([seqs[0], seqs[1][:100]])
    with pytest.raises(TypeError, match="not one string"):
        loc.predict(seqs[0])
    with pytest.raises(ValueError, match=r"\(4, w\) log-odds"):
        tl.PWMLocator(inr=np.zeros((3, 8)))
    with pytest.raises(ValueError, match="inr_tss_column"):
        tl.PWMLocator(inr_tss_column=8)
    with pytest.raises(ValueError, match="tata_range"):
        tl.PWMLocator(tata_range=(-15, -45))


def test_cnn_learns_a_tiny_task_and_shapes():
    rng = np.random.default_rng(3)
    train_seqs, train_tss, _ = _windows(512, 64, rng, tata_share=0.0, min_tss=2)
    dev_seqs, dev_tss, _ = _windows(128, 64, rng, tata_share=0.0, min_tss=2)
    config = tl.TSSCNNConfig(channels=16, dilations=(2,))
    net, history = tl.fit_tss_cnn(train_seqs, train_tss, dev_seqs, dev_tss, config=config, epochs=3, batch=32,
                                  lr=5e-3, seed=0, progress=False)
    assert list(history.columns) == ["epoch", "train_loss", "val_loss", "val_accuracy", "val_median_abs_error"]
    assert len(history) == 3
    pred = net.predict(dev_seqs)
    assert pred.shape == (128,)
    assert tl.error_summary(pred, dev_tss)["accuracy"] > 0.5          # chance is 1/64
    s = net.scores(dev_seqs[:4])
    assert s.shape == (4, 64)
    np.testing.assert_allclose(np.exp(s).sum(axis=1), 1.0, rtol=1e-5)  # a softmax over the window
    assert net(torch.zeros(2, 4, 33)).shape == (2, 33)


def test_cnn_errors_name_the_problem():
    with pytest.raises(ValueError, match="width must be odd"):
        tl.TSSCNNConfig(width=4)
    with pytest.raises(ValueError, match=r"\(N, 4, L\)"):
        tl.TSSCNN()(torch.zeros(2, 5, 10))
    seqs = ["ACGT" * 5] * 4
    with pytest.raises(ValueError, match="both dev_seqs and dev_tss"):
        tl.fit_tss_cnn(seqs, [0, 1, 2, 3], seqs, None, epochs=1)
    with pytest.raises(ValueError, match="crop both to one length"):
        tl.fit_tss_cnn(seqs, [0, 1, 2, 3], ["ACGT"] * 4, [0, 1, 2, 3], epochs=1)
    with pytest.raises(ValueError, match="train TSS indices"):
        tl.fit_tss_cnn(seqs, [0, 1, 2, 20], epochs=1)
    assert tl.TSSCNNConfig().receptive_field == 71


def test_base_errors_sign_and_shape():
    assert tl.base_errors(np.array([5, 3]), np.array([3, 5])).tolist() == [2, -2]
    with pytest.raises(ValueError, match="same shape"):
        tl.base_errors([1, 2], [1])
