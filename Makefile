# Chengxin — the commands a newcomer needs. Only Python 3.11+ is assumed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install system-packages demo serve test bench lint clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) system-packages

## system-packages: what PDF credit reports need from the system — Pango (WeasyPrint's layout), a Chinese font
## (fonts-noto-cjk) and HarfBuzz's subsetter (libharfbuzz-subset0, ~30x faster font embedding); apt-get when
## missing (as root)
SYSTEM_PACKAGES := fontconfig fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
system-packages:
	@if fc-list :lang=zh 2>/dev/null | grep -q . && ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset \
	   && ldconfig -p 2>/dev/null | grep -q libpangoft2; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing $(SYSTEM_PACKAGES) (for PDF credit reports)"; \
	  { apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; }; } || \
	  echo "WARNING: apt-get could not install $(SYSTEM_PACKAGES): PDF credit reports need a Chinese font"; \
	else \
	  echo "WARNING: no Chinese font (fc-list :lang=zh finds none) or no libharfbuzz-subset: PDF credit reports need a"; \
	  echo "         CJK font — install fonts-noto-cjk and libharfbuzz-subset0 (Debian/Ubuntu) or your system's equivalents"; \
	fi

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
