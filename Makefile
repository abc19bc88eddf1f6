# evalkit: the two set-up commands of the README are `make reports` and `make test`.
# Each creates its own virtual environment (.venv), installs the system packages it needs
# (a CJK font for charts) and the package with its extras, then runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
YEAR   ?= plan
JOBS   ?= 2
DEMO   := data/demo

.PHONY: reports test demo system-deps bench screenshot lab clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[lab,test,cluster]"
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name python3 >/dev/null
	touch $@

system-deps:
	@bash scripts/system-deps.sh

$(DEMO)/meta.json: | $(VENV)/.installed
	$(BIN)/evalkit demo-data --out $(DEMO)

demo: $(DEMO)/meta.json

## Main job: batch reports for every demo region, each for the latest year its plans and the data cover
## (reports/2023/, reports/2024/, reports/2025/, each with its index.html; YEAR=2025 for one year)
reports: system-deps $(VENV)/.installed demo
	$(BIN)/evalkit batch --year $(YEAR) --jobs $(JOBS) --data $(DEMO)

## Lint, format check and type check (config in pyproject.toml), then the whole test suite
## (unit tests, notebooks with nbval) on TEST_JOBS pytest-xdist workers: `--dist loadfile` keeps
## each notebook's cells on one worker (one kernel), see conftest.py. TEST_JOBS=0: one process.
TEST_JOBS ?= 2
test: system-deps $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_JOBS) --dist loadfile --durations=25 tests notebooks --nbval-lax \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

## JupyterLab on notebooks/ with the project kernel (the .venv's python3, evalkit from this checkout);
## as root (e.g. in a container) it passes --allow-root, which Jupyter otherwise requires. LAB_ARGS: extra options.
LAB_ARGS ?=
lab: system-deps $(VENV)/.installed
	$(BIN)/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LAB_ARGS)

## Benchmarks at provincial scale (see benchmarks/README.md)
bench: system-deps $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[bench]"  # the peers (polars, linearmodels, differences)
	$(BIN)/python benchmarks/run.py

## Open index.html and one report in headless Chromium and save screenshots
screenshot: reports
	bash scripts/screenshot.sh 2025

clean:
	rm -rf $(VENV) reports/*/ $(DEMO)
