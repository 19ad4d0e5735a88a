# Two commands for a fresh machine: `make run` and `make test` (see README.md).
# Everything they need is installed into the checkout: .uv/ (the uv tool),
# .venv/ (locked dependencies) and .pgdata/ (the embedded PostgreSQL).

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .uv/bin/uv
export UV_PROJECT_ENVIRONMENT := .venv
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint format bench bench-quick bench-peers venv stop-db clean

run: venv
	bash scripts/run.sh

test: venv
	bash scripts/test.sh

venv: .venv/.synced

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	touch $@

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: venv
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: venv
	.venv/bin/python -m bench.run

bench-quick: venv
	.venv/bin/python -m bench.run --quick

# make bench with a stock Wagtail and WordPress beside it (bench/peers; installs them once).
bench-peers: venv
	.venv/bin/python -m bench.run --peers

stop-db: venv
	.venv/bin/python -m core.embedded_db stop

clean: stop-db
	rm -rf .venv .uv .pgdata staticfiles media
