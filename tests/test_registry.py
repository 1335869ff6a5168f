"""The data registry: data/registry.yaml, fetch (mirror, cache, download), checksums, CLI.

No test touches the network: pooch.retrieve is replaced by a function that fails the test,
and the download test uses a fake that writes the file."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import time
from pathlib import Path

import pytest
import yaml

from genomebook.datasets import registry as reg
from genomebook.datasets.__main__ import main as cli

from conftest import MIRROR, ROOT

REGISTRY = ROOT / "data" / "registry.yaml"
HAVE_MIRROR = (MIRROR / "MANIFEST.tsv").is_file()
NO_MIRROR = (f"no mirror at {MIRROR} (set GENOMEBOOK_MIRROR to the folder holding "
             "MANIFEST.tsv to run this check)")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No network, no user cache, no mirror unless a test names one."""
    import pooch

    def no_network(*args, **kwargs):
        raise AssertionError(f"unexpected network access: pooch.retrieve{args}")

    monkeypatch.setattr(pooch, "retrieve", no_network)
    monkeypatch.setenv("GENOMEBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GENOMEBOOK_MIRROR", raising=False)
    monkeypatch.delenv("GENOMEBOOK_REGISTRY", raising=False)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


PLAIN = b"sequence,label\nACGT,1\nTTTT,0\n"
GZ_CONTENT = b"chrom\tstart\tend\nchr1\t10\t20\n" * 50


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A tiny registry with a plain file, a gzip copy, a bad copy, a truncated gzip, a derived
    file and a manual entry, plus the mirror folder that holds them."""
    mirror = tmp_path / "mirror"
    (mirror / "sub").mkdir(parents=True)
    (mirror / "sub" / "plain.csv").write_bytes(PLAIN)
    (mirror / "sub" / "peaks.bed.gz").write_bytes(gzip.compress(GZ_CONTENT))
    (mirror / "sub" / "bad.csv").write_bytes(b"not the data\n")
    full = gzip.compress(GZ_CONTENT * 20)
    (mirror / "sub" / "trunc.bed.gz").write_bytes(full[: len(full) // 2])
    (mirror / "sub" / "derived.fa.gz").write_bytes(gzip.compress(b">a\nACGT\n"))
    common = {"task": "toy", "scale": "book", "licence": "CC0", "citation": "Toy et al. 2024",
              "chapters": []}
    spec = {
        "plain": {**common, "url": "https://example.org/d/plain.csv", "content_sha256": sha(PLAIN),
                  "mirror_path": "sub/plain.csv", "stored_as": "as_upstream",
                  "reader": "os.path.getsize"},
        "gz": {**common, "url": "https://example.org/d/peaks.bed",
               "content_sha256": sha(GZ_CONTENT), "mirror_path": "sub/peaks.bed.gz",
               "stored_as": "gzip"},
        "bad": {**common, "url": "https://example.org/d/bad.csv", "content_sha256": sha(PLAIN),
                "mirror_path": "sub/bad.csv", "stored_as": "as_upstream"},
        "trunc": {**common, "url": "https://example.org/d/trunc.bed",
                  "content_sha256": sha(GZ_CONTENT * 20), "mirror_path": "sub/trunc.bed.gz",
                  "stored_as": "gzip"},
        "derived": {**common, "url": "https://example.org/d/source.RData",
                    "content_sha256": sha(b">a\nACGT\n"), "mirror_path": "sub/derived.fa.gz",
                    "stored_as": "derived"},
        "noreader": {**common, "url": "https://example.org/d/plain2.csv",
                     "content_sha256": sha(PLAIN), "mirror_path": "sub/plain.csv",
                     "stored_as": "as_upstream", "note": "Read it with open()."},
        "big": {**common, "scale": "paper", "url": "https://example.org/big/", "fetch": "manual",
                "size": "about 3 GB"},
    }
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    monkeypatch.setenv("GENOMEBOOK_REGISTRY", str(path))
    return {"mirror": mirror, "cache": tmp_path / "cache", "registry": path}


# --------------------------------------------------------------------------- the real registry

def test_registry_loads_and_every_entry_is_described():
    entries = reg.load_registry(REGISTRY)
    book = [e for e in entries.values() if e.scale == "book"]
    paper = [e for e in entries.values() if e.scale == "paper"]
    assert len(book) == 157 and len(paper) >= 7
    for e in entries.values():
        assert e.url.startswith(("https://", "http://")), e.name
        assert e.licence and e.citation and e.task, e.name
        assert isinstance(e.chapters, list), e.name
        assert e.reader or e.note, f"{e.name}: no reader and no note"
        if e.reader:
            assert e.reader.startswith("genomebook.datasets."), e.name
    for e in book:
        assert len(e.content_sha256) == 64 and e.mirror_path and e.stored_as, e.name
        assert e.stored_as in {"as_upstream", "gzip", "derived"}, e.name
    for e in paper:
        assert e.manual and e.size and e.note, e.name
    for split in ("train", "dev", "test"):
        assert entries[f"gue_tf_0_{split}"].chapters == ["motifs"]
    assert entries["gue_tf_0_train"].reader == "genomebook.datasets.gue.read_gue_csv"
    assert entries["dnabert_snp_example_mut_file"].reader is None
    assert {entries[n].group for n in entries if n.startswith("epiann_IMR90_train")} == \
        {"epiann_IMR90_train"}


def test_default_registry_is_the_repository_file():
    assert reg.DEFAULT_REGISTRY == REGISTRY
    assert reg.load_registry() == reg.load_registry(REGISTRY)


@pytest.mark.skipif(not HAVE_MIRROR, reason=NO_MIRROR)
def test_registry_matches_its_generator():
    spec = importlib.util.spec_from_file_location("make_registry",
                                                  ROOT / "data" / "make_registry.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    built = mod.build(MIRROR / "MANIFEST.tsv")
    assert built == yaml.safe_load(REGISTRY.read_text(encoding="utf-8")), \
        "data/registry.yaml is stale: run python data/make_registry.py MANIFEST.tsv"


@pytest.mark.skipif(not HAVE_MIRROR, reason=NO_MIRROR)
def test_every_book_entry_verifies_against_the_mirror(tmp_path):
    entries = reg.load_registry(REGISTRY)
    for e in entries.values():
        if e.scale == "book":
            assert (MIRROR / e.mirror_path).is_file(), f"{e.name}: {e.mirror_path} not in mirror"
    t0 = time.perf_counter()
    df = reg.verify(mirror=MIRROR, cache=tmp_path / "c", rehash=True)
    took = time.perf_counter() - t0
    assert len(df) == sum(e.scale == "book" for e in entries.values())
    bad = df[df.status != "ok"]
    assert bad.empty, bad.to_string()
    assert took < 30, f"verifying the mirror took {took:.1f} s"
    # the second pass uses the remembered hashes
    t0 = time.perf_counter()
    assert (reg.verify(mirror=MIRROR, cache=tmp_path / "c").status == "ok").all()
    assert time.perf_counter() - t0 < took


# --------------------------------------------------------------------------- fetch

def test_mirror_hit_plain_and_gzip(toy, monkeypatch):
    assert reg.fetch("plain", mirror=toy["mirror"]) == toy["mirror"] / "sub" / "plain.csv"
    monkeypatch.setenv("GENOMEBOOK_MIRROR", str(toy["mirror"]))
    assert reg.fetch("gz") == toy["mirror"] / "sub" / "peaks.bed.gz"
    assert reg.fetch("derived") == toy["mirror"] / "sub" / "derived.fa.gz"
    assert reg.available("gz") and reg.available("plain")


def test_cache_hit_and_remembered_hash(toy, monkeypatch):
    target = toy["cache"] / "gz" / "peaks.bed"
    target.parent.mkdir(parents=True)
    target.write_bytes(GZ_CONTENT)
    assert reg.fetch("gz") == target
    assert (toy["cache"] / reg.HASH_DB).is_file()

    def no_rehash(*a, **k):
        raise AssertionError("rehashed a file whose hash is remembered")

    monkeypatch.setattr(reg, "_sha256", no_rehash)
    assert reg.fetch("gz") == target
    assert reg.available("gz")


def test_checksum_mismatch_message(toy):
    with pytest.raises(reg.DataUnavailable) as info:
        reg.fetch("bad", mirror=toy["mirror"], download=False)
    msg = str(info.value)
    path = toy["mirror"] / "sub" / "bad.csv"
    assert "'bad'" in msg and str(path) in msg
    assert f"expected sha256 {sha(PLAIN)}" in msg
    assert f"got {sha(b'not the data' + bytes([10]))}" in msg
    assert "GENOMEBOOK_MIRROR" in msg and "https://example.org/d/bad.csv" in msg
    assert str(toy["cache"] / "bad" / "bad.csv") in msg
    assert not reg.available("bad", mirror=toy["mirror"])
    df = reg.verify(["bad", "plain"], mirror=toy["mirror"])
    assert df.set_index("name").status.to_dict() == {"bad": "mismatch", "plain": "ok"}


def test_missing_everywhere_without_download(toy):
    with pytest.raises(reg.DataUnavailable) as info:
        reg.fetch("plain", download=False)
    msg = str(info.value)
    assert "'plain'" in msg
    assert "mirror: not set" in msg
    assert f"cache: {toy['cache'] / 'plain' / 'plain.csv'} is missing" in msg
    assert "download: not attempted" in msg
    assert "set GENOMEBOOK_MIRROR to a folder holding sub/plain.csv" in msg
    assert f"download https://example.org/d/plain.csv by hand to {toy['cache']}" in msg
    with pytest.raises(reg.DataUnavailable, match="does not exist"):
        reg.fetch("plain", mirror=toy["mirror"] / "nowhere", download=False)
    assert reg.verify(["plain"]).status.tolist() == ["missing"]


def test_download_through_pooch(toy, monkeypatch):
    import pooch

    calls = []

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        calls.append((url, known_hash))
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / fname).write_bytes(GZ_CONTENT)
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    got = reg.fetch("gz")
    assert got == toy["cache"] / "gz" / "peaks.bed"
    assert calls == [("https://example.org/d/peaks.bed", f"sha256:{sha(GZ_CONTENT)}")]
    assert reg.available("gz")  # now in the cache


def test_download_of_an_archive_member(toy, monkeypatch):
    """A QIIME 2 .qza is a zip; the registry's hash is its member's, checked after extraction."""
    import zipfile

    import pooch

    spec = yaml.safe_load(toy["registry"].read_text())
    spec["qza"] = {**spec["plain"], "url": "https://example.org/d/seqs.qza",
                   "archive_member": "data/dna-sequences.fasta", "mirror_path": "sub/absent.fa.gz",
                   "stored_as": "gzip", "content_sha256": sha(b">x\nACGT\n")}
    toy["registry"].write_text(yaml.safe_dump(spec))

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        assert url == "https://example.org/d/seqs.qza" and known_hash is None
        Path(path).mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(Path(path) / fname, "w") as zf:
            zf.writestr("0a1b/data/dna-sequences.fasta", ">x\nACGT\n")
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    got = reg.fetch("qza", mirror=toy["mirror"])
    assert got == toy["cache"] / "qza" / "dna-sequences.fasta"
    assert got.read_bytes() == b">x\nACGT\n"


def test_download_error_is_reported(toy, monkeypatch):
    import pooch

    def offline(*a, **k):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(reg.DataUnavailable) as info:
        reg.fetch("plain")
    msg = str(info.value)
    assert "download: https://example.org/d/plain.csv failed" in msg
    assert "Name or service not known" in msg and "mirror: not set" in msg


def test_derived_file_is_not_downloaded(toy):
    with pytest.raises(reg.DataUnavailable, match="derived from https://example.org/d/source"):
        reg.fetch("derived")  # pooch.retrieve would fail the test if called


def test_truncated_gzip_message(toy):
    with pytest.raises(reg.DataUnavailable) as info:
        reg.fetch("trunc", mirror=toy["mirror"], download=False)
    msg = str(info.value)
    assert "truncated or corrupt gzip" in msg
    assert str(toy["mirror"] / "sub" / "trunc.bed.gz") in msg
    assert "copy it again" in msg and "GENOMEBOOK_MIRROR" in msg
    assert reg.verify(["trunc"], mirror=toy["mirror"]).status.tolist() == ["mismatch"]


def test_unknown_name_suggests_close_matches(toy):
    with pytest.raises(KeyError) as info:
        reg.fetch("plian")
    assert "Did you mean: plain" in str(info.value)
    with pytest.raises(KeyError, match="gue_tf_0_train"):
        reg.entry("gue_tf0_train", reg.load_registry(REGISTRY))


def test_manual_entry_message(toy):
    with pytest.raises(reg.DataUnavailable) as info:
        reg.fetch("big")
    msg = str(info.value)
    assert "'big'" in msg and "by hand" in msg and "https://example.org/big/" in msg
    assert "about 3 GB" in msg
    assert not reg.available("big")


def test_read_uses_the_registered_reader(toy):
    assert reg.read("plain", mirror=toy["mirror"]) == len(PLAIN)
    with pytest.raises(ValueError, match="no reader.*Read it with open"):
        reg.read("noreader", mirror=toy["mirror"])


def test_read_a_group_passes_every_member(toy):
    spec = yaml.safe_load(toy["registry"].read_text())
    for n in ("plain", "gz"):
        spec[n].update(group="pair", reader="os.path.relpath")
    toy["registry"].write_text(yaml.safe_dump(spec, sort_keys=False))
    # members in registry order (the toy YAML is sorted: gz, then plain): relpath(gz, plain)
    assert reg.read("plain", mirror=toy["mirror"]) == os.path.join("..", "peaks.bed.gz")


def test_registry_errors_name_the_file(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("x:\n  task: t\n  url: https://e/x\n  licence: l\n  citation: c\n  colour: red\n")
    with pytest.raises(ValueError, match="unknown field.*colour"):
        reg.load_registry(p)
    p.write_text("x:\n  task: t\n  url: https://e/x\n  licence: l\n  citation: c\n")
    with pytest.raises(ValueError, match="no content_sha256"):
        reg.load_registry(p)
    with pytest.raises(FileNotFoundError, match="GENOMEBOOK_REGISTRY"):
        reg.load_registry(tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- CLI

def test_cli_list(toy, capsys):
    assert cli(["list", "--mirror", str(toy["mirror"])]) == 0
    out = capsys.readouterr().out
    assert "plain" in out and "big" in out and "manual" in out and "CC0" in out
    assert cli(["list", "--scale", "paper"]) == 0
    out = capsys.readouterr().out
    assert "big" in out and "plain" not in out
    assert cli(["list", "--task", "nothing-like-this"]) == 1


def test_cli_fetch_and_verify_exit_codes(toy, capsys):
    m = str(toy["mirror"])
    assert cli(["fetch", "plain", "gz", "--mirror", m]) == 0
    out = capsys.readouterr().out.split()
    assert out == [str(toy["mirror"] / "sub" / "plain.csv"),
                   str(toy["mirror"] / "sub" / "peaks.bed.gz")]
    assert cli(["fetch", "plain", "--no-download"]) == 1
    assert "mirror: not set" in capsys.readouterr().err
    assert cli(["fetch", "plian"]) == 2
    assert "Did you mean: plain" in capsys.readouterr().err
    assert cli(["verify", "plain", "gz", "--mirror", m]) == 0
    assert cli(["verify", "plain"]) == 0  # missing is not a failure
    assert cli(["--mirror", m, "verify"]) == 1  # 'bad' and 'trunc' do not match
    err = capsys.readouterr().err
    assert "bad" in err and "checksum mismatch" in err
