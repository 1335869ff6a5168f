"""variants: ISM and DNABERT's variant scores on a linear-logit toy model known in closed form."""

import numpy as np
import pandas as pd
import pytest
import torch

from genomebook.seq import one_hot
from genomebook.variants import difference_scores, ism, log_odds_ratio, variant_effects

# Toy model: logit z(x) = sum_{b,l} W[b, l] x[b, l] + B, prediction sigmoid(z).
W = np.array([[1.0, 0.0, 2.0, 0.0, -1.0],
              [0.0, 3.0, 0.0, 1.0, 0.0],
              [2.0, 0.0, 0.0, -2.0, 1.0],
              [0.0, 1.0, 1.0, 2.0, 0.0]])  # (4, L=5), rows A C G T
B = -2.0


def toy(x: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid((x.double() * torch.from_numpy(W)).sum(dim=(1, 2)) + B)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def logit_of(seq: str) -> float:
    return float(sum(W["ACGT".index(c), i] for i, c in enumerate(seq) if c in "ACGT") + B)


SEQS = ["ACGTA", "TTGCA"]


def expected_ism(seqs):
    """Closed form: substituting base b at l moves the logit by W[b, l] - W[ref, l]."""
    out = np.empty((len(seqs), 4, 5))
    for n, s in enumerate(seqs):
        z = logit_of(s)
        for l, c in enumerate(s):
            w_ref = W["ACGT".index(c), l] if c in "ACGT" else 0.0
            for b in range(4):
                out[n, b, l] = sigmoid(z - w_ref + W[b, l])
    return out


def test_ism_matches_closed_form_and_batching_does_not_matter():
    x = one_hot(SEQS)
    got = ism(toy, x, batch_size=2)
    np.testing.assert_allclose(got, expected_ism(SEQS), rtol=0, atol=1e-15)
    np.testing.assert_array_equal(got, ism(toy, torch.from_numpy(x), batch_size=256))
    # the reference base's entry is the reference prediction itself
    for n, s in enumerate(SEQS):
        for l, c in enumerate(s):
            assert got[n, "ACGT".index(c), l] == sigmoid(logit_of(s))


def test_ism_positions_and_n_bases():
    x = one_hot(["ACNTA"])  # position 2 is N: all four substitutions are computed
    got = ism(toy, x, positions=[2, 4])
    assert np.isnan(got[:, :, [0, 1, 3]]).all()
    z = logit_of("ACNTA")
    np.testing.assert_allclose(got[0, :, 2], sigmoid(z + W[:, 2]), rtol=0, atol=1e-15)
    np.testing.assert_allclose(got[0, :, 4], sigmoid(z - W[0, 4] + W[:, 4]), rtol=0, atol=1e-15)


def test_difference_and_log_odds_ratio_are_exact_for_the_linear_logit():
    x = one_hot(SEQS)
    preds = ism(toy, x)
    diff = difference_scores(preds, x)
    lor = log_odds_ratio(preds, x)
    for n, s in enumerate(SEQS):
        ref = sigmoid(logit_of(s))
        for l, c in enumerate(s):
            r = "ACGT".index(c)
            for b in range(4):
                delta = W[b, l] - W[r, l]
                assert diff[n, b, l] == pytest.approx(sigmoid(logit_of(s) + delta) - ref, abs=1e-15)
                assert lor[n, b, l] == pytest.approx(delta, abs=1e-12)
            assert diff[n, r, l] == 0.0 and lor[n, r, l] == 0.0
    # DNABERT's released script scales the difference by max(p_ref, p_mut)
    scaled = difference_scores(preds, x, scale_by_max=True)
    ref = sigmoid(np.array([logit_of(s) for s in SEQS]))[:, None, None]
    np.testing.assert_allclose(scaled, diff * np.maximum(preds, ref), rtol=0, atol=1e-15)


def test_scores_keep_nan_where_not_mutated_and_need_a_reference():
    x = one_hot(SEQS)
    preds = ism(toy, x, positions=[1])
    d = difference_scores(preds, x)
    assert np.isnan(d[:, :, [0, 2, 3, 4]]).all() and np.isfinite(d[:, :, 1]).all()
    x_n = one_hot(["NNNNN"])
    with pytest.raises(ValueError, match="reference prediction is unknown"):
        difference_scores(ism(toy, x_n), x_n)


def test_variant_effects_table():
    variants = pd.DataFrame({"seq_index": [0, 1, 0], "position": [1, 3, 4], "alt": ["g", "A", "A"],
                             "name": ["v1", "v2", "v3"]})
    tab = variant_effects(toy, SEQS, variants, batch_size=2)
    assert list(tab.columns) == ["seq_index", "position", "name", "ref", "alt", "p_ref", "p_alt",
                                 "diff", "log_odds_ratio"]
    assert tab["ref"].tolist() == ["C", "C", "A"] and tab["alt"].tolist() == ["G", "A", "A"]
    z0, z1 = logit_of("ACGTA"), logit_of("TTGCA")  # -2 + (1+3+0+2-1) = 3 ; -2 + (0+1+0+1+-1) = -1
    assert (z0, z1) == (3.0, -1.0)
    z_alt = [z0 - 3.0 + 0.0, z1 - 1.0 + 0.0, z0]  # C->G at 1: W[G,1]-W[C,1] = -3; C->A at 3: -1; A->A
    np.testing.assert_allclose(tab["p_ref"], sigmoid(np.array([z0, z1, z0])), rtol=0, atol=1e-15)
    np.testing.assert_allclose(tab["p_alt"], sigmoid(np.array(z_alt)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(tab["diff"], tab["p_alt"] - tab["p_ref"], rtol=0, atol=0)
    np.testing.assert_allclose(tab["log_odds_ratio"], [-3.0, -1.0, 0.0], rtol=0, atol=1e-12)
    # the same from one-hot input
    tab2 = variant_effects(toy, one_hot(SEQS), variants)
    pd.testing.assert_frame_equal(tab, tab2)


def test_a_model_runs_in_eval_mode_on_its_device_and_keeps_its_mode():
    class Toy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.from_numpy(W).float())
            self.drop = torch.nn.Dropout(0.9)  # would scramble the predictions in training mode

        def forward(self, x):
            return torch.sigmoid(self.drop((x * self.w).sum(dim=(1, 2)) + B))

    net = Toy().train()  # float32 weights: agrees with the closed form to float32 rounding
    np.testing.assert_allclose(ism(net, one_hot(SEQS), batch_size=3), expected_ism(SEQS), rtol=0, atol=1e-7)
    assert net.training


def test_variant_effects_checks_its_input():
    good = {"seq_index": [0], "position": [1], "alt": ["G"]}
    with pytest.raises(ValueError, match="ref 'A' but sequence 0 has 'C'"):
        variant_effects(toy, SEQS, pd.DataFrame({**good, "ref": ["A"]}))
    with pytest.raises(ValueError, match="position 7"):
        variant_effects(toy, SEQS, pd.DataFrame({**good, "position": [7]}))
    with pytest.raises(ValueError, match="alt 'N'"):
        variant_effects(toy, SEQS, pd.DataFrame({**good, "alt": ["N"]}))
    with pytest.raises(ValueError, match="lacks column"):
        variant_effects(toy, SEQS, pd.DataFrame({"seq_index": [0]}))
    with pytest.raises(ValueError, match="one prediction per sequence"):
        ism(lambda x: x.sum(dim=1), one_hot(SEQS))
