# `make dev` and `make test` are the whole set-up on a fresh machine: each creates .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint typecheck unit clean chromium bench test-containers

# The dashboard's browser assets (Chart.js, Noto Sans SC) come from the npm registry, pinned by
# dashboard/package-lock.json, and are copied into the package's static folder: no CDN.
DASHBOARD_ASSETS := api/dashboard/static/vendor/VERSIONS.json

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(DASHBOARD_ASSETS): dashboard/package.json dashboard/package-lock.json dashboard/vendor.mjs
	cd dashboard && npm ci --no-audit --no-fund --loglevel=error && npm run --silent vendor

# Browser tests drive Debian's Chromium (Playwright's own browser downloads are not used); the
# documents' tests read the PDFs back with Debian's pdftotext (poppler-utils).
chromium:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	command -v pdftotext >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils)

dev: $(STAMP) $(DASHBOARD_ASSETS)
	$(BIN)/petitionflow dev

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Two workers, one test file each at a time (files share a dev server and their own databases);
# tests with real-time clocks wait for outcomes, never for fixed delays, so load does not flake them.
unit: $(STAMP) $(DASHBOARD_ASSETS) chromium
	$(BIN)/pytest -q --tb=native -n 2 --dist loadfile

test: lint typecheck unit

# The database-backed tests against PostgreSQL in containers (testcontainers), on images built
# here from Debian's packages; starts a Docker engine if none answers (as root), then checks that
# the Dockerfile builds. Not part of `make test`: see the README.
test-containers: $(STAMP)
	bash deploy/containers/test-containers.sh

# Benchmarks against bare Temporal in the same run; writes bench/results/latest.{md,json}.
# `make bench ARGS="--scale 5"` raises the counts. Nothing in `make test` asserts a speed.
bench: $(STAMP)
	$(BIN)/python -m bench.run --out bench/results $(ARGS)

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
	rm -rf dashboard/node_modules api/dashboard/static/vendor tests/artifacts
