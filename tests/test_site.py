"""The static site built from the smoke-executed chapters: pages, figures, links, in Chromium."""

import functools
import html
import http.server
import re
import shutil
import threading

import pandas as pd
import pytest

from conftest import ROOT
from genomebook import book
from genomebook.report import OUTCOMES

pytestmark = pytest.mark.slow
CHAPTERS = book.chapters(ROOT)


def _html(smoke_site, rel):
    return (smoke_site["site"] / "_build" / "html" / rel).read_text()


def test_pages_exist(smoke_site):
    for rel in ("index.html", "how-to-use.html", "runs.html", "data.html",
                *[f"notebooks/{c.group}/{c.name}.html" for c in CHAPTERS]):
        assert (smoke_site["site"] / "_build" / "html" / rel).exists(), rel


def _rows(page: str) -> list[str]:
    """The text of every table row of a page (tags stripped, entities decoded, spaces collapsed)."""
    rows = re.findall(r"<tr\b.*?</tr>", page, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", r)).split()) for r in rows]


def _text(page: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    for curly, plain in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(curly, plain)  # Markdown output may get typographic quotes
    return " ".join(text.split())


def test_chapter_pages_show_figures_claims_and_no_errors(smoke_site):
    for c in CHAPTERS:
        page = _html(smoke_site, f"notebooks/{c.group}/{c.name}.html")
        assert "Claims" in page
        assert page.count("<img") >= 3
        assert "Traceback" not in page


def test_chapter_pages_show_each_claims_actual_outcome(smoke_site):
    """The page agrees with the run's claims table: every claim on a row with its own outcome,
    the generated "what held" paragraph with every claim that did not hold, the leakage card and,
    on simulated data, the built-in box."""
    for c in CHAPTERS:
        page = _html(smoke_site, f"notebooks/{c.group}/{c.name}.html")
        out = smoke_site["results"] / c.name / "smoke" / "seed0"
        claims = pd.read_csv(out / "tables" / "claims.csv")
        rows = _rows(page)
        for _, claim in claims.iterrows():
            statement = " ".join(str(claim["claim"]).split())
            hits = [r for r in rows if statement in r]
            assert hits, f"{c.name}: claim not on the page: {statement}"
            others = set(OUTCOMES) - {claim["outcome"]}
            assert any(claim["outcome"] in r and not any(f" {o} " in f" {r} " for o in others
                                                         if o not in claim["outcome"]) for r in hits), \
                f"{c.name}: {statement!r} is not shown as {claim['outcome']!r}"
        text = _text(page)
        assert "What held and what did not." in text, c.name
        held = " ".join((out / "what_held.md").read_text().replace("**", "").split())
        first = held.split(".")[0]
        assert first in text, (c.name, first)
        for _, claim in claims[claims["outcome"] != "supported"].iterrows():
            assert f"{' '.join(str(claim['claim']).split())}:" in text, (c.name, claim["claim"])
        assert "Leakage card" in text or "leakage card" in text, c.name
        assert ("Built into this world" in text) == (out / "tables" / "built_in.csv").exists(), c.name


def test_motifs_page_says_it_is_simulated(smoke_site):
    page = _html(smoke_site, "notebooks/tasks/motifs.html")
    assert "Simulated data" in page and "admonition" in page


def test_runs_page_lists_every_chapter(smoke_site):
    page = _html(smoke_site, "runs.html")
    for c in CHAPTERS:
        assert f">{c.name}<" in page
    assert "smoke" in page and "simulated" in page


def test_data_page_lists_the_registry(smoke_site):
    from genomebook.datasets.registry import load_registry

    page = _html(smoke_site, "data.html")
    entries = load_registry()
    for name in ("gue_tf_0_test", "deepcage_tf_gexp_matrix", "mitohelper_12S_seqs"):
        assert f">{name}<" in page
    assert page.count("<tr") >= len(entries)
    assert "motifs" in page  # the chapter that uses GUE tf/0


@pytest.fixture(scope="module")
def server(smoke_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(smoke_site["site"] / "_build" / "html"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("headless Chromium not installed (Debian packages chromium and "
                    "chromium-driver; `make test` installs them when run as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--window-size=1280,1600"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(driver_path), options=opts)
    yield drv
    drv.quit()


@pytest.mark.browser
def test_chapter_renders_in_chromium(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/notebooks/tasks/motifs.html")
    assert "From motifs to predictions" in browser.title
    images = browser.find_elements(By.CSS_SELECTOR, "article img")
    assert len(images) >= 3
    broken = [i.get_attribute("src") for i in images
              if not browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", i)]
    assert not broken, broken
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "article h2")]
    for want in ("Data", "Models", "Evaluation", "Claims"):
        assert any(want in h for h in headings), headings
    browser.save_screenshot(str(tmp_path / "motifs.png"))


@pytest.mark.browser
def test_navigation_reaches_every_page(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/index.html")
    links = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "nav.bd-links a")}
    for want in ("how-to-use.html", "runs.html", "notebooks/tasks/motifs.html"):
        assert any(h and h.endswith(want) for h in links), (want, links)
    browser.get(f"{server}/runs.html")
    browser.find_element(By.LINK_TEXT, "motifs").click()
    assert browser.current_url.endswith("notebooks/tasks/motifs.html")
