"""The bench's quick mode runs in the test suite, so the bench cannot rot."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
LIMIT = 150  # seconds; about 40 on a quiet two-core machine


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
    assert all(rss < 400 * 2**20 for rss in result["peak_rss"]["cached"])
    assert "done" in stdout
