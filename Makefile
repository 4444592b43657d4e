# mailward: the two commands in the README, and a few more.
#   make demo   set up .venv, generate the demo mailboxes, scan/hunt them, serve the UI
#   make test   install everything the tests need (Python and Debian packages), run them all
#   make bench  benchmarks side by side with rspamd and SpamAssassin (bench/RESULTS.md)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
MW     := $(VENV)/bin/mailward
DEMO   ?= demo-data

.PHONY: demo test venv system lint typecheck bench fuzz clean docs

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
# pip's "Location ... is ignored" notices come from this machine's pip config, not
# from us; pipefail keeps pip's own exit status
PIP_QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip $(PIP_QUIET)
	$(PY) -m pip install -q -e . $(PIP_QUIET)
	$(PY) -c "import mailward.cli"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]' $(PIP_QUIET)
	$(PY) -c "import pytest, hypothesis, xdist"
	touch $@

venv: $(VENV)/.installed

demo: venv
	bash scripts/demo.sh "$(DEMO)"

system:
	bash scripts/install-system.sh
	bash scripts/install-axe.sh

# pytest worker processes (pytest-xdist): CI has 2 cores; `make test TEST_WORKERS=0` runs in one process
TEST_WORKERS ?= 2

test: $(VENV)/.installed-test system
	$(PY) -m ruff check src tests bench
	$(PY) -m mypy
	$(PY) -m pytest -q -p tests.no_skip -n $(TEST_WORKERS) --dist loadfile tests

lint: $(VENV)/.installed-test
	$(PY) -m ruff check src tests bench

typecheck: $(VENV)/.installed-test
	$(PY) -m mypy

bench: $(VENV)/.installed-test system
	$(PY) bench/run.py

FUZZ_SECONDS ?= 120
# make test runs every property test on the derandomised "ci" Hypothesis profile
# (tests/conftest.py); make fuzz explores: random examples, 10x the budget, failures
# saved in .hypothesis/ and replayed next time
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -p tests.no_skip tests/hardening/test_structured_fuzz.py \
		tests/gateway/test_defuse.py tests/web/test_preview.py tests/core/test_parse_properties.py tests/beacons/test_properties.py
	$(PY) -m pip install -q 'atheris>=2.3'
	$(PY) fuzz/seed_corpus.py fuzz/corpus
	mkdir -p fuzz/crashes
	$(PY) fuzz/fuzz_scan.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -artifact_prefix=fuzz/crashes/ fuzz/corpus
	mkdir -p fuzz/corpus-milter-work
	$(PY) fuzz/fuzz_milter.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -artifact_prefix=fuzz/crashes/milter- fuzz/corpus-milter-work fuzz/corpus-milter

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
