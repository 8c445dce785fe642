# Front door of the project: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_DATA := /usr/share/datasets/fashion-mnist
LINTED := src tests bench notebooks

# Google Colab's versions (requirements/colab.txt), in a second environment on Colab's Python.
COLAB_VENV := .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed
COLAB_REQUIREMENTS := requirements/colab.txt
# python3.13 on PATH if it runs (a pyenv shim may not), else one installed by pyenv.
COLAB_PYTHON ?= $(or $(shell python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null),$(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13)))

.PHONY: help install data train evaluate export experiments run regenerate lab notebooks-sync bench speed test test-fast lint test-colab clean

help: ## Show this help
	@echo "Usage: make TARGET"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv and install the package with its dependencies

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

data: install ## Find the data; on Debian/Ubuntu as root, apt-get installs it when nothing else has it
	@$(BIN)/fmnist data || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's dataset-fashion-mnist into $(DEBIAN_DATA) ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null \
	      && $(BIN)/fmnist data; \
	  else \
	    echo "Provide the data as the message above says, then run make again." >&2; exit 1; \
	  fi; }

train: data ## Train the default recipe into models/ (weights, history, model card)
	$(BIN)/fmnist train

evaluate: install ## Print test accuracy and the per-class report of the default model in models/
	$(BIN)/fmnist evaluate

export: data ## Export the default model: SavedModel, float32 and int8 TFLite files in exported/
	$(BIN)/fmnist export

experiments: data ## Train what 04, 05 and 07 read that is missing: k-fold scores, 05's and 07's runs (hours on a CPU)
	$(BIN)/fmnist experiments

run: data ## Run the whole notebook series (02 retrains the committed models), then bring everything derived up to date (PROFILE=smoke: a first look in minutes, written to a scratch folder)
	@$(MAKE) --no-print-directory regenerate ALL=1 $(if $(PROFILE),PROFILE=$(PROFILE))

regenerate: data ## Rebuild what is out of date, by content: models, records, notebooks, figures, README (DRY=1: list it)
	$(BIN)/fmnist regenerate $(if $(ALL),--all) $(if $(DRY),--dry-run) $(if $(PROFILE),--profile $(PROFILE))

lab: data ## Open JupyterLab on the project's environment
	$(BIN)/jupyter lab notebooks/

notebooks-sync: install ## Rewrite the Colab and Kaggle badges (notebooks, README) and setup cells from config.REPO_URL
	$(BIN)/fmnist notebooks-sync

bench: data ## Train recipes from scratch, costs in S, write bench/results/ and README's table (LONG=1: the long recipe too; PRECISION=fast: bfloat16 where the CPU has it)
	$(BIN)/fmnist bench $(if $(LONG),--long) --precision $(or $(PRECISION),float32)

speed: data ## Time CPU training under different settings (precision, batch, XLA, augmentation)
	$(BIN)/fmnist speed

# Two processes share the cores: much of a test's time is start-up and graph building, not compute.
# --dist loadscope keeps each notebook's cells together, in order.
PYTEST_ARGS := -n 2 --dist loadscope

test: data ## Run the whole test suite: unit, integration, end-to-end training, notebooks (smoke)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(COLAB_STAMP): $(COLAB_REQUIREMENTS) pyproject.toml
	@test -n "$(COLAB_PYTHON)" || { echo "make test-colab needs Python 3.13, Colab's: python3.13 on PATH or in pyenv" >&2; exit 1; }
	$(COLAB_PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COLAB_VENV)/bin/python -m pip install --quiet -r $(COLAB_REQUIREMENTS) -e '.[dev]'
	touch $@

test-fast: install ## The edit loop: the tests that need no training, no real data and no notebooks (the whole suite: make test)
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not slow and not integration" tests

lint: install ## ruff: lint (import order and type hints included) and formatting of src, tests, bench and notebooks
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

test-colab: data $(COLAB_STAMP) ## The whole suite again under Google Colab's versions, in .venv-colab
	FMNIST_OTHER_PYTHON=$(abspath $(BIN)/python) $(COLAB_VENV)/bin/python -m pytest $(PYTEST_ARGS)

clean: ## Remove the virtual environments and test caches (data and models stay)
	rm -rf $(VENV) $(COLAB_VENV) .pytest_cache
