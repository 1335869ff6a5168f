"""Shared fixtures: one smoke build of the whole book per test session."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The real-data mirror: $GENOMEBOOK_MIRROR, else ../shared/mirror beside the checkout.
MIRROR = Path(os.environ.get("GENOMEBOOK_MIRROR") or ROOT.parent / "shared" / "mirror")


def mirror_file(rel: str) -> Path:
    """A file of the mirror, or skip the test saying where the mirror was looked for."""
    path = MIRROR / rel
    if not path.exists():
        pytest.skip(f"mirror not found at {MIRROR} (missing {rel}): set GENOMEBOOK_MIRROR")
    return path


def run_book(*args: str, results: Path, timeout: int = 1800) -> subprocess.CompletedProcess:
    """Run ``python -m genomebook.book ARGS`` from the checkout with results under ``results``."""
    env = dict(os.environ, GENOMEBOOK_RESULTS=str(results), GENOMEBOOK_ROOT=str(ROOT))
    return subprocess.run([sys.executable, "-m", "genomebook.book", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def smoke_site(tmp_path_factory):
    """Every chapter executed at profile=smoke and the site built from them, in a temp folder.

    With $GENOMEBOOK_TEST_SITE naming a folder that holds ``site/`` (built) and ``results/``
    of an earlier smoke build, that build is used instead (for working on the site tests
    without running the chapters again); ``proc`` is then None.
    """
    given = os.environ.get("GENOMEBOOK_TEST_SITE")
    if given:
        base = Path(given)
        if not (base / "site" / "_build" / "html" / "index.html").exists() or not (base / "results").is_dir():
            pytest.fail(f"GENOMEBOOK_TEST_SITE={given}: no built site/ and results/ there")
        return {"site": base / "site", "results": base / "results", "proc": None}
    base = tmp_path_factory.mktemp("smoke")
    site, results = base / "site", base / "results"
    proc = run_book("build", "--profile", "smoke", "--site", str(site), results=results)
    return {"site": site, "results": results, "proc": proc}


@pytest.fixture(scope="session")
def reader_results(smoke_site, tmp_path_factory):
    """A results folder for chapter runs on a reader's files, holding the smoke build's caches.

    The smoke build's ``_cache`` (the pre-trained BERTs the sequence chapters fine-tune) is
    copied in, so runs on a reader's files fine-tune the same pre-trained models instead of
    pre-training again. Tests pass it as ``results=`` to :func:`run_book`; each run writes
    its own ``<chapter>/<profile>/seed<seed>`` folder, which a test reads right after its run.
    """
    import shutil

    base = tmp_path_factory.mktemp("reader_results")
    cache = Path(smoke_site["results"]) / "_cache"
    if cache.is_dir():
        shutil.copytree(cache, base / "_cache")
    return base
