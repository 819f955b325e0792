# Chengxin — the commands a newcomer needs. Only Python 3.11+ is assumed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo serve test bench lint clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: build the synthetic province and serve it at http://127.0.0.1:8000 (SQLite)
demo: install
	$(BIN)/chengxin demo --reset

serve: install
	$(BIN)/chengxin serve

## test: the whole suite, on SQLite and on PostgreSQL
test: install
	$(BIN)/python -m pytest

## bench: run the benchmarks and rewrite docs/benchmarks.md
bench: install
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src/chengxin

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
