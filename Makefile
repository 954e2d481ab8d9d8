# yibao — two commands on a fresh machine (Python 3.11, Node 20):
#   make demo   deploy to the embedded chain, enrol people and institutions, print them
#   make test   install everything and run every test (embedded chain and anvil)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PY_OK  := $(VENV)/.installed
NODE_OK := node_modules/.installed

.PHONY: install build test test-fast demo lint typecheck slither bench clean

install: $(PY_OK) $(NODE_OK)

$(PY_OK): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# `npm ci`: exactly the committed lock (package.json pins exact versions, the lock the rest, with
# anvil's binaries for every platform), and it never writes the lock, so the tree stays clean.
$(NODE_OK): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## regenerate python/yibao/artifacts/contracts.json from contracts/
build: install
	$(PY) tools/build_contracts.py

# Lint, type checks and Slither first (under a minute), then the tests; the stateful test (about
# 9 minutes on this 2-core machine) runs in its own processes, apart from the rest.
test: install
	$(BIN)/ruff check python tests
	$(BIN)/mypy python/yibao
	$(PY) tools/slither_check.py
	$(PY) -m pytest -q -n 2 --ignore=tests/stateful
	$(PY) -m pytest -q -n 2 tests/stateful

## everything but the anvil-backed tests
test-fast: install
	$(PY) -m pytest -q -m "not anvil"

demo: install
	$(BIN)/yibao demo

lint: install
	$(BIN)/ruff check python tests

typecheck: install
	$(BIN)/mypy python/yibao

## Slither over contracts/: fails on any High or Medium finding not excused in the source
slither: install
	$(PY) tools/slither_check.py

clean:
	rm -rf $(VENV) node_modules .yibao .pytest_cache .mypy_cache
