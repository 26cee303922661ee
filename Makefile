# 回访台 — two entry points: `make run` (demo) and `make test` (whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "huifang needs Python 3.11 or newer: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: install
	$(VENV)/bin/huifang demo --reuse

# the tests on one worker per core (pytest-xdist; tests that must share a worker are grouped in
# tests/conftest.py), and the 25 slowest listed at the end (docs/TESTING.md)
test: install
	$(PY) -m pytest -n auto --dist loadgroup --durations=25

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
