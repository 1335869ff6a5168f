"""interpret: filters → PPMs on hand-made activations with exact counts."""

import numpy as np
import pytest
import torch

from genomebook.interpret import filter_motifs, filters_to_ppms, trim_ppm
from genomebook.motifs import Motif, load_jaspar
from genomebook.seq import one_hot


def test_filters_to_ppms_counts_the_windows_above_threshold():
    x = one_hot(["ACGTA", "TTGCA"])[..., :]  # (2, 4, 5)
    act = np.zeros((2, 2, 5), dtype=np.float32)
    act[0, 0, 2] = 1.0  # filter 0: window centred on seq0 pos 2 -> "CGT"
    act[1, 0, 1] = 0.6  # above 0.5 * 1.0 -> seq1 window centred on pos 1 -> "TTG"
    act[1, 0, 3] = 0.4  # below the threshold: ignored
    act[0, 1, 0] = 2.0  # filter 1: window at the left edge -> "-AC" (nothing before)
    ppms, n = filters_to_ppms(act, x, 3, alpha=0.5, min_sites=1)
    assert n.tolist() == [2, 1]
    # filter 0: columns C/T, G/T, T/G -> each column half and half
    expected0 = np.array([[0, 0, 0], [0.5, 0, 0], [0, 0.5, 0.5], [0.5, 0.5, 0.5]])
    np.testing.assert_allclose(ppms[0], expected0)
    expected1 = np.array([[0.25, 1, 0], [0.25, 0, 1], [0.25, 0, 0], [0.25, 0, 0]])
    np.testing.assert_allclose(ppms[1], expected1)


def test_filters_with_too_few_sites_are_uniform():
    x = one_hot(["ACGTA"])
    act = np.zeros((1, 1, 5), dtype=np.float32)
    act[0, 0, 2] = 1.0
    ppms, n = filters_to_ppms(act, x, 3, min_sites=2)
    assert n.tolist() == [1] and np.all(ppms == 0.25)


def test_filters_to_ppms_checks_shapes():
    with pytest.raises(ValueError, match="must agree"):
        filters_to_ppms(np.zeros((2, 3, 5)), one_hot(["ACGTA"]), 3)
    with pytest.raises(ValueError, match="odd"):
        filters_to_ppms(np.zeros((1, 3, 5)), one_hot(["ACGTA"]), 4)


def test_trim_ppm_cuts_flat_flanks():
    flat = np.full((4, 1), 0.25)
    core = np.eye(4)[:, [0, 1, 2, 3, 0]]
    ppm = np.hstack([flat, flat, core, flat])
    np.testing.assert_array_equal(trim_ppm(ppm), core)
    assert trim_ppm(np.full((4, 10), 0.25), min_width=4).shape == (4, 4)


def test_filter_motifs_finds_a_planted_filter():
    """A filter that is exactly CTCF's consensus, firing on CTCF sites, matches MA0139.2."""
    ctcf = load_jaspar(ids=["MA0139.2"])[0]
    consensus = "".join("ACGT"[i] for i in ctcf.counts.argmax(axis=0))
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(40)]
    seqs = [s[:20] + consensus + s[35:] for s in seqs]
    x = torch.from_numpy(one_hot(seqs))
    weight = torch.from_numpy(one_hot(consensus) * 2 - 1)[None]  # (1, 4, 15): +1 match, -1 not
    weight = torch.nn.functional.pad(weight, (2, 2))  # width 19, 'same' padding 9
    act = torch.relu(torch.nn.functional.conv1d(x, weight, padding=9))
    fm = filter_motifs(act, x, 19, load_jaspar(), q_threshold=0.05)
    assert fm.n_sites.tolist() == [40]
    rec = fm.recovery([ctcf])
    assert bool(rec["recovered"].iloc[0]) and rec["best filter"].iloc[0] == 0
    assert rec["best q"].iloc[0] < 0.01
    assert fm.table["best match"].iloc[0] == "MA0139.2"
    none = fm.recovery([Motif("MA9999.1", "none", np.full((4, 5), 1.0))])
    assert not none["recovered"].iloc[0] and none["filters matching"].iloc[0] == 0


def test_recovery_of_no_motifs_is_an_empty_table():
    fm = filter_motifs(np.zeros((1, 2, 5), dtype=np.float32), one_hot(["ACGTA"]), 3, load_jaspar())
    rec = fm.recovery([])
    assert list(rec.columns) == ["motif", "recovered", "filters matching", "best filter", "best q"]
    assert len(rec) == 0 and len(fm.matches) == 0


# ---------------------------------------------------------------- gradient importance, filter influence


def _toy_fn(x, motif, expr):
    """ŷ[l, k] = sum_i motif[l, i] * expr[l, k, i]^2 (expr (K, T) or per-locus (B, K, T))."""
    if expr.ndim == 2:
        expr = expr.unsqueeze(0).expand(x.shape[0], -1, -1)
    return (motif.unsqueeze(1) * expr ** 2).sum(-1)


def test_gradient_importance_exact():
    import torch

    from genomebook.interpret import gradient_importance

    # d ŷ[l,k] / d g[k,i] = 2 * motif[l,i] * g[k,i]
    motif = torch.tensor([[1.0, -2.0], [3.0, 0.0], [-1.0, 1.0]])  # 3 loci, 2 TFs
    expr = torch.tensor([[1.0, 2.0], [0.5, -1.0]])  # 2 cell types
    x = torch.zeros(3, 4, 5)
    batches = [{"x": x[:2], "motif": motif[:2], "expr": expr},
               {"x": x[2:], "motif": motif[2:], "expr": expr}]
    gis = gradient_importance(_toy_fn, batches)
    # mean_l |2 m[l,i] g[k,i]| = 2 |g[k,i]| mean_l |m[l,i]|; mean |m| = (5/3, 1)
    expected = 2 * np.abs(expr.numpy()) * np.array([5 / 3, 1.0])
    np.testing.assert_allclose(gis, expected, rtol=1e-6)


def test_filter_influence_exact_and_restores_weights():
    import torch

    from genomebook.interpret import filter_influence

    conv = torch.nn.Conv1d(4, 3, 1)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([[[1.0], [0], [0], [0]], [[0], [2.0], [0], [0]],
                                        [[0], [0], [0], [3.0]]]))
        conv.bias.fill_(0.5)
    before = conv.weight.clone()
    x = torch.eye(4).unsqueeze(0)  # one sequence ACGT

    def score():  # total activation
        return float(conv(x).sum())

    # filter f contributes its weight sum (1, 2, 3) plus bias 0.5 at each of 4 positions
    np.testing.assert_allclose(filter_influence(conv, score), [3.0, 4.0, 5.0])
    np.testing.assert_allclose(filter_influence(conv, score, filters=[2]), [5.0])
    assert torch.equal(conv.weight, before) and torch.all(conv.bias == 0.5)


def test_precision_at_k():
    from genomebook.interpret import precision_at_k

    names = ["a", "b", "c", "d", "e"]
    scores = np.array([0.9, 0.1, 0.8, 0.7, 0.2])  # order a, c, d, e, b
    assert precision_at_k(scores, names, {"a", "d", "b"}, k=3) == pytest.approx(2 / 3)
    assert precision_at_k(scores, names, {"b"}, k=10) == pytest.approx(1 / 5)  # k capped at 5
    with pytest.raises(ValueError, match="one value per name"):
        precision_at_k(scores[:3], names, {"a"})
