# Two commands on a fresh machine:  make demo   and   make test
# Both create .venv, install the project with its test extras and (for tests)
# Debian chromium for the browser tests.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_ROOT ?= $(CURDIR)/demo_data
SERVE ?= 1
PYTEST_ARGS ?=
# The example notebooks, checked by nbval: each notebook's cells run in order in one
# kernel, so a notebook stays on one worker (--dist loadfile); saved and new outputs
# are compared after notebooks/nbval_sanitize.cfg.
NBVAL := $(BIN)/python -m pytest -n 2 --dist loadfile \
	--nbval --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg notebooks/

.PHONY: setup demo test bench lint format browser clean notebooks

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is needed (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,jupyter,gdoc,dask]'
	touch $(STAMP)

# Browser tests drive Debian chromium; install it when missing (CI runs as root).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian chromium for the browser tests"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium missing: run 'sudo apt-get install -y chromium' (needed by browser tests)"; exit 1; \
	  fi; \
	fi

demo: setup
	$(BIN)/scan-analysis demo --root "$(DEMO_ROOT)" $(if $(filter 0,$(SERVE)),--no-serve,)

test: setup browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)
	$(NBVAL)

# Every script in benchmarks/ in turn (takes minutes: they generate large scans). Each prints
# its figure last, as a ratio against a baseline measured in the same run; those last lines
# are repeated at the end. Record them in benchmarks/RESULTS.md with the machine they came from.
bench: SHELL := /bin/bash
bench: setup
	@set -o pipefail; out=$$(mktemp -d); trap 'rm -rf "$$out"' EXIT; \
	for script in benchmarks/[!_]*.py; do \
	  echo "== $$script"; \
	  $(BIN)/python "$$script" | tee "$$out/$$(basename "$$script" .py)" || exit 1; \
	done; \
	echo "== figures ($$(nproc) CPUs, load average $$(cut -d' ' -f1-3 /proc/loadavg))"; \
	for figure in "$$out"/*; do \
	  printf '%-18s %s\n' "$$(basename "$$figure")" "$$(tail -n 1 "$$figure")"; \
	done

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-execute the example notebooks and save their outputs (after changing one, or the
# library behaviour they show); then 'make test' checks them.
notebooks: setup
	$(BIN)/python notebooks/execute_notebooks.py

clean:
	rm -rf $(VENV) demo_data .pytest_cache
