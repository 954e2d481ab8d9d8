# yibao — two commands on a fresh machine (Python 3.11, Node 20):
#   make demo   deploy to the embedded chain, enrol people and institutions, print them
#   make test   install everything and run every test (embedded chain and anvil)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PY_OK  := $(VENV)/.installed
NODE_OK := node_modules/.installed

.PHONY: install build postgres chromium screenshots test test-fast demo lint typecheck slither bench clean

# The index tests' PostgreSQL server: a throwaway cluster of this checkout (tools/postgres.py).
PG_DIR := /tmp/yibao-pg-$(shell printf %s "$(CURDIR)" | md5sum | cut -c1-10)

install: $(PY_OK) $(NODE_OK)

$(PY_OK): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# `npm ci`: exactly the committed lock (package.json pins exact versions, the lock the rest, with
# anvil's binaries for every platform), and it never writes the lock, so the tree stays clean.
# The dashboard's one third-party script, ethers (in-browser sign-in), is served from the package.
VENDOR := python/yibao/serve/static/vendor
$(NODE_OK): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR) && cp node_modules/ethers/dist/ethers.umd.min.js node_modules/ethers/LICENSE.md $(VENDOR)/
	touch $@

## regenerate python/yibao/artifacts/contracts.json from contracts/
build: install
	$(PY) tools/build_contracts.py

## Debian's postgresql (the index tests run on it as well as on SQLite): installed when missing;
## where it cannot be, those tests are skipped with a message that says so
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql for the index tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  ( $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >/dev/null \
	    || { $$SUDO apt-get update -q >/dev/null && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	         apt-get install -y -q --no-install-recommends postgresql >/dev/null; } ) \
	  || echo "postgres: could not install Debian's postgresql; the PostgreSQL tests will be skipped"; \
	fi

## Debian's chromium (the dashboard's browser tests drive it with Playwright; Playwright's own
## browser download cannot work offline): installed when missing; where it cannot be, those tests
## are skipped with a message that says so
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  ( $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null \
	    || { $$SUDO apt-get update -q >/dev/null && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	         apt-get install -y -q --no-install-recommends chromium >/dev/null; } ) \
	  || echo "chromium: could not install Debian's chromium; the browser tests will be skipped"; \
	fi

# Lint, type checks and Slither first (under a minute), then the tests; the stateful test runs in
# its own processes, apart from the rest: its two embedded halves on one worker each, the anvil
# run beside the first (xdist groups).
# A PostgreSQL server is started for the run (YIBAO_TEST_POSTGRES) and stopped afterwards, pass or fail.
test: install postgres chromium
	$(BIN)/ruff check python tests
	$(BIN)/mypy python/yibao
	$(PY) tools/slither_check.py
	@$(PY) tools/postgres.py stop $(PG_DIR); \
	url=$$($(PY) tools/postgres.py start $(PG_DIR)) || url=; \
	export YIBAO_TEST_POSTGRES=$$url; \
	$(PY) -m pytest -q -n 2 --ignore=tests/stateful && $(PY) -m pytest -q -n 2 --dist loadgroup tests/stateful; \
	status=$$?; $(PY) tools/postgres.py stop $(PG_DIR); exit $$status

## everything but the anvil-backed tests
test-fast: install
	$(PY) -m pytest -q -m "not anvil"

## `make demo DEMO_FLAGS=--serve` ends by serving the demo's world on http://127.0.0.1:8000 until Ctrl-C
demo: install
	$(BIN)/yibao demo $(DEMO_FLAGS)

## the dashboard's screenshots in docs/screenshots (the README shows them), taken by its browser tests
screenshots: install chromium
	YIBAO_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q -p no:cacheprovider tests/serve/test_browser.py

lint: install
	$(BIN)/ruff check python tests

typecheck: install
	$(BIN)/mypy python/yibao

## Slither over contracts/: fails on any High or Medium finding not excused in the source
slither: install
	$(PY) tools/slither_check.py

clean:
	rm -rf $(VENV) node_modules .yibao .pytest_cache .mypy_cache
