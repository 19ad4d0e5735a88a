"""The bench's quick mode runs in the test suite, so the bench cannot rot."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
LIMIT = 150  # seconds; about 40 on a quiet two-core machine
# SQL queries per request of each row (the second request of a page: kept
# fragments are read, not built), as issue #21 left them; more fails the test.
QUERIES = {
    "home": 1,
    "home, page cache off": 2,
    "article page, page cache off": 2,
    "tag archive, page cache off": 2,
    "article list pN, cache off": 1,
    "search common word": 1,
    "search rare phrase": 1,
    "Atom feed, page cache off": 1,
    "slate page, page cache off": 2,
    "join form GET": 0,
    # Organisers' pages: the body is kept (session, user, permissions, the object).
    "nominations board": 6,
    "ballot unit dashboard": 6,
}


@pytest.mark.slow
def test_quick_bench_runs_and_measures(tmp_path):
    """`python -m bench.run --quick` builds its database, serves it, loads every row and stops."""
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    bench = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, "-m", "bench.run", "--quick", "--json", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        stdout, _ = bench.communicate(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        bench.terminate()  # the bench stops its gunicorns on TERM
        stdout, _ = bench.communicate(timeout=60)
        pytest.fail(f"bench --quick took over {LIMIT} s:\n{stdout[-3000:]}")
    assert bench.returncode == 0, stdout[-5000:]
    result = json.loads(out.read_text())
    rows = {row["name"]: row for row in result["rows"]}
    ceiling = rows["static ceiling (whitenoise)"]["results"]["16"]
    assert ceiling["rps"] > 0
    assert ceiling["errors"] == 0
    home = rows["home"]
    assert home["status"] == 200
    assert home["queries"] <= 1  # a cached hit: one read of the database cache
    assert home["results"]["16"]["rps"] > 0
    assert rows["home, page cache off"]["queries"] > home["queries"]
    assert rows["join form POST (sign-ups)"]["status"] == 302  # a valid sign-up, counted
    join = result["join"]
    assert join["accepted"] > 0
    assert join["lost"] == 0
    assert join["duplicated"] == 0
    assert "GIN indexes:" in result["explain"]
    # Row names without their page number and search words.
    by_kind = {re.sub(r" \(.*\)$", "", re.sub(r"\d+", "N", n)): r for n, r in rows.items()}
    for kind, limit in QUERIES.items():
        row = by_kind[kind]
        assert row["queries"] <= limit, f"{row['name']}: {row['queries']} queries (at most {limit})"
    assert all(rss < 400 * 2**20 for rss in result["peak_rss"]["cached"])
    assert "done" in stdout


def test_the_bench_runs_as_many_workers_as_production(monkeypatch):
    """The full bench's default is gunicorn.conf.py's WEB_CONCURRENCY default."""
    import runpy

    from bench.run.__main__ import PRODUCTION_WORKERS

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == PRODUCTION_WORKERS
