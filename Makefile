# Sidestream — two commands from a fresh clone: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: install web browser wrk demo test lint format bench bench-quality clean i18n-update screenshots

# Browser assets: npm ci from the committed lockfile, then esbuild bundles them into
# the package's static folder (gitignored). Rebuilt when the frontend sources change.
FRONTEND := frontend
WEB_BUILD := src/sidestream/web/static/build
WEB_STAMP := $(WEB_BUILD)/.stamp
FRONTEND_SOURCES := $(FRONTEND)/package.json $(FRONTEND)/package-lock.json $(FRONTEND)/build.mjs \
	$(wildcard $(FRONTEND)/src/*)
# The browser tests drive Debian's chromium through Python's playwright (PyPI); the
# browser builds of `playwright install` are never downloaded.
CHROMIUM := /usr/bin/chromium

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(WEB_STAMP): $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npm ci --no-audit --no-fund && npm run build
	touch $@

web: $(WEB_STAMP)

install: $(STAMP) $(WEB_STAMP)

browser:
	@if [ -x $(CHROMIUM) ]; then \
		true; \
	elif [ "$$(id -u)" = 0 ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q --no-install-recommends chromium; \
	elif [ -n "$$CI" ]; then \
		echo "error: $(CHROMIUM) is missing and CI is not root: install Debian's chromium" >&2; exit 1; \
	else \
		echo "note: $(CHROMIUM) is missing, so the browser tests will be skipped;" \
			"install it with: sudo apt-get install chromium" >&2; \
	fi

# The demo: a SQLite file under var/, both demo regions, a facilitator to log in as,
# and the web app on http://127.0.0.1:8000 (plain http on localhost, so the session
# cookie is not marked Secure here). Every step is idempotent.
DEMO_ENV := SIDESTREAM_DATABASE_URL=sqlite:///var/demo.sqlite SIDESTREAM_SESSION_COOKIE_SECURE=false
demo: install browser
	$(BIN)/sidestream demo --region helgeland --top 10
	$(DEMO_ENV) $(BIN)/sidestream demo-load --region helgeland
	$(DEMO_ENV) $(BIN)/sidestream demo-load --region kalundborg
	$(DEMO_ENV) $(BIN)/sidestream user create --exist-ok --email demo@sidestream.example \
		--password demo-facilitator --name "Demo facilitator" --region helgeland --role facilitator
	@echo "Log in as demo@sidestream.example / demo-facilitator"
	$(DEMO_ENV) $(BIN)/sidestream serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: install lint browser
	$(BIN)/pytest -q

# The API load test drives the server with Debian's wrk (a C load generator: a Python
# one would take the CPU the server is measured on); installed like chromium above.
wrk:
	@if command -v wrk >/dev/null 2>&1; then \
		true; \
	elif [ "$$(id -u)" = 0 ]; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q --no-install-recommends wrk; \
	elif [ -n "$$CI" ]; then \
		echo "error: wrk is missing and CI is not root: install Debian's wrk" >&2; exit 1; \
	else \
		echo "note: wrk is missing, so the API benchmark uses its slower Python load generator;" \
			"install it with: sudo apt-get install wrk" >&2; \
	fi

bench: install wrk
	$(PY) benchmarks/quality/run.py --set all
	$(PY) benchmarks/bench_matching.py
	$(PY) benchmarks/bench_api.py
	$(PY) benchmarks/bench_optimise.py

bench-quality: install
	$(PY) benchmarks/quality/run.py --set all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache $(WEB_BUILD) $(FRONTEND)/node_modules

# Re-extract messages and merge them into the catalogs; then translate the new,
# empty entries in src/sidestream/locale/nb/LC_MESSAGES/messages.po.
i18n-update: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ --no-location --omit-header -o src/sidestream/locale/messages.pot src/sidestream
	$(BIN)/pybabel update --omit-header -i src/sidestream/locale/messages.pot -d src/sidestream/locale -D messages -l nb

# PNGs of the main pages for the README (a throw-away demo database, a real server,
# Debian's chromium); written to docs/screenshots/ and committed.
screenshots: install browser
	$(PY) scripts/screenshots.py
	SIDESTREAM_WRITE_SCREENSHOTS=1 $(BIN)/pytest -q tests/reports/test_region.py tests/reports/test_workshop_report.py -k "pdf or png"
	SIDESTREAM_WRITE_SCREENSHOTS=1 $(BIN)/pytest -q tests/web/test_potential_browser.py

# The CLI reference is generated from the code; tests/test_docs.py fails when stale.
docs: install
	$(BIN)/typer sidestream.cli utils docs --name sidestream --title "Sidestream CLI reference" --output docs/cli.md
