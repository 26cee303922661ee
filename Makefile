# 回访台 — `make run` (demo), `make test` (whole suite), `make shell` (a shell where `huifang` is on PATH).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run shell test bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "huifang needs Python 3.11 or newer: set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: install
	$(VENV)/bin/huifang demo --reuse

# your own shell, with the .venv's bin first on PATH: every `huifang …` of the README works there as
# written (`exit` leaves it); the same as `. .venv/bin/activate`
shell: install
	@echo "huifang: $(abspath $(VENV))/bin/huifang — type exit to leave this shell"
	@PATH="$(abspath $(VENV))/bin:$$PATH" VIRTUAL_ENV="$(abspath $(VENV))" $${SHELL:-/bin/sh} -i

# the tests on one worker per core (pytest-xdist; tests that must share a worker are grouped in
# tests/conftest.py), and the 25 slowest listed at the end (docs/TESTING.md)
test: install
	$(PY) -m pytest -n auto --dist loadgroup --durations=25

bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
