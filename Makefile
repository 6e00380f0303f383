# SafeDial: `make run` starts the local lab, `make test` runs every test tier.
# Both install what is missing first (Debian packages need root; see README).

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_FLAGS ?=

.PHONY: help deps system-deps python-deps run stop test lint unit integration bench clean

help:
	@echo "make run          start the local lab (Asterisk + lab phone) and print how to call"
	@echo "make stop         stop the local lab"
	@echo "make test         install what is missing, then lint, unit and integration tests"
	@echo "make unit         unit tests only (no PBX)"
	@echo "make integration  tests against a real Asterisk and sipp"
	@echo "make bench        speed targets of the policy engine"

deps: system-deps python-deps

system-deps:
	@bash scripts/install-system-deps.sh

python-deps: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

lint: python-deps
	@$(VENV)/bin/ruff check gateway tests
	@$(VENV)/bin/mypy

unit: python-deps
	$(PY) -m pytest tests/unit $(PYTEST_FLAGS)

integration: deps
	$(PY) -m pytest tests/integration -m integration $(PYTEST_FLAGS)

test: deps lint unit integration

bench: python-deps
	$(PY) benchmarks/bench_policy.py

run: deps
	@$(VENV)/bin/safedial pbx up
	@$(PY) -m gateway.lab.phone start
	@$(PY) -m gateway.lab.bootstrap
	@$(PY) -m gateway.lab.server start
	@echo
	@echo "Local lab is up (both phones are the lab phone). Try:"
	@echo "  $(VENV)/bin/safedial participant list"
	@echo "  $(VENV)/bin/safedial call --participant <participant id> --advocate <admin id>"
	@echo "  curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/api/participants"
	@echo "Stop it with: make stop"

stop:
	@-$(PY) -m gateway.lab.server stop
	@-$(PY) -m gateway.lab.phone stop
	@-$(VENV)/bin/safedial pbx down

clean: stop
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
