# SafeDial: `make run` starts the local lab, `make test` runs every test tier.
# Both install what is missing first (Debian packages need root; see README).

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_FLAGS ?=
# Asterisk 22 LTS lives in a Debian sid root outside the repository, run with chroot.
ASTERISK22_CACHE ?= /var/cache/safedial/asterisk22
ASTERISK22_ROOT := $(ASTERISK22_CACHE)/root
# The lab runs Asterisk 22 from that root when it is there (unless
# SAFEDIAL_ASTERISK_ROOT is already set, even to empty for the host's Asterisk 16).
LAB_CONFIG := $${XDG_STATE_HOME:-$$HOME/.local/state}/safedial/lab.toml
LAB := if [ -z "$${SAFEDIAL_ASTERISK_ROOT+set}" ] && [ -x $(ASTERISK22_ROOT)/usr/sbin/asterisk ]; \
	then export SAFEDIAL_ASTERISK_ROOT=$(ASTERISK22_ROOT); fi; \
	export SAFEDIAL_CONFIG_FILE=$${SAFEDIAL_CONFIG_FILE:-$(LAB_CONFIG)};

.PHONY: help deps system-deps browser-deps python-deps run stop test lint unit browser \
	integration integration-16 integration-22 screenshots bench clean

help:
	@echo "make run          start the local lab (Asterisk + lab phone) and print how to call"
	@echo "make stop         stop the local lab"
	@echo "make test         install what is missing, then lint, unit, browser and integration tests"
	@echo "make unit         unit tests only (no PBX)"
	@echo "make browser      the web pages in Debian's Chromium (Playwright, headless)"
	@echo "make integration  tests against a real Asterisk and sipp: Asterisk 16 and 22 in turn"
	@echo "make integration-16 / integration-22   one of those tiers"
	@echo "make screenshots  the main pages at phone and desktop widths into docs/screenshots/"
	@echo "make bench        speed targets of the policy engine"

deps: system-deps python-deps

system-deps:
	@bash scripts/install-system-deps.sh $(ASTERISK22_CACHE)

browser-deps:
	@bash scripts/install-system-deps.sh --browser

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

# A tier that ran no test (pytest exit 5) fails like any other failure.
browser: python-deps browser-deps
	@$(PY) -m pytest tests/browser -m browser $(PYTEST_FLAGS) || { rc=$$?; \
		[ $$rc -ne 5 ] || echo "browser tier: FAILED, no test ran (pytest exit 5)" >&2; \
		exit $$rc; }

integration: deps
	@PY=$(PY) bash scripts/integration-tiers.sh $(ASTERISK22_ROOT) $(PYTEST_FLAGS)

integration-16 integration-22: integration-%: deps
	@PY=$(PY) TIERS=$* bash scripts/integration-tiers.sh $(ASTERISK22_ROOT) $(PYTEST_FLAGS)

test: deps lint unit browser integration

screenshots: python-deps browser-deps
	$(PY) -m tests.browser.screenshots docs/screenshots

bench: python-deps
	$(PY) benchmarks/bench_policy.py

run: deps
	@$(PY) -m gateway.lab.config >/dev/null
	@$(LAB) $(VENV)/bin/safedial pbx up
	@$(LAB) $(PY) -m gateway.lab.carrier start
	@$(LAB) $(PY) -m gateway.lab.phone start
	@$(LAB) $(PY) -m gateway.lab.bootstrap
	@echo "Privacy self-test (through the lab carrier and back to the canary):"
	@$(LAB) $(VENV)/bin/safedial selftest || echo "  the self-test did not pass: calls in that mode are locked"
	@$(LAB) $(PY) -m gateway.lab.server start
	@echo
	@echo "Local lab is up (both phones are the lab phone, behind the lab carrier)."
	@echo "Web sign-in at http://127.0.0.1:8000: lab-admin and lab-advocate, with the one-time"
	@echo "passwords printed above (each make run prints new ones). In your shell:"
	@$(LAB) echo "  export SAFEDIAL_CONFIG_FILE=$$SAFEDIAL_CONFIG_FILE"
	@$(LAB) if [ -n "$${SAFEDIAL_ASTERISK_ROOT-}" ]; then \
		echo "  export SAFEDIAL_ASTERISK_ROOT=$$SAFEDIAL_ASTERISK_ROOT  # the lab's Asterisk 22"; fi
	@echo "Then try:"
	@echo "  $(VENV)/bin/safedial participant list"
	@echo "  $(VENV)/bin/safedial call --participant <participant id> --advocate <admin id>"
	@echo "  $(VENV)/bin/safedial lock status"
	@echo "  curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/api/participants"
	@echo "Stop it with: make stop"

stop:
	@-$(LAB) $(PY) -m gateway.lab.server stop
	@-$(LAB) $(PY) -m gateway.lab.phone stop
	@-$(LAB) $(PY) -m gateway.lab.carrier stop
	@-$(LAB) $(VENV)/bin/safedial pbx down

clean: stop
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
