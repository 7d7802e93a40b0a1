# Tandem — the two commands a fresh clone needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# WordNet goes where config/settings.py looks for it: $NLTK_DATA_DIR, else .data/nltk_data in the checkout.
NLTK_DATA_DIR ?= .data/nltk_data
# Extra pytest arguments: make test ARGS="tests/projects -x"
ARGS ?=
export NO_ALBUMENTATIONS_UPDATE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint bench install install-dev browser wordnet migrate demo clean format

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed wordnet
install-dev: $(VENV)/.installed-dev wordnet browser

# WordNet for English synonym replacement, installed offline-ready (no download at run time).
wordnet: $(VENV)/.installed
	$(PY) scripts/install_wordnet.py $(NLTK_DATA_DIR)

# Debian's Chromium drives the end-to-end tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium chromium-driver) for browser tests"; exit 1; fi; }

# Local development: DEBUG on unless the caller says otherwise; HOST and PORT choose the address (127.0.0.1:8000).
migrate: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py create_demo

run: demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py run_platform

test: install-dev
	bash scripts/test.sh $(ARGS)

# mypy's Django plugin imports the settings, which refuse to load without a SECRET_KEY unless DEBUG is on.
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DEBUG=1 $(VENV)/bin/mypy .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install-dev
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
