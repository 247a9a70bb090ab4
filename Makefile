# The verbs people use. Everything runs from a clean clone on a machine with Go >= 1.26
# and Python >= 3.11, reaching PyPI and the Go module proxy.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
TESTBED_BIN = $(shell hack/build-testbed.sh --print-bin-dir)
export PATH := $(TESTBED_BIN):$(CURDIR)/$(BIN):$(PATH)
PYTEST_ARGS ?=

.PHONY: help venv testbed testbed-demo browser lint fmt unit e2e security ui-test test demo cluster-up cluster-down bench bench-flux clean

help:
	@echo "make test          lint, unit and e2e tests (builds everything it needs)"
	@echo "make demo          local cluster + controller + example app syncing and healing"
	@echo "make cluster-up    start the local control plane; prints export KUBECONFIG=..."
	@echo "make cluster-down  stop it and remove its state"
	@echo "make lint | fmt | unit | e2e | security | ui-test | bench"
	@echo "make bench-flux    gitopsd and Flux side by side (builds Flux; not part of make test)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

testbed:
	hack/build-testbed.sh --for test >/dev/null

testbed-demo:
	hack/build-testbed.sh --for demo >/dev/null

# Chromium from the distribution's packages, for the web UI's browser tests.
browser:
	hack/install-browser.sh

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: venv
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

unit: venv testbed
	hack/pytest.sh tests/unit $(PYTEST_ARGS)

e2e: venv testbed browser
	hack/pytest.sh -m e2e tests/e2e -n 4 --dist loadfile $(PYTEST_ARGS)

# Attacks against the real control plane, one test per hole (SECURITY.md).
security: venv testbed
	hack/pytest.sh tests/security -n 2 --dist loadfile $(PYTEST_ARGS)

# The web UI in a real browser against the real control plane, controller and server.
ui-test: venv testbed browser
	hack/pytest.sh tests/unit/ui tests/e2e/test_ui.py -n 2 $(PYTEST_ARGS)

# e2e stories mostly wait on the cluster, so four workers share two cores well; a test
# file stays on one worker (the chart tests install cluster-wide objects).
test: venv testbed browser lint
	hack/pytest.sh tests -n 4 --dist loadfile $(PYTEST_ARGS)

cluster-up: testbed-demo
	@hack/cluster.sh up

cluster-down:
	@hack/cluster.sh down

demo: venv testbed-demo
	hack/demo.sh

bench: venv testbed browser
	$(BIN)/python bench/run_all.py

# Benchmark only: builds Flux's controllers (bench/flux/build.sh, cached outside the repo)
# and compares them with gitopsd on fresh clusters; `make test` never builds or runs Flux.
FLUX_SIZES ?= 100,500,1000
bench-flux: venv testbed
	$(BIN)/python bench/bench_flux.py --sizes $(FLUX_SIZES) --results bench/RESULTS.md

clean: cluster-down
	rm -rf $(VENV) .work .pytest_cache .mypy_cache .ruff_cache
