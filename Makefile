# The whole set-up on a fresh machine: `make demo` (build and serve the demo cluster) and
# `make test` (the test suite). Both create .venv and install the project on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install lexicons browser demo build serve test fault lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first and pinned: the CPU wheel on this machine's disk, not a multi-GB CUDA build
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[dev,scale]"
	touch $(STAMP)

install: $(STAMP) lexicons

# Finnish searches are glossed into English (matcher.gloss) with Voikko's Finnish morphology
# and FreeDict's Finnish-English dictionaries, English ones naming a place in Russia into
# Russian with Müller's English-Russian dictionary, all from Debian's packages; installed
# once when missing. Without them (no root, no apt) the engine runs, only unglossed.
LEXICONS := /usr/share/dictd/freedict-fin-eng.index /usr/share/dictd/freedict-eng-fin.index \
	/usr/share/dictd/mueller7.index /usr/lib/voikko/5
lexicons:
	@for f in $(LEXICONS); do [ -e $$f ] || missing=1; done; \
	ldconfig -p | grep -q libvoikko.so.1 || missing=1; \
	if [ -n "$$missing" ]; then \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
			voikko-fi libvoikko1 dict-freedict-fin-eng dict-freedict-eng-fin mueller7-dict) \
		|| echo "Voikko or the dictionaries could not be installed: searches are not glossed" >&2; \
	fi

# the browser tests drive Debian's headless Chromium and its driver (nothing is downloaded
# at test time); installed once when missing
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	fi

build: install
	$(BIN)/matcher build

demo: build
	$(BIN)/matcher serve --port $(PORT)

test: install browser
	$(BIN)/python -m pytest

# kill -9 and damaged files against real server processes, and several server processes
# on one store (marked `fault` and `multiprocess`, not in `test`; the PostgreSQL ones need
# MATCHER_TEST_DATABASE_URL, .ci/run sets it)
fault: install
	$(BIN)/python -m pytest -m "fault or multiprocess" tests/test_faults.py tests/test_multiprocess.py

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
