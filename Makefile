# Tandem — the two commands a fresh clone needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
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
	$(PY) scripts/install_wordnet.py .data/nltk_data

# Debian's Chromium drives the end-to-end tests (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium chromium-driver) for browser tests"; exit 1; fi; }

run: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py create_demo
	DEBUG=$${DEBUG:-1} $(PY) manage.py run_platform

test: install-dev
	bash scripts/test.sh

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install-dev
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
