#!/usr/bin/env bash
# Set up and run the whole test suite: lint, migrations check, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings_test

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== import contracts"
.venv/bin/lint-imports --no-cache

echo "== migrations"
.venv/bin/python manage.py makemigrations --check --dry-run

echo "== browser"
# The browser tests drive Debian's Chromium; Playwright cannot fetch its own here.
browser_args=()
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif [ -n "${CI:-}" ]; then
    echo "Chromium is needed for the browser tests and cannot be installed here." >&2
    exit 1
  else
    echo "WARNING: no Chromium and no root to install it ('sudo apt-get install -y chromium')." >&2
    echo "WARNING: running everything except the browser tests." >&2
    browser_args=(-m "not browser")
  fi
fi
/usr/bin/chromium --version 2>/dev/null || true

echo "== pytest"
if [ -z "${DATABASE_URL:-}" ]; then
  # Our own embedded server: nothing else uses its test databases.
  .venv/bin/python -m core.embedded_db end-stale-test-sessions
fi
.venv/bin/pytest --durations=15 "${browser_args[@]}" "$@"
