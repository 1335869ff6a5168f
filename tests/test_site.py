"""The static site built from the smoke-executed chapters: pages, figures, links, in Chromium."""

import functools
import http.server
import shutil
import threading

import pytest

from conftest import ROOT
from genomebook import book

pytestmark = pytest.mark.slow
CHAPTERS = book.chapters(ROOT)


def _html(smoke_site, rel):
    return (smoke_site["site"] / "_build" / "html" / rel).read_text()


def test_pages_exist(smoke_site):
    for rel in ("index.html", "how-to-use.html", "runs.html", "data.html",
                *[f"notebooks/{c.group}/{c.name}.html" for c in CHAPTERS]):
        assert (smoke_site["site"] / "_build" / "html" / rel).exists(), rel


def test_chapter_pages_show_figures_claims_and_no_errors(smoke_site):
    for c in CHAPTERS:
        page = _html(smoke_site, f"notebooks/{c.group}/{c.name}.html")
        assert "Claims" in page
        assert "supported" in page
        assert page.count("<img") >= 3
        assert "Traceback" not in page


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
