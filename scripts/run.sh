#!/usr/bin/env bash
# Set up and serve the site with demo content at http://127.0.0.1:8000/.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-true}"
py=.venv/bin/python

$py manage.py migrate --noinput
$py manage.py load_demo
$py manage.py ensure_organiser

# The background-task worker (emails, the daily retention purge, the check for
# stuck tasks) runs beside the web server.
$py manage.py enforce_retention --schedule
$py manage.py recover_tasks --schedule
$py manage.py db_worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT

$py manage.py runserver 127.0.0.1:8000
