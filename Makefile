# genomebook: `make book` builds the site, `make test` runs every test.
# Both create .venv and install everything on first use (torch first: a CPU wheel here).

PY      ?= python3
VENV    := .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# Real data: the mirror beside the checkout, when it is there (see data/ and DESIGN.md).
export GENOMEBOOK_MIRROR ?= $(abspath $(wildcard ../shared/mirror))
PROFILE ?= book
NAME    ?= motifs

.PHONY: setup book test chapter list browser clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet torch==2.13.0
	$(PYTHON) -m pip install --quiet -e ".[test]"
	@# memelite's TomTom compiles with numba on first use (~1 min); pay it once here.
	$(PYTHON) -c "from genomebook.motifs import warm_up; warm_up()"
	touch $(STAMP)

book: setup
	$(PYTHON) -m genomebook.book build --profile $(PROFILE)

chapter: setup
	$(PYTHON) -m genomebook.book run $(NAME) --profile $(PROFILE)

list: setup
	$(PYTHON) -m genomebook.book list

# Headless Chromium for the browser checks of the built site (Debian packages; skipped
# with a stated reason by the tests when it cannot be installed).
browser:
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	    || echo "[genomebook] chromium not installed: browser checks will be skipped"; }

test: setup browser
	$(PYTHON) -m pytest -ra

clean:
	rm -rf book/_build book/notebooks book/_runs book/runs.md results
