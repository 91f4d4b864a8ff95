# One-command set-up: `make demo` and `make test` create .venv, install mapkit and run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-fast bench install install-train clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.core: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# The training add-on: TensorFlow + Magenta. Magenta's own pins cannot install on
# Python 3.11, so it goes in without its dependencies (see train/README.md).
$(VENV)/.train: $(VENV)/.core train/requirements-nodeps.txt
	$(BIN)/pip install -q -e '.[dev,train]'
	$(BIN)/pip install -q --no-deps -r train/requirements-nodeps.txt
	touch $@

install: $(VENV)/.core
install-train: $(VENV)/.train

## demo: convert the bundled NI Abbey Road loops to GM, check them for Magenta, detect their map
demo: $(VENV)/.core
	rm -rf demo-out
	$(BIN)/mapkit convert demo/loops demo-out/gm --from ni-abbey-road-80s --to gm
	$(BIN)/mapkit validate demo-out/gm --against gm --for magenta
	$(BIN)/mapkit detect demo/loops
	$(BIN)/mapkit stats demo-out/gm --map gm
	$(BIN)/mapkit plot demo-out/gm/grooves/funk_03.mid --map gm -o demo-out/funk_03.png
	@echo "demo outputs in demo-out/"

## test: the whole suite, training end to end included (what CI runs)
test: $(VENV)/.train
	$(BIN)/python -m pytest -q

## test-fast: everything but the slow training runs
test-fast: $(VENV)/.core
	$(BIN)/python -m pytest -q -m "not slow"

## bench: conversion speed against mido and raw copying (ratios measured in the same run)
bench: $(VENV)/.core
	$(BIN)/python benchmarks/bench_convert.py

clean:
	rm -rf $(VENV) demo-out build *.egg-info .pytest_cache .hypothesis
