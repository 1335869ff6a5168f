"""data_source = auto | simulated | real: which data a chapter uses, and why."""

import pytest

from genomebook.datasets import registry


def test_simulated_is_always_simulated():
    assert registry.resolve_source("simulated", ["anything"]) == ("simulated",
                                                                 "data_source='simulated'")


def test_auto_uses_real_data_when_every_file_is_there(monkeypatch):
    monkeypatch.setattr(registry, "available", lambda name: True)
    assert registry.resolve_source("auto", ["gue_tf_0_train", "gue_tf_0_test"]) == ("real", "")


def test_auto_falls_back_and_says_why(monkeypatch):
    monkeypatch.setattr(registry, "available", lambda name: name != "gue_tf_0_test")
    source, why = registry.resolve_source("auto", ["gue_tf_0_train", "gue_tf_0_test"])
    assert source == "simulated"
    assert "'gue_tf_0_test' is not in the mirror or cache" in why
    assert "GENOMEBOOK_MIRROR" in why and "python -m genomebook.datasets fetch gue_tf_0_test" in why


def test_real_stops_with_the_registry_message(monkeypatch, tmp_path):
    monkeypatch.setenv("GENOMEBOOK_MIRROR", str(tmp_path / "empty"))
    monkeypatch.setenv("GENOMEBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("pooch.retrieve", lambda *a, **k: (_ for _ in ()).throw(
        OSError("no network in tests")))
    with pytest.raises(registry.DataUnavailable) as err:
        registry.resolve_source("real", ["gue_tf_0_test"])
    msg = str(err.value)
    assert "gue_tf_0_test" in msg and "no network in tests" in msg and "How to fix" in msg


def test_data_card_lists_source_licence_citation_and_balance():
    import pandas as pd

    df = pd.DataFrame({"sequence": ["ACGT"] * 4, "label": [0, 1, 1, 1]})
    card = registry.data_card({"gue_tf_0_test": df})
    row = card.iloc[0]
    assert row["dataset"] == "gue_tf_0_test" and row["records"] == "4"
    assert row["class balance"] == "0: 1 (25%), 1: 3 (75%)"
    assert "Zhou et al." in row["citation"] and row["licence"]
