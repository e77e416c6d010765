# Every target sets up its own virtual environment on first use; only Python 3.10+ is needed.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# the CPU torch pin lives in constraints-cpu.txt (pyproject states the compatible range)
PIP     = $(BIN)/python -m pip install -q -c constraints-cpu.txt

.PHONY: demo test bench install clean browser

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml constraints-cpu.txt
	$(PIP) -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/synthboost demo

# the report test renders HTML in headless Chromium; install Debian's package when it is missing
browser:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || { \
	  echo "installing chromium for the report rendering test"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: $(VENV)/.installed browser
	$(BIN)/python -m pytest

# speed/quality side by side with CTGAN (the bench extra) in its own venv: ctgan pins pandas < 3
BENCH_VENV = .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml constraints-cpu.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q -c constraints-cpu.txt -e ".[dev,bench]"
	touch $@

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python bench/bench_core.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) runs .pytest_cache
