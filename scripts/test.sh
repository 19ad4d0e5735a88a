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

# Debian packages some tests need, installed the same way: as root, or through
# passwordless sudo; without either, a warning and those tests left out, except
# under CI=true, where it fails.
skip_markers=()
install_or_skip() {  # install_or_skip PACKAGE BINARY MARKER WHAT
  if [ -x "$2" ]; then return 0; fi
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  elif [ -n "${CI:-}" ]; then
    echo "$1 is needed for $4 and cannot be installed here." >&2
    exit 1
  else
    echo "WARNING: no $1 and no root to install it ('sudo apt-get install -y $1')." >&2
    echo "WARNING: running everything except $4." >&2
    skip_markers+=("not $3")
  fi
}

echo "== browser"
# The browser tests drive Debian's Chromium; Playwright cannot fetch its own here.
install_or_skip chromium /usr/bin/chromium browser "the browser tests"
/usr/bin/chromium --version 2>/dev/null || true

echo "== topology"
# tests/deploy/test_topology.py runs docker-compose.yml's services natively,
# behind Debian's caddy (the proxy the compose file runs).
install_or_skip caddy /usr/bin/caddy topology "the production topology test"
/usr/bin/caddy version 2>/dev/null || true

echo "== java"
# tests/core/test_public_html_valid.py runs the W3C Nu validator (vnu.jar), a Java program.
install_or_skip default-jre-headless /usr/bin/java htmlvalidator "the HTML validator test"
/usr/bin/java -version 2>&1 | head -1 || true

marker_args=()
if [ ${#skip_markers[@]} -gt 0 ]; then
  expression="${skip_markers[0]}"
  for marker in "${skip_markers[@]:1}"; do expression="$expression and $marker"; done
  marker_args=(-m "$expression")
fi

echo "== pytest"
if [ -z "${DATABASE_URL:-}" ]; then
  # Our own embedded server: nothing else uses its test databases.
  .venv/bin/python -m core.embedded_db end-stale-test-sessions
fi
.venv/bin/pytest --durations=15 "${marker_args[@]}" "$@"
