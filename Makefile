# The commands README shows and CI runs. Every target installs what it needs first.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
SYNCED := $(VENV)/.synced
# npm ci's own record of what it installed: the pages' libraries are there and current
NODE_MODULES := frontend/node_modules/.package-lock.json

.PHONY: help run stop test lint typecheck pytest fmt samples bench bench-load bench-stats bench-query bench-workbench bench-tiles clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(SYNCED): pyproject.toml uv.lock frontend/package-lock.json scripts/bootstrap.sh $(NODE_MODULES)
	@bash scripts/bootstrap.sh
	@touch $@

# no recipe: while the file is missing (node_modules/ deleted, say), bootstrap runs again
$(NODE_MODULES):

run: $(SYNCED) ## serve the API with sample data (local PostGIS unless DATABASE_URL is set)
	$(BIN)/parcel-registry serve

stop: $(SYNCED) ## stop the local PostGIS that `make run` started
	$(BIN)/parcel-registry db down

test: lint typecheck pytest ## the whole suite: lint, type check, tests on a throwaway PostGIS

lint: $(SYNCED) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(SYNCED) ## mypy --strict on app/
	$(BIN)/mypy

pytest: $(SYNCED) ## the tests only
	$(BIN)/pytest

fmt: $(SYNCED) ## format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

samples: $(SYNCED) ## regenerate gis_samples/ (deterministic)
	$(BIN)/python gis_samples/generate.py

bench: $(SYNCED) ## import speed against ogr2ogr (installs gdal-bin when missing, as root)
	@command -v ogr2ogr >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq gdal-bin >/dev/null; } \
	  || { echo "install gdal-bin for ogr2ogr" >&2; exit 1; }
	$(BIN)/python bench/import_bench.py --sizes 100000 1000000

bench-load: $(SYNCED) ## 50 clients for 60 s, reads and writes (installs wrk when missing, as root)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "install wrk" >&2; exit 1; }
	$(BIN)/python bench/load_bench.py --seconds 60 --readers 40 --writers 10

bench-stats: $(SYNCED) ## /stats/wards against a plain GROUP BY at 100k and 1M parcels (installs wrk when missing, as root)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "install wrk" >&2; exit 1; }
	$(BIN)/python bench/stats_bench.py --sizes 100000 1000000

bench-workbench: $(SYNCED) ## the workbench's pages in headless Chromium on 1M parcels (installs chromium when missing, as root)
	$(BIN)/python bench/workbench_bench.py --parcels 1000000 --upload 20000 --rounds 20

bench-query: $(SYNCED) ## a bbox query through the service, tipg and pgbench at 1M parcels; tile times (installs wrk when missing, as root)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
	  || { echo "install wrk" >&2; exit 1; }
	$(BIN)/python bench/query_bench.py --parcels 1000000 --seconds 20

bench-tiles: $(SYNCED) ## parcel tiles at zooms 12 to 18 over the densest 4 km2 of 1M parcels, against plain ST_AsMVT
	$(BIN)/python bench/tile_bench.py --parcels 1000000 --rounds 5 --edits 20

clean: ## remove the virtualenv and tool caches (the local database stays; `make stop` first)
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
