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

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

demo: venv
	bash scripts/demo.sh "$(DEMO)"

system:
	bash scripts/install-system.sh

test: venv system
	$(PY) -m ruff check src tests bench
	$(PY) -m pytest -q -p tests.no_skip tests

lint: venv
	$(PY) -m ruff check src tests bench

typecheck: venv
	$(PY) -m mypy

bench: venv system
	$(PY) bench/run.py

FUZZ_SECONDS ?= 120
fuzz: venv
	$(PY) -m pip install -q 'atheris>=2.3'
	$(PY) fuzz/seed_corpus.py fuzz/corpus
	mkdir -p fuzz/crashes
	$(PY) fuzz/fuzz_scan.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -artifact_prefix=fuzz/crashes/ fuzz/corpus

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
