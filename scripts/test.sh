#!/usr/bin/env bash
# Set up and run the whole test suite: lint, migrations check, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=campaign.settings_test

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== migrations"
.venv/bin/python manage.py makemigrations --check --dry-run

echo "== pytest"
.venv/bin/pytest "$@"
