# Sidestream — two commands from a fresh clone: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: install demo test lint format bench bench-quality clean i18n-update

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/sidestream kb stats
	$(BIN)/sidestream demo --region helgeland
	$(BIN)/sidestream demo --region kalundborg --lang nb --top 5

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: install lint
	$(BIN)/pytest -q

bench: install
	$(PY) benchmarks/quality/run.py
	$(PY) benchmarks/bench_matching.py

bench-quality: install
	$(PY) benchmarks/quality/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Re-extract messages and merge them into the catalogs; then translate the new,
# empty entries in src/sidestream/locale/nb/LC_MESSAGES/messages.po.
i18n-update: install
	$(BIN)/pybabel extract -k N_ -k _ --no-location --omit-header -o src/sidestream/locale/messages.pot src/sidestream
	$(BIN)/pybabel update --omit-header -i src/sidestream/locale/messages.pot -d src/sidestream/locale -D messages -l nb
